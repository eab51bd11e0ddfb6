"""Sessions in Debian's Chromium: a reload (F5) or a deep link keeps the login and lands on the page asked
for; the cookie is HttpOnly and its token is stored only hashed; "Esci" really ends the session."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from archivio.db import Archivio
from archivio.tabelle import Sessione
from pagine.protezioni import NOME_COOKIE
from scripts.browser_locale import aspetta_porta, porta_libera
from tests.browser.test_dashboard_browser import ATTESA, _accedi, _quieta
from tests.conftest import RADICE
from tests.dashboard.conftest import _crea
from tests.dashboard.popola import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def registro(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("registro_dashboard") / "streamlit.log"


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory, registro: Path) -> Iterator[tuple[str, str]]:
    """The dashboard served by ``streamlit run`` (its log in ``registro``): (address, store URL)."""
    cartella = tmp_path_factory.mktemp("dashboard_sessioni") / "dati"
    imp, _ = _crea(cartella)
    porta = porta_libera()
    env = {**os.environ, "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(cartella),
           "NARRAZIONI_ARCHIVIO__DATABASE_URL": imp.url_database(),
           "PYTHONPATH": str(RADICE)}
    with registro.open("wb") as uscita:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(RADICE / "dashboard.py"),
                                 "--server.headless", "true", "--server.port", str(porta),
                                 "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"],
                                env=env, stdout=uscita, stderr=subprocess.STDOUT)
        try:
            aspetta_porta(porta, proc)
            yield f"http://127.0.0.1:{porta}/", imp.url_database()
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _cookie(contesto: Any) -> dict[str, Any] | None:
    return next((c for c in contesto.cookies() if c["name"] == NOME_COOKIE), None)


def _aspetta_cookie(pagina: Any, contesto: Any) -> dict[str, Any]:
    for _ in range(150):  # set by a request the page makes after the login: slow on a loaded machine
        if (c := _cookie(contesto)) is not None:
            return c
        pagina.wait_for_timeout(200)
    raise AssertionError("the session cookie was never set")


def _sessioni(url_db: str) -> list[Sessione]:
    a = Archivio(url_db)
    try:
        with a.lettura() as s:
            return list(s.scalars(select(Sessione)))
    finally:
        a.chiudi()


def _in_esplora(pagina: Any) -> None:
    pagina.get_by_role("heading", name="Esplora racconti", exact=True).first.wait_for(timeout=ATTESA)
    _quieta(pagina)
    assert pagina.get_by_label("Nome utente").count() == 0
    assert "esplora" in pagina.url


def test_ricarica_e_link_diretto_restano_collegati(browser: Any, dashboard: tuple[str, str]) -> None:
    url, url_db = dashboard
    contesto = browser.new_context(locale="it-IT")
    pagina = contesto.new_page()
    _accedi(pagina, url, "anna")
    cookie = _aspetta_cookie(pagina, contesto)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert pagina.evaluate("document.cookie").find(NOME_COOKIE) == -1  # not readable by scripts
    # the store keeps the token's hash only
    righe = [r for r in _sessioni(url_db) if r.nome_utente == "anna"]
    assert [r.token_hash for r in righe] == [hashlib.sha256(cookie["value"].encode()).hexdigest()]

    pagina.goto(url + "esplora")  # a deep link, in a new websocket session
    _in_esplora(pagina)
    pagina.reload()  # F5
    _in_esplora(pagina)
    # a second tab of the same browser opens the deep link logged in too
    altra = contesto.new_page()
    altra.goto(url + "esplora")
    _in_esplora(altra)
    altra.close()

    pagina.get_by_role("button", name="Esci").click()
    pagina.get_by_label("Nome utente").wait_for(timeout=ATTESA)
    assert not [r for r in _sessioni(url_db) if r.nome_utente == "anna"]  # revoked on the server
    pagina.goto(url + "esplora")
    pagina.get_by_label("Nome utente").wait_for(timeout=ATTESA)
    assert pagina.get_by_role("heading", name="Esplora racconti").count() == 0
    # the old token, replayed by hand, opens nothing either
    fresco = browser.new_context()
    fresco.add_cookies([{**cookie, "expires": -1}])
    vecchio = fresco.new_page()
    vecchio.goto(url + "esplora")
    vecchio.get_by_label("Nome utente").wait_for(timeout=ATTESA)
    assert vecchio.get_by_role("heading", name="Esplora racconti").count() == 0
    fresco.close()
    contesto.close()


def test_link_diretto_senza_sessione_chiede_la_password_e_poi_apre_la_pagina(
        browser: Any, dashboard: tuple[str, str]) -> None:
    url, _ = dashboard
    contesto = browser.new_context(locale="it-IT")
    pagina = contesto.new_page()
    pagina.goto(url + "esplora")
    pagina.get_by_label("Nome utente").fill("anna")
    pagina.get_by_label("Password", exact=True).fill(PASSWORD)
    pagina.get_by_role("button", name="Entra").click()
    _in_esplora(pagina)
    contesto.close()


def test_il_codice_di_consegna_non_si_usa_da_un_altro_sito(dashboard: tuple[str, str]) -> None:
    import urllib.error
    import urllib.request

    url, _ = dashboard
    richiesta = urllib.request.Request(url + "_narrazioni/sessione", data=b"qualsiasi", method="POST",
                                       headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://altro.example"})
    with pytest.raises(urllib.error.HTTPError) as errore:
        urllib.request.urlopen(richiesta, timeout=10)
    assert errore.value.code == 403
    richiesta = urllib.request.Request(url + "_narrazioni/sessione", data=b"codice-inventato", method="POST",
                                       headers={"Sec-Fetch-Site": "same-origin"})
    with pytest.raises(urllib.error.HTTPError) as errore:
        urllib.request.urlopen(richiesta, timeout=10)
    assert errore.value.code == 403


def test_nessun_traceback_nel_registro(browser: Any, dashboard: tuple[str, str], registro: Path) -> None:
    """Browsing every page as the administrator logs no traceback (e.g. pyarrow's ArrowInvalid)."""
    url, _ = dashboard
    contesto = browser.new_context(locale="it-IT", viewport={"width": 1400, "height": 1000})
    pagina = contesto.new_page()
    _accedi(pagina, url, "ada")
    _aspetta_cookie(pagina, contesto)
    for chiave in ("panoramica", "temi", "associazioni", "ansie_proposte", "esplora", "codifica", "inserisci",
                   "ritira", "esporta", "revisione", "utenti"):
        pagina.goto(url + chiave)
        pagina.get_by_role("button", name="Esci").wait_for(timeout=ATTESA)
        _quieta(pagina)
    contesto.close()
    testo = registro.read_text(errors="replace")
    assert "Traceback" not in testo and "Error" not in testo, testo[-3000:]


def test_date_e_prima_pagina_in_italiano(browser: Any, dashboard: tuple[str, str]) -> None:
    """An empty date field reads gg/mm/aaaa; /panoramica is a page of its own (no "Page not found")."""
    url, _ = dashboard
    contesto = browser.new_context(locale="it-IT", viewport={"width": 1400, "height": 1000})
    pagina = contesto.new_page()
    pagina.goto(url + "inserisci")
    pagina.get_by_label("Nome utente").fill("otto")
    pagina.get_by_label("Password", exact=True).fill(PASSWORD)
    pagina.get_by_role("button", name="Entra").click()
    pagina.get_by_role("heading", name="Inserisci racconto", exact=True).first.wait_for(timeout=ATTESA)
    _quieta(pagina)
    _aspetta_cookie(pagina, contesto)  # the later deep links open in new sessions, through the cookie
    segnaposti = pagina.evaluate("""() => [...document.querySelectorAll(
        '[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"]')].map(e => [
        getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content])""")
    assert segnaposti == [["0px", '"gg"'], ["0px", '"mm"'], ["0px", '"aaaa"']], segnaposti
    pagina.goto(url + "panoramica")
    pagina.get_by_role("heading", name="Panoramica", exact=True).first.wait_for(timeout=ATTESA)
    _quieta(pagina)
    assert pagina.get_by_text("Page not found").count() == 0
    assert "/panoramica" in pagina.url
    pagina.goto(url)  # the root opens Panoramica at its own address
    pagina.wait_for_url("**/panoramica", timeout=ATTESA)
    contesto.close()
