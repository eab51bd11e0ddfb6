"""Esporta (operatore): quotes grouped by Piano di Zona area and association, filtered, to XLSX (a sheet
per area), DOCX (ready for the Piano), CSV (formula-injection safe) and REFI-QDA (QDPX). Only stories
whose narrator consented to quotation; every quote carries story, association, theme, code and model, and
says whether a person confirmed it or the model proposed it. Abstention: by default only confirmed quotes and
the model's quotes at the precision-0.9 threshold (``esporta.soglia_modello``); the others are counted per
area in every file."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st

from analisi import esporta as ex
from analisi.codifica.codebook import CODICI, DESCRIZIONI, SOTTOCODICI
from analisi.etichette import data_it, etichetta_canale, etichetta_codice, etichetta_periodo, tabella_leggibile
from archivio.cruscotto.aggregati import temi_principali, testi_citabili
from archivio.cruscotto.citazioni import frasi_codificate
from archivio.cruscotto.filtri import Filtri
from pagine.dati import aree_racconti, codici_racconti, nomi_aree, nomi_schede, racconti_df
from pagine.filtri import barra_filtri
from pagine.registro import ruoli_di
from pagine.risorse import TTL, archivio, impostazioni
from pagine.scaricamenti import file_protetto
from pagine.sessione import richiedi_pagina

utente = richiedi_pagina("esporta")
RUOLI = ruoli_di("esporta")
SENZA_AREA = ""


def _tutti_i_codici(codici: tuple[str, ...]) -> list[str]:
    return [c for padre in codici for c in (padre, *(f"{padre}.{x}" for x in SOTTOCODICI.get(padre, ())))]


@st.cache_data(ttl=TTL, show_spinner=False)
def _anteprima(filtri: Filtri, codici: tuple[str, ...], aree: tuple[str, ...], soglia: float) -> ex.Selezione:
    with archivio().lettura() as s:
        righe = frasi_codificate(s, filtri, codici=_tutti_i_codici(codici), aree=aree, solo_citabili=True,
                                    limite=600)
    # every quote is previewed (marked "nei file" or not); the rule's left-out counts come with them
    tutte = ex.unisci(righe, soglia_area=impostazioni().piano.soglia_area)
    return ex.Selezione(tutte[:200], ex.applica_astensione(tutte, soglia).escluse, soglia)


def _descrivi(filtri: Filtri, codici: tuple[str, ...], aree: tuple[str, ...]) -> str:
    parti = [f"codici: {', '.join(codici)}"]
    if aree:
        parti.append("aree: " + ", ".join(a or "non assegnata" for a in aree))
    for campo in dataclasses.fields(filtri):
        valore = getattr(filtri, campo.name)
        if valore and campo.name != "solo_citabili":
            testo = ", ".join(map(str, valore)) if isinstance(valore, tuple) else str(valore)
            parti.append(f"{campo.name}: {testo}")
    return "; ".join(parti)


st.title("Esporta")
st.caption("Solo le frasi dei racconti i cui autori hanno acconsentito alla citazione. "
           "Ogni citazione riporta "
           "racconto, associazione, tema, codice e versione del modello.")
filtri = barra_filtri()
c1, c2 = st.columns(2)
codici = tuple(c1.multiselect("Codici da esportare", list(CODICI), default=["proposta"],
                              format_func=etichetta_codice) or ["proposta"])
etichette_aree = {**nomi_aree(), SENZA_AREA: ex.NESSUNA_AREA}
aree = tuple(c2.multiselect("Aree del Piano di Zona", list(etichette_aree),
                            format_func=lambda a: etichette_aree[a],
                            placeholder="Tutte le aree"))
# the summary comes from the cached per-story counts; the quotes themselves are read when a file is asked for
racconti = racconti_df(filtri)
citabili = racconti[racconti["citabile"].astype(bool)]
if codici == ("proposta",):
    aree_f = aree_racconti()
    aree_f = aree_f[aree_f["racconto_id"].isin(citabili.index)].copy()
    aree_f["chiave"] = aree_f["area"].map(lambda a: a if isinstance(a, str) and a else SENZA_AREA)
    if aree:
        aree_f = aree_f[aree_f["chiave"].isin(aree)]
    aree_f["gruppo"] = aree_f["chiave"].map(lambda a: etichette_aree.get(a, a))
    aree_f["associazione"] = citabili["associazione"].reindex(aree_f["racconto_id"]).to_numpy()
    storie = int(aree_f["racconto_id"].nunique())
    riepilogo = (aree_f.groupby(["gruppo", "associazione"])
                 .agg(citazioni=("proposte", "sum"), racconti=("racconto_id", "nunique")).reset_index()
                 .rename(columns={"gruppo": "area"}))
else:
    conteggi = codici_racconti()
    conteggi = conteggi[conteggi["racconto_id"].isin(citabili.index) & conteggi["codice"].isin(codici)].copy()
    conteggi["associazione"] = citabili["associazione"].reindex(conteggi["racconto_id"]).to_numpy()
    conteggi["codice"] = conteggi["codice"].map(etichetta_codice)
    storie = int(conteggi["racconto_id"].nunique())
    riepilogo = (conteggi.groupby(["codice", "associazione"])
                 .agg(citazioni=("frasi", "sum"), racconti=("racconto_id", "nunique")).reset_index())
if riepilogo.empty:
    st.info("Nessuna citazione esportabile con questi filtri (ricorda: solo racconti citabili).")
    st.stop()
# a story with quotes in several areas or associations counts once (the DOCX header counts the same way)
totale = int(riepilogo["citazioni"].sum())
st.subheader(f"{totale} citazioni da {storie} racconti")
soglia_modello = impostazioni().esporta.soglia_modello
tutte_modello = st.toggle(
    "Includi anche le proposte del modello non confermate sotto la soglia", value=False,
    help="Per impostazione i file contengono le frasi confermate da una persona e quelle del modello con "
         f"probabilità calibrata ≥ {soglia_modello:.2f} (precisione ≥ 90% su dati tenuti da parte); le altre "
         "sono contate per area.")
st.caption("Il riepilogo conta tutte le frasi; i file applicano la regola: "
           + ("solo frasi confermate da una persona" if soglia_modello >= 1 else
              f"frasi confermate e frasi del modello con probabilità ≥ {soglia_modello:.2f}")
           + (" — disattivata: anche le altre proposte del modello." if tutte_modello else "."))
if aree and codici != ("proposta",):
    st.caption("Il riepilogo conta tutte le aree; i file contengono solo le aree scelte.")
st.dataframe(riepilogo, hide_index=True, width="stretch")
with st.expander("Anteprima delle citazioni (prime 200)"):
    anteprima = _anteprima(filtri, codici, aree, 0.0 if tutte_modello else soglia_modello)
    if anteprima.totale_escluse:
        st.caption(f"{anteprima.totale_escluse} proposte del modello non confermate restano fuori dai file: "
                   + "; ".join(f"{ex.nome_area(a, nomi_aree())}: {n}" for a, n in sorted(
                       anteprima.escluse.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))) + ".")
    st.dataframe(tabella_leggibile(pd.DataFrame([{"nei file": ex.ammessa(c, anteprima.soglia),
                                                  **c.riga(nomi_aree(), nomi_schede(), anteprima.escluse)}
                                                 for c in anteprima.citazioni]).rename(columns=dict(ex.COLONNE))),
                 hide_index=True, width="stretch")

# everything a download needs is captured now: it runs on another thread, after the click
arch, aree_nomi, schede_nomi = archivio(), nomi_aree(), nomi_schede()
soglia_file = 0.0 if tutte_modello else soglia_modello
soglia_area = impostazioni().piano.soglia_area
descrizione = _descrivi(filtri, codici, aree)
autore = utente["nome"]
nome_base = f"narrazioni-{'-'.join(codici)}-{datetime.now():%Y%m%d-%H%M}"
scade = utente["ultima_attivita"] + impostazioni().sicurezza.sessione_minuti * 60  # a download after that is refused


def _citazioni() -> tuple[list[ex.Citazione], ex.Intestazione]:
    with arch.lettura() as s:
        righe = frasi_codificate(s, filtri, codici=_tutti_i_codici(codici), aree=aree, solo_citabili=True,
                                    limite=None)
    scelta = ex.applica_astensione(ex.unisci(righe, soglia_area=soglia_area), soglia_file)
    return scelta.citazioni, ex.Intestazione(creato_il=datetime.now(), autore=autore, filtri=descrizione,
                                             nomi_aree=aree_nomi, nomi_schede=schede_nomi,
                                             escluse=scelta.escluse, soglia=soglia_file)


def _qdpx() -> bytes:
    with arch.lettura() as s:
        testi = testi_citabili(s, filtri)
        frasi = frasi_codificate(s, filtri, solo_citabili=True, limite=None)
        temi = temi_principali(s, [t["id"] for t in testi])
    sorgenti = [ex.Sorgente(t["id"], t["codice"], t["testo"], {
        "associazione": t["associazione"], "quartiere": t["quartiere"], "fascia_eta": t["fascia_eta"],
        "ruolo": t["ruolo"], "periodo": etichetta_periodo(t["periodo"]) if t["periodo"] else None,
        "data": data_it(t["data"]) or None, "canale": etichetta_canale(t["canale"]) or None,
        "tema": temi.get(t["id"])}) for t in testi]
    return ex.a_qdpx(sorgenti, frasi, codebook=DESCRIZIONI, sottocodici=SOTTOCODICI, autore=autore,
                     nome_progetto="Narrazioni — esportazione", nomi_aree=aree_nomi, soglia=soglia_file,
                     soglia_area=soglia_area)


MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIME_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
formati: list[tuple[str, str, str, str, Callable[[], bytes]]] = [
    ("Excel (XLSX)", "xlsx", "Un foglio per area del Piano di Zona, più un riepilogo.", MIME_XLSX,
     lambda: ex.a_xlsx(*_citazioni())),
    ("Word (DOCX)", "docx", "Pronto per il Piano: un titolo per area, le citazioni, i conteggi e la fonte "
     "di ogni citazione.", MIME_DOCX, lambda: ex.a_docx(*_citazioni())),
    ("CSV", "csv", "Separatore punto e virgola, UTF-8; nessuna cella è interpretata come formula.",
     "text/csv", lambda: ex.a_csv(*_citazioni())),
    ("REFI-QDA (QDPX)", "qdpx", "Per continuare in NVivo, MAXQDA o ATLAS.ti: racconti citabili, libro dei "
     "codici, frasi codificate.", "application/zip", _qdpx),
]
dettagli = {"citazioni": totale, "racconti": storie, "codici": list(codici), "aree": list(aree),
            "soglia_modello": soglia_file}
colonne = st.columns(len(formati))
for colonna, (etichetta, estensione, aiuto, mime, genera) in zip(colonne, formati, strict=True):
    colonna.download_button(
        etichetta, help=aiuto,
        data=file_protetto(autore, RUOLI, f"esporta_{estensione}", genera, dettagli, scade=scade),
        file_name=f"{nome_base}.{estensione}", mime=mime, on_click="ignore", key=f"scarica_{estensione}",
        icon=":material/download:")
st.caption("Il QDPX contiene i racconti citabili interi (anonimizzati) con le frasi codificate, il libro dei "
           "codici e le aree del Piano di Zona; ogni codifica indica il modello o la persona che l'ha data.")
