"""Ansie e proposte: coded sentences by code, sub-code, association, theme and time; proposals by Piano
di Zona area; the sentences themselves, filtered, one click away."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analisi import grafici_panoramica as gp
from analisi.codifica.codebook import CODICI
from analisi.etichette import etichetta_codice, tabella_leggibile
from archivio.cruscotto.citazioni import frasi_codificate
from archivio.cruscotto.filtri import Filtri
from pagine.dati import aree_racconti, codici_racconti, dati_temi, nomi_aree, nomi_schede, racconti_df
from pagine.filtri import barra_filtri
from pagine.risorse import TTL, archivio
from pagine.sessione import richiedi_pagina
from pagine.visualizza import mostra_figura

richiedi_pagina("ansie_proposte")
SOGLIA = gp.SOGLIA_CELLE


@st.cache_data(ttl=TTL, show_spinner=False)
def _frasi(filtri: Filtri, codice: str, aree: tuple[str, ...]) -> pd.DataFrame:
    with archivio().lettura() as s:
        righe = frasi_codificate(s, filtri, codici=[codice], aree=aree, limite=2000)
    return pd.DataFrame([{"racconto": r.racconto, "associazione": r.associazione, "tema": r.tema,
                          "data": r.data, "frase": r.testo, "area": r.area, "scheda": r.scheda,
                          "da": "persona" if r.fonte == "umano" else f"modello ({(r.probabilita or 0):.0%})",
                          "citabile": r.citabile} for r in righe])


st.title("Ansie e proposte")
filtri = barra_filtri()
racconti = racconti_df(filtri)
conteggi = codici_racconti()
conteggi = conteggi[conteggi["racconto_id"].isin(racconti.index)]
if conteggi.empty:
    st.info("Nessuna frase codificata tra i racconti filtrati (la codifica si fa con narrazioni elabora).")
    st.stop()
associazione_di = racconti["associazione"].astype(str)

st.subheader("Codici per associazione o per tema")
per = st.radio("Incrocia i codici con", ["associazione", "tema"], horizontal=True,
               format_func=lambda p: {"associazione": "Associazione", "tema": "Tema principale"}[p])
st.caption(f"Quota dei racconti del gruppo con almeno una frase del codice, con intervallo al 95% "
           f"(Wilson). Celle con meno di {SOGLIA} racconti nascoste.")
if per == "associazione":
    gruppi = associazione_di
else:
    _, pesi = dati_temi()
    pesi_f = pesi.loc[pesi.index.intersection(racconti.index)]
    gruppi = pesi_f.idxmax(axis=1) if not pesi_f.empty else pd.Series(dtype=object)
per_gruppo, presenze = gp.presenze_per_gruppo(conteggi, gruppi, CODICI)
titolo_gruppo = "Associazione" if per == "associazione" else "Tema principale"
mostra_figura(gp.mappa_calore(gp.tabella_quote_gruppi(per_gruppo, presenze, CODICI), x="codice", y="gruppo",
                              valore="quota", titolo_x="Codice", titolo_y=titolo_gruppo,
                              titolo_valore="Quota dei racconti", n="racconti", inferiore="inf",
                              superiore="sup"), chiave=f"codici_{per}")

st.subheader("Sottocodici")
famiglia = st.radio("Sottocodici di", ["ansia", "proposta"], horizontal=True, format_func=etichetta_codice)
sotto = conteggi[conteggi["codice"].str.startswith(famiglia + ".")].copy()
sotto["associazione"] = associazione_di.reindex(sotto["racconto_id"]).to_numpy()
per_associazione = associazione_di.value_counts()
sotto = sotto[sotto["associazione"].map(lambda a: per_associazione.get(a, 0) >= SOGLIA)]
if sotto.empty:
    st.caption("Nessun sottocodice assegnato (o solo in associazioni con meno di "
               f"{SOGLIA} racconti).")
else:
    sotto["sottocodice"] = sotto["codice"].map(lambda c: c.split(".", 1)[1].replace("_", " "))
    tabella = sotto.groupby(["sottocodice", "associazione"], as_index=False)["frasi"].sum()
    mostra_figura(gp.barre_per_gruppo(tabella, categoria="sottocodice", valore="frasi", gruppo="associazione",
                                      titolo_categoria="Sottocodice", titolo_valore="Frasi",
                                      titolo_gruppo="Associazione"), chiave="sottocodici")

st.subheader("Nel tempo")
tempo = conteggi[conteggi["codice"].isin(CODICI)].copy()
tempo["data"] = racconti["data"].reindex(tempo["racconto_id"]).to_numpy()
tempo = tempo[tempo["data"].notna()]
if not tempo.empty:
    tempo["mese"] = pd.to_datetime(tempo["data"]).dt.to_period("M").dt.start_time
    tempo["codice"] = tempo["codice"].map(etichetta_codice)
    mensile = tempo.groupby(["mese", "codice"], as_index=False)["frasi"].sum()
    mostra_figura(gp.linee_nel_tempo(mensile, tempo="mese", valore="frasi", serie="codice",
                                     titolo_valore="Frasi codificate", titolo_serie="Codice"), chiave="tempo")

st.subheader("Proposte per area del Piano di Zona")
aree = aree_racconti()
aree = aree[aree["racconto_id"].isin(racconti.index)].copy()
etichette_aree = nomi_aree()
if aree.empty:
    st.caption("Nessuna proposta tra i racconti filtrati.")
else:
    aree["associazione"] = associazione_di.reindex(aree["racconto_id"]).to_numpy()
    aree["area"] = aree["area"].map(lambda a: etichette_aree.get(a, a) if isinstance(a, str) and a
                                    else "Da assegnare")
    tabella = aree.groupby(["area", "associazione"], as_index=False)[["proposte", "confermate"]].sum()
    mostra_figura(gp.barre_per_gruppo(tabella, categoria="area", valore="proposte", gruppo="associazione",
                                      titolo_categoria="Area", titolo_valore="Proposte",
                                      titolo_gruppo="Associazione"), chiave="aree")
    st.caption(f"{int(aree['proposte'].sum())} proposte; {int(aree['confermate'].sum())} con l'area "
               "confermata da una persona.")

st.subheader("Le frasi")
c1, c2 = st.columns(2)
opzioni = [*CODICI, *sorted({c for c in conteggi["codice"].unique() if "." in c})]
scelto = str(c1.selectbox("Codice o sottocodice", opzioni, index=opzioni.index("proposta"),
                          format_func=etichetta_codice))
scelte_aree: tuple[str, ...] = ()
if scelto.startswith("proposta"):
    scelte_aree = tuple(c2.multiselect("Area", [*etichette_aree, ""], placeholder="Tutte le aree",
                                       format_func=lambda a: etichette_aree.get(a, "Da assegnare")))
frasi = _frasi(filtri, scelto, scelte_aree)
if frasi.empty:
    st.info("Nessuna frase con questo codice tra i racconti filtrati.")
else:
    schede = nomi_schede()
    frasi["area"] = frasi["area"].map(lambda a: etichette_aree.get(a, a) if a else "")
    frasi["scheda"] = frasi["scheda"].map(lambda x: schede.get(x, x) if x else "")
    st.caption(f"{len(frasi)} frasi" + (" (prime 2000)" if len(frasi) >= 2000 else "")
               + ". Le frasi di racconti non citabili non compaiono nelle esportazioni.")
    st.dataframe(tabella_leggibile(frasi, tranne=("data",)), hide_index=True, width="stretch",
                 column_config={"frase": st.column_config.TextColumn("Frase", width="large"),
                                "data": st.column_config.DateColumn("Data", format="DD/MM/YYYY")})
