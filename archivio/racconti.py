"""Named queries on stories, their stages and their derived rows (sentences, placeholders, review)."""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from archivio.cifratura import Cifrario, ErroreChiave
from archivio.errori import ErroreOperazione
from archivio.tabelle import (
    Associazione,
    Consenso,
    Entita,
    Frase,
    Racconto,
    Revisione,
    StatoStadio,
    TestoGrezzo,
)
from archivio.tempo import adesso


class ErroreArchivio(ErroreOperazione, ValueError):
    """A request the store refuses (unknown consent version, ...)."""


#: The free-text fields a citizen or an operator fills besides the text. Their raw form is stored only
#: encrypted (``testi_grezzi.campi_cifrati``); ``racconti`` gets their anonymised form from the anonymisation
#: stage, which anonymises them together with the text (one placeholder per person across all of them).
CAMPI_LIBERI = ("titolo", "quartiere", "associazione_altra")
#: Kept only encrypted, never anonymised into a column: the name of the file a story was imported from.
CAMPO_FILE = "file"
PREFISSO_FONTE = "file:"


def impronta_fonte(nome: str) -> str:
    """What ``racconti.fonte`` and the audit keep of an import file's name (a name may name a person).

    Migration 0007 computes the same value for older rows.
    """
    return PREFISSO_FONTE + hashlib.sha256(("narrazioni-fonte:" + nome).encode("utf-8")).hexdigest()[:40]


def campi_grezzi(nuovo: NuovoRacconto) -> dict[str, str]:
    """The raw free-text fields of a new story (and its file name), the ones that are set."""
    valori = {c: getattr(nuovo, c) for c in CAMPI_LIBERI}
    valori[CAMPO_FILE] = nuovo.file_origine
    return {k: v for k, v in valori.items() if v}


def cifra_campi(campi: Mapping[str, str | None], cifrario: Cifrario) -> bytes:
    return cifrario.cifra(json.dumps({k: v for k, v in campi.items() if v}, ensure_ascii=False, sort_keys=True))


def decifra_campi(dati: bytes | None, cifrario: Cifrario) -> dict[str, str]:
    if not dati:
        return {}
    valori = json.loads(cifrario.decifra(dati))
    return {str(k): str(v) for k, v in valori.items() if v} if isinstance(valori, dict) else {}


def impronta_testo(testo: str) -> str:
    """SHA-256 of the text normalised for duplicate detection (case, spacing and Unicode form)."""
    norma = " ".join(unicodedata.normalize("NFC", testo).casefold().split())
    return hashlib.sha256(norma.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NuovoRacconto:
    """A story as the store receives it: already validated by raccolta."""

    testo: str
    canale: str
    versione_consenso: str
    titolo: str | None = None
    associazione: str | None = None
    associazione_altra: str | None = None
    quartiere: str | None = None
    fascia_eta: str | None = None
    ruolo: str | None = None
    periodo: str | None = None
    data_racconto: date | None = None
    consenso_citazione: bool = False
    ricevuta_hash: str | None = None
    fonte: str | None = None  # impronta_fonte(file name) or "testo": never the name itself
    id_esterno: str | None = None
    autovalutazione: dict[str, Any] | None = None
    inviato_il: datetime | None = None
    file_origine: str | None = None  # the import file's name: stored only encrypted
    # the form's sender (HMAC of the CSRF token): a repeat by the same sender is a double click
    mittente: str | None = None


@dataclass
class RaccontoDaElaborare:
    """What a pipeline stage receives. ``testo`` and ``campi`` (the free-text fields of CAMPI_LIBERI, and
    CAMPO_FILE) are raw only for stages that declare they need it; otherwise anonymised."""

    id: int
    codice: str
    testo: str
    associazione: str | None
    data_racconto: date | None
    meta: dict[str, Any] = field(default_factory=dict)
    campi: dict[str, str] = field(default_factory=dict)


def assicura_consenso(s: Session, versione: str, testo: str, testo_citazione: str | None = None,
                      valido_dal: date | None = None) -> int:
    esistente = s.scalar(select(Consenso.id).where(Consenso.versione == versione))
    if esistente is not None:
        return esistente
    c = Consenso(versione=versione, testo=testo, testo_citazione=testo_citazione,
                 valido_dal=valido_dal or adesso().date())
    s.add(c)
    s.flush()
    return c.id


def versioni_consenso(s: Session) -> list[str]:
    return list(s.scalars(select(Consenso.versione).order_by(Consenso.valido_dal, Consenso.id)))


def consenso(s: Session, versione: str) -> Consenso | None:
    return s.scalar(select(Consenso).where(Consenso.versione == versione))


def assicura_associazione(s: Session, nome: str, tipo: str | None = None,
                          descrizione: str | None = None) -> int:
    esistente = s.scalar(select(Associazione.id).where(Associazione.nome == nome))
    if esistente is not None:
        return esistente
    a = Associazione(nome=nome, tipo=tipo, descrizione=descrizione)
    s.add(a)
    s.flush()
    return a.id


def nomi_associazioni(s: Session) -> list[str]:
    return list(s.scalars(select(Associazione.nome).order_by(Associazione.nome)))


def _nuovo_codice(s: Session) -> str:
    # Random, not sequential: a story's code reveals neither its order nor how many stories exist.
    while True:
        codice = "R-" + secrets.token_hex(4).upper()
        if s.scalar(select(Racconto.id).where(Racconto.codice == codice)) is None:
            return codice


def inserisci_racconto(s: Session, nuovo: NuovoRacconto, cifrario: Cifrario) -> Racconto:
    """Store a new story: metadata in clear; raw text and raw free-text fields encrypted in their own table
    (the anonymised fields are written by :func:`salva_anonimizzazione`)."""
    consenso_id = s.scalar(select(Consenso.id).where(Consenso.versione == nuovo.versione_consenso))
    if consenso_id is None:
        raise ErroreArchivio(f"versione del consenso sconosciuta: {nuovo.versione_consenso!r}")
    associazione_id = None
    if nuovo.associazione:
        associazione_id = s.scalar(select(Associazione.id).where(Associazione.nome == nuovo.associazione))
        if associazione_id is None:
            raise ErroreArchivio(f"associazione sconosciuta: {nuovo.associazione!r} "
                                     "(aggiungila con 'narrazioni associazioni carica')")
    r = Racconto(
        codice=_nuovo_codice(s), fonte=nuovo.fonte, id_esterno=nuovo.id_esterno,
        associazione_id=associazione_id, fascia_eta=nuovo.fascia_eta, ruolo=nuovo.ruolo, periodo=nuovo.periodo,
        data_racconto=nuovo.data_racconto, canale=nuovo.canale, inviato_il=nuovo.inviato_il or adesso(),
        consenso_id=consenso_id, consenso_citazione=nuovo.consenso_citazione,
        ricevuta_hash=nuovo.ricevuta_hash, impronta=impronta_testo(nuovo.testo),
        autovalutazione=nuovo.autovalutazione, parole=len(nuovo.testo.split()), mittente=nuovo.mittente,
    )
    r.grezzo = TestoGrezzo(testo_cifrato=cifrario.cifra(nuovo.testo),
                           campi_cifrati=cifra_campi(campi_grezzi(nuovo), cifrario))
    s.add(r)
    s.flush()
    return r


def gia_importato(s: Session, fonte: str, id_esterno: str) -> bool:
    return s.scalar(select(Racconto.id).where(Racconto.fonte == fonte, Racconto.id_esterno == id_esterno)) \
        is not None


def duplicato_recente(s: Session, testo: str, dopo: datetime) -> Racconto | None:
    """The same text submitted after ``dopo`` (the form stores a repeated submission once)."""
    return s.scalar(select(Racconto).where(Racconto.impronta == impronta_testo(testo),
                                           Racconto.inviato_il >= dopo).limit(1))


def in_attesa(s: Session, stadio: str, versione: int, *, solo_visibili: bool, limite: int,
              dopo_id: int = 0) -> list[int]:
    """Ids of stories not yet done by ``stadio`` at ``versione`` (in id order, after ``dopo_id``)."""
    fatto = (select(StatoStadio.racconto_id)
             .where(StatoStadio.stadio == stadio, StatoStadio.versione == versione,
                    StatoStadio.stato == "fatto"))
    q = select(Racconto.id).where(Racconto.id > dopo_id, Racconto.id.not_in(fatto))
    if solo_visibili:
        q = q.where(Racconto.visibile.is_(True))
    return list(s.scalars(q.order_by(Racconto.id).limit(limite)))


def lavoro_in_sospeso(s: Session, stadi: Sequence[tuple[str, int, bool]]) -> str | None:
    """What the background worker should know: 'nuovo' when some story waits for a stage that never tried it
    at its current version, 'errori' when the only stories waiting failed there before, None when all is done."""
    ci_sono_errori = False
    for stadio, versione, solo_visibili in stadi:
        provati = (select(StatoStadio.racconto_id)
                   .where(StatoStadio.stadio == stadio, StatoStadio.versione == versione))
        nuovi = select(Racconto.id).where(Racconto.id.not_in(provati))
        if solo_visibili:
            nuovi = nuovi.where(Racconto.visibile.is_(True))
        if s.scalar(nuovi.limit(1)) is not None:
            return "nuovo"
        if not ci_sono_errori:
            falliti = select(StatoStadio.racconto_id).where(
                StatoStadio.stadio == stadio, StatoStadio.versione == versione, StatoStadio.stato == "errore")
            if solo_visibili:
                falliti = falliti.join(Racconto, Racconto.id == StatoStadio.racconto_id).where(
                    Racconto.visibile.is_(True))
            ci_sono_errori = s.scalar(falliti.limit(1)) is not None
    return "errori" if ci_sono_errori else None


NON_DECIFRABILE = ("testo non decifrabile con la chiave attuale: la chiave è stata sostituita o persa? "
                   "Rimetti il file della chiave originale (NARRAZIONI_ARCHIVIO__FILE_CHIAVE) e riesegui elabora")


def carica_lotto(s: Session, ids: Sequence[int], cifrario: Cifrario | None, *,
                 guasti: dict[int, str] | None = None) -> list[RaccontoDaElaborare]:
    """Load stories for a stage: the raw text and fields only when a ``cifrario`` is given, else the
    anonymised ones. A story stored before migration 0007 has no encrypted fields: its columns still hold
    the raw ones.

    A raw text the key cannot decrypt is left out of the batch and, when ``guasti`` is given, recorded
    there (story id → reason), so that the runner isolates it like any failed story.
    """
    righe = s.execute(
        select(Racconto, Associazione.nome, TestoGrezzo.testo_cifrato, TestoGrezzo.campi_cifrati)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .outerjoin(TestoGrezzo, TestoGrezzo.racconto_id == Racconto.id)
        .where(Racconto.id.in_(ids)).order_by(Racconto.id)
    ).all()
    lotto = []
    for r, nome_ass, cifrato, campi_cifrati in righe:
        in_colonna = {c: getattr(r, c) for c in CAMPI_LIBERI if getattr(r, c)}
        if cifrario is not None:
            if cifrato is None:  # raw text purged after retention: nothing to re-anonymise
                continue
            try:
                testo = cifrario.decifra(cifrato)
                campi = decifra_campi(campi_cifrati, cifrario) if campi_cifrati is not None else in_colonna
            except ErroreChiave:
                if guasti is None:
                    raise
                guasti[r.id] = NON_DECIFRABILE
                continue
        else:
            testo = r.testo_anon or ""
            campi = in_colonna
        lotto.append(RaccontoDaElaborare(id=r.id, codice=r.codice, testo=testo, associazione=nome_ass,
                                         data_racconto=r.data_racconto,
                                         meta={"periodo": r.periodo, "canale": r.canale}, campi=campi))
    return lotto


class Segnaposto(Protocol):
    """A placeholder to store as an ``entita`` row (offsets into ``testo_anon``): what the store reads of the
    anonymiser's one span type, ``analisi.anonimizzazione.tipi.Span`` (the store may not import it).
    The row itself (:class:`archivio.tabelle.Entita`) keeps the schema's column names."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def segnaposto(self) -> str | None: ...
    @property
    def score(self) -> float: ...
    @property
    def fonte(self) -> str: ...


def salva_anonimizzazione(s: Session, racconto_id: int, testo_anon: str, segnaposti: Iterable[Segnaposto],
                          mappa_cifrata: bytes | None, motivi: Sequence[str], *,
                          campi_anon: Mapping[str, str | None] | None = None,
                          campi_cifrati: bytes | None = None) -> None:
    """Store the anonymised text; a story with review reasons is held (not visible) until approved.

    ``campi_anon`` (the anonymised CAMPI_LIBERI; a missing one becomes NULL) replaces the free-text
    columns, ``campi_cifrati`` the encrypted raw fields; left out, both stay as they are.
    """
    salva_anonimizzazioni(s, [Anonimizzazione(racconto_id, testo_anon, list(segnaposti), mappa_cifrata,
                                              list(motivi), campi_anon, campi_cifrati)])


@dataclass(frozen=True)
class Anonimizzazione:
    """One story's anonymisation to store (the arguments of :func:`salva_anonimizzazione`)."""

    racconto_id: int
    testo_anon: str
    segnaposti: Sequence[Segnaposto]
    mappa_cifrata: bytes | None
    motivi: Sequence[str]
    campi_anon: Mapping[str, str | None] | None = None
    campi_cifrati: bytes | None = None


def _per_chiavi(righe: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Rows grouped by their set of keys (a bulk UPDATE by primary key needs the same keys in every row)."""
    gruppi: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for riga in righe:
        gruppi.setdefault(tuple(riga), []).append(riga)
    yield from gruppi.values()


def salva_anonimizzazioni(s: Session, anonimizzazioni: Sequence[Anonimizzazione]) -> None:
    """:func:`salva_anonimizzazione` for a batch of stories: the same rows, with a few statements per batch
    (bulk INSERT and UPDATE by primary key) instead of several per story."""
    if not anonimizzazioni:
        return
    ids = [a.racconto_id for a in anonimizzazioni]
    s.execute(delete(Entita).where(Entita.racconto_id.in_(ids)))
    entita = [{"racconto_id": a.racconto_id, "inizio": p.start, "fine": p.end, "etichetta": p.label,
               "segnaposto": p.segnaposto or "", "punteggio": p.score, "fonte": p.fonte}
              for a in anonimizzazioni for p in a.segnaposti]
    if entita:
        s.execute(insert(Entita), entita)
    s.execute(delete(Revisione).where(Revisione.racconto_id.in_(ids)))
    revisioni = [{"racconto_id": a.racconto_id, "motivi": list(a.motivi)} for a in anonimizzazioni if a.motivi]
    if revisioni:
        s.execute(insert(Revisione), revisioni)
    if any(a.campi_anon is not None for a in anonimizzazioni) and s.get_bind().dialect.name == "sqlite":
        s.execute(text("PRAGMA secure_delete=ON"))  # a replaced clear field (before 0007) is overwritten
    grezzi, racconti = [], []
    for a in anonimizzazioni:
        visibile = not a.motivi
        grezzo: dict[str, Any] = {"racconto_id": a.racconto_id, "mappa_cifrata": a.mappa_cifrata}
        if a.campi_cifrati is not None:
            grezzo["campi_cifrati"] = a.campi_cifrati
        if visibile:
            grezzo["approvato_il"] = adesso()
        grezzi.append(grezzo)
        valori: dict[str, Any] = {"id": a.racconto_id, "testo_anon": a.testo_anon,
                                  "stato_anon": "approvato" if visibile else "in_revisione", "visibile": visibile}
        if a.campi_anon is not None:
            valori.update({c: a.campi_anon.get(c) or None for c in CAMPI_LIBERI})
        racconti.append(valori)
    for gruppo in _per_chiavi(grezzi):
        s.execute(update(TestoGrezzo), gruppo)
    for gruppo in _per_chiavi(racconti):
        s.execute(update(Racconto), gruppo)


@dataclass(frozen=True)
class NuovaFrase:
    inizio: int
    fine: int
    testo: str


def salva_frasi(s: Session, racconto_id: int, frasi: Sequence[NuovaFrase]) -> None:
    """Replace a story's sentences, unless they are unchanged (then codes attached to them survive)."""
    salva_frasi_molti(s, {racconto_id: frasi})


def salva_frasi_molti(s: Session, per_racconto: Mapping[int, Sequence[NuovaFrase]]) -> None:
    """:func:`salva_frasi` for a batch of stories, with one read, one delete and one insert per batch."""
    if not per_racconto:
        return
    esistenti: dict[int, list[tuple[int, int, int, str]]] = {i: [] for i in per_racconto}
    for rid, *riga in s.execute(select(Frase.racconto_id, Frase.indice, Frase.inizio, Frase.fine, Frase.testo)
                                .where(Frase.racconto_id.in_(list(per_racconto)))
                                .order_by(Frase.racconto_id, Frase.indice)).all():
        esistenti[rid].append(tuple(riga))  # type: ignore[arg-type]
    cambiati = {rid: [(i, f.inizio, f.fine, f.testo) for i, f in enumerate(frasi)]
                for rid, frasi in per_racconto.items()}
    cambiati = {rid: nuove for rid, nuove in cambiati.items() if esistenti[rid] != nuove}
    if not cambiati:
        return
    s.execute(delete(Frase).where(Frase.racconto_id.in_(list(cambiati))))
    righe = [{"racconto_id": rid, "indice": i, "inizio": a, "fine": b, "testo": t}
             for rid, nuove in cambiati.items() for i, a, b, t in nuove]
    if righe:
        s.execute(insert(Frase), righe)


def segna(s: Session, ids: Iterable[int], stadio: str, versione: int, esecuzione_id: int | None,
          successivi: Sequence[str], stato: str = "fatto", messaggio: str | None = None) -> None:
    """Record the stage as done for these stories, and make the later stages redo them."""
    ids = list(ids)
    if not ids:
        return
    s.execute(delete(StatoStadio).where(StatoStadio.racconto_id.in_(ids),
                                        StatoStadio.stadio.in_([stadio, *successivi])))
    s.add_all(StatoStadio(racconto_id=i, stadio=stadio, versione=versione, stato=stato, messaggio=messaggio,
                          esecuzione_id=esecuzione_id, aggiornato_il=adesso()) for i in ids)


def conteggi(s: Session, stadi: Sequence[tuple[str, int] | tuple[str, int, bool]]) -> dict[str, Any]:
    """Counts for ``narrazioni stato``: stories, anonymisation states, and per stage done/to do.

    A stage given as (name, version, True) works only on visible stories: stories held for the anonymisation
    review are counted apart (``in_revisione``), not as work ``elabora`` could do now.
    """
    totale = s.scalar(select(func.count(Racconto.id))) or 0
    trattenuti = s.scalar(select(func.count(Racconto.id)).where(Racconto.visibile.is_(False))) or 0
    per_anon = dict(s.execute(select(Racconto.stato_anon, func.count()).group_by(Racconto.stato_anon)).all())
    per_canale = dict(s.execute(select(Racconto.canale, func.count()).group_by(Racconto.canale)).all())
    per_stadio = {}
    for nome, versione, *resto in stadi:
        solo_visibili = bool(resto and resto[0])
        righe = dict(s.execute(
            select(StatoStadio.stato, func.count())
            .where(StatoStadio.stadio == nome, StatoStadio.versione == versione)
            .group_by(StatoStadio.stato)).all())
        fatti = righe.get("fatto", 0)
        in_revisione = trattenuti if solo_visibili else 0
        motivi = dict(s.execute(
            select(StatoStadio.messaggio, func.count())
            .where(StatoStadio.stadio == nome, StatoStadio.versione == versione, StatoStadio.stato == "errore")
            .group_by(StatoStadio.messaggio).order_by(func.count().desc()).limit(5)).all())
        per_stadio[f"{nome}.v{versione}"] = {"fatto": fatti, "errore": righe.get("errore", 0),
                                             "da_fare": max(totale - fatti - in_revisione, 0),
                                             "in_revisione": in_revisione,
                                             "motivi_errore": {str(k or "?"): v for k, v in motivi.items()}}
    non_decifrabili = s.scalar(select(func.count(func.distinct(StatoStadio.racconto_id)))
                               .where(StatoStadio.stato == "errore", StatoStadio.messaggio == NON_DECIFRABILE)) or 0
    return {"racconti": totale, "anonimizzazione": per_anon, "canali": per_canale, "stadi": per_stadio,
            "frasi": s.scalar(select(func.count(Frase.id))) or 0, "non_decifrabili": non_decifrabili}


def elenco_visibili(s: Session, *, limite: int = 500, associazione: str | None = None) -> list[dict[str, Any]]:
    """Stories researchers may read: anonymised text only, never the raw one."""
    q = (select(Racconto.codice, Racconto.titolo, Associazione.nome, Racconto.quartiere, Racconto.periodo,
                Racconto.data_racconto, Racconto.stato_anon, Racconto.parole, Racconto.testo_anon)
         .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
         .where(Racconto.visibile.is_(True)))
    if associazione:
        q = q.where(Associazione.nome == associazione)
    righe = s.execute(q.order_by(Racconto.data_racconto, Racconto.id).limit(limite)).all()
    chiavi = ("codice", "titolo", "associazione", "quartiere", "periodo", "data", "stato", "parole", "testo")
    return [dict(zip(chiavi, r, strict=True)) for r in righe]


def stati_per_racconto(s: Session) -> dict[str, int]:
    return dict(s.execute(select(Racconto.stato_anon, func.count()).group_by(Racconto.stato_anon)).all())


def testi_cifrati_presenti(s: Session) -> int:
    """How many raw texts or mappings are stored encrypted (``init`` must not make a new key for them)."""
    return s.scalar(select(func.count()).select_from(TestoGrezzo).where(
        (TestoGrezzo.testo_cifrato.is_not(None)) | (TestoGrezzo.mappa_cifrata.is_not(None)))) or 0


def un_testo_cifrato(s: Session) -> bytes | None:
    """One encrypted raw text or mapping, to check that a key opens the store's texts."""
    riga = s.execute(select(TestoGrezzo.testo_cifrato, TestoGrezzo.mappa_cifrata).where(
        (TestoGrezzo.testo_cifrato.is_not(None)) | (TestoGrezzo.mappa_cifrata.is_not(None))).limit(1)).first()
    if riga is None:
        return None
    return riga[0] if riga[0] is not None else riga[1]
