"""The dashboard's ASGI protections, applied by ``dashboard.py`` through Streamlit's ``st.App``.

``streamlit run dashboard.py`` finds the ``app`` that ``dashboard.py`` defines when imported and serves it
with uvicorn; the middleware below then wraps every HTTP response and the websocket:

- ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'``: no other site can
  frame the dashboard (clickjacking); ``nosniff``; no referrer leaves the site.
- the client address seen by Streamlit (``st.context.ip_address``, the key of the login throttle) is the
  connection's peer unless that peer is in ``proxy_fidati`` (:class:`raccolta.sicurezza.ClienteReale`).

A reverse proxy in front should send the same two framing headers (see README, "Behind a reverse proxy").
"""

from __future__ import annotations

from typing import Any

from archivio.impostazioni import Impostazioni
from raccolta.sicurezza import ClienteReale, IntestazioniFisse, ProxyFidati

INTESTAZIONI_DASHBOARD = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class IntestazioniDashboard(IntestazioniFisse):
    """ASGI middleware: the framing and sniffing headers on every HTTP response of the dashboard."""

    intestazioni = INTESTAZIONI_DASHBOARD


def middleware_dashboard(impostazioni: Impostazioni) -> list[Any]:
    """The middleware list for ``st.App`` (outermost first)."""
    from starlette.middleware import Middleware

    return [Middleware(ClienteReale, proxy=ProxyFidati(impostazioni.proxy_fidati)),
            Middleware(IntestazioniDashboard)]
