"""Panoramica: how many stories, when, from which associations, how they are coded, processing state."""

from __future__ import annotations

from typing import Any

import streamlit as st

from analisi import grafici_panoramica as gp
from analisi.etichette import etichetta_canale, etichetta_periodo
from archivio.cruscotto.aggregati import stato_elaborazione
from pagine.dati import codici_racconti, conteggi_generali, frasi_racconti, racconti_df
from pagine.filtri import barra_filtri
from pagine.risorse import TTL, archivio
from pagine.sessione import richiedi_pagina
from pagine.visualizza import mostra_figura

richiedi_pagina("panoramica")


@st.cache_data(ttl=TTL, show_spinner=False)
def _elaborazione() -> list[dict[str, Any]]:
    with archivio().lettura() as s:
        return stato_elaborazione(s)


st.title("Panoramica")
filtri = barra_filtri()
generali = conteggi_generali()
df = racconti_df(filtri)

c1, c2, c3, c4 = st.columns(4)
c1.metric("Racconti visibili", f"{len(df):,}".replace(",", "."),
          help="Anonimizzati e approvati, con i filtri applicati.")
c2.metric("Racconti in archivio", f"{generali['racconti']:,}".replace(",", "."))
c3.metric("In revisione", generali["in_revisione"], help="Trattenuti per la revisione dell'anonimizzazione.")
c4.metric("Frasi codificate", f"{generali['frasi_codificate']:,}".replace(",", "."),
          help=(f"su {generali['frasi']:,} frasi; correzioni manuali: "
                f"{generali['correzioni_umane']}").replace(",", "."))

if df.empty:
    st.info("Nessun racconto corrisponde ai filtri. I racconti compaiono dopo l'anonimizzazione "
            "(narrazioni elabora) e l'eventuale revisione.")
    st.stop()

sinistra, destra = st.columns(2)
with sinistra:
    st.subheader("Racconti nel tempo")
    mostra_figura(gp.racconti_nel_tempo(df["data"]), chiave="tempo")
    senza_tempo = int(df["data"].isna().sum())
    st.caption("Per tempo narrato: la data indicata nel racconto o, se manca, il periodo scelto (non il giorno "
               "dell'invio)." + (f" {senza_tempo} racconti senza periodo indicato non sono nel grafico."
                                 if senza_tempo else ""))
with destra:
    st.subheader("Racconti per associazione")
    mostra_figura(gp.conteggio_per_categoria(df["associazione"], titolo="Associazione"),
                  chiave="associazioni")

sinistra, destra = st.columns(2)
with sinistra:
    st.subheader("Codifica delle frasi")
    mostra_figura(gp.quote_codici(gp.quote_codici_da(codici_racconti(), frasi_racconti(), df.index)),
                  chiave="codici")
with destra:
    st.subheader("Chi racconta")
    scelta = st.radio("Mostra per", ["Fascia d'età", "Ruolo", "Periodo", "Canale"], horizontal=True)
    colonna = {"Fascia d'età": "fascia_eta", "Ruolo": "ruolo", "Periodo": "periodo",
               "Canale": "canale"}[scelta]
    valori = df[colonna]
    if colonna == "periodo":
        valori = valori.map(lambda p: etichetta_periodo(p) if p else None)
    elif colonna == "canale":
        valori = valori.map(etichetta_canale)
    mostra_figura(gp.conteggio_per_categoria(valori, titolo=scelta), chiave="chi")

st.subheader("Stato dell'elaborazione")
st.caption(f"Anonimizzazione: {generali['visibili']} approvati, {generali['in_revisione']} in revisione, "
           f"{generali['in_attesa']} in attesa.")
mostra_figura(gp.stato_elaborazione(_elaborazione()), chiave="elaborazione")
