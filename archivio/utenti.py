"""Users, roles and password checks (argon2), with a rate limit on failed logins; the administrators' view of
users (activate, change role: never the last active administrator), retention and the audit trail."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from archivio import audit
from archivio.db import Archivio
from archivio.errori import ErroreCruscotto, ErroreDati, ErrorePermesso
from archivio.impostazioni import predefinito
from archivio.tabelle import RUOLI_UTENTE, RUOLO_AMMINISTRATORE, Racconto, Tentativo, TestoGrezzo, Utente
from archivio.tempo import adesso

_hasher = PasswordHasher()
# Verifying against a dummy hash when the user does not exist keeps the timing the same (no user oracle).
_HASH_FITTIZIO = _hasher.hash("narrazioni-utente-inesistente")


class ErroreUtente(ErroreDati, ValueError):
    """A bad username, password or role."""


@dataclass(frozen=True)
class UtenteInfo:
    nome_utente: str
    ruolo: str
    attivo: bool


def aggiungi_utente(s: Session, nome_utente: str, password: str, ruolo: str) -> UtenteInfo:
    if ruolo not in RUOLI_UTENTE:
        raise ErroreUtente(f"ruolo sconosciuto {ruolo!r}: scegli tra {', '.join(RUOLI_UTENTE)}")
    if not nome_utente.strip() or len(nome_utente) > 80:
        raise ErroreUtente("il nome utente deve avere da 1 a 80 caratteri")
    if len(password) < 8:
        raise ErroreUtente("la password deve avere almeno 8 caratteri")
    if s.scalar(select(Utente.id).where(Utente.nome_utente == nome_utente)) is not None:
        raise ErroreUtente(f"l'utente {nome_utente!r} esiste già: scegli un altro nome")
    s.add(Utente(nome_utente=nome_utente, password_hash=_hasher.hash(password), ruolo=ruolo))
    s.flush()
    return UtenteInfo(nome_utente, ruolo, True)


def imposta_password(s: Session, nome_utente: str, password: str) -> None:
    u = s.scalar(select(Utente).where(Utente.nome_utente == nome_utente))
    if u is None:
        raise ErroreUtente(f"nessun utente {nome_utente!r}")
    if len(password) < 8:
        raise ErroreUtente("la password deve avere almeno 8 caratteri")
    u.password_hash = _hasher.hash(password)


def elenco_utenti(s: Session) -> list[UtenteInfo]:
    return [UtenteInfo(u.nome_utente, u.ruolo, u.attivo)
            for u in s.scalars(select(Utente).order_by(Utente.nome_utente))]


def esiste_utente(s: Session, nome_utente: str) -> bool:
    return s.scalar(select(Utente.id).where(Utente.nome_utente == nome_utente)) is not None


def chiave_tentativo(valore: str, segreto: bytes = b"") -> str:
    """The stored key of a rate-limited attempt: a keyed hash (HMAC-SHA-256), never what was typed."""
    return hmac.new(segreto or b"narrazioni-tentativi", valore.encode("utf-8", "replace"),
                    hashlib.sha256).hexdigest()


def conta_tentativi(s: Session, tipo: str, chiave: str, finestra: timedelta) -> int:
    return s.scalar(select(func.count(Tentativo.id)).where(
        Tentativo.tipo == tipo, Tentativo.chiave == chiave, Tentativo.quando >= adesso() - finestra)) or 0


def registra_tentativo(s: Session, tipo: str, chiave: str) -> None:
    s.add(Tentativo(tipo=tipo, chiave=chiave))


def pulisci_tentativi(s: Session, piu_vecchi_di: timedelta) -> None:
    s.execute(delete(Tentativo).where(Tentativo.quando < adesso() - piu_vecchi_di))


FINESTRA_LOGIN = timedelta(minutes=15)
SCONOSCIUTO = "sconosciuto"  # who the audit names when the typed username is no user's
# How many failures (any username) one client may make per window, as a multiple of the per-user limit.
FATTORE_CLIENTE = 4
_TIPI_LOGIN = ("login_utente_cliente", "login_utente", "login_cliente")


@dataclass(frozen=True)
class LimitiLogin:
    """Failed-login limits per window (:data:`FINESTRA_LOGIN`).

    ``per_cliente`` failures of one username from one client lock that username *for that client* only.
    Past ``globale`` failures of one username from all clients together (someone trying from many
    addresses), each client gets a single failed attempt at it: the soft global limit slows a distributed
    attack without locking the real user out (a client without failures still logs in).
    """

    per_cliente: int = predefinito("sicurezza.tentativi_login")
    globale: int = predefinito("sicurezza.tentativi_login_globali")


class ErroreAccessoBloccato(ErroreUtente, ErrorePermesso):
    """Too many failed logins for this username from this client."""


def _serializza(s: Session) -> None:
    """Start the check-and-count of an attempt so that concurrent attempts run one after the other.

    SQLite: the first statement writes (expired attempts are removed), so it takes the database's write lock
    at once and holds it until commit. PostgreSQL: a transaction-scoped advisory lock.
    """
    if s.get_bind().dialect.name == "postgresql":
        s.execute(select(func.pg_advisory_xact_lock(7_361_902)))
    s.execute(delete(Tentativo).where(Tentativo.tipo.in_(_TIPI_LOGIN),
                                      Tentativo.quando < adesso() - FINESTRA_LOGIN))


def verifica_login(archivio: Archivio, nome_utente: str, password: str, *, cliente: str, segreto: bytes,
                   limiti: LimitiLogin | None = None) -> UtenteInfo | None:
    """Check a login; the attempt is counted *before* the password is checked, in one serialised transaction.

    So N parallel attempts can never all be evaluated past the limit. What is stored: keyed hashes
    (``segreto``) of username+client, username and client in ``tentativi`` (removed after the window, and
    on success for that attempt), and an audit row naming the user only when the username exists
    (otherwise :data:`SCONOSCIUTO`): a password typed by mistake in the username field is never stored.

    Raises:
        ErroreAccessoBloccato: the limits for this username and client are reached (nothing evaluated).
    """
    limiti = limiti or LimitiLogin()
    piegato = nome_utente.casefold()
    chiavi = {
        "login_utente_cliente": chiave_tentativo(f"{piegato}\x1f{cliente}", segreto),
        "login_utente": chiave_tentativo(piegato, segreto),
        "login_cliente": chiave_tentativo(f"\x1f{cliente}", segreto),
    }
    with archivio.transazione() as s:
        _serializza(s)
        n = {tipo: conta_tentativi(s, tipo, chiave, FINESTRA_LOGIN) for tipo, chiave in chiavi.items()}
        massimo_qui = 1 if n["login_utente"] >= limiti.globale else limiti.per_cliente
        if n["login_utente_cliente"] >= massimo_qui or n["login_cliente"] >= limiti.per_cliente * FATTORE_CLIENTE:
            raise ErroreAccessoBloccato("troppi tentativi falliti: riprova tra qualche minuto")
        prenotati = [Tentativo(tipo=tipo, chiave=chiave) for tipo, chiave in chiavi.items()]
        s.add_all(prenotati)
        s.flush()
        ids = [t.id for t in prenotati]
        u = s.scalar(select(Utente).where(Utente.nome_utente == nome_utente))
        hash_utente = u.password_hash if u is not None and u.attivo else None
        esiste = u is not None
    try:
        _hasher.verify(hash_utente or _HASH_FITTIZIO, password)
        ok = hash_utente is not None
    except (VerificationError, InvalidHashError):
        ok = False
    with archivio.transazione() as s:
        if ok:
            s.execute(delete(Tentativo).where(Tentativo.id.in_(ids)))
            u = s.scalar(select(Utente).where(Utente.nome_utente == nome_utente))
            assert u is not None
            u.ultimo_accesso = adesso()
            audit.registra(s, u.nome_utente, "login_riuscito")
            return UtenteInfo(u.nome_utente, u.ruolo, u.attivo)
        audit.registra(s, nome_utente if esiste else SCONOSCIUTO, "login_fallito")
    return None


# ------------------------------------------------------------------------------------------ users, retention
@dataclass(frozen=True)
class UtenteDettaglio:
    nome_utente: str
    ruolo: str
    attivo: bool
    creato_il: datetime
    ultimo_accesso: datetime | None


def utenti(s: Session) -> list[UtenteDettaglio]:
    return [UtenteDettaglio(u.nome_utente, u.ruolo, u.attivo, u.creato_il, u.ultimo_accesso)
            for u in s.scalars(select(Utente).order_by(Utente.nome_utente))]


def stato_utente(s: Session, nome_utente: str) -> tuple[str, bool] | None:
    """(role, active) of a user, read at every page run so that a deactivation takes effect at once."""
    riga = s.execute(select(Utente.ruolo, Utente.attivo).where(Utente.nome_utente == nome_utente)).first()
    return (str(riga[0]), bool(riga[1])) if riga else None


def _amministratori_attivi(s: Session) -> int:
    return s.scalar(select(func.count(Utente.id)).where(Utente.ruolo == RUOLO_AMMINISTRATORE,
                                                         Utente.attivo.is_(True))) or 0


def imposta_attivo(s: Session, nome_utente: str, attivo: bool, *, chi: str) -> None:
    """Activate or deactivate a user; the last active administrator cannot be deactivated."""
    u = s.scalar(select(Utente).where(Utente.nome_utente == nome_utente))
    if u is None:
        raise ErroreCruscotto(f"utente inesistente: {nome_utente}")
    if not attivo and u.attivo and u.ruolo == RUOLO_AMMINISTRATORE and _amministratori_attivi(s) <= 1:
        raise ErroreCruscotto("non si può disattivare l'ultimo amministratore attivo")
    u.attivo = attivo
    audit.registra(s, chi, "utente_attivato" if attivo else "utente_disattivato", nome_utente)


def imposta_ruolo(s: Session, nome_utente: str, ruolo: str, *, chi: str) -> None:
    """Change a user's role; the last active administrator keeps theirs."""
    if ruolo not in RUOLI_UTENTE:
        raise ErroreCruscotto(f"ruolo sconosciuto: {ruolo}")
    u = s.scalar(select(Utente).where(Utente.nome_utente == nome_utente))
    if u is None:
        raise ErroreCruscotto(f"utente inesistente: {nome_utente}")
    if u.ruolo == RUOLO_AMMINISTRATORE and ruolo != u.ruolo and u.attivo and _amministratori_attivi(s) <= 1:
        raise ErroreCruscotto("l'ultimo amministratore attivo non può cambiare ruolo")
    vecchio, u.ruolo = u.ruolo, ruolo
    audit.registra(s, chi, "utente_ruolo", nome_utente, {"da": vecchio, "a": ruolo})


def stato_conservazione(s: Session, conservazione_giorni: int) -> dict[str, int]:
    """Raw texts kept, waiting for review, within the retention period, overdue, already erased."""
    limite = adesso() - timedelta(days=conservazione_giorni)
    presenti = TestoGrezzo.testo_cifrato.is_not(None)
    conta = lambda *c: s.scalar(select(func.count()).select_from(TestoGrezzo)  # noqa: E731
                                .join(Racconto, Racconto.id == TestoGrezzo.racconto_id).where(*c)) or 0
    return {
        "conservati": conta(presenti),
        "non_approvati": conta(presenti, TestoGrezzo.approvato_il.is_(None)),
        "nel_periodo": conta(presenti, TestoGrezzo.approvato_il.is_not(None),
                             TestoGrezzo.approvato_il > limite),
        "scaduti": conta(presenti, TestoGrezzo.approvato_il.is_not(None), TestoGrezzo.approvato_il <= limite,
                         Racconto.stato_anon == "approvato"),
        "eliminati": conta(TestoGrezzo.eliminato_il.is_not(None)),
    }


def ultimi_eventi(s: Session, limite: int = 200) -> list[dict[str, Any]]:
    """The latest audit rows (who, what, on which code: never story content)."""
    return [{"quando": a.quando, "chi": a.chi, "azione": a.azione, "oggetto": a.oggetto,
             "dettagli": json.dumps(a.dettagli, ensure_ascii=False) if a.dettagli else ""}
            for a in audit.ultime(s, limite)]


def crea_utente(archivio: Archivio, nome_utente: str, password: str, ruolo: str, *, chi: str) -> UtenteInfo:
    """Add a user and audit it, in one transaction (``narrazioni utenti aggiungi``)."""
    with archivio.transazione() as s:
        u = aggiungi_utente(s, nome_utente, password, ruolo)
        audit.registra(s, chi, "utente_aggiunto", u.nome_utente, {"ruolo": u.ruolo})
    return u


def aggiorna_utente(archivio: Archivio, nome_utente: str, *, chi: str, attivo: bool | None = None,
                    ruolo: str | None = None, password: str | None = None) -> None:
    """Activate or deactivate a user, change the role, set a new password (audited), in one transaction."""
    with archivio.transazione() as s:
        if attivo is not None:
            imposta_attivo(s, nome_utente, attivo, chi=chi)
        if ruolo is not None:
            imposta_ruolo(s, nome_utente, ruolo, chi=chi)
        if password is not None:
            imposta_password(s, nome_utente, password)
            audit.registra(s, chi, "password_cambiata", nome_utente)
