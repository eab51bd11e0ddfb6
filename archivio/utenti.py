"""Users, roles and password checks (argon2), with a rate limit on failed logins."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from archivio.modelli import RUOLI_UTENTE, Tentativo, Utente
from archivio.tempo import adesso

_hasher = PasswordHasher()
# Verifying against a dummy hash when the user does not exist keeps the timing the same (no user oracle).
_HASH_FITTIZIO = _hasher.hash("narrazioni-utente-inesistente")


class ErroreUtente(ValueError):
    pass


@dataclass(frozen=True)
class UtenteInfo:
    nome_utente: str
    ruolo: str
    attivo: bool


def aggiungi_utente(s: Session, nome_utente: str, password: str, ruolo: str) -> UtenteInfo:
    if ruolo not in RUOLI_UTENTE:
        raise ErroreUtente(f"unknown role {ruolo!r}: choose one of {', '.join(RUOLI_UTENTE)}")
    if not nome_utente.strip() or len(nome_utente) > 80:
        raise ErroreUtente("the username must have 1 to 80 characters")
    if len(password) < 8:
        raise ErroreUtente("the password must have at least 8 characters")
    if s.scalar(select(Utente.id).where(Utente.nome_utente == nome_utente)) is not None:
        raise ErroreUtente(f"user {nome_utente!r} exists already")
    s.add(Utente(nome_utente=nome_utente, password_hash=_hasher.hash(password), ruolo=ruolo))
    s.flush()
    return UtenteInfo(nome_utente, ruolo, True)


def imposta_password(s: Session, nome_utente: str, password: str) -> None:
    u = s.scalar(select(Utente).where(Utente.nome_utente == nome_utente))
    if u is None:
        raise ErroreUtente(f"no user {nome_utente!r}")
    if len(password) < 8:
        raise ErroreUtente("the password must have at least 8 characters")
    u.password_hash = _hasher.hash(password)


def elenco_utenti(s: Session) -> list[UtenteInfo]:
    return [UtenteInfo(u.nome_utente, u.ruolo, u.attivo)
            for u in s.scalars(select(Utente).order_by(Utente.nome_utente))]


def esiste_utente(s: Session, nome_utente: str) -> bool:
    return s.scalar(select(Utente.id).where(Utente.nome_utente == nome_utente)) is not None


def chiave_tentativo(valore: str) -> str:
    return hashlib.sha256(valore.encode("utf-8")).hexdigest()


def conta_tentativi(s: Session, tipo: str, chiave: str, finestra: timedelta) -> int:
    return s.scalar(select(func.count(Tentativo.id)).where(
        Tentativo.tipo == tipo, Tentativo.chiave == chiave, Tentativo.quando >= adesso() - finestra)) or 0


def registra_tentativo(s: Session, tipo: str, chiave: str) -> None:
    s.add(Tentativo(tipo=tipo, chiave=chiave))


def pulisci_tentativi(s: Session, piu_vecchi_di: timedelta) -> None:
    s.execute(delete(Tentativo).where(Tentativo.quando < adesso() - piu_vecchi_di))


FINESTRA_LOGIN = timedelta(minutes=15)


def verifica_login(s: Session, nome_utente: str, password: str, *, massimo_fallimenti: int) -> UtenteInfo | None:
    """Check a login. After ``massimo_fallimenti`` failures in 15 minutes the user is locked out."""
    chiave = chiave_tentativo(nome_utente.casefold())
    if conta_tentativi(s, "login", chiave, FINESTRA_LOGIN) >= massimo_fallimenti:
        raise ErroreUtente("troppi tentativi falliti: riprova tra qualche minuto")
    u = s.scalar(select(Utente).where(Utente.nome_utente == nome_utente, Utente.attivo.is_(True)))
    try:
        _hasher.verify(u.password_hash if u else _HASH_FITTIZIO, password)
        ok = u is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or u is None:
        registra_tentativo(s, "login", chiave)
        return None
    u.ultimo_accesso = adesso()
    return UtenteInfo(u.nome_utente, u.ruolo, u.attivo)
