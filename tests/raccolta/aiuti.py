"""Helpers shared by the raccolta tests: the form's pages, and a scan of every table of the store."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import inspect, text

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
    with archivio.motore.connect() as conn:
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
