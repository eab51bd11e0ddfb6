"""Dashboard sessions in the store: one-time code, hashed token, idle and absolute expiry, revocation."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from archivio import sessioni
from archivio.db import Archivio, migra
from archivio.tabelle import Sessione
from archivio.tempo import adesso

INATTIVITA = timedelta(minutes=60)


def _archivio(tmp_path: Path) -> Archivio:
    a = Archivio(f"sqlite:///{tmp_path / 'n.db'}")
    migra(a)
    return a


def test_codice_una_volta_token_solo_come_hash(tmp_path: Path) -> None:
    a = _archivio(tmp_path)
    with a.transazione() as s:
        sid, codice = sessioni.apri(s, "anna")
    with a.transazione() as s:
        token = sessioni.consegna(s, codice)
    assert token
    with a.transazione() as s:
        assert sessioni.consegna(s, codice) is None  # a code works once
        riga = s.get(Sessione, sid)
        assert riga is not None and riga.token_hash == hashlib.sha256(token.encode()).hexdigest()
        valori = [str(v) for v in s.execute(select(Sessione.__table__)).one()]
        assert token not in valori and codice not in valori
        trovata = sessioni.da_token(s, token, INATTIVITA)
        assert trovata == sessioni.SessioneAttiva(sid, "anna")
        assert sessioni.da_token(s, token + "x", INATTIVITA) is None
    a.chiudi()


def test_scadenze_e_revoca(tmp_path: Path) -> None:
    a = _archivio(tmp_path)
    ora = adesso()
    with a.transazione() as s:
        sid, codice = sessioni.apri(s, "anna", ora=ora)
        assert sessioni.consegna(s, codice, ora=ora + sessioni.CONSEGNA + timedelta(seconds=1)) is None
        sid, codice = sessioni.apri(s, "anna", ora=ora)
        token = sessioni.consegna(s, codice, ora=ora)
        assert token
        assert sessioni.attiva(s, sid, INATTIVITA, ora=ora + timedelta(minutes=59))
        # idle too long: the row goes
        assert sessioni.da_token(s, token, INATTIVITA, ora=ora + timedelta(minutes=59 + 61)) is None
        assert s.get(Sessione, sid) is None
        # the absolute limit holds even with activity
        sid, codice = sessioni.apri(s, "otto", ora=ora)
        token = sessioni.consegna(s, codice, ora=ora)
        assert token
        assert not sessioni.attiva(s, sid, timedelta(days=2), ora=ora + sessioni.DURATA_MASSIMA + timedelta(1))
        # logout and deactivation revoke
        sid, codice = sessioni.apri(s, "otto", ora=ora)
        token = sessioni.consegna(s, codice, ora=ora)
        assert token
        sessioni.chiudi(s, sid)
        assert sessioni.da_token(s, token, INATTIVITA, ora=ora) is None
        sid, codice = sessioni.apri(s, "otto", ora=ora)
        sessioni.chiudi_utente(s, "otto")
        assert not sessioni.attiva(s, sid, INATTIVITA, ora=ora)
    a.chiudi()
