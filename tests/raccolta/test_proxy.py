"""Finding 4 of issue 10: X-Forwarded-For must not lift the form's rate limits (real uvicorn, real HTTP).

The form is started as raccolta/README.md used to start it (uvicorn's defaults: proxy headers trusted from
127.0.0.1), and as the documented command starts it now.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from typing import Any

import pytest

from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from tests.conftest import RADICE

pytestmark = pytest.mark.lento

TESTO = ("Durante il lockdown passavo le giornate sul balcone e la sera ascoltavo la radio. Avevo paura per "
         "mia madre che viveva lontano.")


def _porta_libera() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _avvia(impostazioni: Impostazioni, *opzioni: str, **ambiente: str) -> tuple[subprocess.Popen[bytes], str]:
    porta = _porta_libera()
    env = {**os.environ, "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(impostazioni.archivio.cartella_dati),
           "NARRAZIONI_ARCHIVIO__DATABASE_URL": impostazioni.url_database(), "PYTHONPATH": str(RADICE),
           "NARRAZIONI_MODULO__INVII_MAX": "3", "NARRAZIONI_MODULO__RITIRI_MAX": "3",
           "NARRAZIONI_MODULO__RITARDO_RITIRO_SECONDI": "0", **ambiente}
    env.pop("NARRAZIONI_CONFIG", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "raccolta.app:crea_app_da_ambiente",
                             "--host", "127.0.0.1", "--port", str(porta), "--no-access-log", *opzioni],
                            env=env, cwd=RADICE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{porta}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/salute", timeout=2)
            return proc, base
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the form did not start")


@pytest.fixture
def avvia(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> Iterator[Any]:
    processi: list[subprocess.Popen[bytes]] = []

    def _f(*opzioni: str, **ambiente: str) -> str:
        proc, base = _avvia(impostazioni, *opzioni, **ambiente)
        processi.append(proc)
        return base

    yield _f
    for p in processi:
        p.terminate()
        p.wait(20)


def _posta(base: str, percorso: str, campi: dict[str, str], intestazioni: dict[str, str]) -> int:
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    pagina = op.open(base + percorso.replace("/invia", "/"), timeout=10).read().decode()
    m = re.search(r'name="csrf" value="([^"]+)"', pagina)
    assert m
    dati = {"csrf": m.group(1), **campi}
    req = urllib.request.Request(base + percorso, data=urllib.parse.urlencode(dati).encode(), headers=intestazioni)
    try:
        return int(op.open(req, timeout=20).status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def _otto_invii(base: str) -> list[int]:
    return [_posta(base, "/invia", {"testo": f"{TESTO} Prova numero {i}.", "consenso": "on"},
                   {"X-Forwarded-For": f"10.9.{i}.{i}"}) for i in range(8)]


def test_x_forwarded_for_non_alza_il_limite_con_i_default_di_uvicorn(avvia: Any) -> None:
    # uvicorn's defaults trust X-Forwarded-For from 127.0.0.1: the app must not.
    codici = _otto_invii(avvia())
    assert codici.count(200) == 3 and codici.count(429) == 5, codici


def test_x_forwarded_for_non_alza_il_limite_con_il_comando_documentato(avvia: Any) -> None:
    codici = _otto_invii(avvia("--no-proxy-headers"))
    assert codici.count(200) == 3 and codici.count(429) == 5, codici


def test_ritiro_stesso_limite(avvia: Any) -> None:
    base = avvia()
    codici = [_posta(base, "/ritira", {"codice": "7KQ2-M9XD-4TBW", "conferma": "on"},
                     {"X-Forwarded-For": f"10.8.{i}.{i}"}) for i in range(6)]
    assert codici.count(429) == 3, codici


def test_proxy_fidato_distingue_i_client(avvia: Any) -> None:
    # A trusted proxy (here: this machine) names the client; each client then has its own limit.
    base = avvia("--no-proxy-headers", NARRAZIONI_SICUREZZA__PROXY_FIDATI='["127.0.0.1"]')
    assert _otto_invii(base).count(200) == 8
    stesso = [_posta(base, "/invia", {"testo": f"{TESTO} Ancora {i}.", "consenso": "on"},
                     {"X-Forwarded-For": "10.7.7.7"}) for i in range(4)]
    assert stesso == [200, 200, 200, 429]
