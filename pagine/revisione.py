"""Revisione anonimizzazione (amministratore): stories held by the anonymiser, original and anonymised
text side by side; add or remove spans; approve → the re-anonymised text is stored and the story is
released to researchers. Reading an original text and approving are both written to the audit log."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from archivio import cruscotto as cq
from archivio.cifratura import ErroreChiave
from pagine.comune import (
    archivio,
    cifrario,
    impostazioni,
    messaggio_elaborazione,
    richiedi_pagina,
    testo_sicuro,
)

utente = richiedi_pagina("revisione")
ETICHETTE = ("PERSONA", "LUOGO", "ORGANIZZAZIONE", "INDIRIZZO", "TELEFONO", "EMAIL", "CODICE_FISCALE", "IBAN",
             "PARTITA_IVA", "TESSERA_SANITARIA", "TARGA", "URL", "DATA_NASCITA", "ETA")


def _coda() -> list[cq.InRevisione]:
    with archivio().lettura() as s:
        return cq.coda_revisione(s)


def _html_con_span(testo: str, span: list[cq.Span]) -> str:
    """The original text with the spans to hide marked (and labelled in words, not only by colour)."""
    pezzi, pos = [], 0
    for sp in sorted(span, key=lambda x: x.inizio):
        if sp.inizio < pos:
            continue
        pezzi.append(testo_sicuro(testo[pos:sp.inizio]))
        nuovo = " (aggiunto)" if sp.fonte == "umano" else ""
        pezzi.append(f"<mark style='background:#FFD6CC;color:inherit'>"
                     f"{testo_sicuro(testo[sp.inizio:sp.fine])}"
                     f"</mark><sub style='font-size:0.7em'>{html.escape(sp.etichetta)}{nuovo}</sub>")
        pos = sp.fine
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

st.dataframe(pd.DataFrame([{"racconto": r.codice, "associazione": r.associazione,
                            "motivi": "; ".join(r.motivi),
                            "in coda dal": r.creata_il, "parole": r.parole} for r in coda]),
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
            dettaglio = cq.dettaglio_revisione(s, voce.racconto_id, cifrario(), ruolo=utente["ruolo"],
                                               chi=utente["nome"])
    except (cq.ErroreCruscotto, ErroreChiave) as e:
        st.error(str(e))
        st.stop()
    base = dettaglio.grezzo if dettaglio.allineato else dettaglio.testo_anon
    iniziali = dettaglio.span if dettaglio.allineato else [
        cq.Span(a, b, et, sp, pu, fo) for a, b, et, sp, pu, fo in cq.segnaposti_in(dettaglio.testo_anon)]
    stato = {"racconto_id": voce.racconto_id, "dettaglio": dettaglio, "base": base, "span": list(iniziali),
             "allineato": dettaglio.allineato}
    st.session_state["revisione"] = stato
dettaglio = stato["dettaglio"]
span: list[cq.Span] = stato["span"]
base = str(stato["base"])

st.markdown("**Motivi della revisione:** " + "; ".join(dettaglio.motivi or ["—"]))
if not stato["allineato"]:
    st.warning("Non è stato possibile ricostruire le posizioni nel testo originale: "
               "la modifica parte dal testo "
               "anonimizzato (si possono aggiungere segnaposti, non toglierli).")

sinistra, destra = st.columns(2)
with sinistra:
    st.subheader("Testo originale" if stato["allineato"] else "Testo di partenza")
    st.html(_html_con_span(base, span))
nuovo, posizioni, _ = cq.ricostruisci(base, span)
with destra:
    st.subheader("Testo anonimizzato risultante")
    st.html("<div lang='it' style='line-height:1.7'>" + testo_sicuro(nuovo) + "</div>")

st.subheader("Modifica i dati da nascondere")
etichetta_span = {i: f"{sp.etichetta} «{base[sp.inizio:sp.fine]}» ({sp.inizio}–{sp.fine})"
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
        libere = cq.occorrenze_libere(base, da_nascondere, [(sp.inizio, sp.fine) for sp in span])
        if not libere:
            st.warning("Testo non trovato (o già nascosto).")
        else:
            stato["span"] = [*span, *(cq.Span(a, b, etichetta, None, 1.0, "umano") for a, b in libere)]
            st.rerun()

st.divider()
st.write(f"{len(posizioni)} segnaposti nel testo che sarà pubblicato.")
if st.button("Approva e pubblica", type="primary"):
    try:
        with archivio().transazione() as s:
            cq.approva_revisione(s, voce.racconto_id, stato["span"], cifrario(), ruolo=utente["ruolo"],
                                 chi=utente["nome"], base_grezza=stato["allineato"])
    except (cq.ErroreCruscotto, ErroreChiave) as e:
        st.error(str(e))
    else:
        st.session_state.pop("revisione", None)
        st.cache_data.clear()
        st.session_state["revisione_esito"] = f"Racconto {voce.codice} approvato. " + messaggio_elaborazione(
            impostazioni().cartella_dati)
        st.rerun()
