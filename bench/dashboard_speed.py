"""How fast the dashboard answers on a large store: first page after login, filter changes, page changes.

Load the store first (bench/carica_10000.py), then:

    python bench/dashboard_speed.py --cartella /tmp/narrazioni-bench [--ripetizioni 5] [--browser]

AppTest times are the server's run of the page script (queries, charts, serialisation) with Streamlit's
caches emptied before each measurement unless said otherwise; with ``--browser`` the same steps are also
timed in Debian's Chromium, from the click to the page drawn (charts included). Targets: first page after
login < 3 s, a filter change < 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RADICE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RADICE))

PASSWORD = os.environ.get("NARRAZIONI_BENCH_PASSWORD", "narrazioni-bench")
OBIETTIVO_ACCESSO = 3.0
OBIETTIVO_FILTRO = 1.0


def _cronometra(azione: Callable[[], Any]) -> float:
    inizio = time.perf_counter()
    azione()
    return time.perf_counter() - inizio


def misura_apptest(ripetizioni: int) -> list[tuple[str, list[float], float | None]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def nuova() -> AppTest:
        return AppTest.from_file(str(RADICE / "dashboard.py"), default_timeout=300)

    def accedi(at: AppTest, nome: str) -> float:
        at.run()
        at.text_input[0].input(nome)
        at.text_input[1].input(PASSWORD)
        at.button[0].click()
        durata = _cronometra(at.run)
        if at.exception or not at.title or at.title[0].value != "Panoramica":
            errore = at.exception or [t.value for t in at.title]
            raise SystemExit(f"errore: login failed or page error: {errore}")
        return durata

    risultati: list[tuple[str, list[float], float | None]] = []
    accessi = []
    for _ in range(ripetizioni):
        st.cache_data.clear()
        st.cache_resource.clear()
        accessi.append(accedi(nuova(), "ricercatrice"))
    risultati.append(("Prima pagina dopo l'accesso (Panoramica, cache vuota)", accessi, OBIETTIVO_ACCESSO))

    at = nuova()
    accedi(at, "operatore")
    associazioni = at.multiselect(key="f_associazioni").options

    def cambia_filtro(pagina: str, etichetta: str, prepara: Callable[[AppTest], Any] | None = None) -> None:
        at.switch_page(pagina).run()
        if prepara:
            prepara(at)
        tempi = []
        for i in range(ripetizioni):
            scelta = [associazioni[i % len(associazioni)], associazioni[(i + 3) % len(associazioni)]]
            at.multiselect(key="f_associazioni").set_value(scelta)
            tempi.append(_cronometra(at.run))
            if at.exception:
                raise SystemExit(f"errore in {pagina}: {at.exception}")
        risultati.append((f"Cambio filtro: {etichetta}", tempi, OBIETTIVO_FILTRO))

    cambia_filtro("pagine/panoramica.py", "Panoramica")
    cambia_filtro("pagine/esplora.py", "Esplora racconti (con ricerca «paura»)",
                  lambda a: a.text_input(key="esplora_testo").input("paura").run())
    cambia_filtro("pagine/ansie_proposte.py", "Ansie e proposte")
    cambia_filtro("pagine/temi.py", "Temi")
    cambia_filtro("pagine/associazioni.py", "Associazioni (temi × associazioni)")
    cambia_filtro("pagine/esporta.py", "Esporta (anteprima)")
    cambia_filtro("pagine/codifica.py", "Codifica")

    ricerche = ["solitudine", '"centro diurno"', "paur*", "spesa vicini", "scuola -computer"]
    at.multiselect(key="f_associazioni").set_value([])
    at.switch_page("pagine/esplora.py").run()
    tempi = []
    for i in range(ripetizioni):
        at.text_input(key="esplora_testo").input(ricerche[i % len(ricerche)])
        tempi.append(_cronometra(at.run))
    risultati.append(("Nuova ricerca nel testo (Esplora, FTS + parole nel contesto)", tempi,
                      OBIETTIVO_FILTRO))

    tempi = []
    for pagina in ("pagine/temi.py", "pagine/associazioni.py", "pagine/ansie_proposte.py",
                   "pagine/esporta.py"):
        st.cache_data.clear()
        inizio = time.perf_counter()
        at.switch_page(pagina).run()
        tempi.append(time.perf_counter() - inizio)
    risultati.append(("Apertura di una pagina a cache vuota (Temi, Associazioni, Ansie, Esporta)", tempi,
                      None))
    return risultati


def misura_browser(cartella: Path, ripetizioni: int) -> list[tuple[str, list[float], float | None]]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGOMENTI, CHROMIUM, aspetta_porta, porta_libera

    if not CHROMIUM.exists():
        print("(Chromium non installato: niente misure nel browser)")
        return []
    porta = porta_libera()
    env = {**os.environ, "PYTHONPATH": str(RADICE)}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(RADICE / "dashboard.py"),
                             "--server.headless", "true", "--server.port", str(porta),
                             "--browser.gatherUsageStats", "false"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pronta = """() => !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.querySelector('[data-testid="stSkeleton"]')
        && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
               .every(g => g.querySelector('canvas, svg'))"""
    risultati: list[tuple[str, list[float], float | None]] = []
    try:
        aspetta_porta(porta, proc)
        url = f"http://127.0.0.1:{porta}/"
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGOMENTI, headless=True)
            accessi, filtri = [], []
            for i in range(ripetizioni):
                pagina = b.new_page(viewport={"width": 1400, "height": 1000})
                pagina.goto(url)
                pagina.get_by_label("Nome utente").fill("ricercatrice")
                pagina.get_by_label("Password", exact=True).fill(PASSWORD)
                pagina.wait_for_timeout(2000)  # a person takes longer than this to type a password
                inizio = time.perf_counter()
                pagina.get_by_role("button", name="Entra").click()
                pagina.get_by_role("heading", name="Panoramica").wait_for(timeout=60_000)
                pagina.wait_for_timeout(100)
                pagina.wait_for_function(pronta, timeout=60_000)
                accessi.append(time.perf_counter() - inizio)
                valore = pagina.get_by_test_id("stMetricValue").first.inner_text()
                campo = pagina.get_by_label("Associazione", exact=True).first
                campo.click()
                nomi = [n for n in pagina.get_by_role("option").all_inner_texts()
                        if n not in ("Select all", "Seleziona tutto", "(nessuna)")]
                inizio = time.perf_counter()
                pagina.get_by_role("option", name=nomi[i % len(nomi)], exact=True).click()
                pagina.keyboard.press("Escape")
                pagina.wait_for_function(
                    "() => document.querySelector('[data-testid=\"stMetricValue\"]').innerText "
                    f"!== {valore!r}",
                    timeout=60_000)
                pagina.wait_for_function(pronta, timeout=60_000)
                filtri.append(time.perf_counter() - inizio)
                pagina.close()
            b.close()
        risultati.append(("Browser: dal clic su «Entra» alla Panoramica disegnata", accessi,
                          OBIETTIVO_ACCESSO))
        risultati.append(("Browser: cambio filtro, dal clic al grafico ridisegnato", filtri,
                          OBIETTIVO_FILTRO))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return risultati


def stampa(risultati: list[tuple[str, list[float], float | None]]) -> bool:
    ok = True
    larghezza = max(len(r[0]) for r in risultati)
    print(f"{'misura':<{larghezza}}  {'mediana':>8}  {'massimo':>8}  obiettivo")
    for nome, tempi, obiettivo in risultati:
        mediana, massimo = statistics.median(tempi), max(tempi)
        esito = ""
        if obiettivo is not None:
            esito = f"< {obiettivo:.0f} s " + ("ok" if massimo < obiettivo else "NO")
        ok &= obiettivo is None or massimo < obiettivo
        print(f"{nome:<{larghezza}}  {mediana:>7.3f}s  {massimo:>7.3f}s  {esito}")
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cartella", type=Path, required=True, help="data folder made by bench/carica_10000.py")
    p.add_argument("--ripetizioni", type=int, default=5)
    p.add_argument("--browser", action="store_true", help="also time the steps in Debian's Chromium")
    a = p.parse_args(argv)
    db = a.cartella / "narrazioni.db"
    if not db.exists():
        raise SystemExit(f"errore: {db} not found: run bench/carica_10000.py --cartella {a.cartella} first")
    os.environ["NARRAZIONI_ARCHIVIO__CARTELLA_DATI"] = str(a.cartella)
    os.environ["NARRAZIONI_ARCHIVIO__DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["NARRAZIONI_ARCHIVIO__DATABASE_URL"])
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM racconti WHERE visibile")).scalar()
        frasi = conn.execute(text("SELECT count(*) FROM frasi")).scalar()
        codici = conn.execute(text("SELECT count(*) FROM codici")).scalar()
    engine.dispose()
    carico = os.getloadavg()[0]
    print(f"archivio: {n} racconti visibili, {frasi} frasi, {codici} codici; "
          f"carico della macchina {carico:.1f} "
          f"su {os.cpu_count()} core")
    risultati = misura_apptest(a.ripetizioni)
    if a.browser:
        risultati += misura_browser(a.cartella, a.ripetizioni)
    return 0 if stampa(risultati) else 1


if __name__ == "__main__":
    raise SystemExit(main())
