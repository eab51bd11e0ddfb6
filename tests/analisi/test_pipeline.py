"""The pipeline runner: incremental, versioned, resumable after SIGKILL, failures isolated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from analisi.frasi import dividi_frasi
from analisi.pipeline import ErrorePipeline, esegui, numero_processi, risolvi_stadio, stadi_configurati
from analisi.stadi.frasi import StadioFrasi
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.racconti import NuovoRacconto
from archivio.tabelle import Esecuzione, Frase, Racconto, StatoStadio
from tests.conftest import RADICE

TESTI = [f"Racconto numero {i}. La mattina facevo la spesa per mia madre! Poi lavoravo al computer." +
         (" Avevo paura?" * (i % 3)) for i in range(40)]


def _carica(archivio: Archivio, cifrario: Cifrario, testi: list[str]) -> list[int]:
    with archivio.transazione() as s:
        return [q.inserisci_racconto(s, NuovoRacconto(testo=t, canale="importazione",
                                                      versione_consenso="2020-1"), cifrario).id
                for t in testi]


def test_elabora_e_incrementale(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> None:
    _carica(archivio, cifrario, TESTI)
    r1 = esegui(archivio, impostazioni, cifrario)
    assert r1.elaborati == {"anonimizza.v1": 40, "frasi.v1": 40}
    with archivio.lettura() as s:
        attese = sum(len(dividi_frasi(t.upper())) for t in TESTI)
        assert s.scalar(select(func.count(Frase.id))) == attese
        run = s.get(Esecuzione, r1.esecuzione_id)
        assert run is not None and run.stato == "finita" and run.finita_il is not None
        assert run.modello == {"nome": "finto", "versione": "0"}
        assert run.versioni["sqlalchemy"] and len(run.config_hash) == 64
    r2 = esegui(archivio, impostazioni, cifrario)
    assert r2.totale == 0
    _carica(archivio, cifrario, ["Un racconto arrivato dopo, con la sua frase. E un'altra."])
    assert esegui(archivio, impostazioni, cifrario).elaborati == {"anonimizza.v1": 1, "frasi.v1": 1}


def test_nuova_versione_rifa_lo_stadio_e_i_successivi(archivio: Archivio, cifrario: Cifrario,
                                                     impostazioni: Impostazioni,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _carica(archivio, cifrario, TESTI[:5])
    esegui(archivio, impostazioni, cifrario)
    from tests import stadi_prova

    monkeypatch.setattr(stadi_prova.AnonimizzaFinta, "versione", 2)
    r = esegui(archivio, impostazioni, cifrario)
    assert r.elaborati == {"anonimizza.v2": 5, "frasi.v1": 5}


def test_revisione_blocca_gli_stadi_successivi(archivio: Archivio, cifrario: Cifrario,
                                               impostazioni: Impostazioni) -> None:
    _carica(archivio, cifrario, ["Un racconto normale e abbastanza lungo.", "Da tenere in REVISIONE, grazie."])
    r = esegui(archivio, impostazioni, cifrario)
    assert r.elaborati == {"anonimizza.v1": 2, "frasi.v1": 1}


def test_un_racconto_che_fallisce_non_ferma_gli_altri(archivio: Archivio, cifrario: Cifrario,
                                                      impostazioni: Impostazioni) -> None:
    _carica(archivio, cifrario, [*TESTI[:5], "Questo racconto ROMPI lo stadio delle frasi.", *TESTI[5:9]])
    stadi = [risolvi_stadio("tests.stadi_prova:AnonimizzaFinta"),
             risolvi_stadio("tests.stadi_prova:FrasiCheFalliscono")]
    r = esegui(archivio, impostazioni, cifrario, stadi=stadi)
    assert r.elaborati["frasi.v1"] == 9 and r.errori["frasi.v1"] == 1
    with archivio.lettura() as s:
        stati = dict(s.execute(select(StatoStadio.stato, func.count()).where(StatoStadio.stadio == "frasi")
                               .group_by(StatoStadio.stato)).all())
    assert stati == {"fatto": 9, "errore": 1}


def test_stadi_sconosciuti_o_ripetuti(impostazioni: Impostazioni) -> None:
    with pytest.raises(ErrorePipeline, match="stadio sconosciuto"):
        risolvi_stadio("inesistente.v1")
    with pytest.raises(ErrorePipeline, match="impossibile caricare"):
        risolvi_stadio("tests.stadi_prova:NonCe")
    with pytest.raises(ErrorePipeline, match="due volte"):
        stadi_configurati(impostazioni.con(elaborazione={"stadi": ["frasi.v1", "frasi.v1"]}))
    assert risolvi_stadio("frasi.v1").nome == "frasi"


def _ambiente(impostazioni: Impostazioni) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(RADICE),
            "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(impostazioni.archivio.cartella_dati),
            "NARRAZIONI_ARCHIVIO__DATABASE_URL": impostazioni.url_database(), "NARRAZIONI_ELABORAZIONE__LOTTO": "4",
            "NARRAZIONI_ELABORAZIONE__STADI": '["tests.stadi_prova:AnonimizzaFinta", "tests.stadi_prova:FrasiLente"]',
            "RITARDO_LOTTO_PROVA": "0.4"}


@pytest.mark.lento
def test_sigkill_a_meta_e_ripresa_ogni_racconto_una_volta(archivio: Archivio, cifrario: Cifrario,
                                                        impostazioni: Impostazioni) -> None:
    ids = _carica(archivio, cifrario, TESTI)
    env = _ambiente(impostazioni)
    comando = [sys.executable, "-m", "narrazioni", "elabora"]
    proc = subprocess.Popen(comando, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    scadenza = time.time() + 180
    fatti = 0
    while time.time() < scadenza:  # wait until some, but not all, batches of the slow stage are committed
        with archivio.lettura() as s:
            fatti = s.scalar(select(func.count()).select_from(StatoStadio)
                             .where(StatoStadio.stadio == "frasi")) or 0
        if fatti >= 8:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 8 <= fatti < len(ids), "the kill must land in the middle of the run"
    finale = subprocess.run(comando, env=env, capture_output=True, text=True, timeout=120)
    assert finale.returncode == 0, finale.stderr
    with archivio.lettura() as s:
        per_racconto = dict(s.execute(select(StatoStadio.racconto_id, func.count())
                                      .where(StatoStadio.stadio == "frasi").group_by(StatoStadio.racconto_id)).all())
        assert per_racconto == {i: 1 for i in ids}
        for rid in ids:
            testo = s.scalar(select(Racconto.testo_anon).where(Racconto.id == rid))
            frasi = list(s.scalars(select(Frase.testo).where(Frase.racconto_id == rid).order_by(Frase.indice)))
            assert testo is not None
            assert frasi == [testo[i.inizio:i.fine] for i in dividi_frasi(testo)]
        stati_run = list(s.scalars(select(Esecuzione.stato).order_by(Esecuzione.id)))
    assert stati_run == ["in_corso", "finita"]  # the killed run stays visibly unfinished
    seconda = subprocess.run(comando, env=env, capture_output=True, text=True, timeout=180)
    assert "nothing to do" in seconda.stdout


@pytest.mark.lento
def test_due_elabora_insieme_il_secondo_si_ferma(archivio: Archivio, cifrario: Cifrario,
                                                impostazioni: Impostazioni) -> None:
    _carica(archivio, cifrario, TESTI)
    env = {**_ambiente(impostazioni), "RITARDO_LOTTO_PROVA": "1.5"}  # the first run lasts ~15 s
    primo = subprocess.Popen([sys.executable, "-m", "narrazioni", "elabora"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    scadenza = time.time() + 60
    while time.time() < scadenza:  # the first run is inside the slow stage: it holds the lock
        with archivio.lettura() as s:
            if s.scalar(select(func.count()).select_from(StatoStadio).where(StatoStadio.stadio == "frasi")):
                break
        time.sleep(0.05)
    secondo = subprocess.run([sys.executable, "-m", "narrazioni", "elabora"], env=env, capture_output=True,
                             text=True, timeout=180)
    primo.wait(timeout=300)
    assert secondo.returncode == 1
    assert "un altro 'narrazioni elabora' è in corso" in secondo.stderr
    assert "Traceback" not in secondo.stderr
    assert primo.returncode == 0


def test_modulo_pipeline_non_fa_nulla_all_import() -> None:
    codice = "import analisi.pipeline, archivio.db, raccolta.importa, narrazioni.cli; print('ok')"
    r = subprocess.run([sys.executable, "-c", codice], capture_output=True, text=True, cwd=Path("/"),
                       env={**os.environ, "PYTHONPATH": str(RADICE)})
    assert r.stdout.strip() == "ok" and not Path("/dati").exists()


class _FrasiParallele(StadioFrasi):
    """The sentence stage declared parallel; each batch notes which process ran it; 'ROMPI' breaks a batch."""

    parallelo = True
    cartella: Path = Path()

    def elabora(self, lotto: list[q.RaccontoDaElaborare]) -> list[Any]:
        (self.cartella / f"{os.getpid()}-{lotto[0].id}").touch()
        if len(lotto) > 1 and any("ROMPI" in r.testo for r in lotto):
            raise RuntimeError("rotto")
        if any("ROMPI" in r.testo for r in lotto):
            raise RuntimeError("rotto anche da solo")
        return super().elabora(lotto)


def test_stadio_parallelo_usa_piu_processi_e_stesso_risultato(archivio: Archivio, cifrario: Cifrario,
                                                            impostazioni: Impostazioni, tmp_path: Path) -> None:
    _carica(archivio, cifrario, [*TESTI[:20], "Questo racconto ROMPI lo stadio. Davvero.", *TESTI[20:]])
    stadio = _FrasiParallele()
    stadio.cartella = tmp_path / "pid"
    stadio.cartella.mkdir()
    imp = impostazioni.con(elaborazione={"processi": 2, "lotto": 5})
    assert numero_processi(imp, stadio, 41) == 2 and numero_processi(imp, stadio, 5) == 1
    assert numero_processi(imp.con(elaborazione={"processi": 1}), stadio, 41) == 1
    r = esegui(archivio, imp, cifrario, stadi=[risolvi_stadio("tests.stadi_prova:AnonimizzaFinta"), stadio])
    assert r.elaborati["frasi.v1"] == 40 and r.errori["frasi.v1"] == 1
    processi = {p.name.split("-")[0] for p in stadio.cartella.iterdir()}
    assert str(os.getpid()) in processi and len(processi) >= 3  # two workers, and this process for the retry
    with archivio.lettura() as s:
        frasi = s.execute(select(Frase.racconto_id, Frase.inizio, Frase.fine).order_by(Frase.id)).all()
        testi = dict(s.execute(select(Racconto.id, Racconto.testo_anon)).all())
    attese = sorted((rid, iv.inizio, iv.fine) for rid, t in testi.items() if "ROMPI" not in (t or "")
                    for iv in dividi_frasi(t or ""))
    assert sorted(tuple(f) for f in frasi) == attese
