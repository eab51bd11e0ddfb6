"""The CLI as a user runs it: a subprocess, one clear line on errors, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import RADICE

TESTO = "Durante il lockdown facevo la spesa per la vicina di casa, ogni martedì mattina."


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "PYTHONPATH": str(RADICE), "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(tmp_path / "dati"),
           "NARRAZIONI_ELABORAZIONE__STADI": '["tests.stadi_prova:AnonimizzaFinta", "frasi.v1"]'}
    env.pop("NARRAZIONI_ARCHIVIO__DATABASE_URL", None)

    def esegui(*argomenti: str, entrata: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "narrazioni", *argomenti], env=env, cwd=tmp_path,
                              capture_output=True, text=True, input=entrata, timeout=120)

    return esegui


def _errore_pulito(r: subprocess.CompletedProcess[str]) -> None:
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert r.stderr.strip().startswith("errore:"), r.stderr


@pytest.mark.lento
def test_init_importa_elabora_stato(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _errore_pulito(cli("stato"))  # not initialised yet
    assert cli("init").returncode == 0
    assert (tmp_path / "dati" / "chiave.fernet").exists()
    assert (tmp_path / "dati" / "chiave.fernet").stat().st_mode & 0o777 == 0o600
    assert cli("init").returncode == 0  # idempotent
    f = tmp_path / "storie.jsonl"
    f.write_text("\n".join(json.dumps({"id": str(i), "testo": f"{TESTO} Numero {i}."}) for i in range(12)) + "\n")
    r = cli("importa", str(f), "--consenso", "2020-1")
    assert r.returncode == 0 and "12 imported" in r.stdout
    r = cli("elabora")
    assert r.returncode == 0 and "frasi.v1: 12 stories processed" in r.stdout
    r = cli("elabora")
    assert r.returncode == 0 and "nothing to do" in r.stdout
    stato = json.loads(cli("stato", "--json").stdout)
    assert stato["racconti"] == 12
    assert stato["stadi"]["frasi.v1"] == {"fatto": 12, "errore": 0, "da_fare": 0, "in_revisione": 0,
                                          "motivi_errore": {}}


@pytest.mark.lento
def test_errori_utente_una_riga(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init").returncode == 0
    manca = cli("importa", str(tmp_path / "manca.csv"), "--consenso", "2020-1")
    assert manca.returncode == 2 and "manca.csv: not imported" in manca.stdout and "Traceback" not in manca.stderr
    _errore_pulito(cli("importa", str(tmp_path / "x.jsonl"), "--consenso", "1999"))
    r = cli("importa", "x.csv")
    assert r.returncode == 2 and "--consenso" in r.stderr and "Traceback" not in r.stderr
    _errore_pulito(cli("utenti", "aggiungi", "anna", "--ruolo", "capo", "--password", "abbastanza-lunga"))
    (tmp_path / "dati" / "chiave.fernet").write_text("non una chiave")
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps({"testo": TESTO}) + "\n")
    _errore_pulito(cli("importa", str(f), "--consenso", "2020-1"))


@pytest.mark.lento
def test_utenti(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init").returncode == 0
    assert cli("utenti", "aggiungi", "anna", "--ruolo", "ricercatore", "--password", "abbastanza-lunga").returncode == 0
    r = cli("utenti", "aggiungi", "bruno", "--ruolo", "operatore", entrata="password-bruno\npassword-bruno\n")
    assert r.returncode == 0, r.stderr
    assert cli("utenti", "elenco").stdout.split() == ["anna", "ricercatore", "attivo", "bruno", "operatore", "attivo"]


@pytest.mark.lento
def test_anonimizza_contratto_jsonl(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    righe = [{"id": "a", "text": "Mia figlia Giulia mi chiamava al 333 1234567 o scriveva a giulia.rossi@gmail.com."},
             {"id": "b", "text": "Nessun dato personale qui, solo la spesa del martedì."}]
    ingresso = tmp_path / "in.jsonl"
    ingresso.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in righe) + "\n", encoding="utf-8")
    r = cli("anonimizza", str(ingresso), str(tmp_path / "out.jsonl"))
    assert r.returncode == 0, r.stderr
    uscita = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [u["id"] for u in uscita] == ["a", "b"]
    a = uscita[0]
    assert "Giulia" not in a["text_anon"] and "333" not in a["text_anon"] and "@" not in a["text_anon"]
    etichette = {e["label"] for e in a["entities"]}
    assert {"PERSONA", "TELEFONO", "EMAIL"} <= etichette
    for e in a["entities"]:
        assert righe[0]["text"][e["start"]:e["end"]] == e["text"]
    assert uscita[1]["text_anon"] == righe[1]["text"] and uscita[1]["entities"] == []
    rotto = tmp_path / "rotto.jsonl"
    rotto.write_text('{"id": "x", "text": "ok, una riga"}\n{non json\n', encoding="utf-8")
    _errore_pulito(cli("anonimizza", str(rotto), str(tmp_path / "o2.jsonl")))


@pytest.mark.lento
def test_database_danneggiato_una_riga(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 10, finding 9: a corrupt database file gives one 'errore:' line, the log keeps the detail."""
    assert cli("init").returncode == 0
    db = tmp_path / "dati" / "narrazioni.db"
    for resto in db.parent.glob("narrazioni.db-*"):
        resto.unlink()
    db.write_bytes(os.urandom(8192))
    for comando in (["stato"], ["elabora"], ["init"], ["ritira", "7KQ2-M9XD-4TBW"]):
        r = cli(*comando)
        _errore_pulito(r)
        assert len(r.stderr.strip().splitlines()) == 1 and "danneggiato" in r.stderr, (comando, r.stderr)
    log = (tmp_path / "dati" / "narrazioni.log")
    assert "Traceback" in log.read_text() and log.stat().st_mode & 0o777 == 0o600


def _come_altro_utente() -> list[str]:
    """Root ignores permissions: run the command as 'nobody' then (setpriv), else as ourselves."""
    if os.geteuid() != 0:
        return []
    if not Path("/usr/bin/setpriv").exists():
        pytest.skip("running as root without setpriv: a read-only directory cannot be simulated")
    return ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.lento
def test_cartella_dati_in_sola_lettura_una_riga(tmp_path: Path) -> None:
    """Issue 10, finding 9: a read-only data directory (the lock file, SQLite) gives one 'errore:' line."""
    radice = Path(tempfile.mkdtemp(prefix="narr-ro-"))  # pytest's tmp_path is not reachable by 'nobody'
    try:
        radice.chmod(0o755)
        dati = radice / "dati"
        env = {**os.environ, "PYTHONPATH": str(RADICE), "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(dati),
               "NARRAZIONI_ELABORAZIONE__STADI": '["tests.stadi_prova:AnonimizzaFinta", "frasi.v1"]',
               "HOME": str(radice),
               "XDG_CACHE_HOME": str(radice / "cache")}
        env.pop("NARRAZIONI_ARCHIVIO__DATABASE_URL", None)
        env.pop("NARRAZIONI_CONFIG", None)
        prefisso = _come_altro_utente()

        def esegui(*argomenti: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*prefisso, sys.executable, "-m", "narrazioni", *argomenti], env=env,
                                  cwd=radice, capture_output=True, text=True, timeout=120)

        assert subprocess.run([sys.executable, "-m", "narrazioni", "init"], env=env, cwd=radice,
                              capture_output=True).returncode == 0
        (radice / "cache").mkdir(mode=0o777)
        (radice / "cache").chmod(0o777)
        # the files stay writable (an existing WAL), the directory does not: the lock file cannot be created
        for nome in ("narrazioni.db-wal", "narrazioni.db-shm"):
            (dati / nome).touch()
        if prefisso:
            for f in [dati, *dati.iterdir()]:
                os.chown(f, 65534, 65534)
        dati.chmod(0o555)
        for comando in (["elabora"], ["temi", "rifai"]):
            r = esegui(*comando)
            _errore_pulito(r)
            assert len(r.stderr.strip().splitlines()) == 1 and "permesso negato" in r.stderr, r.stderr
        # and nothing of the store writable at all (no WAL to write into)
        dati.chmod(0o755)
        for nome in ("narrazioni.db-wal", "narrazioni.db-shm"):
            (dati / nome).unlink()
        for f in dati.iterdir():
            f.chmod(0o444)
        dati.chmod(0o555)
        for comando in (["stato"], ["init"], ["elabora"]):
            r = esegui(*comando)
            _errore_pulito(r)
            assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    finally:
        for d in radice.rglob("*"):
            if d.is_dir():
                d.chmod(0o755)
        shutil.rmtree(radice, ignore_errors=True)


@pytest.mark.lento
def test_file_dei_dati_solo_per_il_proprietario(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 10, finding 10: database, WAL, shared memory, key, lock and log are created 0600."""
    import sqlite3

    assert cli("init").returncode == 0
    f = tmp_path / "storie.jsonl"
    f.write_text(json.dumps({"id": "1", "testo": TESTO}) + "\n")
    assert cli("importa", str(f), "--consenso", "2020-1").returncode == 0
    assert cli("elabora").returncode == 0
    dati = tmp_path / "dati"
    con = sqlite3.connect(dati / "narrazioni.db")  # an open connection keeps -wal and -shm in place
    try:
        con.execute("SELECT count(*) FROM racconti").fetchone()
        nomi = {"narrazioni.db", "narrazioni.db-wal", "narrazioni.db-shm", "chiave.fernet", "elabora.lock"}
        assert nomi <= {p.name for p in dati.iterdir()}
        permessi = {p.name: oct(p.stat().st_mode & 0o777) for p in dati.iterdir() if p.is_file()}
        assert set(permessi.values()) == {"0o600"}, permessi
    finally:
        con.close()


@pytest.mark.lento
def test_la_pipeline_trattiene_esattamente_le_storie_con_revisione(tmp_path: Path) -> None:
    """The real anonymiser in ``elabora`` holds exactly as many stories as ``anonimizza`` flags ``revisione``."""
    env = {**os.environ, "PYTHONPATH": str(RADICE), "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(tmp_path / "dati"),
           "NARRAZIONI_ELABORAZIONE__STADI": '["anonimizza.v1"]'}
    env.pop("NARRAZIONI_ARCHIVIO__DATABASE_URL", None)

    def cli(*argomenti: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "narrazioni", *argomenti], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)

    storie = [json.loads(r) for r in (RADICE / "corpus" / "racconti.jsonl").read_text(encoding="utf-8").splitlines()]
    storie = [*storie[:40], {"id": "x1", "testo": "Al mercato ho visto il Bracco con la sua vicina Ellenor."}]
    f = tmp_path / "storie.jsonl"
    f.write_text("\n".join(json.dumps({"id": s["id"], "testo": s["testo"]}, ensure_ascii=False) for s in storie)
                 + "\n", encoding="utf-8")
    assert cli("init").returncode == 0
    assert cli("importa", str(f), "--consenso", "2020-1").returncode == 0
    r = cli("elabora")
    assert r.returncode == 0, r.stderr
    ingresso = tmp_path / "in.jsonl"
    ingresso.write_text("\n".join(json.dumps({"id": s["id"], "text": s["testo"]}, ensure_ascii=False)
                                  for s in storie) + "\n", encoding="utf-8")
    assert cli("anonimizza", str(ingresso), str(tmp_path / "out.jsonl")).returncode == 0
    uscita = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(isinstance(u["revisione"], bool) and bool(u["motivi"]) == u["revisione"] for u in uscita)
    trattenute = sum(u["revisione"] for u in uscita)
    assert 0 < trattenute < len(uscita)
    stato = json.loads(cli("stato", "--json").stdout)
    assert stato["anonimizzazione"].get("in_revisione", 0) == trattenute
