"""Shared fixtures. The store runs on SQLite, and on PostgreSQL when NARRAZIONI_TEST_DB names one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from archivio.cifratura import Cifrario, crea_chiave
from archivio.db import Archivio, migra
from archivio.impostazioni import Impostazioni
from raccolta.consenso import registra_consenso

RADICE = Path(__file__).resolve().parent.parent
SHARED = RADICE.parent / "shared"


# Test tiers. The quick default for development leaves out the tests marked ``lento`` (subprocesses, SIGKILL,
# the browser, training). They run when NARRAZIONI_CI is set (scripts/test.sh, which CI runs, sets it), when a
# marker expression is given (``-m lento``, ``-m "lento or not lento"``) or when tests are named by node id.
_LENTI_TOLTI: list[pytest.Item] = []


def _tutti_i_livelli(config: pytest.Config) -> bool:
    return bool(os.environ.get("NARRAZIONI_CI") or config.option.markexpr
                or any("::" in str(a) for a in config.args))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _tutti_i_livelli(config):
        return
    lenti = [i for i in items if i.get_closest_marker("lento")]
    if lenti:
        config.hook.pytest_deselected(items=lenti)
        items[:] = [i for i in items if not i.get_closest_marker("lento")]
        _LENTI_TOLTI.extend(lenti)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _LENTI_TOLTI:
        terminalreporter.write_line(f"{len(_LENTI_TOLTI)} slow tests (lento) left out: run them with -m lento, "
                                    "or everything with NARRAZIONI_CI=1 (scripts/test.sh does)")


def _svuota_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def url_db(tmp_path: Path) -> str:
    url = os.environ.get("NARRAZIONI_TEST_DB")
    if url:
        _svuota_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'dati' / 'narrazioni.db'}"


@pytest.fixture
def impostazioni(tmp_path: Path, url_db: str) -> Impostazioni:
    return Impostazioni(archivio={"cartella_dati": tmp_path / "dati", "database_url": url_db},
                        elaborazione={"stadi": ["tests.stadi_prova:AnonimizzaFinta", "frasi.v1"], "lotto": 7})


@pytest.fixture
def archivio(impostazioni: Impostazioni) -> Iterator[Archivio]:
    a = Archivio(impostazioni.url_database())
    migra(a)
    registra_consenso(a, impostazioni.modulo.versione_consenso)
    yield a
    a.chiudi()


@pytest.fixture
def cifrario(impostazioni: Impostazioni) -> Cifrario:
    crea_chiave(impostazioni.percorso_chiave())
    return Cifrario.da_file(impostazioni.percorso_chiave())
