"""Several form workers on one store: a token issued by one worker is accepted by another."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.segreti import segreto_condiviso
from raccolta.app import crea_app, crea_app_da_ambiente
from tests.raccolta.aiuti import gettone, ricevuta

TESTO = "Durante il lockdown facevo la spesa per la vicina di casa, ogni martedì mattina."


def test_segreto_condiviso_creato_una_volta(archivio: Archivio) -> None:
    primo = segreto_condiviso(archivio, "modulo")
    assert len(primo) == 32 and segreto_condiviso(archivio, "modulo") == primo
    assert segreto_condiviso(archivio, "altro") != primo


def test_due_worker_si_fidano_dei_gettoni_l_uno_dell_altro(archivio: Archivio, cifrario: Cifrario,
                                                          impostazioni: Impostazioni,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__CARTELLA_DATI", str(impostazioni.archivio.cartella_dati))
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__DATABASE_URL", impostazioni.url_database())
    with TestClient(crea_app_da_ambiente()) as primo, TestClient(crea_app_da_ambiente()) as secondo, \
            TestClient(crea_app(impostazioni, archivio, cifrario)) as estraneo:
        token = gettone(primo.get("/").text)
        dati = {"csrf": token, "testo": TESTO, "consenso": "sì"}
        estraneo.cookies = primo.cookies  # a worker with its own random key refuses the token
        assert estraneo.post("/invia", data=dati).status_code in (400, 403)
        secondo.cookies = primo.cookies
        r = secondo.post("/invia", data=dati)
        assert r.status_code == 200 and ricevuta(r.text)
