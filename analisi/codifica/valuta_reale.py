"""Cross-register evaluation on the real development set (``corpus/reale``, text rebuilt from ``../shared``).

For each register R: train on the synthetic corpus plus every other real register, test on R; a unit is
coded as the union of its sentences' labels (its probability is the maximum over sentences), as the batch
contract is scored. Printed by ``python -m analisi.codifica.valuta reale``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, cohen_kappa_score, precision_recall_fscore_support

from analisi.codifica.campagna import proba_unita
from analisi.codifica.codebook import CODICI, genitore
from analisi.codifica.dati import FraseEtichettata, carica_oro
from analisi.codifica.modello import CodificatoreFrasi, codificatore_spedito
from analisi.codifica.reale import carica_reali
from archivio.politiche import SOGLIA_CODICE

PESO_REALE = 1.0  # weight of a real unit against a synthetic sentence when training
PESO_DESIDERIO = 3.0  # a wish that is not a proposal is the hard negative of proposta: it counts three times


def peso_addestramento(u: FraseEtichettata, peso_reale: float = PESO_REALE) -> float:
    """Training weight of a unit: synthetic sentences keep theirs, real units ``peso_reale``, wishes more."""
    if not str(u.fonte).startswith("reale:"):
        return u.peso
    marcatori = u.meta.get("marcatori", [])
    return peso_reale * (PESO_DESIDERIO if "desiderio" in marcatori and "proposta" not in u.codici else 1.0)  # type: ignore[operator]


@dataclass(frozen=True)
class Esito:
    """Unit-level results of one test set."""

    registro: str
    n: int
    metriche: dict[str, dict[str, float]]
    desideri_come_proposte: float
    n_desideri: int


def _vero(unita: Sequence[FraseEtichettata]) -> np.ndarray:
    return np.array([[int(c in {genitore(x) for x in u.codici}) for c in CODICI] for u in unita])


def misura(registro: str, unita: Sequence[FraseEtichettata], proba: np.ndarray,
           soglie: Sequence[float] | None = None) -> Esito:
    """P/R/F1, Cohen's κ and average precision per code; share of wishes (not proposals) taken for proposals.

    ``soglie``: label threshold per code (default 0.5 each)."""
    vero = _vero(unita)
    previsto = (proba >= np.asarray(soglie if soglie is not None else [SOGLIA_CODICE] * len(CODICI))).astype(int)
    m: dict[str, dict[str, float]] = {}
    for j, c in enumerate(CODICI):
        p, r, f, _ = precision_recall_fscore_support(vero[:, j], previsto[:, j], average="binary", zero_division=0)
        k = cohen_kappa_score(vero[:, j], previsto[:, j]) if len(set(vero[:, j])) > 1 else float("nan")
        ap = average_precision_score(vero[:, j], proba[:, j]) if vero[:, j].any() else float("nan")
        m[c] = {"precisione": float(p), "richiamo": float(r), "f1": float(f), "kappa": float(k), "ap": float(ap),
                "base": float(vero[:, j].mean()), "supporto": int(vero[:, j].sum())}
    j = CODICI.index("proposta")
    desideri = [i for i, u in enumerate(unita) if "desiderio" in u.meta.get("marcatori", [])  # type: ignore[operator]
                and not vero[i, j]]
    tasso = float(previsto[desideri, j].mean()) if desideri else float("nan")
    return Esito(registro, len(unita), m, tasso, len(desideri))


def per_registro(reali: Sequence[FraseEtichettata]) -> dict[str, list[FraseEtichettata]]:
    out: dict[str, list[FraseEtichettata]] = {}
    for u in reali:
        out.setdefault(str(u.meta["registro"]), []).append(u)
    return out


def proba_incrociate(fabbrica: Callable[[], Any], reali: Sequence[FraseEtichettata],
                     sintetico: Sequence[FraseEtichettata],
                     peso_reale: float = PESO_REALE) -> dict[str, tuple[list[FraseEtichettata], np.ndarray]]:
    """Per register: its units and their unit-level probabilities from a coder trained on the synthetic corpus
    and the other registers."""
    gruppi = per_registro(reali)
    out = {}
    for registro, prova in sorted(gruppi.items()):
        train = list(sintetico) + [u for r, us in gruppi.items() if r != registro for u in us]
        pesi = [peso_addestramento(u, peso_reale) for u in train]
        modello = fabbrica().fit([u.testo for u in train], [u.codici for u in train], sample_weight=pesi)
        out[registro] = (prova, proba_unita(modello, [u.testo for u in prova]))
    return out


def incrociata(fabbrica: Callable[[], Any], *, reali: Sequence[FraseEtichettata] | None = None,
               sintetico: Sequence[FraseEtichettata] | None = None, peso_reale: float = PESO_REALE,
               soglie: Sequence[float] | None = None) -> list[Esito]:
    """Train on the synthetic corpus + the other registers, test on each register in turn."""
    reali = list(carica_reali() if reali is None else reali)
    sintetico = list(carica_oro() if sintetico is None else sintetico)
    return [misura(r, prova, p, soglie) for r, (prova, p) in
            proba_incrociate(fabbrica, reali, sintetico, peso_reale).items()]


def soglie_migliori(proba: dict[str, tuple[list[FraseEtichettata], np.ndarray]],
                    griglia: Sequence[float] = tuple(np.round(np.arange(0.15, 0.66, 0.05), 2))) -> list[float]:
    """Per code, the label threshold with the best F1 averaged over registers (cross-register predictions)."""
    out = []
    for j in range(len(CODICI)):
        def media(t: float, j: int = j) -> float:
            f1 = [precision_recall_fscore_support(_vero(us)[:, j], p[:, j] >= t, average="binary",
                                                  zero_division=0)[2] for us, p in proba.values()
                  if _vero(us)[:, j].any()]
            return float(np.mean(f1)) if f1 else 0.0
        out.append(max(griglia, key=media))
    return out


def zero_shot(modello: Any, reali: Sequence[FraseEtichettata] | None = None) -> list[Esito]:
    """A fitted coder (e.g. the one trained on the synthetic corpus only) on every register."""
    reali = list(carica_reali() if reali is None else reali)
    return [misura(r, us, proba_unita(modello, [u.testo for u in us])) for r, us in sorted(per_registro(reali).items())]


def tabella(titolo: str, esiti: Sequence[Esito]) -> str:
    """One Markdown table: a row per register, F1 (and AP / base rate) per code, wishes taken for proposals."""
    righe = [f"| {titolo} | n | proposta P / R / F1 | AP proposta (base) | ansia F1 | AP ansia (base) "
             "| preocc. F1 | vita q. F1 | κ proposta | desideri → proposta |", "|---" * 10 + "|"]

    def f(x: float) -> str:
        return "—" if np.isnan(x) else f"{x:.2f}"

    for e in esiti:
        p, a = e.metriche["proposta"], e.metriche["ansia"]
        righe.append(
            f"| {e.registro} | {e.n} | {f(p['precisione'])} / {f(p['richiamo'])} / {f(p['f1'])} "
            f"| {f(p['ap'])} ({p['base']:.2f}) | {f(a['f1'])} | {f(a['ap'])} ({a['base']:.2f}) "
            f"| {f(e.metriche['preoccupazione_futuro']['f1'])} | {f(e.metriche['vita_quotidiana']['f1'])} "
            f"| {f(p['kappa'])} | {f(e.desideri_come_proposte)} ({e.n_desideri}) |")
    return "\n".join(righe)


def rapporto(nlp: Any = None) -> str:
    """Zero-shot (synthetic only) and cross-register tables on the real development set."""
    reali = carica_reali()
    if not reali:
        return "real development set not available (../shared missing)"
    sintetico = carica_oro()
    solo_sintetico = CodificatoreFrasi(nlp=nlp).fit([u.testo for u in sintetico], [u.codici for u in sintetico])
    parti = [f"Real development set: {len(reali)} units in {len(per_registro(reali))} registers.",
             tabella("solo corpus sintetico", zero_shot(solo_sintetico, reali)),
             tabella("incrociato, come spedito (sintetico + altri registri)",
                     incrociata(lambda: codificatore_spedito(nlp), reali=reali, sintetico=sintetico))]
    return "\n\n".join(parti)
