"""The one loader of the Italian spaCy pipeline.

``carica_italiano("auto")`` uses spaCy's it_core_news_lg / md / sm when the user has installed one
(``python -m spacy download it_core_news_sm``) and otherwise the pipeline shipped with Narrazioni,
``it_narrazioni`` (see ``analisi/spacy_it/MODEL_CARD.md``). Whatever the model, callers see only the entity
labels PER, LOC and ORG. Nothing is loaded at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analisi.spacy_it import componenti
from archivio.errori import ErroreConfigurazione

if TYPE_CHECKING:
    from spacy.language import Language

# spaCy's Italian models, best first: "auto" takes the first one installed.
MODELLI_SPACY = ("it_core_news_lg", "it_core_news_md", "it_core_news_sm")
NOME_INCLUSO = "it_narrazioni"
ETICHETTE = ("PER", "LOC", "ORG")
MAPPA_ETICHETTE = componenti.MAPPA_ETICHETTE
NORMALIZZATORE = "etichette"


class ModelloNonDisponibile(ErroreConfigurazione, OSError):
    """The requested Italian model is not installed (or the shipped one is missing)."""


def percorso_modello_incluso() -> Path:
    """Where the shipped ``it_narrazioni`` pipeline lives inside the package."""
    return Path(__file__).resolve().parent / "spacy_it" / NOME_INCLUSO


def etichetta_normalizzata(etichetta: str) -> str | None:
    """PER/LOC/ORG for a model's entity label, ``None`` for labels we ignore (MISC)."""
    return MAPPA_ETICHETTE.get(etichetta)


def carica_italiano(preferenza: str = "auto", *, escludi: Sequence[str] = ()) -> Language:
    """Load the Italian pipeline.

    Args:
        preferenza: ``"auto"`` (it_core_news_lg, md, sm if installed, else the shipped pipeline),
            ``"narrazioni"`` (always the shipped pipeline) or the name of an installed spaCy model.
        escludi: components not to load (e.g. everything but the NER for fast anonymisation).

    Raises:
        ModelloNonDisponibile: the requested model is not installed.
    """
    import spacy

    componenti.registra()
    if preferenza in ("narrazioni", NOME_INCLUSO):
        return _carica_incluso(escludi)
    if preferenza == "auto":
        for nome in MODELLI_SPACY:
            if spacy.util.is_package(nome):
                return _adatta(spacy.load(nome, exclude=list(escludi)))
        return _carica_incluso(escludi)
    if not spacy.util.is_package(preferenza):
        raise ModelloNonDisponibile(
            f"il modello spaCy italiano {preferenza!r} non è installato: installalo con "
            f"`python -m spacy download {preferenza}` "
            "(per esempio `python -m spacy download it_core_news_sm`), "
            "oppure usa preferenza='auto' o 'narrazioni' per la pipeline inclusa in Narrazioni"
        )
    return _adatta(spacy.load(preferenza, exclude=list(escludi)))


def _carica_incluso(escludi: Sequence[str]) -> Language:
    import spacy

    percorso = percorso_modello_incluso()
    if not (percorso / "meta.json").is_file():
        raise ModelloNonDisponibile(
            f"manca la pipeline italiana inclusa in Narrazioni ({percorso}): ricostruiscila con "
            "`narrazioni modello addestra`, oppure installa il modello di spaCy con "
            "`python -m spacy download it_core_news_sm`"
        )
    return spacy.load(percorso, exclude=list(escludi))


def _adatta(nlp: Language) -> Language:
    """Put a label normaliser after a foreign NER so that callers only see PER/LOC/ORG (MISC dropped)."""
    if "ner" in nlp.pipe_names and NORMALIZZATORE not in nlp.pipe_names:
        etichette = set(nlp.get_pipe("ner").labels)  # type: ignore[attr-defined]
        if not etichette <= set(ETICHETTE):
            nlp.add_pipe(componenti.FABBRICA_ETICHETTE, name=NORMALIZZATORE, after="ner")
    return nlp


def componenti_ner(nlp: Language) -> list[str]:
    """The components needed to run the NER alone: for ``nlp.select_pipes(enable=...)``.

    With it_narrazioni this is just ``ner`` (it has its own tok2vec); with it_core_news_* the NER listens to
    the shared ``tok2vec``, which must run too.
    """
    nomi: list[str] = []
    for nome, pipe in nlp.pipeline:
        ascolta = getattr(pipe, "listening_components", None)
        if ascolta and "ner" in ascolta:
            nomi.append(nome)
    return [n for n in nlp.pipe_names if n in nomi or n in ("ner", NORMALIZZATORE)]


def descrivi_modello(nlp: Language) -> dict[str, Any]:
    """Name, version and components of a loaded pipeline, to record with every processing run."""
    import spacy

    meta = nlp.meta
    nome = str(meta.get("name", ""))
    lingua = str(meta.get("lang", nlp.lang))
    if nome and not nome.startswith(f"{lingua}_"):
        nome = f"{lingua}_{nome}"
    return {
        "name": nome,
        "version": str(meta.get("version", "")),
        "license": str(meta.get("license", "")),
        "pipeline": list(nlp.pipe_names),
        "spacy_version": spacy.__version__,
    }


# Components that never change what the morphologizer assigns (they run after it, or beside it with their own
# tok2vec) and whose output morphology-only callers do not read: entities, sentence boundaries, lemmas.
_NON_MORFOLOGICI = ("ner", NORMALIZZATORE, "senter", "parser", "lemmatizer")


class VistaMorfologia:
    """The same loaded pipeline run without the components morphology does not need (the NER, with its own
    tok2vec, costs about two thirds of the whole pipeline). The model is shared, not copied or changed:
    callers that need the NER keep using ``nlp`` itself. POS and morphology are identical to the full run.
    """

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.spenti = [n for n in nlp.pipe_names if n in _NON_MORFOLOGICI]

    @property
    def pipe_names(self) -> list[str]:
        return [n for n in self.nlp.pipe_names if n not in self.spenti]

    def pipe(self, testi: Any, **kwargs: Any) -> Any:
        return self.nlp.pipe(testi, disable=self.spenti, **kwargs)

    def __call__(self, testo: str) -> Any:
        return self.nlp(testo, disable=self.spenti)

    def __getattr__(self, nome: str) -> Any:
        return getattr(self.nlp, nome)


def per_morfologia(nlp: Language) -> VistaMorfologia:
    """``nlp`` seen through :class:`VistaMorfologia` (for the sentence coder's mood and tense features)."""
    return VistaMorfologia(nlp)
