"""The public form's routes (one :data:`router`) and error handlers; their resources come from
:class:`raccolta.stato_modulo.StatoModulo` (``request.app.state``), assembled by :func:`raccolta.app.crea_app`."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from raccolta.invio import ritira_racconto
from raccolta.resa import (
    CAMPO_TRAPPOLA,
    COOKIE_CSRF,
    contesto,
    pagina_errore,
    pagina_modulo,
    pagina_modulo_vuoto,
    pagina_ricevuta,
    pagina_ritiro,
    ricevuta_fittizia,
)
from raccolta.ricevuta import LUNGHEZZA, normalizza_ricevuta
from raccolta.sicurezza import CorpoTroppoGrande, richiesta_da_altro_sito
from raccolta.stato_modulo import Stato, StatoModulo, stato_modulo
from raccolta.validazione import ErroreCampo, ErroreValidazione, valida_racconto

log = logging.getLogger(__name__)
router = APIRouter()


def _cliente(request: Request) -> str:
    # Used only as an in-memory rate-limit key, through an HMAC (see raccolta.sicurezza). The client is the
    # socket's peer unless that peer is a trusted proxy (ClienteReale, setting proxy_fidati).
    return request.client.host if request.client else "sconosciuto"


def _minuti(secondi: float) -> int:
    return max(1, int(secondi // 60 + 1))


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


async def modulo_o_errore(stato: StatoModulo, request: Request, da_dove: str) -> dict[str, Any] | Response:
    """The posted fields, or the error page: a post from another site (403) or an unreadable body (400)."""
    if richiesta_da_altro_sito(request.headers, request.headers.get("host")):
        return pagina_errore(stato, request, 403, "Richiesta non valida", f"{da_dove} solo da questo sito.")
    valori = await leggi_modulo(request)
    if valori is None:
        return pagina_errore(stato, request, 400, "Richiesta non valida", "Il modulo inviato non è leggibile.")
    return valori


@router.get("/", response_class=HTMLResponse)
async def modulo(request: Request, stato: Stato) -> Response:
    return await pagina_modulo_vuoto(stato, request)


@router.get("/invia")
async def invia_get(request: Request) -> Response:
    return RedirectResponse(str(request.scope.get("root_path", "")) + "/", status_code=303)


@router.post("/invia", response_class=HTMLResponse)
async def invia(request: Request, stato: Stato) -> Response:
    versione_consenso = stato.versione_consenso
    valori = await modulo_o_errore(stato, request, "Il modulo si può inviare")
    if isinstance(valori, Response):
        return valori
    attesa = stato.limite_invii.consenti(_cliente(request))
    if attesa is not None:
        risposta = await pagina_modulo(
            stato, request, valori, [], status=429,
            avviso=f"Da questo collegamento sono arrivati molti moduli in poco tempo. Il tuo testo è "
                   f"ancora qui: riprova tra {_minuti(attesa)} minuti.")
        risposta.headers["retry-after"] = str(int(attesa) + 1)
        return risposta
    if not stato.csrf.coppia_valida(request.cookies.get(COOKIE_CSRF), valori.get("csrf")):
        return await pagina_modulo(
            stato, request, valori, [], status=403,
            avviso="La pagina era aperta da molto tempo o il browser non accetta i cookie tecnici. "
                   "Il tuo testo è ancora qui: controlla e premi di nuovo «Invia il racconto».")
    if valori.get(CAMPO_TRAPPOLA):
        # A bot filled the invisible field: answer as usual, store nothing.
        return ricevuta_fittizia(stato, request)
    if valori.get("versione_consenso", versione_consenso) != versione_consenso:
        return await pagina_modulo(
            stato, request, valori, [], status=409,
            avviso="L'informativa sul trattamento dei dati è stata aggiornata mentre scrivevi. Il tuo "
                   "testo è ancora qui: leggi la nuova informativa e conferma il consenso.")
    try:
        nuovo = valida_racconto(valori, associazioni=set(await stato.nomi_associazioni()),
                                canale="modulo", versione_consenso=versione_consenso)
    except ErroreValidazione as e:
        return await pagina_modulo(stato, request, valori, e.errori, status=422)
    # Who sent it, only to tell a double click (same browser: its new receipt withdraws the story)
    # from someone else re-sending a known text (their receipt withdraws only their submission).
    nuovo = replace(nuovo, mittente=hmac.new(stato.segreto, b"mittente:" + str(valori.get("csrf")).encode(),
                                             hashlib.sha256).hexdigest())
    try:
        ricevuta = await stato.scrittore.invia(nuovo)
    except Exception as e:  # the store is down or locked: keep what the person wrote
        log.error("racconto non salvato: %s", type(e).__name__)  # never the content, never the client
        return await pagina_modulo(
            stato, request, valori, [], status=503,
            avviso="Per un problema tecnico non siamo riusciti a salvare il racconto. Il tuo testo è "
                   "ancora qui: riprova tra qualche minuto.")
    return pagina_ricevuta(stato, request, ricevuta)


@router.get("/ritira", response_class=HTMLResponse)
async def ritira_get(request: Request, stato: Stato) -> Response:
    return pagina_ritiro(stato, request)


@router.post("/ritira", response_class=HTMLResponse)
async def ritira_post(request: Request, stato: Stato) -> Response:
    inizio = time.monotonic()
    valori = await modulo_o_errore(stato, request, "La richiesta si può inviare")
    if isinstance(valori, Response):
        return valori
    codice = str(valori.get("codice") or "")[:100]
    attesa = stato.limite_ritiri.consenti(_cliente(request))
    if attesa is not None:
        risposta = pagina_ritiro(
            stato, request, codice, status=429,
            avviso=f"Troppi tentativi in poco tempo: riprova tra {_minuti(attesa)} minuti.")
        risposta.headers["retry-after"] = str(int(attesa) + 1)
        return risposta
    if not stato.csrf.coppia_valida(request.cookies.get(COOKIE_CSRF), valori.get("csrf")):
        return pagina_ritiro(stato, request, codice, status=403,
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
        return pagina_ritiro(stato, request, codice, errori, status=422)
    archivio, cifrario = stato.archivio, stato.cifrario
    try:
        await stato.scrittore.esegui(lambda: ritira_racconto(archivio, codice, chi="cittadino",
                                                             cifrario=cifrario))
    except Exception as e:
        log.error("ritiro non riuscito: %s", type(e).__name__)
        return pagina_ritiro(stato, request, codice, status=503,
                             avviso="Per un problema tecnico non siamo riusciti a completare la "
                                    "richiesta: riprova tra qualche minuto.")
    # Same page, and about the same time, whether the code matched a story or not: no oracle.
    resto = stato.limiti.ritardo_ritiro_secondi - (time.monotonic() - inizio)
    if resto > 0:
        await asyncio.sleep(resto)
    return stato.templates.TemplateResponse(request, "ritirato.html",
                                          contesto(request, titolo="Richiesta ricevuta"))


@router.get("/informativa", response_class=HTMLResponse)
async def informativa(request: Request, stato: Stato) -> Response:
    versione = stato.versione_consenso
    _, consenso_html, _ = await stato.consenso_async(versione)
    return stato.templates.TemplateResponse(request, "informativa.html", contesto(
        request, titolo="Informativa sul trattamento dei dati", versione=versione,
        consenso_html=consenso_html))


@router.get("/salute")
async def salute() -> Response:
    return Response("ok", media_type="text/plain")


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(status_code=204)


async def errore_http(request: Request, exc: Exception) -> Response:
    """Handler of ``StarletteHTTPException``: 404 and 405 as Italian pages."""
    stato = stato_modulo(request)
    codice = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
    if codice == 404:
        return pagina_errore(stato, request, 404, "Pagina non trovata", "La pagina che cerchi non esiste. "
                             "Torna al modulo per raccontare la tua esperienza.")
    if codice == 405:
        return pagina_errore(stato, request, 405, "Richiesta non valida",
                             "Questa pagina non accetta la richiesta.")
    return pagina_errore(stato, request, codice, "Errore", "Qualcosa non ha funzionato: riprova.")


async def errore_interno(request: Request, exc: Exception) -> Response:
    """Handler of any other exception: an Italian page; the log gets the type's name only."""
    log.error("errore interno: %s", type(exc).__name__)
    return pagina_errore(stato_modulo(request), request, 500, "Errore del servizio",
                         "Qualcosa non ha funzionato da parte nostra. Riprova tra qualche minuto.")
