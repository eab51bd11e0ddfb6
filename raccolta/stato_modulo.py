"""What the public form's routes share: settings, store, templates, CSRF and rate limits, caches.

:func:`raccolta.app.crea_app` builds one :class:`StatoModulo` and keeps it in ``app.state.narrazioni``;
routes receive it through the dependency :data:`Stato` (``request.app.state``), never through a closure.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from raccolta.consenso import TESTO_CITAZIONE
from raccolta.scrittore import Scrittore
from raccolta.sicurezza import GettoniCsrf, LimiteRichieste

if TYPE_CHECKING:
    from raccolta.app import Limiti


@dataclass
class StatoModulo:
    """The form application's resources and caches (one per application)."""

    impostazioni: Impostazioni
    archivio: Archivio
    cifrario: Cifrario
    limiti: Limiti
    segreto: bytes  # CSRF key, also the key of the sender's HMAC (double click vs someone else re-sending)
    csrf: GettoniCsrf
    limite_invii: LimiteRichieste
    limite_ritiri: LimiteRichieste
    templates: Jinja2Templates
    # One writer thread with group commit: SQLite takes one writer at a time anyway, and queueing here
    # instead of in SQLite's busy handler (which sleeps) keeps latency low under load.
    scrittore: Scrittore
    associazioni: tuple[float, list[str]] = (0.0, [])
    consensi: dict[str, tuple[str, Markup, str]] = field(default_factory=dict)
    # Pages that differ only by a receipt code or a token, rendered once and split at a marker
    # (raccolta.resa.preresa).
    prerese: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)

    @property
    def versione_consenso(self) -> str:
        """The consent version the form shows (the one place the routes read it from the settings)."""
        return self.impostazioni.modulo.versione_consenso

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


def stato_modulo(request: Request) -> StatoModulo:
    """The application's :class:`StatoModulo` (dependency of every route, and of the error handlers)."""
    stato: StatoModulo = request.app.state.narrazioni
    return stato


Stato = Annotated[StatoModulo, Depends(stato_modulo)]
