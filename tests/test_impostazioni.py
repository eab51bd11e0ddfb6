from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from archivio import impostazioni as modulo_impostazioni
from archivio.errori import ErroreConfigurazione
from archivio.impostazioni import (
    NOMI_VECCHI,
    SEZIONI,
    Impostazioni,
    ImpostazioniNonValide,
    campi_foglia,
    carica_impostazioni,
    nome_variabile,
)
from tests.conftest import RADICE


def _valori_diversi(tmp_path: Path) -> dict[str, Any]:
    """A valid value different from the default for every leaf field."""
    return {
        "archivio.cartella_dati": tmp_path / "d", "archivio.database_url": "sqlite:///x.db",
        "archivio.file_chiave": tmp_path / "k.fernet", "archivio.file_ritirati": tmp_path / "r.txt",
        "elaborazione.stadi": ["frasi.v1"], "elaborazione.processi": 2, "elaborazione.lotto": 10,
        "elaborazione.modello_lingua": "narrazioni",
        "anonimizzazione.figure_pubbliche": ["Mario Draghi"], "anonimizzazione.soglia_rischio_nome": 0.5,
        "conservazione.giorni": 30, "codifica.riaddestra_ogni": 5,
        "piano.tassonomia": tmp_path / "t.toml", "piano.soglia_area": 0.6, "esporta.soglia_modello": 0.9,
        "temi.algoritmo": "lda", "temi.k": 8, "temi.k_min": 3, "temi.k_max": 9, "temi.seme": 1,
        "temi.parole_dominio": ["asl"], "temi.parole_extra": ["comune"], "temi.file_semi": tmp_path / "s.toml",
        "temi.min_racconti": 20, "temi.lemmi": "pipeline", "temi.soglia_minibatch": 100,
        "modulo.versione_consenso": "2025-1", "modulo.invii_max": 5, "modulo.ritiri_max": 3,
        "modulo.finestra_limiti_secondi": 60, "modulo.max_byte": 2048, "modulo.finestra_duplicati_minuti": 0,
        "modulo.durata_gettone_ore": 2, "modulo.ritardo_ritiro_secondi": 0.0, "modulo.url_pubblico": "https://x.it/",
        "servizio.host": "0.0.0.0", "servizio.porta_modulo": 9000, "servizio.porta_dashboard": 9001,
        "servizio.intervallo_secondi": 1.0,
        "sicurezza.proxy_fidati": ["127.0.0.1"], "sicurezza.sessione_minuti": 30, "sicurezza.tentativi_login": 3,
        "sicurezza.tentativi_login_globali": 20,
    }


def _con(voce: str, valore: Any) -> Impostazioni:
    sezione, _, campo = voce.partition(".")
    return Impostazioni(**{sezione: {campo: valore}})


def _leggi(imp: Impostazioni, voce: str) -> Any:
    sezione, _, campo = voce.partition(".")
    return getattr(getattr(imp, sezione), campo)


def _come_variabile(valore: Any) -> str:
    return json.dumps(valore) if isinstance(valore, list) else str(valore)


@pytest.fixture
def ambiente_pulito(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for nome in list(os.environ):
        if nome.startswith("NARRAZIONI_"):
            monkeypatch.delenv(nome)
    monkeypatch.chdir(tmp_path)  # no ./narrazioni.toml
    return monkeypatch


def test_ogni_impostazione_documentata_nel_readme() -> None:
    readme = (RADICE / "README.md").read_text(encoding="utf-8")
    documentate = set(re.findall(r"`NARRAZIONI_([A-Z_]+)`", readme))
    campi = {nome_variabile(*voce.split(".")).removeprefix("NARRAZIONI_") for voce in campi_foglia()}
    assert campi - documentate == set(), "settings missing from README's table"
    altre_variabili = {"CONFIG", "TEST_DB", "PASSWORD", "DEMO_PASSWORD", "CI"}
    vecchie = {v.upper() for v in NOMI_VECCHI}  # named only as examples of the deprecated spelling
    assert documentate & vecchie <= {"TEMI_K", "CARTELLA_DATI"}
    assert documentate - campi - altre_variabili - vecchie == set(), "README documents unknown settings"


def test_ogni_campo_dichiarato_una_volta_con_descrizione_e_un_nome_vecchio(tmp_path: Path) -> None:
    foglie = campi_foglia()
    assert len(foglie) == len(set(foglie)) == len(_valori_diversi(tmp_path))
    assert set(_valori_diversi(tmp_path)) == set(foglie)
    for sezione, modello in SEZIONI.items():
        for campo, info in modello.model_fields.items():
            assert info.description, f"{sezione}.{campo} has no description"
    assert sorted(f"{s}.{c}" for s, c in NOMI_VECCHI.values()) == sorted(foglie)  # one old name per leaf
    for vecchio, (sezione, campo) in NOMI_VECCHI.items():  # the old name is the field, or section_field
        assert vecchio in {campo, f"{sezione}_{campo}"} or (vecchio, sezione, campo) == (
            "tassonomia_piano", "piano", "tassonomia"), vecchio


def test_fonti_in_ordine(tmp_path: Path, ambiente_pulito: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "n.toml"
    toml.write_text('[elaborazione]\nlotto = 11\nstadi = ["frasi.v1"]\n[servizio]\nporta_modulo = 9000\n')
    ambiente_pulito.setenv("NARRAZIONI_CONFIG", str(toml))
    ambiente_pulito.setenv("NARRAZIONI_SERVIZIO__PORTA_MODULO", "9100")
    imp = carica_impostazioni()
    assert (imp.elaborazione.lotto, imp.servizio.porta_modulo, imp.elaborazione.stadi) == (11, 9100, ["frasi.v1"])
    assert carica_impostazioni(elaborazione={"lotto": 3}).elaborazione.lotto == 3
    assert imp.temi.k is None and imp.elaborazione.processi == 0  # the rest of a section keeps its defaults
    ambiente_pulito.setenv("NARRAZIONI_ELABORAZIONE__LOTTO", "0")
    with pytest.raises(ImpostazioniNonValide):
        carica_impostazioni()


@pytest.mark.parametrize("vecchio", sorted(NOMI_VECCHI))
def test_nome_vecchio_e_nome_nuovo_danno_le_stesse_impostazioni(
        vecchio: str, tmp_path: Path, ambiente_pulito: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    sezione, campo = NOMI_VECCHI[vecchio]
    valore = _valori_diversi(tmp_path)[f"{sezione}.{campo}"]
    nuovo = nome_variabile(sezione, campo)
    predefinite = Impostazioni()
    ambiente_pulito.setenv(nuovo, _come_variabile(valore))
    con_nuovo = carica_impostazioni()
    ambiente_pulito.delenv(nuovo)
    ambiente_pulito.setenv(f"NARRAZIONI_{vecchio.upper()}", _come_variabile(valore))
    modulo_impostazioni._avvisati.discard(f"NARRAZIONI_{vecchio.upper()}")
    with caplog.at_level(logging.WARNING, logger="archivio.impostazioni"):
        con_vecchio = carica_impostazioni()
    assert con_vecchio == con_nuovo != predefinite
    assert _leggi(con_vecchio, f"{sezione}.{campo}") == valore
    assert f"NARRAZIONI_{vecchio.upper()} is deprecated: use {nuovo}" in caplog.text


def test_nome_vecchio_avvisa_e_cede_al_nuovo(tmp_path: Path, ambiente_pulito: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture) -> None:
    modulo_impostazioni._avvisati.discard("NARRAZIONI_TEMI_K")
    ambiente_pulito.setenv("NARRAZIONI_TEMI_K", "7")
    with caplog.at_level(logging.WARNING, logger="archivio.impostazioni"):
        assert carica_impostazioni().temi.k == 7
    assert "NARRAZIONI_TEMI_K is deprecated: use NARRAZIONI_TEMI__K" in caplog.text
    ambiente_pulito.setenv("NARRAZIONI_TEMI__K", "9")
    assert carica_impostazioni().temi.k == 9  # the new name wins


def test_file_toml_con_chiavi_vecchie(tmp_path: Path, ambiente_pulito: pytest.MonkeyPatch) -> None:
    vecchio, nuovo = tmp_path / "vecchio.toml", tmp_path / "nuovo.toml"
    vecchio.write_text('lotto = 11\ntemi_k = 6\nporta_modulo = 9000\nconservazione_giorni = 30\n')
    nuovo.write_text('[elaborazione]\nlotto = 11\n[temi]\nk = 6\n[servizio]\nporta_modulo = 9000\n'
                     '[conservazione]\ngiorni = 30\n')
    predefinite = Impostazioni()
    ambiente_pulito.setenv("NARRAZIONI_CONFIG", str(vecchio))
    da_vecchio = carica_impostazioni()
    ambiente_pulito.setenv("NARRAZIONI_CONFIG", str(nuovo))
    assert da_vecchio == carica_impostazioni() != predefinite
    ambiente_pulito.setenv("NARRAZIONI_CONFIG", str(vecchio))
    ambiente_pulito.setenv("NARRAZIONI_LOTTO", "12")  # the environment (even under an old name) beats the file
    assert carica_impostazioni().elaborazione.lotto == 12


def test_valore_non_valido_errore_italiano_con_il_nome_della_variabile(ambiente_pulito: pytest.MonkeyPatch) -> None:
    ambiente_pulito.setenv("NARRAZIONI_ELABORAZIONE__LOTTO", "0")
    ambiente_pulito.setenv("NARRAZIONI_TEMI_ALGORITMO", "kmeans")
    with pytest.raises(ErroreConfigurazione) as e:
        carica_impostazioni()
    assert str(e.value) == ("impostazioni non valide: NARRAZIONI_ELABORAZIONE__LOTTO ('0'): deve essere almeno 1; "
                            "NARRAZIONI_TEMI_ALGORITMO ('kmeans'): deve essere uno di: 'nmf' o 'lda'")
    ambiente_pulito.delenv("NARRAZIONI_ELABORAZIONE__LOTTO")
    ambiente_pulito.delenv("NARRAZIONI_TEMI_ALGORITMO")
    ambiente_pulito.setenv("NARRAZIONI_SICUREZZA__PROXY_FIDATI", "127.0.0.1")
    with pytest.raises(ImpostazioniNonValide, match=r"NARRAZIONI_SICUREZZA__PROXY_FIDATI \('127.0.0.1'\): "
                                                    r"deve essere una lista JSON"):
        carica_impostazioni()


def test_file_toml_mancante_o_illeggibile(tmp_path: Path, ambiente_pulito: pytest.MonkeyPatch) -> None:
    ambiente_pulito.setenv("NARRAZIONI_CONFIG", str(tmp_path / "manca.toml"))
    with pytest.raises(ImpostazioniNonValide, match=r"NARRAZIONI_CONFIG indica .*manca\.toml', che non è un file"):
        carica_impostazioni()
    rotto = tmp_path / "rotto.toml"
    rotto.write_text("[temi\nk = 5\n")
    ambiente_pulito.setenv("NARRAZIONI_CONFIG", str(rotto))
    with pytest.raises(ImpostazioniNonValide, match=r"il file TOML .*rotto\.toml non si legge"):
        carica_impostazioni()
    rotto.write_text("[temi]\nk = 1\n[sconosciuta]\nx = 1\n")
    with pytest.raises(ImpostazioniNonValide) as e:
        carica_impostazioni()
    assert str(e.value) == ("impostazioni non valide: temi.k (1): deve essere almeno 2; "
                            "sconosciuta: impostazione sconosciuta")


def test_cli_impostazione_non_valida_una_riga_senza_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARRAZIONI_")}
    env.update(PYTHONPATH=str(RADICE), NARRAZIONI_ARCHIVIO__CARTELLA_DATI=str(tmp_path / "dati"),
               NARRAZIONI_MODULO__MAX_BYTE="molti")
    r = subprocess.run([sys.executable, "-m", "narrazioni", "stato"], env=env, cwd=tmp_path, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr + r.stdout
    assert r.stderr.strip() == ("errore: impostazioni non valide: NARRAZIONI_MODULO__MAX_BYTE ('molti'): "
                                "deve essere un numero intero")


def test_valori_derivati(tmp_path: Path) -> None:
    imp = Impostazioni(archivio={"cartella_dati": tmp_path})
    assert imp.url_database() == f"sqlite:///{tmp_path.resolve() / 'narrazioni.db'}"
    assert imp.percorso_chiave() == tmp_path / "chiave.fernet"
    url = "postgresql+psycopg://x@y/z"
    assert Impostazioni(archivio={"database_url": url}).url_database().startswith("postgresql")
    copia = imp.con(elaborazione={"lotto": 5})
    assert (copia.elaborazione.lotto, copia.archivio, imp.elaborazione.lotto) == (5, imp.archivio, 50)
    with pytest.raises(ValueError):
        imp.con(elaborazione={"lotto": 0})  # a copy is validated too


def test_predefiniti_da_una_sola_fonte() -> None:
    from analisi.esporta import selezione
    from analisi.servizio import Lavoratore
    from analisi.stadi import temi as stadio_temi
    from archivio.utenti import LimitiLogin
    from raccolta.app import Limiti, limiti_da_impostazioni

    imp = Impostazioni()
    assert Limiti() == limiti_da_impostazioni(imp)
    assert Limiti().invii_max == imp.modulo.invii_max and Limiti().max_byte == imp.modulo.max_byte
    assert not hasattr(stadio_temi, "ImpostazioniTemi")  # the themes stage reads imp.temi itself: no copy
    assert LimitiLogin() == LimitiLogin(imp.sicurezza.tentativi_login, imp.sicurezza.tentativi_login_globali)
    assert Lavoratore.__dataclass_fields__["intervallo"].default == imp.servizio.intervallo_secondi
    assert (imp.esporta.soglia_modello, imp.piano.soglia_area) == (selezione.SOGLIA_MODELLO, selezione.SOGLIA_AREA)


def test_hash_della_configurazione_copre_ogni_impostazione_tranne_segreti_e_percorsi(tmp_path: Path) -> None:
    from analisi.pipeline import hash_configurazione as hash_di
    from analisi.pipeline import stadi_configurati
    from archivio.impostazioni import NON_REGISTRATI, configurazione_da_registrare

    def hash_configurazione(imp: Impostazioni, _: list[Any]) -> str:  # with the stages it names, resolved
        return hash_di(imp, stadi_configurati(imp))

    base = Impostazioni()
    registrate = {f"{s}.{c}" for s, campi in configurazione_da_registrare(base).items() for c in campi}
    assert registrate == set(campi_foglia()) - NON_REGISTRATI
    assert {f"archivio.{c}" for c in SEZIONI["archivio"].model_fields} == NON_REGISTRATI  # locations, the URL
    h = hash_configurazione(base, [])
    diversi = _valori_diversi(tmp_path)
    for voce in NON_REGISTRATI:
        assert hash_configurazione(_con(voce, diversi[voce]), []) == h, voce
    assert hash_configurazione(Impostazioni(archivio={"cartella_dati": tmp_path, "database_url": "sqlite:///x.db",
                                                      "file_chiave": tmp_path / "k"}), []) == h
    for voce in set(campi_foglia()) - NON_REGISTRATI:
        assert hash_configurazione(_con(voce, diversi[voce]), []) != h, voce
