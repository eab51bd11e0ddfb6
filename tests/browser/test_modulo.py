"""The public form in Debian's Chromium: submit, receipt, withdrawal; keyboard only; no JavaScript; axe-core.

The form runs as in production: ``uvicorn --factory raccolta.app:crea_app_da_ambiente`` in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.tabelle import Racconto
from scripts.browser_locale import aspetta_porta, porta_libera
from tests.conftest import RADICE

pytestmark = [pytest.mark.browser, pytest.mark.lento]

STORIA = ("Durante il lockdown facevo la spesa per la vicina del terzo piano, ogni martedì. "
          "Mi mancavano gli abbracci dei nipoti.")
AXE = RADICE / ".cache" / "node_modules" / "axe-core" / "axe.min.js"


def _conta(archivio: Archivio) -> int:
    with archivio.lettura() as s:
        return s.scalar(select(func.count(Racconto.id))) or 0


@pytest.fixture
def modulo(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> Iterator[str]:
    with archivio.transazione() as s:
        q.assicura_associazione(s, "Centro Anziani Il Glicine")
        q.assicura_associazione(s, "Caregiver Insieme")
    porta = porta_libera()
    env = {**os.environ, "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(impostazioni.archivio.cartella_dati),
           "NARRAZIONI_ARCHIVIO__DATABASE_URL": impostazioni.url_database(), "PYTHONPATH": str(RADICE)}
    env.pop("NARRAZIONI_CONFIG", None)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory",
                             "raccolta.app:crea_app_da_ambiente", "--host", "127.0.0.1", "--port", str(porta),
                             "--no-access-log", "--log-level", "warning"], env=env, cwd=RADICE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        aspetta_porta(porta, proc)
        yield f"http://127.0.0.1:{porta}"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
        assert b"Traceback" not in err, err.decode("utf-8", "replace")


@pytest.fixture
def pagina(browser: Any) -> Iterator[Any]:
    contesto = browser.new_context(viewport={"width": 390, "height": 844}, locale="it-IT")
    p = contesto.new_page()
    yield p
    contesto.close()


def test_cittadino_invia_riceve_codice_e_ritira(modulo: str, pagina: Any, archivio: Archivio) -> None:
    pagina.goto(modulo + "/")
    pagina.get_by_label("Il tuo racconto (obbligatorio)").fill(STORIA)
    pagina.get_by_label("Un titolo per il tuo racconto").fill("La spesa del martedì")
    pagina.get_by_label("Associazione o gruppo con cui partecipi").select_option("Centro Anziani Il Glicine")
    pagina.get_by_label("75 anni o più").check()
    pagina.get_by_label("Paure e ansie").check()
    pagina.get_by_label("2 – Difficile").check()
    pagina.get_by_label("Ho letto l'informativa", exact=False).check()
    pagina.get_by_role("button", name="Invia il racconto").click()
    assert pagina.get_by_role("heading", level=1).inner_text() == "Grazie, il tuo racconto è arrivato"
    codice = pagina.locator("#codice-ricevuta").inner_text().strip()
    assert len(codice.replace("-", "")) == 12 and _conta(archivio) == 1

    pagina.get_by_role("link", name="«Ritira il tuo racconto»").click()
    pagina.get_by_label("Codice ricevuta").fill(codice.lower())
    pagina.get_by_label("Ho capito che il racconto sarà cancellato per sempre.").check()
    pagina.get_by_role("button", name="Ritira il racconto").click()
    assert pagina.get_by_role("heading", level=1).inner_text() == "Richiesta ricevuta"
    assert _conta(archivio) == 0


def _tab_fino_a(pagina: Any, selettore: str, massimo: int = 80) -> None:
    for _ in range(massimo):
        pagina.keyboard.press("Tab")
        if pagina.evaluate(f"document.activeElement === document.querySelector({selettore!r})"):
            return
    raise AssertionError(f"{selettore} not reachable with Tab")


def test_solo_tastiera(modulo: str, pagina: Any, archivio: Archivio) -> None:
    pagina.goto(modulo + "/")
    pagina.keyboard.press("Tab")
    assert pagina.evaluate("document.activeElement.textContent") == "Vai al contenuto"  # skip link first
    # The focused element is visibly marked.
    assert pagina.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    _tab_fino_a(pagina, "#campo-testo")
    pagina.keyboard.type(STORIA)
    # Tab enters a radio group on its checked option ("Preferisco non rispondere"); arrows change it.
    _tab_fino_a(pagina, "#campo-fascia_eta-nessuna")
    pagina.keyboard.press("ArrowDown")
    assert pagina.evaluate("document.querySelector('#campo-fascia_eta-0').checked")
    _tab_fino_a(pagina, "#campo-consenso")
    pagina.keyboard.press("Space")
    _tab_fino_a(pagina, "button[type=submit]")
    pagina.keyboard.press("Enter")
    pagina.wait_for_selector("#codice-ricevuta")
    assert _conta(archivio) == 1


def test_funziona_senza_javascript(modulo: str, browser: Any, archivio: Archivio) -> None:
    contesto = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    p = contesto.new_page()
    try:
        p.goto(modulo + "/")
        p.fill("#campo-testo", "Troppo corto")
        p.click("button[type=submit]")
        assert p.title().startswith("Errore:")
        riepilogo = p.locator(".riepilogo-errori")
        assert "troppo breve" in riepilogo.inner_text() and "consenso" in riepilogo.inner_text()
        assert p.input_value("#campo-testo") == "Troppo corto"  # kept
        riepilogo.get_by_role("link", name="Il racconto è troppo breve", exact=False).click()
        assert p.url.endswith("#campo-testo")
        p.fill("#campo-testo", STORIA)
        p.check("#campo-consenso")
        p.click("button[type=submit]")
        assert p.locator("#codice-ricevuta").is_visible() and _conta(archivio) == 1
        # Nothing overflows a 320 px screen.
        assert p.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        contesto.close()


def _axe(pagina: Any) -> list[dict[str, Any]]:
    pagina.add_script_tag(path=str(AXE))
    risultato = pagina.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in risultato["violations"] if v["impact"] in {"serious", "critical"}]


def test_accessibilita_axe(modulo: str, browser: Any) -> None:
    if not AXE.exists():
        if os.environ.get("NARRAZIONI_CI"):
            pytest.fail(f"axe-core missing: {AXE} (npm install axe-core@4 in .cache)")
        pytest.skip("axe-core not installed in .cache/node_modules")
    # The strict CSP (no scripts at all) would block axe itself: only this test context bypasses it.
    contesto = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
    p = contesto.new_page()
    gravi: dict[str, list[dict[str, Any]]] = {}
    try:
        for nome, azione in [
            ("modulo", lambda: p.goto(modulo + "/")),
            ("errori", lambda: (p.fill("#campo-testo", "corto"), p.click("button[type=submit]"))),
            ("ricevuta", lambda: (p.fill("#campo-testo", STORIA), p.check("#campo-consenso"),
                                  p.click("button[type=submit]"))),
            ("ritira", lambda: p.goto(modulo + "/ritira")),
            ("ritira-errori", lambda: p.click("button[type=submit]")),
            ("ritirato", lambda: (p.fill("#campo-codice", "0000-0000-0000"), p.check("#campo-conferma"),
                                  p.click("button[type=submit]"))),
            ("informativa", lambda: p.goto(modulo + "/informativa")),
            ("non-trovata", lambda: p.goto(modulo + "/manca")),
        ]:
            azione()
            p.wait_for_load_state()
            violazioni = _axe(p)
            if violazioni:
                gravi[nome] = violazioni
            assert p.evaluate("document.documentElement.scrollWidth") <= 320, f"{nome}: horizontal scroll"
    finally:
        contesto.close()
    assert gravi == {}


def test_intestazioni_di_sicurezza_nel_browser(modulo: str, pagina: Any) -> None:
    risposta = pagina.goto(modulo + "/")
    h = risposta.all_headers()
    assert "frame-ancestors 'none'" in h["content-security-policy"] and h["referrer-policy"] == "no-referrer"
    cookie = pagina.context.cookies()[0]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    # A story containing markup is shown as text when the form comes back with an error.
    pagina.fill("#campo-testo", "<img src=x onerror=alert(1)>")
    pagina.click("button[type=submit]")
    assert pagina.input_value("#campo-testo") == "<img src=x onerror=alert(1)>"
    assert pagina.locator("img").count() == 0


def test_screenshot_del_modulo(modulo: str, pagina: Any, tmp_path: Path) -> None:
    pagina.goto(modulo + "/")
    percorso = tmp_path / "modulo.png"
    pagina.screenshot(path=str(percorso), full_page=True)
    assert percorso.stat().st_size > 10_000
