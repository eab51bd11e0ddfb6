"""Temi: the themes with editable labels, their top terms and representative quotes, their prevalence
among the filtered stories and over time (months or pandemic phases), with 95% intervals."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analisi import confronti
from analisi import grafici_temi as gt
from analisi.etichette import tabella_leggibile
from analisi.temi.misure import diffusione_temi
from archivio import temi as archivio_temi
from pagine.dati import dati_temi, etichette_temi, racconti_df
from pagine.filtri import barra_filtri
from pagine.risorse import archivio
from pagine.sessione import richiedi_pagina
from pagine.visualizza import md_sicuro, mostra_grafico, tabella_mostrabile, testo_sicuro

utente = richiedi_pagina("temi")
PUO_MODIFICARE = utente["ruolo"] in ("ricercatore", "amministratore")



def _parole(tema: dict[str, object], n: int = 5) -> str:
    termini = tema.get("termini") or []
    assert isinstance(termini, list)
    return ", ".join((x[0] if isinstance(x, list | tuple) else str(x)).replace("_", " ") for x in termini[:n])


st.title("Temi")
filtri = barra_filtri()
temi, pesi = dati_temi()
if not temi or pesi.empty:
    st.info("Nessun tema ancora: i temi si calcolano con narrazioni elabora (fase temi) quando ci sono "
            "abbastanza racconti.")
    st.stop()
racconti = racconti_df(filtri)
pesi_f = pesi.loc[pesi.index.intersection(racconti.index)]
if pesi_f.empty:
    st.info("Nessun racconto con temi corrisponde ai filtri.")
    st.stop()
etichette = etichette_temi(temi)
principale = pesi_f.idxmax(axis=1).value_counts()
riepilogo = [{"tema": e, "etichetta": e, "prevalenza": float(pesi_f[e].mean()), "termini": t["termini"],
              "n_principale": int(principale.get(e, 0))} for e, t in zip(etichette, temi, strict=True)]

st.caption(f"{len(temi)} temi su {len(pesi_f)} racconti (con i filtri). La prevalenza è la quota media del "
           "contenuto dei racconti che appartiene al tema.")
mostra_grafico(gt.grafico_prevalenza(riepilogo),
               descrizione="Prevalenza di ciascun tema nei racconti filtrati (tabella sotto il grafico).")
with st.expander("Tabella dei dati (alternativa accessibile al grafico)"):
    tabella = gt.tabella_prevalenza(riepilogo)
    tabella["racconti in cui è il tema principale"] = [principale.get(e, 0) for e in tabella["tema"]]
    st.dataframe(tabella.drop(columns="etichetta"), hide_index=True, width="stretch")

st.subheader("Un tema da vicino")
scelto = st.selectbox("Tema", range(len(temi)), format_func=lambda i: etichette[i])
tema = temi[scelto]
c1, c2 = st.columns([1, 2])
with c1:
    st.markdown("**Parole più caratteristiche**")
    termini = [(x[0], float(x[1])) if isinstance(x, list | tuple) else (str(x), None)
               for x in tema["termini"]]
    st.dataframe(tabella_leggibile(pd.DataFrame([{"parola": p.replace("_", " "),
                                                   "peso": round(w, 3) if w is not None else None}
                                                  for p, w in termini[:15]])), hide_index=True, width="stretch")
    st.caption(f"Tema principale di {principale.get(etichette[scelto], 0)} racconti filtrati.")
with c2:
    st.markdown("**Citazioni rappresentative**")
    codici_filtrati = set(racconti["codice"])
    citazioni = [c for c in tema.get("citazioni", []) if c["codice"] in codici_filtrati][:10]
    if not citazioni:
        st.caption("Nessuna citazione rappresentativa tra i racconti filtrati.")
    for c in citazioni:
        st.html(f"<blockquote lang='it' style='margin:0 0 4px 0;border-left:3px solid #0072B2;"
                f"padding-left:8px'>"
                f"{testo_sicuro(c['testo'])}</blockquote><div style='font-size:0.8rem;color:#555'>Racconto "
                f"{testo_sicuro(c['codice'])}</div>")

if PUO_MODIFICARE:
    with st.expander("Modifica le etichette dei temi"):
        st.caption("Le etichette scelte restano anche quando i temi vengono ricalcolati, "
                   "se il tema persiste.")
        with st.form("etichette"):
            nuove = {t["id"]: st.text_input(f"Tema {i + 1} — parole: {md_sicuro(_parole(t))}", value=t["etichetta"],
                                            key=f"etichetta_{t['id']}", max_chars=200)
                     for i, t in enumerate(temi)}
            if st.form_submit_button("Salva le etichette"):
                cambiate = {i: e for i, e in nuove.items() if e.strip() and e.strip() != next(
                    t["etichetta"] for t in temi if t["id"] == i)}
                with archivio().transazione() as s:
                    for tema_id, etichetta in cambiate.items():
                        archivio_temi.rinomina_tema(s, tema_id, etichetta, utente["nome"])
                st.cache_data.clear()
                st.success(f"Etichette aggiornate: {len(cambiate)}.")
                st.rerun()

st.subheader("Temi tra le associazioni")
associazioni_f = racconti.loc[pesi_f.index, "associazione"]
if associazioni_f.nunique() < 2:
    st.info("Servono racconti di almeno due associazioni (con i filtri) per vedere come i temi si distribuiscono.")
else:
    diffusione = diffusione_temi(pesi_f.to_numpy(), [a if isinstance(a, str) else None for a in associazioni_f])
    st.caption("I temi sono trasversali: le parole tipiche di una sola associazione ne sono escluse (quelle "
               "sono nelle parole distintive). Per ogni tema: da quale associazione viene la quota maggiore del "
               "suo peso e l'entropia normalizzata (1 = distribuito in modo uniforme tra le associazioni, "
               "0 = tutto da una). La linea tratteggiata segna il 40 %.")
    mostra_grafico(gt.grafico_diffusione(etichette, diffusione),
                   descrizione="Quota di ciascun tema che viene dall'associazione principale (tabella sotto).")
    with st.expander("Tabella dei dati (alternativa accessibile al grafico)"):
        st.dataframe(tabella_mostrabile(gt.tabella_diffusione(etichette, diffusione)), hide_index=True,
                     width="stretch")

st.subheader("Temi nel tempo")
per = st.radio("Raggruppa per", ["mese", "fase"], horizontal=True,
               format_func=lambda p: {"mese": "Mese", "fase": "Fase della pandemia"}[p])
nel_tempo = confronti.temi_nel_tempo(pesi_f, racconti.loc[pesi_f.index, "data"], per=per,
                                     fasi=racconti.loc[pesi_f.index, "periodo"], n_bootstrap=500)
mostrati = st.multiselect("Temi da mostrare", etichette, default=etichette[:min(4, len(etichette))])
if nel_tempo.empty or not mostrati:
    st.info("Nessun dato nel tempo per i temi scelti.")
else:
    mostra_grafico(gt.grafico_temi_nel_tempo(nel_tempo, mostrati),
                   descrizione="Prevalenza dei temi scelti per periodo, con intervalli al 95% "
                               "(tabella sotto).")
    st.caption(f"Periodi con meno di {confronti.MINIMO_CELLA} racconti non mostrati.")
    with st.expander("Tabella dei dati (alternativa accessibile al grafico)"):
        tab = gt.tabella_temi_nel_tempo(nel_tempo)
        st.dataframe(tabella_mostrabile(tab[tab["tema"].isin(mostrati)]), hide_index=True, width="stretch")
