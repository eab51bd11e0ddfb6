"""Login form (the only thing an anonymous visitor sees). Failed logins are rate-limited in the store.

The router shows it at every address while nobody is logged in, so a deep link (``/esplora``) opened
without a session asks for the password and then lands on the page asked for.
"""

from __future__ import annotations

import streamlit as st

from archivio.utenti import ErroreAccessoBloccato, LimitiLogin, verifica_login
from pagine.dati import riscalda
from pagine.risorse import archivio, cliente_connessione, impostazioni, segreto_tentativi
from pagine.sessione import entra


def mostra() -> None:
    st.title("Narrazioni")
    st.write("Accesso riservato a ricercatori, operatori e amministratori del Piano di Zona.")
    if st.session_state.pop("sessione_scaduta", False):
        st.info("La sessione è scaduta per inattività: accedi di nuovo.")
    with st.form("accesso"):
        nome = st.text_input("Nome utente", autocomplete="username", max_chars=80)
        password = st.text_input("Password", type="password", autocomplete="current-password", max_chars=200)
        entra_ora = st.form_submit_button("Entra")
    if entra_ora:
        utente = None
        try:
            # Counted before it is checked (parallel clicks cannot all be evaluated); the audit names only
            # existing users, the attempt keys are keyed hashes: nothing typed here is stored.
            imp = impostazioni()
            utente = verifica_login(archivio(), nome.strip(), password, cliente=cliente_connessione(),
                                    segreto=segreto_tentativi(),
                                    limiti=LimitiLogin(imp.sicurezza.tentativi_login,
                                                       imp.sicurezza.tentativi_login_globali))
        except ErroreAccessoBloccato:
            st.error("Accesso bloccato: troppi tentativi falliti da questo collegamento. Riprova tra 15 minuti.")
        else:
            if utente is None:
                st.error("Nome utente o password non corretti.")
        if utente is not None:
            entra(utente.nome_utente, utente.ruolo)
            st.rerun()
    st.caption(f"La sessione scade dopo {impostazioni().sicurezza.sessione_minuti} minuti di inattività.")
    riscalda()
