"""Receipts, withdrawal and retention: the store side of the citizen's rights.

A receipt is never stored: only its hash, in ``racconti.ricevuta_hash`` (the first submission) or in
``ricevute`` (the same text sent again within the duplicate window: stored once, one receipt each).
Withdrawing deletes the story row; the foreign keys cascade to every derived row (raw text, placeholders,
review, sentences and their codes, theme weights, stage status, extra receipts). The audit entry keeps the
story's random code and channel, never its content.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, insert, or_, select, text, update
from sqlalchemy.orm import Session

from archivio import audit
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.modelli import Associazione, Consenso, Racconto, Ricevuta, TestoGrezzo
from archivio.racconti import (
    ErroreArchivio,
    NuovoRacconto,
    campi_grezzi,
    cifra_campi,
    impronta_testo,
    inserisci_racconto,
)
from archivio.tempo import adesso

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


def aggiungi_ricevuta(s: Session, racconto_id: int, ricevuta_hash: str) -> None:
    """Attach one more receipt (hash) to an existing story."""
    s.execute(insert(Ricevuta).values(ricevuta_hash=ricevuta_hash, racconto_id=racconto_id))


def registra_invio(s: Session, nuovo: NuovoRacconto, cifrario: Cifrario, *,
                   finestra_duplicati: timedelta | None) -> Invio:
    """Store a submission once: a repeat of the same text within the window only adds its receipt.

    ``nuovo.ricevuta_hash`` is required: every submission, repeat or not, can be withdrawn with its receipt.
    """
    if not nuovo.ricevuta_hash:
        raise ValueError("a submission needs a receipt hash")
    if finestra_duplicati is not None:
        esistente = duplicato_recente(s, nuovo.testo, (nuovo.inviato_il or adesso()) - finestra_duplicati,
                                      (nuovo.canale,))
        if esistente is not None:
            aggiungi_ricevuta(s, esistente, nuovo.ricevuta_hash)
            codice = s.scalar(select(Racconto.codice).where(Racconto.id == esistente))
            assert codice is not None
            return Invio(esistente, codice, True)
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
    consensi = dict(s.execute(select(Consenso.versione, Consenso.id).where(
        Consenso.versione.in_({n.versione_consenso for n in nuovi}))).all())
    nomi = {n.associazione for n in nuovi if n.associazione}
    associazioni = dict(s.execute(select(Associazione.nome, Associazione.id).where(
        Associazione.nome.in_(nomi))).all()) if nomi else {}
    for n in nuovi:
        if n.versione_consenso not in consensi:
            raise ErroreArchivio(f"unknown consent version {n.versione_consenso!r}")
        if n.associazione and n.associazione not in associazioni:
            raise ErroreArchivio(f"unknown association {n.associazione!r}")
    gia: dict[tuple[str, str], tuple[int, str]] = {}
    if finestra_duplicati is not None:
        for canale in {n.canale for n in nuovi}:
            cercate = {imp for imp, n in zip(impronte, nuovi, strict=True) if n.canale == canale}
            recenti = select(Racconto.impronta, Racconto.id, Racconto.codice).where(
                Racconto.impronta.in_(cercate), Racconto.canale == canale,
                Racconto.inviato_il >= ora - finestra_duplicati).order_by(Racconto.id.desc())
            for imp, rid, codice in s.execute(recenti):
                gia[(imp, canale)] = (rid, codice)  # descending: the oldest wins
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
        })
    esiti: dict[int, Invio] = {}
    if righe:
        ids = list(s.scalars(insert(Racconto).returning(Racconto.id, sort_by_parameter_order=True), righe))
        s.execute(insert(TestoGrezzo), [{"racconto_id": rid, "testo_cifrato": cifrario.cifra(nuovi[i].testo),
                                         "campi_cifrati": cifra_campi(campi_grezzi(nuovi[i]), cifrario)}
                                        for rid, i in zip(ids, nuovi_indici, strict=True)])
        for rid, i, codice in zip(ids, nuovi_indici, codici, strict=True):
            esiti[i] = Invio(rid, codice, False)
            gia.setdefault((impronte[i], nuovi[i].canale), (rid, codice))
    extra = []
    for i, n in enumerate(nuovi):
        if i not in esiti:
            rid, codice = gia[(impronte[i], n.canale)]
            esiti[i] = Invio(rid, codice, True)
            extra.append({"ricevuta_hash": n.ricevuta_hash, "racconto_id": rid})
    if extra:
        s.execute(insert(Ricevuta), extra)
    return [esiti[i] for i in range(len(nuovi))]


def racconto_da_ricevuta(s: Session, ricevuta_hash: str) -> int | None:
    """The story a receipt hash withdraws (first or additional receipt), or None."""
    trovato = s.scalar(select(Racconto.id).where(Racconto.ricevuta_hash == ricevuta_hash))
    if trovato is None:
        trovato = s.scalar(select(ricevute.c.racconto_id).where(ricevute.c.ricevuta_hash == ricevuta_hash))
    return trovato


def _cancellazione_sicura(s: Session) -> None:
    # SQLite keeps deleted rows in free pages until they are reused: overwrite them with zeros instead.
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


def elimina_racconto(s: Session, racconto_id: int) -> None:
    """Delete a story and, through the cascading foreign keys, everything derived from it."""
    _cancellazione_sicura(s)
    # A Core delete: the database cascades (ON DELETE CASCADE), nothing is loaded into the session.
    s.execute(delete(Racconto).where(Racconto.id == racconto_id))
    _compatta_indici_testo(s)


def ritira(s: Session, ricevuta_hash: str, *, chi: str) -> str | None:
    """Withdraw the story of a receipt. Returns its code (for the caller's own use) or None.

    The caller must answer the same way in both cases: the result is not an oracle to show.
    """
    racconto_id = racconto_da_ricevuta(s, ricevuta_hash)
    if racconto_id is None:
        return None
    riga = s.execute(select(Racconto.codice, Racconto.canale).where(Racconto.id == racconto_id)).one()
    elimina_racconto(s, racconto_id)
    audit.registra(s, chi, "racconto_ritirato", riga.codice, {"canale": riga.canale})
    return str(riga.codice)


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


def svuota_registro_sqlite(archivio: Archivio) -> None:
    """Best effort: fold the WAL into the database and truncate it, so deleted pages leave no copy there."""
    if not archivio.sqlite:
        return
    with archivio.motore.connect() as conn:
        # Do not wait long for readers (the dashboard): a later checkpoint will do it.
        conn.exec_driver_sql("PRAGMA busy_timeout=200")
        try:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.exec_driver_sql("PRAGMA busy_timeout=30000")
