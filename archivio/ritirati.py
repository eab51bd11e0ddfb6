"""The list of withdrawn stories, kept apart from the database so that a restored backup forgets them again.

One line per withdrawn story: the SHA-256 of the story's code (a random identifier, never derived from the
content), so the list says nothing about the narrator or the text. ``narrazioni ripristina`` deletes every
restored story on the list. Default file: ``<cartella_dati>/ritirati.txt`` (setting ``file_ritirati``; keep a
copy with the key, outside database backups).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from archivio.tabelle import Racconto

log = logging.getLogger(__name__)
NOME_FILE = "ritirati.txt"
_SALE = "narrazioni-ritiro:"


def impronta_ritiro(codice: str) -> str:
    return hashlib.sha256((_SALE + codice).encode()).hexdigest()


def annota_ritiro(percorso: Path | None, codice: str) -> None:
    """Append the withdrawn story to the list (flushed to disk before the withdrawal is committed)."""
    if percorso is None:
        log.warning("no withdrawal list configured: a restored backup would bring story %s back", codice)
        return
    percorso.parent.mkdir(parents=True, exist_ok=True)
    with open(percorso, "a", encoding="ascii") as f:
        f.write(impronta_ritiro(codice) + "\n")
        f.flush()
        os.fsync(f.fileno())


def leggi_ritirati(percorsi: Iterable[Path | None]) -> set[str]:
    impronte: set[str] = set()
    for p in percorsi:
        if p is not None and p.is_file():
            for riga in p.read_text(encoding="ascii", errors="ignore").splitlines():
                riga = riga.strip().lower()
                if len(riga) == 64 and all(c in "0123456789abcdef" for c in riga):
                    impronte.add(riga)
    return impronte


def scrivi_ritirati(percorso: Path, impronte: Iterable[str]) -> None:
    percorso.parent.mkdir(parents=True, exist_ok=True)
    tmp = percorso.with_name(percorso.name + ".tmp")
    tmp.write_text("".join(f"{i}\n" for i in sorted(impronte)), encoding="ascii")
    os.replace(tmp, percorso)


def racconti_ritirati(s: Session, impronte: set[str]) -> list[int]:
    """Ids of the stored stories whose code is on the list."""
    if not impronte:
        return []
    return [i for i, codice in s.execute(select(Racconto.id, Racconto.codice)) if impronta_ritiro(codice) in impronte]
