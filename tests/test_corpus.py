"""The sample corpus: built files in sync with the annotated sources, and what the foundation promises."""

from __future__ import annotations

import json
import sys
from collections import Counter

import pytest

from tests.conftest import RADICE

sys.path.insert(0, str(RADICE / "corpus"))
import costruisci


def _leggi(nome: str) -> list[dict]:
    with open(RADICE / "corpus" / nome, encoding="utf-8") as f:
        return [json.loads(r) for r in f]


@pytest.fixture(scope="module")
def costruito() -> list[tuple[dict, dict, dict | None]]:
    associazioni = costruisci.associazioni_note()
    tutti = [t for p in sorted((RADICE / "corpus" / "sorgenti").glob("*.txt"))
             for t in costruisci.leggi_sorgente(p, associazioni)]
    return sorted(tutti, key=lambda t: t[0]["id"])


def test_file_in_sincronia_con_le_sorgenti(costruito: list) -> None:
    assert _leggi("racconti.jsonl") == [r for r, _, _ in costruito]
    assert _leggi("gold_pii.jsonl") == [g for _, g, _ in costruito]
    assert _leggi("gold_codici.jsonl") == [c for _, _, c in costruito if c]


def test_quello_che_il_corpus_promette() -> None:
    racconti = _leggi("racconti.jsonl")
    assert len(racconti) >= 150
    associazioni = Counter(r["associazione"] for r in racconti)
    assert 8 <= len(associazioni) - (None in associazioni) <= 12 and associazioni[None] > 0
    parole = [len(r["testo"].split()) for r in racconti]
    assert min(parole) >= 40 and max(parole) <= 900
    anni = {r["data"][:4] for r in racconti}
    assert anni == {"2020", "2021"}
    codificati = _leggi("gold_codici.jsonl")
    assert len(codificati) >= 40
    codici = Counter(c for s in codificati for f in s["sentences"] for c in f["codes"])
    assert set(codici) == {"vita_quotidiana", "ansia", "preoccupazione_futuro", "proposta"}
    etichette = Counter(e["label"] for g in _leggi("gold_pii.jsonl") for e in g["entities"])
    for etichetta in ("PERSONA", "TELEFONO", "EMAIL", "INDIRIZZO", "CODICE_FISCALE", "DATA_NASCITA", "SCUOLA"):
        assert etichette[etichetta] >= 3, etichetta


def test_offset_gold_esatti() -> None:
    testi = {r["id"]: r["testo"] for r in _leggi("racconti.jsonl")}
    for g in _leggi("gold_pii.jsonl"):
        for e in g["entities"]:
            assert testi[g["id"]][e["start"]:e["end"]] == e["text"]
    for c in _leggi("gold_codici.jsonl"):
        for f in c["sentences"]:
            assert testi[c["id"]][f["start"]:f["end"]] == f["text"]
