"""Shared pieces of the Streamlit layer: cached settings and store, the session, role checks."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from archivio.db import Archivio
from archivio.impostazioni import Impostazioni, carica_impostazioni

RUOLI_LEGGONO = ("ricercatore", "operatore", "amministratore")


@st.cache_resource
def impostazioni() -> Impostazioni:
    return carica_impostazioni()


@st.cache_resource
def archivio() -> Archivio:
    return Archivio(impostazioni().url_database())


def utente_corrente() -> dict[str, Any] | None:
    """The logged-in user, or None; a session idle longer than the setting expires."""
    utente = st.session_state.get("utente")
    if not utente:
        return None
    limite = impostazioni().sessione_minuti * 60
    if time.time() - utente["ultima_attivita"] > limite:
        st.session_state.pop("utente", None)
        st.session_state["sessione_scaduta"] = True
        return None
    utente["ultima_attivita"] = time.time()
    return dict(utente)


def richiedi_ruolo(*ruoli: str) -> dict[str, Any]:
    """Stop the page unless the user has one of ``ruoli`` (checked on the server at every run)."""
    utente = utente_corrente()
    if utente is None:
        st.error("Accesso richiesto.")
        st.stop()
    assert utente is not None
    if utente["ruolo"] not in ruoli:
        st.error("Non hai i permessi per questa pagina.")
        st.stop()
    return utente
