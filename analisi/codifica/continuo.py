"""Learning while people code (the Codifica page): queue order, background retraining, held-out κ over time.

- :func:`ordina_coda` orders the page's candidate sentences as ``narrazioni codifica scegli`` orders units
  (:func:`analisi.codifica.campagna.scegli_unita`: uncertainty, proposta counted twice, and diversity).
- :class:`Riaddestratore` retrains the coder (corpus gold + people's decisions, as ``narrazioni codifica
  addestra``) in a background thread after every ``ogni`` new decisions; one retraining at a time per data
  directory and process. Before training it measures the current model on the decisions made since the last
  retraining: the model never saw them, so that Cohen's κ is held out ("test, then train"). The series is kept
  in ``<cartella_dati>/modelli/campagna_kappa.json`` and drawn by
  :func:`analisi.grafici_codifica.grafico_kappa_nel_tempo`. The same thread then re-maps the model's Piano di
  Zona areas with the staff's area corrections as prototypes (:func:`rimappa_proposte`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import cohen_kappa_score

from analisi.codifica.codebook import CODICI
from archivio.politiche import SOGLIA_CODICE

log = logging.getLogger(__name__)

FILE_STATO = "campagna_kappa.json"


def ordina_coda(candidati: Sequence[tuple[int, str]], codificatore: Any, n: int | None = None) -> list[int]:
    """The ids of the first ``n`` candidates (all by default) in the order :func:`scegli_unita` would hand
    them to a person: uncertainty first, diversity among the chosen."""
    from analisi.codifica.campagna import scegli_unita

    if not candidati:
        return []
    ordine = scegli_unita([(str(i), t) for i, t in candidati], n or len(candidati), codificatore)
    return [candidati[i][0] for i in ordine]


class CodificatoreMemo:
    """A coder whose sentence probabilities are remembered (the page re-orders its queue after every save)."""

    def __init__(self, codificatore: Any, massimo: int = 100_000) -> None:
        self.codificatore = codificatore
        self.soglia = getattr(codificatore, "soglia", SOGLIA_CODICE)
        self.massimo = massimo
        self._memoria: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def predict_proba(self, testi: Sequence[str]) -> np.ndarray:
        testi = list(testi)
        with self._lock:
            note = {t: self._memoria[t] for t in testi if t in self._memoria}
        mancanti = list(dict.fromkeys(t for t in testi if t not in note))
        if mancanti:
            note.update(zip(mancanti, np.asarray(self.codificatore.predict_proba(mancanti)), strict=True))
            with self._lock:
                if len(self._memoria) + len(mancanti) > self.massimo:
                    self._memoria.clear()
                self._memoria.update({t: note[t] for t in mancanti})
        if not testi:
            return np.zeros((0, len(CODICI)))
        return np.array([note[t] for t in testi])


def deve_riaddestrare(decisioni: int, all_ultimo: int, ogni: int) -> bool:
    """True when at least ``ogni`` decisions were made since the last retraining."""
    return ogni > 0 and decisioni - all_ultimo >= ogni


def decisioni_per_frase(righe: Sequence[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """People's first-level decisions per sentence (latest per author, majority over authors), in the order
    of each sentence's last decision: ``{frase_id: {"testo", "codici": set, "quando"}}``."""
    per: dict[int, dict[str, dict[str, bool]]] = {}
    info: dict[int, tuple[str, Any]] = {}
    for r in righe:  # rows are in time order
        if r["codice"] not in CODICI:
            continue
        per.setdefault(r["frase_id"], {}).setdefault(r["codice"], {})[r["autore"]] = bool(r["valore"])
        info[r["frase_id"]] = (r["testo"], r["creato_il"])
    out = {}
    for fid in sorted(per, key=lambda f: (info[f][1], f)):
        codici = {c for c, voti in per[fid].items() if sum(voti.values()) * 2 > len(voti)}
        out[fid] = {"testo": info[fid][0], "codici": codici, "quando": info[fid][1],
                    "decisi": set(per[fid])}
    return out


def kappa_modello(codificatore: Any, decisioni: Sequence[Mapping[str, Any]], soglia: float = SOGLIA_CODICE) -> float:
    """Cohen's κ between the model's labels and people's decisions, over (sentence, decided code) pairs."""
    if not decisioni:
        return float("nan")
    proba = np.asarray(codificatore.predict_proba([d["testo"] for d in decisioni]))
    vero, previsto = [], []
    for i, d in enumerate(decisioni):
        for j, c in enumerate(CODICI):
            if c in d["decisi"]:
                vero.append(int(c in d["codici"]))
                previsto.append(int(proba[i, j] >= soglia))
    if len(set(vero)) < 2 and len(set(previsto)) < 2:
        return float("nan")
    return float(cohen_kappa_score(vero, previsto))


def leggi_stato(cartella_dati: Path) -> dict[str, Any]:
    percorso = Path(cartella_dati) / "modelli" / FILE_STATO
    if not percorso.is_file():
        return {"all_ultimo": 0, "storia": []}
    try:
        return dict(json.loads(percorso.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError):
        log.warning("unreadable %s: starting a new series", percorso)
        return {"all_ultimo": 0, "storia": []}


def _scrivi_stato(cartella_dati: Path, stato: Mapping[str, Any]) -> None:
    percorso = Path(cartella_dati) / "modelli" / FILE_STATO
    percorso.parent.mkdir(parents=True, exist_ok=True)
    temporaneo = percorso.with_suffix(".tmp")
    temporaneo.write_text(json.dumps(stato, ensure_ascii=False, default=str), encoding="utf-8")
    temporaneo.replace(percorso)


def riaddestra(archivio: Any, cartella_dati: Path, *, addestra: Callable[..., Any] | None = None,
               carica: Callable[[Path], Any] | None = None) -> dict[str, Any]:
    """One retraining: κ of the current model on the decisions since the last one, then train and save.

    ``addestra`` and ``carica`` default to :func:`analisi.codifica.addestra.addestra` and
    :func:`analisi.codifica.modello.carica_codificatore` (tests pass fast stand-ins). Returns the new point
    of the series (``decisioni``, ``kappa``, ``valutate``, ``quando``).
    """
    from archivio import codifica as qc

    if addestra is None:
        from analisi.codifica.addestra import addestra
    if carica is None:
        from analisi.codifica.modello import carica_codificatore as carica
    assert addestra is not None and carica is not None
    stato = leggi_stato(cartella_dati)
    with archivio.lettura() as s:
        decisioni = decisioni_per_frase(qc.codici_umani(s))
    valutate = {int(f) for f in stato.get("valutate", [])}
    nuove = [d for f, d in decisioni.items() if f not in valutate]
    kappa = kappa_modello(carica(cartella_dati), nuove) if nuove else float("nan")
    addestra(archivio, cartella_dati, valuta=False, stampa=lambda _: None)
    punto = {"decisioni": len(decisioni), "kappa": None if np.isnan(kappa) else round(kappa, 4),
             "valutate": len(nuove), "quando": datetime.now().isoformat(timespec="seconds")}
    stato = {"all_ultimo": len(decisioni), "valutate": sorted(decisioni), "storia": [*stato.get("storia", []), punto]}
    _scrivi_stato(cartella_dati, stato)
    return punto


def rimappa_proposte(archivio: Any, percorso_tassonomia: Path | None = None, *, mappa: Any = None,
                     lotto: int = 200) -> int:
    """Re-map the model's Piano di Zona areas with the staff's confirmations and corrections as prototypes
    (a person's areas are never touched). Returns the number of proposals re-mapped."""
    from archivio import codifica as qc

    if mappa is None:
        from analisi.piano import Esempio, carica_mappatura

        with archivio.lettura() as s:
            umani = [Esempio(r["testo"], r["area"], r["scheda"], "umano") for r in qc.piano_umano(s)]
        mappa = carica_mappatura(percorso_tassonomia, umani)
        autore = f"piano@{mappa.tassonomia_.versione or 'senza-versione'}+{len(umani)}"
    else:
        autore = getattr(mappa, "autore", "piano")
    with archivio.lettura() as s:
        storie = qc.racconti_con_aree_modello(s)
    fatte = 0
    for i in range(0, len(storie), lotto):
        blocco = storie[i:i + lotto]
        with archivio.lettura() as s:
            frasi = qc.proposte_da_mappare(s, blocco)
        aree = [qc.AreaFrase(f.id, a.area, a.scheda, a.punteggio, a.seconda_area, a.punteggio_seconda)
                for f, a in zip(frasi, mappa.assegna([f.testo for f in frasi]), strict=True)]
        with archivio.transazione() as s:
            qc.salva_piano_modello(s, blocco, aree, autore)
        fatte += len(aree)
    return fatte


class Riaddestratore:
    """Background retraining, one at a time: :meth:`forse_avvia` starts a thread when due and none runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.ultimo_errore: str | None = None

    @property
    def in_corso(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def forse_avvia(self, archivio: Any, cartella_dati: Path, decisioni: int, ogni: int,
                    **opzioni: Any) -> bool:
        """Start a retraining if ``ogni`` decisions accumulated and none is running; True if started."""
        if not deve_riaddestrare(decisioni, int(leggi_stato(cartella_dati).get("all_ultimo", 0)), ogni):
            return False
        if not self._lock.acquire(blocking=False):
            return False

        def lavora() -> None:
            try:
                riaddestra(archivio, cartella_dati, **{k: v for k, v in opzioni.items() if k != "rimappa"})
                if opzioni.get("rimappa") is not None:  # the areas learn from the staff's corrections too
                    opzioni["rimappa"](archivio)
                self.ultimo_errore = None
            except Exception as e:  # a failed retraining must never break the page: log it, keep the old model
                log.exception("background retraining failed")
                self.ultimo_errore = str(e)
            finally:
                self._lock.release()

        self._thread = threading.Thread(target=lavora, name="narrazioni-riaddestra", daemon=True)
        self._thread.start()
        return True

    def attendi(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)


_RIADDESTRATORI: dict[str, Riaddestratore] = {}
_GUARDIA = threading.Lock()


def riaddestratore(cartella_dati: Path) -> Riaddestratore:
    """The one retrainer of a data directory in this process."""
    chiave = str(Path(cartella_dati).resolve())
    with _GUARDIA:
        return _RIADDESTRATORI.setdefault(chiave, Riaddestratore())
