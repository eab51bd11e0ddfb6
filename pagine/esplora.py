"""Esplora racconti: full-text search, keyword in context, filters on every attribute, one story opened
with its coded sentences highlighted. Only anonymised text of visible stories is ever shown."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from analisi.etichette import CODICI, data_it, etichetta_codice, etichetta_fonte, etichetta_periodo
from analisi.ricerca import cerca, kwic
from archivio.cruscotto import citazioni
from archivio.cruscotto.citazioni import RaccontoCompleto
from archivio.cruscotto.filtri import Filtri
from pagine.filtri import barra_filtri
from pagine.risorse import TTL, archivio, impostazioni, messaggio_elaborazione
from pagine.sessione import richiedi_pagina
from pagine.visualizza import html_racconto, legenda_codici, md_sicuro

richiedi_pagina("esplora")
PER_PAGINA = 50


@st.cache_data(ttl=TTL, show_spinner=False)
def _cerca(filtri: Filtri, pagina: int) -> tuple[int, pd.DataFrame]:
    with archivio().lettura() as s:
        totale, righe = cerca(s, filtri, limite=PER_PAGINA, offset=pagina * PER_PAGINA)
    return totale, pd.DataFrame([dataclasses.asdict(r) for r in righe],
                                columns=["codice", "titolo", "associazione", "data", "parole", "estratto"])


@st.cache_data(ttl=TTL, show_spinner=False)
def _kwic(filtri: Filtri, finestra: int) -> pd.DataFrame:
    with archivio().lettura() as s:
        righe = kwic(s, filtri, finestra=finestra)
    return pd.DataFrame([dataclasses.asdict(r) for r in righe],
                        columns=["codice", "associazione", "sinistra", "parola", "destra", "inizio"])


@st.cache_data(ttl=TTL, show_spinner=False)
def _racconto(codice: str) -> RaccontoCompleto | None:
    with archivio().lettura() as s:
        return citazioni.racconto(s, codice)


st.title("Esplora racconti")
filtri = barra_filtri()
if "esplora_testo" not in st.session_state and "_esplora_testo" in st.session_state:
    st.session_state["esplora_testo"] = st.session_state["_esplora_testo"]
ricerca = st.text_input("Cerca nel testo dei racconti", key="esplora_testo",
                        placeholder='es. solitudine, "centro diurno", paur*, -covid',
                        help='Parole intere, anche senza accenti; "frase esatta"; '
                             "paur* trova paura, paure...; "
                             "-parola esclude i racconti che la contengono.")
st.session_state["_esplora_testo"] = ricerca
filtri = dataclasses.replace(filtri, testo=ricerca.strip())

totale, risultati = _cerca(filtri, 0)
if totale == 0:
    st.info("Nessun racconto corrisponde alla ricerca e ai filtri.")
    st.stop()

scheda_racconti, scheda_kwic = st.tabs([f"Racconti ({totale})", "Parole nel contesto"])
with scheda_racconti:
    pagine = max(1, -(-totale // PER_PAGINA))
    pagina = 0
    if pagine > 1:
        pagina = int(st.number_input(f"Pagina (di {pagine})", min_value=1, max_value=pagine, value=1)) - 1
        totale, risultati = _cerca(filtri, pagina)
    st.caption(f"{totale} racconti; mostrati {pagina * PER_PAGINA + 1}–"
               f"{pagina * PER_PAGINA + len(risultati)}. "
               "Seleziona una riga per aprire il racconto.")
    evento = st.dataframe(
        risultati.assign(titolo=risultati["titolo"].fillna("")), hide_index=True, width="stretch",
        on_select="rerun", selection_mode="single-row",
        key="esplora_tabella",
        column_config={"codice": "Racconto", "titolo": "Titolo", "associazione": "Associazione",
                       "data": st.column_config.DateColumn("Data", format="DD/MM/YYYY"),
                       "parole": "Parole",
                       "estratto": st.column_config.TextColumn("Estratto", width="large")})
    righe_scelte = evento.selection.rows if evento is not None else []
    codici = risultati["codice"].tolist()
    scelta = codici[righe_scelte[0]] if righe_scelte and righe_scelte[0] < len(codici) else None
    if scelta and scelta != st.session_state.get("_esplora_riga"):  # a new click on the table wins once
        st.session_state["esplora_aperto"] = scelta
    st.session_state["_esplora_riga"] = scelta
    if st.session_state.get("esplora_aperto") not in codici:
        st.session_state["esplora_aperto"] = codici[0]
    titoli = dict(zip(risultati["codice"], risultati["titolo"], strict=True))
    aperto = st.selectbox("Apri il racconto", codici, key="esplora_aperto",
                          format_func=lambda c: f"{c} — {titoli.get(c) or ''}")

with scheda_kwic:
    if not filtri.testo:
        st.info("Scrivi una parola nella ricerca per vedere in quali contesti compare.")
    else:
        finestra = st.slider("Caratteri di contesto", 20, 150, 60, step=10)
        conc = _kwic(filtri, finestra)
        st.caption(f"{len(conc)} occorrenze" + (" (prime 1000)" if len(conc) >= 1000 else ""))
        st.dataframe(conc.drop(columns=["inizio"]), hide_index=True, width="stretch",
                     column_config={"codice": "Racconto", "associazione": "Associazione",
                                    "sinistra": st.column_config.TextColumn("Contesto a sinistra",
                                                                            width="large"),
                                    "parola": "Parola",
                                    "destra": st.column_config.TextColumn("Contesto a destra",
                                                                          width="large")})

r = _racconto(aperto)
if r is None:
    st.warning("Il racconto non è più disponibile.")
    st.stop()
st.divider()
st.subheader(md_sicuro(r.titolo or r.codice))
dettagli = [r.codice, r.associazione, data_it(r.data), etichetta_periodo(r.periodo) if r.periodo else None,
            r.quartiere,
            r.fascia_eta, r.ruolo, f"{r.parole} parole", f"tema: {r.tema}" if r.tema else None,
            "citabile" if r.citabile else "non citabile"]
st.caption(" · ".join(md_sicuro(d) for d in dettagli if d))
solo = st.multiselect("Evidenzia le frasi codificate come",
                      list(CODICI), format_func=etichetta_codice, placeholder="Tutti i codici")
st.html(legenda_codici())
st.html(html_racconto(r.testo, r.frasi, ricerca=filtri.testo, solo_codici=solo))
codificate = [f for f in r.frasi if f.codici]
with st.expander(f"Frasi codificate ({len(codificate)}) in tabella"):
    st.dataframe(pd.DataFrame([{"n.": f.indice + 1, "frase": f.testo,
                                "codici": ", ".join(etichetta_codice(c) for c in f.codici),
                                "fonte": ", ".join(sorted({etichetta_fonte(x) for x in f.fonti}))}
                               for f in codificate]),
                 hide_index=True, width="stretch")
if not r.frasi:
    st.caption("Frasi non ancora elaborate. " + messaggio_elaborazione(impostazioni().archivio.cartella_dati))
