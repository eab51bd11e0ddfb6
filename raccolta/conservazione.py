"""Retention: the encrypted raw text is erased ``conservazione.giorni`` days after the anonymised text is approved.

The library side of ``narrazioni pulisci``: run it daily (cron, systemd timer); it is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from archivio import ricevute as store
from archivio.db import Archivio


@dataclass(frozen=True)
class EsitoPulizia:
    purgati: int
    prova: bool


def pulisci_testi_grezzi(archivio: Archivio, conservazione_giorni: int, *, prova: bool = False,
                         ora: datetime | None = None, chi: str = "cli") -> EsitoPulizia:
    """Erase expired raw texts and placeholder mappings (``prova``: only count them).

    Stories still waiting for review keep their raw text whatever their age: the administrator needs
    it to check the anonymisation.
    """
    if conservazione_giorni < 0:
        raise ValueError("conservazione_giorni must be >= 0")
    if prova:
        with archivio.lettura() as s:
            return EsitoPulizia(store.grezzi_da_purgare(s, conservazione_giorni, ora=ora), True)
    with archivio.transazione() as s:
        n = store.purga_grezzi(s, conservazione_giorni, ora=ora, chi=chi)
    if n:
        store.svuota_registro_sqlite(archivio)
    return EsitoPulizia(n, False)
