"""Helpers shared by the raccolta tests: the form's pages, and a scan of every table of the store."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import inspect, select, text

from archivio.cifratura import Cifrario
from archivio.db import Archivio

RICEVUTA = re.compile(r'id="codice-ricevuta">(.*?)</strong>', re.S)


def gettone(pagina: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', pagina)
    assert m, "no CSRF token in the page"
    return m.group(1)


def ricevuta(pagina: str) -> str:
    m = RICEVUTA.search(pagina)
    assert m, "no receipt in the page"
    return re.sub(r"<[^>]+>", "", m.group(1))


def tutte_le_righe(archivio: Archivio) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (the schema as the database has it, not as the models say)."""
    with archivio.engine.connect() as conn:
        return {t: [dict(r._mapping) for r in conn.execute(text(f'SELECT * FROM "{t}"'))]
                for t in inspect(conn).get_table_names()}


def dove_compare(archivio: Archivio, *aghi: str) -> list[str]:
    """``table.column`` of every value containing one of ``aghi`` (text, or bytes decoded leniently)."""
    trovati = []
    for tabella, righe in tutte_le_righe(archivio).items():
        for riga in righe:
            for colonna, valore in riga.items():
                if isinstance(valore, bytes | bytearray | memoryview):
                    valore = bytes(valore).decode("utf-8", "replace")
                if valore is not None and any(a in str(valore) for a in aghi):
                    trovati.append(f"{tabella}.{colonna}")
    return trovati


def campi_grezzi(archivio: Archivio, cifrario: Cifrario) -> list[dict[str, str]]:
    """The raw free-text fields of every story (decrypted), in id order: ``racconti`` holds only their
    anonymised form, after the anonymisation stage."""
    from archivio.racconti import decifra_campi
    from archivio.tabelle import Racconto, TestoGrezzo

    with archivio.lettura() as s:
        righe = s.execute(select(TestoGrezzo.campi_cifrati).join(Racconto, Racconto.id == TestoGrezzo.racconto_id)
                          .order_by(Racconto.id)).scalars().all()
    return [decifra_campi(r, cifrario) for r in righe]
