"""Utenti e conservazione (amministratore): add, deactivate, change role, reset password; retention of the
encrypted original texts; the latest audit entries."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analisi.etichette import dettagli_leggibili, etichetta_azione, tabella_leggibile
from archivio import audit, ricevute, sessioni
from archivio.errori import ErroreCruscotto
from archivio.tabelle import RUOLI_UTENTE
from archivio.utenti import (
    ErroreUtente,
    UtenteDettaglio,
    aggiungi_utente,
    imposta_attivo,
    imposta_password,
    imposta_ruolo,
    stato_conservazione,
    ultimi_eventi,
    utenti,
)
from pagine.risorse import archivio, impostazioni
from pagine.sessione import richiedi_pagina

utente = richiedi_pagina("utenti")
chi = utente["nome"]


def _utenti() -> list[UtenteDettaglio]:
    with archivio().lettura() as s:
        return utenti(s)


st.title("Utenti e conservazione")
if messaggio := st.session_state.pop("utenti_esito", None):
    st.success(messaggio)


def _fatto(messaggio: str) -> None:
    st.session_state["utenti_esito"] = messaggio
    st.rerun()


scheda_utenti, scheda_conservazione, scheda_registro = st.tabs(
    ["Utenti", "Conservazione dei testi", "Registro"])
with scheda_utenti:
    elenco = _utenti()
    st.dataframe(tabella_leggibile(pd.DataFrame(
        [{"utente": u.nome_utente, "ruolo": u.ruolo, "attivo": u.attivo, "creato il": u.creato_il,
          "ultimo accesso": u.ultimo_accesso if u.ultimo_accesso else "mai"} for u in elenco])),
                 hide_index=True, width="stretch")
    st.subheader("Nuovo utente")
    with st.form("nuovo_utente", clear_on_submit=True):
        c1, c2 = st.columns(2)
        nome = c1.text_input("Nome utente")
        ruolo = c2.selectbox("Ruolo", RUOLI_UTENTE)
        c1, c2 = st.columns(2)
        pw1 = c1.text_input("Password (almeno 8 caratteri)", type="password", autocomplete="new-password")
        pw2 = c2.text_input("Ripeti la password", type="password", autocomplete="new-password")
        if st.form_submit_button("Aggiungi utente"):
            if pw1 != pw2:
                st.error("Le due password non coincidono.")
            else:
                try:
                    with archivio().transazione() as s:
                        nuovo = aggiungi_utente(s, nome.strip(), pw1, ruolo)
                        audit.registra(s, chi, "utente_aggiunto", nuovo.nome_utente, {"ruolo": ruolo})
                except ErroreUtente as e:
                    st.error(f"Utente non aggiunto: {e}")
                else:
                    _fatto(f"Utente {nuovo.nome_utente} aggiunto con ruolo {ruolo}.")

    st.subheader("Modifica un utente")
    nomi = [u.nome_utente for u in elenco]
    scelto = st.selectbox("Utente", nomi, key="utenti_scelto")
    u = next(x for x in elenco if x.nome_utente == scelto)
    c1, c2 = st.columns(2)
    with c1:
        nuovo_ruolo = st.selectbox("Ruolo", RUOLI_UTENTE, index=RUOLI_UTENTE.index(u.ruolo),
                                   key=f"ruolo_{scelto}")
        if st.button("Cambia ruolo", disabled=nuovo_ruolo == u.ruolo):
            try:
                with archivio().transazione() as s:
                    imposta_ruolo(s, scelto, nuovo_ruolo, chi=chi)
            except ErroreCruscotto as e:
                st.error(str(e))
            else:
                _fatto(f"{scelto} ora ha il ruolo {nuovo_ruolo}.")
        etichetta = "Disattiva" if u.attivo else "Riattiva"
        if st.button(etichetta, disabled=u.attivo and scelto == chi,
                     help="Non puoi disattivare te stesso." if scelto == chi else None):
            try:
                with archivio().transazione() as s:
                    imposta_attivo(s, scelto, not u.attivo, chi=chi)
                    if u.attivo:  # a deactivated user's open sessions (other browsers) end now
                        sessioni.chiudi_utente(s, scelto)
            except ErroreCruscotto as e:
                st.error(str(e))
            else:
                _fatto(f"{scelto} {'disattivato' if u.attivo else 'riattivato'}.")
    with c2, st.form(f"password_{scelto}", clear_on_submit=True):
        nuova = st.text_input("Nuova password", type="password", autocomplete="new-password")
        ripeti = st.text_input("Ripeti la nuova password", type="password", autocomplete="new-password")
        if st.form_submit_button("Reimposta la password"):
            if nuova != ripeti:
                st.error("Le due password non coincidono.")
            else:
                try:
                    with archivio().transazione() as s:
                        imposta_password(s, scelto, nuova)
                        audit.registra(s, chi, "password_reimpostata", scelto)
                        if scelto != chi:  # whoever knew the old password is logged out everywhere
                            sessioni.chiudi_utente(s, scelto)
                except ErroreUtente as e:
                    st.error(f"Password non cambiata: {e}")
                else:
                    _fatto(f"Password di {scelto} reimpostata.")

with scheda_conservazione:
    giorni = impostazioni().conservazione.giorni
    with archivio().lettura() as s:
        stato = stato_conservazione(s, giorni)
    st.write(f"I testi originali (cifrati) si conservano per {giorni} giorni dopo l'approvazione del testo "
             "anonimizzato, poi si eliminano. Impostazione: NARRAZIONI_CONSERVAZIONE__GIORNI.")
    c = st.columns(5)
    c[0].metric("Testi originali conservati", stato["conservati"])
    c[1].metric("In attesa di approvazione", stato["non_approvati"])
    c[2].metric("Nel periodo di conservazione", stato["nel_periodo"])
    c[3].metric("Scaduti, da eliminare", stato["scaduti"])
    c[4].metric("Già eliminati", stato["eliminati"])
    conferma = st.checkbox("Confermo: eliminare definitivamente i testi originali scaduti",
                           disabled=stato["scaduti"] == 0)
    if st.button("Elimina ora i testi scaduti", disabled=not conferma):
        with archivio().transazione() as s:
            n = ricevute.purga_grezzi(s, giorni, chi=chi)
        ricevute.svuota_registro_sqlite(archivio())
        _fatto(f"Eliminati {n} testi originali.")

with scheda_registro:
    with archivio().lettura() as s:
        eventi = ultimi_eventi(s, 300)
    st.caption("Le ultime 300 azioni (accessi, esportazioni, revisioni, modifiche). "
               "Mai il contenuto dei racconti.")
    st.dataframe(tabella_leggibile(pd.DataFrame(eventi), rinomina={"azione": etichetta_azione,
                                                                   "dettagli": dettagli_leggibili}),
                 hide_index=True, width="stretch")
