"""Downloads: generated only when clicked, after checking the user and role on the server; always audited."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from archivio import audit
from archivio.utenti import stato_utente
from pagine.risorse import archivio


# ---------------------------------------------------------------------------------------------- downloads
def file_protetto(nome_utente: str, ruoli: Sequence[str], azione: str, genera: Callable[[], bytes],
                  dettagli: dict[str, Any] | None = None, *,
                  scade: float | None = None) -> Callable[[], bytes]:
    """The ``data`` of a download button: generated only when clicked, after checking on the server that
    the user still exists, is active and has one of ``ruoli`` (and that the session, which expires at
    ``scade``, is still alive); every download is an audit row.

    Streamlit runs it on its own thread, outside the page script: it reads nothing from the session.
    """
    arch = archivio()

    def scarica() -> bytes:
        with arch.lettura() as s:
            stato = stato_utente(s, nome_utente)
        scaduta = scade is not None and time.time() > scade
        if scaduta or stato is None or not stato[1] or stato[0] not in ruoli:
            with arch.transazione() as s:
                audit.registra(s, nome_utente, "esportazione_negata", azione)
            return b"Accesso negato: il tuo ruolo non permette questa esportazione.\n"
        dati = genera()
        with arch.transazione() as s:
            audit.registra(s, nome_utente, "esportazione", azione, {**(dettagli or {}), "byte": len(dati)})
        return dati

    return scarica
