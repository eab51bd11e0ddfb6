"""A story with its coded sentences, and the coded sentences to quote (with their codes, areas and models).

Only ``racconti.testo_anon`` of *visible* stories is returned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from archivio.cruscotto.aggregati import temi_principali
from archivio.cruscotto.filtri import (
    Filtri,
    aree_effettive,
    codici_effettivi,
    come_data,
    condizioni,
    data_effettiva,
    nome_associazione,
)
from archivio.tabelle import Associazione, Codice, Frase, Racconto


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
    r = s.execute(select(Racconto, nome_associazione(), data_effettiva(s))
                  .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
                  .where(Racconto.codice == codice, Racconto.visibile.is_(True))).first()
    if r is None:
        return None
    rac, ass, data = r
    return RaccontoCompleto(
        id=rac.id, codice=rac.codice, titolo=rac.titolo, associazione=ass, quartiere=rac.quartiere,
        fascia_eta=rac.fascia_eta, ruolo=rac.ruolo, periodo=rac.periodo, data=come_data(data),
        canale=rac.canale, parole=rac.parole, citabile=rac.consenso_citazione, testo=rac.testo_anon or "",
        tema=temi_principali(s, [rac.id]).get(rac.id), frasi=frasi_con_codici(s, rac.id))


def frasi_con_codici(s: Session, racconto_id: int) -> list[FraseCodificata]:
    ce = codici_effettivi()
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
    ce = codici_effettivi()
    ae = aree_effettive()
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
    q = (select(Frase.id, Racconto.id, Racconto.codice, nome_associazione(), Racconto.periodo,
                data_effettiva(s), ce.c.codice, ce.c.fonte, ce.c.probabilita, ce.c.autore,
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
                          data=come_data(data), tema=temi.get(rid), codice=codice, fonte=fonte,
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
