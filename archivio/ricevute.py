"""Receipts, withdrawal and retention: the store side of the citizen's rights.

A receipt is never stored: only its hash, in ``racconti.ricevuta_hash`` (the first submission) or in
``ricevute`` (the same text sent again within the duplicate window: stored once, one receipt each).
Withdrawing deletes the story row; the foreign keys cascade to every derived row (raw text, placeholders,
review, sentences and their codes, theme weights and quotes, stage status, extra receipts). Deleted pages
are zeroed (``secure_delete``), the full-text index is rewritten without the story, the theme models that
may hold its words are marked for a refit (their files are deleted by :func:`completa_ritiro` after the
commit, with the WAL checkpoint and the rewrite of the encrypted backups), and the ``racconti`` generation
is bumped so that every cache keyed on it is dropped at once. The audit entry keeps the story's random
code and channel (and an operator's reason), never its content.

An extra receipt withdraws the whole story only when the same sender sent the text again (a double click,
``ricevute.completa``); a receipt obtained by someone else who re-sent a text they know cancels only their
own submission: the first narrator's story stays.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from archivio import audit
from archivio import temi as archivio_temi
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.racconti import (
    ErroreArchivio,
    NuovoRacconto,
    campi_grezzi,
    cifra_campi,
    impronta_testo,
    inserisci_racconto,
)
from archivio.tabelle import Associazione, Consenso, Generazione, Racconto, Ricevuta, TestoGrezzo
from archivio.tempo import adesso

log = logging.getLogger(__name__)

# Lightweight table construct (migration 0003) so this module does not depend on a mapped class.
ricevute = Ricevuta.__table__  # the Core table: bulk inserts and joins below


@dataclass(frozen=True)
class Invio:
    """Outcome of storing a submission: the story's id and code, and whether it was a repeat."""

    racconto_id: int
    codice: str
    duplicato: bool


def duplicato_recente(s: Session, testo: str, dopo: datetime,
                      canali: tuple[str, ...] = ("modulo",)) -> int | None:
    """Id of a story with the same normalised text sent through ``canali`` after ``dopo``, or None."""
    return s.scalar(select(Racconto.id).where(
        Racconto.impronta == impronta_testo(testo), Racconto.inviato_il >= dopo, Racconto.canale.in_(canali))
        .order_by(Racconto.id).limit(1))


def codice_con_stesso_testo(s: Session, testo: str) -> str | None:
    """Code of any story, whenever and however it came in, with the same normalised text."""
    return s.scalar(select(Racconto.codice).where(Racconto.impronta == impronta_testo(testo))
                    .order_by(Racconto.id).limit(1))


def aggiungi_ricevuta(s: Session, racconto_id: int, ricevuta_hash: str, *, completa: bool = False) -> None:
    """Attach one more receipt (hash) to an existing story (``completa``: it may withdraw the story)."""
    s.execute(insert(Ricevuta).values(ricevuta_hash=ricevuta_hash, racconto_id=racconto_id, completa=completa))


def _stesso_mittente(mittente: str | None, altro: str | None) -> bool:
    return mittente is not None and altro is not None and secrets.compare_digest(mittente, altro)


def _dimentica_mittenti(s: Session, prima_di: datetime) -> None:
    # The sender's token hash only serves within the duplicate window: afterwards it goes.
    s.execute(update(Racconto).where(Racconto.mittente.is_not(None), Racconto.inviato_il < prima_di)
              .values(mittente=None))


def registra_invio(s: Session, nuovo: NuovoRacconto, cifrario: Cifrario, *,
                   finestra_duplicati: timedelta | None) -> Invio:
    """Store a submission once: a repeat of the same text within the window only adds its receipt.

    ``nuovo.ricevuta_hash`` is required: every submission, repeat or not, can be withdrawn with its receipt.
    """
    if not nuovo.ricevuta_hash:
        raise ValueError("a submission needs a receipt hash")
    if finestra_duplicati is not None:
        dopo = (nuovo.inviato_il or adesso()) - finestra_duplicati
        _dimentica_mittenti(s, dopo)
        esistente = duplicato_recente(s, nuovo.testo, dopo, (nuovo.canale,))
        if esistente is not None:
            codice, mittente = s.execute(select(Racconto.codice, Racconto.mittente)
                                         .where(Racconto.id == esistente)).one()
            aggiungi_ricevuta(s, esistente, nuovo.ricevuta_hash,
                              completa=_stesso_mittente(nuovo.mittente, mittente))
            return Invio(esistente, codice, True)
    else:
        nuovo = replace(nuovo, mittente=None)  # kept only where repeats are merged (the form)
    r = inserisci_racconto(s, nuovo, cifrario)
    return Invio(r.id, r.codice, False)


def _codici_nuovi(s: Session, quanti: int) -> list[str]:
    # Same form as racconti._nuovo_codice (random, says nothing about order or count), drawn in bulk.
    codici: list[str] = []
    while len(codici) < quanti:
        candidati = {"R-" + secrets.token_hex(4).upper() for _ in range(quanti - len(codici))} - set(codici)
        presi = set(s.scalars(select(Racconto.codice).where(Racconto.codice.in_(candidati))))
        codici.extend(sorted(candidati - presi))
    return codici


def registra_invii(s: Session, nuovi: Sequence[NuovoRacconto], cifrario: Cifrario, *,
                   finestra_duplicati: timedelta | None) -> list[Invio]:
    """Store a batch of submissions at once (the form's group commit); same rules as :func:`registra_invio`.

    A handful of statements for the whole batch instead of several per story: the form's writer thread
    sends here everything that arrived while the previous batch was being written. Repeats of the same
    text (same channel, within the window), in the store or inside the batch, are stored once and get an
    extra receipt. Returns one Invio per submission, in order.
    """
    if any(not n.ricevuta_hash for n in nuovi):
        raise ValueError("a submission needs a receipt hash")
    if not nuovi:
        return []
    ora = adesso()
    impronte = [impronta_testo(n.testo) for n in nuovi]
    # the sender is kept only where repeats are merged (the form), and only during the window
    mittenti = [n.mittente if finestra_duplicati is not None else None for n in nuovi]
    consensi = dict(s.execute(select(Consenso.versione, Consenso.id).where(
        Consenso.versione.in_({n.versione_consenso for n in nuovi}))).all())
    nomi = {n.associazione for n in nuovi if n.associazione}
    associazioni = dict(s.execute(select(Associazione.nome, Associazione.id).where(
        Associazione.nome.in_(nomi))).all()) if nomi else {}
    for n in nuovi:
        if n.versione_consenso not in consensi:
            raise ErroreArchivio(f"versione del consenso sconosciuta: {n.versione_consenso!r}")
        if n.associazione and n.associazione not in associazioni:
            raise ErroreArchivio(f"associazione sconosciuta: {n.associazione!r} "
                                 "(aggiungila con 'narrazioni associazioni carica')")
    gia: dict[tuple[str, str], tuple[int, str, str | None]] = {}
    if finestra_duplicati is not None:
        _dimentica_mittenti(s, ora - finestra_duplicati)
        for canale in {n.canale for n in nuovi}:
            cercate = {imp for imp, n in zip(impronte, nuovi, strict=True) if n.canale == canale}
            recenti = select(Racconto.impronta, Racconto.id, Racconto.codice, Racconto.mittente).where(
                Racconto.impronta.in_(cercate), Racconto.canale == canale,
                Racconto.inviato_il >= ora - finestra_duplicati).order_by(Racconto.id.desc())
            for imp, rid, codice, mittente in s.execute(recenti):
                gia[(imp, canale)] = (rid, codice, mittente)  # descending: the oldest wins
    nuovi_indici: list[int] = []
    primo: dict[tuple[str, str], int] = {}
    for i, n in enumerate(nuovi):
        chiave = (impronte[i], n.canale)
        if finestra_duplicati is not None:
            if chiave in gia or chiave in primo:
                continue
            primo[chiave] = i
        nuovi_indici.append(i)
    codici = _codici_nuovi(s, len(nuovi_indici))
    righe = []
    for i, codice in zip(nuovi_indici, codici, strict=True):
        n = nuovi[i]
        righe.append({
            # the free-text fields go encrypted to testi_grezzi; anonymised, they come with testo_anon
            "codice": codice, "fonte": n.fonte, "id_esterno": n.id_esterno, "titolo": None,
            "associazione_id": associazioni.get(n.associazione) if n.associazione else None,
            "associazione_altra": None, "quartiere": None, "fascia_eta": n.fascia_eta,
            "ruolo": n.ruolo, "periodo": n.periodo, "data_racconto": n.data_racconto, "canale": n.canale,
            "inviato_il": n.inviato_il or ora, "consenso_id": consensi[n.versione_consenso],
            "consenso_citazione": n.consenso_citazione, "ricevuta_hash": n.ricevuta_hash,
            "impronta": impronte[i], "autovalutazione": n.autovalutazione, "parole": len(n.testo.split()),
            "testo_anon": None, "stato_anon": "in_attesa", "visibile": False,
            "mittente": mittenti[i],
        })
    esiti: dict[int, Invio] = {}
    if righe:
        ids = list(s.scalars(insert(Racconto).returning(Racconto.id, sort_by_parameter_order=True), righe))
        s.execute(insert(TestoGrezzo), [{"racconto_id": rid, "testo_cifrato": cifrario.cifra(nuovi[i].testo),
                                         "campi_cifrati": cifra_campi(campi_grezzi(nuovi[i]), cifrario)}
                                        for rid, i in zip(ids, nuovi_indici, strict=True)])
        for rid, i, codice in zip(ids, nuovi_indici, codici, strict=True):
            esiti[i] = Invio(rid, codice, False)
            gia.setdefault((impronte[i], nuovi[i].canale), (rid, codice, mittenti[i]))
    extra = []
    for i, n in enumerate(nuovi):
        if i not in esiti:
            rid, codice, mittente = gia[(impronte[i], n.canale)]
            esiti[i] = Invio(rid, codice, True)
            extra.append({"ricevuta_hash": n.ricevuta_hash, "racconto_id": rid,
                          "completa": _stesso_mittente(n.mittente, mittente)})
    if extra:
        s.execute(insert(Ricevuta), extra)
    return [esiti[i] for i in range(len(nuovi))]


@dataclass(frozen=True)
class Ritiro:
    """What a withdrawal did, for the caller (never to be shown to the public: no oracle).

    ``completo``: the story was deleted; False: the receipt was a repeat sent by someone else and only that
    receipt was cancelled. ``file_modelli``: theme model files that may hold the story's words (deleted by
    :func:`completa_ritiro` once the transaction is committed).
    """

    codice: str
    completo: bool
    file_modelli: tuple[str, ...] = ()


def racconto_da_ricevuta(s: Session, ricevuta_hash: str) -> int | None:
    """The story a receipt hash belongs to (first or additional receipt), or None."""
    trovato = s.scalar(select(Racconto.id).where(Racconto.ricevuta_hash == ricevuta_hash))
    if trovato is None:
        trovato = s.scalar(select(ricevute.c.racconto_id).where(ricevute.c.ricevuta_hash == ricevuta_hash))
    return trovato


def _cancellazione_sicura(s: Session) -> None:
    # SQLite keeps deleted rows in free pages until they are reused: overwrite them with zeros instead
    # (every connection also sets it: archivio.db).
    if s.get_bind().dialect.name == "sqlite":
        s.execute(text("PRAGMA secure_delete=ON"))


def _compatta_indici_testo(s: Session) -> None:
    # FTS5 deletes only mark index entries: the tokens stay in old segments until a merge. "optimize"
    # rewrites each full-text index without them (found by type, whoever owns the index).
    if s.get_bind().dialect.name != "sqlite":
        return
    tabelle = s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table' "
                             "AND lower(sql) LIKE 'create virtual table%using fts5%'")).all()
    for nome in tabelle:
        citato = '"' + nome.replace('"', '""') + '"'
        s.execute(text(f"INSERT INTO {citato}({citato}) VALUES ('optimize')"))


GENERAZIONE_RACCONTI = "racconti"


def aumenta_generazione(s: Session, nome: str = GENERAZIONE_RACCONTI) -> None:
    """Bump a named counter: caches keyed on it are dropped (the dashboard reads it at every click)."""
    fatto = s.execute(update(Generazione).where(Generazione.nome == nome)
                      .values(valore=Generazione.valore + 1))
    if not fatto.rowcount:  # type: ignore[attr-defined]
        s.execute(insert(Generazione).values(nome=nome, valore=1))


def generazione(s: Session, nome: str = GENERAZIONE_RACCONTI) -> int:
    """The current value of a named counter (0 before its first bump)."""
    return int(s.scalar(select(Generazione.valore).where(Generazione.nome == nome)) or 0)


def versione_dati(s: Session) -> tuple[Any, ...]:
    """A cheap fingerprint of everything the dashboard shows, read at every click (one query on indexes and
    primary keys): it changes when a story is added, approved (becomes visible), withdrawn, processed
    (sentences, codes, areas, themes, runs: a run's end moves ``finita_il``) or coded by a person. Caches
    keyed on it never disagree. Only primary keys and indexed columns: no scan of a big table."""
    from archivio.tabelle import Codice, Esecuzione, Frase, Revisione, Tema
    from archivio.tabelle_codifica import PianoFrase

    def massimo(colonna: Any) -> Any:
        return select(func.max(colonna)).scalar_subquery()

    riga = s.execute(select(
        select(func.coalesce(func.max(Generazione.valore), 0))
        .where(Generazione.nome == GENERAZIONE_RACCONTI).scalar_subquery(),
        massimo(Racconto.id),
        select(func.count()).select_from(Racconto).where(Racconto.visibile.is_(True)).scalar_subquery(),
        massimo(Frase.id), massimo(Codice.id), massimo(PianoFrase.id), massimo(Tema.id),
        massimo(Esecuzione.id), massimo(Esecuzione.finita_il), massimo(Revisione.rivista_il),
    )).one()
    return tuple(str(v) if isinstance(v, datetime) else v for v in riga)


def elimina_racconto(s: Session, racconto_id: int) -> tuple[str, ...]:
    """Delete a story and, through the cascading foreign keys, everything derived from it.

    Returns the theme model files that may hold its words: the caller deletes them after the commit
    (:func:`completa_ritiro`); the models are already marked for a refit.
    """
    _cancellazione_sicura(s)
    file_modelli = archivio_temi.invalida_per_ritiro(s, racconto_id)
    # A Core delete: the database cascades (ON DELETE CASCADE), nothing is loaded into the session.
    s.execute(delete(Racconto).where(Racconto.id == racconto_id))
    _compatta_indici_testo(s)
    aumenta_generazione(s)
    return file_modelli


def ritira(s: Session, ricevuta_hash: str, *, chi: str) -> Ritiro | None:
    """Withdraw what a receipt covers: the story, or only a repeated submission by another sender.

    Returns what was done (for the caller's own use) or None. The caller must answer the public the same
    way in every case: the result is not an oracle to show.
    """
    racconto_id = racconto_da_ricevuta(s, ricevuta_hash)
    if racconto_id is None:
        return None
    riga = s.execute(select(Racconto.codice, Racconto.canale, Racconto.ricevuta_hash)
                     .where(Racconto.id == racconto_id)).one()
    if riga.ricevuta_hash != ricevuta_hash:
        completa = s.scalar(select(ricevute.c.completa).where(ricevute.c.ricevuta_hash == ricevuta_hash))
        if not completa:
            # Someone else re-sent a text already stored: their receipt cancels only their submission.
            _cancellazione_sicura(s)
            s.execute(delete(Ricevuta).where(Ricevuta.ricevuta_hash == ricevuta_hash))
            audit.registra(s, chi, "ricevuta_duplicata_ritirata", riga.codice, {"canale": riga.canale})
            return Ritiro(str(riga.codice), False)
    file_modelli = elimina_racconto(s, racconto_id)
    audit.registra(s, chi, "racconto_ritirato", riga.codice, {"canale": riga.canale})
    return Ritiro(str(riga.codice), True, file_modelli)


def ritira_per_codice(s: Session, codice: str, *, chi: str, motivo: str) -> Ritiro | None:
    """An operator or administrator withdraws a story by its ``R-`` code (e.g. an imported story, which has
    no receipt). The reason is required and goes into the audit with the operator's name.

    Raises:
        ErroreArchivio: the reason is empty.
    """
    motivo = " ".join(motivo.split())
    if not motivo:
        raise ErroreArchivio("il motivo del ritiro è obbligatorio")
    riga = s.execute(select(Racconto.id, Racconto.codice, Racconto.canale)
                     .where(Racconto.codice == codice.strip().upper())).one_or_none()
    if riga is None:
        return None
    file_modelli = elimina_racconto(s, riga.id)
    audit.registra(s, chi, "racconto_ritirato", riga.codice,
                   {"canale": riga.canale, "per_codice": True, "motivo": motivo[:300]})
    return Ritiro(str(riga.codice), True, file_modelli)


def _da_purgare(limite: datetime) -> Select[Any]:
    approvati = select(Racconto.id).where(Racconto.stato_anon == "approvato")
    return select(TestoGrezzo.racconto_id).where(
        TestoGrezzo.approvato_il.is_not(None), TestoGrezzo.approvato_il <= limite,
        TestoGrezzo.racconto_id.in_(approvati),
        or_(TestoGrezzo.testo_cifrato.is_not(None), TestoGrezzo.mappa_cifrata.is_not(None)))


def grezzi_da_purgare(s: Session, conservazione_giorni: int, *, ora: datetime | None = None) -> int:
    """How many raw texts :func:`purga_grezzi` would erase now (for a dry run)."""
    limite = (ora or adesso()) - timedelta(days=conservazione_giorni)
    return len(list(s.scalars(_da_purgare(limite))))


def purga_grezzi(s: Session, conservazione_giorni: int, *, ora: datetime | None = None,
                 chi: str = "sistema") -> int:
    """Erase the encrypted raw text, fields and mapping of stories approved more than ``conservazione_giorni``
    ago.

    Only stories whose anonymised text is approved now are purged (a story sent back to review keeps its
    raw text). Returns how many were purged; an audit entry records the count.
    """
    ora = ora or adesso()
    ids = list(s.scalars(_da_purgare(ora - timedelta(days=conservazione_giorni))))
    if not ids:
        return 0
    _cancellazione_sicura(s)
    for i in range(0, len(ids), 500):  # bounded IN lists
        s.execute(update(TestoGrezzo).where(TestoGrezzo.racconto_id.in_(ids[i:i + 500]))
                  .values(testo_cifrato=None, mappa_cifrata=None, campi_cifrati=None, eliminato_il=ora))
    audit.registra(s, chi, "testi_grezzi_purgati", None,
                   {"racconti": len(ids), "conservazione_giorni": conservazione_giorni})
    return len(ids)


def completa_ritiro(archivio: Archivio, ritiri: Sequence[Ritiro], cifrario: Cifrario | None) -> None:
    """After the withdrawal's commit: erase what lives outside the database's tables.

    Deletes the theme model files that may hold the stories' words (the next ``elabora`` refits on the
    remaining stories), rewrites the product-made backups without the stories (:mod:`archivio.copie`;
    without the key they are deleted), and folds the WAL into the database and truncates it.
    """
    from archivio.copie import purga_copie

    for ritiro in ritiri:
        for percorso in ritiro.file_modelli:
            try:
                archivio_temi.elimina_file_modello(percorso)
            except OSError as e:  # the model is marked for a refit: the next fit deletes superseded files
                log.warning("theme model file %s not deleted: %s", Path(percorso).name, type(e).__name__)
    codici = [r.codice for r in ritiri if r.completo]
    if codici:
        purga_copie(archivio.url, codici, cifrario)
    svuota_registro_sqlite(archivio)


def svuota_registro_sqlite(archivio: Archivio) -> None:
    """Best effort: fold the WAL into the database and truncate it, so deleted pages leave no copy there."""
    if not archivio.sqlite:
        return
    with archivio.engine.connect() as conn:
        # Do not wait long for readers (the dashboard): a later checkpoint will do it.
        conn.exec_driver_sql("PRAGMA busy_timeout=200")
        try:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.exec_driver_sql("PRAGMA busy_timeout=30000")
