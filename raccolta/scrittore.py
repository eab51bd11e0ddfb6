"""The form's single writer thread with group commit.

Requests hand their validated story to this thread and await the receipt. The thread writes everything
that queued up while it was busy in ONE transaction (up to ``massimo_lotto`` stories), so under load a
commit serves dozens of citizens, and SQLite never sees two writers (no busy waiting, no "database is
locked"). Other writes (withdrawals) run on the same thread, in arrival order.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.racconti import NuovoRacconto
from raccolta.invio import Ricevuta, invia_lotto

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class _Invio:
    nuovo: NuovoRacconto
    futuro: Future[Ricevuta]


@dataclass
class _Compito:
    funzione: Callable[[], Any]
    futuro: Future[Any]


_FINE = object()


class Scrittore:
    """One thread that performs every write of the form, batching submissions."""

    def __init__(self, archivio: Archivio, cifrario: Cifrario, *, finestra_duplicati: timedelta | None,
                 massimo_lotto: int = 64) -> None:
        self.archivio = archivio
        self.cifrario = cifrario
        self.finestra_duplicati = finestra_duplicati
        self.massimo_lotto = massimo_lotto
        self._coda: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._filo: threading.Thread | None = None
        self._lock = threading.Lock()

    def _avvia(self) -> None:
        with self._lock:
            if self._filo is None or not self._filo.is_alive():
                self._filo = threading.Thread(target=self._ciclo, name="narrazioni-scrittore", daemon=True)
                self._filo.start()

    async def invia(self, nuovo: NuovoRacconto) -> Ricevuta:
        """Store a validated story; resolves when its batch is committed."""
        futuro: Future[Ricevuta] = Future()
        self._avvia()
        self._coda.put(_Invio(nuovo, futuro))
        return await asyncio.wrap_future(futuro)

    async def esegui(self, funzione: Callable[[], T]) -> T:
        """Run another write (e.g. a withdrawal) on the writer thread."""
        futuro: Future[T] = Future()
        self._avvia()
        self._coda.put(_Compito(funzione, futuro))
        return await asyncio.wrap_future(futuro)

    def chiudi(self) -> None:
        """Finish what is queued, then stop the thread."""
        with self._lock:
            filo = self._filo
        if filo is not None and filo.is_alive():
            self._coda.put(_FINE)
            filo.join(timeout=60)

    def _ciclo(self) -> None:
        rimasto: Any = None
        while True:
            voce = rimasto if rimasto is not None else self._coda.get()
            rimasto = None
            if voce is _FINE:
                return
            if isinstance(voce, _Compito):
                self._esegui_compito(voce)
                continue
            lotto = [voce]
            while len(lotto) < self.massimo_lotto:
                try:
                    prossima = self._coda.get_nowait()
                except queue.Empty:
                    break
                if not isinstance(prossima, _Invio):
                    rimasto = prossima  # keep arrival order: the batch first, then this
                    break
                lotto.append(prossima)
            self._scrivi(lotto)

    def _scrivi(self, lotto: list[_Invio]) -> None:
        try:
            esiti = invia_lotto(self.archivio, self.cifrario, [v.nuovo for v in lotto],
                                finestra_duplicati=self.finestra_duplicati)
        except Exception as e:  # every waiting request gets the error; the thread goes on
            esiti = [e] * len(lotto)
        for voce, esito in zip(lotto, esiti, strict=True):
            if isinstance(esito, Exception):
                voce.futuro.set_exception(esito)
            else:
                voce.futuro.set_result(esito)

    @staticmethod
    def _esegui_compito(compito: _Compito) -> None:
        try:
            compito.futuro.set_result(compito.funzione())
        except Exception as e:
            compito.futuro.set_exception(e)
