"""``narrazioni servi``: the public form, the dashboard and the background worker as child processes.

A child that dies is started again (after a growing pause, logged); SIGTERM or SIGINT to this process, or
to its whole process group, stops the children cleanly and exits 0.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("narrazioni.servizio")
RADICE = Path(__file__).resolve().parent.parent
ATTESA_ARRESTO_SECONDI = 15


@dataclass
class Figlio:
    nome: str
    comando: list[str]
    processo: subprocess.Popen[bytes] | None = None
    riavvii: int = 0
    riavvia_dopo: float = 0.0
    avviato_il: float = field(default=0.0)


def comandi(imp: Any, *, con_modulo: bool = True, con_dashboard: bool = True,
            con_lavoratore: bool = True) -> list[Figlio]:
    figli = []
    if con_modulo:
        figli.append(Figlio("modulo", [
            sys.executable, "-m", "uvicorn", "--factory", "raccolta.app:crea_app_da_ambiente",
            "--host", imp.servizio.host, "--port", str(imp.servizio.porta_modulo), "--log-level", "warning",
            "--no-access-log",
            # uvicorn must not rewrite the client from headers: the app does, trusting only proxy_fidati.
            "--no-proxy-headers"]))
    if con_dashboard:
        figli.append(Figlio("dashboard", [
            sys.executable, "-m", "streamlit", "run", str(RADICE / "dashboard.py"), "--server.headless", "true",
            "--server.address", imp.servizio.host, "--server.port", str(imp.servizio.porta_dashboard),
            "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
            # never a traceback in the browser (dashboard.py shows an Italian message, the log keeps the detail)
            "--client.showErrorDetails", "none",
            # white text on the primary colour must be readable (WCAG AA); also in .streamlit/config.toml
            "--theme.primaryColor", "#A4262C"]))
    if con_lavoratore:
        figli.append(Figlio("lavoratore", [sys.executable, "-m", "narrazioni", "lavora"]))
    return figli


def supervisiona(figli: list[Figlio], ambiente: dict[str, str], *, dopo_avvio: Callable[[], None] | None = None,
                 controllo_secondi: float = 0.5) -> int:
    """Run the children until SIGTERM/SIGINT; restart any that dies. Returns the exit code (0)."""
    fermati = {"si": False}

    def ferma(*_: Any) -> None:
        fermati["si"] = True

    precedenti = {sig: signal.signal(sig, ferma) for sig in (signal.SIGTERM, signal.SIGINT)}

    def avvia(f: Figlio) -> None:
        f.processo = subprocess.Popen(f.comando, env=ambiente)
        f.avviato_il = time.monotonic()

    try:
        for f in figli:
            avvia(f)
        if dopo_avvio:
            dopo_avvio()
        while not fermati["si"]:
            for f in figli:
                if fermati["si"]:
                    break
                p = f.processo
                if p is not None and p.poll() is not None:
                    # a child that ran a while gets a fresh back-off
                    if time.monotonic() - f.avviato_il > 60:
                        f.riavvii = 0
                    f.riavvii += 1
                    pausa = min(60.0, 2.0 ** min(f.riavvii, 6))
                    log.error("%s exited with code %s; restarting in %.0f s", f.nome, p.returncode, pausa)
                    f.processo = None
                    f.riavvia_dopo = time.monotonic() + pausa
                elif p is None and time.monotonic() >= f.riavvia_dopo:
                    avvia(f)
            time.sleep(controllo_secondi)
    finally:
        _ferma_tutti(figli)
        for sig, gestore in precedenti.items():
            signal.signal(sig, gestore)
    return 0


def _ferma_tutti(figli: list[Figlio]) -> None:
    vivi = [f.processo for f in figli if f.processo is not None and f.processo.poll() is None]
    for p in vivi:
        with contextlib.suppress(ProcessLookupError):
            p.send_signal(signal.SIGTERM)
    limite = time.monotonic() + ATTESA_ARRESTO_SECONDI
    for p in vivi:
        try:
            p.wait(max(0.1, limite - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("child %s did not stop in time: killing it", p.pid)
            p.kill()
            p.wait()


def ambiente_figli(imp: Any) -> dict[str, str]:
    """The children read the same settings: the data directory is passed as an absolute path."""
    from archivio.impostazioni import nome_variabile

    env = {**os.environ, nome_variabile("archivio", "cartella_dati"): str(Path(imp.archivio.cartella_dati).resolve())}
    radice = str(RADICE)
    percorso = env.get("PYTHONPATH", "")
    if radice not in percorso.split(os.pathsep):  # the children import this checkout, like this process
        env["PYTHONPATH"] = os.pathsep.join(p for p in (radice, percorso) if p)
    return env
