"""Reading the development data in ``../shared/data`` (KIND NER, UD treebanks) for training and evaluation.

The KIND files have no document markers: a blank line ends a sentence. We approximate a split by
document with contiguous blocks of sentences, so that no article or chapter leaks from train to dev:
sentence ``i`` belongs to block ``i // BLOCCO``; blocks with ``block % 10 == 9`` are the dev split.
Moro is silver annotation and never part of the dev split.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BLOCCO = 100
DOMINI_KIND = {"wikinews": "wikinews_train.tsv", "fiction": "fiction_train.tsv",
               "degasperi": "degasperi_train.tsv", "moro": "moro_train.tsv"}
DOMINI_GOLD = ("wikinews", "fiction", "degasperi")


@dataclass(frozen=True)
class FraseNer:
    """A KIND sentence: tokens and one label per token (``O``, ``PER``, ``LOC``, ``ORG``)."""

    dominio: str
    indice: int
    tokens: tuple[str, ...]
    etichette: tuple[str, ...]

    @property
    def dev(self) -> bool:
        return self.dominio in DOMINI_GOLD and (self.indice // BLOCCO) % 10 == 9


def cartella_kind(shared: Path) -> Path:
    return shared / "data" / "ner" / "kind"


def leggi_kind(shared: Path, dominio: str) -> Iterator[FraseNer]:
    """Yield the sentences of one KIND domain in file order."""
    path = cartella_kind(shared) / DOMINI_KIND[dominio]
    tokens: list[str] = []
    etichette: list[str] = []
    indice = 0
    with open(path, encoding="utf-8") as f:
        for riga in f:
            riga = riga.rstrip("\n")
            if not riga.strip():
                if tokens:
                    yield FraseNer(dominio, indice, tuple(tokens), tuple(etichette))
                    indice += 1
                    tokens, etichette = [], []
                continue
            tok, _, lab = riga.rpartition("\t")
            if not tok:
                continue
            tokens.append(tok)
            etichette.append(lab.strip() or "O")
    if tokens:
        yield FraseNer(dominio, indice, tuple(tokens), tuple(etichette))


def spans_kind(frase: FraseNer) -> list[tuple[int, int, str]]:
    """Entity spans as token ranges: consecutive tokens with the same label form one entity."""
    spans: list[tuple[int, int, str]] = []
    inizio = None
    for i, lab in enumerate((*frase.etichette, "O")):
        precedente = frase.etichette[i - 1] if i > 0 else "O"
        if inizio is not None and lab != precedente:
            spans.append((inizio, i, precedente))
            inizio = None
        if lab != "O" and inizio is None:
            inizio = i
    return spans
