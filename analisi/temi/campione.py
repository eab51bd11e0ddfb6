"""The sample corpus as the analysis sees it: personal data replaced by placeholders (from the gold spans).

The analysis reads anonymised text only. The notebook, the evaluation and the benchmark do not need the
anonymiser to run: the corpus's gold annotations say where every personal datum is, so the anonymised text
is rebuilt exactly, with consistent placeholders (``[PERSONA_1]``) as the anonymiser writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analisi.corpus import CARTELLA_CAMPIONE, carica_oro_pii, carica_racconti

__all__ = ["CARTELLA_CORPUS", "anonimizza_con_gold", "carica_campione"]

CARTELLA_CORPUS = CARTELLA_CAMPIONE  # the sample corpus, read by analisi.corpus (the one loader)


def anonimizza_con_gold(testo: str, entita: list[dict[str, Any]]) -> str:
    """Replace each gold span with ``[LABEL_n]``, the same number for the same text within a story."""
    numeri: dict[tuple[str, str], int] = {}
    per_etichetta: dict[str, int] = {}
    pezzi: list[str] = []
    pos = 0
    for e in sorted(entita, key=lambda e: e["start"]):
        if e["start"] < pos:  # overlapping gold spans: the first wins
            continue
        chiave = (e["label"], testo[e["start"]:e["end"]].casefold())
        if chiave not in numeri:
            per_etichetta[e["label"]] = per_etichetta.get(e["label"], 0) + 1
            numeri[chiave] = per_etichetta[e["label"]]
        pezzi.append(testo[pos:e["start"]])
        pezzi.append(f"[{e['label']}_{numeri[chiave]}]")
        pos = e["end"]
    pezzi.append(testo[pos:])
    return "".join(pezzi)


def carica_campione(cartella: Path | None = None) -> list[dict[str, Any]]:
    """Stories of ``corpus/racconti.jsonl`` with ``testo`` anonymised; other fields as in the file.

    Raises:
        FileNotFoundError: the corpus has not been built (``python corpus/costruisci.py``).
    """
    cartella = cartella or CARTELLA_CORPUS
    percorso = cartella / "racconti.jsonl"
    if not percorso.is_file():
        raise FileNotFoundError(f"{percorso} is missing: build it with `python corpus/costruisci.py`")
    gold = carica_oro_pii(cartella / "gold_pii.jsonl")
    out = []
    for r in carica_racconti(percorso):
        r["testo"] = anonimizza_con_gold(r["testo"], gold.get(r["id"], []))
        out.append(r)
    return out
