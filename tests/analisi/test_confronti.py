"""Themes × associations and over time: suppression, seeded bootstrap intervals, log-odds (Monroe et al.)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analisi.confronti import FASI, fase_di, parole_distintive, prevalenza_per_gruppo, temi_nel_tempo


def _pesi(n: int, k: int = 3, seme: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seme)
    m = rng.dirichlet(np.ones(k), size=n)
    return pd.DataFrame(m, index=[f"r{i}" for i in range(n)], columns=[f"tema {j}" for j in range(k)])


def test_prevalenza_con_intervalli_e_celle_soppresse() -> None:
    pesi = _pesi(24)
    gruppi = ["A"] * 12 + ["B"] * 8 + ["C"] * 4
    out = prevalenza_per_gruppo(pesi, gruppi)
    assert list(out.columns) == ["gruppo", "tema", "n", "prevalenza", "inf", "sup", "soppresso", "metodo"]
    a = out[out["gruppo"] == "A"]
    np.testing.assert_allclose(a["prevalenza"], pesi.iloc[:12].mean().to_numpy())
    assert (a["inf"] <= a["prevalenza"]).all() and (a["prevalenza"] <= a["sup"]).all()
    assert a["n"].tolist() == [12, 12, 12]
    c = out[out["gruppo"] == "C"]
    assert c["soppresso"].all() and c["prevalenza"].isna().all() and c["n"].isna().all() and c["inf"].isna().all()


def test_bootstrap_riproducibile_e_dipende_dal_seme() -> None:
    pesi, gruppi = _pesi(40), ["A"] * 20 + ["B"] * 20
    uno = prevalenza_per_gruppo(pesi, gruppi, random_state=3)
    pd.testing.assert_frame_equal(uno, prevalenza_per_gruppo(pesi, gruppi, random_state=3))
    assert not np.allclose(uno["inf"], prevalenza_per_gruppo(pesi, gruppi, random_state=4)["inf"])


def test_intervallo_copre_la_media_vera() -> None:
    # 95 % intervals on samples from a known distribution: most of them cover the true mean
    coperti = 0
    for seme in range(40):
        rng = np.random.default_rng(100 + seme)
        x = rng.beta(2, 5, size=(30, 1))
        pesi = pd.DataFrame(np.hstack([x, 1 - x]), columns=["a", "b"])
        r = prevalenza_per_gruppo(pesi, ["g"] * 30, n_bootstrap=500, random_state=seme).iloc[0]
        coperti += r["inf"] <= 2 / 7 <= r["sup"]
    assert coperti >= 33


def test_gruppi_grandi_approssimazione_normale() -> None:
    out = prevalenza_per_gruppo(_pesi(300), ["A"] * 300, soglia_normale=100)
    assert (out["metodo"] == "normale").all() and (out["inf"] < out["prevalenza"]).all()


def test_gruppi_mancanti_esclusi() -> None:
    out = prevalenza_per_gruppo(_pesi(12), ["A"] * 6 + [None] * 6)
    assert set(out["gruppo"]) == {"A"}


@pytest.mark.parametrize(("giorno", "fase"), [
    ("2020-03-14", "lockdown-2020"), ("2020-05-31", "lockdown-2020"), ("2020-06-01", "estate-2020"),
    ("2020-10-22", "seconda-ondata"), ("2021-01-28", "seconda-ondata"), ("2021-02-15", "zone-colori-2021"),
    ("2021-06-05", "riaperture-2021"), ("2019-12-01", None), (None, None), (date(2021, 12, 12), "riaperture-2021")])
def test_fasi(giorno: str | date | None, fase: str | None) -> None:
    assert fase_di(giorno) == fase


def test_temi_nel_tempo_per_mese_e_fase() -> None:
    pesi = _pesi(20)
    date_ = ["2020-03-20"] * 10 + ["2020-11-02"] * 6 + ["2021-06-10"] * 4
    mesi = temi_nel_tempo(pesi, date_, per="mese")
    assert list(dict.fromkeys(mesi["periodo"])) == ["2020-03", "2020-11", "2021-06"]
    assert mesi[mesi["periodo"] == "2021-06"]["soppresso"].all()
    fasi = temi_nel_tempo(pesi, date_, per="fase", fasi=[None] * 10 + ["estate-2020"] * 6 + [None] * 4)
    assert list(dict.fromkeys(fasi["periodo"])) == ["lockdown-2020", "estate-2020", "riaperture-2021"]
    assert FASI[0][0] == "lockdown-2020"
    with pytest.raises(ValueError):
        temi_nel_tempo(pesi, date_, per="anno")


def test_parole_distintive_log_odds_con_prior() -> None:
    documenti = ([["coro", "cantare", "voce", "casa"]] * 15 + [["orto", "pomodoro", "casa"]] * 15
                 + [["scuola", "casa"]] * 3)
    gruppi = ["Coro"] * 15 + ["Orti"] * 15 + ["Scuola"] * 3
    out = parole_distintive(documenti, gruppi, top=3)
    coro = out[out["gruppo"] == "Coro"]
    assert set(coro["parola"]) == {"coro", "cantare", "voce"}
    assert (coro["z"] > 1.96).all() and (coro["delta"] > 0).all()
    assert out[out["gruppo"] == "Scuola"]["soppresso"].tolist() == [True]
    # a word shared by all groups is never significantly distinctive
    assert (out.loc[out["parola"] == "casa", "z"] < 1.96).all()
    assert (out["z"].dropna() > 0).all()
    with pytest.raises(ValueError):
        parole_distintive(documenti, gruppi[:-1])
