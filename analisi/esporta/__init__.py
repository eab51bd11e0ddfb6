"""Exports of quotes for the Piano di Zona and for QDA tools: XLSX, DOCX, CSV and REFI-QDA (QDPX).

One module per format: :mod:`~analisi.esporta.tabelle` (CSV, XLSX), :mod:`~analisi.esporta.documento`
(DOCX), :mod:`~analisi.esporta.qdpx` (REFI-QDA); what they share (the quote, abstention, the header) is in
:mod:`~analisi.esporta.selezione`. This package re-exports the public names of all four.

Every function takes the coded sentences the store returned (``archivio.cruscotto.citazioni.FraseDaCitare``) and
returns bytes. Rules every format follows:

- ONLY quotes whose narrator consented to being quoted: rows without ``citabile`` are dropped here as
  well, whatever the caller asked (defence in depth: the store query already filters them).
- Every quote carries its source: story code, association, theme, code and model version.
- A quote is inert text everywhere: XLSX cells are written as strings (never formulas), CSV cells starting
  with ``= + - @``, a tab or a carriage return are prefixed with an apostrophe (OWASP's advice against
  formula injection), DOCX and QDPX escape XML, control characters are removed.
- Every quote says who decided its code and its Piano di Zona area: a person ("confermato") or the model
  ("proposto dal modello", with its calibrated probability).

Abstention (issue 11): the planning exports hold the quotes a person confirmed and the model's quotes whose
calibrated probability reaches :data:`SOGLIA_MODELLO` (setting ``NARRAZIONI_ESPORTA_SOGLIA_MODELLO``), the
threshold at which the model's precision is at least :data:`PRECISIONE_MINIMA` on held-out data; the others
are left out and counted per area (:func:`applica_astensione`). How the threshold is measured:
:func:`soglia_per_precisione`, printed by ``python -m analisi.codifica.valuta soglie``. A model's area whose
calibrated confidence is below :data:`SOGLIA_AREA` is exported as "da assegnare", with its two likeliest areas.
"""

from analisi.esporta.documento import a_docx, fonte_citazione
from analisi.esporta.qdpx import NS_QDA, Sorgente, a_qdpx
from analisi.esporta.selezione import (
    COLONNE,
    DA_ASSEGNARE,
    MINIMO_SELEZIONATE,
    NESSUNA_AREA,
    PRECISIONE_MINIMA,
    SOGLIA_AREA,
    SOGLIA_MODELLO,
    Citazione,
    Intestazione,
    Selezione,
    ammessa,
    applica_astensione,
    nome_area,
    per_area,
    pulisci,
    soglia_per_precisione,
    unisci,
)
from analisi.esporta.tabelle import a_csv, a_xlsx, neutralizza_csv

__all__ = [
    "COLONNE",
    "DA_ASSEGNARE",
    "MINIMO_SELEZIONATE",
    "NESSUNA_AREA",
    "NS_QDA",
    "PRECISIONE_MINIMA",
    "SOGLIA_AREA",
    "SOGLIA_MODELLO",
    "Citazione",
    "Intestazione",
    "Selezione",
    "Sorgente",
    "a_csv",
    "a_docx",
    "a_qdpx",
    "a_xlsx",
    "ammessa",
    "applica_astensione",
    "fonte_citazione",
    "neutralizza_csv",
    "nome_area",
    "per_area",
    "pulisci",
    "soglia_per_precisione",
    "unisci",
]
