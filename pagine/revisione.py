"""Revisione anonimizzazione (amministratore): stories held by the anonymiser, original and anonymised
text side by side; add or remove spans; approve → the re-anonymised text is stored and the story is
released to researchers. Reading an original text and approving are both written to the audit log."""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from analisi.anonimizzazione import segnaposto as sg
from analisi.anonimizzazione.revisione import approva_revisione, apri_revisione
from analisi.anonimizzazione.rischio import segnali_nei_motivi
from analisi.etichette import tabella_leggibile
from archivio.cifratura import ErroreChiave
from archivio.cruscotto.revisioni import InRevisione, coda_revisione
from archivio.errori import ErroreCruscotto
from pagine.risorse import archivio, cifrario, impostazioni, messaggio_elaborazione
from pagine.sessione import richiedi_pagina
from pagine.visualizza import md_sicuro, testo_sicuro

utente = richiedi_pagina("revisione")
ETICHETTE = sg.ETICHETTE_REVISIONE


def _coda() -> list[InRevisione]:
    with archivio().lettura() as s:
        return coda_revisione(s)


def _html_con_span(testo: str, span: list[sg.Span], rischiosi: Sequence[tuple[int, int]] = ()) -> str:
    """The original text with the spans to hide marked (and labelled in words, not only by colour), and the
    words the anonymiser left in clear but thinks may be a name underlined and labelled "da controllare"."""
    segni: list[tuple[int, int, sg.Span | None]] = [(sp.start, sp.end, sp) for sp in span]
    segni += [(a, b, None) for a, b in rischiosi
              if 0 <= a < b <= len(testo) and not any(a < sp.end and sp.start < b for sp in span)]
    pezzi, pos = [], 0
    for inizio, fine, sp in sorted(segni, key=lambda x: x[0]):
        if inizio < pos:
            continue
        pezzi.append(testo_sicuro(testo[pos:inizio]))
        if sp is None:
            pezzi.append(f"<mark style='background:#FFF3B0;color:inherit;text-decoration:underline wavy'>"
                         f"{testo_sicuro(testo[inizio:fine])}</mark>"
                         f"<sub style='font-size:0.7em'>da controllare</sub>")
        else:
            nuovo = " (aggiunto)" if sp.fonte == "umano" else ""
            etichetta = sg.etichetta(sp.segnaposto or "", sp.label)
            pezzi.append(f"<mark style='background:#FFD6CC;color:inherit'>"
                         f"{testo_sicuro(testo[inizio:fine])}"
                         f"</mark><sub style='font-size:0.7em'>{html.escape(etichetta)}{nuovo}</sub>")
        pos = fine
    pezzi.append(testo_sicuro(testo[pos:]))
    return "<div lang='it' style='line-height:1.7'>" + "".join(pezzi) + "</div>"


st.title("Revisione anonimizzazione")
st.caption("Qui, e solo qui, l'amministratore legge il testo originale. Ogni lettura è registrata.")
if esito := st.session_state.pop("revisione_esito", None):
    st.success(esito)
coda = _coda()
if not coda:
    st.success("Nessun racconto in attesa di revisione.")
    st.stop()

st.dataframe(tabella_leggibile(pd.DataFrame([{"racconto": r.codice, "associazione": r.associazione,
                                              "motivi": "; ".join(r.motivi),
                                              "in coda dal": r.creata_il, "parole": r.parole} for r in coda])),
             hide_index=True, width="stretch")
per_codice = {r.codice: r for r in coda}
scelto = st.selectbox("Racconto da rivedere", list(per_codice),
                      format_func=lambda c: (f"{c} — {per_codice[c].associazione} — "
                                             f"{'; '.join(per_codice[c].motivi)}"))
voce = per_codice[scelto]
if not voce.grezzo_disponibile:
    st.warning("Il testo originale non è più disponibile: si possono solo aggiungere segnaposti.")

# decrypt (and audit) once per story opened, not at every click of the page
stato = st.session_state.get("revisione")
if not stato or stato["racconto_id"] != voce.racconto_id:
    try:
        with archivio().transazione() as s:
            dettaglio = apri_revisione(s, voce.racconto_id, cifrario(), ruolo=utente["ruolo"],
                                       chi=utente["nome"])
    except (ErroreCruscotto, ErroreChiave) as e:
        st.error(str(e))
        st.stop()
    stato = {"racconto_id": voce.racconto_id, "dettaglio": dettaglio, "base": dettaglio.base,
             "span": list(dettaglio.span),
             "allineato": dettaglio.allineato}
    st.session_state["revisione"] = stato
dettaglio = stato["dettaglio"]
span: list[sg.Span] = stato["span"]
base = str(stato["base"])

st.markdown("**Motivi della revisione:** " + md_sicuro("; ".join(dettaglio.motivi or ["—"])))
NOMI_CAMPI = {"titolo": "Titolo", "quartiere": "Quartiere o zona", "associazione_altra": "Altra associazione",
              "file": "File importato"}
campi = [{"campo": etichetta, "originale": dettaglio.campi_grezzi.get(nome, ""),
          "anonimizzato": "" if nome == "file" else (dettaglio.campi_anon.get(nome) or "")}
         for nome, etichetta in NOMI_CAMPI.items()
         if dettaglio.campi_grezzi.get(nome) or dettaglio.campi_anon.get(nome)]
if campi:  # plain-text cells: nothing typed by a citizen is interpreted
    st.dataframe(pd.DataFrame(campi), hide_index=True, width="stretch")
    st.caption("Titolo, zona e altra associazione sono anonimizzati insieme al testo (stessi segnaposti); "
               "solo questa pagina mostra gli originali.")
if not stato["allineato"]:
    st.warning("Non è stato possibile ricostruire le posizioni nel testo originale: "
               "la modifica parte dal testo "
               "anonimizzato (si possono aggiungere segnaposti, non toglierli).")

sinistra, destra = st.columns(2)
with sinistra:
    st.subheader("Testo originale" if stato["allineato"] else "Testo di partenza")
    rischiosi = segnali_nei_motivi(dettaglio.motivi) if stato["allineato"] else []
    if rischiosi:
        st.caption(f"{len(rischiosi)} parole sottolineate «da controllare»: l'anonimizzatore le ha lasciate in "
                   "chiaro ma potrebbero essere nomi. Se lo sono, aggiungile qui sotto.")
    st.html(_html_con_span(base, span, rischiosi))
nuovo, posizioni, _ = sg.ricostruisci(base, span)
with destra:
    st.subheader("Testo anonimizzato risultante")
    st.html("<div lang='it' style='line-height:1.7'>" + testo_sicuro(nuovo) + "</div>")

st.subheader("Modifica i dati da nascondere")
etichetta_span = {i: f"{sg.etichetta(sp.segnaposto or '', sp.label)} "
                     f"«{base[sp.start:sp.end]}» ({sp.start}–{sp.end})"
                  for i, sp in enumerate(span)}
if stato["allineato"]:
    togliere = st.multiselect("Togli (non è un dato personale)", list(etichetta_span),
                              format_func=lambda i: etichetta_span[i],
                              placeholder="Scegli i segnaposti da togliere", key=f"togli_{voce.racconto_id}")
    if togliere and st.button("Togli i segnaposti scelti"):
        stato["span"] = [sp for i, sp in enumerate(span) if i not in set(togliere)]
        st.session_state.pop(f"togli_{voce.racconto_id}", None)
        st.rerun()
with st.form(f"aggiungi_{voce.racconto_id}", clear_on_submit=True):
    c1, c2 = st.columns([3, 1])
    da_nascondere = c1.text_input("Aggiungi: testo da nascondere (tutte le occorrenze)")
    etichetta = c2.selectbox("Tipo", ETICHETTE)
    if st.form_submit_button("Aggiungi"):
        libere = sg.occorrenze_libere(base, da_nascondere, [(sp.start, sp.end) for sp in span])
        if not libere:
            st.warning("Testo non trovato (o già nascosto).")
        else:
            stato["span"] = [*span, *(sg.Span(a, b, etichetta, None, 1.0, "umano") for a, b in libere)]
            st.rerun()

st.divider()
st.write(f"{len(posizioni)} segnaposti nel testo che sarà pubblicato.")
if st.button("Approva e pubblica", type="primary"):
    try:
        with archivio().transazione() as s:
            approva_revisione(s, voce.racconto_id, stato["span"], cifrario(), ruolo=utente["ruolo"],
                              chi=utente["nome"], base_grezza=stato["allineato"])
    except (ErroreCruscotto, ErroreChiave) as e:
        st.error(str(e))
    else:
        st.session_state.pop("revisione", None)
        st.cache_data.clear()
        st.session_state["revisione_esito"] = f"Racconto {voce.codice} approvato. " + messaggio_elaborazione(
            impostazioni().archivio.cartella_dati)
        st.rerun()
