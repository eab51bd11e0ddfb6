"""Elenco dei racconti: anonymised text only, with association and status."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from archivio import racconti as q
from pagine.comune import RUOLI_LEGGONO, archivio, richiedi_ruolo

richiedi_ruolo(*RUOLI_LEGGONO)


@st.cache_data(ttl=60)
def _elenco(associazione: str | None) -> pd.DataFrame:
    with archivio().lettura() as s:
        return pd.DataFrame(q.elenco_visibili(s, limite=5000, associazione=associazione))


@st.cache_data(ttl=60)
def _associazioni() -> list[str]:
    with archivio().lettura() as s:
        return q.nomi_associazioni(s)


st.title("Racconti")
with archivio().lettura() as s:
    stati = q.stati_per_racconto(s)
st.caption("Stato dell'anonimizzazione: " + ", ".join(f"{k}: {v}" for k, v in sorted(stati.items())))
scelta = st.selectbox("Associazione", ["Tutte", *_associazioni()])
df = _elenco(None if scelta == "Tutte" else scelta)
if df.empty:
    st.info("Nessun racconto visibile: i racconti compaiono qui dopo l'anonimizzazione (narrazioni elabora).")
else:
    st.write(f"{len(df)} racconti anonimizzati")
    st.dataframe(df.drop(columns=["testo"]), hide_index=True, use_container_width=True)
    codice = st.selectbox("Apri un racconto", df["codice"].tolist())
    riga = df[df["codice"] == codice].iloc[0]
    st.subheader(riga["titolo"] or codice)
    st.caption(f"{riga['associazione'] or 'nessuna associazione'} · {riga['periodo'] or ''} · {riga['parole']} parole")
    st.text(riga["testo"])
