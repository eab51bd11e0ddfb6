"""Store tests: they run on SQLite and again on PostgreSQL when NARRAZIONI_TEST_DB is set."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, text

from analisi.anonimizzazione.tipi import Span
from archivio import racconti as q
from archivio import tabelle as m
from archivio.cifratura import Cifrario, ErroreChiave
from archivio.db import Archivio, migra, revisione_corrente, revisione_finale
from archivio.racconti import ErroreArchivio, NuovaFrase, NuovoRacconto
from archivio.tabelle import Audit, Codice, Entita, Frase, Racconto, Revisione, StatoStadio
from archivio.tempo import adesso
from archivio.utenti import (
    SCONOSCIUTO,
    ErroreAccessoBloccato,
    ErroreUtente,
    LimitiLogin,
    UtenteInfo,
    aggiungi_utente,
    elenco_utenti,
    verifica_login,
)
from tests.raccolta.aiuti import dove_compare


def _nuovo(testo: str = "Durante il lockdown facevo la spesa per i vicini.", **kw: object) -> NuovoRacconto:
    return NuovoRacconto(testo=testo, canale="modulo", versione_consenso="2020-1", **kw)  # type: ignore[arg-type]


def test_migrazione_crea_tutte_le_tabelle(archivio: Archivio) -> None:
    tabelle = set(inspect(archivio.engine).get_table_names())
    attese = {"associazioni", "consensi", "racconti", "testi_grezzi", "stati_stadio", "frasi", "codici",
              "temi", "assegnazioni_tema", "esecuzioni", "utenti", "audit", "entita", "revisioni", "tentativi"}
    assert attese <= tabelle
    assert revisione_corrente(archivio) == revisione_finale()
    assert migra(archivio)[2] is None  # already at head: nothing to do, no backup


def test_sqlite_in_wal_con_chiavi_esterne(archivio: Archivio) -> None:
    if not archivio.sqlite:
        pytest.skip("SQLite only")
    with archivio.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_backup_del_file_sqlite_prima_di_migrare_cifrato(tmp_path: Path) -> None:
    from alembic import command

    from archivio.copie import decifra_copia
    from archivio.db import _config_alembic

    cifrario = Cifrario(Fernet.generate_key())
    url = f"sqlite:///{tmp_path / 'vecchio.db'}"
    a = Archivio(url)
    command.upgrade(_config_alembic(a), "0001")
    with a.transazione() as s:
        q.assicura_associazione(s, "Centro Anziani Il Glicine")
    prima, dopo, backup = migra(a, cifrario)
    assert (prima, dopo) == ("0001", revisione_finale())
    assert backup is not None and backup.exists() and backup.name.endswith(".bak.fernet")
    # the copy the product leaves holds nothing in clear, and only its owner can read it
    assert b"Glicine" not in backup.read_bytes()
    assert backup.stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in tmp_path.iterdir() if ".bak" in p.name) == [backup.name]
    ripristinato = decifra_copia(backup, cifrario, tmp_path / "ripristinato.db")
    with sqlite3.connect(ripristinato) as conn:
        assert conn.execute("select nome from associazioni").fetchall() == [("Centro Anziani Il Glicine",)]
        assert conn.execute("select version_num from alembic_version").fetchone() == ("0001",)
    a.chiudi()


def test_senza_chiave_nessuna_copia_in_chiaro_dopo_la_migrazione(tmp_path: Path) -> None:
    from alembic import command

    from archivio.db import _config_alembic

    a = Archivio(f"sqlite:///{tmp_path / 'vecchio.db'}")
    command.upgrade(_config_alembic(a), "0001")
    with a.transazione() as s:
        q.assicura_associazione(s, "Centro Anziani Il Glicine")
    assert migra(a)[2] is None
    assert [p.name for p in tmp_path.iterdir() if ".bak" in p.name] == []
    a.chiudi()


def test_testo_grezzo_cifrato_e_separato(archivio: Archivio, cifrario: Cifrario) -> None:
    testo = "Mia figlia Giulia mi chiamava ogni sera al 333 1234567."
    with archivio.transazione() as s:
        r = q.inserisci_racconto(s, _nuovo(testo), cifrario)
        rid = r.id
    with archivio.lettura() as s:
        grezzo = s.get(m.TestoGrezzo, rid)
        assert grezzo is not None and grezzo.testo_cifrato is not None
        assert b"Giulia" not in grezzo.testo_cifrato
        assert cifrario.decifra(grezzo.testo_cifrato) == testo
        racconto = s.get(Racconto, rid)
        assert racconto is not None and racconto.testo_anon is None and not racconto.visibile
        assert racconto.codice.startswith("R-")
        # without the key nobody reads it
        altro = Cifrario(Fernet.generate_key())
        with pytest.raises(ErroreChiave):
            altro.decifra(grezzo.testo_cifrato)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(testo=st.text(min_size=1, max_size=2000))
def test_andata_e_ritorno_del_testo(archivio: Archivio, cifrario: Cifrario, testo: str) -> None:
    testo = testo.replace("\x00", "")  # PostgreSQL text cannot hold NUL; validation strips it earlier
    with archivio.transazione() as s:
        rid = q.inserisci_racconto(s, _nuovo(testo), cifrario).id
    with archivio.lettura() as s:
        lotto = q.carica_lotto(s, [rid], cifrario)
    assert lotto[0].testo == testo


def test_consenso_e_associazione_sconosciuti_rifiutati(archivio: Archivio, cifrario: Cifrario) -> None:
    with pytest.raises(ErroreArchivio), archivio.transazione() as s:
        q.inserisci_racconto(s, NuovoRacconto(testo="x" * 30, canale="modulo", versione_consenso="nessuna"),
                             cifrario)
    with pytest.raises(ErroreArchivio), archivio.transazione() as s:
        q.inserisci_racconto(s, _nuovo(associazione="Non Esiste"), cifrario)
    with archivio.lettura() as s:
        assert s.scalar(select(func.count(Racconto.id))) == 0


def test_cancellare_un_racconto_cancella_tutto_il_derivato(archivio: Archivio, cifrario: Cifrario) -> None:
    with archivio.transazione() as s:
        rid = q.inserisci_racconto(s, _nuovo(), cifrario).id
        q.salva_anonimizzazione(s, rid, "[PERSONA_1] faceva la spesa.",
                                [Span(0, 11, "PERSONA", "[PERSONA_1]", 0.9, "ner")], b"x", ["motivo"])
        q.salva_frasi(s, rid, [NuovaFrase(0, 28, "[PERSONA_1] faceva la spesa.")])
        q.segna(s, [rid], "frasi", 1, None, [])
        fid = s.scalar(select(Frase.id))
        s.add(Codice(frase_id=fid, codice="vita_quotidiana", fonte="umano", autore="anna"))
    with archivio.transazione() as s:
        s.delete(s.get(Racconto, rid))
    with archivio.lettura() as s:
        for tabella in (Racconto, m.TestoGrezzo, Frase, Codice, StatoStadio, Entita, Revisione):
            assert s.scalar(select(func.count()).select_from(tabella)) == 0, tabella.__tablename__


def test_revisione_trattiene_il_racconto(archivio: Archivio, cifrario: Cifrario) -> None:
    with archivio.transazione() as s:
        a = q.inserisci_racconto(s, _nuovo("Primo racconto abbastanza lungo per essere valido."), cifrario).id
        b = q.inserisci_racconto(s, _nuovo("Secondo racconto abbastanza lungo per essere valido."), cifrario).id
        q.salva_anonimizzazione(s, a, "testo anonimo a", [], None, [])
        q.salva_anonimizzazione(s, b, "testo anonimo b", [], None, ["età esatta di un minore"])
    with archivio.lettura() as s:
        assert [r["testo"] for r in q.elenco_visibili(s)] == ["testo anonimo a"]
        assert q.in_attesa(s, "frasi", 1, solo_visibili=True, limite=10) == [a]
        assert s.get(Revisione, b) is not None


def test_frasi_invariate_conservano_i_codici(archivio: Archivio, cifrario: Cifrario) -> None:
    with archivio.transazione() as s:
        rid = q.inserisci_racconto(s, _nuovo(), cifrario).id
        frasi = [NuovaFrase(0, 5, "Uno."), NuovaFrase(6, 11, "Due.")]
        q.salva_frasi(s, rid, frasi)
        fid = s.scalar(select(Frase.id).where(Frase.indice == 1))
        s.add(Codice(frase_id=fid, codice="ansia", fonte="umano", autore="anna"))
    with archivio.transazione() as s:
        q.salva_frasi(s, rid, frasi)
    with archivio.lettura() as s:
        assert s.scalar(select(func.count(Codice.id))) == 1
    with archivio.transazione() as s:
        q.salva_frasi(s, rid, [NuovaFrase(0, 11, "Uno. Due.")])
    with archivio.lettura() as s:
        assert s.scalar(select(func.count(Codice.id))) == 0
        assert s.scalar(select(func.count(Frase.id))) == 1


def test_scritture_a_lotti_come_una_per_volta(archivio: Archivio, cifrario: Cifrario) -> None:
    """A batch written with the bulk functions leaves the rows that one story at a time leaves."""
    with archivio.transazione() as s:
        ids = [q.inserisci_racconto(s, _nuovo(f"Racconto numero {i} abbastanza lungo da valere."), cifrario).id
               for i in range(3)]
        q.salva_anonimizzazione(s, ids[0], "vecchio", [Span(0, 3, "LUOGO", "[LUOGO_1]", 0.5, "ner")], b"m0",
                                ["vecchio motivo"])
        q.salva_frasi(s, ids[0], [NuovaFrase(0, 4, "Uno.")])
        q.salva_frasi(s, ids[1], [NuovaFrase(0, 4, "Due.")])
        fid = s.scalar(select(Frase.id).where(Frase.racconto_id == ids[1]))
        s.add(Codice(frase_id=fid, codice="ansia", fonte="umano", autore="anna"))
    with archivio.transazione() as s:
        q.salva_anonimizzazioni(s, [
            q.Anonimizzazione(ids[0], "[PERSONA_1] e [PERSONA_2].",
                              [Span(0, 11, "PERSONA", "[PERSONA_1]", 0.9, "ner"),
                               Span(14, 25, "PERSONA", "[PERSONA_2]", 0.8, "regole")], b"m1", []),
            q.Anonimizzazione(ids[1], "testo b", [], None, ["età esatta di un minore"],
                              campi_anon={"titolo": "Titolo [LUOGO_1]"}, campi_cifrati=b"c1"),
            q.Anonimizzazione(ids[2], "testo c", [], None, []),
        ])
        q.salva_frasi_molti(s, {ids[0]: [NuovaFrase(0, 4, "Uni.")], ids[1]: [NuovaFrase(0, 4, "Due.")],
                                ids[2]: []})
    with archivio.lettura() as s:
        entita = s.execute(select(Entita.racconto_id, Entita.segnaposto).order_by(Entita.inizio)).all()
        assert [tuple(e) for e in entita] == [(ids[0], "[PERSONA_1]"), (ids[0], "[PERSONA_2]")]
        assert [r["testo"] for r in q.elenco_visibili(s)] == ["[PERSONA_1] e [PERSONA_2].", "testo c"]
        assert s.get(Revisione, ids[0]) is None and s.get(Revisione, ids[1]).motivi == ["età esatta di un minore"]
        b = s.get(Racconto, ids[1])
        assert (b.stato_anon, b.visibile, b.titolo, b.quartiere) == ("in_revisione", False, "Titolo [LUOGO_1]", None)
        grezzi = {g.racconto_id: g for g in s.scalars(select(m.TestoGrezzo))}
        assert grezzi[ids[0]].mappa_cifrata == b"m1" and grezzi[ids[0]].approvato_il is not None
        assert grezzi[ids[1]].campi_cifrati == b"c1" and grezzi[ids[1]].approvato_il is None
        assert s.scalar(select(func.count(Codice.id))) == 1  # unchanged sentences keep their codes
        assert s.scalars(select(Frase.testo).order_by(Frase.racconto_id)).all() == ["Uni.", "Due."]


def test_segna_invalida_gli_stadi_successivi(archivio: Archivio, cifrario: Cifrario) -> None:
    with archivio.transazione() as s:
        rid = q.inserisci_racconto(s, _nuovo(), cifrario).id
        q.segna(s, [rid], "anonimizza", 1, None, ["frasi"])
        q.segna(s, [rid], "frasi", 1, None, [])
    with archivio.lettura() as s:
        assert q.in_attesa(s, "frasi", 1, solo_visibili=False, limite=10) == []
        assert q.in_attesa(s, "anonimizza", 2, solo_visibili=False, limite=10) == [rid]
    with archivio.transazione() as s:
        q.segna(s, [rid], "anonimizza", 2, None, ["frasi"])
    with archivio.lettura() as s:
        assert q.in_attesa(s, "frasi", 1, solo_visibili=False, limite=10) == [rid]


def test_duplicato_recente_per_impronta(archivio: Archivio, cifrario: Cifrario) -> None:
    with archivio.transazione() as s:
        q.inserisci_racconto(s, _nuovo("Il  mio racconto\n di prova, scritto due volte."), cifrario)
    with archivio.lettura() as s:
        assert q.duplicato_recente(s, "il mio racconto di prova, SCRITTO due volte.", adesso() - timedelta(minutes=5))
        assert q.duplicato_recente(s, "un altro racconto", adesso() - timedelta(minutes=5)) is None


def test_utenti_password_e_blocco_dopo_tentativi(archivio: Archivio) -> None:
    with archivio.transazione() as s:
        aggiungi_utente(s, "anna", "una-password-lunga", "ricercatore")
        with pytest.raises(ErroreUtente):
            aggiungi_utente(s, "anna", "una-password-lunga", "ricercatore")
        with pytest.raises(ErroreUtente):
            aggiungi_utente(s, "bruno", "corta", "operatore")
        with pytest.raises(ErroreUtente):
            aggiungi_utente(s, "carla", "una-password-lunga", "capo")
    with archivio.transazione() as s:
        assert [u.nome_utente for u in elenco_utenti(s)] == ["anna"]
    limiti = LimitiLogin(per_cliente=3, globale=50)
    assert _login(archivio, "anna", "una-password-lunga", limiti=limiti) is not None
    for _ in range(3):
        assert _login(archivio, "anna", "sbagliata", limiti=limiti) is None
    with pytest.raises(ErroreAccessoBloccato):
        _login(archivio, "anna", "una-password-lunga", limiti=limiti)


def _login(archivio: Archivio, nome: str, password: str, cliente: str = "203.0.113.1",
           limiti: LimitiLogin | None = None) -> UtenteInfo | None:
    return verifica_login(archivio, nome, password, cliente=cliente, segreto=b"s" * 32,
                          limiti=limiti or LimitiLogin(per_cliente=5, globale=50))


def test_login_tentativi_paralleli_contati_prima_della_verifica(archivio: Archivio) -> None:
    """Issue 10, finding 8: ten parallel clicks must not all be evaluated past the limit of 5."""
    with archivio.transazione() as s:
        aggiungi_utente(s, "admin", "la-password-giusta", "amministratore")
    valutati = []

    def prova(_: int) -> str:
        try:
            return "valutato" if _login(archivio, "admin", "sbagliata") is None else "entrato"
        except ErroreAccessoBloccato:
            return "bloccato"

    with ThreadPoolExecutor(10) as pool:
        valutati = list(pool.map(prova, range(10)))
    assert valutati.count("valutato") == 5 and valutati.count("bloccato") == 5, valutati


def test_login_un_client_non_blocca_l_utente_per_tutti(archivio: Archivio) -> None:
    with archivio.transazione() as s:
        aggiungi_utente(s, "admin", "la-password-giusta", "amministratore")
    for _ in range(5):
        assert _login(archivio, "admin", "sbagliata", cliente="198.51.100.66") is None
    with pytest.raises(ErroreAccessoBloccato):
        _login(archivio, "admin", "la-password-giusta", cliente="198.51.100.66")
    # the real administrator, from another address, still gets in
    assert _login(archivio, "admin", "la-password-giusta", cliente="203.0.113.10") is not None


def test_login_limite_globale_morbido(archivio: Archivio) -> None:
    with archivio.transazione() as s:
        aggiungi_utente(s, "admin", "la-password-giusta", "amministratore")
    limiti = LimitiLogin(per_cliente=5, globale=6)
    for i in range(3):  # an attack from many addresses
        for _ in range(2):
            assert _login(archivio, "admin", "sbagliata", cliente=f"10.0.0.{i}", limiti=limiti) is None
    # past the global limit a client that already failed once is stopped ...
    with pytest.raises(ErroreAccessoBloccato):
        _login(archivio, "admin", "sbagliata", cliente="10.0.0.0", limiti=limiti)
    # ... a new address gets one attempt, and a client without failures still logs in
    assert _login(archivio, "admin", "sbagliata", cliente="10.0.0.9", limiti=limiti) is None
    with pytest.raises(ErroreAccessoBloccato):
        _login(archivio, "admin", "sbagliata", cliente="10.0.0.9", limiti=limiti)
    assert _login(archivio, "admin", "la-password-giusta", cliente="203.0.113.10", limiti=limiti) is not None


def test_login_nulla_di_digitato_resta_nel_database(archivio: Archivio) -> None:
    with archivio.transazione() as s:
        aggiungi_utente(s, "admin", "la-password-giusta", "amministratore")
    assert _login(archivio, "Segreta!Password99", "admin") is None  # the two fields swapped
    assert _login(archivio, "admin", "quasi-la-password") is None
    assert _login(archivio, "admin", "la-password-giusta") is not None
    assert dove_compare(archivio, "Segreta!Password99", "segreta!password99", "quasi-la-password",
                        "la-password-giusta") == []
    with archivio.lettura() as s:
        righe = [(a.chi, a.azione) for a in s.scalars(select(Audit).order_by(Audit.id))]
    assert righe[-3:] == [(SCONOSCIUTO, "login_fallito"), ("admin", "login_fallito"), ("admin", "login_riuscito")]


def test_conteggi_separano_i_racconti_in_revisione(archivio: Archivio, cifrario: Cifrario) -> None:
    with archivio.transazione() as s:
        a = q.inserisci_racconto(s, _nuovo("Un racconto che passa subito la revisione."), cifrario).id
        b = q.inserisci_racconto(s, _nuovo("Un racconto trattenuto per la revisione."), cifrario).id
        q.salva_anonimizzazione(s, a, "testo a", [], None, [])
        q.salva_anonimizzazione(s, b, "testo b", [], None, ["età esatta di un minore"])
        q.segna(s, [a, b], "anonimizza", 1, None, ["frasi"])
    with archivio.lettura() as s:
        c = q.conteggi(s, [("anonimizza", 1), ("frasi", 1, True)])
    assert c["stadi"]["anonimizza.v1"] == {"fatto": 2, "errore": 0, "da_fare": 0, "in_revisione": 0,
                                           "motivi_errore": {}}
    assert c["stadi"]["frasi.v1"] == {"fatto": 0, "errore": 0, "da_fare": 1, "in_revisione": 1,
                                      "motivi_errore": {}}
