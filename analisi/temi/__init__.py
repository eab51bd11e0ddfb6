"""Themes of the stories: preprocessing, the theme model, measures, the batch contract.

Public API: ``ModelloTemi`` (fit / transform / assegna / riepilogo / salva), ``carica_modello``,
``Preprocessore``, ``esegui_temi`` (the ``narrazioni temi`` contract). See ``analisi/temi/modello.py`` for
how themes are found and how k is chosen.
"""

from analisi.temi.citazioni import Citazione
from analisi.temi.contratto import ErroreContratto, esegui_temi
from analisi.temi.modello import ModelloTemi, carica_modello
from analisi.temi.preprocessa import Preprocessore

__all__ = ["Citazione", "ErroreContratto", "ModelloTemi", "Preprocessore", "carica_modello", "esegui_temi"]
