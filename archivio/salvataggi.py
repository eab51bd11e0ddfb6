"""Backup and restore of the store (``narrazioni backup FILE`` / ``narrazioni ripristina FILE``).

A backup is one ``.tar.gz`` file holding:

- ``narrazioni.db``: the store as an SQLite database. On SQLite it is a consistent online copy made with
  SQLite's backup API while the form and the worker keep writing; on PostgreSQL it is a portable copy of every
  table read in one REPEATABLE READ snapshot (for a native dump use ``pg_dump -Fc``, see README). Raw texts
  stay Fernet-encrypted exactly as they are stored: **the key is never put in a backup**.
- ``modelli/``: the theme models and a retrained coder from the data directory (their SHA-256 is in the db).
- ``ritirati.txt``: the withdrawal list at backup time; ``manifesto.json``: format, revision, counts.

Restore goes into an empty data directory (only the key and the withdrawal list may already be there) or an
empty PostgreSQL database, then deletes every story on the withdrawal lists (the backup's, the one in the
target, and any given): a story withdrawn after the backup does not come back.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, delete, func, insert, inspect, select, text, update
from sqlalchemy.engine import Connection, make_url

from archivio import audit
from archivio.db import Archivio, migra, revisione_corrente, revisione_finale
from archivio.errori import ErroreOperazione
from archivio.ricevute import elimina_racconto
from archivio.ritirati import leggi_ritirati, racconti_ritirati, scrivi_ritirati
from archivio.tabelle import Base, Racconto, Sessione
from archivio.tabelle_temi import ModelloTemiRiga

log = logging.getLogger(__name__)
FORMATO = "narrazioni-backup/1"
NOME_DB = "narrazioni.db"
BLOCCO = 1000


class ErroreCopia(ErroreOperazione, RuntimeError):
    """A backup or restore that cannot be done (message for the user)."""


@dataclass(frozen=True)
class EsitoBackup:
    file: Path
    racconti: int
    byte: int


@dataclass(frozen=True)
class EsitoRipristino:
    racconti: int
    ritirati_tolti: int
    revisione: str


def _tabelle() -> list[Any]:
    import archivio.tabelle_codifica  # noqa: F401 - every table in the metadata

    return list(Base.metadata.sorted_tables)


def _copia_tabelle(sorgente: Connection, destinazione: Connection) -> None:
    """Copy every row of every table, parents before children, into a freshly migrated store (the rows its
    migrations seeded, e.g. the generation counter, are replaced by the source's)."""
    for tabella in reversed(_tabelle()):
        destinazione.execute(delete(tabella))
    for tabella in _tabelle():
        righe = sorgente.execute(select(tabella)).mappings()
        while True:
            blocco = righe.fetchmany(BLOCCO)
            if not blocco:
                break
            destinazione.execute(insert(tabella), [dict(r) for r in blocco])


def _copia_sqlite_coerente(archivio: Archivio, destinazione: Path) -> None:
    if archivio.sqlite:
        sorgente = make_url(archivio.url).database
        assert sorgente
        lite_src = sqlite3.connect(sorgente, timeout=30)
        lite_dst = sqlite3.connect(destinazione)
        try:
            lite_src.backup(lite_dst)  # pages written meanwhile are copied again: one consistent state
        finally:
            lite_dst.close()
            lite_src.close()
        return
    # PostgreSQL (or another server): a fresh SQLite store at the same revision, filled from one snapshot
    copia = Archivio(f"sqlite:///{destinazione}")
    try:
        migra(copia)
        with archivio.engine.connect() as src, copia.engine.begin() as dst:
            src.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            _copia_tabelle(src, dst)
            src.rollback()
    finally:
        copia.chiudi()


def _senza_sessioni(copia: Archivio) -> None:
    """Dashboard logins are not data: a backup never carries them, a restored store starts logged out."""
    with copia.transazione() as s:
        s.execute(delete(Sessione))
    with copia.engine.connect() as conn:  # no page of a deleted login left in the file
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    with copia.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")


def _conta_racconti(archivio: Archivio) -> int:
    with archivio.lettura() as s:
        return int(s.scalar(select(func.count(Racconto.id))) or 0)


def backup(archivio: Archivio, cartella_dati: Path, file: Path, *, file_chiave: Path) -> EsitoBackup:
    """Write a consistent backup of the store (and the data directory's models) to ``file``."""
    revisione = revisione_corrente(archivio)
    if revisione != revisione_finale():
        raise ErroreCopia("il database non è inizializzato o non è aggiornato: esegui 'narrazioni init'")
    file = file.resolve()
    if file.exists() and file.is_dir():
        raise ErroreCopia(f"{file} è una cartella: indica il nome di un file")
    chiave = file_chiave.resolve()
    with tempfile.TemporaryDirectory(prefix="narrazioni-backup-", dir=file.parent) as tmp:
        db = Path(tmp) / NOME_DB
        _copia_sqlite_coerente(archivio, db)
        copia = Archivio(f"sqlite:///{db}")
        try:
            _senza_sessioni(copia)
            racconti = _conta_racconti(copia)
        finally:
            copia.chiudi()
        manifesto = {"formato": FORMATO, "creato_il": datetime.now(UTC).isoformat(timespec="seconds"),
                     "revisione": revisione, "racconti": racconti, "database": archivio.engine.dialect.name,
                     "cartella_dati": str(Path(cartella_dati).resolve()),
                     "chiave": "esclusa (la chiave non è mai in un backup)"}
        parziale = file.with_name(file.name + ".parziale")
        with tarfile.open(parziale, "w:gz") as tar:
            _aggiungi_bytes(tar, "manifesto.json", json.dumps(manifesto, ensure_ascii=False, indent=1).encode())
            tar.add(db, arcname=NOME_DB)
            modelli = Path(cartella_dati) / "modelli"
            if modelli.is_dir():
                for p in sorted(modelli.rglob("*")):
                    if p.is_file() and p.resolve() != chiave:
                        tar.add(p, arcname=str(Path("modelli") / p.relative_to(modelli)))
            ritirati = leggi_ritirati([archivio.file_ritirati])
            _aggiungi_bytes(tar, "ritirati.txt", "".join(f"{i}\n" for i in sorted(ritirati)).encode())
        parziale.replace(file)
    with archivio.transazione() as s:
        audit.registra(s, "cli", "backup", None, {"racconti": racconti})
    return EsitoBackup(file, racconti, file.stat().st_size)


def _aggiungi_bytes(tar: tarfile.TarFile, nome: str, dati: bytes) -> None:
    info = tarfile.TarInfo(nome)
    info.size = len(dati)
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(dati))


PERMESSI_IN_CARTELLA = {"chiave.fernet", "ritirati.txt"}


def _controlla_vuota(cartella: Path, ammessi: set[Path]) -> None:
    if not cartella.exists():
        return
    if not cartella.is_dir():
        raise ErroreCopia(f"{cartella} non è una cartella")
    altri = [p for p in cartella.iterdir() if p.resolve() not in ammessi and p.name not in PERMESSI_IN_CARTELLA]
    if altri:
        raise ErroreCopia(f"la cartella dei dati {cartella} non è vuota ("
                          f"{', '.join(sorted(p.name for p in altri)[:5])}): ripristina solo in una cartella vuota")


def ripristina(file: Path, archivio_url: str, cartella_dati: Path, *, file_ritirati: Path,
               file_chiave: Path, altri_ritirati: Iterable[Path] = ()) -> EsitoRipristino:
    """Restore a backup into an empty data directory / database, then apply the withdrawal lists."""
    if not file.is_file():
        raise ErroreCopia(f"file di backup non trovato: {file}")
    cartella = Path(cartella_dati)
    sqlite_dest = make_url(archivio_url).get_backend_name() == "sqlite"
    _controlla_vuota(cartella, {file_chiave.resolve(), file_ritirati.resolve(), file.resolve()})
    with tempfile.TemporaryDirectory(prefix="narrazioni-ripristino-") as tmp:
        base = Path(tmp)
        try:
            with tarfile.open(file, "r:gz") as tar:
                manifesto = json.loads(tar.extractfile("manifesto.json").read())  # type: ignore[union-attr]
                if manifesto.get("formato") != FORMATO:
                    raise ErroreCopia(f"{file} non è un backup di Narrazioni (formato {manifesto.get('formato')!r})")
                tar.extractall(base, filter="data")
        except (tarfile.TarError, KeyError, ValueError, OSError) as e:
            raise ErroreCopia(f"{file} non è un backup di Narrazioni leggibile: {e}") from None
        if manifesto["revisione"] != revisione_finale():
            raise ErroreCopia(f"il backup è alla revisione {manifesto['revisione']}, questa versione si aspetta "
                              f"{revisione_finale()}: ripristinalo con la versione che lo ha creato, poi aggiorna "
                              "con 'narrazioni init'")
        cartella.mkdir(parents=True, exist_ok=True)
        if sqlite_dest:
            destinazione = make_url(archivio_url).database
            assert destinazione
            if Path(destinazione).exists():
                raise ErroreCopia(f"{destinazione} esiste già: ripristina solo in una cartella dei dati vuota")
            Path(destinazione).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(base / NOME_DB, destinazione)
            archivio = Archivio(archivio_url, file_ritirati=file_ritirati)
        else:
            archivio = Archivio(archivio_url, file_ritirati=file_ritirati)
            if set(inspect(archivio.engine).get_table_names()) - {"alembic_version"}:
                archivio.chiudi()
                raise ErroreCopia("il database di destinazione non è vuoto (ha delle tabelle): ripristina solo in un "
                                  "database vuoto, senza eseguire prima 'narrazioni init'")
            migra(archivio)
            sorgente = Archivio(f"sqlite:///{base / NOME_DB}")
            try:
                with sorgente.engine.connect() as src, archivio.engine.begin() as dst:
                    _copia_tabelle(src, dst)
                    _riallinea_sequenze(dst)
            finally:
                sorgente.chiudi()
        if (base / "modelli").is_dir():
            shutil.copytree(base / "modelli", cartella / "modelli", dirs_exist_ok=True)
        impronte = leggi_ritirati([base / "ritirati.txt", file_ritirati, *altri_ritirati])
        try:
            with archivio.transazione() as s:
                ids = racconti_ritirati(s, impronte)
                for rid in ids:
                    elimina_racconto(s, rid)
                _riporta_modelli(s, cartella)
                audit.registra(s, "cli", "ripristino", None, {"racconti": manifesto["racconti"],
                                                              "ritirati_tolti": len(ids)})
                racconti = int(s.scalar(select(func.count(Racconto.id))) or 0)
            if impronte:
                scrivi_ritirati(file_ritirati, impronte)
            if archivio.sqlite:
                with archivio.engine.connect() as conn:  # no page of a removed story left in the WAL
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            archivio.chiudi()
    return EsitoRipristino(racconti, len(ids), manifesto["revisione"])


def _riporta_modelli(s: Any, cartella: Path) -> None:
    """Theme model rows point at files of the old data directory: point them at the restored copies."""
    for riga in s.scalars(select(ModelloTemiRiga)):
        nuovo = cartella / "modelli" / Path(riga.percorso).name
        if nuovo.is_file() and Path(riga.percorso) != nuovo:
            s.execute(update(ModelloTemiRiga).where(ModelloTemiRiga.id == riga.id)
                      .values(percorso=str(nuovo.resolve())))


def _riallinea_sequenze(conn: Connection) -> None:
    """PostgreSQL: rows were inserted with their ids, so move each id sequence past the largest id."""
    if conn.dialect.name != "postgresql":
        return
    for tabella in _tabelle():
        pk = list(tabella.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and isinstance(pk[0].type, Integer):
            nome, col = tabella.name, pk[0].name
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{nome}', '{col}'), "
                              f"COALESCE((SELECT MAX({col}) FROM {nome}), 0) + 1, false) "
                              f"WHERE pg_get_serial_sequence('{nome}', '{col}') IS NOT NULL"))
