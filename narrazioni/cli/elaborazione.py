"""Commands that process stories and run the services: elabora, stato, demo, servi, lavora."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from narrazioni.cli.comune import _apri, _cifrario, _impostazioni, app, console, errori
from narrazioni.cli.copie import init


@app.command()
def elabora(lotto: Annotated[int | None, typer.Option(help="Stories per batch.")] = None) -> None:
    """Run the pending pipeline stages (incremental, resumable)."""
    from analisi.pipeline import esegui

    imp = _impostazioni()
    if lotto:
        imp = imp.con(elaborazione={"lotto": lotto})
    archivio = _apri(imp)
    cifrario = _cifrario(imp)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=errori, transient=False, disable=not errori.is_terminal) as barra:
        compiti: dict[str, Any] = {}

        def avanza(stadio: str, fatti: int, totale: int) -> None:
            if stadio not in compiti:
                compiti[stadio] = barra.add_task(stadio, total=totale)
            barra.update(compiti[stadio], completed=fatti)

        resoconto = esegui(archivio, imp, cifrario, avanzamento=avanza)
    if resoconto.totale == 0 and not any(resoconto.errori.values()):
        console.print("nothing to do: every story is up to date")
        return
    for stadio, n in resoconto.elaborati.items():
        err = resoconto.errori[stadio]
        console.print(f"{stadio}: {n} stories processed" + (f", {err} failed" if err else ""))


@app.command()
def stato(
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Counts of stories by stage and status."""
    from analisi.pipeline import stadi_configurati
    from archivio import racconti as q

    imp = _impostazioni()
    archivio = _apri(imp)
    with archivio.lettura() as s:
        c = q.conteggi(s, [(st.nome, st.versione, st.solo_visibili) for st in stadi_configurati(imp)])
    if json_:
        console.print_json(json.dumps(c))
        return
    console.print(f"stories: {c['racconti']}  sentences: {c['frasi']}")
    console.print("channels: " + ", ".join(f"{k} {v}" for k, v in sorted(c["canali"].items())))
    console.print("anonymisation: " + ", ".join(f"{k} {v}" for k, v in sorted(c["anonimizzazione"].items())))
    t = Table("stage", "done", "failed", "to do", "held for review")
    for nome, v in c["stadi"].items():
        t.add_row(nome, str(v["fatto"]), str(v["errore"]), str(v["da_fare"]), str(v["in_revisione"]))
    console.print(t)
    for nome, v in c["stadi"].items():
        for motivo, n in v["motivi_errore"].items():
            console.print(f"{nome}: {n} stories failed: {motivo}", markup=False)
    if c["non_decifrabili"]:
        console.print(f"{c['non_decifrabili']} racconti non si possono decifrare con la chiave "
                      f"{imp.percorso_chiave()}: sono isolati (stato errore) e ripresi da 'elabora' quando "
                      "rimetti la chiave originale", markup=False)
    trattenuti = c["anonimizzazione"].get("in_revisione", 0)
    if trattenuti:
        console.print(f"{trattenuti} stories wait for an administrator's anonymisation review "
                      "(dashboard: Revisione anonimizzazione) before the later stages process them")
    from analisi.servizio import descrivi_battito, leggi_battito

    for riga in descrivi_battito(leggi_battito(Path(imp.archivio.cartella_dati))):
        console.print(riga, markup=False)


@app.command()
def demo(
    avvia: Annotated[bool, typer.Option(help="Start the form and the dashboard after loading.")] = True,
) -> None:
    """Set up the embedded demo (SQLite, sample corpus, processing) and start form and dashboard."""
    from analisi.corpus import percorso_associazioni, percorso_racconti
    from raccolta.demo import UTENTI_DEMO, importa_campione, prepara_utenti_demo

    imp = _impostazioni()
    init()
    archivio = _apri(imp)
    # the sample corpus ships in the package (analisi/campione/): no checkout needed
    esito = importa_campione(archivio, _cifrario(imp), racconti=percorso_racconti(),
                             associazioni=percorso_associazioni(), versione_consenso=imp.modulo.versione_consenso)
    console.print(f"sample corpus: {esito.importati} imported, {esito.gia_presenti} already present")
    elabora(lotto=None)
    password = os.environ.get("NARRAZIONI_DEMO_PASSWORD") or "narrazioni-demo"
    n = prepara_utenti_demo(archivio, password)
    console.print(f"{n} stories in {imp.url_database()}")
    if avvia:
        _servi(imp, righe_accesso="Accesso demo:     " + ", ".join(f"{nome} ({ruolo})" for nome, ruolo in UTENTI_DEMO)
               + f" — password: {password}")


def _servi(imp: Any, *, righe_accesso: str = "", con_modulo: bool = True, con_dashboard: bool = True,
           con_lavoratore: bool = True) -> None:
    from narrazioni.servizio import ambiente_figli, comandi, supervisiona

    try:
        import raccolta.app  # noqa: F401
    except ImportError:
        con_modulo = False
    figli = comandi(imp, con_modulo=con_modulo, con_dashboard=con_dashboard, con_lavoratore=con_lavoratore)
    servizio = imp.servizio
    modulo = f"http://{servizio.host}:{servizio.porta_modulo}/" if con_modulo else "(the public form is not installed)"

    def annuncia() -> None:
        righe = [f"\nModulo pubblico:  {modulo}"]
        if con_dashboard:
            righe.append(f"Dashboard:        http://{servizio.host}:{servizio.porta_dashboard}/")
        if con_lavoratore:
            righe.append("Elaborazione:     automatica (nuovi racconti e racconti approvati, entro un minuto)")
        if righe_accesso:
            righe.append(righe_accesso)
        righe.append("Ctrl+C per fermare.")
        console.print("\n".join(righe), markup=False)

    raise typer.Exit(supervisiona(figli, ambiente_figli(imp), dopo_avvio=annuncia))


@app.command()
def servi(
    modulo: Annotated[bool, typer.Option(help="Start the public form.")] = True,
    dashboard: Annotated[bool, typer.Option(help="Start the dashboard.")] = True,
    lavoratore: Annotated[bool, typer.Option(help="Start the background worker.")] = True,
) -> None:
    """Run the public form, the dashboard and the background worker that processes new stories by itself."""
    imp = _impostazioni()
    _apri(imp).chiudi()  # a clear error now if the database is missing, not three failing children
    _servi(imp, con_modulo=modulo, con_dashboard=dashboard, con_lavoratore=lavoratore)


@app.command()
def lavora(
    intervallo: Annotated[float | None, typer.Option(help="Seconds between two looks for work.")] = None,
) -> None:
    """Only the background worker of `servi`: process new and newly approved stories as they arrive."""
    import logging
    import threading

    from analisi.servizio import Lavoratore

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    imp = _impostazioni()
    ferma = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: ferma.set())
    lavoratore = Lavoratore(_apri(imp), imp, _cifrario(imp), ferma=ferma, precarica=True,
                            intervallo=imp.servizio.intervallo_secondi if intervallo is None else intervallo)
    lavoratore.lavora()
