"""The seed codebook: first-level codes and their second-level codes (see ``MODEL_CARD.md``)."""

from __future__ import annotations

from archivio.politiche import CODICI as CODICI_PRIMO_LIVELLO

CODICI: tuple[str, ...] = CODICI_PRIMO_LIVELLO

SOTTOCODICI: dict[str, tuple[str, ...]] = {
    "ansia": ("salute", "solitudine", "economia_lavoro", "famiglia_cura", "lutto"),
    "proposta": ("servizi", "associazioni_volontariato", "vicinato_comunita", "digitale", "spazi", "caregiver"),
}

# Second-level codes are stored and exchanged as "parent.child" (as in corpus/gold_codici.jsonl).
TUTTI_SOTTOCODICI: tuple[str, ...] = tuple(f"{p}.{s}" for p, figli in SOTTOCODICI.items() for s in figli)

DESCRIZIONI: dict[str, str] = {
    "vita_quotidiana": "com'erano le giornate: abitudini, casa, lavoro, scuola, cura, tempo, oggetti",
    "ansia": "paura, ansia, angoscia, solitudine, tristezza provate allora: salute, persone care, isolamento, soldi",
    "preoccupazione_futuro": "preoccupazione per il domani: lavoro, scuola, anziani, sopravvivenza "
                             "dell'associazione, un'altra ondata",
    "proposta": "proposta, richiesta o suggerimento per il futuro: cosa dovrebbero fare servizi, associazioni, "
                "comunità o Comune",
}


def genitore(codice: str) -> str:
    """The first-level code of ``codice`` ("ansia.salute" -> "ansia", "ansia" -> "ansia")."""
    return codice.split(".", 1)[0]


def valido(codice: str) -> bool:
    """True for a first-level code or a known "parent.child" second-level code."""
    return codice in CODICI or codice in TUTTI_SOTTOCODICI
