"""Plugin stages used by the tests (loaded by name, like a district's own plugin would be)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from analisi.pipeline import Contesto
from analisi.stadi.frasi import StadioFrasi
from archivio import racconti as q
from archivio.racconti import RaccontoDaElaborare


@dataclass
class _Esito:
    testo_anon: str
    entita: list[Any] = field(default_factory=list)
    mappa: dict[str, str] = field(default_factory=dict)
    da_rivedere: bool = False
    motivi: list[str] = field(default_factory=list)


class AnonimizzaFinta:
    """Marks every story anonymised with its text and free-text fields upper-cased (visible change, no
    model needed)."""

    nome: ClassVar[str] = "anonimizza"
    versione: ClassVar[int] = int(os.environ.get("VERSIONE_ANON_PROVA", "1"))
    legge_grezzo: ClassVar[bool] = True
    solo_visibili: ClassVar[bool] = False

    def prepara(self, contesto: Contesto) -> None:
        contesto.modello = {"nome": "finto", "versione": "0"}

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        return [_Esito(r.testo.upper(), motivi=["prova"] if "REVISIONE" in r.testo else [],
                       da_rivedere="REVISIONE" in r.testo) for r in lotto]

    def salva(self, s: Session, lotto: list[RaccontoDaElaborare], esiti: list[Any]) -> None:
        for r, e in zip(lotto, esiti, strict=True):
            q.salva_anonimizzazione(s, r.id, e.testo_anon, [], None, e.motivi,
                                    campi_anon={c: v.upper() for c, v in r.campi.items() if c in q.CAMPI_LIBERI})


class FrasiLente(StadioFrasi):
    """The sentence stage, slowed down so that a test can kill the process in the middle of a run."""

    parallelo = False  # one batch at a time: the tests time the run by its batches

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        time.sleep(float(os.environ.get("RITARDO_LOTTO_PROVA", "0.3")))
        return super().elabora(lotto)


class FrasiCheFalliscono(StadioFrasi):
    """Fails on stories containing 'ROMPI' (error isolation)."""

    parallelo = False  # the in-process retry path (the parallel one: test_pipeline's _FrasiParallele)

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        if any("ROMPI" in r.testo for r in lotto):
            raise RuntimeError("rotto")
        return super().elabora(lotto)
