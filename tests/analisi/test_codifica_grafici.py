"""Charts of the coding and their tables (suppression of small groups)."""

from __future__ import annotations

import altair as alt

from analisi.grafici_codifica import (
    grafico_proposte_per_area,
    grafico_quote_codici,
    tabella_proposte_per_area,
    tabella_quote_codici,
)


def _righe() -> list[dict[str, object]]:
    righe: list[dict[str, object]] = []
    for r in range(6):
        righe.append({"racconto": f"A{r}", "associazione": "Grande", "periodo": "lockdown-2020",
                      "codici": ["ansia"] if r % 2 else ["proposta"]})
    righe += [{"racconto": "B1", "associazione": "Piccola", "periodo": "estate-2020", "codici": ["ansia"]}]
    return righe


def test_tabella_quote_sopprime_gruppi_piccoli() -> None:
    t = tabella_quote_codici(_righe())
    assert set(t["gruppo"]) == {"Grande"}
    ansia = t[(t["gruppo"] == "Grande") & (t["codice"] == "ansia")].iloc[0]
    assert ansia["frasi_con_codice"] == 3 and ansia["frasi"] == 6 and ansia["quota"] == 0.5
    assert len(tabella_quote_codici(_righe(), per="periodo", minimo_racconti=1)) == 8
    assert tabella_quote_codici([]).empty


def test_grafici_sono_altair() -> None:
    assert isinstance(grafico_quote_codici(_righe()), alt.Chart)
    proposte = [{"racconto": "A1", "area": "1", "fonte_area": "umano"}, {"racconto": "A2", "area": "1"},
                {"racconto": "A2", "area": None}]
    t = tabella_proposte_per_area(proposte, {"1": "1. Prossimità"})
    assert list(t["proposte"]) == [1, 2] and t.loc[t["area"] == "1", "confermate"].item() == 1
    assert isinstance(grafico_proposte_per_area(proposte), alt.Chart)
    assert grafico_proposte_per_area([]).to_dict()["mark"]["type"] == "bar"
