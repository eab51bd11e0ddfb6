"""Cached loaders of the pages (stories, themes, whole-store aggregates, the Piano di Zona taxonomy) and the
warm-up that fills them in the background while someone logs in."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from archivio import ricevute
from archivio.cruscotto.aggregati import (
    aree_per_racconto,
    codici_per_racconto_tutti,
    frasi_per_racconto,
    racconti_filtrati,
)
from archivio.cruscotto.aggregati import conteggi_generali as leggi_conteggi_generali
from archivio.cruscotto.filtri import Filtri
from pagine.filtri import valori_filtri
from pagine.risorse import TTL, TTL_BASE, archivio, impostazioni
from pagine.sessione import controlla_generazione


@st.cache_resource(show_spinner=False)
def tassonomia() -> Any:
    """The Piano di Zona taxonomy (the district's file when the setting names one)."""
    from analisi.piano import carica_tassonomia

    return carica_tassonomia(impostazioni().piano.tassonomia)


def nomi_aree() -> dict[str, str]:
    return {a.codice: f"{a.codice}. {a.nome}" for a in tassonomia().aree}


def nomi_schede() -> dict[str, str]:
    return {s.codice: f"{s.codice} {s.nome}" for s in tassonomia().schede}


# --------------------------------------------------------------------------------- stories and theme weights
@st.cache_data(ttl=TTL, show_spinner=False)
def racconti_df(filtri: Filtri) -> pd.DataFrame:
    """Metadata of the filtered visible stories (one row each, index: story id)."""
    with archivio().lettura() as s:
        righe = racconti_filtrati(s, filtri)
    colonne = ["id", "codice", "titolo", "associazione", "quartiere", "fascia_eta", "ruolo", "periodo",
               "data",
               "canale", "parole", "citabile"]
    return pd.DataFrame(righe, columns=colonne).set_index("id", drop=False)


@st.cache_data(ttl=TTL, show_spinner=False)
def dati_temi() -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """The active themes (labels, terms, quotes, prevalence) and the stories × themes weights.

    The weight columns are the themes' labels, in index order; rows are story ids.
    """
    from archivio import temi as archivio_temi

    with archivio().lettura() as s:
        temi = archivio_temi.leggi_temi(s, citazioni=True)
        righe = archivio_temi.assegnazioni(s)
    if not temi or not righe:
        return temi, pd.DataFrame()
    pesi = pd.DataFrame(righe).pivot_table(index="racconto_id", columns="tema", values="peso", fill_value=0.0)
    etichette = etichette_temi(temi)
    pesi = pesi.reindex(columns=range(len(temi)), fill_value=0.0)
    pesi.columns = [etichette[i] for i in range(len(temi))]
    return temi, pesi


def etichette_temi(temi: Sequence[dict[str, Any]]) -> list[str]:
    """Unique display labels "1. label" (two themes may share a label after an edit)."""
    return [f"{i + 1}. {t['etichetta']}" for i, t in enumerate(temi)]


# ------------------------------------------------------------------------------- whole-store aggregates
@st.cache_data(ttl=TTL_BASE, show_spinner=False)
def conteggi_generali() -> dict[str, int]:
    with archivio().lettura() as s:
        return leggi_conteggi_generali(s)


@st.cache_data(ttl=TTL_BASE, show_spinner=False)
def codici_racconti() -> pd.DataFrame:
    """(racconto_id, codice, frasi) for every visible story: pages filter this in memory."""
    with archivio().lettura() as s:
        righe = codici_per_racconto_tutti(s)
    return pd.DataFrame(righe, columns=["racconto_id", "codice", "frasi"])


@st.cache_data(ttl=TTL_BASE, show_spinner=False)
def frasi_racconti() -> pd.Series:
    with archivio().lettura() as s:
        return pd.Series(frasi_per_racconto(s), dtype="int64")


@st.cache_data(ttl=TTL_BASE, show_spinner=False)
def aree_racconti() -> pd.DataFrame:
    """(racconto_id, area, proposte, confermate) for every visible story with proposals."""
    with archivio().lettura() as s:
        righe = aree_per_racconto(s)
    return pd.DataFrame(righe, columns=["racconto_id", "area", "proposte", "confermate"])


_RISCALDAMENTO = threading.Lock()


def _server_in_funzione() -> bool:
    """True inside a serving Streamlit server. A Runtime object can exist without serving (importing
    ``dashboard`` builds its ``st.App``, e.g. in tests): a warm-up thread then would write into AppTest runs."""
    if not runtime.exists():
        return False
    from streamlit.runtime.runtime import RuntimeState

    return runtime.get_instance().state in (RuntimeState.NO_SESSIONS_CONNECTED,
                                            RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED)


def riscalda() -> None:
    """Fill the shared caches in the background while someone types their password on the login page.

    The aggregates do not depend on who logs in (every role sees the same counts); at most one warm-up
    runs at a time and a warm cache makes it a no-op. Nothing is shown to the anonymous visitor.
    """
    if not _server_in_funzione():  # only in a real server (AppTest and scripts have no running runtime)
        return
    if not _RISCALDAMENTO.acquire(blocking=False):
        return

    def lavora() -> None:
        try:
            with archivio().lettura() as s:
                controlla_generazione(ricevute.versione_dati(s))
            valori_filtri()
            conteggi_generali()
            racconti_df(Filtri())
            frasi_racconti()
            codici_racconti()
        except Exception:  # a warm-up must never disturb the login page
            logging.getLogger(__name__).exception("cache warm-up failed")
        finally:
            _RISCALDAMENTO.release()

    filo = threading.Thread(target=lavora, name="narrazioni-riscalda", daemon=True)
    add_script_run_ctx(filo, get_script_run_ctx())
    filo.start()
