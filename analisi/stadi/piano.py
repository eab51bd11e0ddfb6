"""Stage ``piano.v1``: every proposal sentence mapped to the best area and scheda of the Piano di Zona.

Runs after ``codifica.v1`` on visible stories; learns from the areas people confirmed; loaded once, in
``prepara``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from analisi.pipeline import Contesto, StadioBase, registra_stadio
from archivio import codifica as qc
from archivio.racconti import RaccontoDaElaborare


@registra_stadio("piano.v1")
class StadioPiano(StadioBase):
    """Map every proposal sentence to the best area and scheda of the Piano di Zona taxonomy."""

    nome: ClassVar[str] = "piano"
    versione: ClassVar[int] = 1
    legge: ClassVar[tuple[str, ...]] = ("frasi", "codici", "piano_frasi (fonte umano)")
    scrive: ClassVar[tuple[str, ...]] = ("piano_frasi (fonte modello)",)
    parallelo: ClassVar[bool] = True

    def prepara(self, contesto: Contesto) -> None:
        from analisi.piano import Esempio, carica_mappatura

        self._archivio = contesto.archivio_lettura()
        with self._archivio.lettura() as s:
            umani = [Esempio(r["testo"], r["area"], r["scheda"], "umano") for r in qc.piano_umano(s)]
        percorso = contesto.impostazioni.piano.tassonomia
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
        if len(esiti) != len(lotto):
            raise ValueError("one result per story expected")
        # one delete and one bulk insert per batch (rows in the same order as story by story)
        qc.salva_piano_modello(s, [r.id for r in lotto], [a for aree in esiti for a in aree], self._autore)
