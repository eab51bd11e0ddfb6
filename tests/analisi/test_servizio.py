"""The background worker of `narrazioni servi`: processes new and approved stories, survives failures."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

from analisi import servizio
from analisi.anonimizzazione.revisione import approva_revisione
from analisi.servizio import Lavoratore, descrivi_battito, lavoratore_attivo, leggi_battito
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.racconti import NuovoRacconto
from tests.conftest import RADICE


def _carica(archivio: Archivio, cifrario: Cifrario, testi: list[str]) -> list[int]:
    with archivio.transazione() as s:
        return [q.inserisci_racconto(s, NuovoRacconto(testo=t, canale="modulo", versione_consenso="2020-1"),
                                     cifrario).id for t in testi]


class Orologio:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _stato(archivio: Archivio, impostazioni: Impostazioni) -> dict[str, Any]:
    with archivio.lettura() as s:
        return q.conteggi(s, [("anonimizza", 1, False), ("frasi", 1, True)])


def test_nuovi_racconti_e_approvati_sono_elaborati(archivio: Archivio, cifrario: Cifrario,
                                                    impostazioni: Impostazioni) -> None:
    lav = Lavoratore(archivio, impostazioni, cifrario)
    assert lav.lavoro() is None and lav.giro() is False
    ids = _carica(archivio, cifrario, ["Facevo la spesa per i vicini. Poi telefonavo.",
                                       "Un racconto da REVISIONE con un nome. Seconda frase."])
    assert lav.lavoro() == "nuovo"
    assert lav.giro() is True
    st = _stato(archivio, impostazioni)
    assert st["stadi"]["anonimizza.v1"]["fatto"] == 2 and st["stadi"]["frasi.v1"]["fatto"] == 1
    assert st["stadi"]["frasi.v1"]["in_revisione"] == 1
    assert lav.lavoro() is None and lav.giro() is False  # the held story is not work for the worker
    # an administrator approves the held story: the worker picks it up by itself
    with archivio.transazione() as s:
        approva_revisione(s, ids[1], [], cifrario, ruolo="amministratore", chi="admin")
    assert lav.lavoro() == "nuovo"
    assert lav.giro() is True
    assert _stato(archivio, impostazioni)["stadi"]["frasi.v1"]["fatto"] == 2
    battito = leggi_battito(impostazioni.archivio.cartella_dati)
    assert battito and battito["esecuzioni"] == 2 and battito["ultima_esecuzione"]["elaborati"]["frasi.v1"] == 1


def test_un_errore_non_ferma_il_lavoratore(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    orologio = Orologio()
    lav = Lavoratore(archivio, impostazioni, cifrario, orologio=orologio, intervallo=5)
    _carica(archivio, cifrario, ["Un racconto qualunque, con due frasi. Eccola."])
    guasto = {"attivo": True}
    originale = servizio.esegui

    def esegui_guasto(*a: Any, **k: Any) -> Any:
        if guasto["attivo"]:
            raise RuntimeError("database giù")
        return originale(*a, **k)

    monkeypatch.setattr(servizio, "esegui", esegui_guasto)
    assert lav.giro() is False
    battito = leggi_battito(impostazioni.archivio.cartella_dati)
    assert battito and battito["fallite"] == 1 and "database giù" in battito["ultimo_errore"]["errore"]
    assert any("ultimo errore" in r for r in descrivi_battito(battito))
    assert lav.giro() is False and lav.stato["fallite"] == 1  # waits its pause before retrying
    orologio.t += 6
    assert lav.giro() is False and lav.stato["fallite"] == 2  # retried, failed again: longer pause
    orologio.t += 6
    assert lav.giro() is False and lav.stato["fallite"] == 2
    guasto["attivo"] = False
    orologio.t += 10
    assert lav.giro() is True
    assert _stato(archivio, impostazioni)["stadi"]["frasi.v1"]["fatto"] == 1


def test_racconti_falliti_riprovati_solo_ogni_tanto(archivio: Archivio, cifrario: Cifrario,
                                                    impostazioni: Impostazioni) -> None:
    imp = impostazioni.con(elaborazione={"stadi": ["tests.stadi_prova:AnonimizzaFinta",
                                                   "tests.stadi_prova:FrasiCheFalliscono"]})
    orologio = Orologio()
    lav = Lavoratore(archivio, imp, cifrario, orologio=orologio)
    _carica(archivio, cifrario, ["Questo si ROMPI sempre. Frase due."])
    assert lav.giro() is True
    assert lav.lavoro() == "errori"
    assert lav.giro() is False  # not every 5 seconds
    orologio.t += servizio.RIPROVA_ERRORI_SECONDI + 1
    assert lav.giro() is True
    _carica(archivio, cifrario, ["Un racconto nuovo arriva. Subito elaborato."])
    assert lav.giro() is True  # a new story does not wait for the retry pause


def _aspetta(condizione: Any, secondi: float = 180) -> bool:
    """Poll until ``condizione()`` is true; generous, since a loaded CI machine may take a while for the first run."""
    limite = time.time() + secondi
    while time.time() < limite:
        if condizione():
            return True
        time.sleep(0.05)
    return bool(condizione())


def test_un_solo_lavoratore_per_cartella_e_arresto(archivio: Archivio, cifrario: Cifrario,
                                                   impostazioni: Impostazioni) -> None:
    primo = Lavoratore(archivio, impostazioni, cifrario, intervallo=0.05)
    secondo = Lavoratore(archivio, impostazioni, cifrario, intervallo=0.05)
    # daemon threads, stopped in `finally`: a failed assertion must never leave a worker keeping pytest alive
    t1 = threading.Thread(target=primo.lavora, daemon=True)
    t2 = threading.Thread(target=secondo.lavora, daemon=True)
    try:
        t1.start()
        assert _aspetta(lambda: lavoratore_attivo(impostazioni.archivio.cartella_dati), 30)
        t2.start()
        _carica(archivio, cifrario, ["Arriva un racconto mentre il servizio gira. Bene."])
        # the whole run ends (counted at its end), not only its first stages
        assert _aspetta(lambda: primo.stato["esecuzioni"] >= 1)
        assert _stato(archivio, impostazioni)["stadi"]["frasi.v1"]["fatto"] == 1
        assert primo.stato["esecuzioni"] == 1 and secondo.stato["esecuzioni"] == 0  # the second one is on standby
        assert lavoratore_attivo(impostazioni.archivio.cartella_dati)
        primo.ferma.set()
        t1.join(60)
        assert not t1.is_alive()
        _carica(archivio, cifrario, ["Un altro racconto, dopo. Il secondo lavoratore subentra."])
        assert _aspetta(lambda: secondo.stato["esecuzioni"] >= 1)
        assert secondo.stato["esecuzioni"] == 1
        secondo.ferma.set()
        t2.join(60)
        assert not t2.is_alive()
        battito = leggi_battito(impostazioni.archivio.cartella_dati)
        assert battito and battito["stato"] == "fermo" and not lavoratore_attivo(impostazioni.archivio.cartella_dati)
    finally:
        primo.ferma.set()
        secondo.ferma.set()
        for t in (t1, t2):
            if t.ident is not None:
                t.join(60)


def _invia_modulo(base: str, testo: str, periodo: str) -> int:
    apri = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    pagina = apri.open(base + "/", timeout=10).read().decode()
    gettone = re.search(r'name="csrf" value="([^"]+)"', pagina)
    versione = re.search(r'name="versione_consenso" value="([^"]*)"', pagina)
    assert gettone
    dati = {"csrf": gettone.group(1), "versione_consenso": versione.group(1) if versione else "",
            "consenso": "on", "testo": testo, "periodo": periodo}
    risposta = apri.open(urllib.request.Request(base + "/invia", data=urllib.parse.urlencode(dati).encode()),
                         timeout=20)
    return int(risposta.status)


def _porta() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.lento
def test_servi_elabora_un_racconto_del_modulo_e_si_ferma_con_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(tmp_path / "dati"),
           "NARRAZIONI_SERVIZIO__PORTA_MODULO": str(_porta()), "NARRAZIONI_SERVIZIO__PORTA_DASHBOARD": str(_porta()),
           "NARRAZIONI_ELABORAZIONE__STADI": '["tests.stadi_prova:AnonimizzaFinta", "frasi.v1"]',
           "NARRAZIONI_SERVIZIO__INTERVALLO_SECONDI": "1", "PYTHONPATH": str(RADICE)}
    env.pop("NARRAZIONI_CONFIG", None)
    env.pop("NARRAZIONI_ARCHIVIO__DATABASE_URL", None)
    cli = [sys.executable, "-m", "narrazioni"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
    servi = subprocess.Popen([*cli, "servi", "--no-dashboard"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{env['NARRAZIONI_SERVIZIO__PORTA_MODULO']}"
        for _ in range(100):
            try:
                assert _invia_modulo(base, "Durante il lockdown facevo la spesa per i vicini. Era dura.",
                                     "lockdown-2020") == 200
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the form did not start")
        archivio = Archivio(f"sqlite:///{tmp_path / 'dati' / 'narrazioni.db'}")
        limite = time.time() + 120  # a minute on a quiet machine; CI machines can be loaded
        fatto = False
        while time.time() < limite and not fatto:
            with archivio.lettura() as s:
                fatto = q.conteggi(s, [("frasi", 1, True)])["stadi"]["frasi.v1"]["fatto"] == 1
            time.sleep(0.5)
        archivio.chiudi()
        assert fatto, "the worker did not process the form's story within a minute"
        stato = subprocess.run([*cli, "stato"], env=env, capture_output=True, text=True, check=True).stdout
        assert "lavoratore attivo" in stato
    finally:
        os.killpg(servi.pid, signal.SIGTERM)
        uscita, _ = servi.communicate(timeout=30)
    assert servi.returncode == 0, uscita.decode()[-2000:]
    with pytest.raises(ProcessLookupError):  # no child left behind in the process group
        os.killpg(servi.pid, 0)
    assert (leggi_battito(tmp_path / "dati") or {}).get("stato") == "fermo"
