"""Inserisci racconto (operatore): a story collected on paper, typed in with the public form's validation
and the consent version the narrator signed; the operator gives the narrator the receipt code. Withdrawals
have their own page (pagine/ritira.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from archivio import racconti as q
from archivio.cifratura import ErroreChiave
from pagine.filtri import ETICHETTE_PERIODI
from pagine.risorse import archivio, cifrario, impostazioni
from pagine.sessione import richiedi_pagina
from raccolta.operatore import inserisci_racconto_cartaceo
from raccolta.validazione import FASCE_ETA, MAX_CARATTERI, RUOLI, ErroreValidazione

utente = richiedi_pagina("inserisci")
NESSUNA, ALTRA = "— nessuna —", "— altra (scrivi il nome) —"


def _opzioni() -> tuple[list[str], list[str]]:
    with archivio().lettura() as s:
        return q.nomi_associazioni(s), q.versioni_consenso(s)


st.title("Inserisci racconto")
st.caption("Per i racconti raccolti su carta: stessi controlli del modulo pubblico. Il racconto passa poi "
           "dall'anonimizzazione come tutti gli altri.")
if esito := st.session_state.pop("inserisci_esito", None):
    st.success(f"Racconto registrato con il codice {esito['codice']}. Consegna al narratore questo codice di "
               "ricevuta: serve per ritirare il racconto.")
    st.code(esito["ricevuta"], language=None)

associazioni, versioni = _opzioni()
if not versioni:
    st.error("Nessuna versione del consenso registrata: esegui narrazioni init.")
    st.stop()
giro = st.session_state.setdefault("inserisci_giro", 0)  # a new key set empties the form after a success
errori: dict[str, str] = st.session_state.pop("inserisci_errori", {})
duplicato = st.session_state.get("inserisci_duplicato", False)


def _campo_errore(nome: str) -> None:
    if nome in errori:
        st.error(errori[nome])


with st.form(f"inserisci_{giro}"):
    testo = st.text_area("Testo del racconto (trascritto fedelmente)", height=260, max_chars=MAX_CARATTERI)
    _campo_errore("testo")
    titolo = st.text_input("Titolo (facoltativo)")
    _campo_errore("titolo")
    c1, c2 = st.columns(2)
    associazione = c1.selectbox("Associazione", [NESSUNA, *associazioni, ALTRA])
    altra = c2.text_input("Nome dell'altra associazione")
    _campo_errore("associazione")
    _campo_errore("associazione_altra")
    c1, c2, c3 = st.columns(3)
    quartiere = c1.text_input("Quartiere o zona")
    fascia = c2.selectbox("Fascia d'età", ["", *FASCE_ETA], format_func=lambda v: v or "— non indicata —")
    ruolo = c3.selectbox("Chi racconta", ["", *RUOLI], format_func=lambda v: v or "— non indicato —")
    c1, c2 = st.columns(2)
    periodo = c1.selectbox("Periodo raccontato", ["", *ETICHETTE_PERIODI],
                           format_func=lambda v: ETICHETTE_PERIODI.get(v, "— non indicato —"))
    data_racconto = c2.date_input("Data del racconto", value=None, min_value=date(2019, 1, 1),
                                  max_value=date(2035, 12, 31), format="DD/MM/YYYY")
    for nome in ("quartiere", "fascia_eta", "ruolo", "periodo", "data"):
        _campo_errore(nome)
    predefinita = impostazioni().modulo.versione_consenso
    versione = st.selectbox("Versione del consenso firmato", versioni,
                            index=(versioni.index(predefinita) if predefinita in versioni
                                   else len(versioni) - 1))
    _campo_errore("versione_consenso")
    consenso = st.checkbox("Il narratore ha firmato il consenso al trattamento dei dati (modulo cartaceo)")
    _campo_errore("consenso")
    citazione = st.checkbox("Il narratore autorizza la citazione di brevi frasi anonimizzate")
    conferma_duplicato = st.checkbox("Inserisci anche se è un duplicato", disabled=not duplicato)
    invia = st.form_submit_button("Registra il racconto", type="primary")

if invia:
    campi: dict[str, Any] = {
        "testo": testo, "titolo": titolo,
        "associazione": ("altra" if associazione == ALTRA
                         else "" if associazione == NESSUNA else associazione),
        "associazione_altra": altra if associazione == ALTRA else "", "quartiere": quartiere,
        "fascia_eta": fascia, "ruolo": ruolo, "periodo": periodo,
        "data": data_racconto.isoformat() if data_racconto else "", "consenso": consenso,
        "consenso_citazione": citazione}
    try:
        esito = inserisci_racconto_cartaceo(archivio(), cifrario(), campi, versione_consenso=versione,
                                            operatore=utente["nome"], consenti_duplicato=conferma_duplicato)
    except ErroreValidazione as e:
        st.session_state["inserisci_errori"] = {er.campo: er.messaggio for er in e.errori}
        st.session_state["inserisci_duplicato"] = any("già presente" in er.messaggio for er in e.errori)
        st.error("Il racconto non è stato registrato: " + " ".join(er.messaggio for er in e.errori))
    except ErroreChiave as e:
        st.error(f"Chiave di cifratura non disponibile: {e}")
    else:
        st.session_state["inserisci_esito"] = {"codice": esito.codice_racconto, "ricevuta": esito.ricevuta}
        st.session_state["inserisci_giro"] = giro + 1
        st.session_state["inserisci_duplicato"] = False
        st.cache_data.clear()
        st.rerun()

st.divider()
st.caption("Per ritirare un racconto (con la ricevuta del narratore o con il codice R-) usa la pagina "
           "«Ritira racconto».")
