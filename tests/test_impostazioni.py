from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from archivio.impostazioni import Impostazioni, carica_impostazioni
from tests.conftest import RADICE


def test_ogni_impostazione_documentata_nel_readme() -> None:
    readme = (RADICE / "README.md").read_text(encoding="utf-8")
    documentate = set(re.findall(r"`NARRAZIONI_([A-Z_]+)`", readme))
    campi = {nome.upper() for nome in Impostazioni.model_fields}
    assert campi - documentate == set(), "settings missing from README's table"
    altre_variabili = {"CONFIG", "TEST_DB", "PASSWORD", "DEMO_PASSWORD", "CI"}
    assert documentate - campi - altre_variabili == set(), "README documents unknown settings"


def test_fonti_in_ordine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "n.toml"
    toml.write_text('lotto = 11\nporta_modulo = 9000\nstadi = ["frasi.v1"]\n')
    monkeypatch.setenv("NARRAZIONI_CONFIG", str(toml))
    monkeypatch.setenv("NARRAZIONI_PORTA_MODULO", "9100")
    imp = carica_impostazioni()
    assert (imp.lotto, imp.porta_modulo, imp.stadi) == (11, 9100, ["frasi.v1"])
    assert carica_impostazioni(lotto=3).lotto == 3
    monkeypatch.setenv("NARRAZIONI_LOTTO", "0")
    with pytest.raises(ValidationError):
        carica_impostazioni()


def test_valori_derivati(tmp_path: Path) -> None:
    imp = Impostazioni(cartella_dati=tmp_path)
    assert imp.url_database() == f"sqlite:///{tmp_path.resolve() / 'narrazioni.db'}"
    assert imp.percorso_chiave() == tmp_path / "chiave.fernet"
    assert Impostazioni(database_url="postgresql+psycopg://x@y/z").url_database().startswith("postgresql")
