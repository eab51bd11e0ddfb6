"""The background worker of ``narrazioni servi``: it processes new and newly approved stories by itself.

One worker per data directory: the worker holds ``servizio.lock`` for its whole life (a second worker waits
on standby and takes over if the first one dies), and every run takes the pipeline's own lock, so a manual
``narrazioni elabora`` and the worker never process at the same time. A failing run is logged, written into
the heartbeat file and retried after a growing pause: the loop itself never dies. The heartbeat file
(``<cartella_dati>/servizio.json``) is what ``narrazioni stato`` and the dashboard read.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analisi.pipeline import ErrorePipeline, Risorse, Stadio, esegui, operazioni_modelli, stadi_configurati
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni, predefinito

log = logging.getLogger(__name__)

FILE_BATTITO = "servizio.json"
FILE_BLOCCO = "servizio.lock"
RIPROVA_ERRORI_SECONDI = 600  # stories that failed are retried this often (new stories: at once)
PAUSA_MASSIMA_SECONDI = 300  # longest pause after consecutive failed runs


class Interrotto(Exception):
    """Raised between two batches when the worker is asked to stop (the batch in flight is committed)."""


def _ora() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def scrivi_battito(cartella: Path, dati: dict[str, Any]) -> None:
    """Write the heartbeat atomically (readers never see half a file)."""
    cartella.mkdir(parents=True, exist_ok=True)
    tmp = cartella / f".{FILE_BATTITO}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(dati, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, cartella / FILE_BATTITO)


def leggi_battito(cartella: Path) -> dict[str, Any] | None:
    try:
        dati = json.loads((cartella / FILE_BATTITO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return dati if isinstance(dati, dict) else None


def secondi_dal_battito(battito: dict[str, Any] | None, adesso: datetime | None = None) -> float | None:
    if not battito or not battito.get("battito"):
        return None
    try:
        quando = datetime.fromisoformat(battito["battito"])
    except (TypeError, ValueError):
        return None
    return ((adesso or datetime.now(UTC)) - quando).total_seconds()


def lavoratore_attivo(cartella: Path, *, entro_secondi: float = 90) -> bool:
    """True when a worker wrote its heartbeat recently and has not said it stopped."""
    battito = leggi_battito(cartella)
    eta = secondi_dal_battito(battito)
    return eta is not None and eta <= entro_secondi and bool(battito and battito.get("stato") != "fermo")


@contextlib.contextmanager
def _blocco_lavoratore(cartella: Path, ferma: threading.Event, attesa: float) -> Iterator[bool]:
    """Hold ``servizio.lock`` for the worker's life; wait on standby while another worker holds it."""
    cartella.mkdir(parents=True, exist_ok=True)
    with open(cartella / FILE_BLOCCO, "w") as f:
        avvisato = False
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not avvisato:
                    log.warning("another worker is active on %s: waiting on standby", cartella)
                    avvisato = True
                if ferma.wait(attesa):
                    yield False
                    return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@dataclass
class Lavoratore:
    """The processing loop. ``giro()`` is one look for work; ``lavora()`` loops until ``ferma`` is set."""

    archivio: Archivio
    impostazioni: Impostazioni
    cifrario: Cifrario
    ferma: threading.Event = field(default_factory=threading.Event)
    intervallo: float = predefinito("servizio.intervallo_secondi")
    orologio: Callable[[], float] = time.monotonic
    precarica: bool = False  # load the language model before the first story arrives (``narrazioni lavora``)
    stato: dict[str, Any] = field(default_factory=dict)
    _stadi: list[Stadio] = field(default_factory=list)
    _risorse: Risorse = field(default_factory=Risorse)
    _ultimi_errori: float = field(default=-1e18)
    _pausa: float = 0.0
    _prossimo: float = 0.0

    def __post_init__(self) -> None:
        self._stadi = stadi_configurati(self.impostazioni)
        self.stato = {"pid": os.getpid(), "avviato": _ora(), "stato": "attivo", "esecuzioni": 0,
                      "fallite": 0, "ultima_esecuzione": None, "ultimo_errore": None}

    @property
    def cartella(self) -> Path:
        return Path(self.impostazioni.archivio.cartella_dati)

    def _batti(self, **extra: Any) -> None:
        self.stato.update(extra, battito=_ora())
        try:
            scrivi_battito(self.cartella, self.stato)
        except OSError:
            log.exception("cannot write the heartbeat file")

    def lavoro(self) -> str | None:
        """'nuovo' when a story waits that no run tried yet, 'errori' when only failed ones wait, else None."""
        specifiche = [(st.nome, st.versione, st.solo_visibili) for st in self._stadi]
        with self.archivio.lettura() as s:
            return q.lavoro_in_sospeso(s, specifiche)

    def giro(self) -> bool:
        """Look for work once and run the pipeline if there is some. True when a run happened and succeeded.

        Never raises (except ``Interrotto`` is swallowed too): a failure is logged, counted and retried later.
        """
        adesso = self.orologio()
        if adesso < self._prossimo:
            return False
        try:
            tipo = self.lavoro()
            if tipo is None or (tipo == "errori" and adesso - self._ultimi_errori < RIPROVA_ERRORI_SECONDI):
                self._batti()
                return False
            inizio = time.monotonic()

            def controlla(_stadio: str, _fatti: int, _totale: int) -> None:
                if self.ferma.is_set():
                    raise Interrotto("worker asked to stop")
                self._batti(in_corso=_stadio)

            resoconto = esegui(self.archivio, self.impostazioni, self.cifrario, avanzamento=controlla,
                               comando="servi", risorse=self._risorse)
            if tipo == "errori" or any(resoconto.errori.values()):
                self._ultimi_errori = adesso
            self._pausa = 0.0
            self.stato["esecuzioni"] += 1
            self._batti(in_corso=None, ultima_esecuzione={
                "fine": _ora(), "secondi": round(time.monotonic() - inizio, 1),
                "esecuzione_id": resoconto.esecuzione_id, "elaborati": resoconto.elaborati,
                "errori": {k: v for k, v in resoconto.errori.items() if v}})
            log.info("worker run %s: %s", resoconto.esecuzione_id, resoconto.elaborati)
            return True
        except Interrotto:
            log.info("worker stopped between two batches")
            return False
        except ErrorePipeline as e:  # e.g. a manual 'elabora' holds the pipeline lock: try again next time
            log.info("worker skipped a round: %s", e)
            self._batti(in_corso=None, ultimo_avviso={"quando": _ora(), "messaggio": str(e)})
            return False
        except Exception as e:
            self._pausa = min(PAUSA_MASSIMA_SECONDI, max(self.intervallo, self._pausa * 2 or self.intervallo))
            self._prossimo = self.orologio() + self._pausa
            self.stato["fallite"] += 1
            log.exception("worker run failed; retrying in %.0f s", self._pausa)
            self._batti(in_corso=None, ultimo_errore={"quando": _ora(), "errore": f"{type(e).__name__}: {e}"[:500],
                                                      "riprova_tra_secondi": self._pausa})
            return False

    def scalda(self) -> None:
        """Load the language model and the anonymiser's lists now, so that the first story does not wait."""
        try:
            from analisi.anonimizzazione.risorse import lessico

            with operazioni_modelli():  # as the runner's stages load it
                self._risorse.lingua(self.impostazioni)
            lessico()
        except Exception:  # the first run will try again and report it
            log.exception("could not preload the language resources")

    def lavora(self) -> None:
        """Loop until ``ferma`` is set; only one worker per data directory works, others wait on standby."""
        with _blocco_lavoratore(self.cartella, self.ferma, self.intervallo) as preso:
            if not preso:
                return
            log.info("worker active on %s (every %.0f s)", self.cartella, self.intervallo)
            self._batti()
            if self.precarica:
                self.scalda()
            try:
                while not self.ferma.is_set():
                    try:
                        self.giro()
                    except Exception:  # pragma: no cover - giro() already catches; the loop must not die
                        log.exception("unexpected error in the worker loop")
                    self.ferma.wait(self.intervallo)
            finally:
                self._batti(stato="fermo", in_corso=None)
                log.info("worker stopped")


def descrivi_battito(battito: dict[str, Any] | None, adesso: datetime | None = None) -> list[str]:
    """Italian lines for ``narrazioni stato`` about the background worker."""
    if not battito:
        return ["servizio: nessun lavoratore ha mai girato su questa cartella dati (avvia narrazioni servi)"]
    eta = secondi_dal_battito(battito, adesso)
    quando = battito.get("battito", "?")
    if battito.get("stato") == "fermo":
        righe = [f"servizio: lavoratore fermo (ultimo battito {quando})"]
    elif eta is not None and eta <= 90:
        righe = [f"servizio: lavoratore attivo, pid {battito.get('pid')}, ultimo battito {round(eta)} s fa ({quando})"]
    else:
        righe = [f"servizio: nessun battito da {round(eta or 0)} s (ultimo {quando}): il lavoratore non risponde"]
    ultima = battito.get("ultima_esecuzione")
    if ultima:
        fatti = ", ".join(f"{k} {v}" for k, v in (ultima.get("elaborati") or {}).items() if v) or "niente"
        righe.append(f"  ultima elaborazione: {ultima.get('fine')} in {ultima.get('secondi')} s ({fatti})")
    righe.append(f"  elaborazioni: {battito.get('esecuzioni', 0)} riuscite, {battito.get('fallite', 0)} fallite")
    errore = battito.get("ultimo_errore")
    if errore:
        righe.append(f"  ultimo errore: {errore.get('quando')}: {errore.get('errore')}")
    return righe
