"""Issue 10, findings 5, 6, 7 and the duplicate receipt of 10: withdrawal erases everywhere (theme model
files, product-made backups, free pages), operators withdraw any story by its R- code, a lost key never
gets silently replaced nor stops the pipeline, and a receipt got by re-sending someone else's text
cancels only that submission."""

from __future__ import annotations

import pickle
import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import joblib
import pytest
from alembic import command
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from analisi.pipeline import Stadio, esegui
from analisi.stadi.temi import StadioTemi, rifai_temi
from analisi.temi.campione import carica_campione
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.copie import copie_di, decifra_copia
from archivio.db import Archivio, _config_alembic, copia_sqlite, migra
from archivio.impostazioni import Impostazioni
from archivio.racconti import NON_DECIFRABILE, NuovoRacconto
from archivio.tabelle import Audit, Racconto, StatoStadio
from archivio.tabelle_temi import ModelloTemiRiga
from raccolta.app import Limiti, crea_app
from raccolta.consenso import registra_consenso
from raccolta.invio import invia_racconto, ritira_racconto
from raccolta.operatore import ritira_per_conto
from raccolta.validazione import ErroreValidazione, valida_racconto
from tests.raccolta.aiuti import gettone, ricevuta
from tests.stadi_prova import AnonimizzaFinta

PAROLA = "zirconetta"
STORIA = (f"Durante il lockdown coltivavo sul balcone una piantina che chiamavo {PAROLA}, e la sera "
          "ascoltavo la radio. Avevo paura per mia madre che viveva lontano. Vorrei che il quartiere "
          "avesse più spazi per incontrarsi all'aperto e un servizio di ascolto per chi è solo.")


def _nuovo(testo: str, canale: str = "importazione") -> NuovoRacconto:
    return NuovoRacconto(testo=testo, canale=canale, versione_consenso="2020-1", consenso_citazione=True)


def _carica(archivio: Archivio, cifrario: Cifrario, testi: list[str]) -> list[str]:
    with archivio.transazione() as s:
        return [q.inserisci_racconto(s, _nuovo(t), cifrario).codice for t in testi]


def _in_chiaro(percorso: Path) -> bytes:
    """The bytes of a file as a reader would see them: theme models are compressed pickles, so the
    pickle of the loaded object (its strings) is searched, besides the raw bytes."""
    dati = percorso.read_bytes()
    if percorso.suffix == ".joblib":
        dati += pickle.dumps(joblib.load(percorso))
    return dati.lower()


def _file_con(cartella: Path, parola: str) -> list[str]:
    return sorted(str(p.relative_to(cartella)) for p in cartella.rglob("*")
                  if p.is_file() and parola.encode() in _in_chiaro(p))


# ----------------------------------------------------------------------------------- finding 5: erasure
def test_ogni_connessione_sqlite_cancella_in_modo_sicuro(archivio: Archivio) -> None:
    if not archivio.sqlite:
        pytest.skip("SQLite only")
    with archivio.engine.connect() as conn:
        assert conn.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_il_ritiro_cancella_il_modello_dei_temi_e_il_prossimo_elabora_lo_rifa(
        archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> None:
    imp = impostazioni.con(temi={"k": 4})
    stadi: list[Stadio] = [AnonimizzaFinta(), StadioTemi()]
    codici = _carica(archivio, cifrario, [STORIA, *[r["testo"] for r in carica_campione()[:24]]])
    esegui(archivio, imp, cifrario, stadi=stadi)
    rifai_temi(archivio, imp, k=4)  # a superseded model file from the first fit, and the active one
    cartella = imp.archivio.cartella_dati
    with archivio.lettura() as s:
        temi_prima = s.scalars(select(ModelloTemiRiga.temi_ids).where(ModelloTemiRiga.attivo.is_(True))).one()
    # sanity: the models hold the story's words (word forms of the preprocessor, quotes)
    assert any(p.startswith("modelli/") for p in _file_con(cartella, PAROLA))

    ritiro = ritira_per_conto(archivio, codici[0], operatore="otto", motivo="richiesta", cifrario=cifrario)
    assert ritiro is not None and ritiro.completo
    assert [p for p in _file_con(cartella, PAROLA) if p.startswith("modelli/")] == []  # at once
    r = esegui(archivio, imp, cifrario, stadi=stadi)
    assert r.elaborati["temi.v1"] == 24 and r.errori["temi.v1"] == 0  # refitted, every story reassigned
    assert _file_con(cartella, PAROLA) == []
    with archivio.lettura() as s:
        attivo = s.scalars(select(ModelloTemiRiga).where(ModelloTemiRiga.attivo.is_(True))).one()
        assert attivo.n_racconti == 24 and attivo.temi_ids != temi_prima
        file_modelli = sorted(p.name for p in (cartella / "modelli").iterdir())
        assert file_modelli == [Path(attivo.percorso).name]  # superseded files deleted
        assert s.scalar(select(func.count()).select_from(StatoStadio).where(
            StatoStadio.stadio == "temi", StatoStadio.stato == "fatto")) == 24


def test_un_racconto_mai_visibile_non_costa_un_nuovo_modello(archivio: Archivio, cifrario: Cifrario,
                                                             impostazioni: Impostazioni) -> None:
    imp = impostazioni.con(temi={"k": 4})
    _carica(archivio, cifrario, [r["testo"] for r in carica_campione()[:12]])
    esegui(archivio, imp, cifrario, stadi=[AnonimizzaFinta(), StadioTemi()])
    (nuovo,) = _carica(archivio, cifrario, [STORIA])  # not anonymised yet: in no model
    with archivio.lettura() as s:
        prima = s.scalars(select(ModelloTemiRiga.percorso)).all()
    assert ritira_per_conto(archivio, nuovo, operatore="otto", motivo="prova", cifrario=cifrario)
    assert all(Path(p).is_file() for p in prima)


def _vecchio_archivio(cartella: Path) -> Archivio:
    """A store at the previous schema revision, as an earlier release left it."""
    a = Archivio(f"sqlite:///{cartella / 'narrazioni.db'}")
    command.upgrade(_config_alembic(a), "0006")
    registra_consenso(a, "2020-1")
    return a


def test_le_copie_di_init_sono_cifrate_e_riscritte_dal_ritiro(tmp_path: Path) -> None:
    cifrario = Cifrario(Fernet.generate_key())
    a = _vecchio_archivio(tmp_path)
    with a.transazione() as s:  # columns of revision 0006 only
        consenso = s.scalar(text("SELECT id FROM consensi"))
        for codice, impronta in (("R-0000AAAA", "a"), ("R-0000BBBB", "b")):
            s.execute(text("INSERT INTO racconti (codice, canale, inviato_il, consenso_id, consenso_citazione, "
                           "impronta, parole, testo_anon, stato_anon, visibile) VALUES (:c, 'importazione', "
                           "'2026-01-01', :k, 1, :i, 10, :t, 'approvato', 1)"),
                      {"c": codice, "k": consenso, "i": impronta,
                       "t": (STORIA if codice == "R-0000AAAA" else "Un altro racconto qualunque.")})
    # a plaintext backup an earlier release left next to the database
    legacy = tmp_path / "narrazioni.db.20250101-000000.bak"
    copia_sqlite(a, legacy)
    _, _, backup = migra(a, cifrario)
    assert backup is not None and backup.name.endswith(".bak.fernet")
    assert PAROLA.encode() not in backup.read_bytes()
    ritiro = ritira_per_conto(a, "R-0000AAAA", operatore="ada", motivo="richiesta", cifrario=cifrario)
    assert ritiro is not None
    copie = copie_di(a.url)
    assert copie and all(c.name.endswith(".bak.fernet") for c in copie) and not legacy.exists()
    for c in copie:  # decrypted: the withdrawn story is in none, the other one is in all
        chiaro = decifra_copia(c, cifrario, tmp_path / f"{c.name}.db")
        assert PAROLA.encode() not in chiaro.read_bytes()
        with sqlite3.connect(chiaro) as conn:
            assert [r[0] for r in conn.execute("SELECT codice FROM racconti")] == ["R-0000BBBB"]
        chiaro.unlink()
    assert _file_con(tmp_path, PAROLA) == []
    a.chiudi()


def test_senza_chiave_le_copie_si_cancellano_invece_di_tenere_il_racconto(tmp_path: Path) -> None:
    cifrario = Cifrario(Fernet.generate_key())
    a = _vecchio_archivio(tmp_path)
    a.chiudi()
    a = Archivio(a.url)
    migra(a, cifrario)
    (codice,) = _carica(a, cifrario, [STORIA])
    assert copie_di(a.url)
    assert ritira_per_conto(a, codice, operatore="ada", motivo="prova", cifrario=None)
    assert copie_di(a.url) == []
    a.chiudi()


# ------------------------------------------------------------------- finding 6: withdrawal by R- code
def test_un_racconto_importato_si_ritira_dalla_riga_di_comando(archivio: Archivio, cifrario: Cifrario,
                                                              impostazioni: Impostazioni,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from narrazioni.cli import app

    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__CARTELLA_DATI", str(impostazioni.archivio.cartella_dati))
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__DATABASE_URL", impostazioni.url_database())
    codice, altro = _carica(archivio, cifrario, [STORIA, "Un altro racconto, di tutt'altro genere."])
    runner = CliRunner()
    senza_motivo = runner.invoke(app, ["ritira", codice])
    assert senza_motivo.exit_code != 0 and "motivo" in str(senza_motivo.exception)
    r = runner.invoke(app, ["ritira", codice.lower(), "--motivo", "Richiesta del narratore all'associazione",
                            "--chi", "ada"])
    assert r.exit_code == 0, r.output
    assert codice in r.output and "ritirato" in r.output
    assert runner.invoke(app, ["ritira", "R-FFFFFFFF", "--motivo", "x"]).exit_code != 0
    with archivio.lettura() as s:
        assert list(s.scalars(select(Racconto.codice))) == [altro]
        voce = s.scalars(select(Audit).where(Audit.azione == "racconto_ritirato")).one()
    assert (voce.chi, voce.oggetto) == ("ada", codice)
    assert voce.dettagli == {"canale": "importazione", "per_codice": True,
                             "motivo": "Richiesta del narratore all'associazione"}


def test_un_codice_che_non_e_ne_ricevuta_ne_codice_r(archivio: Archivio) -> None:
    with pytest.raises(ErroreValidazione):
        ritira_per_conto(archivio, "qualcosa", operatore="otto")


# ----------------------------------------------------------------------------- finding 7: a lost key
def test_init_non_crea_una_chiave_nuova_per_testi_cifrati(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from narrazioni.cli import app

    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__CARTELLA_DATI", str(tmp_path / "dati"))
    monkeypatch.delenv("NARRAZIONI_ARCHIVIO__DATABASE_URL", raising=False)
    monkeypatch.delenv("NARRAZIONI_ARCHIVIO__FILE_CHIAVE", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    chiave = tmp_path / "dati" / "chiave.fernet"
    a = Archivio(f"sqlite:///{tmp_path / 'dati' / 'narrazioni.db'}")
    _carica(a, Cifrario.da_file(chiave), [STORIA])
    a.chiudi()
    chiave.rename(tmp_path / "altrove.fernet")
    r = runner.invoke(app, ["init"])
    assert r.exit_code != 0
    messaggio = str(r.exception)
    assert "1 testi cifrati" in messaggio and str(chiave) in messaggio
    assert "NARRAZIONI_ARCHIVIO__FILE_CHIAVE" in messaggio
    assert not chiave.exists()  # no new key was made


def test_un_racconto_non_decifrabile_e_isolato_e_stato_lo_dice(archivio: Archivio, cifrario: Cifrario,
                                                               impostazioni: Impostazioni,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from narrazioni.cli import app

    altra_chiave = Cifrario(Fernet.generate_key())
    _carica(archivio, cifrario, ["Primo racconto leggibile, sul lockdown e la spesa."])
    _carica(archivio, altra_chiave, ["Racconto cifrato con una chiave che non c'è più."])
    _carica(archivio, cifrario, ["Terzo racconto leggibile, sulla scuola a distanza."])
    r = esegui(archivio, impostazioni, cifrario)
    assert r.elaborati["anonimizza.v1"] == 2 and r.errori["anonimizza.v1"] == 1
    assert r.elaborati["frasi.v1"] == 2
    with archivio.lettura() as s:
        assert s.scalars(select(StatoStadio.messaggio).where(StatoStadio.stato == "errore")).all() == [NON_DECIFRABILE]
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__CARTELLA_DATI", str(impostazioni.archivio.cartella_dati))
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__DATABASE_URL", impostazioni.url_database())
    monkeypatch.setenv("NARRAZIONI_ELABORAZIONE__STADI", '["tests.stadi_prova:AnonimizzaFinta", "frasi.v1"]')
    out = CliRunner().invoke(app, ["stato"])
    assert out.exit_code == 0, out.output
    assert "1 racconti non si possono decifrare" in out.output
    assert "anonimizza.v1: 1 stories failed: testo non decifrabile" in " ".join(out.output.split())


# ----------------------------------------------------------------- finding 10: a duplicate sender
def test_chi_rimanda_un_testo_altrui_ritira_solo_il_proprio_invio(archivio: Archivio, cifrario: Cifrario,
                                                                  impostazioni: Impostazioni) -> None:
    app = crea_app(impostazioni, archivio, cifrario, limiti=Limiti(ritardo_ritiro_secondi=0))
    with TestClient(app) as narratrice, TestClient(app) as estraneo:
        def invia(c: TestClient) -> str:
            return ricevuta(c.post("/invia", data={"csrf": gettone(c.get("/").text), "testo": STORIA,
                                                   "consenso": "sì"}).text)

        def ritira(c: TestClient, codice: str) -> None:
            r = c.post("/ritira", data={"csrf": gettone(c.get("/ritira").text), "codice": codice, "conferma": "sì"})
            assert r.status_code == 200

        prima = invia(narratrice)
        copia = invia(estraneo)  # someone who knows the text sends it again within the window
        assert prima != copia
        with archivio.lettura() as s:
            assert s.scalar(select(func.count()).select_from(Racconto)) == 1
        ritira(estraneo, copia)
        with archivio.lettura() as s:  # the first narrator's story survives
            assert s.scalar(select(func.count()).select_from(Racconto)) == 1
            assert s.scalars(select(Audit.azione)).all() == ["ricevuta_duplicata_ritirata"]
        assert ritira_racconto(archivio, copia) is None  # that receipt is spent
        ritira(narratrice, prima)
        with archivio.lettura() as s:
            assert s.scalar(select(func.count()).select_from(Racconto)) == 0


def test_il_doppio_clic_della_stessa_persona_resta_ritirabile(archivio: Archivio, cifrario: Cifrario) -> None:
    nuovo = valida_racconto({"testo": STORIA, "consenso": "sì"}, associazioni=set(), canale="modulo",
                            versione_consenso="2020-1")
    a = invia_racconto(archivio, cifrario, replace(nuovo, mittente="m" * 64), finestra_duplicati=timedelta(minutes=10))
    b = invia_racconto(archivio, cifrario, replace(nuovo, mittente="m" * 64), finestra_duplicati=timedelta(minutes=10))
    assert b.duplicato and a.codice_racconto == b.codice_racconto
    ritiro = ritira_racconto(archivio, b.codice)
    assert ritiro is not None and ritiro.completo
    with archivio.lettura() as s:
        assert s.scalar(select(func.count()).select_from(Racconto)) == 0


def test_migrazione_0007_avanti_e_indietro(tmp_path: Path) -> None:
    """Existing extra receipts become partial (nobody erases another narrator's story); the full-text
    triggers on racconti survive both directions."""
    a = _vecchio_archivio(tmp_path)
    cfg = _config_alembic(a)
    with a.transazione() as s:
        consenso = s.scalar(text("SELECT id FROM consensi"))
        s.execute(text("INSERT INTO racconti (id, codice, canale, inviato_il, consenso_id, consenso_citazione, "
                       "impronta, parole, stato_anon, visibile) VALUES (1, 'R-0000AAAA', 'modulo', '2026-01-01', "
                       ":k, 0, 'x', 3, 'in_attesa', 0)"), {"k": consenso})
        s.execute(text("INSERT INTO ricevute (ricevuta_hash, racconto_id) VALUES ('h', 1)"))
    inneschi = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
    command.upgrade(cfg, "head")
    with a.engine.connect() as conn:
        assert conn.execute(text("SELECT completa FROM ricevute")).scalar() == 0
        assert conn.execute(text(inneschi)).scalar() == 3
    command.downgrade(cfg, "0006")
    with a.engine.connect() as conn:
        assert conn.execute(text(inneschi)).scalar() == 3
    a.chiudi()
