"""The list of associations a district works with (a CSV: nome, tipo, descrizione)."""

from __future__ import annotations

import csv
from pathlib import Path

from archivio import racconti as q
from archivio.db import Archivio
from archivio.errori import ErroreDati


class ErroreAssociazioni(ErroreDati, ValueError):
    """A malformed list of associations."""


def carica_associazioni(archivio: Archivio, percorso: Path) -> int:
    """Add the associations listed in the CSV file; returns how many were new."""
    try:
        with open(percorso, encoding="utf-8-sig", newline="") as f:
            righe = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ErroreAssociazioni(f"impossibile leggere {percorso}: {e}") from None
    if righe and "nome" not in righe[0]:
        raise ErroreAssociazioni(f"{percorso.name}: al CSV serve una colonna 'nome'")
    with archivio.transazione() as s:
        prima = set(q.nomi_associazioni(s))
        for r in righe:
            nome = (r.get("nome") or "").strip()
            if nome:
                q.assicura_associazione(s, nome, (r.get("tipo") or "").strip() or None,
                                        (r.get("descrizione") or "").strip() or None)
        return len(set(q.nomi_associazioni(s)) - prima)
