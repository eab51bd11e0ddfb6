"""Login page (the only page an anonymous visitor sees). Failed logins are rate-limited in the store."""

from __future__ import annotations

import time

import streamlit as st

from archivio import audit
from archivio.utenti import ErroreUtente, verifica_login
from pagine.comune import archivio, impostazioni, riscalda

st.title("Narrazioni")
st.write("Accesso riservato a ricercatori, operatori e amministratori del Piano di Zona.")
if st.session_state.pop("sessione_scaduta", False):
    st.info("La sessione è scaduta per inattività: accedi di nuovo.")
with st.form("accesso"):
    nome = st.text_input("Nome utente", autocomplete="username")
    password = st.text_input("Password", type="password", autocomplete="current-password")
    entra = st.form_submit_button("Entra")
if entra:
    utente = None
    try:
        with archivio().transazione() as s:
            utente = verifica_login(s, nome.strip(), password,
                                    massimo_fallimenti=impostazioni().tentativi_login)
            audit.registra(s, nome.strip()[:80] or "?", "login_riuscito" if utente else "login_fallito")
    except ErroreUtente as e:
        st.error(f"Accesso bloccato: {e}.")
    else:
        if utente is None:
            st.error("Nome utente o password non corretti.")
    if utente is not None:
        st.session_state["utente"] = {"nome": utente.nome_utente, "ruolo": utente.ruolo,
                                      "ultima_attivita": time.time()}
        st.rerun()
st.caption(f"La sessione scade dopo {impostazioni().sessione_minuti} minuti di inattività.")
riscalda()
