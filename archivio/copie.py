"""Backups the product makes (``narrazioni init`` copies the SQLite file aside before migrating).

They hold everything the database holds, so they are kept like the raw text: encrypted with the project's
key (``narrazioni.db.<when>.bak.fernet``, mode 600), never in clear. A withdrawal rewrites each of them
without the withdrawn stories (decrypted in memory only, the story deleted with its cascades, the
full-text index rewritten, VACUUM, encrypted again, atomically replaced). A plaintext ``.bak`` left by an
earlier version is encrypted (and purged) the same way, and the plaintext file removed.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

from archivio.cifratura import Cifrario

log = logging.getLogger(__name__)

SUFFISSO_CIFRATO = ".bak.fernet"


def _percorso_db(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def copie_di(url: str) -> list[Path]:
    """The product-made backups of the SQLite database at ``url`` (encrypted and legacy plaintext)."""
    db = _percorso_db(url)
    if db is None or not db.parent.is_dir():
        return []
    return sorted(p for p in db.parent.glob(f"{db.name}.*.bak*")
                  if p.is_file() and (p.name.endswith(SUFFISSO_CIFRATO) or p.name.endswith(".bak")))


def _immagine(sorgente: str | Path) -> bytes:
    """A consistent image of a live SQLite database (the backup API also copies what is in the WAL)."""
    with sqlite3.connect(sorgente) as src, sqlite3.connect(":memory:") as mem:
        src.backup(mem)
        return mem.serialize()


def _scrivi_atomico(destinazione: Path, dati: bytes) -> None:
    fd, provvisorio = tempfile.mkstemp(dir=destinazione.parent, prefix=".copia-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(dati)
            f.flush()
            os.fsync(f.fileno())
        os.replace(provvisorio, destinazione)
    except BaseException:
        Path(provvisorio).unlink(missing_ok=True)
        raise


def copia_cifrata(url: str, destinazione: Path, cifrario: Cifrario) -> Path:
    """Write an encrypted copy of the SQLite database at ``url``; nothing in clear touches the disk."""
    db = _percorso_db(url)
    if db is None:
        raise ValueError("encrypted copies are made of SQLite files only")
    _scrivi_atomico(destinazione, cifrario.cifra_byte(_immagine(db)))
    return destinazione


def _carica(immagine: bytes) -> sqlite3.Connection:
    # An image of a WAL database says so in its header (bytes 18-19 = 2): an in-memory database has no
    # WAL, so it is read as a rollback-journal one (1).
    dati = bytearray(immagine)
    if len(dati) >= 20 and dati[18:20] == b"\x02\x02":
        dati[18:20] = b"\x01\x01"
    conn = sqlite3.connect(":memory:")
    conn.deserialize(bytes(dati))
    return conn


def decifra_copia(percorso: Path, cifrario: Cifrario, destinazione: Path) -> Path:
    """Restore an encrypted backup as a plain SQLite file (the administrator's recovery step)."""
    conn = _carica(cifrario.decifra_byte(percorso.read_bytes()))
    try:
        _scrivi_atomico(destinazione, conn.serialize())
    finally:
        conn.close()
    return destinazione


def _senza_racconti(immagine: bytes, codici: Sequence[str]) -> bytes:
    conn = _carica(immagine)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA secure_delete=ON")
        segnaposti = ",".join("?" * len(codici))
        if codici and conn.execute("SELECT 1 FROM sqlite_master WHERE name='racconti'").fetchone():
            conn.execute(f"DELETE FROM racconti WHERE codice IN ({segnaposti})", list(codici))
        for (nome,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                    "AND lower(sql) LIKE 'create virtual table%using fts5%'").fetchall():
            citato = '"' + nome.replace('"', '""') + '"'
            conn.execute(f"INSERT INTO {citato}({citato}) VALUES ('optimize')")
        conn.commit()
        conn.execute("VACUUM")
        return conn.serialize()
    finally:
        conn.close()


def purga_copie(url: str, codici: Sequence[str], cifrario: Cifrario | None) -> int:
    """Rewrite every product-made backup without the stories ``codici``; returns how many were rewritten.

    Legacy plaintext backups are encrypted in the same step. Without the key an encrypted backup cannot be
    rewritten: it is deleted (a copy is lost, never a withdrawn story kept); so is a plaintext one.
    """
    n = 0
    for copia in copie_di(url):
        cifrata = copia.name.endswith(SUFFISSO_CIFRATO)
        try:
            if cifrario is None:
                raise ValueError("no key to rewrite the backup")
            immagine = cifrario.decifra_byte(copia.read_bytes()) if cifrata else copia.read_bytes()
            pulita = _senza_racconti(immagine, codici)
            destinazione = copia if cifrata else copia.with_name(copia.name + ".fernet")
            _scrivi_atomico(destinazione, cifrario.cifra_byte(pulita))
            if not cifrata:
                copia.unlink()
            n += 1
        except Exception as e:  # unreadable backup or no key: erase it rather than keep the story
            log.warning("backup %s could not be rewritten (%s): deleted", copia.name, type(e).__name__)
            copia.unlink(missing_ok=True)
    return n


def cifra_copie_in_chiaro(url: str, cifrario: Cifrario) -> int:
    """Encrypt the plaintext backups an earlier version left (``narrazioni init`` calls it)."""
    n = 0
    for copia in copie_di(url):
        if copia.name.endswith(SUFFISSO_CIFRATO):
            continue
        _scrivi_atomico(copia.with_name(copia.name + ".fernet"), cifrario.cifra_byte(copia.read_bytes()))
        copia.unlink()
        n += 1
    return n
