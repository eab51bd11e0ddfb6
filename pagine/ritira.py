"""Ritira racconto (operatore, amministratore): withdraw a story for a narrator who brings their receipt, or
any story by its R- code (imported stories have no receipt) with a reason written in the audit.

Withdrawal erases the story everywhere (rows, full-text index, theme model files, encrypted backups, WAL);
every cached table of the dashboard is dropped at once (the store's generation counter changes)."""

from __future__ import annotations

import streamlit as st

from archivio.cifratura import Cifrario, ErroreChiave
from pagine.risorse import archivio, cifrario
from pagine.sessione import richiedi_pagina
from raccolta.operatore import ritira_per_conto
from raccolta.validazione import ErroreValidazione

utente = richiedi_pagina("ritira")

st.title("Ritira racconto")
st.write("Il racconto si cancella definitivamente: testo, frasi, codici, temi, copie di sicurezza. "
         "Non si può annullare.")
if esito := st.session_state.pop("ritira_esito", None):
    st.success(esito)

with st.form("ritira", clear_on_submit=True):
    codice = st.text_input("Codice di ricevuta del narratore, oppure codice del racconto (R-…)")
    motivo = st.text_input("Motivo (obbligatorio con il codice R-; resta nel registro: non scrivere nomi)")
    conferma = st.checkbox("Confermo: la cancellazione è definitiva")
    invia = st.form_submit_button("Ritira il racconto", type="primary")

if invia:
    if not conferma:
        st.error("Conferma che la cancellazione è definitiva.")
        st.stop()
    chiave: Cifrario | None
    try:
        chiave = cifrario()
    except ErroreChiave:
        chiave = None  # the encrypted backups cannot be rewritten: they are deleted instead
    try:
        ritiro = ritira_per_conto(archivio(), codice, operatore=utente["nome"], cifrario=chiave, motivo=motivo)
    except ErroreValidazione as e:
        st.error(" ".join(er.messaggio for er in e.errori))
    else:
        if ritiro is None:
            st.error("Nessun racconto con questo codice.")
        else:
            st.cache_data.clear()
            st.session_state["ritira_esito"] = (
                f"Racconto {ritiro.codice} ritirato e cancellato, con tutto ciò che ne derivava."
                if ritiro.completo else
                "La ricevuta era di un invio ripetuto dello stesso testo da parte di un'altra persona: è stato "
                "annullato solo quell'invio. Il racconto di chi l'ha inviato per primo resta.")
            st.rerun()
