"""Training and evaluation data: the corpus gold (``corpus/gold_codici.jsonl``) as labelled sentences."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analisi.codifica.codebook import CODICI, genitore, valido

RADICE = Path(__file__).resolve().parents[2]
CORPUS = RADICE / "corpus"


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
    """The gold sentences of the sample corpus; an empty list when the corpus is not built."""
    percorso = percorso or CORPUS / "gold_codici.jsonl"
    if not percorso.is_file():
        return []
    out = []
    with open(percorso, encoding="utf-8") as f:
        for riga in f:
            r = json.loads(riga)
            for s in r["sentences"]:
                codici = frozenset(c for c in [*s["codes"], *s["subcodes"]] if valido(c))
                out.append(FraseEtichettata(racconto=r["id"], testo=s["text"], codici=codici, area=s.get("area"),
                                            meta={"sent": s["sent"], "start": s["start"], "end": s["end"]}))
    return out


def carica_racconti(percorso: Path | None = None) -> list[dict[str, object]]:
    """The stories of the sample corpus (``corpus/racconti.jsonl``); empty when not built."""
    percorso = percorso or CORPUS / "racconti.jsonl"
    if not percorso.is_file():
        return []
    with open(percorso, encoding="utf-8") as f:
        return [json.loads(r) for r in f]


def matrice_etichette(codici: Iterable[Iterable[str]], colonne: Sequence[str] = CODICI) -> list[list[int]]:
    """0/1 rows for ``colonne`` from label sets (a second-level code implies its parent)."""
    righe = []
    for insieme in codici:
        s = set(insieme) | {genitore(c) for c in insieme}
        righe.append([int(c in s) for c in colonne])
    return righe
