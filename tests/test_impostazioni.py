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
    assert (imp.elaborazione.lotto, imp.servizio.porta_modulo, imp.elaborazione.stadi) == (11, 9100, ["frasi.v1"])
    assert carica_impostazioni(lotto=3).lotto == 3
    monkeypatch.setenv("NARRAZIONI_LOTTO", "0")
    with pytest.raises(ValidationError):
        carica_impostazioni()


def test_valori_derivati(tmp_path: Path) -> None:
    imp = Impostazioni(cartella_dati=tmp_path)
    assert imp.url_database() == f"sqlite:///{tmp_path.resolve() / 'narrazioni.db'}"
    assert imp.percorso_chiave() == tmp_path / "chiave.fernet"
    assert Impostazioni(database_url="postgresql+psycopg://x@y/z").url_database().startswith("postgresql")


def test_predefiniti_da_una_sola_fonte() -> None:
    from analisi.stadi.temi import ImpostazioniTemi
    from raccolta.app import Limiti, limiti_da_impostazioni

    imp = Impostazioni()
    assert Limiti() == limiti_da_impostazioni(imp)
    assert Limiti().invii_max == imp.modulo.invii_max and Limiti().max_byte == imp.modulo.max_byte
    assert ImpostazioniTemi() == ImpostazioniTemi.da(imp)
    assert ImpostazioniTemi.da(Impostazioni(temi_k=7, temi_lemmi="pipeline")).k == 7


def test_hash_della_configurazione_copre_ogni_impostazione_tranne_segreti_e_percorsi(tmp_path: Path) -> None:
    from analisi.pipeline import hash_configurazione
    from archivio.impostazioni import NON_REGISTRATI, configurazione_da_registrare

    base = Impostazioni()
    assert set(configurazione_da_registrare(base)) == set(Impostazioni.model_fields) - NON_REGISTRATI
    assert {"database_url", "file_chiave"} <= NON_REGISTRATI
    h = hash_configurazione(base, [])
    assert hash_configurazione(Impostazioni(cartella_dati=tmp_path, database_url="sqlite:///x.db"), []) == h
    diversi = {"temi_algoritmo": "lda", "temi_k": 8, "temi_k_min": 3, "temi_k_max": 9, "temi_seme": 1,
               "temi_parole_dominio": ["asl"], "temi_parole_extra": ["comune"], "temi_file_semi": tmp_path / "s.toml",
               "temi_min_racconti": 20, "temi_lemmi": "pipeline", "temi_soglia_minibatch": 100,
               "figure_pubbliche": ["Mario Draghi"], "tassonomia_piano": tmp_path / "t.toml", "modello_lingua": "x"}
    assert {c for c in Impostazioni.model_fields if c.startswith("temi_")} <= set(diversi)
    for campo, valore in diversi.items():
        assert hash_configurazione(Impostazioni(**{campo: valore}), []) != h, campo
