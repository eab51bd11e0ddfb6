"""Files built once from shipped data and kept in the user's cache directory, so that every run does not
build them again: the anonymiser's name lists, the Piano di Zona mapper fitted on the shipped examples.

Only things derived from what ships with Narrazioni (lists, taxonomy, sample corpus) go here, never a
campaign's text. A file's name is the hash of all its inputs (data, code, library versions), so a change
to any of them builds a new one; without a writable cache directory, callers simply build every time.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path


def cartella() -> Path | None:
    """``$XDG_CACHE_HOME/narrazioni`` (default ``~/.cache/narrazioni``); ``None`` without a home."""
    try:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "narrazioni"
    except RuntimeError:
        return None


def impronta(parti: Iterable[bytes], pacchetti: Iterable[str] = ()) -> str:
    """SHA-256 (24 hex digits) of the inputs, the named packages' versions and the Python version."""
    h = hashlib.sha256()
    for parte in parti:
        h.update(len(parte).to_bytes(8, "little") + parte)
    for nome in pacchetti:
        try:
            h.update(f"{nome}={metadata.version(nome)};".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{nome}=-;".encode())
    h.update(f"python={sys.version_info[:2]}".encode())
    return h.hexdigest()[:24]


def file_sorgente(*percorsi: Path) -> list[bytes]:
    """The bytes of files that shape what is cached (data files, the code that builds it)."""
    return [p.name.encode() + b"\0" + p.read_bytes() for p in percorsi]


def percorso(nome: str) -> Path | None:
    base = cartella()
    return None if base is None else base / nome


def leggi(file: Path | None) -> bytes | None:
    if file is None:
        return None
    try:
        return file.read_bytes()
    except OSError:
        return None


def scrivi(file: Path | None, dati: bytes) -> None:
    """Write atomically (readers see no file or the whole file), owner-only; a failure is not an error."""
    if file is None:
        return
    try:
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        provvisorio = file.with_name(f".{file.name}.{os.getpid()}")
        with open(os.open(provvisorio, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            f.write(dati)
        os.replace(provvisorio, file)
    except OSError:
        pass  # a read-only home: built at every start, as before
