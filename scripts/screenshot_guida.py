#!/usr/bin/env python
"""Screenshots of every page for the staff guide (docs/guida/), taken in Debian's Chromium.

Builds a demo data directory from the sample corpus exactly as the guide tells a campaign to do
(``narrazioni init``, ``associazioni carica``, ``importa --consenso 2020-1 --crea-associazioni``,
``elabora``, three users), starts the public form and the dashboard on free local ports, and walks
through them with Playwright as a narrator, a researcher, an operator and an administrator would.
PNGs are 1280×800 viewport shots reduced to a 256-colour palette (small enough to commit).

    python scripts/screenshot_guida.py                      # writes docs/guida/img/*.png
    python scripts/screenshot_guida.py --uscita /tmp/img    # elsewhere (what the test does)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from browser_locale import ARGOMENTI_CHROMIUM, CHROMIUM, STREAMLIT_PRONTA, aspetta_porta, porta_libera

RADICE = Path(__file__).resolve().parent.parent
VISTA = {"width": 1280, "height": 800}
ATTESA = 60_000
PASSWORD = "guida-narrazioni"
UTENTI = (("ricercatrice", "ricercatore"), ("operatore", "operatore"), ("admin", "amministratore"))
RACCONTO = ("Durante il primo lockdown telefonavo ogni sera a mia zia, che viveva sola. Avevo paura che si "
            "ammalasse e non potevo andare da lei. Vorrei che il quartiere avesse una rete di vicini per "
            "chi resta solo.")

# Every screenshot the guide shows, in the order they are taken (the test checks the guide uses only these).
SCHERMATE = (
    "01-modulo", "02-modulo-consenso", "03-ricevuta", "04-ritira",
    "05-accesso", "06-panoramica", "07-temi", "08-associazioni", "09-ansie-proposte", "10-esplora", "11-codifica",
    "12-inserisci", "13-esporta", "14-revisione", "15-utenti",
)

def _narrazioni(env: dict[str, str], *argomenti: str) -> None:
    print("$ narrazioni " + " ".join(argomenti), flush=True)
    subprocess.run([sys.executable, "-m", "narrazioni", *argomenti], env=env, cwd=RADICE, check=True,
                   stdout=subprocess.DEVNULL)


def prepara_dati(cartella: Path) -> dict[str, str]:
    """The demo data directory, built with the commands the guide describes. Returns the environment."""
    env = {**os.environ, "PYTHONPATH": str(RADICE), "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(cartella),
           "NARRAZIONI_PASSWORD": PASSWORD}
    env.pop("NARRAZIONI_ARCHIVIO__DATABASE_URL", None)
    _narrazioni(env, "init")
    _narrazioni(env, "associazioni", "carica", str(RADICE / "corpus" / "associazioni.csv"))
    _narrazioni(env, "importa", str(RADICE / "corpus" / "racconti.jsonl"), "--consenso", "2020-1",
                "--crea-associazioni")
    _narrazioni(env, "elabora")
    for nome, ruolo in UTENTI:
        _narrazioni(env, "utenti", "aggiungi", nome, "--ruolo", ruolo)
    return env


@contextmanager
def servizi(env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """The public form (uvicorn) and the dashboard (Streamlit) on free ports; stopped on exit."""
    porta_modulo, porta_dashboard = porta_libera(), porta_libera()
    processi = [
        subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "raccolta.app:crea_app_da_ambiente",
                          "--host", "127.0.0.1", "--port", str(porta_modulo), "--log-level", "warning"],
                         env=env, cwd=RADICE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(RADICE / "dashboard.py"),
                          "--server.headless", "true", "--server.address", "127.0.0.1",
                          "--server.port", str(porta_dashboard), "--browser.gatherUsageStats", "false",
                          "--client.toolbarMode", "minimal"],
                         env=env, cwd=RADICE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        aspetta_porta(porta_modulo, processi[0], 90)
        aspetta_porta(porta_dashboard, processi[1], 90)
        yield f"http://127.0.0.1:{porta_modulo}", f"http://127.0.0.1:{porta_dashboard}/"
    finally:
        for p in processi:
            p.terminate()
        for p in processi:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def ottimizza(percorso: Path) -> None:
    """A 256-colour palette PNG: screenshots of text and flat colours lose nothing visible."""
    from PIL import Image

    with Image.open(percorso) as immagine:
        ridotta = immagine.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                                   dither=Image.Dither.NONE)
    ridotta.save(percorso, optimize=True)


def _quieta(pagina: Any) -> None:
    pagina.wait_for_timeout(400)
    pagina.wait_for_function(STREAMLIT_PRONTA, timeout=ATTESA)
    pagina.wait_for_timeout(900)  # HTML blocks and alerts are drawn a moment after the run ends


def cammino(pagina: Any, modulo: str, dashboard: str, scatta: Callable[[str], None]) -> None:
    """Walk through the form and the dashboard, one screenshot per page of the guide."""
    # The public form, as a narrator sees it.
    pagina.goto(modulo + "/")
    pagina.get_by_role("heading", name="Racconta com'è stato per te il tempo della pandemia").wait_for()
    scatta("01-modulo")
    pagina.locator("#campo-testo").fill(RACCONTO)
    pagina.get_by_label("Primo lockdown (marzo-maggio 2020)").check()
    pagina.get_by_text("Leggi l'informativa sul trattamento dei dati").click()
    pagina.get_by_role("heading", name="Il tuo consenso").scroll_into_view_if_needed()
    pagina.evaluate("() => document.getElementById('informativa').scrollIntoView()")
    scatta("02-modulo-consenso")
    pagina.locator("#campo-consenso").check()
    pagina.get_by_role("button", name="Invia il racconto").click()
    pagina.locator("#codice-ricevuta").wait_for()
    scatta("03-ricevuta")
    pagina.goto(modulo + "/ritira")
    scatta("04-ritira")

    # The dashboard, one role after the other.
    def accedi(nome: str) -> None:
        pagina.goto(dashboard)
        pagina.get_by_label("Nome utente").wait_for(timeout=ATTESA)
        pagina.get_by_label("Nome utente").fill(nome)
        pagina.get_by_label("Password", exact=True).fill(PASSWORD)
        pagina.get_by_role("button", name="Entra").click()
        pagina.get_by_role("heading", name="Panoramica").wait_for(timeout=ATTESA)
        _quieta(pagina)

    def apri(titolo: str, nome: str) -> None:
        pagina.get_by_role("link", name=titolo, exact=True).click()
        pagina.get_by_role("heading", name=titolo, exact=True).first.wait_for(timeout=ATTESA)
        _quieta(pagina)
        scatta(nome)

    def esci() -> None:
        pagina.get_by_role("button", name="Esci").click()
        pagina.get_by_label("Nome utente").wait_for(timeout=ATTESA)

    pagina.goto(dashboard)
    pagina.get_by_label("Nome utente").wait_for(timeout=ATTESA)
    _quieta(pagina)
    scatta("05-accesso")
    accedi("ricercatrice")
    scatta("06-panoramica")
    for titolo, nome in (("Temi", "07-temi"), ("Associazioni", "08-associazioni"),
                         ("Ansie e proposte", "09-ansie-proposte"), ("Esplora racconti", "10-esplora"),
                         ("Codifica", "11-codifica")):
        apri(titolo, nome)
    esci()
    accedi("operatore")
    apri("Inserisci racconto", "12-inserisci")
    apri("Esporta", "13-esporta")
    esci()
    accedi("admin")
    apri("Revisione anonimizzazione", "14-revisione")
    apri("Utenti e conservazione", "15-utenti")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uscita", type=Path, default=RADICE / "docs" / "guida" / "img",
                        help="where the PNGs go (default docs/guida/img)")
    parser.add_argument("--dati", type=Path, default=None,
                        help="demo data directory (built when it has no database yet; default: a temporary one)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print("Debian's chromium is missing (apt-get install chromium)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.uscita.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="narrazioni-guida-") as temporanea:
        cartella = args.dati or Path(temporanea) / "dati"
        if (cartella / "narrazioni.db").exists():  # --dati of an earlier run: used as it is
            env = {**os.environ, "PYTHONPATH": str(RADICE), "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(cartella)}
            env.pop("NARRAZIONI_ARCHIVIO__DATABASE_URL", None)
        else:
            env = prepara_dati(cartella)
        with servizi(env) as (modulo, dashboard), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGOMENTI_CHROMIUM, headless=True)
            contesto = browser.new_context(viewport=VISTA, locale="it-IT", device_scale_factor=1)
            pagina = contesto.new_page()
            pagina.set_default_timeout(ATTESA)
            fatte: list[str] = []

            def scatta(nome: str) -> None:
                assert nome in SCHERMATE, nome
                percorso = args.uscita / f"{nome}.png"
                pagina.screenshot(path=str(percorso))
                ottimizza(percorso)
                fatte.append(nome)
                print(f"{percorso} ({percorso.stat().st_size // 1024} KiB)", flush=True)

            try:
                cammino(pagina, modulo, dashboard, scatta)
            finally:
                contesto.close()
                browser.close()
    mancanti = [n for n in SCHERMATE if n not in fatte]
    if mancanti:
        print(f"missing screenshots: {', '.join(mancanti)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
