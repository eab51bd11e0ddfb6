"""Evaluation: cross-register coding on the real development set (the headline numbers, see
:mod:`analisi.codifica.valuta_reale`), and on the corpus gold by story (GroupKFold): coding P/R/F1/κ per code
(hybrid vs rules-only), sentence-boundary F1 (gold and degraded copies), Piano di Zona area accuracy.

Run: ``python -m analisi.codifica.valuta [reale|codifica|frasi|piano|tutto] [--fold 5] [--emozioni]``
(the numbers in ``MODEL_CARD.md`` were printed by this command).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import GroupKFold

from analisi.codifica.accordo import kappa_cohen
from analisi.codifica.codebook import CODICI, TUTTI_SOTTOCODICI, genitore
from analisi.codifica.dati import FraseEtichettata, carica_oro, carica_racconti, matrice_etichette
from analisi.codifica.modello import CodificatoreFrasi
from analisi.codifica.regole import CodificatoreRegole
from archivio.politiche import SOGLIA_CODICE

EMOZIONI = Path(__file__).resolve().parents[3] / "shared" / "data" / "emozioni"


def prf(vero: Sequence[int] | np.ndarray, previsto: Sequence[int] | np.ndarray) -> tuple[float, float, float]:
    """Precision, recall, F1 of the positive class (0 where undefined)."""
    p, r, f, _ = precision_recall_fscore_support(np.asarray(vero), np.asarray(previsto), average="binary",
                                                 labels=[1], zero_division=0)
    return float(p), float(r), float(f)


def predizioni_fuori_fold(oro: Sequence[FraseEtichettata], fabbrica: Callable[[], Any], *, n_fold: int = 5,
                          extra: Sequence[FraseEtichettata] = ()) -> tuple[np.ndarray, np.ndarray | None]:
    """Out-of-fold probabilities (first-level, and second-level when the model has them), folds by story.

    ``extra`` examples (development data of another genre) are added to every training fold, never tested.
    """
    gruppi = [f.racconto for f in oro]
    proba = np.zeros((len(oro), len(CODICI)))
    sotto: np.ndarray | None = None
    for addestra, prova in GroupKFold(n_splits=n_fold).split(oro, groups=gruppi):
        train = [oro[i] for i in addestra] + list(extra)
        modello = fabbrica().fit([f.testo for f in train], [f.codici for f in train],
                                 **({"sample_weight": [f.peso for f in train]}
                                    if isinstance(fabbrica(), CodificatoreFrasi) else {}))
        testi = [oro[i].testo for i in prova]
        p = modello.predict_proba(testi)
        proba[prova] = p
        if hasattr(modello, "predict_proba_sottocodici"):
            if sotto is None:
                sotto = np.zeros((len(oro), len(TUTTI_SOTTOCODICI)))
            sotto[prova] = modello.predict_proba_sottocodici(testi, p)
    return proba, sotto


def metriche(oro: Sequence[FraseEtichettata], proba: np.ndarray, colonne: Sequence[str] = CODICI,
             soglia: float = SOGLIA_CODICE) -> dict[str, dict[str, float]]:
    """Per-code precision, recall, F1, Cohen's κ vs gold, support; plus the macro average."""
    vero = np.array(matrice_etichette([f.codici for f in oro], colonne))
    previsto = (proba >= soglia).astype(int)
    out: dict[str, dict[str, float]] = {}
    for j, c in enumerate(colonne):
        p, r, f1 = prf(vero[:, j], previsto[:, j])
        out[c] = {"precisione": p, "richiamo": r, "f1": f1,
                  "kappa": kappa_cohen(list(vero[:, j]), list(previsto[:, j])), "supporto": int(vero[:, j].sum())}
    out["media macro"] = {k: float(np.mean([out[c][k] for c in colonne]))
                          for k in ("precisione", "richiamo", "f1", "kappa")} | {"supporto": int(vero.sum())}
    return out


def metriche_sottocodici(oro: Sequence[FraseEtichettata], sotto: np.ndarray) -> dict[str, dict[str, float]]:
    """Second-level codes: a child is predicted when it is the parent's most likely child and the parent is
    predicted (as :meth:`CodificatoreFrasi.codifica` does for the top child)."""
    previsto = np.zeros_like(sotto)
    for padre in ("ansia", "proposta"):
        idx = [j for j, s in enumerate(TUTTI_SOTTOCODICI) if s.startswith(padre + ".")]
        blocco = sotto[:, idx]
        migliore = blocco.argmax(axis=1)
        for i in range(len(oro)):
            if blocco[i].sum() > 0 and blocco[i].max() >= 0.25:
                previsto[i, idx[migliore[i]]] = 1
    return metriche(oro, previsto, TUTTI_SOTTOCODICI, soglia=SOGLIA_CODICE)


def carica_emozioni_ansia(percorso: Path = EMOZIONI, *, massimo: int = 1500,
                          peso: float = 0.3) -> list[FraseEtichettata]:
    """XED-it development sentences as weak ansia examples: fear (4) or sadness (6) -> ansia, joy/trust/
    anticipation only -> no code. Development data only: never needed at run time."""
    file = percorso / "xed-it" / "it-projections.dev.tsv"
    if not file.is_file():
        return []
    out: list[FraseEtichettata] = []
    with open(file, encoding="utf-8") as f:
        for i, riga in enumerate(f):
            testo, _, etichette = riga.rstrip("\n").partition("\t")
            emozioni = {e.strip() for e in etichette.split(",") if e.strip()}
            if emozioni & {"4", "6"}:
                codici: frozenset[str] = frozenset({"ansia"})
            elif emozioni and emozioni <= {"2", "5", "8"}:
                codici = frozenset()
            else:
                continue
            out.append(FraseEtichettata(racconto=f"xed-{i}", testo=testo, codici=codici, fonte="xed", peso=peso))
    rng = np.random.default_rng(0)
    scelti = rng.permutation(len(out))[:massimo]
    return [out[i] for i in sorted(scelti)]


# --- sentence boundaries -----------------------------------------------------------------------------
def _minuscola(s: str) -> str:
    return s[0].lower() + s[1:] if s and not s.startswith("[") else s


def _senza_punto(s: str) -> str:
    return re.sub(r"[.!?…]+$", "", s) or s


VARIANTI: dict[str, tuple[Callable[[str], str], str | None]] = {
    "originale": (lambda s: s, None),
    "minuscole": (_minuscola, None),
    "senza_punto": (_senza_punto, None),
    "senza_spazio": (lambda s: s, ""),
    "chat_a_capo": (lambda s: _minuscola(_senza_punto(s)), "\n"),
    "chat_una_riga": (lambda s: _minuscola(_senza_punto(s)), None),
}


def esempi_confini(variante: str = "originale") -> list[tuple[str, list[tuple[int, int]]]]:
    """The gold stories as (text, sentence spans), optionally degraded the way people write.

    Variants: ``originale``; ``minuscole`` (sentences start lower-case); ``senza_punto`` (no final
    punctuation); ``senza_spazio`` ("fine.Inizio"); ``chat_a_capo`` (lower-case, no punctuation, one sentence
    per line); ``chat_una_riga`` (lower-case, no punctuation, all on one line: a stress test).
    """
    trasforma, separatore = VARIANTI[variante]
    testi = {r["id"]: str(r["testo"]) for r in carica_racconti()}
    per_racconto: dict[str, list[FraseEtichettata]] = {}
    for f in carica_oro():
        per_racconto.setdefault(f.racconto, []).append(f)
    out = []
    for rid, frasi in per_racconto.items():
        originale = testi.get(rid)
        if originale is None:
            continue
        pezzi: list[str] = []
        spans: list[tuple[int, int]] = []
        pos = 0
        fine_prec = 0
        for i, f in enumerate(frasi):
            inizio, fine = int(f.meta["start"]), int(f.meta["end"])  # type: ignore[call-overload]
            spazio = originale[fine_prec:inizio] if i else ""
            if separatore is not None and spazio == " ":
                spazio = separatore
            testo = trasforma(originale[inizio:fine])
            pos += len(spazio)
            spans.append((pos, pos + len(testo)))
            pezzi += [spazio, testo]
            pos += len(testo)
            fine_prec = fine
        out.append(("".join(pezzi), spans))
    return out


# --- reports -------------------------------------------------------------------------------------
def _tabella(titolo: str, m: dict[str, dict[str, float]]) -> str:
    righe = [f"| {titolo} | P | R | F1 | κ | n |", "|---|---|---|---|---|---|"]
    for c, v in m.items():
        righe.append(f"| {c} | {v['precisione']:.2f} | {v['richiamo']:.2f} | {v['f1']:.2f} | {v['kappa']:.2f} "
                     f"| {v['supporto']} |")
    return "\n".join(righe)


def rapporto_codifica(n_fold: int = 5, emozioni: bool = False, nlp: Any = None) -> str:
    """Markdown tables: hybrid (features as shipped: with the structure block) vs rules-only on held-out folds of
    the corpus gold (by story)."""
    oro = carica_oro()
    if not oro:
        return "corpus/gold_codici.jsonl missing: run `python corpus/costruisci.py`"
    storie = len({f.racconto for f in oro})
    parti = [f"Corpus gold: {len(oro)} sentences in {storie} stories, GroupKFold({n_fold}) by story.\n"]
    proba_i, sotto_i = predizioni_fuori_fold(oro, lambda: CodificatoreFrasi(nlp=nlp, usa_struttura=True),
                                             n_fold=n_fold)
    proba_r, _ = predizioni_fuori_fold(oro, lambda: CodificatoreRegole(nlp=nlp), n_fold=n_fold)
    parti.append(_tabella("ibrido (regole + regressione logistica)", metriche(oro, proba_i)))
    parti.append(_tabella("solo regole", metriche(oro, proba_r)))
    if sotto_i is not None:
        parti.append(_tabella("sottocodici (ibrido)", metriche_sottocodici(oro, sotto_i)))
    if emozioni:
        extra = carica_emozioni_ansia()
        if extra:
            proba_e, _ = predizioni_fuori_fold(oro, lambda: CodificatoreFrasi(nlp=nlp, usa_struttura=True),
                                               n_fold=n_fold, extra=extra)
            parti.append(_tabella(f"ibrido + XED-it ({len(extra)} frasi, peso {extra[0].peso})",
                                  metriche(oro, proba_e)))
    return "\n\n".join(parti)


def rapporto_frasi() -> str:
    from analisi.frasi import valuta_confini

    righe = ["| variante | P | R | F1 | confini |", "|---|---|---|---|---|"]
    for v in VARIANTI:
        es = esempi_confini(v)
        if not es:
            return "corpus not built"
        p = valuta_confini(es)
        righe.append(f"| {v} | {p.precisione:.3f} | {p.richiamo:.3f} | {p.f1:.3f} | {p.veri + p.falsi_negativi} |")
    return "\n".join(righe)


def rapporto_piano(n_fold: int = 5) -> str:
    from analisi.piano import valuta_aree

    return valuta_aree(n_fold=n_fold)


def rapporto_soglie(n_fold: int = 5, nlp: Any = None) -> str:
    """The export threshold: per code, the lowest calibrated probability with precision >= 0.9 (at least 20
    units above it) on held-out data — the real development set predicted register by register by a coder trained
    on the others (a unit's probability is its likeliest sentence's) and the corpus gold out of fold.
    The value for ``NARRAZIONI_ESPORTA__SOGLIA_MODELLO`` is proposta's highest of the two; 1.0 when either set
    never reaches the precision (export confirmed quotes only)."""
    from analisi.codifica.reale import carica_reali
    from analisi.esporta.selezione import MINIMO_SELEZIONATE, PRECISIONE_MINIMA, soglia_per_precisione

    insiemi: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    reali = carica_reali()
    if reali:
        # the shipped coder is trained on the real set: held-out means cross-register (each register
        # predicted by a coder trained on the synthetic corpus and the other registers)
        from analisi.codifica.modello import codificatore_spedito
        from analisi.codifica.valuta_reale import proba_incrociate

        per_reg = proba_incrociate(lambda: codificatore_spedito(nlp), reali,
                                   carica_oro())
        unita = [u for us, _ in per_reg.values() for u in us]
        proba = np.vstack([p for _, p in per_reg.values()])
        vero = np.array([[int(c in {genitore(x) for x in u.codici}) for c in CODICI] for u in unita])
        insiemi[f"reale, per registro ({len(unita)} unità)"] = (vero, proba)
    oro = carica_oro()
    if oro:
        proba_o, _ = predizioni_fuori_fold(oro, lambda: CodificatoreFrasi(nlp=nlp, usa_struttura=True),
                                           n_fold=n_fold)
        insiemi[f"corpus, fuori fold ({len(oro)} frasi)"] = (np.array(matrice_etichette([f.codici for f in oro])),
                                                              proba_o)
    if not insiemi:
        return "no data"
    righe = [f"| dati | codice | soglia per precisione ≥ {PRECISIONE_MINIMA} | unità sopra "
             f"| precisione a {SOGLIA_CODICE} |",
             "|---|---|---|---|---|"]
    scelte: list[float | None] = []
    for nome, (vero, proba) in insiemi.items():
        for j, c in enumerate(CODICI):
            s = soglia_per_precisione(vero[:, j], proba[:, j], PRECISIONE_MINIMA, MINIMO_SELEZIONATE)
            sopra = int((proba[:, j] >= s).sum()) if s is not None else 0
            sel = proba[:, j] >= SOGLIA_CODICE
            p05 = f"{vero[sel, j].mean():.2f}" if sel.any() else "—"
            righe.append(f"| {nome} | {c} | {'mai' if s is None else f'{s:.3f}'} | {sopra} | {p05} |")
            if c == "proposta":
                scelte.append(s)
    valore = 1.0 if any(s is None for s in scelte) else max(s for s in scelte if s is not None)
    return "\n".join(righe) + (f"\n\nNARRAZIONI_ESPORTA__SOGLIA_MODELLO = {valore:.3f} (proposta, the stricter of "
                               "the sets; 1.0 = export confirmed quotes only).")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("cosa", nargs="?", default="tutto",
                    choices=["reale", "codifica", "frasi", "piano", "soglie", "tutto"])
    ap.add_argument("--fold", type=int, default=5)
    ap.add_argument("--emozioni", action="store_true", help="also train with XED-it (../shared, development only)")
    ap.add_argument("--spacy", default=None, help="evaluate with this spaCy pipeline's morphology (e.g. auto)")
    a = ap.parse_args(argv)
    nlp = None
    if a.spacy:
        from analisi.lingua import carica_italiano

        nlp = carica_italiano(a.spacy)
    if a.cosa in ("reale", "tutto"):
        from analisi.codifica.valuta_reale import rapporto as rapporto_reale

        print("## Codifica sul testo reale (per registro)\n\n" + rapporto_reale(nlp) + "\n")
    if a.cosa in ("frasi", "tutto"):
        print("## Confini di frase\n\n" + rapporto_frasi() + "\n")
    if a.cosa in ("codifica", "tutto"):
        print("## Codifica\n\n" + rapporto_codifica(a.fold, a.emozioni, nlp) + "\n")
    if a.cosa in ("piano", "tutto"):
        print("## Piano di Zona\n\n" + rapporto_piano(a.fold) + "\n")
    if a.cosa in ("soglie", "tutto"):
        print("## Soglia delle esportazioni (astensione)\n\n" + rapporto_soglie(a.fold, nlp) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
