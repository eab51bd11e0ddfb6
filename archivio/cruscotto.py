"""The dashboard's queries: filters on every attribute, overview counts, full-text search, keyword in
context, a story with its coded sentences, the anonymisation review queue, users and retention.

Every function that returns story text returns ``racconti.testo_anon`` of *visible* stories only; the raw
text is decrypted only for the administrator's review (:func:`dettaglio_revisione`, :func:`testi_da_approvare`).
Placeholders are no business of the store: reading, rebuilding and renumbering them for the review happens in
``analisi.anonimizzazione.revisione``; this module decrypts, audits and writes.

Full text: SQLite FTS5 (table ``racconti_fts``, kept in sync by triggers, migration 0006) or PostgreSQL's
``to_tsvector('italian', ...)`` (GIN index, migration 0006). On a database without them the search falls
back to a plain ``LIKE`` so that the dashboard never breaks; the result is the same, only slower.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    column,
    delete,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, aliased

from archivio import audit
from archivio.cifratura import Cifrario
from archivio.errori import ErroreOperazione, ErrorePermesso
from archivio.modelli import (
    RUOLI_UTENTE,
    AssegnazioneTema,
    Associazione,
    Codice,
    Entita,
    Frase,
    Racconto,
    Revisione,
    StatoStadio,
    Tema,
    TestoGrezzo,
    Utente,
)
from archivio.modelli_codifica import PianoFrase
from archivio.periodi import data_narrata
from archivio.politiche import CODICI
from archivio.racconti import CAMPI_LIBERI, Segnaposto, decifra_campi
from archivio.tempo import adesso

NESSUNA_ASSOCIAZIONE = "(nessuna)"
SOGLIA = 0.5  # a model code holds from this probability (the default of archivio.codifica)
CODICI_PRIMO_LIVELLO = CODICI
RUOLO_AMMINISTRATORE = "amministratore"


class ErroreCruscotto(ErroreOperazione, ValueError):
    """A request the dashboard's store refuses (with an Italian message for the page)."""


class PermessoNegato(ErrorePermesso, PermissionError):
    """Raised when a function reserved to a role is called for another role."""


# ----------------------------------------------------------------------------------------------- filters
@dataclass(frozen=True)
class Filtri:
    """What the researcher selected. Empty tuples mean "all"; hashable, so pages can cache on it."""

    associazioni: tuple[str, ...] = ()
    quartieri: tuple[str, ...] = ()
    fasce_eta: tuple[str, ...] = ()
    ruoli: tuple[str, ...] = ()
    periodi: tuple[str, ...] = ()
    canali: tuple[str, ...] = ()
    dal: date | None = None
    al: date | None = None
    solo_citabili: bool = False
    testo: str = ""
    temi: tuple[int, ...] = ()
    codici: tuple[str, ...] = ()

    def attivi(self) -> int:
        """How many filters are set (for the page's caption)."""
        valori = (self.associazioni, self.quartieri, self.fasce_eta, self.ruoli, self.periodi, self.canali,
                  self.dal, self.al, self.solo_citabili, self.testo.strip(), self.temi, self.codici)
        return sum(bool(v) for v in valori)


def _data_effettiva(s: Session) -> ColumnElement[Any]:
    """The story's narrated date: the one the narrator gave, else the middle of the chosen period, else NULL
    (never the day it was sent: see ``archivio.periodi``)."""
    return data_narrata(s.get_bind().dialect.name == "sqlite")


def _nome_associazione() -> ColumnElement[Any]:
    # a literal, not a bound parameter: PostgreSQL matches GROUP BY expressions textually
    return func.coalesce(Associazione.nome, Racconto.associazione_altra,
                         literal_column(f"'{NESSUNA_ASSOCIAZIONE}'", String))


def _in(colonna: Any, valori: Sequence[Any]) -> ColumnElement[bool]:
    return colonna.in_(list(valori))


def condizioni(s: Session, filtri: Filtri) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``racconti`` (joined to ``associazioni``) for the filters; visible stories only."""
    cond: list[ColumnElement[bool]] = [Racconto.visibile.is_(True)]
    if filtri.associazioni:
        cond.append(_in(_nome_associazione(), filtri.associazioni))
    for colonna, valori in ((Racconto.quartiere, filtri.quartieri), (Racconto.fascia_eta, filtri.fasce_eta),
                            (Racconto.ruolo, filtri.ruoli), (Racconto.periodo, filtri.periodi),
                            (Racconto.canale, filtri.canali)):
        if valori:
            cond.append(_in(colonna, valori))
    data = _data_effettiva(s)
    if filtri.dal:
        cond.append(data >= filtri.dal)
    if filtri.al:
        cond.append(data <= filtri.al)
    if filtri.solo_citabili:
        cond.append(Racconto.consenso_citazione.is_(True))
    if filtri.temi:
        cond.append(Racconto.id.in_(_racconti_con_tema_principale(filtri.temi)))
    if filtri.codici:
        ce = _codici_effettivi()
        cond.append(Racconto.id.in_(select(Frase.racconto_id).join(ce, Frase.id == ce.c.frase_id)
                                    .where(ce.c.codice.in_(list(filtri.codici)))))
    if filtri.testo.strip():
        cond.append(_condizione_testo(s, filtri.testo))
    return cond


def ids_filtrati(s: Session, filtri: Filtri) -> Select[Any]:
    """SELECT of the ids of the visible stories matching the filters (to use as a subquery)."""
    return (select(Racconto.id).outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
            .where(*condizioni(s, filtri)))


@dataclass(frozen=True)
class ValoriFiltri:
    """The values each filter can take (only values present among the visible stories)."""

    associazioni: list[str]
    quartieri: list[str]
    fasce_eta: list[str]
    ruoli: list[str]
    periodi: list[str]
    canali: list[str]
    temi: list[tuple[int, str]]
    codici: list[str]
    dal: date | None
    al: date | None


def valori_filtri(s: Session) -> ValoriFiltri:
    def distinti(colonna: Any) -> list[str]:
        q = (select(colonna).select_from(Racconto)
             .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
             .where(Racconto.visibile.is_(True), colonna.is_not(None)).distinct())
        return sorted(str(v) for v in s.scalars(q))

    data = _data_effettiva(s)
    minimo, massimo = s.execute(select(func.min(data), func.max(data))
                                .where(Racconto.visibile.is_(True))).one()
    codici = sorted(s.scalars(select(Codice.codice).distinct()))
    return ValoriFiltri(
        associazioni=distinti(_nome_associazione()), quartieri=distinti(Racconto.quartiere),
        fasce_eta=distinti(Racconto.fascia_eta), ruoli=distinti(Racconto.ruolo),
        periodi=distinti(Racconto.periodo), canali=distinti(Racconto.canale),
        temi=[(t.id, t.etichetta) for t in s.scalars(select(Tema).where(Tema.attivo.is_(True))
                                                      .order_by(Tema.indice))],
        codici=codici, dal=_a_data(minimo), al=_a_data(massimo))


def _a_data(valore: Any) -> date | None:
    if valore is None or isinstance(valore, date):
        return valore
    return date.fromisoformat(str(valore)[:10])


# --------------------------------------------------------------------------------------- codes and themes
def _codici_effettivi() -> Any:
    """Subquery (frase_id, codice, fonte, autore, probabilita) of the codes that hold for each sentence.

    The same rule as ``archivio.codifica``: the latest human decision on (sentence, code) wins (a person may
    say "not this code"); without one, the model's code holds when its probability reaches :data:`SOGLIA`.
    Written as SQL so that counts over 10 000 stories stay in the database.
    """
    umano = aliased(Codice)
    ultimo_umano = (select(func.max(umano.id)).where(umano.frase_id == Codice.frase_id,
                                                    umano.codice == Codice.codice, umano.fonte == "umano")
                    .scalar_subquery())
    qualche_umano = exists().where(umano.frase_id == Codice.frase_id, umano.codice == Codice.codice,
                                   umano.fonte == "umano")
    return (select(Codice.frase_id, Codice.codice, Codice.fonte, Codice.autore, Codice.probabilita)
            .where(or_(and_(Codice.fonte == "umano", Codice.id == ultimo_umano, Codice.valore.is_(True)),
                       and_(Codice.fonte != "umano", Codice.valore.is_(True),
                            or_(Codice.probabilita.is_(None), Codice.probabilita >= SOGLIA), ~qualche_umano)))
            .subquery("codici_effettivi"))


def _aree_effettive() -> Any:
    """Subquery (frase_id, area, scheda, fonte, ...): a person's latest area, else the model's latest."""
    p2 = aliased(PianoFrase)
    scelta = func.coalesce(
        select(func.max(p2.id)).where(p2.frase_id == PianoFrase.frase_id, p2.fonte == "umano")
        .scalar_subquery(),
        select(func.max(p2.id)).where(p2.frase_id == PianoFrase.frase_id).scalar_subquery())
    return (select(PianoFrase.frase_id, PianoFrase.area, PianoFrase.scheda, PianoFrase.fonte,
                   PianoFrase.punteggio, PianoFrase.autore, PianoFrase.seconda_area,
                   PianoFrase.punteggio_seconda)
            .where(PianoFrase.id == scelta).subquery("aree_effettive"))


def _racconti_con_tema_principale(temi: Sequence[int]) -> Select[Any]:
    principale = _tema_principale()
    return select(principale.c.racconto_id).where(principale.c.tema_id.in_(list(temi)))


def _tema_principale() -> Any:
    """Subquery (racconto_id, tema_id): each story's heaviest active theme."""
    a2 = aliased(AssegnazioneTema)
    t2 = aliased(Tema)
    piu_pesante = (select(a2.tema_id).join(t2, t2.id == a2.tema_id)
                   .where(a2.racconto_id == AssegnazioneTema.racconto_id, t2.attivo.is_(True))
                   .order_by(a2.peso.desc(), a2.tema_id).limit(1).scalar_subquery())
    return (select(AssegnazioneTema.racconto_id, AssegnazioneTema.tema_id)
            .where(AssegnazioneTema.tema_id == piu_pesante).subquery("tema_principale"))


def temi_principali(s: Session, ids: Iterable[int]) -> dict[int, str]:
    """Story id → label of its main theme (for exports and lists)."""
    ids = list(ids)
    out: dict[int, str] = {}
    principale = _tema_principale()
    for i in range(0, len(ids), 900):
        righe = s.execute(select(principale.c.racconto_id, Tema.etichetta)
                          .join(Tema, Tema.id == principale.c.tema_id)
                          .where(principale.c.racconto_id.in_(ids[i:i + 900])))
        out.update({r: e for r, e in righe})
    return out


# ----------------------------------------------------------------------------------------------- overview
def racconti_filtrati(s: Session, filtri: Filtri, *, limite: int | None = None) -> list[dict[str, Any]]:
    """One row of metadata per visible story matching the filters (no text): the overview's table."""
    q = (select(Racconto.id, Racconto.codice, Racconto.titolo, _nome_associazione().label("associazione"),
                Racconto.quartiere, Racconto.fascia_eta, Racconto.ruolo, Racconto.periodo,
                _data_effettiva(s).label("data"), Racconto.canale, Racconto.parole,
                Racconto.consenso_citazione)
         .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
         .where(*condizioni(s, filtri)).order_by(Racconto.id))
    if limite:
        q = q.limit(limite)
    chiavi = ("id", "codice", "titolo", "associazione", "quartiere", "fascia_eta", "ruolo", "periodo", "data",
              "canale", "parole", "citabile")
    return [{**dict(zip(chiavi, r, strict=True)), "data": _a_data(r[8])} for r in s.execute(q)]


def conteggi_generali(s: Session) -> dict[str, int]:
    """Counts that do not depend on the filters: stories by anonymisation state, sentences, codes."""
    per_stato = dict(s.execute(select(Racconto.stato_anon, func.count()).group_by(Racconto.stato_anon)).all())
    visibili = s.scalar(select(func.count()).where(Racconto.visibile.is_(True))) or 0
    return {
        "racconti": sum(per_stato.values()), "visibili": visibili,
        "in_revisione": per_stato.get("in_revisione", 0), "in_attesa": per_stato.get("in_attesa", 0),
        "frasi": s.scalar(select(func.count(Frase.id))) or 0,
        "frasi_codificate": s.scalar(select(func.count(func.distinct(Codice.frase_id)))) or 0,
        "correzioni_umane": s.scalar(select(func.count(Codice.id)).where(Codice.fonte == "umano")) or 0,
    }


def stato_elaborazione(s: Session) -> list[dict[str, Any]]:
    """Per stage and version: stories done and in error (processing state for the overview)."""
    righe = s.execute(select(StatoStadio.stadio, StatoStadio.versione, StatoStadio.stato, func.count())
                      .group_by(StatoStadio.stadio, StatoStadio.versione, StatoStadio.stato)
                      .order_by(StatoStadio.stadio, StatoStadio.versione))
    return [{"stadio": f"{st}.v{v}", "stato": stato, "racconti": n} for st, v, stato, n in righe]


def quote_codici(s: Session, filtri: Filtri) -> list[dict[str, Any]]:
    """Per code: sentences and stories carrying it among the filtered stories, and the share of sentences."""
    ids = ids_filtrati(s, filtri).subquery()
    ce = _codici_effettivi()
    frasi_tot = s.scalar(select(func.count(Frase.id)).where(Frase.racconto_id.in_(select(ids.c.id)))) or 0
    righe = s.execute(select(ce.c.codice, func.count(func.distinct(ce.c.frase_id)),
                             func.count(func.distinct(Frase.racconto_id)))
                      .join(Frase, Frase.id == ce.c.frase_id)
                      .where(Frase.racconto_id.in_(select(ids.c.id)))
                      .group_by(ce.c.codice).order_by(ce.c.codice))
    return [{"codice": c, "frasi": nf, "racconti": nr, "quota_frasi": (nf / frasi_tot) if frasi_tot else 0.0}
            for c, nf, nr in righe]


# ------------------------------------------------------------------------------------------ full-text search
_TERMINE = re.compile(r'(-?)"([^"]+)"|(-?)(\S+)')
_NON_PAROLA = re.compile(r"[^\w*']+", re.UNICODE)


@dataclass(frozen=True)
class Termine:
    """A search term: words of a phrase, prefix search (``paur*``), excluded (``-parola``)."""

    parole: tuple[str, ...]
    prefisso: bool = False
    escluso: bool = False


def analizza_ricerca(testo: str) -> list[Termine]:
    """Parse what the user typed: words, "quoted phrases", ``prefix*`` and ``-excluded`` terms.

    Everything else (operators, brackets, column filters) is dropped, so the FTS engine never sees syntax
    the user did not mean.
    """
    termini = []
    for m in _TERMINE.finditer(testo[:500]):
        escluso = bool(m.group(1) or m.group(3))
        grezzo = m.group(2) if m.group(2) is not None else m.group(4)
        prefisso = grezzo.rstrip().endswith("*")
        pezzi = _NON_PAROLA.split(grezzo.replace("*", " ").replace("'", " "))
        parole = tuple(p for p in pezzi if p)
        if parole:
            termini.append(Termine(parole, prefisso, escluso))
    if termini and all(t.escluso for t in termini):
        return []
    return termini


def _fts5(termini: Sequence[Termine]) -> str:
    def frase(t: Termine) -> str:
        corpo = " ".join(t.parole).replace('"', '""')
        return f'"{corpo}"' + ("*" if t.prefisso else "")

    positivi = " AND ".join(frase(t) for t in termini if not t.escluso)
    negativi = "".join(f" NOT {frase(t)}" for t in termini if t.escluso)
    return positivi + negativi


def _tsquery(termini: Sequence[Termine]) -> str:
    pezzi = []
    for t in termini:
        parole = " <-> ".join(re.sub(r"[^\w]", "", p) for p in t.parole if re.sub(r"[^\w]", "", p))
        if not parole:
            continue
        if t.prefisso:
            parole += ":*"
        pezzi.append(("!" if t.escluso else "") + f"({parole})")
    return " & ".join(pezzi)


_FTS_PRESENTE: dict[str, bool] = {}


def ha_indice_testo(s: Session) -> bool:
    """Whether migration 0006's full-text index exists on this database (looked up once per URL)."""
    bind = s.get_bind()
    chiave = str(bind.engine.url)
    if chiave not in _FTS_PRESENTE:
        if bind.dialect.name == "sqlite":
            trovata = s.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'racconti_fts'"))
        else:
            trovata = s.scalar(text("SELECT count(*) FROM pg_indexes "
                                    "WHERE indexname = 'ix_racconti_testo_fts'"))
        _FTS_PRESENTE[chiave] = bool(trovata)
    return _FTS_PRESENTE[chiave]


def _condizione_testo(s: Session, testo: str) -> ColumnElement[bool]:
    termini = analizza_ricerca(testo)
    if not termini:
        return false()
    if ha_indice_testo(s):
        if s.get_bind().dialect.name == "sqlite":
            return Racconto.id.in_(text("SELECT rowid FROM racconti_fts WHERE racconti_fts MATCH :q")
                                   .bindparams(q=_fts5(termini)).columns(column("rowid", Integer)))
        return text("to_tsvector('italian', coalesce(racconti.testo_anon, '')) @@ to_tsquery('italian', :q)"
                    ).bindparams(q=_tsquery(termini))  # type: ignore[return-value]
    cond: list[ColumnElement[bool]] = []
    for t in termini:
        like = func.lower(Racconto.testo_anon).like("%" + " ".join(t.parole).lower() + "%")
        cond.append(~like if t.escluso else like)
    return and_(*cond)


@dataclass(frozen=True)
class Risultato:
    codice: str
    titolo: str | None
    associazione: str
    data: date | None
    parole: int
    estratto: str


def cerca(s: Session, filtri: Filtri, *, limite: int = 100, offset: int = 0) -> tuple[int, list[Risultato]]:
    """Stories matching the filters (and the full-text query in ``filtri.testo``): total and one page."""
    base = (select(Racconto.id).outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
            .where(*condizioni(s, filtri)))
    totale = s.scalar(select(func.count()).select_from(base.subquery())) or 0
    righe = s.execute(
        select(Racconto.codice, Racconto.titolo, _nome_associazione(), _data_effettiva(s), Racconto.parole,
               Racconto.testo_anon)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .where(*condizioni(s, filtri)).order_by(Racconto.id).limit(limite).offset(offset)).all()
    termini = [t for t in analizza_ricerca(filtri.testo) if not t.escluso]
    risultati = []
    for codice, titolo, ass, data, parole, testo in righe:
        testo = testo or ""
        occ = next(iter(trova_occorrenze(testo, termini, massimo=1)), None)
        if occ is None:
            estratto = testo[:160] + ("…" if len(testo) > 160 else "")
        else:
            sinistra, parola, destra = _contesto(testo, occ, 70)
            estratto = f"…{sinistra}{parola}{destra}…"
        risultati.append(Risultato(codice, titolo, ass, _a_data(data), parole or 0, estratto))
    return totale, risultati


_ACCENTI = {"a": "aàáâäã", "e": "eèéêë", "i": "iìíîï", "o": "oòóôöõ", "u": "uùúûü", "c": "cç", "n": "nñ"}


def _regex_parola(parola: str) -> str:
    out = []
    for ch in parola.casefold():
        varianti = next((v for base, v in _ACCENTI.items() if ch in v), None)
        out.append(f"[{varianti}]" if varianti else re.escape(ch))
    return "".join(out)


def regex_termini(termini: Sequence[Termine]) -> re.Pattern[str] | None:
    """A case- and accent-insensitive regex for the terms, as whole words (prefix terms open at the end)."""
    alternative = []
    for t in termini:
        if t.escluso:
            continue
        corpo = r"\W+".join(_regex_parola(p) for p in t.parole)
        alternative.append(r"(?<!\w)" + corpo + (r"\w*" if t.prefisso else r"(?!\w)"))
    if not alternative:
        return None
    return re.compile("|".join(f"(?:{a})" for a in alternative), re.IGNORECASE)


def trova_occorrenze(testo: str, termini: Sequence[Termine], *, massimo: int = 1000) -> list[tuple[int, int]]:
    regex = regex_termini(termini)
    if regex is None:
        return []
    out = []
    for m in regex.finditer(testo):
        out.append((m.start(), m.end()))
        if len(out) >= massimo:
            break
    return out


def _contesto(testo: str, occ: tuple[int, int], finestra: int) -> tuple[str, str, str]:
    a, b = occ
    sinistra = " ".join(testo[max(0, a - finestra):a].split())
    destra = " ".join(testo[b:b + finestra].split())
    if a - finestra > 0 and " " in sinistra:
        sinistra = sinistra.split(" ", 1)[1]
    if b + finestra < len(testo) and " " in destra:
        destra = destra.rsplit(" ", 1)[0]
    return (sinistra + " " if testo[max(0, a - 1):a].isspace() else sinistra), testo[a:b], \
        (" " + destra if testo[b:b + 1].isspace() else destra)


@dataclass(frozen=True)
class Concordanza:
    """One line of keyword in context."""

    codice: str
    associazione: str
    sinistra: str
    parola: str
    destra: str
    inizio: int


def kwic(s: Session, filtri: Filtri, *, finestra: int = 60, massimo_racconti: int = 2000,
         massimo_righe: int = 1000) -> list[Concordanza]:
    """Keyword in context for the search in ``filtri.testo`` over the filtered stories."""
    termini = [t for t in analizza_ricerca(filtri.testo) if not t.escluso]
    if not termini:
        return []
    righe = s.execute(select(Racconto.codice, _nome_associazione(), Racconto.testo_anon)
                      .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
                      .where(*condizioni(s, filtri)).order_by(Racconto.id).limit(massimo_racconti))
    out: list[Concordanza] = []
    for codice, ass, testo in righe:
        for occ in trova_occorrenze(testo or "", termini, massimo=massimo_righe - len(out)):
            sinistra, parola, destra = _contesto(testo, occ, finestra)
            out.append(Concordanza(codice, ass, sinistra, parola, destra, occ[0]))
        if len(out) >= massimo_righe:
            break
    return out


# ---------------------------------------------------------------------------------- a story and its sentences
@dataclass(frozen=True)
class FraseCodificata:
    id: int
    indice: int
    inizio: int
    fine: int
    testo: str
    codici: tuple[str, ...]
    fonti: tuple[str, ...]


@dataclass(frozen=True)
class RaccontoCompleto:
    id: int
    codice: str
    titolo: str | None
    associazione: str
    quartiere: str | None
    fascia_eta: str | None
    ruolo: str | None
    periodo: str | None
    data: date | None
    canale: str
    parole: int
    citabile: bool
    testo: str
    tema: str | None
    frasi: list[FraseCodificata]


def racconto(s: Session, codice: str) -> RaccontoCompleto | None:
    """A visible story by its code, with its sentences and their codes (anonymised text only)."""
    r = s.execute(select(Racconto, _nome_associazione(), _data_effettiva(s))
                  .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
                  .where(Racconto.codice == codice, Racconto.visibile.is_(True))).first()
    if r is None:
        return None
    rac, ass, data = r
    return RaccontoCompleto(
        id=rac.id, codice=rac.codice, titolo=rac.titolo, associazione=ass, quartiere=rac.quartiere,
        fascia_eta=rac.fascia_eta, ruolo=rac.ruolo, periodo=rac.periodo, data=_a_data(data),
        canale=rac.canale, parole=rac.parole, citabile=rac.consenso_citazione, testo=rac.testo_anon or "",
        tema=temi_principali(s, [rac.id]).get(rac.id), frasi=frasi_con_codici(s, rac.id))


def frasi_con_codici(s: Session, racconto_id: int) -> list[FraseCodificata]:
    ce = _codici_effettivi()
    codici: dict[int, list[tuple[str, str]]] = {}
    for fid, cod, fonte in s.execute(select(ce.c.frase_id, ce.c.codice, ce.c.fonte)
                                     .join(Frase, Frase.id == ce.c.frase_id)
                                     .where(Frase.racconto_id == racconto_id).order_by(ce.c.codice)):
        codici.setdefault(fid, []).append((cod, fonte))
    frasi = s.scalars(select(Frase).where(Frase.racconto_id == racconto_id).order_by(Frase.indice))
    out = []
    for f in frasi:
        coppie = codici.get(f.id, [])
        out.append(FraseCodificata(f.id, f.indice, f.inizio, f.fine, f.testo,
                                   tuple(c for c, _ in coppie), tuple(fo for _, fo in coppie)))
    return out


# ------------------------------------------------------------------------------- coded sentences and quotes
@dataclass(frozen=True)
class FraseDaCitare:
    """A coded sentence with everything an export or a drill-down shows next to it."""

    frase_id: int
    racconto_id: int
    racconto: str
    associazione: str
    periodo: str | None
    data: date | None
    tema: str | None
    codice: str
    fonte: str
    probabilita: float | None
    modello: str | None
    citabile: bool
    testo: str
    indice: int = 0
    inizio: int = 0
    fine: int = 0
    area: str | None = None
    scheda: str | None = None
    fonte_area: str | None = None
    autore: str | None = None  # the person who confirmed the code (None: the model's code)
    punteggio_area: float | None = None  # the model's calibrated confidence in ``area`` (None: a person's)
    seconda_area: str | None = None  # the model's runner-up area
    punteggio_seconda: float | None = None


def frasi_codificate(s: Session, filtri: Filtri, *, codici: Sequence[str] = (), prefisso: str | None = None,
                     aree: Sequence[str] = (), solo_citabili: bool = False,
                     limite: int | None = 5000) -> list[FraseDaCitare]:
    """Sentences carrying ``codici`` (or any code starting with ``prefisso``) in the filtered stories.

    One row per (sentence, code), with the sentence's Piano di Zona area when it has one (``aree`` keeps
    only those areas; "" stands for "no area yet"). ``solo_citabili`` keeps only stories whose narrator
    consented to being quoted: every export sets it.
    """
    ce = _codici_effettivi()
    ae = _aree_effettive()
    cond = [*condizioni(s, filtri)]
    if codici:
        cond.append(ce.c.codice.in_(list(codici)))
    if prefisso:
        cond.append(or_(ce.c.codice == prefisso, ce.c.codice.like(prefisso + ".%")))
    if aree:
        scelte = [a for a in aree if a]
        cond.append(or_(ae.c.area.in_(scelte), ae.c.area.is_(None)) if "" in aree else ae.c.area.in_(scelte))
    if solo_citabili:
        cond.append(Racconto.consenso_citazione.is_(True))
    q = (select(Frase.id, Racconto.id, Racconto.codice, _nome_associazione(), Racconto.periodo,
                _data_effettiva(s), ce.c.codice, ce.c.fonte, ce.c.probabilita, ce.c.autore,
                Racconto.consenso_citazione, Frase.testo, Frase.indice, Frase.inizio, Frase.fine,
                ae.c.area, ae.c.scheda, ae.c.fonte, ae.c.punteggio, ae.c.seconda_area, ae.c.punteggio_seconda)
         .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
         .join(Racconto, Racconto.id == Frase.racconto_id)
         .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
         .outerjoin(ae, ae.c.frase_id == Frase.id)
         .where(*cond).order_by(Racconto.id, Frase.indice, ce.c.codice))
    if limite:
        q = q.limit(limite)
    righe = s.execute(q).all()
    temi = temi_principali(s, {r[1] for r in righe})
    modelli = _modelli_per_frase(s, [r[0] for r in righe if r[7] == "umano"])
    return [FraseDaCitare(frase_id=fid, racconto_id=rid, racconto=cod, associazione=ass, periodo=per,
                          data=_a_data(data), tema=temi.get(rid), codice=codice, fonte=fonte,
                          probabilita=prob, modello=autore if fonte != "umano" else modelli.get(fid),
                          citabile=bool(cit), testo=testo, indice=indice, inizio=inizio, fine=fine,
                          area=area, scheda=scheda, fonte_area=fonte_area,
                          autore=autore if fonte == "umano" else None,
                          punteggio_area=p_area if fonte_area != "umano" else None,
                          seconda_area=seconda if fonte_area != "umano" else None,
                          punteggio_seconda=p_seconda if fonte_area != "umano" else None)
            for (fid, rid, cod, ass, per, data, codice, fonte, prob, autore, cit, testo, indice, inizio, fine,
                 area, scheda, fonte_area, p_area, seconda, p_seconda) in righe]


def _modelli_per_frase(s: Session, frasi: Sequence[int]) -> dict[int, str]:
    """Sentence id → the model (name@version) that coded it, for sentences a person has corrected."""
    out: dict[int, str] = {}
    frasi = sorted(set(frasi))
    for i in range(0, len(frasi), 900):
        for fid, autore in s.execute(select(Codice.frase_id, func.max(Codice.autore))
                                     .where(Codice.frase_id.in_(frasi[i:i + 900]), Codice.fonte != "umano")
                                     .group_by(Codice.frase_id)):
            out[fid] = autore
    return out


def conteggi_codice_associazione(s: Session, filtri: Filtri, *,
                                 prefisso: str | None = None) -> list[dict[str, Any]]:
    """Code × association: sentences and stories (the crosstab of the "Ansie e proposte" page)."""
    ce = _codici_effettivi()
    cond = [*condizioni(s, filtri)]
    if prefisso:
        cond.append(or_(ce.c.codice == prefisso, ce.c.codice.like(prefisso + ".%")))
    righe = s.execute(
        select(ce.c.codice, _nome_associazione(), func.count(func.distinct(ce.c.frase_id)),
               func.count(func.distinct(Racconto.id)))
        .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
        .join(Racconto, Racconto.id == Frase.racconto_id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .where(*cond).group_by(ce.c.codice, _nome_associazione()))
    return [{"codice": c, "associazione": a, "frasi": nf, "racconti": nr} for c, a, nf, nr in righe]


def conteggi_aree(s: Session, filtri: Filtri) -> list[dict[str, Any]]:
    """Proposals by Piano di Zona area and association: sentences, stories, confirmed by staff."""
    ce = _codici_effettivi()
    ae = _aree_effettive()
    righe = s.execute(
        select(ae.c.area, _nome_associazione(), func.count(func.distinct(Frase.id)),
               func.count(func.distinct(Racconto.id)),
               func.count(func.distinct(case((ae.c.fonte == "umano", Frase.id)))))
        .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
        .join(Racconto, Racconto.id == Frase.racconto_id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .outerjoin(ae, ae.c.frase_id == Frase.id)
        .where(*condizioni(s, filtri), ce.c.codice == "proposta")
        .group_by(ae.c.area, _nome_associazione()))
    return [{"area": a, "associazione": ass, "proposte": n, "racconti": nr, "confermate": nc}
            for a, ass, n, nr, nc in righe]


def codici_per_data(s: Session, filtri: Filtri) -> list[dict[str, Any]]:
    """Coded sentences per story date and code (pages group the dates by month)."""
    ce = _codici_effettivi()
    data = _data_effettiva(s)
    righe = s.execute(
        select(data, ce.c.codice, func.count(func.distinct(ce.c.frase_id)))
        .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
        .join(Racconto, Racconto.id == Frase.racconto_id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .where(*condizioni(s, filtri)).group_by(data, ce.c.codice))
    return [{"data": _a_data(d), "codice": c, "frasi": n} for d, c, n in righe]


def testi_citabili(s: Session, filtri: Filtri, *, limite: int | None = None) -> list[dict[str, Any]]:
    """Anonymised text and attributes of the filtered stories whose narrator consented to quotation
    (the sources of a REFI-QDA export)."""
    q = (select(Racconto.id, Racconto.codice, Racconto.testo_anon, _nome_associazione(), Racconto.quartiere,
                Racconto.fascia_eta, Racconto.ruolo, Racconto.periodo, _data_effettiva(s), Racconto.canale)
         .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
         .where(*condizioni(s, filtri), Racconto.consenso_citazione.is_(True)).order_by(Racconto.id))
    if limite:
        q = q.limit(limite)
    chiavi = ("id", "codice", "testo", "associazione", "quartiere", "fascia_eta", "ruolo", "periodo", "data",
              "canale")
    return [{**dict(zip(chiavi, r, strict=True)), "data": _a_data(r[8]), "testo": r[2] or ""}
            for r in s.execute(q)]


def codici_per_racconto(s: Session, filtri: Filtri) -> list[tuple[int, str]]:
    """Distinct (story id, first-level code) pairs among the filtered stories (crosstabs by theme)."""
    ce = _codici_effettivi()
    return [(r, c) for r, c in s.execute(
        select(Frase.racconto_id, ce.c.codice).distinct()
        .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
        .join(Racconto, Racconto.id == Frase.racconto_id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .where(*condizioni(s, filtri), ~ce.c.codice.contains(".")))]


def racconti_per_associazione(s: Session, filtri: Filtri) -> dict[str, int]:
    """Association → filtered stories (denominators for shares and small-cell suppression)."""
    righe = s.execute(select(_nome_associazione(), func.count(Racconto.id))
                      .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
                      .where(*condizioni(s, filtri)).group_by(_nome_associazione()))
    return {a: n for a, n in righe}


# --------------------------------------------------------------------------------------- anonymisation review
@dataclass(frozen=True)
class InRevisione:
    racconto_id: int
    codice: str
    titolo: str | None
    associazione: str
    motivi: list[str]
    creata_il: datetime
    parole: int
    grezzo_disponibile: bool


def coda_revisione(s: Session) -> list[InRevisione]:
    """Stories held for the administrator (oldest first). No text here: the list is safe to show."""
    righe = s.execute(
        select(Racconto.id, Racconto.codice, Racconto.titolo, _nome_associazione(), Revisione.motivi,
               Revisione.creata_il, Racconto.parole, TestoGrezzo.testo_cifrato.is_not(None))
        .join(Revisione, Revisione.racconto_id == Racconto.id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .outerjoin(TestoGrezzo, TestoGrezzo.racconto_id == Racconto.id)
        .where(Revisione.stato == "in_attesa").order_by(Revisione.creata_il, Racconto.id))
    return [InRevisione(i, c, t, a, [str(m) for m in (mot or [])], cr, p or 0, bool(g))
            for i, c, t, a, mot, cr, p, g in righe]


@dataclass
class DettaglioRevisione:
    """A held story decrypted for review: raw and anonymised text, the stored placeholders, the decrypted
    placeholder payload (mapping and raw spans, read by ``analisi.anonimizzazione.revisione``)."""

    racconto_id: int
    codice: str
    grezzo: str
    testo_anon: str
    entita: list[Segnaposto]
    motivi: list[str]
    mappa: str = ""  # the decrypted payload of ``testi_grezzi.mappa_cifrata`` ("" when none)
    # the free-text fields (title, zone, other association, import file name): raw and anonymised
    campi_grezzi: dict[str, str] = field(default_factory=dict)
    campi_anon: dict[str, str | None] = field(default_factory=dict)


def dettaglio_revisione(s: Session, racconto_id: int, cifrario: Cifrario, *, ruolo: str,
                        chi: str) -> DettaglioRevisione:
    """Decrypt a held story for review. Only the administrator may call this; the reading is audited."""
    if ruolo != RUOLO_AMMINISTRATORE:
        raise PermessoNegato("solo l'amministratore può leggere il testo originale")
    riga = s.execute(select(Racconto.codice, Racconto.testo_anon, TestoGrezzo.testo_cifrato,
                            TestoGrezzo.mappa_cifrata, Revisione.motivi, TestoGrezzo.campi_cifrati,
                            Racconto.titolo, Racconto.quartiere, Racconto.associazione_altra)
                     .outerjoin(TestoGrezzo, TestoGrezzo.racconto_id == Racconto.id)
                     .outerjoin(Revisione, Revisione.racconto_id == Racconto.id)
                     .where(Racconto.id == racconto_id)).first()
    if riga is None:
        raise ErroreCruscotto("racconto inesistente")
    codice, anon, cifrato, mappa_cifrata, motivi, campi_cifrati = riga[:6]
    campi_anon = dict(zip(CAMPI_LIBERI, riga[6:], strict=True))
    if cifrato is None:
        raise ErroreCruscotto("il testo originale non è più disponibile (periodo di conservazione scaduto)")
    grezzo = cifrario.decifra(cifrato)
    mappa = cifrario.decifra(mappa_cifrata) if mappa_cifrata else ""
    entita = [Segnaposto(e.inizio, e.fine, e.etichetta, e.segnaposto, e.punteggio, e.fonte)
              for e in s.scalars(select(Entita).where(Entita.racconto_id == racconto_id).order_by(Entita.inizio))]
    audit.registra(s, chi, "grezzo_letto", codice, {"motivo": "revisione_anonimizzazione"})
    return DettaglioRevisione(racconto_id, codice, grezzo, anon or "", entita, [str(m) for m in (motivi or [])],
                              mappa, decifra_campi(campi_cifrati, cifrario), campi_anon)


def salva_mappa_revisione(s: Session, racconto_id: int, mappa_cifrata: bytes) -> None:
    """Store a story's encrypted placeholder payload (its raw spans rebuilt once for an older story)."""
    s.execute(update(TestoGrezzo).where(TestoGrezzo.racconto_id == racconto_id).values(mappa_cifrata=mappa_cifrata))


def testi_da_approvare(s: Session, racconto_id: int, cifrario: Cifrario, *, ruolo: str,
                       grezzo: bool = True) -> tuple[str, str]:
    """(story code, the text a review's spans index: the decrypted raw text, or the anonymised one when
    ``grezzo`` is false). Only the administrator may approve."""
    if ruolo != RUOLO_AMMINISTRATORE:
        raise PermessoNegato("solo l'amministratore può approvare un'anonimizzazione")
    riga = s.execute(select(Racconto.codice, Racconto.testo_anon, TestoGrezzo.testo_cifrato)
                     .outerjoin(TestoGrezzo, TestoGrezzo.racconto_id == Racconto.id)
                     .where(Racconto.id == racconto_id)).first()
    if riga is None:
        raise ErroreCruscotto("racconto inesistente")
    codice, anon, cifrato = riga
    if not grezzo:
        return codice, anon or ""
    if cifrato is None:
        raise ErroreCruscotto("il testo originale non è più disponibile")
    return codice, cifrario.decifra(cifrato)


def registra_approvazione(s: Session, racconto_id: int, testo_anon: str, segnaposti: Sequence[Segnaposto],
                          mappa_cifrata: bytes | None, *, ruolo: str, chi: str, aggiunti: int,
                          base_grezza: bool) -> None:
    """Store the reviewed anonymisation (text, placeholder rows, encrypted payload: left as it was when None)
    and release the story to researchers.

    Later stages (sentences, codes, themes) are reset for the story so that ``elabora`` redoes them.
    The audit row records counts, never text.
    """
    if ruolo != RUOLO_AMMINISTRATORE:
        raise PermessoNegato("solo l'amministratore può approvare un'anonimizzazione")
    codice = s.scalar(select(Racconto.codice).where(Racconto.id == racconto_id))
    if codice is None:
        raise ErroreCruscotto("racconto inesistente")
    s.execute(delete(Entita).where(Entita.racconto_id == racconto_id))
    s.add_all(Entita(racconto_id=racconto_id, inizio=p.inizio, fine=p.fine, etichetta=p.etichetta,
                     segnaposto=p.segnaposto, punteggio=p.punteggio, fonte=p.fonte[:40]) for p in segnaposti)
    valori: dict[str, Any] = {"approvato_il": adesso()}
    if mappa_cifrata is not None:
        valori["mappa_cifrata"] = mappa_cifrata
    s.execute(update(TestoGrezzo).where(TestoGrezzo.racconto_id == racconto_id).values(**valori))
    s.execute(update(Racconto).where(Racconto.id == racconto_id)
              .values(testo_anon=testo_anon, stato_anon="approvato", visibile=True))
    s.execute(update(Revisione).where(Revisione.racconto_id == racconto_id)
              .values(stato="approvato", revisore=chi, rivista_il=adesso()))
    # sentences and everything after them index the old text: the pipeline must redo them
    s.execute(delete(StatoStadio).where(StatoStadio.racconto_id == racconto_id,
                                        StatoStadio.stadio != "anonimizza"))
    audit.registra(s, chi, "anonimizzazione_approvata", codice,
                   {"segnaposti": len(segnaposti), "aggiunti": aggiunti,
                    "base": "grezzo" if base_grezza else "anon"})


# ------------------------------------------------------------------------------------------ users, retention
@dataclass(frozen=True)
class UtenteDettaglio:
    nome_utente: str
    ruolo: str
    attivo: bool
    creato_il: datetime
    ultimo_accesso: datetime | None


def utenti(s: Session) -> list[UtenteDettaglio]:
    return [UtenteDettaglio(u.nome_utente, u.ruolo, u.attivo, u.creato_il, u.ultimo_accesso)
            for u in s.scalars(select(Utente).order_by(Utente.nome_utente))]


def stato_utente(s: Session, nome_utente: str) -> tuple[str, bool] | None:
    """(role, active) of a user, read at every page run so that a deactivation takes effect at once."""
    riga = s.execute(select(Utente.ruolo, Utente.attivo).where(Utente.nome_utente == nome_utente)).first()
    return (str(riga[0]), bool(riga[1])) if riga else None


def _amministratori_attivi(s: Session) -> int:
    return s.scalar(select(func.count(Utente.id)).where(Utente.ruolo == RUOLO_AMMINISTRATORE,
                                                         Utente.attivo.is_(True))) or 0


def imposta_attivo(s: Session, nome_utente: str, attivo: bool, *, chi: str) -> None:
    """Activate or deactivate a user; the last active administrator cannot be deactivated."""
    u = s.scalar(select(Utente).where(Utente.nome_utente == nome_utente))
    if u is None:
        raise ErroreCruscotto(f"utente inesistente: {nome_utente}")
    if not attivo and u.attivo and u.ruolo == RUOLO_AMMINISTRATORE and _amministratori_attivi(s) <= 1:
        raise ErroreCruscotto("non si può disattivare l'ultimo amministratore attivo")
    u.attivo = attivo
    audit.registra(s, chi, "utente_attivato" if attivo else "utente_disattivato", nome_utente)


def imposta_ruolo(s: Session, nome_utente: str, ruolo: str, *, chi: str) -> None:
    """Change a user's role; the last active administrator keeps theirs."""
    if ruolo not in RUOLI_UTENTE:
        raise ErroreCruscotto(f"ruolo sconosciuto: {ruolo}")
    u = s.scalar(select(Utente).where(Utente.nome_utente == nome_utente))
    if u is None:
        raise ErroreCruscotto(f"utente inesistente: {nome_utente}")
    if u.ruolo == RUOLO_AMMINISTRATORE and ruolo != u.ruolo and u.attivo and _amministratori_attivi(s) <= 1:
        raise ErroreCruscotto("l'ultimo amministratore attivo non può cambiare ruolo")
    vecchio, u.ruolo = u.ruolo, ruolo
    audit.registra(s, chi, "utente_ruolo", nome_utente, {"da": vecchio, "a": ruolo})


def stato_conservazione(s: Session, conservazione_giorni: int) -> dict[str, int]:
    """Raw texts kept, waiting for review, within the retention period, overdue, already erased."""
    limite = adesso() - timedelta(days=conservazione_giorni)
    presenti = TestoGrezzo.testo_cifrato.is_not(None)
    conta = lambda *c: s.scalar(select(func.count()).select_from(TestoGrezzo)  # noqa: E731
                                .join(Racconto, Racconto.id == TestoGrezzo.racconto_id).where(*c)) or 0
    return {
        "conservati": conta(presenti),
        "non_approvati": conta(presenti, TestoGrezzo.approvato_il.is_(None)),
        "nel_periodo": conta(presenti, TestoGrezzo.approvato_il.is_not(None),
                             TestoGrezzo.approvato_il > limite),
        "scaduti": conta(presenti, TestoGrezzo.approvato_il.is_not(None), TestoGrezzo.approvato_il <= limite,
                         Racconto.stato_anon == "approvato"),
        "eliminati": conta(TestoGrezzo.eliminato_il.is_not(None)),
    }


def ultimi_eventi(s: Session, limite: int = 200) -> list[dict[str, Any]]:
    """The latest audit rows (who, what, on which code: never story content)."""
    return [{"quando": a.quando, "chi": a.chi, "azione": a.azione, "oggetto": a.oggetto,
             "dettagli": json.dumps(a.dettagli, ensure_ascii=False) if a.dettagli else ""}
            for a in audit.ultime(s, limite)]


# ------------------------------------------------------------------------------------------- coding review
CRITERI_CODIFICA = {
    "scelte": "Frasi da cui il modello impara di più (incertezza e varietà, come «codifica scegli»)",
    "incerte": "Frasi incerte (il modello è tra il 35% e il 65% su qualche codice)",
    "proposte": "Proposte con l'area del Piano di Zona da confermare",
    "non_riviste": "Frasi non ancora riviste da una persona",
    "riviste": "Frasi già riviste (per ricontrollare)",
}


def coda_codifica(s: Session, filtri: Filtri, criterio: str, *, codice: str | None = None,
                  limite: int = 500) -> list[int]:
    """Ids of sentences to review, in story and sentence order (``codice``: only those coded so).

    "scelte" returns the candidates of the learning queue (sentences nobody reviewed); the page orders them
    as ``codifica scegli`` does (analisi.codifica.continuo.ordina_coda)."""
    umane = select(Codice.frase_id).where(Codice.fonte == "umano")
    q = (select(Frase.id).join(Racconto, Racconto.id == Frase.racconto_id)
         .outerjoin(Associazione, Racconto.associazione_id == Associazione.id).where(*condizioni(s, filtri)))
    if criterio == "incerte":
        incerte = select(Codice.frase_id).where(Codice.fonte != "umano", Codice.probabilita >= 0.35,
                                                Codice.probabilita <= 0.65, ~Codice.codice.contains("."))
        q = q.where(Frase.id.in_(incerte), Frase.id.not_in(umane))
    elif criterio == "proposte":
        ce = _codici_effettivi()
        confermate = select(PianoFrase.frase_id).where(PianoFrase.fonte == "umano")
        q = q.where(Frase.id.in_(select(ce.c.frase_id).where(ce.c.codice == "proposta")),
                    Frase.id.not_in(confermate))
    elif criterio == "riviste":
        q = q.where(Frase.id.in_(umane))
    else:
        q = q.where(Frase.id.not_in(umane))
    if codice:
        ce2 = _codici_effettivi()
        q = q.where(Frase.id.in_(select(ce2.c.frase_id).where(ce2.c.codice == codice)))
    return list(s.scalars(q.order_by(Racconto.id, Frase.indice).limit(limite)))


@dataclass(frozen=True)
class FraseInRevisione:
    """One sentence on the coding page: its context, the model's view, the people's decisions, its area."""

    id: int
    racconto: str
    associazione: str
    indice: int
    testo: str
    precedente: str | None
    seguente: str | None
    probabilita: dict[str, float]
    effettivi: tuple[str, ...]
    decisioni: dict[str, bool]  # this person's latest decisions
    area: str | None
    scheda: str | None
    fonte_area: str | None
    punteggio_area: float | None
    seconda_area: str | None = None  # the model's runner-up area and its confidence
    punteggio_seconda: float | None = None


def testi_frasi(s: Session, frase_ids: Sequence[int]) -> dict[int, str]:
    """Sentence id → text, for sentences of visible stories."""
    out: dict[int, str] = {}
    ids = list(frase_ids)
    for i in range(0, len(ids), 900):
        out.update(s.execute(select(Frase.id, Frase.testo).join(Racconto, Racconto.id == Frase.racconto_id)
                             .where(Frase.id.in_(ids[i:i + 900]), Racconto.visibile.is_(True))).all())
    return out


def frase_in_revisione(s: Session, frase_id: int, autore: str) -> FraseInRevisione | None:
    riga = s.execute(select(Frase, Racconto.codice, _nome_associazione())
                     .join(Racconto, Racconto.id == Frase.racconto_id)
                     .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
                     .where(Frase.id == frase_id, Racconto.visibile.is_(True))).first()
    if riga is None:
        return None
    f, codice_racconto, ass = riga
    vicine = dict(s.execute(select(Frase.indice, Frase.testo).where(
        Frase.racconto_id == f.racconto_id, Frase.indice.in_([f.indice - 1, f.indice + 1]))).all())
    probabilita = {c: float(p) if p is not None else 1.0 for c, p in s.execute(
        select(Codice.codice, Codice.probabilita)
        .where(Codice.frase_id == frase_id, Codice.fonte != "umano"))}
    decisioni = {c: bool(v) for c, v in s.execute(
        select(Codice.codice, Codice.valore).where(Codice.frase_id == frase_id, Codice.fonte == "umano",
                                                   Codice.autore == autore).order_by(Codice.id))}
    ce = _codici_effettivi()
    effettivi = tuple(sorted(s.scalars(select(ce.c.codice).where(ce.c.frase_id == frase_id))))
    ae = _aree_effettive()
    area = s.execute(select(ae.c.area, ae.c.scheda, ae.c.fonte, ae.c.punteggio, ae.c.seconda_area,
                            ae.c.punteggio_seconda).where(ae.c.frase_id == frase_id)).first()
    return FraseInRevisione(f.id, codice_racconto, ass, f.indice, f.testo, vicine.get(f.indice - 1),
                            vicine.get(f.indice + 1), probabilita, effettivi, decisioni,
                            area[0] if area else None, area[1] if area else None, area[2] if area else None,
                            area[3] if area else None, area[4] if area else None, area[5] if area else None)


def avanzamento_codifica(s: Session, autore: str) -> dict[str, int]:
    """Sentences reviewed by this person and by anyone (for the page's progress line)."""
    return {
        "mie": s.scalar(select(func.count(func.distinct(Codice.frase_id)))
                        .where(Codice.fonte == "umano", Codice.autore == autore)) or 0,
        "tutte": s.scalar(select(func.count(func.distinct(Codice.frase_id)))
                          .where(Codice.fonte == "umano")) or 0,
        "aree_confermate": s.scalar(select(func.count(func.distinct(PianoFrase.frase_id)))
                                    .where(PianoFrase.fonte == "umano")) or 0,
    }


def frasi_di(s: Session, racconto_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """Sentences (index, text) of these visible stories."""
    out: dict[int, list[tuple[int, str]]] = {}
    ids = list(racconto_ids)
    for i in range(0, len(ids), 500):
        for rid, indice, testo in s.execute(
                select(Frase.racconto_id, Frase.indice, Frase.testo)
                .join(Racconto, Racconto.id == Frase.racconto_id)
                .where(Frase.racconto_id.in_(ids[i:i + 500]), Racconto.visibile.is_(True))
                .order_by(Frase.racconto_id, Frase.indice)):
            out.setdefault(rid, []).append((indice, testo))
    return out


def testi_visibili(s: Session) -> dict[int, str]:
    """Story id → anonymised text, for every visible story (word counts for distinctive words)."""
    return {i: t or "" for i, t in s.execute(select(Racconto.id, Racconto.testo_anon)
                                             .where(Racconto.visibile.is_(True)))}


# ------------------------------------------------------------------ per-story aggregates (cached by pages)
def codici_per_racconto_tutti(s: Session) -> list[tuple[int, str, int]]:
    """(story id, code, sentences with that code) for every visible story, sub-codes included.

    The same rule as :func:`_codici_effettivi`, computed the cheap way for the whole store: the model's
    codes from :data:`SOGLIA` counted in SQL, then corrected by the people's latest decisions (few rows).
    Pages cache this and filter it in memory, so that a filter change does not recount 10^5-10^6 code rows.
    """
    modello_vale = and_(Codice.fonte != "umano", Codice.valore.is_(True),
                        or_(Codice.probabilita.is_(None), Codice.probabilita >= SOGLIA))
    visibili = select(Racconto.id).where(Racconto.visibile.is_(True))
    conteggi: dict[tuple[int, str], int] = {
        (r, c): n for r, c, n in s.execute(
            select(Frase.racconto_id, Codice.codice, func.count()).join(Frase, Frase.id == Codice.frase_id)
            .where(Frase.racconto_id.in_(visibili), modello_vale).group_by(Frase.racconto_id, Codice.codice))}
    umano = aliased(Codice)
    ultimo = (select(func.max(umano.id))
              .where(umano.frase_id == Codice.frase_id, umano.codice == Codice.codice, umano.fonte == "umano")
              .scalar_subquery())
    decisioni = s.execute(select(Codice.frase_id, Codice.codice, Codice.valore, Frase.racconto_id)
                          .join(Frase, Frase.id == Codice.frase_id)
                          .where(Frase.racconto_id.in_(visibili), Codice.fonte == "umano",
                                 Codice.id == ultimo)).all()
    if decisioni:
        frasi = sorted({f for f, *_ in decisioni})
        del_modello: set[tuple[int, str]] = set()
        for i in range(0, len(frasi), 900):
            del_modello.update((f, c) for f, c in s.execute(
                select(Codice.frase_id, Codice.codice)
                .where(Codice.frase_id.in_(frasi[i:i + 900]), modello_vale)))
        for f, c, valore, r in decisioni:
            dice_il_modello = (f, c) in del_modello
            if valore and not dice_il_modello:
                conteggi[(r, c)] = conteggi.get((r, c), 0) + 1
            elif not valore and dice_il_modello:
                conteggi[(r, c)] -= 1
    return [(r, c, n) for (r, c), n in conteggi.items() if n > 0]


def frasi_per_racconto(s: Session) -> dict[int, int]:
    """Visible story id → number of sentences."""
    visibili = select(Racconto.id).where(Racconto.visibile.is_(True))
    return {r: n for r, n in s.execute(select(Frase.racconto_id, func.count())
                                       .where(Frase.racconto_id.in_(visibili)).group_by(Frase.racconto_id))}


def aree_per_racconto(s: Session) -> list[tuple[int, str | None, int, int]]:
    """(story id, Piano di Zona area or None, proposal sentences, of which confirmed by staff)."""
    ce = _codici_effettivi()
    ae = _aree_effettive()
    righe = s.execute(
        select(Frase.racconto_id, ae.c.area, func.count(func.distinct(Frase.id)),
               func.count(func.distinct(case((ae.c.fonte == "umano", Frase.id)))))
        .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
        .join(Racconto, Racconto.id == Frase.racconto_id)
        .outerjoin(ae, ae.c.frase_id == Frase.id)
        .where(Racconto.visibile.is_(True), ce.c.codice == "proposta")
        .group_by(Frase.racconto_id, ae.c.area))
    return [(r, a, n, nc) for r, a, n, nc in righe]
