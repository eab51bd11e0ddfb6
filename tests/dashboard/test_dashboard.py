"""The dashboard with Streamlit AppTest: login gate, roles on every page, anonymised text only."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from archivio.tabelle import Audit
from dashboard import MESSAGGIO_ERRORE
from pagine.registro import PAGINE, Pagina
from tests.conftest import RADICE
from tests.dashboard.conftest import Ambiente, accedi, nuova_app
from tests.dashboard.popola import PASSWORD, UTENTI, Dati
from tests.raccolta.aiuti import dove_compare


def _titoli(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_anonimo_vede_solo_l_accesso(app: Callable[[str | None], AppTest]) -> None:
    at = app(None)
    assert not at.exception
    assert _titoli(at) == ["Narrazioni"]
    assert not at.dataframe
    assert "Servirebbe" not in str(at)


def test_password_sbagliata(dati: Dati) -> None:
    at = accedi(nuova_app(), "anna", "sbagliata")
    assert "Nome utente o password non corretti." in [e.value for e in at.error]
    assert _titoli(at) == ["Narrazioni"]


@pytest.mark.parametrize("nome", list(UTENTI))
def test_dopo_l_accesso_la_panoramica(app: Callable[[str | None], AppTest], nome: str) -> None:
    at = app(nome)
    assert not at.exception, at.exception
    assert _titoli(at) == ["Panoramica"]
    assert at.metric[0].value == "24"


@pytest.mark.parametrize("nome", list(UTENTI))
def test_ogni_pagina_per_ogni_ruolo(app: Callable[[str | None], AppTest], nome: str) -> None:
    """Allowed pages open without errors; the others are not even registered in the navigation."""
    at = app(nome)
    for pagina in PAGINE:
        if UTENTI[nome] in pagina.ruoli:
            at.switch_page(pagina.file).run()
            assert not at.exception, (pagina.chiave, at.exception)
            assert _titoli(at)[:1] == [pagina.titolo], pagina.chiave
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(pagina.file)


def test_il_ricercatore_non_apre_esporta_ne_revisione(app: Callable[[str | None], AppTest]) -> None:
    """Not in the researcher's navigation (the page cannot be reached through the router)."""
    at = app("anna")
    for pagina in ("pagine/esporta.py", "pagine/revisione.py", "pagine/utenti.py", "pagine/inserisci.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(pagina)


def _pagina_diretta(file: str, utente: dict[str, object] | None) -> AppTest:
    """Run a page script on its own, bypassing the router (as a forged request would)."""
    at = AppTest.from_file(str(RADICE / file), default_timeout=60)
    if utente is not None:
        at.session_state["utente"] = utente
    return at.run()


@pytest.mark.parametrize("pagina", PAGINE, ids=[p.chiave for p in PAGINE])
def test_il_ruolo_e_controllato_anche_dentro_la_pagina(dati: Dati, pagina: Pagina) -> None:
    anonimo = _pagina_diretta(pagina.file, None)
    assert "Accesso richiesto: la sessione non è attiva." in [e.value for e in anonimo.error]
    assert not anonimo.dataframe and not anonimo.get("download_button")
    for nome, ruolo in UTENTI.items():
        if ruolo in pagina.ruoli:
            continue
        at = _pagina_diretta(pagina.file, {"nome": nome, "ruolo": ruolo, "ultima_attivita": time.time()})
        assert "Non hai i permessi per questa pagina." in [e.value for e in at.error]
        assert not at.dataframe and not at.get("download_button") and not at.get("html")


def test_il_ruolo_nella_sessione_non_basta(dati: Dati) -> None:
    """A session claiming "amministratore" for a researcher gets the researcher's rights (from the db)."""
    at = _pagina_diretta("pagine/revisione.py", {"nome": "anna", "ruolo": "amministratore",
                                                 "ultima_attivita": time.time()})
    assert "Non hai i permessi per questa pagina." in [e.value for e in at.error]


def test_sessione_scaduta(dati: Dati) -> None:
    at = _pagina_diretta("pagine/panoramica.py", {"nome": "anna", "ruolo": "ricercatore",
                                                  "ultima_attivita": time.time() - 61 * 60})
    assert "Accesso richiesto: la sessione non è attiva." in [e.value for e in at.error]
    assert at.session_state["sessione_scaduta"] is True


def test_accesso_non_salva_cio_che_e_digitato(ambiente: Ambiente) -> None:
    """Issue 10, finding 8: a password typed in the username field is not stored (audit says 'sconosciuto')."""
    at = accedi(nuova_app(), "Cavallo!Batteria42", "anna")
    assert "Nome utente o password non corretti." in [e.value for e in at.error]
    assert dove_compare(ambiente.archivio, "Cavallo!Batteria42", "cavallo!batteria42") == []
    with ambiente.archivio.lettura() as s:
        ultimo = s.scalars(select(Audit).order_by(Audit.id.desc())).first()
    assert ultimo is not None and (ultimo.chi, ultimo.azione) == ("sconosciuto", "login_fallito")


def test_accesso_bloccato_dopo_i_tentativi(dati: Dati) -> None:
    at = nuova_app()
    for _ in range(5):
        at = accedi(at, "anna", "sbagliata")
    at = accedi(at, "anna", PASSWORD)
    assert any("Accesso bloccato" in e.value for e in at.error)
    assert _titoli(at) == ["Narrazioni"]


def test_errore_del_database_senza_dettagli(ambiente: Ambiente, monkeypatch: pytest.MonkeyPatch,
                                           caplog: pytest.LogCaptureFixture) -> None:
    """Issue 10, finding 9: a read-only store shows an Italian message, never the traceback, SQL or input."""
    db = ambiente.impostazioni.archivio.cartella_dati / "narrazioni.db"
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__DATABASE_URL", f"sqlite:///file:{db}?mode=ro&uri=true")
    st.cache_resource.clear()
    at = accedi(nuova_app(), "Girasole!Nascosto7", "una password qualsiasi")
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [MESSAGGIO_ERRORE]
    mostrato = [str(getattr(e, "value", e)) for tipo in ("error", "warning", "info", "markdown", "caption",
                                                         "code", "text", "json", "exception", "title")
                for e in getattr(at, tipo)]
    pagina = "\n".join(mostrato)
    for segreto in ("Girasole!Nascosto7", "INSERT", "Traceback", "readonly", "sqlite"):
        assert segreto not in pagina, segreto
    assert any(r.name == "narrazioni.dashboard" and r.exc_info for r in caplog.records)  # the log keeps it
