"""Pipeline stages of sentence coding (``codifica.v1``) and Piano di Zona mapping (``piano.v1``).

Both run after ``frasi.v1`` on visible stories and read the stored sentences (anonymised text only).
They are incremental: a sentence already coded by the same model is not coded again, and a story is
revisited only when its sentences changed (the runner invalidates later stages). The coder and the mapper
are loaded once, in ``prepara``. Import this module to register them (``analisi.stadi_codifica``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from analisi.pipeline import Contesto, registra_stadio
from archivio import codifica as qc
from archivio.db import Archivio
from archivio.racconti import RaccontoDaElaborare


def _archivio_lettura(contesto: Contesto) -> Archivio:
    # Stages get a session only in ``salva``; reading the stored sentences in ``elabora`` needs our own
    # (read-only use, WAL keeps it from blocking the writer). Shared between the two stages of a run.
    if "archivio_lettura" not in contesto.risorse:
        contesto.risorse["archivio_lettura"] = Archivio(contesto.impostazioni.url_database())
    archivio: Archivio = contesto.risorse["archivio_lettura"]
    return archivio


@registra_stadio("codifica.v1")
class StadioCodifica:
    """Code every sentence with the seed codebook (probabilities per code and second-level code)."""

    nome: ClassVar[str] = "codifica"
    versione: ClassVar[int] = 1
    legge_grezzo: ClassVar[bool] = False
    solo_visibili: ClassVar[bool] = True
    parallelo: ClassVar[bool] = True  # elabora only reads: the runner may fork workers

    def prepara(self, contesto: Contesto) -> None:
        from analisi.codifica.modello import carica_codificatore

        nlp = None
        codificatore = carica_codificatore(contesto.impostazioni.cartella_dati)
        if codificatore.info_.get("morfologia"):
            # The model was trained with spaCy's morphology: give it the same features at run time.
            # Only the components morphology needs run (not the NER): the same features, a third of the time.
            from analisi.lingua import carica_italiano, per_morfologia

            if "nlp" not in contesto.risorse:
                contesto.risorse["nlp"] = carica_italiano(contesto.impostazioni.modello_lingua)
            nlp = per_morfologia(contesto.risorse["nlp"])
            codificatore.nlp = nlp
        self._codificatore = codificatore
        self._archivio = _archivio_lettura(contesto)

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        autore = self._codificatore.autore
        with self._archivio.lettura() as s:
            frasi = qc.frasi_dei_racconti(s, [r.id for r in lotto])
            gia_fatte = qc.frasi_codificate_da(s, [f.id for f in frasi], autore)
        da_fare = [f for f in frasi if f.id not in gia_fatte]
        codifiche = self._codificatore.codifica([f.testo for f in da_fare])
        per_racconto: dict[int, dict[int, dict[str, float]]] = {r.id: {} for r in lotto}
        for f, c in zip(da_fare, codifiche, strict=True):
            # First-level codes always (the dashboard filters by threshold); a second-level code only when
            # it is a label, to keep the table small.
            valori = dict(c.codici)
            valori.update({k: p for k, p in c.sottocodici.items() if k in c.etichette})
            per_racconto[f.racconto_id][f.id] = valori
        return [per_racconto[r.id] for r in lotto]

    def salva(self, s: Session, lotto: list[RaccontoDaElaborare], esiti: list[Any]) -> None:
        tutti: dict[int, dict[str, float]] = {}
        for codici in esiti:
            tutti.update(codici)
        qc.salva_codici_modello(s, tutti, self._codificatore.autore)  # one bulk write per batch


@registra_stadio("piano.v1")
class StadioPiano:
    """Map every proposal sentence to the best area and scheda of the Piano di Zona taxonomy."""

    nome: ClassVar[str] = "piano"
    versione: ClassVar[int] = 1
    legge_grezzo: ClassVar[bool] = False
    solo_visibili: ClassVar[bool] = True
    parallelo: ClassVar[bool] = True  # elabora only reads: the runner may fork workers

    def prepara(self, contesto: Contesto) -> None:
        from analisi.piano import Esempio, carica_mappatura

        self._archivio = _archivio_lettura(contesto)
        with self._archivio.lettura() as s:
            umani = [Esempio(r["testo"], r["area"], r["scheda"], "umano") for r in qc.piano_umano(s)]
        percorso = contesto.impostazioni.tassonomia_piano
        self._mappa = carica_mappatura(percorso, umani)
        versione = self._mappa.tassonomia_.versione or "senza-versione"
        self._autore = f"piano@{versione}+{len(umani)}"

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        with self._archivio.lettura() as s:
            frasi = qc.proposte_da_mappare(s, [r.id for r in lotto])
        assegnazioni = self._mappa.assegna([f.testo for f in frasi])
        per_racconto: dict[int, list[qc.AreaFrase]] = {r.id: [] for r in lotto}
        for f, a in zip(frasi, assegnazioni, strict=True):
            per_racconto[f.racconto_id].append(qc.AreaFrase(f.id, a.area, a.scheda, a.punteggio,
                                                            a.seconda_area, a.punteggio_seconda))
        return [per_racconto[r.id] for r in lotto]

    def salva(self, s: Session, lotto: list[RaccontoDaElaborare], esiti: list[Any]) -> None:
        for r, aree in zip(lotto, esiti, strict=True):
            qc.salva_piano_modello(s, [r.id], aree, self._autore)
