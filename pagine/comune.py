"""Shared pieces of the Streamlit layer: cached settings and store, the session, role checks, filters.

Why our own login on the store rather than streamlit-authenticator: that package keeps password hashes in
a YAML file next to the app, its roles field is barely documented and it has no server-side rate limit or
audit. Ours keeps users in the database (argon2 hashes, ``narrazioni utenti`` and the admin page manage
them), rate-limits failed logins and writes every login to the audit table (``archivio.utenti``), and
checks the role on the server at every run of every page — the role in the session is re-read from the
database each time, so a deactivated user or a changed role takes effect at the next click.

Sessions expire after ``sessione_minuti`` without activity (and 12 hours after the login). A Streamlit
session lives in the browser tab's websocket and is lost on reload, so a login also opens a server-side
session (``archivio/sessioni.py``): the page hands its one-time code to ``/_narrazioni/sessione``, which
answers with an HttpOnly, SameSite=Strict cookie; a reload or a deep link finds the session again through
that cookie (``st.context.cookies``). The store keeps only hashes; "Esci" deletes the row and the cookie.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, TypeVar

import pandas as pd
import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from analisi.etichette import (
    FORMATO_DATA_WIDGET,
    PERIODI,
    etichetta_canale,
    etichetta_codice,
    numero_it,
    tabella_leggibile,
)
from analisi.grafici_panoramica import Figura
from analisi.ricerca import trova_occorrenze
from archivio import audit, ricevute, sessioni
from archivio.cifratura import Cifrario
from archivio.cruscotto.aggregati import (
    aree_per_racconto,
    codici_per_racconto_tutti,
    frasi_per_racconto,
    racconti_filtrati,
)
from archivio.cruscotto.aggregati import conteggi_generali as leggi_conteggi_generali
from archivio.cruscotto.citazioni import FraseCodificata
from archivio.cruscotto.filtri import Filtri, ValoriFiltri
from archivio.cruscotto.filtri import valori_filtri as leggi_valori_filtri
from archivio.cruscotto.indice_testo import Termine, analizza_ricerca
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni, carica_impostazioni
from archivio.utenti import stato_utente
from pagine.protezioni import NOME_COOKIE, PERCORSO_SESSIONE

RUOLI_LEGGONO = ("ricercatore", "operatore", "amministratore")
# Cached query results are dropped together as soon as the store's data change (controlla_generazione, at
# every click); the TTLs only bound the memory of filter combinations nobody asks for any more.
TTL = 600
TTL_BASE = 1800


@dataclass(frozen=True)
class Pagina:
    """A page of the dashboard: the ONE place that says who may open it."""

    chiave: str
    titolo: str
    file: str
    ruoli: tuple[str, ...]
    icona: str


PAGINE: tuple[Pagina, ...] = (
    Pagina("panoramica", "Panoramica", "pagine/panoramica.py", RUOLI_LEGGONO, ":material/dashboard:"),
    Pagina("temi", "Temi", "pagine/temi.py", RUOLI_LEGGONO, ":material/topic:"),
    Pagina("associazioni", "Associazioni", "pagine/associazioni.py", RUOLI_LEGGONO, ":material/groups:"),
    Pagina("ansie_proposte", "Ansie e proposte", "pagine/ansie_proposte.py", RUOLI_LEGGONO,
           ":material/psychology:"),
    Pagina("esplora", "Esplora racconti", "pagine/esplora.py", RUOLI_LEGGONO, ":material/search:"),
    Pagina("codifica", "Codifica", "pagine/codifica.py", RUOLI_LEGGONO, ":material/edit_note:"),
    Pagina("inserisci", "Inserisci racconto", "pagine/inserisci.py", ("operatore", "amministratore"),
           ":material/post_add:"),
    Pagina("ritira", "Ritira racconto", "pagine/ritira.py", ("operatore", "amministratore"),
           ":material/delete_forever:"),
    Pagina("esporta", "Esporta", "pagine/esporta.py", ("operatore", "amministratore"), ":material/download:"),
    Pagina("revisione", "Revisione anonimizzazione", "pagine/revisione.py", ("amministratore",),
           ":material/shield_person:"),
    Pagina("utenti", "Utenti e conservazione", "pagine/utenti.py", ("amministratore",),
           ":material/manage_accounts:"),
)
_PER_CHIAVE = {p.chiave: p for p in PAGINE}


def pagine_per(ruolo: str) -> list[Pagina]:
    """The pages a role may open, in menu order."""
    return [p for p in PAGINE if ruolo in p.ruoli]


def messaggio_elaborazione(cartella_dati: Any) -> str:
    """What happens next to a story waiting for the pipeline, truthfully: is a background worker running?"""
    from analisi.servizio import lavoratore_attivo

    if lavoratore_attivo(cartella_dati):
        return ("Il servizio di elaborazione automatica lo analizza entro un minuto: frasi, temi e codici "
                "compaiono poi in tutte le pagine (aggiorna la pagina).")
    return ("Frasi, temi e codici compariranno dopo l'elaborazione, che ora non è attiva: avvia "
            "narrazioni servi (elaborazione automatica) oppure esegui narrazioni elabora.")


@st.cache_resource
def impostazioni() -> Impostazioni:
    return carica_impostazioni()


@st.cache_resource
def archivio() -> Archivio:
    return Archivio(impostazioni().url_database(), file_ritirati=impostazioni().percorso_ritirati())


@st.cache_resource
def segreto_tentativi() -> bytes:
    """Key of the hashed login-attempt keys: derived from the raw-text key file (kept outside the database),
    so the ``tentativi`` table alone cannot be matched to usernames or addresses; random per process when
    the dashboard has no key file."""
    try:
        chiave = impostazioni().percorso_chiave().read_bytes().strip()
    except OSError:
        return secrets.token_bytes(32)
    return hashlib.sha256(b"narrazioni-tentativi-login:" + chiave).digest()


def cliente_connessione() -> str:
    """The client of this session for the login throttle: the websocket's peer, as the ASGI app set it
    (``raccolta.sicurezza.ClienteReale``: X-Forwarded-For only from ``proxy_fidati``)."""
    indirizzo = st.context.ip_address  # None from this machine (Streamlit hides 127.0.0.1 and ::1)
    return indirizzo if isinstance(indirizzo, str) and indirizzo else "locale"


def cifrario() -> Cifrario:
    """The raw-text key: only pages that store or (for the administrator) read raw text ask for it."""
    return Cifrario.da_file(impostazioni().percorso_chiave())


def _esci(scaduta: bool) -> None:
    # everything goes: filters, and the decrypted text an administrator may have open for review
    sessione = (st.session_state.get("utente") or {}).get("sessione")
    if sessione is not None:
        with archivio().transazione() as s:
            sessioni.chiudi(s, sessione)
    st.session_state.clear()
    st.session_state["_cancella_cookie"] = True
    if scaduta:
        st.session_state["sessione_scaduta"] = True


def _inattivita() -> timedelta:
    return timedelta(minutes=impostazioni().sessione_minuti)


def entra(nome_utente: str, ruolo: str) -> None:
    """After a successful login: a server-side session, and its one-time code for the browser's cookie."""
    with archivio().transazione() as s:
        sessione, codice = sessioni.apri(s, nome_utente)
    st.session_state["utente"] = {"nome": nome_utente, "ruolo": ruolo, "ultima_attivita": time.time(),
                                  "sessione": sessione}
    st.session_state["_consegna"] = codice


def esci() -> None:
    """Logout: the server-side session is deleted (its cookie opens nothing any more), then the cookie."""
    _esci(scaduta=False)


def _cookie_sessione() -> str:
    try:
        return str(st.context.cookies.get(NOME_COOKIE) or "")
    except Exception:  # no browser behind this session (AppTest, scripts)
        return ""


def _da_cookie() -> None:
    """A reload or a deep link: the session is found again through the browser's cookie, if still alive."""
    token = _cookie_sessione()
    if not token:
        return
    with archivio().transazione() as s:
        trovata = sessioni.da_token(s, token, _inattivita())
    if trovata is not None:
        st.session_state["utente"] = {"nome": trovata.nome_utente, "ruolo": "", "ultima_attivita": time.time(),
                                      "sessione": trovata.id}


def script_cookie() -> None:
    """Hand the one-time code of a fresh login to the server (which sets the HttpOnly cookie), or clear
    the cookie after a logout. Nothing else of the session reaches the page's JavaScript."""
    base = "/" + str(st.get_option("server.baseUrlPath") or "").strip("/")
    percorso = json.dumps(base.rstrip("/") + "/" + PERCORSO_SESSIONE)
    if codice := st.session_state.pop("_consegna", None):
        st.html(f"<script>fetch({percorso}, {{method: 'POST', credentials: 'same-origin', "
                f"headers: {{'Content-Type': 'text/plain'}}, body: {json.dumps(codice)}}});</script>",
                unsafe_allow_javascript=True)
    elif st.session_state.pop("_cancella_cookie", False):
        st.html(f"<script>fetch({percorso}, {{method: 'DELETE', credentials: 'same-origin'}});</script>",
                unsafe_allow_javascript=True)


def utente_corrente() -> dict[str, Any] | None:
    """The logged-in user, or None. Idle sessions expire; role and activity are re-read from the store."""
    if not st.session_state.get("utente"):
        _da_cookie()
    utente = st.session_state.get("utente")
    if not utente:
        return None
    limite = impostazioni().sessione_minuti * 60
    if time.time() - utente["ultima_attivita"] > limite:
        _esci(scaduta=True)
        return None
    with archivio().transazione() as s:
        viva = utente.get("sessione") is None or sessioni.attiva(s, utente["sessione"], _inattivita())
        stato = stato_utente(s, utente["nome"])
        controlla_generazione(ricevute.versione_dati(s))
    if not viva or stato is None or not stato[1]:
        _esci(scaduta=False)
        return None
    utente["ruolo"] = stato[0]
    utente["ultima_attivita"] = time.time()
    return dict(utente)


_GENERAZIONE_VISTA: dict[str, Any] = {}
_GENERAZIONE_LOCK = threading.Lock()


def controlla_generazione(attuale: Any) -> None:
    """Drop every cached table when the store's data changed (:func:`archivio.ricevute.versione_dati`: a
    story added, approved, processed, coded or withdrawn, by anyone: the form, the worker, the CLI, another
    session). Read at every run of every page, before any cached loader: all the numbers a page shows come
    from the same state of the store, and a withdrawn story never outlives the next click."""
    with _GENERAZIONE_LOCK:
        vista = _GENERAZIONE_VISTA.get("dati")
        _GENERAZIONE_VISTA["dati"] = attuale
    if vista is not None and vista != attuale:
        st.cache_data.clear()


def richiedi_ruolo(*ruoli: str) -> dict[str, Any]:
    """Stop the page unless the user has one of ``ruoli`` (checked on the server at every run)."""
    utente = utente_corrente()
    if utente is None:
        st.error("Accesso richiesto: la sessione non è attiva.")
        st.stop()
    assert utente is not None
    if utente["ruolo"] not in ruoli:
        st.error("Non hai i permessi per questa pagina.")
        st.stop()
    return utente


def ruoli_di(chiave: str) -> tuple[str, ...]:
    return _PER_CHIAVE[chiave].ruoli


def richiedi_pagina(chiave: str) -> dict[str, Any]:
    """Stop unless the user may open page ``chiave`` (the roles come from :data:`PAGINE`)."""
    return richiedi_ruolo(*_PER_CHIAVE[chiave].ruoli)


def registra(chi: str, azione: str, oggetto: str | None = None,
             dettagli: dict[str, Any] | None = None) -> None:
    """One audit row (never story content)."""
    with archivio().transazione() as s:
        audit.registra(s, chi, azione, oggetto, dettagli)


# ------------------------------------------------------------------------------------------------ displays
# Streamlit's captions (grey at 60% opacity) and the selected segment's red on pink miss WCAG AA contrast
# (4.5:1; axe-core flags them): darker, opaque tones. An empty date field says "gg/mm/aaaa", not Streamlit's
# English "dd/mm/yyyy" (its calendar already follows the browser's Italian locale).
_STILE = """<style>
[data-testid="stCaptionContainer"] { opacity: 1 !important; color: #595959 !important; }
[data-testid="stCaptionContainer"] p { color: #595959 !important; }
button[data-selected="true"] p { color: #8a1c28 !important; }
[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"] { font-size: 0 !important; }
[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"]::after { font-size: 0.875rem; }
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="day"]::after { content: "gg"; }
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="month"]::after { content: "mm"; }
[data-testid="stDateInputField"] [data-placeholder="true"][data-type="year"]::after { content: "aaaa"; }
</style>"""


def mostra_grafico(grafico: Any, descrizione: str, *,
                   larghezza: Literal["stretch", "content"] = "stretch") -> None:
    """An Altair chart described by one text for screen readers (its marks are hidden from them: the
    table alternative carries the numbers)."""
    # Streamlit's chart theme cuts axis labels at 100 px and drops those that would overlap (a heatmap of
    # 30 themes showed every 4th): full labels, all of them, on every discrete axis.
    grafico = grafico.configure_mark(aria=False).configure_axisDiscrete(labelLimit=0, labelOverlap=False)
    st.altair_chart(grafico, width=larghezza, alt=descrizione)


def applica_stile() -> None:
    """The dashboard's few CSS corrections (accessibility), for the router to call once per run."""
    st.html(_STILE)



def mostra_figura(figura: Figura, *, chiave: str) -> None:
    """A chart with its description and, one click away, the same numbers as a table."""
    if figura.tabella.empty:
        st.info(md_sicuro(figura.descrizione))
        return
    mostra_grafico(figura.grafico, figura.descrizione)
    st.caption(md_sicuro(figura.descrizione))
    with st.expander("Tabella dei dati (alternativa accessibile al grafico)"):
        tabella = tabella_mostrabile(figura.tabella)
        if len(tabella) <= 200:
            # a real HTML table: read by screen readers (the data grid is a canvas) and light to draw;
            # decimals written the Italian way (0,25), as nothing sorts this table
            for c in tabella.columns:
                if pd.api.types.is_float_dtype(tabella[c].dtype):
                    tabella[c] = tabella[c].map(numero_it)
            st.table(tabella_sicura(tabella.set_index(tabella.columns[0])))
        else:
            st.dataframe(tabella, hide_index=True, width="stretch", key=f"tab_{chiave}")


def tabella_mostrabile(df: pd.DataFrame) -> pd.DataFrame:
    """A table as shown on a page: no "None"/"nan", Italian dates, sì/no, one type per column (Arrow
    refuses a column mixing "n < 5" and counts). See :func:`analisi.etichette.tabella_leggibile`."""
    return tabella_leggibile(df)


def testo_sicuro(testo: str) -> str:
    """Escape a citizen's text for ``st.html``: markup in a story is shown, never interpreted."""
    return html.escape(testo, quote=True).replace("\n", "<br>")


# Every ASCII punctuation character: CommonMark lets each be escaped with a backslash, and escaping all of
# them switches off every construct (images, links, autolinks such as www.x.it or a@b.it, emphasis, code,
# headings, tables, HTML, Streamlit's :color[...] directives and $LaTeX$).
_PUNTEGGIATURA_MD = re.compile(r"([!-/:-@\[-`{-~])")


def md_sicuro(testo: object) -> str:
    """Escape text that comes from stories (title, zone, association, sentences, theme words, filter values)
    for every Streamlit call that renders Markdown: ``st.markdown``, ``st.subheader``, ``st.caption``,
    ``st.write``, ``st.info``..., widget labels and ``st.table`` cells. The text shows as typed: an image
    ``![t](http://...)`` is not loaded, a link is not clickable. One line: line breaks become spaces.
    (For ``st.html`` use :func:`testo_sicuro`; ``st.dataframe`` cells and select options are plain text.)
    """
    return _PUNTEGGIATURA_MD.sub(r"\\\1", " ".join(str(testo).split()))


def tabella_sicura(df: pd.DataFrame) -> pd.DataFrame:
    """A table for ``st.table`` (whose cells, index and headers render Markdown) with every text escaped."""
    def testi(v: Any) -> Any:
        return md_sicuro(v) if isinstance(v, str) else v

    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(testi)
    out.columns = [testi(c) for c in out.columns]
    out.index = out.index.map(testi)
    out.index.name = testi(df.index.name)
    return out


# ------------------------------------------------------------------------------------------------- filters
T = TypeVar("T")


@st.cache_data(ttl=TTL_BASE, show_spinner=False)
def valori_filtri() -> ValoriFiltri:
    with archivio().lettura() as s:
        return leggi_valori_filtri(s)


def _persistente(chiave: str, crea: Callable[..., T], *args: Any, predefinito: Any = None,
                 **kwargs: Any) -> T:
    """A widget whose value survives page changes (Streamlit drops the state of widgets not drawn).

    The value lives in Session State (never passed to the widget as well, which Streamlit warns about).
    """
    salvata = f"_filtro_{chiave}"
    if chiave not in st.session_state:
        if salvata in st.session_state:
            st.session_state[chiave] = st.session_state[salvata]
        elif predefinito is not None:
            st.session_state[chiave] = predefinito
    valore = crea(*args, key=chiave, **kwargs)
    st.session_state[salvata] = valore
    return valore


def _scelta_multipla(etichetta: str, chiave: str, opzioni: Sequence[Any], **kwargs: Any) -> tuple[Any, ...]:
    if chiave in st.session_state:  # values that no longer exist (a theme refit) would make Streamlit fail
        st.session_state[chiave] = [v for v in st.session_state[chiave] if v in opzioni]
    salvata = f"_filtro_{chiave}"
    if salvata in st.session_state:
        st.session_state[salvata] = [v for v in st.session_state[salvata] if v in opzioni]
    return tuple(_persistente(chiave, st.multiselect, etichetta, list(opzioni), placeholder="Tutti",
                              **kwargs))


ETICHETTE_PERIODI = PERIODI  # the labels live in analisi.etichette


def barra_filtri(*, testo: bool = False, codici: bool = True) -> Filtri:
    """The filters in the sidebar (the same on every page, kept while moving between pages)."""
    v = valori_filtri()
    with st.sidebar:
        st.subheader("Filtri")
        ricerca = ""
        if testo:
            ricerca = _persistente("f_testo", st.text_input, "Cerca nel testo",
                                   help='Parole intere; "frase esatta"; paur* per l\'inizio di parola; '
                                        "-parola per escludere.")
        associazioni = _scelta_multipla("Associazione", "f_associazioni", v.associazioni)
        temi_opzioni = [t for t, _ in v.temi]
        etichette_temi = dict(v.temi)
        temi = _scelta_multipla("Tema principale", "f_temi", temi_opzioni,
                                format_func=lambda t: etichette_temi.get(t, str(t)))
        cod: tuple[str, ...] = ()
        if codici:
            cod = _scelta_multipla("Con frasi codificate come", "f_codici", v.codici,
                                   format_func=etichetta_codice)
        with st.expander("Altri filtri", expanded=False):
            periodi = _scelta_multipla("Periodo", "f_periodi", v.periodi,
                                       format_func=lambda p: ETICHETTE_PERIODI.get(p, p))
            quartieri = _scelta_multipla("Quartiere o zona", "f_quartieri", v.quartieri)
            fasce = _scelta_multipla("Fascia d'età", "f_fasce", v.fasce_eta)
            ruoli = _scelta_multipla("Ruolo di chi racconta", "f_ruoli", v.ruoli)
            canali = _scelta_multipla("Canale", "f_canali", v.canali, format_func=etichetta_canale)
            dal = al = None
            if v.dal and v.al:
                minimo, massimo = min(v.dal, date(2019, 1, 1)), max(v.al, date.today())
                salvato = st.session_state.get("f_date") or st.session_state.get("_filtro_f_date")
                if salvato and not all(minimo <= d <= massimo for d in salvato):
                    st.session_state.pop("f_date", None)
                    st.session_state.pop("_filtro_f_date", None)
                intervallo = _persistente("f_date", st.date_input, "Data del racconto",
                                          predefinito=(v.dal, v.al),
                                          min_value=minimo, max_value=massimo, format=FORMATO_DATA_WIDGET)
                if isinstance(intervallo, tuple | list) and len(intervallo) == 2:
                    dal, al = intervallo
                    if dal <= v.dal:
                        dal = None
                    if al >= v.al:
                        al = None
            citabili = _persistente("f_citabili", st.checkbox,
                                    "Solo racconti citabili (consenso alla citazione)")
        filtri = Filtri(associazioni=associazioni, quartieri=quartieri, fasce_eta=fasce, ruoli=ruoli,
                           periodi=periodi, canali=canali, dal=dal, al=al, solo_citabili=bool(citabili),
                           testo=str(ricerca or "").strip(), temi=temi, codici=cod)
        if filtri.attivi():
            st.caption(f"Filtri attivi: {filtri.attivi()}")
    return filtri


# ------------------------------------------------------------------------------------------ a story as HTML
COLORI_SFONDO = {"vita_quotidiana": "#D6EEFA", "ansia": "#FBE3B8", "preoccupazione_futuro": "#F3D9E8",
                 "proposta": "#CDEFE3"}


def _evidenzia_termini(pezzo: str, termini: Sequence[Termine]) -> str:
    occorrenze = trova_occorrenze(pezzo, termini)
    if not occorrenze:
        return testo_sicuro(pezzo)
    out, pos = [], 0
    for a, b in occorrenze:
        out.append(testo_sicuro(pezzo[pos:a]))
        out.append(f"<strong style='text-decoration:underline'>{testo_sicuro(pezzo[a:b])}</strong>")
        pos = b
    out.append(testo_sicuro(pezzo[pos:]))
    return "".join(out)


def html_racconto(testo: str, frasi: Sequence[FraseCodificata], *, ricerca: str = "",
                  solo_codici: Sequence[str] = ()) -> str:
    """The anonymised story with its coded sentences highlighted; every character of the story is escaped.

    Each coded sentence gets a background colour AND its codes written after it, so the coding is not
    conveyed by colour alone.
    """
    termini = [t for t in analizza_ricerca(ricerca) if not t.escluso] if ricerca else []
    pezzi, pos = [], 0
    for f in sorted(frasi, key=lambda f: f.inizio):
        codici = [c for c in f.codici if not solo_codici or c.split(".")[0] in solo_codici]
        if not codici or f.inizio < pos or f.fine > len(testo):
            continue
        pezzi.append(_evidenzia_termini(testo[pos:f.inizio], termini))
        colore = COLORI_SFONDO.get(codici[0].split(".")[0], "#EEEEEE")
        etichette = ", ".join(etichetta_codice(c) for c in codici)
        pezzi.append(f"<mark style='background:{colore};color:inherit;padding:0 2px' "
                     f"title='{html.escape(etichette, quote=True)}'>"
                     f"{_evidenzia_termini(testo[f.inizio:f.fine], termini)}</mark>"
                     f"<sup style='font-size:0.7em;color:#444'> [{html.escape(etichette)}]</sup>")
        pos = f.fine
    pezzi.append(_evidenzia_termini(testo[pos:], termini))
    return ("<div lang='it' style='line-height:1.7;font-size:1.02rem;white-space:normal'>"
            + "".join(pezzi) + "</div>")


def legenda_codici() -> str:
    voci = "".join(f"<span style='background:{c};padding:1px 6px;margin-right:8px'>"
                   f"{etichetta_codice(k)}</span>"
                   for k, c in COLORI_SFONDO.items())
    return f"<div style='font-size:0.85rem'>Legenda: {voci}</div>"


# ---------------------------------------------------------------------------------------------- downloads
def file_protetto(nome_utente: str, ruoli: Sequence[str], azione: str, genera: Callable[[], bytes],
                  dettagli: dict[str, Any] | None = None, *,
                  scade: float | None = None) -> Callable[[], bytes]:
    """The ``data`` of a download button: generated only when clicked, after checking on the server that
    the user still exists, is active and has one of ``ruoli`` (and that the session, which expires at
    ``scade``, is still alive); every download is an audit row.

    Streamlit runs it on its own thread, outside the page script: it reads nothing from the session.
    """
    motore = archivio()

    def scarica() -> bytes:
        with motore.lettura() as s:
            stato = stato_utente(s, nome_utente)
        scaduta = scade is not None and time.time() > scade
        if scaduta or stato is None or not stato[1] or stato[0] not in ruoli:
            with motore.transazione() as s:
                audit.registra(s, nome_utente, "esportazione_negata", azione)
            return b"Accesso negato: il tuo ruolo non permette questa esportazione.\n"
        dati = genera()
        with motore.transazione() as s:
            audit.registra(s, nome_utente, "esportazione", azione, {**(dettagli or {}), "byte": len(dati)})
        return dati

    return scarica


@st.cache_resource(show_spinner=False)
def tassonomia() -> Any:
    """The Piano di Zona taxonomy (the district's file when the setting names one)."""
    from analisi.piano import carica_tassonomia

    return carica_tassonomia(impostazioni().tassonomia_piano)


def nomi_aree() -> dict[str, str]:
    return {a.codice: f"{a.codice}. {a.nome}" for a in tassonomia().aree}


def nomi_schede() -> dict[str, str]:
    return {s.codice: f"{s.codice} {s.nome}" for s in tassonomia().schede}


# --------------------------------------------------------------------------------- stories and theme weights
@st.cache_data(ttl=TTL, show_spinner=False)
def racconti_df(filtri: Filtri) -> pd.DataFrame:
    """Metadata of the filtered visible stories (one row each, index: story id)."""
    with archivio().lettura() as s:
        righe = racconti_filtrati(s, filtri)
    colonne = ["id", "codice", "titolo", "associazione", "quartiere", "fascia_eta", "ruolo", "periodo",
               "data",
               "canale", "parole", "citabile"]
    return pd.DataFrame(righe, columns=colonne).set_index("id", drop=False)


@st.cache_data(ttl=TTL, show_spinner=False)
def dati_temi() -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """The active themes (labels, terms, quotes, prevalence) and the stories × themes weights.

    The weight columns are the themes' labels, in index order; rows are story ids.
    """
    from archivio import temi as archivio_temi

    with archivio().lettura() as s:
        temi = archivio_temi.leggi_temi(s, citazioni=True)
        righe = archivio_temi.assegnazioni(s)
    if not temi or not righe:
        return temi, pd.DataFrame()
    pesi = pd.DataFrame(righe).pivot_table(index="racconto_id", columns="tema", values="peso", fill_value=0.0)
    etichette = etichette_temi(temi)
    pesi = pesi.reindex(columns=range(len(temi)), fill_value=0.0)
    pesi.columns = [etichette[i] for i in range(len(temi))]
    return temi, pesi


def etichette_temi(temi: Sequence[dict[str, Any]]) -> list[str]:
    """Unique display labels "1. label" (two themes may share a label after an edit)."""
    return [f"{i + 1}. {t['etichetta']}" for i, t in enumerate(temi)]


# ------------------------------------------------------------------------------- whole-store aggregates
@st.cache_data(ttl=TTL_BASE, show_spinner=False)
def conteggi_generali() -> dict[str, int]:
    with archivio().lettura() as s:
        return leggi_conteggi_generali(s)


@st.cache_data(ttl=TTL_BASE, show_spinner=False)
def codici_racconti() -> pd.DataFrame:
    """(racconto_id, codice, frasi) for every visible story: pages filter this in memory."""
    with archivio().lettura() as s:
        righe = codici_per_racconto_tutti(s)
    return pd.DataFrame(righe, columns=["racconto_id", "codice", "frasi"])


@st.cache_data(ttl=TTL_BASE, show_spinner=False)
def frasi_racconti() -> pd.Series:
    with archivio().lettura() as s:
        return pd.Series(frasi_per_racconto(s), dtype="int64")


@st.cache_data(ttl=TTL_BASE, show_spinner=False)
def aree_racconti() -> pd.DataFrame:
    """(racconto_id, area, proposte, confermate) for every visible story with proposals."""
    with archivio().lettura() as s:
        righe = aree_per_racconto(s)
    return pd.DataFrame(righe, columns=["racconto_id", "area", "proposte", "confermate"])


_RISCALDAMENTO = threading.Lock()


def _server_in_funzione() -> bool:
    """True inside a serving Streamlit server. A Runtime object can exist without serving (importing
    ``dashboard`` builds its ``st.App``, e.g. in tests): a warm-up thread then would write into AppTest runs."""
    if not runtime.exists():
        return False
    from streamlit.runtime.runtime import RuntimeState

    return runtime.get_instance().state in (RuntimeState.NO_SESSIONS_CONNECTED,
                                            RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED)


def riscalda() -> None:
    """Fill the shared caches in the background while someone types their password on the login page.

    The aggregates do not depend on who logs in (every role sees the same counts); at most one warm-up
    runs at a time and a warm cache makes it a no-op. Nothing is shown to the anonymous visitor.
    """
    if not _server_in_funzione():  # only in a real server (AppTest and scripts have no running runtime)
        return
    if not _RISCALDAMENTO.acquire(blocking=False):
        return

    def lavora() -> None:
        try:
            with archivio().lettura() as s:
                controlla_generazione(ricevute.versione_dati(s))
            valori_filtri()
            conteggi_generali()
            racconti_df(Filtri())
            frasi_racconti()
            codici_racconti()
        except Exception:  # a warm-up must never disturb the login page
            logging.getLogger(__name__).exception("cache warm-up failed")
        finally:
            _RISCALDAMENTO.release()

    filo = threading.Thread(target=lavora, name="narrazioni-riscalda", daemon=True)
    add_script_run_ctx(filo, get_script_run_ctx())
    filo.start()
