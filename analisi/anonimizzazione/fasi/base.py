"""The state every phase of the anonymiser reads, set once by :class:`..motore.Anonimizzatore`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import spacy

    from analisi.anonimizzazione.nomi.regole import RegoleNomi
    from analisi.anonimizzazione.rischio import ValutatoreRischio
    from analisi.anonimizzazione.risorse import Frasario, Lessico


class BaseAnonimizzatore:
    """Declarations only: :class:`..motore.Anonimizzatore` sets these in ``__init__``."""

    nlp: spacy.Language | None
    soglia_revisione: float
    soglia_rischio: float
    ner_solo_frasi_candidate: bool
    _lessico: Lessico
    _frasario: Frasario
    _regole: RegoleNomi
    _rischio: ValutatoreRischio
    _usa_ner: bool
    _da_spegnere: list[str]
