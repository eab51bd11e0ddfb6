"""The dashboard in a real headless Chromium: login, the story list renders, a screenshot is saved."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analisi.pipeline import esegui
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.racconti import NuovoRacconto
from archivio.utenti import aggiungi_utente
from tests.browser.conftest import aspetta_porta, porta_libera
from tests.conftest import RADICE

pytestmark = pytest.mark.browser


@pytest.fixture
def dashboard(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> Iterator[str]:
    with archivio.transazione() as s:
        for i in range(3):
            q.inserisci_racconto(s, NuovoRacconto(testo=f"Racconto di prova numero {i}: la spesa per i vicini.",
                                                  canale="modulo", versione_consenso="2020-1",
                                                  titolo=f"Titolo {i}"), cifrario)
        aggiungi_utente(s, "anna", "password-di-anna", "ricercatore")
    esegui(archivio, impostazioni, cifrario)
    porta = porta_libera()
    env = {**os.environ, "NARRAZIONI_CARTELLA_DATI": str(impostazioni.cartella_dati),
           "NARRAZIONI_DATABASE_URL": impostazioni.url_database(), "PYTHONPATH": str(RADICE)}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(RADICE / "dashboard.py"),
                             "--server.headless", "true", "--server.port", str(porta),
                             "--browser.gatherUsageStats", "false"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        aspetta_porta(porta, proc)
        yield f"http://127.0.0.1:{porta}/"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_login_e_elenco_racconti(browser: Any, dashboard: str, tmp_path: Path) -> None:
    pagina = browser.new_page()
    pagina.goto(dashboard)
    pagina.get_by_label("Nome utente").fill("anna")
    pagina.get_by_label("Password", exact=True).fill("password-di-anna")
    pagina.get_by_role("button", name="Entra").click()
    pagina.get_by_role("heading", name="Racconti").wait_for(timeout=30_000)
    pagina.get_by_text("3 racconti anonimizzati").wait_for(timeout=30_000)
    pagina.screenshot(path=str(tmp_path / "racconti.png"), full_page=True)
    assert (tmp_path / "racconti.png").stat().st_size > 10_000
    pagina.close()
