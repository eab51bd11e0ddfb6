"""The coding-review queue: which sentences a person reviews next, one sentence with its codes, progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archivio.cruscotto.filtri import Filtri, aree_effettive, codici_effettivi, condizioni, nome_associazione
from archivio.tabelle import Associazione, Codice, Frase, Racconto
from archivio.tabelle_codifica import PianoFrase

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
        ce = codici_effettivi()
        confermate = select(PianoFrase.frase_id).where(PianoFrase.fonte == "umano")
        q = q.where(Frase.id.in_(select(ce.c.frase_id).where(ce.c.codice == "proposta")),
                    Frase.id.not_in(confermate))
    elif criterio == "riviste":
        q = q.where(Frase.id.in_(umane))
    else:
        q = q.where(Frase.id.not_in(umane))
    if codice:
        ce2 = codici_effettivi()
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
    riga = s.execute(select(Frase, Racconto.codice, nome_associazione())
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
    ce = codici_effettivi()
    effettivi = tuple(sorted(s.scalars(select(ce.c.codice).where(ce.c.frase_id == frase_id))))
    ae = aree_effettive()
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
