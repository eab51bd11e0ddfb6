"""The stable batch contract of ``narrazioni anonimizza IN.jsonl OUT.jsonl``.

Input lines: ``{"id": str, "text": str}``. Output lines, in the same order:
``{"id": str, "text_anon": str, "entities": [{"start": int, "end": int, "label": str, "text": str}],
"revisione": bool, "motivi": [str], "rischio": float}`` with offsets into the original text; ``label`` is
the stem of the entity's placeholder (a children's school is ``SCUOLA``, as its ``[SCUOLA]``); ``revisione``
is true exactly for the stories the pipeline holds for the administrator, ``motivi`` say why (labels and
offsets, never the personal data), ``rischio`` is the residual risk that a name is still readable.
Blank lines are skipped. A malformed line (not JSON, not an object,
``id`` or ``text`` missing or not a string) stops the run with :class:`ErroreIngresso`, which names the
line number: the lines before it are already written, nothing after it is — a half-anonymised file must
never look complete.

Memory stays flat: lines are read and written in batches; with ``processi > 1`` at most two batches per
worker are in flight, and results are written in input order.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from analisi.anonimizzazione.segnaposto import etichetta_entita
from analisi.jsonl import ErroreRigaJsonl, Racconto, leggi_jsonl

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

    from analisi.anonimizzazione.motore import Anonimizzatore
    from analisi.anonimizzazione.tipi import Esito


#: the name this package exported before the one JSONL reader (analisi/jsonl.py); the same class
ErroreIngresso = ErroreRigaJsonl


def _leggi(ingresso: TextIO) -> Iterator[tuple[int, str, str]]:
    for numero, racconto in leggi_jsonl(ingresso, Racconto):
        yield numero, racconto.id, racconto.text


def _lotti(righe: Iterator[tuple[int, str, str]], dimensione: int) -> Iterator[list[tuple[int, str, str]]]:
    lotto: list[tuple[int, str, str]] = []
    for r in righe:
        lotto.append(r)
        if len(lotto) >= dimensione:
            yield lotto
            lotto = []
    if lotto:
        yield lotto


def riga_contratto(ident: str, esito: Esito) -> dict[str, Any]:
    """One output line of the contract for the story ``ident``."""
    return {
        "id": ident,
        "text_anon": esito.testo_anon,
        "entities": [
            {"start": e.start, "end": e.end, "label": etichetta_entita(e.label, e.fonte), "text": e.text}
            for e in esito.entita
        ],
        "revisione": esito.da_rivedere,
        "motivi": esito.motivi,
        "rischio": esito.rischio,
    }


def _righe_uscita(anonimizzatore: Anonimizzatore, lotto: list[tuple[str, str]], batch_size: int) -> list[str]:
    esiti = anonimizzatore.anonimizza_molti((t for _, t in lotto), batch_size=batch_size)
    return [json.dumps(riga_contratto(ident, esito), ensure_ascii=False) + "\n"
            for (ident, _), esito in zip(lotto, esiti, strict=True)]


# The worker's anonymiser: inherited through fork (no pickling of the spaCy pipeline), else unpickled once.
_ANONIMIZZATORE: Anonimizzatore | None = None


def _inizializza(anonimizzatore: Anonimizzatore | None) -> None:
    global _ANONIMIZZATORE
    if anonimizzatore is not None:
        _ANONIMIZZATORE = anonimizzatore


def _lavora(lotto: list[tuple[str, str]], batch_size: int) -> list[str]:
    assert _ANONIMIZZATORE is not None
    return _righe_uscita(_ANONIMIZZATORE, lotto, batch_size)


def anonimizza_jsonl(
    ingresso: TextIO,
    uscita: TextIO,
    anonimizzatore: Anonimizzatore,
    *,
    processi: int = 1,
    batch_size: int = 64,
) -> int:
    """Anonymise a JSONL stream; returns the number of stories written.

    Args:
        ingresso: lines ``{"id": str, "text": str}``.
        uscita: receives one line per story, same order.
        anonimizzatore: the configured anonymiser (its NER runs in batches of ``batch_size``).
        processi: worker processes (``1`` = in this process); order is kept.
        batch_size: stories per NER batch and per unit of work.

    Raises:
        ErroreIngresso: on the first malformed line (the output holds the stories before it).
    """
    righe = _leggi(ingresso)
    scritti = 0
    if processi <= 1:
        for lotto in _lotti(righe, batch_size):
            for r in _righe_uscita(anonimizzatore, [(i, t) for _, i, t in lotto], batch_size):
                uscita.write(r)
                scritti += 1
        return scritti

    global _ANONIMIZZATORE
    metodi = multiprocessing.get_all_start_methods()
    fork = "fork" in metodi and os.name == "posix"
    contesto = multiprocessing.get_context("fork" if fork else "spawn")
    precedente = _ANONIMIZZATORE
    _ANONIMIZZATORE = anonimizzatore
    try:
        with contesto.Pool(
            processi, initializer=_inizializza, initargs=(None if fork else anonimizzatore,)
        ) as pool:
            in_volo: deque[AsyncResult[list[str]]] = deque()
            errore: ErroreIngresso | None = None
            lotti = _lotti(righe, batch_size)
            while True:
                while errore is None and len(in_volo) < 2 * processi:
                    try:
                        lotto = next(lotti)
                    except StopIteration:
                        break
                    except ErroreIngresso as e:
                        errore = e
                        break
                    in_volo.append(pool.apply_async(_lavora, ([(i, t) for _, i, t in lotto], batch_size)))
                if not in_volo:
                    break
                for r in in_volo.popleft().get():
                    uscita.write(r)
                    scritti += 1
            if errore is not None:
                raise errore
    finally:
        _ANONIMIZZATORE = precedente
    return scritti
