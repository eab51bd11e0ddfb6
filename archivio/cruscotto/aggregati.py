"""Counts over the filtered stories (overview, codes, areas, dates, associations) and per-story aggregates
(sentences, codes, areas) for crosstabs and exports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from archivio.cruscotto.filtri import (
    SOGLIA,
    Filtri,
    aree_effettive,
    codici_effettivi,
    come_data,
    condizioni,
    data_effettiva,
    ids_filtrati,
    nome_associazione,
    tema_principale,
)
from archivio.tabelle import Associazione, Codice, Frase, Racconto, StatoStadio, Tema


def temi_principali(s: Session, ids: Iterable[int]) -> dict[int, str]:
    """Story id → label of its main theme (for exports and lists)."""
    ids = list(ids)
    out: dict[int, str] = {}
    principale = tema_principale()
    for i in range(0, len(ids), 900):
        righe = s.execute(select(principale.c.racconto_id, Tema.etichetta)
                          .join(Tema, Tema.id == principale.c.tema_id)
                          .where(principale.c.racconto_id.in_(ids[i:i + 900])))
        out.update({r: e for r, e in righe})
    return out


# ----------------------------------------------------------------------------------------------- overview
def racconti_filtrati(s: Session, filtri: Filtri, *, limite: int | None = None) -> list[dict[str, Any]]:
    """One row of metadata per visible story matching the filters (no text): the overview's table."""
    q = (select(Racconto.id, Racconto.codice, Racconto.titolo, nome_associazione().label("associazione"),
                Racconto.quartiere, Racconto.fascia_eta, Racconto.ruolo, Racconto.periodo,
                data_effettiva(s).label("data"), Racconto.canale, Racconto.parole,
                Racconto.consenso_citazione)
         .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
         .where(*condizioni(s, filtri)).order_by(Racconto.id))
    if limite:
        q = q.limit(limite)
    chiavi = ("id", "codice", "titolo", "associazione", "quartiere", "fascia_eta", "ruolo", "periodo", "data",
              "canale", "parole", "citabile")
    return [{**dict(zip(chiavi, r, strict=True)), "data": come_data(r[8])} for r in s.execute(q)]


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
    ce = codici_effettivi()
    frasi_tot = s.scalar(select(func.count(Frase.id)).where(Frase.racconto_id.in_(select(ids.c.id)))) or 0
    righe = s.execute(select(ce.c.codice, func.count(func.distinct(ce.c.frase_id)),
                             func.count(func.distinct(Frase.racconto_id)))
                      .join(Frase, Frase.id == ce.c.frase_id)
                      .where(Frase.racconto_id.in_(select(ids.c.id)))
                      .group_by(ce.c.codice).order_by(ce.c.codice))
    return [{"codice": c, "frasi": nf, "racconti": nr, "quota_frasi": (nf / frasi_tot) if frasi_tot else 0.0}
            for c, nf, nr in righe]


def conteggi_codice_associazione(s: Session, filtri: Filtri, *,
                                 prefisso: str | None = None) -> list[dict[str, Any]]:
    """Code × association: sentences and stories (the crosstab of the "Ansie e proposte" page)."""
    ce = codici_effettivi()
    cond = [*condizioni(s, filtri)]
    if prefisso:
        cond.append(or_(ce.c.codice == prefisso, ce.c.codice.like(prefisso + ".%")))
    righe = s.execute(
        select(ce.c.codice, nome_associazione(), func.count(func.distinct(ce.c.frase_id)),
               func.count(func.distinct(Racconto.id)))
        .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
        .join(Racconto, Racconto.id == Frase.racconto_id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .where(*cond).group_by(ce.c.codice, nome_associazione()))
    return [{"codice": c, "associazione": a, "frasi": nf, "racconti": nr} for c, a, nf, nr in righe]


def conteggi_aree(s: Session, filtri: Filtri) -> list[dict[str, Any]]:
    """Proposals by Piano di Zona area and association: sentences, stories, confirmed by staff."""
    ce = codici_effettivi()
    ae = aree_effettive()
    righe = s.execute(
        select(ae.c.area, nome_associazione(), func.count(func.distinct(Frase.id)),
               func.count(func.distinct(Racconto.id)),
               func.count(func.distinct(case((ae.c.fonte == "umano", Frase.id)))))
        .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
        .join(Racconto, Racconto.id == Frase.racconto_id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .outerjoin(ae, ae.c.frase_id == Frase.id)
        .where(*condizioni(s, filtri), ce.c.codice == "proposta")
        .group_by(ae.c.area, nome_associazione()))
    return [{"area": a, "associazione": ass, "proposte": n, "racconti": nr, "confermate": nc}
            for a, ass, n, nr, nc in righe]


def codici_per_data(s: Session, filtri: Filtri) -> list[dict[str, Any]]:
    """Coded sentences per story date and code (pages group the dates by month)."""
    ce = codici_effettivi()
    data = data_effettiva(s)
    righe = s.execute(
        select(data, ce.c.codice, func.count(func.distinct(ce.c.frase_id)))
        .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
        .join(Racconto, Racconto.id == Frase.racconto_id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .where(*condizioni(s, filtri)).group_by(data, ce.c.codice))
    return [{"data": come_data(d), "codice": c, "frasi": n} for d, c, n in righe]


def testi_citabili(s: Session, filtri: Filtri, *, limite: int | None = None) -> list[dict[str, Any]]:
    """Anonymised text and attributes of the filtered stories whose narrator consented to quotation
    (the sources of a REFI-QDA export)."""
    q = (select(Racconto.id, Racconto.codice, Racconto.testo_anon, nome_associazione(), Racconto.quartiere,
                Racconto.fascia_eta, Racconto.ruolo, Racconto.periodo, data_effettiva(s), Racconto.canale)
         .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
         .where(*condizioni(s, filtri), Racconto.consenso_citazione.is_(True)).order_by(Racconto.id))
    if limite:
        q = q.limit(limite)
    chiavi = ("id", "codice", "testo", "associazione", "quartiere", "fascia_eta", "ruolo", "periodo", "data",
              "canale")
    return [{**dict(zip(chiavi, r, strict=True)), "data": come_data(r[8]), "testo": r[2] or ""}
            for r in s.execute(q)]


def codici_per_racconto(s: Session, filtri: Filtri) -> list[tuple[int, str]]:
    """Distinct (story id, first-level code) pairs among the filtered stories (crosstabs by theme)."""
    ce = codici_effettivi()
    return [(r, c) for r, c in s.execute(
        select(Frase.racconto_id, ce.c.codice).distinct()
        .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
        .join(Racconto, Racconto.id == Frase.racconto_id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .where(*condizioni(s, filtri), ~ce.c.codice.contains(".")))]


def racconti_per_associazione(s: Session, filtri: Filtri) -> dict[str, int]:
    """Association → filtered stories (denominators for shares and small-cell suppression)."""
    righe = s.execute(select(nome_associazione(), func.count(Racconto.id))
                      .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
                      .where(*condizioni(s, filtri)).group_by(nome_associazione()))
    return {a: n for a, n in righe}


# --------------------------------------------------------------------------------------- anonymisation review
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

    The same rule as :func:`codici_effettivi`, computed the cheap way for the whole store: the model's
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
    ce = codici_effettivi()
    ae = aree_effettive()
    righe = s.execute(
        select(Frase.racconto_id, ae.c.area, func.count(func.distinct(Frase.id)),
               func.count(func.distinct(case((ae.c.fonte == "umano", Frase.id)))))
        .select_from(ce).join(Frase, Frase.id == ce.c.frase_id)
        .join(Racconto, Racconto.id == Frase.racconto_id)
        .outerjoin(ae, ae.c.frase_id == Frase.id)
        .where(Racconto.visibile.is_(True), ce.c.codice == "proposta")
        .group_by(Frase.racconto_id, ae.c.area))
    return [(r, a, n, nc) for r, a, n, nc in righe]
