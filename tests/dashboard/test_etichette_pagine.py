"""What a staff member reads: every page's tables, captions, options and metrics are in Italian words —
no "None"/"nan"/"NaT"/"True", no internal ids (``preoccupazione_futuro``, ``login_riuscito``,
``anonimizza.v1``, ``lockdown-2020``), no month keys such as "2020-03" or English month names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analisi import etichette as et
from pagine.registro import PAGINE

_INTERNI = re.compile(r"\b(?:[a-z]+_[a-z_]+|[a-z]+\.v\d+|lockdown-2020|seconda-ondata|\d{4}-\d{2}(?:-\d{2})?)\b")
_MANCANTI = {"None", "nan", "NaN", "NaT", "<NA>", "True", "False"}
_INGLESE = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
                      r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
# the settings' names are written for the administrator on purpose (NARRAZIONI_CONSERVAZIONE__GIORNI)
_AMMESSI = re.compile(r"NARRAZIONI_[A-Z_]+")


def _celle(df: pd.DataFrame) -> Iterator[str]:
    yield from (str(c) for c in df.columns)
    yield from (str(i) for i in df.index if not isinstance(i, int))
    for colonna in df.columns:  # date objects are shown through a DateColumn as 03/12/2026
        yield from (str(v) for v in df[colonna].tolist() if not isinstance(v, date))


def _testi(at: AppTest) -> Iterator[tuple[str, str]]:
    for tabella in [*at.dataframe, *at.table]:
        for v in _celle(tabella.value):
            yield "cella", v
    for tipo in ("caption", "markdown", "info", "warning", "subheader", "metric"):
        for el in getattr(at, tipo):
            yield tipo, str(el.value)
    for tipo in ("selectbox", "multiselect", "radio"):
        for el in getattr(at, tipo):
            yield from ((tipo, str(o)) for o in el.options)


def _problemi(at: AppTest) -> list[tuple[str, str]]:
    out = []
    for tipo, testo in _testi(at):
        pulito = _AMMESSI.sub("", testo.replace("\\", ""))
        if (pulito.strip() in _MANCANTI or _INTERNI.search(pulito) or _INGLESE.search(pulito)):
            out.append((tipo, testo[:120]))
    return out


@pytest.mark.parametrize("nome", ["ada", "otto"])
def test_nessun_id_interno_ne_valore_mancante_nelle_pagine(app: Callable[[str | None], AppTest],
                                                          nome: str) -> None:
    at = app(nome)
    trovati: dict[str, Any] = {}
    for pagina in PAGINE:
        try:
            at.switch_page(pagina.file).run()
        except ValueError:  # not in this role's navigation
            continue
        assert not at.exception, (pagina.chiave, at.exception)
        if problemi := _problemi(at):
            trovati[pagina.chiave] = problemi
    assert trovati == {}


def test_etichette() -> None:
    assert et.mese_it("2020-03") == "mar 2020" and et.mese_it(pd.Timestamp("2021-12-05"), lungo=True) == \
        "dicembre 2021"
    assert et.data_it(None) == "" and et.data_it(pd.NaT) == "" and et.data_it(pd.Timestamp("2026-12-03")) == \
        "03/12/2026"
    assert et.data_ora_it(pd.Timestamp("2026-12-03 09:05:59")) == "03/12/2026 09:05"
    assert et.etichetta_codice("preoccupazione_futuro") == "Preoccupazione per il futuro"
    assert et.etichetta_codice("proposta.associazioni_volontariato") == "Proposta › associazioni e volontariato"
    assert et.etichetta_stadio("anonimizza.v1") == "Anonimizzazione (versione 1)"
    assert et.etichetta_azione("login_riuscito") == "Accesso"
    assert et.etichetta_azione("azione_nuova") == "Azione nuova"
    assert et.etichetta_periodo("lockdown-2020") == "Primo lockdown (mar-mag 2020)"
    assert et.dettagli_leggibili('{"motivo": "revisione_anonimizzazione", "byte": 1234}') == \
        "motivo: revisione dell'anonimizzazione · byte: 1.234"
    df = et.tabella_leggibile(pd.DataFrame({"n": [1.0, None], "t": [None, "x"], "b": [True, False],
                                            "q": [0.25, ""]}))
    assert df.to_dict("list") == {"n": ["1", ""], "t": ["", "x"], "b": ["sì", "no"], "q": ["0,25", ""]}


def test_mappa_dei_temi_tutte_le_etichette_intere() -> None:
    """30 themes with long labels: one row each on the heatmap, labels neither cut nor thinned out."""
    from analisi import grafici_temi as gt
    from analisi.confronti import COLONNE_PREVALENZA

    temi = [f"{i}. {'parola lunghissima ' * 4}{i}" for i in range(1, 31)]
    righe = [{"gruppo": g, "tema": t, "n": 10 if g != "Piccola" else 2, "prevalenza": 0.1, "inf": 0.05,
              "sup": 0.2, "soppresso": g == "Piccola", "metodo": "bootstrap"}
             for g in ("Grande", "Piccola") for t in temi]
    spec = gt.grafico_temi_associazioni(pd.DataFrame(righe, columns=COLONNE_PREVALENZA)).to_dict()
    y = spec["layer"][0]["encoding"]["y"]
    assert y["field"] == "tema" and y["sort"] == temi  # every theme, in its own order
    assert y["axis"]["labelLimit"] == 0 and y["axis"]["labelOverlap"] is False
    assert spec["height"] == {"step": 24}  # the chart grows with the themes


@pytest.mark.parametrize("chiave", ["temi", "associazioni", "ansie_proposte", "panoramica"])
def test_ogni_grafico_con_etichette_intere(app: Callable[[str | None], AppTest], chiave: str) -> None:
    import json

    at = app("anna")
    at.switch_page(f"pagine/{chiave}.py").run()
    grafici = at.get("vega_lite_chart")
    assert grafici
    for g in grafici:
        config = json.loads(g.proto.spec).get("config", {})
        assert config.get("axisDiscrete") == {"labelLimit": 0, "labelOverlap": False}, chiave
