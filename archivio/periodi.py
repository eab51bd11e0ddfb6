"""The narrated time of a story, apart from the day it was sent.

A story's narrated time is the date the narrator gave (``data_racconto``), else the middle of the period
chosen on the form or in the import (``periodo``), else "non indicato" (NULL). The submission date
(``inviato_il``) is never used for timelines or date filters: a story sent in 2026 about the first lockdown
belongs to spring 2020.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, case, func, literal_column, null, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from archivio.tabelle import Racconto


@dataclass(frozen=True)
class Periodo:
    codice: str
    etichetta: str
    inizio: date
    fine: date

    @property
    def data_media(self) -> date:
        """The day a story of this period without its own date is placed at on timelines."""
        return date.fromordinal((self.inizio.toordinal() + self.fine.toordinal()) // 2)


PERIODI: tuple[Periodo, ...] = (
    Periodo("lockdown-2020", "Primo lockdown (marzo-maggio 2020)", date(2020, 3, 9), date(2020, 5, 18)),
    Periodo("estate-2020", "Estate 2020", date(2020, 6, 1), date(2020, 9, 30)),
    Periodo("seconda-ondata", "Seconda ondata (ottobre 2020 - gennaio 2021)", date(2020, 10, 1), date(2021, 1, 31)),
    Periodo("zone-colori-2021", "Zone a colori (febbraio-maggio 2021)", date(2021, 2, 1), date(2021, 5, 31)),
    Periodo("riaperture-2021", "Riaperture (giugno-dicembre 2021)", date(2021, 6, 1), date(2021, 12, 31)),
)
PER_CODICE = {p.codice: p for p in PERIODI}
NON_INDICATO = "non indicato"


def codice_periodo(valore: str | None) -> str | None:
    """The period's code from a code or its label (any case); None for empty or "non indicato".

    Raises:
        ValueError: an unknown period.
    """
    if valore is None:
        return None
    v = " ".join(str(valore).split()).strip()
    if not v or v.lower().replace("-", " ").replace("_", " ") in (NON_INDICATO, "non indicata", "nessuno"):
        return None
    for p in PERIODI:
        if v.lower() in (p.codice, p.etichetta.lower()):
            return p.codice
    raise ValueError(v)


def data_narrata(sqlite: bool) -> ColumnElement[Any]:
    """SQL expression of the narrated date (a ``date`` in results; NULL when not indicated)."""

    def costante(d: date) -> ColumnElement[Any]:
        # a literal, not a bound parameter: PostgreSQL matches GROUP BY expressions textually
        return literal_column(f"'{d.isoformat()}'" if sqlite else f"DATE '{d.isoformat()}'")

    dal_periodo = case(*((Racconto.periodo == literal_column(f"'{p.codice}'"), costante(p.data_media))
                         for p in PERIODI), else_=null())
    return type_coerce(func.coalesce(Racconto.data_racconto, dal_periodo), Date)
