"""Receipt codes: random, easy to copy by hand, only their hash is stored.

12 symbols of Crockford's base 32 (60 random bits) shown as ``ABCD-EFGH-JKMN``. Reading is forgiving:
case, spaces and dashes do not matter, and O/I/L typed for 0/1 are accepted. 60 bits make guessing
hopeless online (withdrawal attempts are rate-limited) and costly offline; the code says nothing about
the story or the narrator.
"""

from __future__ import annotations

import hashlib
import secrets

ALFABETO = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LUNGHEZZA = 12
_CONFUSIONI = str.maketrans({"O": "0", "I": "1", "L": "1"})
_DOMINIO = b"narrazioni-ricevuta-v1:"


def genera_ricevuta() -> str:
    """A new receipt code, formatted in groups of four for reading aloud and copying."""
    grezzo = "".join(secrets.choice(ALFABETO) for _ in range(LUNGHEZZA))
    return "-".join(grezzo[i:i + 4] for i in range(0, LUNGHEZZA, 4))


def normalizza_ricevuta(codice: str) -> str | None:
    """The canonical form of a typed code, or None when it cannot be a receipt (wrong length or symbols)."""
    pulito = "".join(ch for ch in codice.upper() if ch not in " -–—_.\t\r\n").translate(_CONFUSIONI)
    if len(pulito) != LUNGHEZZA or any(ch not in ALFABETO for ch in pulito):
        return None
    return pulito


def hash_ricevuta(codice: str) -> str:
    """SHA-256 (hex) of the canonical code: what ``racconti.ricevuta_hash`` holds.

    Raises ValueError for a string that is not a receipt code.
    """
    canonico = normalizza_ricevuta(codice)
    if canonico is None:
        raise ValueError("not a receipt code")
    return hashlib.sha256(_DOMINIO + canonico.encode("ascii")).hexdigest()
