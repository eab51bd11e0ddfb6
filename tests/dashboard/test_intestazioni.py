"""Issue 10, findings 9 and 10: the dashboard as `streamlit run dashboard.py` serves it — framing headers on
every response, no error details in the browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import RADICE


def test_dettagli_degli_errori_spenti() -> None:
    config = tomllib.loads((RADICE / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    # "false" would still show the stack trace ("stacktrace"): only "none" hides everything
    assert config["client"]["showErrorDetails"] == "none"


@pytest.mark.lento
def test_dashboard_non_incorniciabile(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        porta = int(s.getsockname()[1])
    env = {**os.environ, "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(tmp_path / "dati"), "PYTHONPATH": str(RADICE)}
    env.pop("NARRAZIONI_ARCHIVIO__DATABASE_URL", None)
    # started from another directory: the script-level .streamlit/config.toml still applies
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(RADICE / "dashboard.py"),
                             "--server.headless", "true", "--server.port", str(porta),
                             "--browser.gatherUsageStats", "false"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        risposte = {}
        for percorso in ("/", "/_stcore/health"):
            for _ in range(150):
                try:
                    risposte[percorso] = urllib.request.urlopen(f"http://127.0.0.1:{porta}{percorso}", timeout=5)
                    break
                except OSError:
                    assert proc.poll() is None, "the dashboard did not start"
                    time.sleep(0.2)
        assert set(risposte) == {"/", "/_stcore/health"}
        for r in risposte.values():
            assert r.headers["X-Frame-Options"] == "DENY"
            assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
            assert r.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
