"""Protections of the public form: CSRF tokens, per-client rate limits, request size, security headers.

No client address is ever stored: the rate limiter keys its in-memory buckets by an HMAC of the address
with a secret drawn when the process starts, so even a memory dump cannot be matched to an address
after a restart, and nothing reaches the database or the logs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _b64(dati: bytes) -> str:
    return base64.urlsafe_b64encode(dati).rstrip(b"=").decode("ascii")


class GettoniCsrf:
    """Signed double-submit tokens: the same value in a cookie and in a hidden field, signed by the server.

    No server-side session: a token is ``time.random.mac``; it is valid while its signature holds and it
    is younger than ``durata_secondi``. A page of another site can neither read the cookie nor forge a
    signed value, so it cannot make the two match.
    """

    def __init__(self, segreto: bytes, durata_secondi: int) -> None:
        self._segreto = hashlib.sha256(b"csrf:" + segreto).digest()
        self.durata_secondi = durata_secondi

    def _firma(self, corpo: str) -> str:
        return _b64(hmac.new(self._segreto, corpo.encode("ascii"), hashlib.sha256).digest()[:18])

    def nuovo(self, ora: float | None = None) -> str:
        corpo = f"{int(ora if ora is not None else time.time()):x}.{_b64(secrets.token_bytes(15))}"
        return f"{corpo}.{self._firma(corpo)}"

    def valido(self, gettone: str | None, ora: float | None = None) -> bool:
        if not gettone or len(gettone) > 100:
            return False
        corpo, _, firma = gettone.rpartition(".")
        try:
            nato = int(corpo.split(".", 1)[0], 16)
            corpo.encode("ascii")
        except (ValueError, UnicodeEncodeError):
            return False
        if not hmac.compare_digest(firma.encode("utf-8", "replace"), self._firma(corpo).encode("ascii")):
            return False
        eta = (ora if ora is not None else time.time()) - nato
        return -60 <= eta <= self.durata_secondi

    def coppia_valida(self, da_cookie: str | None, da_modulo: str | None) -> bool:
        """The cookie and the form field carry the same valid token."""
        # compare_digest refuses non-ASCII str: compare bytes (anything can arrive from outside).
        if not da_cookie or not da_modulo or not hmac.compare_digest(da_cookie.encode("utf-8", "replace"),
                                                                     da_modulo.encode("utf-8", "replace")):
            return False
        return self.valido(da_modulo)


class LimiteRichieste:
    """Token bucket per client: ``massimo`` requests, refilled evenly over ``finestra_secondi``.

    Thread-safe; memory stays bounded because full buckets are forgotten.
    """

    def __init__(self, massimo: int, finestra_secondi: float, segreto: bytes,
                 orologio: Callable[[], float] = time.monotonic) -> None:
        if massimo < 1 or finestra_secondi <= 0:
            raise ValueError("the limit needs massimo >= 1 and a positive window")
        self.massimo = massimo
        self.finestra_secondi = finestra_secondi
        self._ricarica = massimo / finestra_secondi
        self._segreto = hashlib.sha256(b"limite:" + segreto).digest()
        self._orologio = orologio
        self._secchi: dict[bytes, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _chiave(self, cliente: str) -> bytes:
        return hmac.new(self._segreto, cliente.encode("utf-8", "replace"), hashlib.sha256).digest()[:16]

    def consenti(self, cliente: str) -> float | None:
        """Take one token for ``cliente``: None when allowed, else the seconds to wait."""
        chiave = self._chiave(cliente)
        ora = self._orologio()
        with self._lock:
            gettoni, prima = self._secchi.get(chiave, (float(self.massimo), ora))
            gettoni = min(float(self.massimo), gettoni + (ora - prima) * self._ricarica)
            if gettoni < 1.0:
                self._secchi[chiave] = (gettoni, ora)
                return (1.0 - gettoni) / self._ricarica
            self._secchi[chiave] = (gettoni - 1.0, ora)
            if len(self._secchi) > 10_000:
                self._dimentica_pieni(ora)
            return None

    def _dimentica_pieni(self, ora: float) -> None:
        pieni = [k for k, (g, t) in self._secchi.items() if g + (ora - t) * self._ricarica >= self.massimo]
        for k in pieni:
            del self._secchi[k]


INOLTRATO_NON_FIDATO = "inoltrato-non-fidato"


def _solo_host(voce: str) -> str:
    """The address of an ``X-Forwarded-For`` item: ``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80`` or ``::1``."""
    voce = voce.strip().strip('"')
    if voce.startswith("["):
        return voce[1:].split("]", 1)[0]
    if voce.count(":") == 1:
        return voce.split(":", 1)[0]
    return voce


class ProxyFidati:
    """Which peers may tell us the client's address (``X-Forwarded-For``); by default nobody.

    The rate-limit key of a request is the address of the socket's peer. Only when that peer is one of the
    trusted proxies (addresses or networks, setting ``proxy_fidati``) is ``X-Forwarded-For`` read, from the
    right, skipping trusted proxies: the first address that is not one of them is the client.

    A server that already rewrote the peer from the header (uvicorn does it by default for requests from
    127.0.0.1) is detected when no proxy is trusted: the peer then appears among the header's addresses, and
    every such request shares one key, as they would if the real peer (the local machine) were used.
    """

    def __init__(self, voci: Iterable[str] = ()) -> None:
        reti = []
        for voce in voci:
            try:
                reti.append(ipaddress.ip_network(voce.strip(), strict=False))
            except ValueError:
                raise ValueError(f"proxy_fidati: {voce!r} is not an IP address or network") from None
        self.reti = tuple(reti)

    def fidato(self, indirizzo: str | None) -> bool:
        if not indirizzo or not self.reti:
            return False
        try:
            ip = ipaddress.ip_address(indirizzo)
        except ValueError:
            return False
        return any(ip.version == rete.version and ip in rete for rete in self.reti)

    def cliente(self, pari: str | None, intestazioni: Sequence[tuple[bytes, bytes]]) -> tuple[str, bool]:
        """(rate-limit key, whether a trusted proxy forwarded the request) from the peer and the headers."""
        inoltro = [_solo_host(v) for nome, valore in intestazioni if nome.lower() == b"x-forwarded-for"
                   for v in valore.decode("latin-1").split(",") if v.strip()]
        pari = pari or "sconosciuto"
        if not self.fidato(pari):
            if not self.reti and pari in inoltro:
                return INOLTRATO_NON_FIDATO, False
            return pari, False
        for voce in reversed(inoltro):
            if not self.fidato(voce):
                try:
                    return str(ipaddress.ip_address(voce)), True
                except ValueError:  # a proxy that forwards garbage: its own address is the key
                    return pari, True
        return pari, True


class ClienteReale:
    """ASGI middleware: ``scope["client"]`` becomes the client :class:`ProxyFidati` sees (the rate-limit key).

    The scheme follows ``X-Forwarded-Proto`` only from a trusted proxy (for the cookie's ``Secure`` flag).
    """

    def __init__(self, app: ASGIApp, proxy: ProxyFidati) -> None:
        self.app = app
        self.proxy = proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            pari = scope.get("client")
            intestazioni = scope.get("headers", [])
            cliente, inoltrata = self.proxy.cliente(pari[0] if pari else None, intestazioni)
            scope["client"] = (cliente, 0)
            if inoltrata:
                for nome, valore in intestazioni:
                    if nome.lower() == b"x-forwarded-proto" and valore.strip() in (b"http", b"https"):
                        scope["scheme"] = valore.strip().decode("ascii")
        await self.app(scope, receive, send)


class LimiteCorpo:
    """ASGI middleware: refuse request bodies larger than ``max_byte`` (413), declared or streamed."""

    def __init__(self, app: ASGIApp, max_byte: int, pagina: Callable[[], bytes]) -> None:
        self.app = app
        self.max_byte = max_byte
        self._pagina = pagina

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for nome, valore in scope.get("headers", []):
            if nome == b"content-length":
                try:
                    troppo = int(valore) > self.max_byte
                except ValueError:
                    troppo = True
                if troppo:
                    await self._rifiuta(send)
                    return
        ricevuti = 0
        iniziata = False

        async def ricevi() -> Message:
            nonlocal ricevuti
            messaggio = await receive()
            if messaggio["type"] == "http.request":
                ricevuti += len(messaggio.get("body", b""))
                if ricevuti > self.max_byte:
                    raise CorpoTroppoGrande
            return messaggio

        async def invia(messaggio: Message) -> None:
            nonlocal iniziata
            if messaggio["type"] == "http.response.start":
                iniziata = True
            await send(messaggio)

        try:
            await self.app(scope, ricevi, invia)
        except CorpoTroppoGrande:
            if not iniziata:
                await self._rifiuta(send)

    async def _rifiuta(self, send: Send) -> None:
        corpo = self._pagina()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(corpo)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": corpo})


class CorpoTroppoGrande(Exception):
    """The streamed body passed the limit (raised from ``receive``; the middleware answers 413)."""


CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
INTESTAZIONI = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]


class IntestazioniFisse:
    """ASGI middleware: fixed headers on every HTTP response, replacing the app's own of the same name.

    ``cache``, when given, names the ``Cache-Control`` of a response from its scope. The one implementation
    behind the form's :class:`IntestazioniSicurezza` and the dashboard's ``pagine.protezioni.IntestazioniDashboard``.
    """

    intestazioni: Sequence[tuple[bytes, bytes]] = ()
    gestisce_cache = False  # True: the app's Cache-Control is replaced by :meth:`cache`

    def __init__(self, app: ASGIApp, intestazioni: Sequence[tuple[bytes, bytes]] | None = None) -> None:
        self.app = app
        if intestazioni is not None:
            self.intestazioni = list(intestazioni)
        self._sostituite = {n for n, _ in self.intestazioni} | ({b"cache-control"} if self.gestisce_cache else set())

    def cache(self, scope: Scope) -> bytes | None:
        """The Cache-Control of the response to ``scope`` (None: the app's own)."""
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache = self.cache(scope)

        async def invia(messaggio: Message) -> None:
            if messaggio["type"] == "http.response.start":
                intestazioni = [(k, v) for k, v in messaggio.get("headers", []) if k.lower() not in self._sostituite]
                intestazioni += self.intestazioni
                if cache is not None:
                    intestazioni.append((b"cache-control", cache))
                messaggio["headers"] = intestazioni
            await send(messaggio)

        await self.app(scope, receive, invia)


class IntestazioniSicurezza(IntestazioniFisse):
    """The form's security headers on every response; pages are never cached."""

    intestazioni = INTESTAZIONI
    gestisce_cache = True

    def cache(self, scope: Scope) -> bytes | None:
        statico = scope.get("path", "").startswith(scope.get("root_path", "") + "/static/")
        # Pages may hold what a person typed or a receipt: never stored by browsers or proxies.
        return b"public, max-age=3600" if statico else b"no-store"


def richiesta_da_altro_sito(intestazioni: MutableMapping[str, str] | Any, host: str | None) -> bool:
    """True when the browser says the POST comes from another site (Sec-Fetch-Site or a foreign Origin).

    ``Origin: null`` is not foreign: with ``Referrer-Policy: no-referrer`` browsers send it for our own
    forms. The CSRF token remains the real check; this only refuses early what is clearly foreign.
    """
    sito = (intestazioni.get("sec-fetch-site") or "").lower()
    if sito in {"cross-site", "same-site"}:
        return True
    origine = intestazioni.get("origin")
    if not origine or origine == "null" or not host:
        return False
    return origine.split("://", 1)[-1].rstrip("/").lower() != host.lower()
