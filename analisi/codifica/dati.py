"""Training and evaluation data: the corpus gold (``corpus/gold_codici.jsonl``) as labelled sentences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analisi.codifica.codebook import CODICI, genitore, valido
from analisi.corpus import carica_oro_codici, carica_racconti

__all__ = ["FraseEtichettata", "carica_oro", "carica_racconti", "matrice_etichette"]


@dataclass(frozen=True)
class FraseEtichettata:
    """A sentence with its codes (first- and second-level, "ansia.salute"), its story and Piano area."""

    racconto: str
    testo: str
    codici: frozenset[str]
    area: str | None = None
    scheda: str | None = None
    fonte: str = "oro"
    peso: float = 1.0
    meta: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


def carica_oro(percorso: Path | None = None) -> list[FraseEtichettata]:
    """The gold sentences of the sample corpus (read by :mod:`analisi.corpus`); empty when it is not built."""
    out = []
    for r in carica_oro_codici(percorso):
        for s in r.sentences:
            codici = frozenset(c for c in [*s.codes, *s.subcodes] if valido(c))
            out.append(FraseEtichettata(racconto=r.id, testo=s.text, codici=codici, area=s.area,
                                        meta={"sent": s.sent, "start": s.start, "end": s.end}))
    return out


def matrice_etichette(codici: Iterable[Iterable[str]], colonne: Sequence[str] = CODICI) -> list[list[int]]:
    """0/1 rows for ``colonne`` from label sets (a second-level code implies its parent)."""
    righe = []
    for insieme in codici:
        s = set(insieme) | {genitore(c) for c in insieme}
        righe.append([int(c in s) for c in colonne])
    return righe
