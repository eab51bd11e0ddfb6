"""Streamlit router: login, role-based navigation, nothing else. Run: streamlit run dashboard.py

Imported (not run as a script), this module is the ASGI app ``streamlit run`` serves: Streamlit's
``st.App`` with our protections (framing headers, client address; ``pagine/protezioni.py``). Run as the
page script, every error ends in an Italian message; the detail goes to the server's log only (Streamlit's
own error display is off too: ``client.showErrorDetails = "none"`` in ``.streamlit/config.toml``).
"""

from __future__ import annotations

import logging

import streamlit as st

log = logging.getLogger("narrazioni.dashboard")
MESSAGGIO_ERRORE = ("Si è verificato un errore e la pagina non può essere mostrata. Riprova tra qualche "
                    "minuto; se il problema continua, avvisa l'amministratore (i dettagli sono nel registro "
                    "del server).")


def _alla_panoramica() -> None:
    st.switch_page("pagine/panoramica.py")


def _non_permessa() -> None:
    st.title("Pagina non disponibile")
    st.error("Non hai i permessi per questa pagina.")
    st.page_link("pagine/panoramica.py", label="Vai alla Panoramica", icon=":material/dashboard:")


def _mostra() -> None:
    from pagine.registro import PAGINE, pagine_per
    from pagine.sessione import esci, registra, script_cookie, utente_corrente
    from pagine.visualizza import applica_stile

    st.set_page_config(page_title="Narrazioni", page_icon="📖", layout="wide")
    applica_stile()

    utente = utente_corrente()
    if utente is None:
        from pagine.accesso import mostra

        # Every address shows the login form (nothing else runs): a deep link opened without a session asks
        # for the password, then the same address shows the page asked for.
        pagina = st.navigation([st.Page(mostra, title="Accesso", url_path="accesso", default=True)]
                               + [st.Page(mostra, title=p.titolo, url_path=p.chiave) for p in PAGINE],
                               position="hidden")
    else:
        # One flat list, in the order of pagine.registro.PAGINE: Streamlit's sectioned menu is not a valid HTML
        # list (axe-core: "list", "listitem"), which screen readers announce badly.
        # The address "/" opens Panoramica at its own address (/panoramica), so that every page, the first
        # one too, has one URL that a reload or a bookmark finds again.
        # The addresses of the pages this role may not open (and /accesso) answer in Italian, without
        # running anything: no "Page not found" dialog in English.
        consentite = pagine_per(utente["ruolo"])
        pagina = st.navigation([st.Page(_alla_panoramica, title="Narrazioni", url_path="inizio", default=True,
                                        visibility="hidden")]
                               + [st.Page(p.file, title=p.titolo, url_path=p.chiave, icon=p.icona)
                                  for p in consentite]
                               + [st.Page(_non_permessa, title=p.titolo, url_path=p.chiave, visibility="hidden")
                                  for p in PAGINE if p not in consentite]
                               + [st.Page(_alla_panoramica, title="Accesso", url_path="accesso",
                                          visibility="hidden")])
        with st.sidebar:
            st.write(f"**{utente['nome']}** · {utente['ruolo']}")
            if st.button("Esci", icon=":material/logout:"):
                registra(utente["nome"], "logout")
                esci()
                st.rerun()
    script_cookie()
    if pagina.url_path != "revisione":
        st.session_state.pop("revisione", None)  # a decrypted original never outlives the review page
    pagina.run()


if __name__ == "__main__":  # the page script, run by Streamlit for every session and rerun
    try:
        _mostra()
    except Exception:  # st.stop / st.rerun are BaseException: they pass through
        # The error boundary: nothing of the exception (SQL, parameters, what was typed) reaches the page.
        log.exception("dashboard page failed")
        st.error(MESSAGGIO_ERRORE)
else:  # imported by `streamlit run dashboard.py`: the ASGI app it serves
    from archivio.impostazioni import carica_impostazioni
    from pagine.protezioni import middleware_dashboard

    app = st.App(__file__, middleware=middleware_dashboard(carica_impostazioni()))
