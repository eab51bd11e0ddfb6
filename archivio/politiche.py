"""Policy constants: decisions about what the product shows and assigns, written once.

They live in ``archivio`` (the lowest layer) because the store's queries need them too; ``analisi``,
``raccolta`` and ``pagine`` import them from here. Settings a district may change are in
``archivio/impostazioni.py``; these are fixed by the method (a change here is a change of method).
"""

from __future__ import annotations

__all__ = ["CODICI", "SOGLIA_CELLE", "SOGLIA_CODICE"]

#: the first-level codes of the codebook, in display order (sub-codes: analisi/codifica/codebook.py)
CODICI: tuple[str, ...] = ("vita_quotidiana", "ansia", "preoccupazione_futuro", "proposta")

#: a sentence carries a code when the code's probability is at least this (the coder's default threshold)
SOGLIA_CODICE = 0.5

#: small-cell suppression: a group (association, period, cell) with fewer stories than this shows no numbers
SOGLIA_CELLE = 5
