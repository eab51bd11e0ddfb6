"""Italian word lists for themes: a stop list reviewed for first-person narratives, domain words, lemma fixes.

The lists are plain text files next to this module (see PROVENANCE.md); they are read on first use.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["CONNETTIVI", "correzioni_lemmi", "parole_dominio", "parole_vuote"]

_QUI = Path(__file__).resolve().parent

# Function words that may sit INSIDE a multi-word phrase ("casa della salute", "fare la spesa").
CONNETTIVI = frozenset(
    "di a da in con su per tra fra del dello della dei degli delle dell' al allo alla ai agli alle all' "
    "dal dallo dalla dai dagli dalle dall' nel nello nella nei negli nelle nell' sul sullo sulla sui sugli "
    "sulle sull' il lo la i gli le l' un uno una un'".split()
)


def _righe(nome: str) -> list[str]:
    out = []
    for riga in (_QUI / nome).read_text(encoding="utf-8").splitlines():
        riga = riga.strip()
        if riga and not riga.startswith("#"):
            out.append(riga)
    return out


@lru_cache(maxsize=1)
def parole_vuote() -> frozenset[str]:
    """The narrative stop list (lemmas and frequent surface forms, lower case)."""
    return frozenset(p.lower() for riga in _righe("parole_vuote.txt") for p in riga.split())


@lru_cache(maxsize=1)
def parole_dominio() -> tuple[str, ...]:
    """Default domain stop words (pandemia, covid, lockdown...)."""
    return tuple(p.lower() for p in _righe("parole_dominio.txt"))


@lru_cache(maxsize=1)
def correzioni_lemmi() -> dict[str, str]:
    """Surface form → lemma corrections applied before simplemma."""
    out = {}
    for riga in _righe("lemmi.tsv"):
        forma, _, lemma = riga.partition("\t")
        if lemma:
            out[forma.strip().lower()] = lemma.strip().lower()
    return out
