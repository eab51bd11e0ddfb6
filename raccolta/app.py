"""The public form: a citizen tells a story, gets a receipt, and can withdraw the story with it.

Plain HTML forms (no JavaScript), Italian, accessible. Run it with
``uvicorn --factory raccolta.app:crea_app_da_ambiente --no-access-log --no-proxy-headers`` (the app reads
``X-Forwarded-For`` itself, only from the proxies in the setting ``proxy_fidati``; the factory also silences
uvicorn's access log: client addresses must not reach any log). No address, user agent or session is
stored; the only cookie is the CSRF token.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni, SezioneModulo
from raccolta.resa import pagina_troppo_grande
from raccolta.rotte import errore_http, errore_interno, router
from raccolta.scrittore import Scrittore
from raccolta.sicurezza import (
    ClienteReale,
    GettoniCsrf,
    IntestazioniSicurezza,
    LimiteCorpo,
    LimiteRichieste,
    ProxyFidati,
)
from raccolta.stato_modulo import StatoModulo

CARTELLA = Path(__file__).resolve().parent


# The form's protections (rate limits, request size, duplicate window, token life) ARE the settings' `modulo`
# section: one declaration of each limit and its default (archivio/impostazioni.py). Tests pass their own.
Limiti = SezioneModulo


def crea_app(impostazioni: Impostazioni, archivio: Archivio, cifrario: Cifrario, *,
             limiti: Limiti | None = None, segreto: bytes | None = None,
             titolo_progetto: str = "Io al tempo della pandemia",
             luogo: str = "Modena, Quartiere 3") -> FastAPI:
    """Build the public form's application.

    Args:
        impostazioni: the settings (consent version, ...).
        archivio: the store.
        cifrario: encrypts the raw text before it reaches the store.
        limiti: rate limits, request size, duplicate window (default: the settings' ``modulo`` section).
        segreto: key of CSRF tokens; random per process when None. Several workers behind one address
            need the same one: the factory takes it from the store (:mod:`archivio.segreti`).
        titolo_progetto: the title shown on every page.
        luogo: the place shown under the title.
    """
    limiti = limiti or impostazioni.modulo
    segreto = segreto or secrets.token_bytes(32)
    chiave_limiti = secrets.token_bytes(32)
    templates = Jinja2Templates(directory=str(CARTELLA / "templates"))
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    templates.env.globals.update(titolo_progetto=titolo_progetto, luogo=luogo)
    stato = StatoModulo(
        impostazioni=impostazioni, archivio=archivio, cifrario=cifrario, limiti=limiti, segreto=segreto,
        csrf=GettoniCsrf(segreto, limiti.durata_gettone_ore * 3600),
        # Buckets live in this process's memory only: their key stays per process (an address is never
        # matchable from the store), unlike the CSRF key, which every worker shares.
        limite_invii=LimiteRichieste(limiti.invii_max, limiti.finestra_limiti_secondi, chiave_limiti),
        limite_ritiri=LimiteRichieste(limiti.ritiri_max, limiti.finestra_limiti_secondi, chiave_limiti),
        templates=templates,
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
    app.include_router(router)
    app.add_exception_handler(StarletteHTTPException, errore_http)
    app.add_exception_handler(Exception, errore_interno)
    app.add_middleware(LimiteCorpo, max_byte=limiti.max_byte, pagina=partial(pagina_troppo_grande, templates))
    app.add_middleware(IntestazioniSicurezza)
    # Outermost: every layer below sees the client as the trusted-proxy setting says, whatever the server did.
    app.add_middleware(ClienteReale, proxy=ProxyFidati(impostazioni.sicurezza.proxy_fidati))
    return app


def limiti_da_impostazioni(impostazioni: Impostazioni) -> Limiti:
    """The form's limits: the settings' ``modulo`` section."""
    return impostazioni.modulo


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
