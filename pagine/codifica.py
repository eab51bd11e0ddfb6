"""Codifica: review and correct the codes sentence by sentence, and confirm or change the Piano di Zona
area of proposals. Every decision is stored with source "umano" (archivio.codifica) and feeds the next
training (``narrazioni codifica addestra``). Keyboard: keys 1-4 toggle the codes, Ctrl+Enter saves and
moves on, Alt+→ / Alt+← skip forward and back.

The default queue is the one ``narrazioni codifica scegli`` would choose (uncertainty and diversity); after
every ``codifica.riaddestra_ogni`` decisions the coder retrains in a background thread (one at a time), and the
page shows the κ of the model on the decisions it had not seen, as they accumulate."""

from __future__ import annotations

import streamlit as st

from analisi.codifica import continuo
from analisi.codifica.codebook import CODICI, DESCRIZIONI, SOTTOCODICI
from analisi.etichette import etichetta_codice
from analisi.grafici_codifica import grafico_kappa_nel_tempo
from archivio import codifica
from archivio.cruscotto.coda_frasi import (
    CRITERI_CODIFICA,
    FraseInRevisione,
    avanzamento_codifica,
    coda_codifica,
    frase_in_revisione,
    testi_frasi,
)
from archivio.cruscotto.filtri import Filtri
from pagine.dati import nomi_aree, nomi_schede, tassonomia
from pagine.filtri import barra_filtri
from pagine.risorse import TTL, archivio, impostazioni
from pagine.sessione import richiedi_pagina
from pagine.visualizza import COLORI_SFONDO, md_sicuro, mostra_figura, testo_sicuro

utente = richiedi_pagina("codifica")
autore = utente["nome"]
SENZA_SCHEDA = ""
CANDIDATI_SCELTA = 2000  # sentences the learning queue chooses from
CODA_SCELTA = 200  # ... and how many it orders


def _versione_modello() -> float:
    """Changes when the background retraining writes a new model (the queue is then re-ordered)."""
    percorso = impostazioni().archivio.cartella_dati / "modelli" / "codificatore.joblib"
    return percorso.stat().st_mtime if percorso.is_file() else 0.0


@st.cache_resource(show_spinner=False)
def _codificatore(versione: float) -> continuo.CodificatoreMemo:
    from analisi.codifica.modello import carica_codificatore

    return continuo.CodificatoreMemo(carica_codificatore(impostazioni().archivio.cartella_dati))


@st.cache_data(ttl=TTL, show_spinner="Scelgo le frasi da rivedere…")
def _coda(filtri: Filtri, criterio: str, codice: str | None, versione: float) -> list[int]:
    with archivio().lettura() as s:
        if criterio != "scelte":
            return coda_codifica(s, filtri, criterio, codice=codice)
        ids = coda_codifica(s, filtri, criterio, codice=codice, limite=CANDIDATI_SCELTA)
        testi = testi_frasi(s, ids)
    return continuo.ordina_coda([(i, testi[i]) for i in ids if i in testi], _codificatore(versione), CODA_SCELTA)


def _frase(frase_id: int) -> FraseInRevisione | None:
    with archivio().lettura() as s:
        return frase_in_revisione(s, frase_id, autore)


st.title("Codifica")
st.caption("Rivedi i codici frase per frase: le tue decisioni valgono più di quelle del modello e servono ad "
           "addestrarlo di nuovo. Tasti: 1-4 attivano/disattivano i codici, Ctrl+Invio salva e passa alla "
           "successiva, Alt+→ salta, Alt+← torna indietro.")
filtri = barra_filtri(codici=False)
c1, c2 = st.columns([3, 2])
criterio = str(c1.selectbox("Quali frasi", list(CRITERI_CODIFICA),
                            format_func=lambda c: CRITERI_CODIFICA[c]))
solo_codice = c2.selectbox("Solo le frasi codificate come", [None, *CODICI],
                           format_func=lambda c: "qualsiasi codice" if c is None else etichetta_codice(c))
coda = _coda(filtri, criterio, solo_codice, _versione_modello())
with archivio().lettura() as s:
    fatto = avanzamento_codifica(s, autore)
st.caption(f"Frasi riviste da te: {fatto['mie']} · da tutti: {fatto['tutte']} · aree confermate: "
           f"{fatto['aree_confermate']}")
cartella_dati = impostazioni().archivio.cartella_dati
ogni = impostazioni().codifica.riaddestra_ogni
riaddestratore = continuo.riaddestratore(cartella_dati)
stato = continuo.leggi_stato(cartella_dati)
with st.expander("Il modello impara dalle vostre decisioni"):
    mancano = max(0, ogni - (fatto["tutte"] - int(stato.get("all_ultimo", 0))))
    if riaddestratore.in_corso:
        st.info("Riaddestramento in corso in background: puoi continuare a codificare.")
    else:
        st.caption(f"Il modello si riaddestra ogni {ogni} decisioni: mancano {mancano} decisioni al prossimo.")
    if riaddestratore.ultimo_errore:
        st.warning("L'ultimo riaddestramento non è riuscito: resta in uso il modello precedente.")
    mostra_figura(grafico_kappa_nel_tempo(stato.get("storia", [])), chiave="kappa_codifica")
if esito := st.session_state.pop("codifica_esito", None):
    st.success(esito)
if avviso := st.session_state.pop("codifica_avviso", None):
    st.warning(avviso)
if not coda:
    st.info("Nessuna frase da rivedere con questi criteri: prova «Frasi non ancora riviste da una persona».")
    st.stop()

chiave_coda = (filtri, criterio, solo_codice)
if st.session_state.get("codifica_chiave") != chiave_coda:
    st.session_state["codifica_chiave"] = chiave_coda
    st.session_state["codifica_pos"] = 0
pos = min(st.session_state.get("codifica_pos", 0), len(coda) - 1)
frase = _frase(coda[pos])
if frase is None:
    st.warning("La frase non è più disponibile.")
    st.stop()
assert frase is not None
corrente: FraseInRevisione = frase

st.progress((pos + 1) / len(coda), text=f"Frase {pos + 1} di {len(coda)} in coda")
st.markdown(f"**Racconto {md_sicuro(frase.racconto)}** · {md_sicuro(frase.associazione)} · "
            f"frase {frase.indice + 1}")
contesto = ""
if frase.precedente:
    contesto += f"<p style='color:#555'>… {testo_sicuro(frase.precedente)}</p>"
colore = COLORI_SFONDO.get(frase.effettivi[0].split(".")[0], "#F4F4F4") if frase.effettivi else "#F4F4F4"
contesto += (f"<p style='font-size:1.15rem;background:{colore};padding:8px;border-left:4px solid #333'>"
             f"{testo_sicuro(frase.testo)}</p>")
if frase.seguente:
    contesto += f"<p style='color:#555'>{testo_sicuro(frase.seguente)} …</p>"
st.html(f"<div lang='it'>{contesto}</div>")

# the checkboxes start from the person's own decisions, else from the codes that hold now
prefisso = f"cod_{frase.id}_"
for c in (*CODICI, *(f"{p}.{x}" for p, xs in SOTTOCODICI.items() for x in xs)):
    if prefisso + c not in st.session_state:
        st.session_state[prefisso + c] = frase.decisioni.get(c, c in frase.effettivi)


def _inverti(chiave: str) -> None:
    st.session_state[chiave] = not st.session_state[chiave]


st.subheader("Codici")
colonne = st.columns(len(CODICI))
for i, (colonna, c) in enumerate(zip(colonne, CODICI, strict=True), start=1):
    with colonna:
        p = frase.probabilita.get(c)
        st.checkbox(f"{i}. {etichetta_codice(c)}", key=prefisso + c, help=DESCRIZIONI.get(c))
        st.caption(f"modello: {p:.0%}" if p is not None else "modello: —")
        st.button(f"Tasto {i}", key=f"tasto_{frase.id}_{c}", on_click=_inverti, args=(prefisso + c,),
                  shortcut=str(i), type="tertiary", help=f"Attiva o disattiva «{etichetta_codice(c)}»")
        if c in SOTTOCODICI and st.session_state[prefisso + c]:
            for x in SOTTOCODICI[c]:
                st.checkbox(x.replace("_", " "), key=f"{prefisso}{c}.{x}")

area = scheda = None
if st.session_state[prefisso + "proposta"]:
    st.subheader("Area del Piano di Zona")
    aree = nomi_aree()
    proposta_area = frase.area if frase.area in aree else None
    incerta = (frase.fonte_area != "umano" and frase.punteggio_area is not None
               and frase.punteggio_area < impostazioni().piano.soglia_area)
    if frase.area:
        fonte = "confermata da una persona" if frase.fonte_area == "umano" else (
            f"proposta dal modello (confidenza {frase.punteggio_area:.2f})" if frase.punteggio_area is not None
            else "proposta dal modello")
        if incerta:
            fonte += " — da assegnare: il modello non è abbastanza sicuro"
            proposta_area = None  # nothing preselected: a person chooses
        st.caption(f"Area attuale: {aree.get(frase.area, frase.area)} — {fonte}")
        if frase.fonte_area != "umano" and frase.seconda_area:
            seconda = f"{aree.get(frase.seconda_area, frase.seconda_area)}" + (
                f" ({frase.punteggio_seconda:.2f})" if frase.punteggio_seconda is not None else "")
            st.caption(f"Seconda area possibile: {seconda}")
    c1, c2 = st.columns(2)
    # no area preselected when the model gave none: staff must choose, not confirm a default
    area = c1.selectbox("Area", list(aree), format_func=lambda a: aree[a], key=f"area_{frase.id}",
                        index=list(aree).index(proposta_area) if proposta_area else None,  # type: ignore[arg-type]
                        placeholder="Scegli l'area")
    schede = [SENZA_SCHEDA]
    if area:
        schede += [s.codice for s in tassonomia().schede if s.area == area]
    nomi = nomi_schede()
    scheda_attuale = frase.scheda if frase.scheda in schede else SENZA_SCHEDA
    scheda = c2.selectbox("Scheda", schede, index=schede.index(scheda_attuale),
                          key=f"scheda_{frase.id}_{area}",
                          format_func=lambda x: nomi.get(x, "— nessuna scheda —"))


def _salva() -> None:
    """Store this person's decision on every code shown, and the area of a proposal."""
    decisi = {c: bool(st.session_state[prefisso + c]) for c in CODICI}
    if decisi["proposta"] and not st.session_state.get(f"area_{corrente.id}"):
        st.session_state["codifica_avviso"] = "Per una proposta scegli prima l'area del Piano di Zona: non salvata."
        return
    for padre, figli in SOTTOCODICI.items():
        if decisi[padre]:
            decisi.update({f"{padre}.{x}": bool(st.session_state.get(f"{prefisso}{padre}.{x}"))
                           for x in figli})
    area_scelta = st.session_state.get(f"area_{corrente.id}")
    scheda_scelta = st.session_state.get(f"scheda_{corrente.id}_{area_scelta}") or None
    with archivio().transazione() as s:
        for c, v in decisi.items():
            codifica.salva_correzione(s, corrente.id, c, v, autore)
        if decisi["proposta"] and area_scelta:
            codifica.salva_piano_umano(s, corrente.id, area_scelta, scheda_scelta, autore)
    with archivio().lettura() as s:
        decisioni = avanzamento_codifica(s, autore)["tutte"]
    # every K decisions a background retraining (never blocks this page; one at a time)
    percorso_tassonomia = impostazioni().piano.tassonomia
    riaddestratore.forse_avvia(archivio(), cartella_dati, decisioni, ogni,
                               rimappa=lambda a: continuo.rimappa_proposte(a, percorso_tassonomia))
    st.cache_data.clear()
    st.session_state["codifica_esito"] = (f"Frase {corrente.indice + 1} del racconto {corrente.racconto} "
                                          "salvata.")
    # the saved sentence may leave the queue (e.g. "not yet reviewed"): stay at the same position then
    if criterio in ("scelte", "non_riviste", "incerte", "proposte"):
        st.session_state["codifica_pos"] = pos
    else:
        st.session_state["codifica_pos"] = pos + 1


def _sposta(passo: int) -> None:
    st.session_state["codifica_pos"] = max(0, min(len(coda) - 1, pos + passo))


st.divider()
c1, c2, c3 = st.columns([2, 1, 1])
# never disabled (a disabled primary button fails the contrast check): _salva refuses a proposal without area
c1.button("Salva e passa alla successiva", type="primary", on_click=_salva,
          help="Per una proposta scegli prima l'area del Piano di Zona.")
c2.button("← Precedente", on_click=_sposta, args=(-1,), disabled=pos == 0)
c3.button("Salta →", on_click=_sposta, args=(1,), disabled=pos >= len(coda) - 1)
