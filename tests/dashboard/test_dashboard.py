"""Dashboard skeleton with Streamlit AppTest: login gate, roles, anonymised text only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analisi.pipeline import esegui
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.racconti import NuovoRacconto
from archivio.utenti import aggiungi_utente
from tests.conftest import RADICE

GREZZO = "Mia figlia Giulia mi telefonava tutte le sere durante il lockdown."


@pytest.fixture
def app(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    with archivio.transazione() as s:
        q.inserisci_racconto(s, NuovoRacconto(testo=GREZZO, canale="modulo", versione_consenso="2020-1",
                                              titolo="Le telefonate"), cifrario)
        aggiungi_utente(s, "anna", "password-di-anna", "ricercatore")
    esegui(archivio, impostazioni, cifrario)  # the test stage upper-cases: the "anonymised" text differs
    monkeypatch.setenv("NARRAZIONI_CARTELLA_DATI", str(impostazioni.cartella_dati))
    monkeypatch.setenv("NARRAZIONI_DATABASE_URL", impostazioni.url_database())
    st.cache_resource.clear()
    st.cache_data.clear()
    yield AppTest.from_file(str(RADICE / "dashboard.py"), default_timeout=30)
    st.cache_resource.clear()
    st.cache_data.clear()


def _accedi(at: AppTest, nome: str, password: str) -> AppTest:
    at.run()
    at.text_input[0].input(nome)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


def test_anonimo_vede_solo_l_accesso(app: AppTest) -> None:
    app.run()
    assert not app.exception
    assert [t.value for t in app.title] == ["Narrazioni"]
    assert not app.dataframe and GREZZO.upper() not in str(app)


def test_password_sbagliata(app: AppTest) -> None:
    at = _accedi(app, "anna", "sbagliata")
    assert "Nome utente o password non corretti." in [e.value for e in at.error]
    assert not at.dataframe


def test_ricercatore_vede_i_racconti_anonimizzati_mai_il_grezzo(app: AppTest) -> None:
    at = _accedi(app, "anna", "password-di-anna")
    assert not at.exception
    assert [t.value for t in at.title] == ["Racconti"]
    assert len(at.dataframe) == 1
    testi = " ".join(str(t.value) for t in at.text)
    assert GREZZO.upper() in testi
    assert GREZZO not in testi
