"""End to end (issue 10): a story sent with a receipt and a story imported, processed by the real pipeline
(`elabora`, `temi rifai`), withdrawn with `narrazioni ritira RECEIPT` and `narrazioni ritira R-… --motivo`,
then `elabora`: a unique word of each text is in NO file of the data directory — database, WAL, theme
models (read decompressed), backups (a plaintext one left by an earlier release is encrypted by `init`
and, decrypted, no longer holds the stories)."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import joblib
import pytest

from archivio.cifratura import Cifrario
from archivio.copie import copie_di, decifra_copia
from archivio.db import Archivio, copia_sqlite
from raccolta.operatore import inserisci_racconto_cartaceo
from tests.conftest import RADICE

PAROLE = ("zirconetta", "pervincolo")
CORPO = ("Durante il lockdown passavo le giornate sul balcone a coltivare una piantina che chiamavo {}, e la "
         "sera ascoltavo la radio. Avevo paura per mia madre che viveva lontano. Vorrei che il quartiere "
         "avesse più spazi per incontrarsi all'aperto e un servizio di ascolto.")


def _leggibile(percorso: Path) -> bytes:
    dati = percorso.read_bytes()
    if percorso.suffix == ".joblib":  # compressed pickles: search what loading them gives back
        dati += pickle.dumps(joblib.load(percorso))
    return dati.lower()


def _dove(cartella: Path, parola: str) -> list[str]:
    return sorted(str(p.relative_to(cartella)) for p in cartella.rglob("*")
                  if p.is_file() and parola.encode() in _leggibile(p))


@pytest.mark.lento
def test_dopo_il_ritiro_nessun_file_contiene_il_racconto(tmp_path: Path) -> None:
    dati = tmp_path / "dati"
    env = {**os.environ, "PYTHONPATH": str(RADICE), "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(dati),
           "NARRAZIONI_TEMI__K": "5"}
    for nome in ("NARRAZIONI_ARCHIVIO__DATABASE_URL", "NARRAZIONI_ELABORAZIONE__STADI", "NARRAZIONI_CONFIG",
                 "NARRAZIONI_ARCHIVIO__FILE_CHIAVE"):
        env.pop(nome, None)

    def cli(*argomenti: str) -> str:
        r = subprocess.run([sys.executable, "-m", "narrazioni", *argomenti], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, (argomenti, r.stdout, r.stderr)
        return r.stdout

    cli("init")
    righe = [json.loads(r) for r in (RADICE / "corpus" / "racconti.jsonl").read_text().splitlines()[:40]]
    righe.append({"id": "importato-1", "testo": CORPO.format(PAROLE[1])})
    (tmp_path / "storie.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in righe) + "\n")
    cli("importa", str(tmp_path / "storie.jsonl"), "--consenso", "2020-1", "--crea-associazioni")
    archivio = Archivio(f"sqlite:///{dati / 'narrazioni.db'}")
    cifrario = Cifrario.da_file(dati / "chiave.fernet")
    inviato = inserisci_racconto_cartaceo(archivio, cifrario, {"testo": CORPO.format(PAROLE[0]), "consenso": "sì"},
                                          versione_consenso="2020-1", operatore="otto")
    with archivio.lettura() as s:
        from sqlalchemy import select

        from archivio.tabelle import Racconto

        importato = s.scalar(select(Racconto.codice).where(Racconto.id_esterno == "importato-1"))
    assert importato is not None
    cli("elabora")
    cli("temi", "rifai")
    # a plaintext backup as an earlier release's `init` left it; this release's `init` encrypts it
    copia_sqlite(archivio, dati / "narrazioni.db.20250101-000000.bak")
    archivio.chiudi()
    cli("init")
    assert [p.name.endswith(".bak.fernet") for p in copie_di(f"sqlite:///{dati / 'narrazioni.db'}")] == [True]
    for parola in PAROLE:  # sanity: the stories reached the store and the theme models
        assert any(p.startswith("modelli/") for p in _dove(dati, parola)), parola

    assert "ritirato" in cli("ritira", inviato.ricevuta)
    assert "ritirato" in cli("ritira", importato, "--motivo", "richiesta scritta del narratore")
    cli("elabora")

    for parola in PAROLE:
        assert _dove(dati, parola) == [], parola
    for copia in copie_di(f"sqlite:///{dati / 'narrazioni.db'}"):
        chiaro = decifra_copia(copia, cifrario, tmp_path / "copia.db")
        assert not any(p.encode() in chiaro.read_bytes().lower() for p in PAROLE)
        with sqlite3.connect(chiaro) as conn:
            assert conn.execute("SELECT count(*) FROM racconti").fetchone() == (40,)
        chiaro.unlink()
    stato = json.loads(cli("stato", "--json"))
    assert stato["racconti"] == 40 and stato["stadi"]["temi.v1"]["fatto"] == stato["anonimizzazione"]["approvato"]
