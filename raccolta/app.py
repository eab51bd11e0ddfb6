"""The public form: a citizen tells a story, gets a receipt, and can withdraw the story with it.

Plain HTML forms (no JavaScript), Italian, accessible. Run it with
``uvicorn --factory raccolta.app:crea_app_da_ambiente --no-access-log --no-proxy-headers`` (the app reads
``X-Forwarded-For`` itself, only from the proxies in the setting ``proxy_fidati``; the factory also silences
uvicorn's access log: client addresses must not reach any log). No address, user agent or session is
stored; the only cookie is the CSRF token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni, predefinito
from raccolta.consenso import TESTO_CITAZIONE
from raccolta.invio import Ricevuta, ritira_racconto
from raccolta.ricevuta import LUNGHEZZA, genera_ricevuta, normalizza_ricevuta
from raccolta.scrittore import Scrittore
from raccolta.sicurezza import (
    ClienteReale,
    CorpoTroppoGrande,
    GettoniCsrf,
    IntestazioniSicurezza,
    LimiteCorpo,
    LimiteRichieste,
    ProxyFidati,
    richiesta_da_altro_sito,
)
from raccolta.validazione import (
    FASCE_ETA,
    MAX_CARATTERI,
    MIN_CARATTERI,
    PERIODI,
    RUOLI,
    TEMI_AUTOVALUTAZIONE,
    ErroreCampo,
    ErroreValidazione,
    valida_racconto,
)

log = logging.getLogger(__name__)
CARTELLA = Path(__file__).resolve().parent
COOKIE_CSRF = "narrazioni_csrf"
CAMPO_TRAPPOLA = "sito_web"  # honeypot: invisible to people, filled in by naive bots
CAMPI_TESTO = ("testo", "titolo", "associazione", "associazione_altra", "quartiere", "fascia_eta", "ruolo",
               "periodo", "sensazione", "consenso", "consenso_citazione")

ETICHETTE_FASCE = {"<18": "Meno di 18 anni", "18-29": "18–29 anni", "30-44": "30–44 anni",
                   "45-64": "45–64 anni", "65-74": "65–74 anni", "75+": "75 anni o più"}
ETICHETTE_RUOLI = {"cittadino": "Cittadina o cittadino",
                   "caregiver": "Mi prendo cura di una persona (caregiver)",
                   "volontario": "Volontaria o volontario", "operatore": "Operatrice o operatore dei servizi",
                   "genitore": "Genitore", "studente": "Studentessa o studente", "altro": "Altro"}
ETICHETTE_SENSAZIONE = {"1": "1 – Molto difficile", "2": "2 – Difficile", "3": "3 – Né bene né male",
                        "4": "4 – Abbastanza bene", "5": "5 – Bene"}
# Where the error summary sends the reader for each field (radio groups: their first option).
ANCORE = {"fascia_eta": "campo-fascia_eta-0", "ruolo": "campo-ruolo-0", "periodo": "campo-periodo-0",
          "sensazione": "campo-sensazione-0", "temi": "campo-temi-0"}


@dataclass(frozen=True)
class Limiti:
    """Protections of the form: the settings ``modulo_*`` (defaults from archivio/impostazioni.py)."""

    invii_max: int = predefinito("modulo.invii_max")
    ritiri_max: int = predefinito("modulo.ritiri_max")
    finestra_limiti_secondi: int = predefinito("modulo.finestra_limiti_secondi")
    max_byte: int = predefinito("modulo.max_byte")
    finestra_duplicati_minuti: int = predefinito("modulo.finestra_duplicati_minuti")
    durata_gettone_ore: int = predefinito("modulo.durata_gettone_ore")
    ritardo_ritiro_secondi: float = predefinito("modulo.ritardo_ritiro_secondi")


@dataclass
class _Stato:
    impostazioni: Impostazioni
    archivio: Archivio
    cifrario: Cifrario
    limiti: Limiti
    csrf: GettoniCsrf
    limite_invii: LimiteRichieste
    limite_ritiri: LimiteRichieste
    modelli: Jinja2Templates
    # One writer thread with group commit: SQLite takes one writer at a time anyway, and queueing here
    # instead of in SQLite's busy handler (which sleeps) keeps latency low under load.
    scrittore: Scrittore
    associazioni: tuple[float, list[str]] = (0.0, [])
    consensi: dict[str, tuple[str, Markup, str]] = field(default_factory=dict)

    async def nomi_associazioni(self) -> list[str]:
        letto, nomi = self.associazioni
        if time.monotonic() - letto > 30:
            nomi = await asyncio.get_running_loop().run_in_executor(None, self._leggi_associazioni)
            self.associazioni = (time.monotonic(), nomi)
        return nomi

    def _leggi_associazioni(self) -> list[str]:
        with self.archivio.lettura() as s:
            return q.nomi_associazioni(s)

    def consenso(self, versione: str) -> tuple[str, Markup, str]:
        """(text, text as HTML, quotation consent text) of a version; cached: published texts never change."""
        if versione not in self.consensi:
            with self.archivio.lettura() as s:
                c = q.consenso(s, versione)
                if c is None:
                    raise RuntimeError(f"consent version {versione!r} is not registered: "
                                       "run 'narrazioni init'")
                self.consensi[versione] = (c.testo, testo_semplice_in_html(c.testo),
                                           c.testo_citazione or TESTO_CITAZIONE)
        return self.consensi[versione]

    async def consenso_async(self, versione: str) -> tuple[str, Markup, str]:
        if versione in self.consensi:
            return self.consensi[versione]
        return await asyncio.get_running_loop().run_in_executor(None, self.consenso, versione)


def testo_semplice_in_html(testo: str) -> Markup:
    """The consent text (plain paragraphs, **bold**) as HTML, escaped first."""
    paragrafi = [p.strip() for p in re.split(r"\n\s*\n", testo) if p.strip()]
    html = []
    for p in paragrafi:
        sicuro = str(escape(" ".join(p.split())))
        html.append("<p>" + re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", sicuro) + "</p>")
    return Markup("\n".join(html))


SEGNAPOSTO = "\x00segnaposto\x00"  # cannot occur in a rendered page: control characters are never output


def html_ricevuta(codice: str) -> str:
    """The receipt code as HTML, in groups that never break inside (the code's alphabet needs no escaping)."""
    return "-".join(f'<span class="gruppo">{escape(g)}</span>' for g in codice.split("-"))


def _cliente(request: Request) -> str:
    # Used only as an in-memory rate-limit key, through an HMAC (see raccolta.sicurezza). The client is the
    # socket's peer unless that peer is a trusted proxy (ClienteReale, setting proxy_fidati).
    return request.client.host if request.client else "sconosciuto"


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def crea_app(impostazioni: Impostazioni, archivio: Archivio, cifrario: Cifrario, *,
             limiti: Limiti | None = None, segreto: bytes | None = None,
             titolo_progetto: str = "Io al tempo della pandemia",
             luogo: str = "Modena, Quartiere 3") -> FastAPI:
    """Build the public form's application.

    Args:
        impostazioni: the settings (consent version, ...).
        archivio: the store.
        cifrario: encrypts the raw text before it reaches the store.
        limiti: rate limits, request size, duplicate window (defaults: :class:`Limiti`).
        segreto: key of CSRF tokens; random per process when None. Several workers behind one address
            need the same one: the factory takes it from the store (:mod:`archivio.segreti`).
        titolo_progetto: the title shown on every page.
        luogo: the place shown under the title.
    """
    limiti = limiti or Limiti()
    segreto = segreto or secrets.token_bytes(32)
    chiave_limiti = secrets.token_bytes(32)
    modelli = Jinja2Templates(directory=str(CARTELLA / "templates"))
    modelli.env.trim_blocks = True
    modelli.env.lstrip_blocks = True
    modelli.env.globals.update(titolo_progetto=titolo_progetto, luogo=luogo)
    stato = _Stato(
        impostazioni=impostazioni, archivio=archivio, cifrario=cifrario, limiti=limiti,
        csrf=GettoniCsrf(segreto, limiti.durata_gettone_ore * 3600),
        # Buckets live in this process's memory only: their key stays per process (an address is never
        # matchable from the store), unlike the CSRF key, which every worker shares.
        limite_invii=LimiteRichieste(limiti.invii_max, limiti.finestra_limiti_secondi, chiave_limiti),
        limite_ritiri=LimiteRichieste(limiti.ritiri_max, limiti.finestra_limiti_secondi, chiave_limiti),
        modelli=modelli,
        scrittore=Scrittore(archivio, cifrario, finestra_duplicati=timedelta(
            minutes=limiti.finestra_duplicati_minuti)),
    )

    @asynccontextmanager
    async def ciclo_di_vita(_app: FastAPI) -> AsyncIterator[None]:
        yield
        stato.scrittore.chiudi()

    app = FastAPI(title="Narrazioni – modulo pubblico", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=ciclo_di_vita)
    app.state.narrazioni = stato
    app.mount("/static", StaticFiles(directory=str(CARTELLA / "static")), name="static")

    def pagina_troppo_grande() -> bytes:
        return modelli.get_template("errore.html").render(
            radice="", titolo="Testo troppo lungo",
            messaggio="Il modulo inviato è troppo grande. Il racconto può avere al massimo "
                      f"{MAX_CARATTERI:,} caratteri: accorcialo e riprova.".replace(",", ".")).encode("utf-8")

    app.add_middleware(LimiteCorpo, max_byte=limiti.max_byte, pagina=pagina_troppo_grande)
    app.add_middleware(IntestazioniSicurezza)
    # Outermost: every layer below sees the client as the trusted-proxy setting says, whatever the server did.
    app.add_middleware(ClienteReale, proxy=ProxyFidati(impostazioni.sicurezza.proxy_fidati))

    def contesto(request: Request, **valori: Any) -> dict[str, Any]:
        return {"radice": request.scope.get("root_path", ""), **valori}

    def con_gettone(request: Request, risposta: Response, gettone: str) -> Response:
        risposta.set_cookie(COOKIE_CSRF, gettone, max_age=limiti.durata_gettone_ore * 3600, httponly=True,
                            samesite="strict", secure=_https(request),
                            path=(request.scope.get("root_path", "") or "/"))
        return risposta

    def gettone_per(request: Request) -> str:
        attuale = request.cookies.get(COOKIE_CSRF)
        return attuale if attuale is not None and stato.csrf.valido(attuale) else stato.csrf.nuovo()

    # Pages that differ only by a receipt code or a token are rendered once, split at a marker and filled
    # in: the hot paths (a receipt for every story, the empty form for every visitor) skip the templates.
    prerese: dict[tuple[str, ...], tuple[str, str]] = {}

    def preresa(request: Request, nome: str, chiave: tuple[str, ...], **valori: Any) -> tuple[str, str]:
        chiave = (request.scope.get("root_path", ""), *chiave)
        if chiave not in prerese:
            html = modelli.get_template(nome).render(contesto(request, **valori))
            prima, trovato, dopo = html.partition(SEGNAPOSTO)
            assert trovato and SEGNAPOSTO not in dopo, f"{nome}: the marker must appear exactly once"
            if len(prerese) > 100:  # association lists change rarely: keep the cache small anyway
                prerese.clear()
            prerese[chiave] = (prima, dopo)
        return prerese[chiave]

    def contesto_modulo(valori: Mapping[str, Any], errori: list[ErroreCampo], avviso: str | None,
                        gettone: str, consenso_html: Markup, testo_citazione: str,
                        associazioni: list[str]) -> dict[str, Any]:
        per_campo: dict[str, str] = {}
        for e in errori:
            per_campo.setdefault(e.campo, e.messaggio)
        return dict(
            titolo="Racconta la tua esperienza", valori=valori, errori=errori, per_campo=per_campo,
            ancore=ANCORE, avviso=avviso, gettone=gettone, versione_consenso=impostazioni.modulo.versione_consenso,
            consenso_html=consenso_html, testo_citazione=testo_citazione, associazioni=associazioni,
            fasce=[(f, ETICHETTE_FASCE.get(f, f)) for f in FASCE_ETA],
            ruoli=[(r, ETICHETTE_RUOLI.get(r, r.capitalize())) for r in RUOLI], periodi=list(PERIODI.items()),
            sensazioni=list(ETICHETTE_SENSAZIONE.items()), temi=list(TEMI_AUTOVALUTAZIONE.items()),
            min_caratteri=MIN_CARATTERI, max_caratteri=MAX_CARATTERI, campo_trappola=CAMPO_TRAPPOLA)

    async def pagina_modulo(request: Request, valori: Mapping[str, Any], errori: list[ErroreCampo],
                            status: int = 200, avviso: str | None = None) -> Response:
        _, consenso_html, testo_citazione = await stato.consenso_async(impostazioni.modulo.versione_consenso)
        gettone = gettone_per(request)
        risposta = modelli.TemplateResponse(request, "modulo.html", contesto(
            request, **contesto_modulo(valori, errori, avviso, gettone, consenso_html, testo_citazione,
                                       await stato.nomi_associazioni())), status_code=status)
        return con_gettone(request, risposta, gettone)

    def pagina_ritiro(request: Request, codice: str = "", errori: list[ErroreCampo] | None = None,
                      status: int = 200, avviso: str | None = None) -> Response:
        gettone = gettone_per(request)
        errori = errori or []
        risposta = modelli.TemplateResponse(request, "ritira.html", contesto(
            request, titolo="Ritira il tuo racconto", codice=codice, errori=errori,
            per_campo={e.campo: e.messaggio for e in errori}, avviso=avviso, gettone=gettone,
            lunghezza=LUNGHEZZA), status_code=status)
        return con_gettone(request, risposta, gettone)

    def pagina_errore(request: Request, status: int, titolo: str, messaggio: str,
                      intestazioni: dict[str, str] | None = None) -> Response:
        return modelli.TemplateResponse(request, "errore.html", contesto(
            request, titolo=titolo, messaggio=messaggio), status_code=status, headers=intestazioni)

    async def leggi_modulo(request: Request) -> dict[str, Any] | None:
        try:
            modulo = await request.form(max_files=0, max_fields=60)
        except CorpoTroppoGrande:
            raise
        except Exception:  # malformed body: python-multipart / starlette parse errors
            return None
        valori: dict[str, Any] = {k: v for k, v in modulo.items() if isinstance(v, str)}
        valori["temi"] = [t for t in modulo.getlist("temi") if isinstance(t, str)]
        return valori

    async def modulo_o_errore(request: Request, da_dove: str) -> dict[str, Any] | Response:
        """The posted fields, or the error page: a post from another site (403) or an unreadable body (400)."""
        if richiesta_da_altro_sito(request.headers, request.headers.get("host")):
            return pagina_errore(request, 403, "Richiesta non valida", f"{da_dove} solo da questo sito.")
        valori = await leggi_modulo(request)
        if valori is None:
            return pagina_errore(request, 400, "Richiesta non valida", "Il modulo inviato non è leggibile.")
        return valori

    def minuti(secondi: float) -> int:
        return max(1, int(secondi // 60 + 1))

    @app.get("/", response_class=HTMLResponse)
    async def modulo(request: Request) -> Response:
        # The empty form is the same for every visitor but for the CSRF token: rendered once per
        # association list and consent version, then filled in.
        associazioni = await stato.nomi_associazioni()
        _, consenso_html, testo_citazione = await stato.consenso_async(impostazioni.modulo.versione_consenso)
        prima, dopo = preresa(request, "modulo.html",
                              ("modulo.html", impostazioni.modulo.versione_consenso, *associazioni),
                              **contesto_modulo({}, [], None, SEGNAPOSTO, consenso_html, testo_citazione,
                                                associazioni))
        gettone = gettone_per(request)
        return con_gettone(request, HTMLResponse(prima + gettone + dopo), gettone)

    @app.get("/invia")
    async def invia_get(request: Request) -> Response:
        return RedirectResponse(str(request.scope.get("root_path", "")) + "/", status_code=303)

    @app.post("/invia", response_class=HTMLResponse)
    async def invia(request: Request) -> Response:
        valori = await modulo_o_errore(request, "Il modulo si può inviare")
        if isinstance(valori, Response):
            return valori
        attesa = stato.limite_invii.consenti(_cliente(request))
        if attesa is not None:
            risposta = await pagina_modulo(
                request, valori, [], status=429,
                avviso=f"Da questo collegamento sono arrivati molti moduli in poco tempo. Il tuo testo è "
                       f"ancora qui: riprova tra {minuti(attesa)} minuti.")
            risposta.headers["retry-after"] = str(int(attesa) + 1)
            return risposta
        if not stato.csrf.coppia_valida(request.cookies.get(COOKIE_CSRF), valori.get("csrf")):
            return await pagina_modulo(
                request, valori, [], status=403,
                avviso="La pagina era aperta da molto tempo o il browser non accetta i cookie tecnici. "
                       "Il tuo testo è ancora qui: controlla e premi di nuovo «Invia il racconto».")
        if valori.get(CAMPO_TRAPPOLA):
            # A bot filled the invisible field: answer as usual, store nothing.
            return ricevuta_fittizia(request)
        consenso = impostazioni.modulo.versione_consenso
        if valori.get("versione_consenso", consenso) != consenso:
            return await pagina_modulo(
                request, valori, [], status=409,
                avviso="L'informativa sul trattamento dei dati è stata aggiornata mentre scrivevi. Il tuo "
                       "testo è ancora qui: leggi la nuova informativa e conferma il consenso.")
        try:
            nuovo = valida_racconto(valori, associazioni=set(await stato.nomi_associazioni()),
                                    canale="modulo", versione_consenso=impostazioni.modulo.versione_consenso)
        except ErroreValidazione as e:
            return await pagina_modulo(request, valori, e.errori, status=422)
        # Who sent it, only to tell a double click (same browser: its new receipt withdraws the story)
        # from someone else re-sending a known text (their receipt withdraws only their submission).
        nuovo = replace(nuovo, mittente=hmac.new(segreto, b"mittente:" + str(valori.get("csrf")).encode(),
                                                 hashlib.sha256).hexdigest())
        try:
            ricevuta = await stato.scrittore.invia(nuovo)
        except Exception as e:  # the store is down or locked: keep what the person wrote
            log.error("racconto non salvato: %s", type(e).__name__)  # never the content, never the client
            return await pagina_modulo(
                request, valori, [], status=503,
                avviso="Per un problema tecnico non siamo riusciti a salvare il racconto. Il tuo testo è "
                       "ancora qui: riprova tra qualche minuto.")
        return pagina_ricevuta(request, ricevuta)

    def pagina_ricevuta(request: Request, ricevuta: Ricevuta) -> Response:
        prima, dopo = preresa(request, "ricevuta.html", ("ricevuta.html",), titolo="Racconto ricevuto",
                              ricevuta_html=SEGNAPOSTO)
        return HTMLResponse(prima + html_ricevuta(ricevuta.codice) + dopo)

    def ricevuta_fittizia(request: Request) -> Response:
        return pagina_ricevuta(request, Ricevuta(genera_ricevuta(), "", False))

    @app.get("/ritira", response_class=HTMLResponse)
    async def ritira_get(request: Request) -> Response:
        return pagina_ritiro(request)

    @app.post("/ritira", response_class=HTMLResponse)
    async def ritira_post(request: Request) -> Response:
        inizio = time.monotonic()
        valori = await modulo_o_errore(request, "La richiesta si può inviare")
        if isinstance(valori, Response):
            return valori
        codice = str(valori.get("codice") or "")[:100]
        attesa = stato.limite_ritiri.consenti(_cliente(request))
        if attesa is not None:
            risposta = pagina_ritiro(
                request, codice, status=429,
                avviso=f"Troppi tentativi in poco tempo: riprova tra {minuti(attesa)} minuti.")
            risposta.headers["retry-after"] = str(int(attesa) + 1)
            return risposta
        if not stato.csrf.coppia_valida(request.cookies.get(COOKIE_CSRF), valori.get("csrf")):
            return pagina_ritiro(request, codice, status=403,
                                 avviso="La pagina era aperta da molto tempo o il browser non accetta i "
                                        "cookie tecnici: controlla il codice e premi di nuovo «Ritira il "
                                        "racconto».")
        errori = []
        if not codice.strip():
            errori.append(ErroreCampo("codice", "Scrivi il codice ricevuta."))
        elif normalizza_ricevuta(codice) is None:
            errori.append(ErroreCampo(
                "codice", f"Il codice ricevuta ha {LUNGHEZZA} lettere e cifre, ad esempio 7KQ2-M9XD-4TBW."))
        if not valori.get("conferma"):
            errori.append(ErroreCampo("conferma",
                                      "Conferma di aver capito che la cancellazione è definitiva."))
        if errori:
            return pagina_ritiro(request, codice, errori, status=422)
        try:
            await stato.scrittore.esegui(lambda: ritira_racconto(archivio, codice, chi="cittadino",
                                                                 cifrario=cifrario))
        except Exception as e:
            log.error("ritiro non riuscito: %s", type(e).__name__)
            return pagina_ritiro(request, codice, status=503,
                                 avviso="Per un problema tecnico non siamo riusciti a completare la "
                                        "richiesta: riprova tra qualche minuto.")
        # Same page, and about the same time, whether the code matched a story or not: no oracle.
        resto = limiti.ritardo_ritiro_secondi - (time.monotonic() - inizio)
        if resto > 0:
            await asyncio.sleep(resto)
        return modelli.TemplateResponse(request, "ritirato.html",
                                        contesto(request, titolo="Richiesta ricevuta"))

    @app.get("/informativa", response_class=HTMLResponse)
    async def informativa(request: Request) -> Response:
        versione = impostazioni.modulo.versione_consenso
        _, consenso_html, _ = await stato.consenso_async(versione)
        return modelli.TemplateResponse(request, "informativa.html", contesto(
            request, titolo="Informativa sul trattamento dei dati", versione=versione,
            consenso_html=consenso_html))

    @app.get("/salute")
    async def salute() -> Response:
        return Response("ok", media_type="text/plain")

    @app.get("/favicon.ico")
    async def favicon() -> Response:
        return Response(status_code=204)

    @app.exception_handler(StarletteHTTPException)
    async def errore_http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return pagina_errore(request, 404, "Pagina non trovata", "La pagina che cerchi non esiste. "
                                 "Torna al modulo per raccontare la tua esperienza.")
        if exc.status_code == 405:
            return pagina_errore(request, 405, "Richiesta non valida",
                                 "Questa pagina non accetta la richiesta.")
        return pagina_errore(request, exc.status_code, "Errore", "Qualcosa non ha funzionato: riprova.")

    @app.exception_handler(Exception)
    async def errore_interno(request: Request, exc: Exception) -> Response:
        log.error("errore interno: %s", type(exc).__name__)
        return pagina_errore(request, 500, "Errore del servizio",
                             "Qualcosa non ha funzionato da parte nostra. Riprova tra qualche minuto.")

    return app


def limiti_da_impostazioni(impostazioni: Impostazioni) -> Limiti:
    """The form's limits from the settings ``modulo_*``."""
    return Limiti(**{nome: getattr(impostazioni.modulo, nome) for nome in Limiti.__dataclass_fields__})


def crea_app_da_ambiente() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from the environment, the store, the key."""
    from archivio.db import revisione_corrente, revisione_finale
    from archivio.impostazioni import carica_impostazioni
    from archivio.segreti import segreto_condiviso
    from raccolta.consenso import registra_consenso

    # The access log would write client addresses: the form must not record them anywhere.
    logging.getLogger("uvicorn.access").disabled = True
    impostazioni = carica_impostazioni()
    archivio = Archivio(impostazioni.url_database(), file_ritirati=impostazioni.percorso_ritirati())
    if revisione_corrente(archivio) != revisione_finale():
        raise RuntimeError("the database is not initialised or not up to date: run 'narrazioni init'")
    if not registra_consenso(archivio, impostazioni.modulo.versione_consenso):
        with archivio.lettura() as s:
            if q.consenso(s, impostazioni.modulo.versione_consenso) is None:
                raise RuntimeError(f"no consent text for version {impostazioni.modulo.versione_consenso!r}")
    cifrario = Cifrario.da_file(impostazioni.percorso_chiave())
    # One CSRF/rate-limit key for every worker that shares this store (several workers behind one proxy).
    segreto = segreto_condiviso(archivio, "modulo")
    return crea_app(impostazioni, archivio, cifrario, limiti=limiti_da_impostazioni(impostazioni), segreto=segreto)
