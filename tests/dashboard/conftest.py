"""Fixtures of the dashboard tests: a processed store (built once, copied for every test), and AppTest
logged in with a given role."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from archivio.cifratura import Cifrario, crea_chiave
from archivio.db import Archivio, migra
from archivio.impostazioni import Impostazioni, carica_impostazioni
from raccolta.consenso import registra_consenso
from tests.conftest import RADICE
from tests.dashboard.popola import PASSWORD, Dati, popola


@dataclass
class Ambiente:
    """A copy of the processed store for one test: its settings, store, key and what was loaded."""

    impostazioni: Impostazioni
    archivio: Archivio
    cifrario: Cifrario
    dati: Dati


def _crea(cartella: Path) -> tuple[Impostazioni, Dati]:
    imp = carica_impostazioni(archivio={"cartella_dati": cartella,
                                         "database_url": f"sqlite:///{cartella / 'narrazioni.db'}"})
    a = Archivio(imp.url_database())
    migra(a)
    registra_consenso(a, imp.modulo.versione_consenso)
    crea_chiave(imp.percorso_chiave())
    d = popola(a, Cifrario.da_file(imp.percorso_chiave()))
    with a.engine.connect() as conn:  # fold the WAL in: the file alone is the whole database
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    a.chiudi()
    return imp, d


@pytest.fixture(scope="session")
def _modello(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Dati]:
    cartella = tmp_path_factory.mktemp("modello_dashboard") / "dati"
    _, d = _crea(cartella)
    return cartella, d


@pytest.fixture
def ambiente(_modello: tuple[Path, Dati], tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Ambiente]:
    sorgente, d = _modello
    cartella = tmp_path / "dati"
    shutil.copytree(sorgente, cartella, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    imp = carica_impostazioni(archivio={"cartella_dati": cartella,
                                         "database_url": f"sqlite:///{cartella / 'narrazioni.db'}"})
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__CARTELLA_DATI", str(cartella))
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__DATABASE_URL", imp.url_database())
    st.cache_resource.clear()
    st.cache_data.clear()
    a = Archivio(imp.url_database())
    yield Ambiente(imp, a, Cifrario.da_file(imp.percorso_chiave()), d)
    a.chiudi()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def dati(ambiente: Ambiente) -> Dati:
    return ambiente.dati


def nuova_app(file: str = "dashboard.py") -> AppTest:
    return AppTest.from_file(str(RADICE / file), default_timeout=60)


def accedi(at: AppTest, nome: str, password: str = PASSWORD) -> AppTest:
    at.run()
    at.text_input[0].input(nome)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


@pytest.fixture
def app(ambiente: Ambiente) -> Callable[[str | None], AppTest]:
    """``app("anna")``: a dashboard logged in as that user (None: anonymous)."""

    def crea(nome: str | None) -> AppTest:
        at = nuova_app()
        if nome is None:
            return at.run()
        return accedi(at, nome)

    return crea
