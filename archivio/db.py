"""Engine, sessions and migrations. The only place that knows which database we run on."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from archivio.cifratura import Cifrario
from archivio.tempo import adesso

CARTELLA_MIGRAZIONI = Path(__file__).resolve().parent / "migrazioni"


def _pragma_sqlite(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers (dashboard) never block the writer (form, pipeline); foreign keys for cascades.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # Deleted content is overwritten with zeros, never left in free pages (withdrawal, retention).
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def crea_privato(percorso: Path) -> None:
    """Create an empty file readable by its owner only (0600), unless it exists already."""
    with suppress(FileExistsError):
        os.close(os.open(percorso, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def crea_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL and foreign keys on every connection.

    A new SQLite file is created 0600 first: SQLite gives its -wal and -shm files the database's mode.
    """
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
            crea_privato(Path(u.database))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _pragma_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _ritirati_predefinito(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        return Path(u.database).parent / "ritirati.txt"
    return None


class Archivio:
    """The store: an engine and a session factory. Named queries live in the modules of this package."""

    def __init__(self, url: str, *, file_ritirati: Path | None = None) -> None:
        self.url = url
        self.engine = crea_engine(url)
        self._sessioni = sessionmaker(self.engine, expire_on_commit=False)
        # the list of withdrawn stories (archivio.ritirati); default: next to an SQLite file
        self.file_ritirati = file_ritirati if file_ritirati is not None else _ritirati_predefinito(url)

    @property
    def sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transazione(self) -> Iterator[Session]:
        """One transaction: committed at the end, rolled back on any error."""
        with self._sessioni() as sessione, sessione.begin():
            yield sessione

    @contextmanager
    def lettura(self) -> Iterator[Session]:
        with self._sessioni() as sessione:
            yield sessione

    def chiudi(self) -> None:
        self.engine.dispose()


def _config_alembic(archivio: Archivio) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(CARTELLA_MIGRAZIONI))
    cfg.attributes["engine"] = archivio.engine
    return cfg


def revisione_corrente(archivio: Archivio) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with archivio.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def revisione_finale() -> str:
    from alembic.script import ScriptDirectory

    cfg = _config_alembic_vuota()
    testa = ScriptDirectory.from_config(cfg).get_current_head()
    assert testa is not None
    return testa


def _config_alembic_vuota() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(CARTELLA_MIGRAZIONI))
    return cfg


def copia_sqlite(archivio: Archivio, destinazione: Path) -> None:
    """Consistent copy of a live SQLite database (the backup API also copies what is in the WAL)."""
    sorgente = make_url(archivio.url).database
    assert sorgente
    crea_privato(destinazione)
    with sqlite3.connect(sorgente) as src, sqlite3.connect(destinazione) as dst:
        src.backup(dst)


def migra(archivio: Archivio, cifrario: Cifrario | None = None) -> tuple[str | None, str, Path | None]:
    """Create or migrate the schema to the latest revision.

    An existing SQLite file is copied aside before any migration runs: encrypted with ``cifrario``
    (``<db>.<when>.bak.fernet``, see :mod:`archivio.copie`), so that no copy in clear is left. Without a
    key the copy is in clear and removed once the migration succeeded (it stays only to recover from a
    failed one). Returns (revision before, revision after, path of the backup kept or None).
    """
    from alembic import command

    from archivio.copie import SUFFISSO_CIFRATO, copia_cifrata

    prima = revisione_corrente(archivio)
    finale = revisione_finale()
    backup: Path | None = None
    if prima == finale:
        return prima, finale, None
    if archivio.sqlite and prima is None and inspect(archivio.engine).get_table_names():
        raise RuntimeError("the database has tables but no migration history: refusing to touch it")
    db = make_url(archivio.url).database
    if archivio.sqlite and prima is not None and db and db != ":memory:":
        base = Path(db).with_name(f"{Path(db).name}.{adesso():%Y%m%d-%H%M%S}")
        if cifrario is not None:
            backup = copia_cifrata(archivio.url, base.with_name(base.name + SUFFISSO_CIFRATO), cifrario)
        else:
            backup = base.with_name(base.name + ".bak")
            copia_sqlite(archivio, backup)
    command.upgrade(_config_alembic(archivio), "head")
    if backup is not None and cifrario is None:
        backup.unlink()  # migrated: no plaintext copy of the stories is left behind
        backup = None
    return prima, finale, backup
