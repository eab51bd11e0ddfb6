"""Full-text search over the filtered, visible stories: the rows the search and the keyword-in-context
read (``racconti.testo_anon`` only). Finding and highlighting the words in the text is ``analisi.ricerca``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archivio.cruscotto.filtri import Filtri, come_data, condizioni, data_effettiva, nome_associazione
from archivio.tabelle import Associazione, Racconto


@dataclass(frozen=True)
class RaccontoTrovato:
    """A story the search found, with its anonymised text (for the excerpt)."""

    codice: str
    titolo: str | None
    associazione: str
    data: date | None
    parole: int
    testo: str


def trovati(s: Session, filtri: Filtri, *, limite: int = 100,
            offset: int = 0) -> tuple[int, list[RaccontoTrovato]]:
    """Stories matching the filters (and the full-text query in ``filtri.testo``): total and one page."""
    base = (select(Racconto.id).outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
            .where(*condizioni(s, filtri)))
    totale = s.scalar(select(func.count()).select_from(base.subquery())) or 0
    righe = s.execute(
        select(Racconto.codice, Racconto.titolo, nome_associazione(), data_effettiva(s), Racconto.parole,
               Racconto.testo_anon)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .where(*condizioni(s, filtri)).order_by(Racconto.id).limit(limite).offset(offset)).all()
    return totale, [RaccontoTrovato(codice, titolo, ass, come_data(data), parole or 0, testo or "")
                    for codice, titolo, ass, data, parole, testo in righe]


def testi_trovati(s: Session, filtri: Filtri, *, limite: int = 2000) -> list[tuple[str, str, str]]:
    """(code, association, anonymised text) of the first ``limite`` filtered stories, in story order."""
    righe = s.execute(select(Racconto.codice, nome_associazione(), Racconto.testo_anon)
                      .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
                      .where(*condizioni(s, filtri)).order_by(Racconto.id).limit(limite))
    return [(codice, ass, testo or "") for codice, ass, testo in righe]
