"""Browser fixtures: Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGOMENTI = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def porta_libera() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def aspetta_porta(porta: int, processo: subprocess.Popen[Any], secondi: float = 60) -> None:
    scadenza = time.time() + secondi
    while time.time() < scadenza:
        if processo.poll() is not None:
            raise RuntimeError(f"server exited with {processo.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", porta)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {porta}")


# Module scope: sync Playwright keeps an event loop running in this thread, which would break
# asyncio.run() in the non-browser tests that follow.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("NARRAZIONI_CI"):
            pytest.fail("Debian's chromium is missing (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGOMENTI, headless=True)
        yield b
        b.close()
