"""`narrazioni stampa manifesto|modulo` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RADICE

pytestmark = pytest.mark.lento  # every test runs the CLI in a subprocess


def _esegui(tmp_path: Path, *argomenti: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(RADICE), "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(tmp_path / "dati"),
           **env_extra}
    env.pop("NARRAZIONI_ARCHIVIO__DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "narrazioni", "stampa", *argomenti], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


def test_stampa_dalla_riga_di_comando(tmp_path: Path) -> None:
    from pypdf import PdfReader

    r = _esegui(tmp_path, "manifesto", "m.pdf", NARRAZIONI_MODULO__URL_PUBBLICO="https://racconti.esempio.it/")
    assert r.returncode == 0, r.stderr
    assert "https://racconti.esempio.it/" in PdfReader(str(tmp_path / "m.pdf")).pages[0].extract_text()
    r = _esegui(tmp_path, "manifesto", "locale.pdf")  # no address configured: the local one, with a warning
    assert r.returncode == 0 and "avviso" in r.stderr and "http://127.0.0.1:8000/" in r.stdout
    r = _esegui(tmp_path, "modulo", "modulo.pdf")  # works without a database too
    assert r.returncode == 0, r.stderr
    assert "--consenso 2020-1" in r.stdout and (tmp_path / "modulo.pdf").stat().st_size > 10_000


def test_stampa_errori_in_una_riga(tmp_path: Path) -> None:
    for argomenti, env in ((("manifesto", "m.pdf", "--url", "racconti.it"), {}),
                           (("modulo", "f.pdf"), {"NARRAZIONI_MODULO__VERSIONE_CONSENSO": "1999-9"}),
                           (("manifesto", "/proc/non/si/puo.pdf", "--url", "https://a.it/"), {})):
        r = _esegui(tmp_path, *argomenti, **env)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        assert r.stderr.startswith("errore: "), r.stderr
