"""Anonymisation of Italian stories: NER + pattern recognizers + name lists, consistent placeholders.

Public API (the pipeline stage and ``narrazioni anonimizza`` call exactly this)::

    from analisi.anonimizzazione import Anonimizzatore, anonimizza_jsonl
    anon = Anonimizzatore(nlp, consentiti=associazioni, figure_pubbliche=figure)
    esito = anon.anonimizza(testo)        # Esito(testo_anon, entita, mappa, da_rivedere, motivi)
"""

from analisi.anonimizzazione.flusso import ErroreIngresso, anonimizza_jsonl
from analisi.anonimizzazione.motore import Anonimizzatore
from analisi.anonimizzazione.tipi import ETICHETTE, Entita, Esito

__all__ = ["ETICHETTE", "Anonimizzatore", "Entita", "ErroreIngresso", "Esito", "anonimizza_jsonl"]
