"""The batch contract of `narrazioni temi IN.jsonl OUT_DIR` and the charts with their tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analisi.confronti import parole_distintive, prevalenza_per_gruppo, temi_nel_tempo
from analisi.grafici_temi import (
    grafico_parole_distintive,
    grafico_prevalenza,
    grafico_temi_associazioni,
    grafico_temi_nel_tempo,
    tabella_parole_distintive,
    tabella_prevalenza,
    tabella_temi_associazioni,
    tabella_temi_nel_tempo,
)
from analisi.temi.campione import carica_campione
from analisi.temi.contratto import ErroreContratto, esegui_temi


@pytest.fixture(scope="module")
def ingresso(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("temi") / "in.jsonl"
    with open(p, "w", encoding="utf-8") as f:
        for r in carica_campione():
            riga = {"id": r["id"], "text": r["testo"], "data": r["data"]}
            if r["associazione"]:
                riga["associazione"] = r["associazione"]
            f.write(json.dumps(riga, ensure_ascii=False) + "\n")
    return p


def test_contratto_temi(ingresso: Path, tmp_path: Path) -> None:
    out = esegui_temi(ingresso, tmp_path / "out", k=6, seed=1, n_bootstrap=200)
    righe = [json.loads(x) for x in (tmp_path / "out" / "assegnazioni.jsonl").read_text().splitlines()]
    ids = [json.loads(x)["id"] for x in ingresso.read_text().splitlines()]
    assert [r["id"] for r in righe] == ids
    for r in righe:
        assert set(r) == {"id", "tema", "pesi"} and isinstance(r["tema"], int) and len(r["pesi"]) == 6
        assert abs(sum(r["pesi"]) - 1) < 1e-4 and r["tema"] == int(np.argmax(r["pesi"]))
    temi = json.loads((tmp_path / "out" / "temi.json").read_text())
    assert temi == json.loads(json.dumps(out)) and temi["k"] == 6 and temi["seed"] == 1
    for t in temi["temi"]:
        assert {"tema", "etichetta", "termini", "prevalenza", "citazioni"} <= set(t)
        assert t["citazioni"] and all(c["id"] in ids for c in t["citazioni"])
    per_ass = pd.DataFrame(temi["per_associazione"])
    assert {"gruppo", "tema", "n", "prevalenza", "inf", "sup", "soppresso"} <= set(per_ass.columns)
    assert per_ass.loc[~per_ass["soppresso"], "n"].min() >= 5
    assert temi["per_fase"] and temi["per_mese"]
    # same input, same seed → same files
    esegui_temi(ingresso, tmp_path / "bis", k=6, seed=1, n_bootstrap=200)
    for nome in ("assegnazioni.jsonl", "temi.json"):
        assert (tmp_path / "out" / nome).read_bytes() == (tmp_path / "bis" / nome).read_bytes()


@pytest.mark.parametrize(("contenuto", "messaggio"), [
    ('{"id": "a", "text": "x"}\nnon json\n', "riga 2: JSON non valido"),
    ('{"id": 1, "text": "x"}\n{"id": "b", "text": "y"}\n', "riga 1: campo \"id\""),
    ('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "riga 2: id 'a' ripetuto"),
    ('{"id": "a", "text": "x", "data": "12/03/2020"}\n{"id": "b", "text": "y"}\n', "riga 1: .*YYYY-MM-DD"),
    ('{"id": "a", "text": "x"}\n', "almeno 2"),
])
def test_contratto_ingresso_malformato(tmp_path: Path, contenuto: str, messaggio: str) -> None:
    p = tmp_path / "in.jsonl"
    p.write_text(contenuto, encoding="utf-8")
    with pytest.raises(ErroreContratto, match=messaggio):
        esegui_temi(p, tmp_path / "out")


def test_grafici_e_tabelle() -> None:
    rng = np.random.default_rng(0)
    pesi = pd.DataFrame(rng.dirichlet(np.ones(3), size=30), columns=["Coro", "Orto", "Scuola"])
    gruppi = ["A"] * 14 + ["B"] * 13 + ["C"] * 3
    prev = prevalenza_per_gruppo(pesi, gruppi, n_bootstrap=100)
    tab = tabella_temi_associazioni(prev)
    assert tab.set_index("associazione").loc["C"].tolist() == ["n < 5"] * 3
    assert "(" in tab.set_index("associazione").loc["A", "Coro"]
    spec = grafico_temi_associazioni(prev).to_dict()
    valori = next(iter(spec["datasets"].values()))
    assert all(v["testo"] == "n < 5" for v in valori if v["gruppo"] == "C")
    tempo = temi_nel_tempo(pesi, ["2020-03-20"] * 20 + ["2021-03-01"] * 10, per="fase", n_bootstrap=100)
    assert len(tabella_temi_nel_tempo(tempo)) == 6 and grafico_temi_nel_tempo(tempo).to_dict()
    temi = [{"tema": 0, "etichetta": "Coro", "prevalenza": 0.4, "termini": [["coro", 1.0]]},
            {"tema": 1, "etichetta": "Orto", "prevalenza": 0.6, "termini": [["orto", 1.0]]}]
    assert tabella_prevalenza(temi)["etichetta"].tolist() == ["Orto", "Coro"] and grafico_prevalenza(temi).to_dict()
    dist = parole_distintive([["coro", "voce"]] * 6 + [["orto", "voce"]] * 6 + [["x"]] * 2,
                             ["A"] * 6 + ["B"] * 6 + ["C"] * 2, top=2)
    assert "n < 5" in tabella_parole_distintive(dist)["parola"].tolist()
    assert grafico_parole_distintive(dist).to_dict()


def test_temi_in_ordine_numerico_non_alfabetico() -> None:
    from analisi.grafici_temi import _ordine_temi

    assert _ordine_temi(pd.Series(["10. casa", "2. scuola", "1. spesa", "11. lavoro"])) == [
        "1. spesa", "2. scuola", "10. casa", "11. lavoro"]
    assert _ordine_temi(pd.Series([10, 2, 1])) == ["1", "2", "10"]


def test_temi_trasversali_sul_corpus_di_esempio(ingresso: Path, tmp_path: Path) -> None:
    """No cross-cutting theme draws more than 40 % of its weight from one association (k chosen or fixed),
    and temi.json reports the spread of every theme; association-specific words are left out."""
    for k in ("auto", 7):
        out = esegui_temi(ingresso, tmp_path / f"out{k}", k=k, seed=0, n_bootstrap=10)
        diffusione = [t["diffusione_associazioni"] for t in out["temi"]]
        assert len(diffusione) == out["k"]
        for d in diffusione:
            assert {"entropia_normalizzata", "quota_principale", "associazione_principale", "quote"} <= set(d)
            assert d["quota_principale"] <= 0.4, (k, d)
            assert abs(sum(d["quote"].values()) - 1) < 1e-3 and 0 < d["entropia_normalizzata"] <= 1
            assert d["n_associazioni"] == 11
        assert out["termini_specifici_esclusi"] > 0
        tutti = {t for tema in out["temi"] for t, _ in tema["termini"]}
        assert not tutti & {"cantare", "coro", "corista", "orto", "pomodoro", "zucchine", "emporio", "glicine"}


def test_grafico_e_tabella_della_diffusione() -> None:
    from analisi.grafici_temi import grafico_diffusione, tabella_diffusione
    from analisi.temi.misure import diffusione_temi

    pesi = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0], [0.0, 1.0]])
    d = diffusione_temi(pesi, ["A", "A", "B", None])
    tab = tabella_diffusione(["1. uno", "2. due"], d)
    assert tab["quota dell'associazione principale (%)"].tolist() == [100.0, round(100 / 1.5, 1)]
    assert tab["associazione principale"].tolist() == ["A", "B"]
    spec = grafico_diffusione(["1. uno", "2. due"], d).to_dict()
    campi = [c["field"] for strato in spec["layer"] for c in strato["encoding"].values() if isinstance(c, dict)
             and "field" in c]
    campi += [t["field"] for strato in spec["layer"] for t in strato["encoding"].get("tooltip", [])]
    # Vega breaks on an apostrophe in a field name (the browser draws no chart at all)
    assert campi and not any("'" in c for c in campi)
    assert tabella_diffusione(["1. uno"], [None])["associazione principale"].tolist() == ["—"]
