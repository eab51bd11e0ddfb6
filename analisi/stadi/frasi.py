"""Stage ``frasi.v1``: the anonymised text split into sentences with character offsets."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from analisi.frasi import dividi_frasi
from analisi.pipeline import Contesto, StadioBase, registra_stadio
from archivio import racconti as q
from archivio.racconti import NuovaFrase, RaccontoDaElaborare


@registra_stadio("frasi.v1")
class StadioFrasi(StadioBase):
    """Split the anonymised text into sentences with character offsets."""

    nome: ClassVar[str] = "frasi"
    versione: ClassVar[int] = 1
    legge: ClassVar[tuple[str, ...]] = ("racconti.testo_anon",)
    scrive: ClassVar[tuple[str, ...]] = ("frasi",)
    parallelo: ClassVar[bool] = True  # pure text work: the batches split across the cores too

    def prepara(self, contesto: Contesto) -> None:
        return None

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        return [[NuovaFrase(iv.inizio, iv.fine, r.testo[iv.inizio:iv.fine]) for iv in dividi_frasi(r.testo)]
                for r in lotto]

    def salva(self, s: Session, lotto: list[RaccontoDaElaborare], esiti: list[Any]) -> None:
        q.salva_frasi_molti(s, {r.id: frasi for r, frasi in zip(lotto, esiti, strict=True)})
