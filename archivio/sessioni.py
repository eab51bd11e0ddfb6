"""Dashboard sessions that survive a reload (F5) or a deep link: server-side rows, hashed secrets.

A login creates a row and a one-time *consegna* code (valid :data:`CONSEGNA` long). The browser exchanges
that code, once, for an HttpOnly cookie holding a fresh random token (``pagine/protezioni.py``); the store
keeps only SHA-256 hashes of code and token (both are 256-bit random: a plain hash suffices, nothing to
brute-force). A session ends after ``inattivita`` without activity, :data:`DURATA_MASSIMA` after the login
in any case, or at logout (the row is deleted: the cookie is then worth nothing).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from archivio.tabelle import Sessione
from archivio.tempo import adesso

DURATA_MASSIMA = timedelta(hours=12)
CONSEGNA = timedelta(minutes=2)
# ``ultima_attivita`` is written at most this often (not one write per click)
AGGIORNA_OGNI = timedelta(seconds=30)


@dataclass(frozen=True)
class SessioneAttiva:
    id: int
    nome_utente: str


def _hash(segreto: str) -> str:
    return hashlib.sha256(segreto.encode("utf-8")).hexdigest()


def apri(s: Session, nome_utente: str, *, ora: datetime | None = None) -> tuple[int, str]:
    """A new session for ``nome_utente``: (its id, the one-time code the browser exchanges for the cookie)."""
    ora = ora or adesso()
    s.execute(delete(Sessione).where(Sessione.scade_il < ora))  # expired rows of anyone go
    codice = secrets.token_urlsafe(32)
    riga = Sessione(nome_utente=nome_utente, consegna_hash=_hash(codice), consegna_scade=ora + CONSEGNA,
                    creata_il=ora, ultima_attivita=ora, scade_il=ora + DURATA_MASSIMA)
    s.add(riga)
    s.flush()
    return riga.id, codice


def _per_hash(s: Session, colonna: Any, valore: str) -> Sessione | None:
    """The session whose code or token (``colonna``) hashes like ``valore``; None for an empty or oversized one."""
    if not valore or len(valore) > 200:
        return None
    return s.scalars(select(Sessione).where(colonna == _hash(valore))).first()


def consegna(s: Session, codice: str, *, ora: datetime | None = None) -> str | None:
    """Exchange a one-time code for the session's cookie token (a new random value); None if the code is
    unknown, used or expired. The token is returned once and only its hash is kept."""
    ora = ora or adesso()
    riga = _per_hash(s, Sessione.consegna_hash, codice)
    if riga is None:
        return None
    riga.consegna_hash = None
    if riga.consegna_scade is None or riga.consegna_scade < ora or riga.scade_il < ora:
        return None
    token = secrets.token_urlsafe(32)
    riga.token_hash = _hash(token)
    riga.consegna_scade = None
    return token


def _viva(riga: Sessione, inattivita: timedelta, ora: datetime) -> bool:
    return riga.scade_il >= ora and riga.ultima_attivita + inattivita >= ora


def _tocca(s: Session, riga: Sessione, ora: datetime) -> None:
    if ora - riga.ultima_attivita >= AGGIORNA_OGNI:
        s.execute(update(Sessione).where(Sessione.id == riga.id).values(ultima_attivita=ora))


def _rinnova(s: Session, riga: Sessione, inattivita: timedelta, ora: datetime) -> bool:
    """A live session's activity is renewed (True); an expired one is deleted (False)."""
    if not _viva(riga, inattivita, ora):
        s.execute(delete(Sessione).where(Sessione.id == riga.id))
        return False
    _tocca(s, riga, ora)
    return True


def da_token(s: Session, token: str, inattivita: timedelta, *,
             ora: datetime | None = None) -> SessioneAttiva | None:
    """The live session a cookie token belongs to (its activity is renewed), or None; an expired one is
    deleted."""
    riga = _per_hash(s, Sessione.token_hash, token)
    if riga is None or not _rinnova(s, riga, inattivita, ora or adesso()):
        return None
    return SessioneAttiva(riga.id, riga.nome_utente)


def attiva(s: Session, sessione_id: int, inattivita: timedelta, *, ora: datetime | None = None) -> bool:
    """Is the session still alive (not logged out elsewhere, not expired)? Renews its activity."""
    riga = s.get(Sessione, sessione_id)
    return riga is not None and _rinnova(s, riga, inattivita, ora or adesso())


def chiudi(s: Session, sessione_id: int) -> None:
    """Logout: the row goes, so its cookie opens nothing any more."""
    s.execute(delete(Sessione).where(Sessione.id == sessione_id))


def chiudi_token(s: Session, token: str) -> None:
    if token:
        s.execute(delete(Sessione).where(Sessione.token_hash == _hash(token)))


def chiudi_utente(s: Session, nome_utente: str) -> None:
    """Every session of a user (deactivated, password reset)."""
    s.execute(delete(Sessione).where(Sessione.nome_utente == nome_utente))
