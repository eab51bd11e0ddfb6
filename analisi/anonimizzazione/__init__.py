"""Anonymisation of Italian stories: NER + pattern recognizers + name lists, consistent placeholders.

Public API (the pipeline stage and ``narrazioni anonimizza`` call exactly this)::

    from analisi.anonimizzazione import Anonimizzatore, anonimizza_jsonl
    anon = Anonimizzatore(nlp, consentiti=associazioni, figure_pubbliche=figure)
    esito = anon.anonimizza(testo)        # Esito(testo_anon, entita, superfici, da_rivedere, motivi)
    # a story's text with its title/zone/other association, one set of placeholders for all of them:
    esiti = anonimizza_racconti(anon, [(testo, {"titolo": ...})], nomi_campi=("titolo", ...))

The names are loaded on first use (PEP 562), so that importing a light submodule (``.segnaposto`` for the
placeholder grammar) does not load the anonymiser, its lists and the store.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analisi.anonimizzazione.campi import EsitoRacconto, anonimizza_racconti
    from analisi.anonimizzazione.flusso import ErroreIngresso, anonimizza_jsonl
    from analisi.anonimizzazione.motore import Anonimizzatore
    from analisi.anonimizzazione.tipi import ETICHETTE, Esito, Span

#: public name -> the submodule that defines it
_DOVE: dict[str, str] = {
    "EsitoRacconto": "campi",
    "anonimizza_racconti": "campi",
    "ErroreIngresso": "flusso",
    "anonimizza_jsonl": "flusso",
    "Anonimizzatore": "motore",
    "ETICHETTE": "tipi",
    "Span": "tipi",
    "Esito": "tipi",
}

__all__ = ["ETICHETTE", "Anonimizzatore", "ErroreIngresso", "Esito", "EsitoRacconto", "Span", "anonimizza_jsonl",
           "anonimizza_racconti"]


def __getattr__(nome: str) -> Any:
    modulo = _DOVE.get(nome)
    if modulo is None:
        raise AttributeError(f"module {__name__!r} has no attribute {nome!r}")
    valore = getattr(import_module(f"{__name__}.{modulo}"), nome)
    globals()[nome] = valore
    return valore


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
