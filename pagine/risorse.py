"""The dashboard's shared resources, cached once per process: settings, the store, the raw-text key, the
key of the login throttle; the lifetimes of cached tables; what happens next to a story waiting for the pipeline."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import streamlit as st

from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni, carica_impostazioni

# Cached query results are dropped together as soon as the store's data change (controlla_generazione, at
# every click); the TTLs only bound the memory of filter combinations nobody asks for any more.
TTL = 600
TTL_BASE = 1800

def messaggio_elaborazione(cartella_dati: Any) -> str:
    """What happens next to a story waiting for the pipeline, truthfully: is a background worker running?"""
    from analisi.servizio import lavoratore_attivo

    if lavoratore_attivo(cartella_dati):
        return ("Il servizio di elaborazione automatica lo analizza entro un minuto: frasi, temi e codici "
                "compaiono poi in tutte le pagine (aggiorna la pagina).")
    return ("Frasi, temi e codici compariranno dopo l'elaborazione, che ora non è attiva: avvia "
            "narrazioni servi (elaborazione automatica) oppure esegui narrazioni elabora.")


@st.cache_resource
def impostazioni() -> Impostazioni:
    return carica_impostazioni()


@st.cache_resource
def archivio() -> Archivio:
    return Archivio(impostazioni().url_database(), file_ritirati=impostazioni().percorso_ritirati())


@st.cache_resource
def segreto_tentativi() -> bytes:
    """Key of the hashed login-attempt keys: derived from the raw-text key file (kept outside the database),
    so the ``tentativi`` table alone cannot be matched to usernames or addresses; random per process when
    the dashboard has no key file."""
    try:
        chiave = impostazioni().percorso_chiave().read_bytes().strip()
    except OSError:
        return secrets.token_bytes(32)
    return hashlib.sha256(b"narrazioni-tentativi-login:" + chiave).digest()


def cliente_connessione() -> str:
    """The client of this session for the login throttle: the websocket's peer, as the ASGI app set it
    (``raccolta.sicurezza.ClienteReale``: X-Forwarded-For only from ``proxy_fidati``)."""
    indirizzo = st.context.ip_address  # None from this machine (Streamlit hides 127.0.0.1 and ::1)
    return indirizzo if isinstance(indirizzo, str) and indirizzo else "locale"


def cifrario() -> Cifrario:
    """The raw-text key: only pages that store or (for the administrator) read raw text ask for it."""
    return Cifrario.da_file(impostazioni().percorso_chiave())
