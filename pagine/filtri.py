"""The filters sidebar: the values offered (cached), the widgets that survive page changes, :class:`Filtri`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

import streamlit as st

from analisi.etichette import (
    FORMATO_DATA_WIDGET,
    PERIODI,
    etichetta_canale,
    etichetta_codice,
)
from archivio.cruscotto.filtri import Filtri, ValoriFiltri
from archivio.cruscotto.filtri import valori_filtri as leggi_valori_filtri
from pagine.risorse import TTL_BASE, archivio

# ------------------------------------------------------------------------------------------------- filters
T = TypeVar("T")


@st.cache_data(ttl=TTL_BASE, show_spinner=False)
def valori_filtri() -> ValoriFiltri:
    with archivio().lettura() as s:
        return leggi_valori_filtri(s)


def _persistente(chiave: str, crea: Callable[..., T], *args: Any, predefinito: Any = None,
                 **kwargs: Any) -> T:
    """A widget whose value survives page changes (Streamlit drops the state of widgets not drawn).

    The value lives in Session State (never passed to the widget as well, which Streamlit warns about).
    """
    salvata = f"_filtro_{chiave}"
    if chiave not in st.session_state:
        if salvata in st.session_state:
            st.session_state[chiave] = st.session_state[salvata]
        elif predefinito is not None:
            st.session_state[chiave] = predefinito
    valore = crea(*args, key=chiave, **kwargs)
    st.session_state[salvata] = valore
    return valore


def _scelta_multipla(etichetta: str, chiave: str, opzioni: Sequence[Any], **kwargs: Any) -> tuple[Any, ...]:
    if chiave in st.session_state:  # values that no longer exist (a theme refit) would make Streamlit fail
        st.session_state[chiave] = [v for v in st.session_state[chiave] if v in opzioni]
    salvata = f"_filtro_{chiave}"
    if salvata in st.session_state:
        st.session_state[salvata] = [v for v in st.session_state[salvata] if v in opzioni]
    return tuple(_persistente(chiave, st.multiselect, etichetta, list(opzioni), placeholder="Tutti",
                              **kwargs))


ETICHETTE_PERIODI = PERIODI  # the labels live in analisi.etichette


def barra_filtri(*, testo: bool = False, codici: bool = True) -> Filtri:
    """The filters in the sidebar (the same on every page, kept while moving between pages)."""
    v = valori_filtri()
    with st.sidebar:
        st.subheader("Filtri")
        ricerca = ""
        if testo:
            ricerca = _persistente("f_testo", st.text_input, "Cerca nel testo",
                                   help='Parole intere; "frase esatta"; paur* per l\'inizio di parola; '
                                        "-parola per escludere.")
        associazioni = _scelta_multipla("Associazione", "f_associazioni", v.associazioni)
        temi_opzioni = [t for t, _ in v.temi]
        etichette_temi = dict(v.temi)
        temi = _scelta_multipla("Tema principale", "f_temi", temi_opzioni,
                                format_func=lambda t: etichette_temi.get(t, str(t)))
        cod: tuple[str, ...] = ()
        if codici:
            cod = _scelta_multipla("Con frasi codificate come", "f_codici", v.codici,
                                   format_func=etichetta_codice)
        with st.expander("Altri filtri", expanded=False):
            periodi = _scelta_multipla("Periodo", "f_periodi", v.periodi,
                                       format_func=lambda p: ETICHETTE_PERIODI.get(p, p))
            quartieri = _scelta_multipla("Quartiere o zona", "f_quartieri", v.quartieri)
            fasce = _scelta_multipla("Fascia d'età", "f_fasce", v.fasce_eta)
            ruoli = _scelta_multipla("Ruolo di chi racconta", "f_ruoli", v.ruoli)
            canali = _scelta_multipla("Canale", "f_canali", v.canali, format_func=etichetta_canale)
            dal = al = None
            if v.dal and v.al:
                minimo, massimo = min(v.dal, date(2019, 1, 1)), max(v.al, date.today())
                salvato = st.session_state.get("f_date") or st.session_state.get("_filtro_f_date")
                if salvato and not all(minimo <= d <= massimo for d in salvato):
                    st.session_state.pop("f_date", None)
                    st.session_state.pop("_filtro_f_date", None)
                intervallo = _persistente("f_date", st.date_input, "Data del racconto",
                                          predefinito=(v.dal, v.al),
                                          min_value=minimo, max_value=massimo, format=FORMATO_DATA_WIDGET)
                if isinstance(intervallo, tuple | list) and len(intervallo) == 2:
                    dal, al = intervallo
                    if dal <= v.dal:
                        dal = None
                    if al >= v.al:
                        al = None
            citabili = _persistente("f_citabili", st.checkbox,
                                    "Solo racconti citabili (consenso alla citazione)")
        filtri = Filtri(associazioni=associazioni, quartieri=quartieri, fasce_eta=fasce, ruoli=ruoli,
                           periodi=periodi, canali=canali, dal=dal, al=al, solo_citabili=bool(citabili),
                           testo=str(ricerca or "").strip(), temi=temi, codici=cod)
        if filtri.attivi():
            st.caption(f"Filtri attivi: {filtri.attivi()}")
    return filtri
