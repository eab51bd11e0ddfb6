"""Associazioni: themes × associations with 95% intervals and small-cell suppression; click a cell to read
the quotes behind it; the words that distinguish each association (log-odds with informative prior)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from analisi import confronti
from analisi import grafici_temi as gt
from analisi.etichette import tabella_leggibile
from archivio.cruscotto.aggregati import frasi_di, testi_visibili
from pagine.dati import dati_temi, etichette_temi, racconti_df
from pagine.filtri import barra_filtri
from pagine.risorse import TTL, archivio
from pagine.sessione import richiedi_pagina
from pagine.visualizza import md_sicuro, mostra_grafico, tabella_mostrabile, testo_sicuro

richiedi_pagina("associazioni")
SOGLIA = confronti.MINIMO_CELLA


@st.cache_data(ttl=TTL, show_spinner=False)
def _prevalenze(pesi: pd.DataFrame, gruppi: tuple[str, ...]) -> pd.DataFrame:
    return confronti.prevalenza_per_gruppo(pesi, list(gruppi), n_bootstrap=500)


@st.cache_data(ttl=600, show_spinner="Preparo le parole dei racconti…")
def _parole_racconti() -> dict[int, list[str]]:
    """Tokens of every visible story for the distinctive words (stop words and placeholders left out).

    Computed once for all stories and cached, so that a filter change only recounts.
    """
    from analisi.lingua_it import parole_vuote
    from analisi.temi.preprocessa import segmenti

    vuote = parole_vuote()
    with archivio().lettura() as s:
        testi = testi_visibili(s)
    return {i: [w for seg in segmenti(t) for w in seg if len(w) > 2 and w not in vuote]
            for i, t in testi.items()}


@st.cache_data(ttl=TTL, show_spinner=False)
def _frasi(ids: tuple[int, ...]) -> dict[int, list[tuple[int, str]]]:
    with archivio().lettura() as s:
        return frasi_di(s, ids)


def _radici(termini: Sequence[object], n: int = 10) -> list[str]:
    out = []
    for x in list(termini)[:n]:
        parola = str(x[0] if isinstance(x, list | tuple) else x)
        for p in parola.split("_"):
            if len(p) > 3:
                out.append(p[:max(4, len(p) - 2)].lower())
    return out


def _frase_migliore(frasi: list[tuple[int, str]], radici: list[str]) -> str:
    """The story's sentence that uses most of the theme's words (word starts, accents aside)."""
    def punteggio(testo: str) -> int:
        parole = re.findall(r"\w+", testo.lower())
        return sum(any(p.startswith(r) for p in parole) for r in radici)

    if not frasi:
        return ""
    return max(frasi, key=lambda f: (punteggio(f[1]), -f[0]))[1]


st.title("Associazioni")
filtri = barra_filtri()
temi, pesi = dati_temi()
racconti = racconti_df(filtri)
if not temi or pesi.empty or racconti.empty:
    st.info("Servono racconti con i temi calcolati (narrazioni elabora) che corrispondano ai filtri.")
    st.stop()
pesi_f = pesi.loc[pesi.index.intersection(racconti.index)]
gruppi = racconti.loc[pesi_f.index, "associazione"].astype(str)
vista = st.segmented_control("Mostra", ["Temi per associazione", "Parole distintive"],
                             default="Temi per associazione",
                             key="associazioni_vista") or "Temi per associazione"

if vista == "Temi per associazione":
    prevalenze = _prevalenze(pesi_f, tuple(gruppi))
    st.caption(f"Quota media del contenuto dei racconti per tema, con intervallo al 95% (bootstrap sui "
               f"racconti). Le associazioni con meno di {SOGLIA} racconti sono nascoste (n < {SOGLIA}).")
    mostra_grafico(gt.grafico_temi_associazioni(prevalenze),
                   descrizione="Mappa di calore temi per associazione; la stessa tabella è qui sotto.")
    tabella = gt.tabella_temi_associazioni(prevalenze)
    st.markdown("**Tabella: seleziona una cella per leggere le citazioni**")
    evento = st.dataframe(tabella_mostrabile(tabella), hide_index=True, width="stretch", on_select="rerun",
                          selection_mode="single-cell", key="associazioni_tabella")
    celle = evento.selection.cells if evento is not None else []
    temi_colonne = [c for c in tabella.columns if c != "associazione"]
    associazioni = tabella["associazione"].tolist()
    if celle and celle[0][1] in temi_colonne and celle[0][0] < len(associazioni):
        if (celle[0][0], celle[0][1]) != st.session_state.get("_associazioni_cella"):
            st.session_state["cella_associazione"] = associazioni[celle[0][0]]
            st.session_state["cella_tema"] = celle[0][1]
        st.session_state["_associazioni_cella"] = (celle[0][0], celle[0][1])
    # the same choice without a mouse: two select boxes (kept in sync with the click above)
    c1, c2 = st.columns(2)
    if st.session_state.get("cella_associazione") not in associazioni:
        st.session_state["cella_associazione"] = associazioni[0]
    if st.session_state.get("cella_tema") not in temi_colonne:
        st.session_state["cella_tema"] = temi_colonne[0]
    associazione = c1.selectbox("Associazione", associazioni, key="cella_associazione")
    tema = c2.selectbox("Tema", temi_colonne, key="cella_tema")

    riga = prevalenze[(prevalenze["gruppo"] == associazione) & (prevalenze["tema"] == tema)]
    if riga.empty or bool(riga["soppresso"].iloc[0]):
        st.warning(f"Cella con meno di {SOGLIA} racconti: le citazioni non si mostrano, per non rendere "
                   "riconoscibili i narratori.")
        st.stop()
    r = riga.iloc[0]
    st.subheader(f"{md_sicuro(associazione)} × {md_sicuro(tema)}")
    st.caption(f"Prevalenza {r['prevalenza']:.0%} (IC 95% {r['inf']:.0%}–{r['sup']:.0%}) "
               f"su {int(r['n'])} racconti.")
    nell_associazione = pesi_f[gruppi == associazione]
    principali = (nell_associazione[nell_associazione.idxmax(axis=1) == tema][tema]
                  .sort_values(ascending=False))
    if principali.empty:
        st.info("In questa associazione nessun racconto ha questo come tema principale.")
        st.stop()
    st.write(f"{len(principali)} racconti dell'associazione hanno questo tema come principale; i primi 20:")
    radici = _radici(temi[etichette_temi(temi).index(tema)]["termini"])
    primi = principali.head(20)
    frasi = _frasi(tuple(int(i) for i in primi.index))
    righe = [{"racconto": racconti.at[i, "codice"], "peso del tema": round(float(p), 2),
              "citazione": _frase_migliore(frasi.get(int(i), []), radici)} for i, p in primi.items()]
    for voce in righe:
        st.html(f"<blockquote lang='it' style='margin:0 0 2px 0;border-left:3px solid #0072B2;"
                f"padding-left:8px'>"
                f"{testo_sicuro(voce['citazione'])}</blockquote><div style='font-size:0.8rem;color:#555'>"
                f"Racconto {testo_sicuro(voce['racconto'])} · "
                f"peso del tema {voce['peso del tema']:.2f}</div>")
    with st.expander("Le stesse citazioni in tabella"):
        st.dataframe(tabella_leggibile(pd.DataFrame(righe)), hide_index=True, width="stretch")
else:
    st.caption("Le parole che ogni associazione usa più delle altre (log-odds con prior informativo, "
               "Monroe et al. "
               f"2008); z > 1,96 è significativo. Associazioni con meno di {SOGLIA} racconti nascoste.")
    parole = _parole_racconti()
    ids = [i for i in racconti.index if i in parole]
    distintive = confronti.parole_distintive([parole[i] for i in ids],
                                             racconti.loc[ids, "associazione"].astype(str).tolist(), top=12)
    if distintive.empty:
        st.info("Troppo pochi racconti per le parole distintive.")
        st.stop()
    if not (distintive["soppresso"]).all():
        mostra_grafico(gt.grafico_parole_distintive(distintive), larghezza="content",
                       descrizione="Parole distintive per associazione (punteggio z); "
                                   "la tabella è qui sotto.")
    nessuna = not (~distintive["soppresso"]).any()
    with st.expander("Tabella dei dati (alternativa accessibile al grafico)", expanded=nessuna):
        st.dataframe(tabella_mostrabile(gt.tabella_parole_distintive(distintive)), hide_index=True,
                     width="stretch")
