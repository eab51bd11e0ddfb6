"""Anonymisation of Italian stories: NER + pattern recognizers + name lists, consistent placeholders.

Public API (the pipeline stage and ``narrazioni anonimizza`` call exactly this)::

    from analisi.anonimizzazione import Anonimizzatore, anonimizza_jsonl
    anon = Anonimizzatore(nlp, consentiti=associazioni, figure_pubbliche=figure)
    esito = anon.anonimizza(testo)        # Esito(testo_anon, entita, superfici, da_rivedere, motivi)
    # a story's text with its title/zone/other association, one set of placeholders for all of them:
    esiti = anonimizza_racconti(anon, [(testo, {"titolo": ...})], nomi_campi=("titolo", ...))
"""

from analisi.anonimizzazione.campi import EsitoRacconto, anonimizza_racconti
from analisi.anonimizzazione.flusso import ErroreIngresso, anonimizza_jsonl
from analisi.anonimizzazione.motore import Anonimizzatore
from analisi.anonimizzazione.tipi import ETICHETTE, Esito, Span

__all__ = ["ETICHETTE", "Anonimizzatore", "ErroreIngresso", "Esito", "EsitoRacconto", "Span", "anonimizza_jsonl",
           "anonimizza_racconti"]
