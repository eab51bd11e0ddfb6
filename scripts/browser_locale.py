"""Helpers shared by the browser tests (tests/browser/) and the guide's screenshot script: Debian's Chromium,
free local ports, waiting for a server, and the test of a Streamlit page that has finished drawing.

Imported as ``scripts.browser_locale`` by the tests and as ``browser_locale`` by ``scripts/screenshot_guida.py``.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARGOMENTI_CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

#: true when Streamlit has finished a run: no running indicator, no placeholders, every chart drawn
STREAMLIT_PRONTA = """() => {
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  const grafici = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
  return grafici.every(g => g.querySelector('canvas, svg'));
}"""


def porta_libera() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def aspetta_porta(porta: int, processo: subprocess.Popen[Any], secondi: float = 60) -> None:
    """Wait until something listens on ``porta``; fail early if ``processo`` exits."""
    scadenza = time.time() + secondi
    while time.time() < scadenza:
        if processo.poll() is not None:
            raise RuntimeError(f"server exited with {processo.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", porta)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {porta}")
