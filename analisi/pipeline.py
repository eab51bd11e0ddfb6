"""The pipeline runner: named, versioned stages run in the order the settings give.

Each stage processes the stories it has not done at its current version, in batches; a batch's outputs
and its status rows are written in ONE transaction, so a run killed at any moment leaves every story
either fully done or untouched, and the next run picks up exactly what is missing. Redoing a stage
(new version) makes the later stages redo those stories too.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import logging
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from sqlalchemy.orm import Session
from thinc.api import use_ops
from threadpoolctl import threadpool_limits

from analisi.processi import core_disponibili
from archivio import esecuzioni
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.errori import ErroreConfigurazione
from archivio.impostazioni import Impostazioni, configurazione_da_registrare
from archivio.racconti import RaccontoDaElaborare

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger(__name__)


class ErrorePipeline(ErroreConfigurazione, RuntimeError):
    """The stages cannot run: an unknown or repeated stage, or another run holds the data directory."""


class _GiaFallito(Exception):
    """The batch already failed in a worker process."""


@dataclass
class Risorse:
    """What the stages share, each loaded at most once: within a run, or across runs when a long-lived worker
    passes the same object to every :func:`esegui`.

    The anonymiser and the coder are not here: each stage builds its own in ``prepara`` from these, at every
    run (they depend on data that change between runs: the associations, a retrained coder)."""

    nlp: Language | None = None  # the Italian pipeline with every component (analisi.lingua.carica_italiano)
    associazioni: list[str] = field(default_factory=list)  # names the anonymiser keeps; read at every run
    archivio_lettura: Archivio | None = None  # the read store of prepara/elabora (Contesto.archivio_lettura)
    archivio: Archivio | None = None  # a store the caller lends the themes stage for its fit (None: its own)

    def lingua(self, impostazioni: Impostazioni) -> Language:
        """The Italian pipeline of the settings, loaded on first use."""
        if self.nlp is None:
            from analisi.lingua import carica_italiano

            self.nlp = carica_italiano(impostazioni.elaborazione.modello_lingua)
        return self.nlp

    def archivi(self) -> list[Archivio]:
        """The stores held here (a forked worker process must not reuse their connections)."""
        return [a for a in (self.archivio_lettura, self.archivio) if a is not None]


@dataclass
class Contesto:
    """What stages may use: settings, the key (only for stages that read raw text), the shared resources."""

    impostazioni: Impostazioni
    cifrario: Cifrario | None = None
    modello: dict[str, Any] | None = None  # name and version of the language model, recorded with the run
    risorse: Risorse = field(default_factory=Risorse)

    def archivio_lettura(self) -> Archivio:
        """A store to read from in ``prepara``/``elabora`` (a stage gets a writing session only in ``salva``):
        one per run, shared by the stages; WAL keeps its reads from blocking the writer."""
        if self.risorse.archivio_lettura is None:
            self.risorse.archivio_lettura = Archivio(self.impostazioni.url_database())
        return self.risorse.archivio_lettura


class Stadio(Protocol):
    """A pipeline stage. ``elabora`` is pure; ``salva`` writes through the store's functions."""

    nome: ClassVar[str]
    versione: ClassVar[int]
    legge_grezzo: ClassVar[bool]  # True only for anonymisation: it receives the decrypted raw text
    solo_visibili: ClassVar[bool]  # True for stages that must wait for an approved anonymised text

    def prepara(self, contesto: Contesto) -> None: ...

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]: ...

    def salva(self, s: Session, lotto: list[RaccontoDaElaborare], esiti: list[Any]) -> None: ...


class StadioBase:
    """Defaults of a stage's declarations; a stage states its name, version, what it reads and writes, and
    only the flags that differ.

    ``legge`` / ``scrive``: the store tables (and files) the stage reads and writes — documentation the runner
    prints in ``narrazioni stato`` and tests check against the tables the stage's ``salva`` really touches.
    ``parallelo``: ``elabora`` only reads (never writes the store) and its results can be pickled. The runner
    then prepares it once, forks worker processes that inherit the prepared stage (models are loaded once),
    and writes their results in order, batch by batch, in this process: the store still has one writer and
    every batch is still one transaction.
    """

    legge: ClassVar[tuple[str, ...]] = ()
    scrive: ClassVar[tuple[str, ...]] = ()
    legge_grezzo: ClassVar[bool] = False
    solo_visibili: ClassVar[bool] = True
    parallelo: ClassVar[bool] = False


_REGISTRO: dict[str, Callable[[], Stadio]] = {}


def registra_stadio(nome_versionato: str) -> Callable[[type], type]:
    """Class decorator: register a stage under ``name.vN`` (built-ins register like plugins do)."""

    def decora(cls: type) -> type:
        _REGISTRO[nome_versionato] = cls
        return cls

    return decora


MODULI_STADI = ("analisi.stadi.anonimizza", "analisi.stadi.frasi", "analisi.stadi.codifica", "analisi.stadi.piano",
                "analisi.stadi.temi")


def _carica_stadi_inclusi() -> None:
    for modulo in MODULI_STADI:
        importlib.import_module(modulo)


def risolvi_stadio(nome: str) -> Stadio:
    """``name.vN`` from the registry, or ``package.module:Class`` for a plugin stage."""
    _carica_stadi_inclusi()
    if ":" in nome:
        modulo, _, oggetto = nome.partition(":")
        try:
            return getattr(importlib.import_module(modulo), oggetto)()  # type: ignore[no-any-return]
        except (ImportError, AttributeError) as e:
            raise ErrorePipeline(f"impossibile caricare lo stadio {nome!r}: {e}") from None
    if nome not in _REGISTRO:
        raise ErrorePipeline(f"stadio sconosciuto {nome!r} (NARRAZIONI_ELABORAZIONE__STADI); quelli noti: "
                             f"{', '.join(sorted(_REGISTRO))}")
    stadio = _REGISTRO[nome]()
    if f"{stadio.nome}.v{stadio.versione}" != nome:
        raise ErrorePipeline(f"lo stadio {nome!r} si dichiara {stadio.nome}.v{stadio.versione}")
    return stadio


def stadi_configurati(impostazioni: Impostazioni) -> list[Stadio]:
    stadi = [risolvi_stadio(n) for n in impostazioni.elaborazione.stadi]
    nomi = [s.nome for s in stadi]
    if len(set(nomi)) != len(nomi):
        raise ErrorePipeline(f"uno stadio compare due volte in NARRAZIONI_ELABORAZIONE__STADI: {nomi}")
    return stadi


def hash_configurazione(impostazioni: Impostazioni, stadi: Sequence[Stadio]) -> str:
    """SHA-256 of the whole settings model minus secrets and locations, with the resolved stage versions."""
    conf = configurazione_da_registrare(impostazioni)
    conf["elaborazione"]["stadi"] = [f"{s.nome}.v{s.versione}" for s in stadi]
    conf["anonimizzazione"]["figure_pubbliche"] = sorted(conf["anonimizzazione"]["figure_pubbliche"])
    return hashlib.sha256(json.dumps(conf, sort_keys=True).encode()).hexdigest()


def versioni_pacchetti() -> dict[str, str]:
    versioni = {}
    for p in ("narrazioni", "spacy", "scikit-learn", "sqlalchemy", "simplemma", "numpy"):
        try:
            versioni[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versioni[p] = "assente"
    return versioni


@contextmanager
def blocco_esclusivo(cartella: Path) -> Iterator[None]:
    """One ``elabora`` at a time per data directory (a second one stops with a clear message)."""
    cartella.mkdir(parents=True, exist_ok=True)
    # owner-only, like every file of the data directory
    with os.fdopen(os.open(cartella / "elabora.lock", os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ErrorePipeline("un altro 'narrazioni elabora' è in corso su questa cartella dei dati: "
                                 "attendi che finisca") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@dataclass
class Resoconto:
    esecuzione_id: int
    elaborati: dict[str, int]
    errori: dict[str, int]

    @property
    def totale(self) -> int:
        return sum(self.elaborati.values())


Avanzamento = Callable[[str, int, int], None]  # (stage, done so far, to do at start)


def _conta_da_fare(archivio: Archivio, stadio: Stadio) -> int:
    with archivio.lettura() as s:
        return len(q.in_attesa(s, stadio.nome, stadio.versione, solo_visibili=stadio.solo_visibili,
                               limite=10**9))


def esegui(archivio: Archivio, impostazioni: Impostazioni, cifrario: Cifrario, *,
           stadi: Sequence[Stadio] | None = None, avanzamento: Avanzamento | None = None,
           comando: str = "elabora", risorse: Risorse | None = None) -> Resoconto:
    """Run every configured stage over the stories it has not done yet.

    ``risorse``: shared resources kept across runs (a long-lived worker passes the same object each time, so the
    language model is loaded once).
    """
    stadi = list(stadi) if stadi is not None else stadi_configurati(impostazioni)
    nomi = [f"{s.nome}.v{s.versione}" for s in stadi]
    with blocco_esclusivo(impostazioni.archivio.cartella_dati):
        with archivio.transazione() as s:
            eid = esecuzioni.apri(s, comando, hash_configurazione(impostazioni, stadi), nomi, versioni_pacchetti())
        elaborati = {n: 0 for n in nomi}
        errori = {n: 0 for n in nomi}
        contesto = Contesto(impostazioni=impostazioni, risorse=risorse if risorse is not None else Risorse())
        with archivio.lettura() as s:
            # the anonymiser keeps association names: they are what the analysis compares
            contesto.risorse.associazioni = q.nomi_associazioni(s)
        try:
            # Parallelism comes from worker processes (one per core): BLAS/OpenMP stay at one thread in each,
            # or 2 x 2 threads on 2 cores spin against each other (the Piano mapper's fit took 5x the CPU).
            with threadpool_limits(limits=1):
                for i, stadio in enumerate(stadi):
                    nome = nomi[i]
                    successivi = [t.nome for t in stadi[i + 1:]]
                    da_fare = _conta_da_fare(archivio, stadio)
                    if da_fare == 0:
                        continue
                    contesto.cifrario = cifrario if stadio.legge_grezzo else None
                    inizio, cpu_inizio = time.perf_counter(), _cpu()
                    with operazioni_modelli():
                        stadio.prepara(contesto)
                    preparato = time.perf_counter()
                    if contesto.modello is not None:
                        with archivio.transazione() as s:
                            esecuzioni.imposta_modello(s, eid, contesto.modello)
                    lotti = _lotti(archivio, stadio, impostazioni.elaborazione.lotto, contesto.cifrario)
                    processi = numero_processi(impostazioni, stadio, da_fare)
                    for fatti, falliti in _esegui_lotti(archivio, stadio, lotti, eid, successivi, processi,
                                                        contesto.risorse.archivi()):
                        elaborati[nome] += fatti
                        errori[nome] += falliti
                        if avanzamento:
                            avanzamento(nome, elaborati[nome] + errori[nome], da_fare)
                    log.info("stage %s: %d stories in %.1f s (prepare %.1f s, %d processes, CPU %.1f s)", nome,
                             da_fare, time.perf_counter() - inizio, preparato - inizio, processi, _cpu() - cpu_inizio)
        except BaseException as e:
            with archivio.transazione() as s:
                esecuzioni.chiudi(s, eid, elaborati, errore=f"{type(e).__name__}: {e}")
            raise
        with archivio.transazione() as s:
            esecuzioni.chiudi(s, eid, elaborati)
    return Resoconto(eid, elaborati, errori)


def operazioni_modelli() -> Any:
    """Context in which the stages load their models: thinc multiplies through numpy's BLAS (which the runner
    holds to one thread per process) instead of its bundled BLIS — the same results on our corpora, the NER
    about twice as fast on the CPUs we measured. Without the one-thread limit, BLAS threads would spin."""
    return use_ops("numpy", use_blis=False)


def _cpu() -> float:
    """CPU seconds of this process and its finished workers (on a shared machine, steadier than wall time)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                   resource.getrusage(resource.RUSAGE_CHILDREN)))


def _segna_mancanti(s: Session, stadio: Stadio, mancanti: list[int], guasti: dict[int, str], eid: int) -> None:
    # e.g. raw text purged, or not decryptable with this key: nothing this stage can do with them now
    per_motivo: dict[str, list[int]] = {}
    for i in mancanti:
        per_motivo.setdefault(guasti.get(i, "testo non disponibile"), []).append(i)
    for motivo, elenco in per_motivo.items():
        q.segna(s, elenco, stadio.nome, stadio.versione, eid, [], stato="errore", messaggio=motivo)


def numero_processi(impostazioni: Impostazioni, stadio: Stadio, da_fare: int) -> int:
    """Worker processes for a stage: 1 unless it is parallel, there is more than one batch, and fork exists."""
    if not getattr(stadio, "parallelo", False) or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    voluti = impostazioni.elaborazione.processi or core_disponibili()
    lotti = -(-da_fare // impostazioni.elaborazione.lotto)
    return max(1, min(voluti, lotti)) if lotti > 1 else 1


Lotto = tuple[list[RaccontoDaElaborare], list[int], dict[int, str]]


def _lotti(archivio: Archivio, stadio: Stadio, dimensione: int, cifrario: Cifrario | None) -> Iterator[Lotto]:
    dopo_id = 0
    while True:
        with archivio.lettura() as s:
            ids = q.in_attesa(s, stadio.nome, stadio.versione, solo_visibili=stadio.solo_visibili,
                              limite=dimensione, dopo_id=dopo_id)
            if not ids:
                return
            guasti: dict[int, str] = {}  # stories whose raw text the key cannot decrypt
            lotto = q.carica_lotto(s, ids, cifrario, guasti=guasti)
        dopo_id = ids[-1]
        yield lotto, ids, guasti


# The stage a forked worker runs: inherited through fork (models are not pickled, nor loaded again).
_STADIO_FIGLIO: Stadio | None = None
_ENGINE_FIGLIO: list[Any] = []


def _inizializza_figlio() -> None:
    # A worker must die on SIGTERM even if the parent handles it (e.g. `narrazioni lavora` only sets a flag),
    # and leave Ctrl+C to the parent, which stops between batches.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threadpool_limits(limits=1)  # inherited from the parent's limit; set again in case a library re-reads it
    # Connections opened by the parent must not be used by the child: give the child fresh pools.
    for engine in _ENGINE_FIGLIO:
        engine.dispose(close=False)


def _elabora_nel_figlio(lotto: list[RaccontoDaElaborare]) -> list[Any]:
    assert _STADIO_FIGLIO is not None
    return _STADIO_FIGLIO.elabora(lotto)


def _esegui_lotti(archivio: Archivio, stadio: Stadio, lotti: Iterator[Lotto], eid: int, successivi: list[str],
                  processi: int, archivi: list[Archivio]) -> Iterator[tuple[int, int]]:
    """Run the batches (in worker processes when ``processi`` > 1) and commit them in order, here."""
    if processi <= 1:
        for lotto, ids, guasti in lotti:
            yield _esegui_lotto(archivio, stadio, lotto, ids, eid, successivi, guasti=guasti)
        return
    global _STADIO_FIGLIO, _ENGINE_FIGLIO
    _STADIO_FIGLIO = stadio
    _ENGINE_FIGLIO = [archivio.engine] + [a.engine for a in archivi]
    log.info("stage %s: %d worker processes", stadio.nome, processi)
    try:
        with multiprocessing.get_context("fork").Pool(processi, initializer=_inizializza_figlio) as pool:
            in_volo: deque[tuple[list[RaccontoDaElaborare], list[int], dict[int, str], Any]] = deque()
            finiti = False
            while True:
                while not finiti and len(in_volo) < 2 * processi:
                    try:
                        lotto, ids, guasti = next(lotti)
                    except StopIteration:
                        finiti = True
                        break
                    in_volo.append((lotto, ids, guasti, pool.apply_async(_elabora_nel_figlio, (lotto,))))
                if not in_volo:
                    break
                lotto, ids, guasti, risultato = in_volo.popleft()
                try:
                    esiti = risultato.get()
                except Exception:
                    log.exception("batch failed in a worker of stage %s; retrying story by story", stadio.nome)
                    yield _esegui_lotto(archivio, stadio, lotto, ids, eid, successivi, guasti=guasti,
                                        solo_singoli=True)
                    continue
                yield _esegui_lotto(archivio, stadio, lotto, ids, eid, successivi, guasti=guasti, esiti=esiti)
    finally:
        _STADIO_FIGLIO, _ENGINE_FIGLIO = None, []


def _esegui_lotto(archivio: Archivio, stadio: Stadio, lotto: list[RaccontoDaElaborare], ids: list[int],
                  eid: int, successivi: list[str], *, guasti: dict[int, str] | None = None,
                  esiti: list[Any] | None = None, solo_singoli: bool = False) -> tuple[int, int]:
    """Process and commit one batch; if the batch fails, retry story by story and record the failures.

    ``esiti``: the batch's results computed elsewhere (a worker process); ``solo_singoli``: the batch already
    failed, go straight to the story-by-story retry; ``guasti``: why stories of ``ids`` are missing from the
    batch (e.g. a raw text the key cannot decrypt).
    """
    guasti = guasti or {}
    presenti = {r.id for r in lotto}
    mancanti = [i for i in ids if i not in presenti]
    if mancanti:
        with archivio.transazione() as s:
            _segna_mancanti(s, stadio, mancanti, guasti, eid)
    if not lotto:
        return 0, len(mancanti)
    try:
        if solo_singoli:
            raise _GiaFallito
        if esiti is None:
            esiti = stadio.elabora(lotto)
        with archivio.transazione() as s:
            stadio.salva(s, lotto, esiti)
            q.segna(s, [r.id for r in lotto], stadio.nome, stadio.versione, eid, successivi)
        return len(lotto), len(mancanti)
    except _GiaFallito:
        pass
    except Exception:
        log.exception("batch failed in stage %s; retrying story by story", stadio.nome)
    fatti = falliti = 0
    for r in lotto:
        try:
            esiti = stadio.elabora([r])
            with archivio.transazione() as s:
                stadio.salva(s, [r], esiti)
                q.segna(s, [r.id], stadio.nome, stadio.versione, eid, successivi)
            fatti += 1
        except Exception as e:
            with archivio.transazione() as s:
                q.segna(s, [r.id], stadio.nome, stadio.versione, eid, [], stato="errore",
                        messaggio=f"{type(e).__name__}: {e}"[:500])
            falliti += 1
    return fatti, falliti + len(mancanti)
