"""The public form's pages: template context, CSRF cookie, prerendered pages, form / withdrawal / error pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from raccolta.invio import Ricevuta
from raccolta.ricevuta import LUNGHEZZA, genera_ricevuta
from raccolta.stato_modulo import StatoModulo
from raccolta.validazione import (
    FASCE_ETA,
    MAX_CARATTERI,
    MIN_CARATTERI,
    PERIODI,
    RUOLI,
    TEMI_AUTOVALUTAZIONE,
    ErroreCampo,
)

COOKIE_CSRF = "narrazioni_csrf"
CAMPO_TRAPPOLA = "sito_web"  # honeypot: invisible to people, filled in by naive bots

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

SEGNAPOSTO = "\x00segnaposto\x00"  # cannot occur in a rendered page: control characters are never output


def html_ricevuta(codice: str) -> str:
    """The receipt code as HTML, in groups that never break inside (the code's alphabet needs no escaping)."""
    return "-".join(f'<span class="gruppo">{escape(g)}</span>' for g in codice.split("-"))


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def contesto(request: Request, **valori: Any) -> dict[str, Any]:
    return {"radice": request.scope.get("root_path", ""), **valori}


def con_gettone(stato: StatoModulo, request: Request, risposta: Response, gettone: str) -> Response:
    risposta.set_cookie(COOKIE_CSRF, gettone, max_age=stato.limiti.durata_gettone_ore * 3600, httponly=True,
                        samesite="strict", secure=_https(request),
                        path=(request.scope.get("root_path", "") or "/"))
    return risposta


def gettone_per(stato: StatoModulo, request: Request) -> str:
    attuale = request.cookies.get(COOKIE_CSRF)
    return attuale if attuale is not None and stato.csrf.valido(attuale) else stato.csrf.nuovo()


def preresa(stato: StatoModulo, request: Request, nome: str, chiave: tuple[str, ...],
            **valori: Any) -> tuple[str, str]:
    """A page rendered once and split at :data:`SEGNAPOSTO`: the hot paths (a receipt for every story, the
    empty form for every visitor) skip the templates."""
    chiave = (request.scope.get("root_path", ""), *chiave)
    prerese = stato.prerese
    if chiave not in prerese:
        html = stato.templates.get_template(nome).render(contesto(request, **valori))
        prima, trovato, dopo = html.partition(SEGNAPOSTO)
        assert trovato and SEGNAPOSTO not in dopo, f"{nome}: the marker must appear exactly once"
        if len(prerese) > 100:  # association lists change rarely: keep the cache small anyway
            prerese.clear()
        prerese[chiave] = (prima, dopo)
    return prerese[chiave]


def contesto_modulo(stato: StatoModulo, valori: Mapping[str, Any], errori: list[ErroreCampo],
                    avviso: str | None, gettone: str, consenso_html: Markup, testo_citazione: str,
                    associazioni: list[str]) -> dict[str, Any]:
    per_campo: dict[str, str] = {}
    for e in errori:
        per_campo.setdefault(e.campo, e.messaggio)
    return dict(
        titolo="Racconta la tua esperienza", valori=valori, errori=errori, per_campo=per_campo,
        ancore=ANCORE, avviso=avviso, gettone=gettone,
        versione_consenso=stato.versione_consenso,
        consenso_html=consenso_html, testo_citazione=testo_citazione, associazioni=associazioni,
        fasce=[(f, ETICHETTE_FASCE.get(f, f)) for f in FASCE_ETA],
        ruoli=[(r, ETICHETTE_RUOLI.get(r, r.capitalize())) for r in RUOLI], periodi=list(PERIODI.items()),
        sensazioni=list(ETICHETTE_SENSAZIONE.items()), temi=list(TEMI_AUTOVALUTAZIONE.items()),
        min_caratteri=MIN_CARATTERI, max_caratteri=MAX_CARATTERI, campo_trappola=CAMPO_TRAPPOLA)


async def pagina_modulo(stato: StatoModulo, request: Request, valori: Mapping[str, Any],
                        errori: list[ErroreCampo], status: int = 200, avviso: str | None = None) -> Response:
    _, consenso_html, testo_citazione = await stato.consenso_async(stato.versione_consenso)
    gettone = gettone_per(stato, request)
    risposta = stato.templates.TemplateResponse(request, "modulo.html", contesto(
        request, **contesto_modulo(stato, valori, errori, avviso, gettone, consenso_html, testo_citazione,
                                   await stato.nomi_associazioni())), status_code=status)
    return con_gettone(stato, request, risposta, gettone)


async def pagina_modulo_vuoto(stato: StatoModulo, request: Request) -> Response:
    """The empty form: the same for every visitor but for the CSRF token, so rendered once per association
    list and consent version, then filled in."""
    associazioni = await stato.nomi_associazioni()
    versione = stato.versione_consenso
    _, consenso_html, testo_citazione = await stato.consenso_async(versione)
    prima, dopo = preresa(stato, request, "modulo.html", ("modulo.html", versione, *associazioni),
                          **contesto_modulo(stato, {}, [], None, SEGNAPOSTO, consenso_html, testo_citazione,
                                            associazioni))
    gettone = gettone_per(stato, request)
    return con_gettone(stato, request, HTMLResponse(prima + gettone + dopo), gettone)


def pagina_ritiro(stato: StatoModulo, request: Request, codice: str = "",
                  errori: list[ErroreCampo] | None = None, status: int = 200,
                  avviso: str | None = None) -> Response:
    gettone = gettone_per(stato, request)
    errori = errori or []
    risposta = stato.templates.TemplateResponse(request, "ritira.html", contesto(
        request, titolo="Ritira il tuo racconto", codice=codice, errori=errori,
        per_campo={e.campo: e.messaggio for e in errori}, avviso=avviso, gettone=gettone,
        lunghezza=LUNGHEZZA), status_code=status)
    return con_gettone(stato, request, risposta, gettone)


def pagina_errore(stato: StatoModulo, request: Request, status: int, titolo: str, messaggio: str,
                  intestazioni: dict[str, str] | None = None) -> Response:
    return stato.templates.TemplateResponse(request, "errore.html", contesto(
        request, titolo=titolo, messaggio=messaggio), status_code=status, headers=intestazioni)


def pagina_ricevuta(stato: StatoModulo, request: Request, ricevuta: Ricevuta) -> Response:
    prima, dopo = preresa(stato, request, "ricevuta.html", ("ricevuta.html",), titolo="Racconto ricevuto",
                          ricevuta_html=SEGNAPOSTO)
    return HTMLResponse(prima + html_ricevuta(ricevuta.codice) + dopo)


def ricevuta_fittizia(stato: StatoModulo, request: Request) -> Response:
    return pagina_ricevuta(stato, request, Ricevuta(genera_ricevuta(), "", False))


def pagina_troppo_grande(templates: Jinja2Templates) -> bytes:
    """The 413 page the body-size middleware sends (no request: it is refused before routing)."""
    return templates.get_template("errore.html").render(
        radice="", titolo="Testo troppo lungo",
        messaggio="Il modulo inviato è troppo grande. Il racconto può avere al massimo "
                  f"{MAX_CARATTERI:,} caratteri: accorcialo e riprova.".replace(",", ".")).encode("utf-8")
