"""Encryption at rest of the raw text (Fernet). The key lives in a file outside the database."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from archivio.errori import ErroreConfigurazione


class ErroreChiave(ErroreConfigurazione, RuntimeError):
    """The key file is missing or does not open the stored texts."""


def crea_chiave(percorso: Path) -> bool:
    """Create the key file (mode 600) if missing. Returns True when a new key was written."""
    if percorso.exists():
        return False
    percorso.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(percorso, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(Fernet.generate_key())
    return True


class Cifrario:
    """Encrypts and decrypts raw texts with the project's key."""

    def __init__(self, chiave: bytes) -> None:
        self._fernet = Fernet(chiave)

    @classmethod
    def da_file(cls, percorso: Path) -> Cifrario:
        try:
            return cls(percorso.read_bytes().strip())
        except FileNotFoundError:
            raise ErroreChiave(f"file della chiave non trovato: {percorso} (crealo con 'narrazioni init' "
                               "o indica quello giusto in NARRAZIONI_ARCHIVIO__FILE_CHIAVE)") from None
        except ValueError:
            raise ErroreChiave(f"il file della chiave non contiene una chiave Fernet valida: {percorso} (controlla "
                               "NARRAZIONI_ARCHIVIO__FILE_CHIAVE)") from None

    def cifra(self, testo: str) -> bytes:
        return self._fernet.encrypt(testo.encode("utf-8"))

    def cifra_byte(self, dati: bytes) -> bytes:
        return self._fernet.encrypt(dati)

    def decifra_byte(self, dati: bytes) -> bytes:
        try:
            return self._fernet.decrypt(dati)
        except InvalidToken:
            raise ErroreChiave("i dati non si possono decifrare con questa chiave: usa la chiave con cui sono "
                               "stati scritti") from None

    def decifra(self, dati: bytes) -> str:
        try:
            return self._fernet.decrypt(dati).decode("utf-8")
        except InvalidToken:
            raise ErroreChiave("il testo grezzo non si può decifrare con questa chiave: usa la chiave con cui è "
                               "stato scritto") from None
