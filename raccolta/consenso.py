"""Versioned consent texts shipped with the product and their registration in the store."""

from __future__ import annotations

from importlib import resources

from archivio import racconti as q
from archivio.db import Archivio

TESTO_CITAZIONE = ("Autorizzo la citazione di brevi frasi anonimizzate del mio racconto nei documenti "
                   "pubblici del Piano di Zona.")


def testo_consenso(versione: str) -> str | None:
    """The consent text of a version shipped with the product, or None."""
    risorsa = resources.files("raccolta") / "testi" / f"consenso-{versione}.md"
    return risorsa.read_text(encoding="utf-8") if risorsa.is_file() else None


def registra_consenso(archivio: Archivio, versione: str, testo: str | None = None) -> bool:
    """Make sure a consent version exists in the store. False when no text is known for it."""
    testo = testo or testo_consenso(versione)
    if testo is None:
        return False
    with archivio.transazione() as s:
        q.assicura_consenso(s, versione, testo, TESTO_CITAZIONE)
    return True
