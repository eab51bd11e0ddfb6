"""Exports of quotes for the Piano di Zona and for QDA tools: XLSX, DOCX, CSV and REFI-QDA (QDPX).

One module per format: :mod:`~analisi.esporta.tabelle` (CSV, XLSX), :mod:`~analisi.esporta.documento`
(DOCX), :mod:`~analisi.esporta.qdpx` (REFI-QDA); what they share (the quote, abstention, the header) is in
:mod:`~analisi.esporta.selezione`. This package re-exports the public names of all four.

The rules every format follows (consent, source, inert text, who decided) and the abstention rule are
written once, in :mod:`~analisi.esporta.selezione`.
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
