"""The session: login and logout, the server-side session and its cookie, role checks at every run, audit.

Why our own login on the store rather than streamlit-authenticator: that package keeps password hashes in
a YAML file next to the app, its roles field is barely documented and it has no server-side rate limit or
audit. Ours keeps users in the database (argon2 hashes, ``narrazioni utenti`` and the admin page manage
them), rate-limits failed logins and writes every login to the audit table (``archivio.utenti``), and
checks the role on the server at every run of every page — the role in the session is re-read from the
database each time, so a deactivated user or a changed role takes effect at the next click.

Sessions expire after ``sessione_minuti`` without activity (and 12 hours after the login). A Streamlit
session lives in the browser tab's websocket and is lost on reload, so a login also opens a server-side
session (``archivio/sessioni.py``): the page hands its one-time code to ``/_narrazioni/sessione``, which
answers with an HttpOnly, SameSite=Strict cookie; a reload or a deep link finds the session again through
that cookie (``st.context.cookies``). The store keeps only hashes; "Esci" deletes the row and the cookie.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

import streamlit as st

from archivio import audit, ricevute, sessioni
from archivio.utenti import stato_utente
from pagine.protezioni import NOME_COOKIE, PERCORSO_SESSIONE
from pagine.registro import ruoli_di
from pagine.risorse import archivio, impostazioni


def _esci(scaduta: bool) -> None:
    # everything goes: filters, and the decrypted text an administrator may have open for review
    sessione = (st.session_state.get("utente") or {}).get("sessione")
    if sessione is not None:
        with archivio().transazione() as s:
            sessioni.chiudi(s, sessione)
    st.session_state.clear()
    st.session_state["_cancella_cookie"] = True
    if scaduta:
        st.session_state["sessione_scaduta"] = True


def _inattivita() -> timedelta:
    return timedelta(minutes=impostazioni().sicurezza.sessione_minuti)


def entra(nome_utente: str, ruolo: str) -> None:
    """After a successful login: a server-side session, and its one-time code for the browser's cookie."""
    with archivio().transazione() as s:
        sessione, codice = sessioni.apri(s, nome_utente)
    st.session_state["utente"] = {"nome": nome_utente, "ruolo": ruolo, "ultima_attivita": time.time(),
                                  "sessione": sessione}
    st.session_state["_consegna"] = codice


def esci() -> None:
    """Logout: the server-side session is deleted (its cookie opens nothing any more), then the cookie."""
    _esci(scaduta=False)


def _cookie_sessione() -> str:
    try:
        return str(st.context.cookies.get(NOME_COOKIE) or "")
    except Exception:  # no browser behind this session (AppTest, scripts)
        return ""


def _da_cookie() -> None:
    """A reload or a deep link: the session is found again through the browser's cookie, if still alive."""
    token = _cookie_sessione()
    if not token:
        return
    with archivio().transazione() as s:
        trovata = sessioni.da_token(s, token, _inattivita())
    if trovata is not None:
        st.session_state["utente"] = {"nome": trovata.nome_utente, "ruolo": "", "ultima_attivita": time.time(),
                                      "sessione": trovata.id}


def script_cookie() -> None:
    """Hand the one-time code of a fresh login to the server (which sets the HttpOnly cookie), or clear
    the cookie after a logout. Nothing else of the session reaches the page's JavaScript."""
    base = "/" + str(st.get_option("server.baseUrlPath") or "").strip("/")
    percorso = json.dumps(base.rstrip("/") + "/" + PERCORSO_SESSIONE)
    if codice := st.session_state.pop("_consegna", None):
        st.html(f"<script>fetch({percorso}, {{method: 'POST', credentials: 'same-origin', "
                f"headers: {{'Content-Type': 'text/plain'}}, body: {json.dumps(codice)}}});</script>",
                unsafe_allow_javascript=True)
    elif st.session_state.pop("_cancella_cookie", False):
        st.html(f"<script>fetch({percorso}, {{method: 'DELETE', credentials: 'same-origin'}});</script>",
                unsafe_allow_javascript=True)


def utente_corrente() -> dict[str, Any] | None:
    """The logged-in user, or None. Idle sessions expire; role and activity are re-read from the store."""
    if not st.session_state.get("utente"):
        _da_cookie()
    utente = st.session_state.get("utente")
    if not utente:
        return None
    limite = impostazioni().sicurezza.sessione_minuti * 60
    if time.time() - utente["ultima_attivita"] > limite:
        _esci(scaduta=True)
        return None
    with archivio().transazione() as s:
        viva = utente.get("sessione") is None or sessioni.attiva(s, utente["sessione"], _inattivita())
        stato = stato_utente(s, utente["nome"])
        controlla_generazione(ricevute.versione_dati(s))
    if not viva or stato is None or not stato[1]:
        _esci(scaduta=False)
        return None
    utente["ruolo"] = stato[0]
    utente["ultima_attivita"] = time.time()
    return dict(utente)


_GENERAZIONE_VISTA: dict[str, Any] = {}
_GENERAZIONE_LOCK = threading.Lock()


def controlla_generazione(attuale: Any) -> None:
    """Drop every cached table when the store's data changed (:func:`archivio.ricevute.versione_dati`: a
    story added, approved, processed, coded or withdrawn, by anyone: the form, the worker, the CLI, another
    session). Read at every run of every page, before any cached loader: all the numbers a page shows come
    from the same state of the store, and a withdrawn story never outlives the next click."""
    with _GENERAZIONE_LOCK:
        vista = _GENERAZIONE_VISTA.get("dati")
        _GENERAZIONE_VISTA["dati"] = attuale
    if vista is not None and vista != attuale:
        st.cache_data.clear()


def richiedi_ruolo(*ruoli: str) -> dict[str, Any]:
    """Stop the page unless the user has one of ``ruoli`` (checked on the server at every run)."""
    utente = utente_corrente()
    if utente is None:
        st.error("Accesso richiesto: la sessione non è attiva.")
        st.stop()
    assert utente is not None
    if utente["ruolo"] not in ruoli:
        st.error("Non hai i permessi per questa pagina.")
        st.stop()
    return utente


def richiedi_pagina(chiave: str) -> dict[str, Any]:
    """Stop unless the user may open page ``chiave`` (the roles come from :data:`PAGINE`)."""
    return richiedi_ruolo(*ruoli_di(chiave))


def registra(chi: str, azione: str, oggetto: str | None = None,
             dettagli: dict[str, Any] | None = None) -> None:
    """One audit row (never story content)."""
    with archivio().transazione() as s:
        audit.registra(s, chi, azione, oggetto, dettagli)
