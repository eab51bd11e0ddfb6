"""The dashboard's ASGI protections, applied by ``dashboard.py`` through Streamlit's ``st.App``.

``streamlit run dashboard.py`` finds the ``app`` that ``dashboard.py`` defines when imported and serves it
with uvicorn; the middleware below then wraps every HTTP response and the websocket:

- ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'``: no other site can
  frame the dashboard (clickjacking); ``nosniff``; no referrer leaves the site.
- the client address seen by Streamlit (``st.context.ip_address``, the key of the login throttle) is the
  connection's peer unless that peer is in ``proxy_fidati`` (:class:`raccolta.sicurezza.ClienteReale`).

- ``/_narrazioni/sessione`` (:class:`CookieSessione`): the page, right after a login, POSTs the session's
  one-time code here and gets the HttpOnly cookie that lets a reload or a deep link find the session again
  (``archivio/sessioni.py``); DELETE clears the cookie (and ends its session) at logout. Same-origin only.

A reverse proxy in front should send the same two framing headers (see README, "Behind a reverse proxy").
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from archivio.impostazioni import Impostazioni
from raccolta.sicurezza import ASGIApp, ClienteReale, IntestazioniFisse, ProxyFidati, Receive, Scope, Send

INTESTAZIONI_DASHBOARD = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class IntestazioniDashboard(IntestazioniFisse):
    """ASGI middleware: the framing and sniffing headers on every HTTP response of the dashboard."""

    intestazioni = INTESTAZIONI_DASHBOARD


NOME_COOKIE = "narrazioni_sessione"
PERCORSO_SESSIONE = "_narrazioni/sessione"


def _intestazione(scope: Scope, nome: bytes) -> str:
    for k, v in scope.get("headers", []):
        if k.lower() == nome:
            return bytes(v).decode("latin-1")
    return ""


def stesso_sito(scope: Scope) -> bool:
    """A request from the dashboard's own pages: the browser's Sec-Fetch-Site and Origin say so (a page
    of another site can neither hand us a code nor clear the cookie)."""
    sito = _intestazione(scope, b"sec-fetch-site")
    if sito:
        return sito == "same-origin"
    origine = _intestazione(scope, b"origin")  # browsers without Fetch Metadata
    return bool(origine) and origine.split("://", 1)[-1] == _intestazione(scope, b"host")


class CookieSessione:
    """ASGI middleware: ``POST .../_narrazioni/sessione`` (body: the one-time code) sets the HttpOnly
    session cookie; ``DELETE`` clears it and ends its session. Every other request passes through."""

    def __init__(self, app: ASGIApp, impostazioni: Impostazioni) -> None:
        self.app = app
        self.impostazioni = impostazioni
        self._archivio: Any = None

    def archivio(self) -> Any:
        if self._archivio is None:
            from archivio.db import Archivio

            self._archivio = Archivio(self.impostazioni.url_database(),
                                      file_ritirati=self.impostazioni.percorso_ritirati())
        return self._archivio

    def _consegna(self, codice: str) -> str | None:
        from archivio import sessioni

        with self.archivio().transazione() as s:
            return sessioni.consegna(s, codice)

    def _chiudi(self, token: str) -> None:
        from archivio import sessioni

        with self.archivio().transazione() as s:
            sessioni.chiudi_token(s, token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).endswith("/" + PERCORSO_SESSIONE):
            await self.app(scope, receive, send)
            return
        from anyio import to_thread

        from archivio.sessioni import DURATA_MASSIMA

        metodo = scope.get("method", "")
        if metodo not in ("POST", "DELETE") or not stesso_sito(scope):
            await _risposta(send, 403)
            return
        corpo = b""
        while True:
            messaggio = await receive()
            corpo += messaggio.get("body", b"")
            if len(corpo) > 1024:
                await _risposta(send, 413)
                return
            if not messaggio.get("more_body"):
                break
        base = str(scope.get("path", "")).rsplit(PERCORSO_SESSIONE, 1)[0] or "/"
        sicuro = scope.get("scheme") == "https" or _intestazione(scope, b"x-forwarded-proto") == "https"
        attributi = f"; Path={base}; HttpOnly; SameSite=Strict" + ("; Secure" if sicuro else "")
        if metodo == "DELETE":
            cookie: SimpleCookie = SimpleCookie(_intestazione(scope, b"cookie"))
            if NOME_COOKIE in cookie:
                await to_thread.run_sync(self._chiudi, cookie[NOME_COOKIE].value)
            await _risposta(send, 204, f"{NOME_COOKIE}=; Max-Age=0{attributi}")
            return
        token = await to_thread.run_sync(self._consegna, corpo.decode("utf-8", "replace").strip())
        if token is None:
            await _risposta(send, 403)
            return
        await _risposta(send, 204, f"{NOME_COOKIE}={token}; Max-Age={int(DURATA_MASSIMA.total_seconds())}"
                                   f"{attributi}")


async def _risposta(send: Send, stato: int, cookie: str | None = None) -> None:
    intestazioni = [(b"cache-control", b"no-store")]
    if cookie is not None:
        intestazioni.append((b"set-cookie", cookie.encode("latin-1")))
    await send({"type": "http.response.start", "status": stato, "headers": intestazioni})
    await send({"type": "http.response.body", "body": b""})


def middleware_dashboard(impostazioni: Impostazioni) -> list[Any]:
    """The middleware list for ``st.App`` (outermost first)."""
    from starlette.middleware import Middleware

    return [Middleware(ClienteReale, proxy=ProxyFidati(impostazioni.sicurezza.proxy_fidati)),
            Middleware(IntestazioniDashboard),
            Middleware(CookieSessione, impostazioni=impostazioni)]
