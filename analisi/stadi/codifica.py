"""Stage ``codifica.v1``: every sentence coded with the seed codebook (probabilities per code and sub-code).

Runs after ``frasi.v1`` on visible stories and reads the stored sentences (anonymised text only). It is
incremental: a sentence already coded by the same model is not coded again, and a story is revisited only
when its sentences changed (the runner invalidates later stages). The coder is loaded once, in ``prepara``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from analisi.pipeline import Contesto, StadioBase, registra_stadio
from archivio import codifica as qc
from archivio.racconti import RaccontoDaElaborare


@registra_stadio("codifica.v1")
class StadioCodifica(StadioBase):
    """Code every sentence with the seed codebook (probabilities per code and second-level code)."""

    nome: ClassVar[str] = "codifica"
    versione: ClassVar[int] = 1
    legge: ClassVar[tuple[str, ...]] = ("frasi", "codici (fonte modello)")
    scrive: ClassVar[tuple[str, ...]] = ("codici (fonte modello)",)
    parallelo: ClassVar[bool] = True

    def prepara(self, contesto: Contesto) -> None:
        from analisi.codifica.modello import carica_codificatore

        nlp = None
        codificatore = carica_codificatore(contesto.impostazioni.archivio.cartella_dati)
        if codificatore.info_.get("morfologia"):
            # The model was trained with spaCy's morphology: give it the same features at run time.
            # Only the components morphology needs run (not the NER): the same features, a third of the time.
            from analisi.lingua import per_morfologia

            nlp = per_morfologia(contesto.risorse.lingua(contesto.impostazioni))
            codificatore.nlp = nlp
        elif getattr(getattr(codificatore, "base_", codificatore), "usa_struttura", False):
            # proposta's structure features need the shipped pipeline's morphology: loaded once here, so that the
            # forked workers share it instead of each loading its own
            from analisi.codifica.struttura import pipeline_morfologia

            pipeline_morfologia()
        self._codificatore = codificatore
        self._archivio = contesto.archivio_lettura()

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
