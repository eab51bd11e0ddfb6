"""The dashboard's filters: what the researcher selected (:class:`Filtri`), the SQL conditions for it, the
values offered, and the subqueries of the codes, areas and main themes that hold (used by every count)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, exists, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from archivio.cruscotto.indice_testo import condizione_testo
from archivio.periodi import data_narrata
from archivio.politiche import CODICI
from archivio.tabelle import AssegnazioneTema, Associazione, Codice, Frase, Racconto, Tema
from archivio.tabelle_codifica import PianoFrase

NESSUNA_ASSOCIAZIONE = "(nessuna)"
SOGLIA = 0.5  # a model code holds from this probability (the default of archivio.codifica)
CODICI_PRIMO_LIVELLO = CODICI


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


def data_effettiva(s: Session) -> ColumnElement[Any]:
    """The story's narrated date: the one the narrator gave, else the middle of the chosen period, else NULL
    (never the day it was sent: see ``archivio.periodi``)."""
    return data_narrata(s.get_bind().dialect.name == "sqlite")


def nome_associazione() -> ColumnElement[Any]:
    # a literal, not a bound parameter: PostgreSQL matches GROUP BY expressions textually
    return func.coalesce(Associazione.nome, Racconto.associazione_altra,
                         literal_column(f"'{NESSUNA_ASSOCIAZIONE}'", String))


def _in(colonna: Any, valori: Sequence[Any]) -> ColumnElement[bool]:
    return colonna.in_(list(valori))


def condizioni(s: Session, filtri: Filtri) -> list[ColumnElement[bool]]:
    """WHERE conditions on ``racconti`` (joined to ``associazioni``) for the filters; visible stories only."""
    cond: list[ColumnElement[bool]] = [Racconto.visibile.is_(True)]
    if filtri.associazioni:
        cond.append(_in(nome_associazione(), filtri.associazioni))
    for colonna, valori in ((Racconto.quartiere, filtri.quartieri), (Racconto.fascia_eta, filtri.fasce_eta),
                            (Racconto.ruolo, filtri.ruoli), (Racconto.periodo, filtri.periodi),
                            (Racconto.canale, filtri.canali)):
        if valori:
            cond.append(_in(colonna, valori))
    data = data_effettiva(s)
    if filtri.dal:
        cond.append(data >= filtri.dal)
    if filtri.al:
        cond.append(data <= filtri.al)
    if filtri.solo_citabili:
        cond.append(Racconto.consenso_citazione.is_(True))
    if filtri.temi:
        cond.append(Racconto.id.in_(_racconti_con_tema_principale(filtri.temi)))
    if filtri.codici:
        ce = codici_effettivi()
        cond.append(Racconto.id.in_(select(Frase.racconto_id).join(ce, Frase.id == ce.c.frase_id)
                                    .where(ce.c.codice.in_(list(filtri.codici)))))
    if filtri.testo.strip():
        cond.append(condizione_testo(s, filtri.testo))
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

    data = data_effettiva(s)
    minimo, massimo = s.execute(select(func.min(data), func.max(data))
                                .where(Racconto.visibile.is_(True))).one()
    codici = sorted(s.scalars(select(Codice.codice).distinct()))
    return ValoriFiltri(
        associazioni=distinti(nome_associazione()), quartieri=distinti(Racconto.quartiere),
        fasce_eta=distinti(Racconto.fascia_eta), ruoli=distinti(Racconto.ruolo),
        periodi=distinti(Racconto.periodo), canali=distinti(Racconto.canale),
        temi=[(t.id, t.etichetta) for t in s.scalars(select(Tema).where(Tema.attivo.is_(True))
                                                      .order_by(Tema.indice))],
        codici=codici, dal=come_data(minimo), al=come_data(massimo))


def come_data(valore: Any) -> date | None:
    if valore is None or isinstance(valore, date):
        return valore
    return date.fromisoformat(str(valore)[:10])


# --------------------------------------------------------------------------------------- codes and themes
def codici_effettivi() -> Any:
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


def aree_effettive() -> Any:
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
    principale = tema_principale()
    return select(principale.c.racconto_id).where(principale.c.tema_id.in_(list(temi)))


def tema_principale() -> Any:
    """Subquery (racconto_id, tema_id): each story's heaviest active theme."""
    a2 = aliased(AssegnazioneTema)
    t2 = aliased(Tema)
    piu_pesante = (select(a2.tema_id).join(t2, t2.id == a2.tema_id)
                   .where(a2.racconto_id == AssegnazioneTema.racconto_id, t2.attivo.is_(True))
                   .order_by(a2.peso.desc(), a2.tema_id).limit(1).scalar_subquery())
    return (select(AssegnazioneTema.racconto_id, AssegnazioneTema.tema_id)
            .where(AssegnazioneTema.tema_id == piu_pesante).subquery("tema_principale"))
