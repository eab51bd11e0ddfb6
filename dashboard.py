"""Streamlit router: login, role-based navigation, nothing else. Run: streamlit run dashboard.py"""

from __future__ import annotations

import streamlit as st

from pagine.comune import utente_corrente

st.set_page_config(page_title="Narrazioni", page_icon="📖", layout="wide")

utente = utente_corrente()
if utente is None:
    pagina = st.navigation([st.Page("pagine/accesso.py", title="Accesso", url_path="accesso")])
else:
    pagine = [st.Page("pagine/racconti.py", title="Racconti", url_path="racconti", default=True)]
    pagina = st.navigation(pagine)
    with st.sidebar:
        st.write(f"**{utente['nome']}** · {utente['ruolo']}")
        if st.button("Esci"):
            st.session_state.pop("utente", None)
            st.rerun()
pagina.run()
