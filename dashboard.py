"""Streamlit router: login, role-based navigation, nothing else. Run: streamlit run dashboard.py"""

from __future__ import annotations

import streamlit as st

from pagine.comune import applica_stile, pagine_per, registra, utente_corrente

st.set_page_config(page_title="Narrazioni", page_icon="📖", layout="wide")
applica_stile()

utente = utente_corrente()
if utente is None:
    pagina = st.navigation([st.Page("pagine/accesso.py", title="Accesso", url_path="accesso",
                                    icon=":material/login:")])
else:
    # One flat list, in the order of pagine.comune.PAGINE: Streamlit's sectioned menu is not a valid HTML
    # list (axe-core: "list", "listitem"), which screen readers announce badly.
    pagina = st.navigation([st.Page(p.file, title=p.titolo, url_path=p.chiave, icon=p.icona,
                                    default=p.chiave == "panoramica") for p in pagine_per(utente["ruolo"])])
    with st.sidebar:
        st.write(f"**{utente['nome']}** · {utente['ruolo']}")
        if st.button("Esci", icon=":material/logout:"):
            registra(utente["nome"], "logout")
            st.session_state.clear()
            st.rerun()
if pagina.url_path != "revisione":
    st.session_state.pop("revisione", None)  # a decrypted original never outlives the review page
pagina.run()
