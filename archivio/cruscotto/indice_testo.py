"""The full-text index: a query parsed into terms, and the SQL condition that finds them.

SQLite FTS5 (table ``racconti_fts``, kept in sync by triggers, migration 0006) or PostgreSQL's
``to_tsvector('italian', ...)`` (GIN index, migration 0006). On a database without them the search falls
back to a plain ``LIKE`` so that the dashboard never breaks; the result is the same, only slower.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, and_, column, false, func, text
from sqlalchemy.orm import Session

from archivio.tabelle import Racconto

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


def condizione_testo(s: Session, testo: str) -> ColumnElement[bool]:
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
