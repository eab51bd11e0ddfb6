"""Named queries of sentence coding and Piano di Zona mapping.

Rules kept here: model codes are replaced wholesale by a new model run, human codes never are; every
human decision is an audit row (without the sentence's text); readers see visible stories only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from archivio import audit
from archivio.periodi import data_narrata
from archivio.politiche import SOGLIA_CODICE
from archivio.tabelle import Associazione, Codice, Frase, Racconto
from archivio.tabelle_codifica import PianoFrase
from archivio.tempo import adesso

FONTE_MODELLO = "modello"
FONTE_UMANO = "umano"


@dataclass(frozen=True)
class FraseDaCodificare:
    id: int
    racconto_id: int
    indice: int
    testo: str


def frasi_dei_racconti(s: Session, racconto_ids: Sequence[int]) -> list[FraseDaCodificare]:
    """The stored sentences of these stories, in story and sentence order."""
    if not racconto_ids:
        return []
    righe = s.execute(select(Frase.id, Frase.racconto_id, Frase.indice, Frase.testo)
                      .where(Frase.racconto_id.in_(list(racconto_ids)))
                      .order_by(Frase.racconto_id, Frase.indice)).all()
    return [FraseDaCodificare(*r) for r in righe]


def ids_frasi_visibili(s: Session) -> list[int]:
    """Ids of every stored sentence of a visible story, in order (what a re-coding goes through)."""
    return list(s.scalars(select(Frase.id).join(Racconto, Racconto.id == Frase.racconto_id)
                          .where(Racconto.visibile.is_(True)).order_by(Frase.id)))


def testi_di_frasi(s: Session, frase_ids: Sequence[int]) -> list[tuple[int, str]]:
    """``(id, text)`` of these sentences (anonymised text)."""
    return [(fid, testo) for fid, testo in s.execute(select(Frase.id, Frase.testo).where(Frase.id.in_(frase_ids)))]


def frasi_codificate_da(s: Session, frase_ids: Sequence[int], autore: str) -> set[int]:
    """Sentences that already carry model codes written by ``autore`` (incremental runs skip them)."""
    if not frase_ids:
        return set()
    return set(s.scalars(select(Codice.frase_id).distinct()
                         .where(Codice.frase_id.in_(list(frase_ids)), Codice.fonte == FONTE_MODELLO,
                                Codice.autore == autore)))


def salva_codici_modello(s: Session, codici: Mapping[int, Mapping[str, float]], autore: str) -> None:
    """Replace the model's codes of these sentences (``{frase_id: {codice: probabilita}}``).

    Human codes are never touched. Every code given is stored with its probability (``valore`` True: the
    model's label is ``probabilita >= soglia``, decided by the reader).
    """
    if not codici:
        return
    ids = list(codici)
    for i in range(0, len(ids), 500):
        s.execute(delete(Codice).where(Codice.frase_id.in_(ids[i:i + 500]), Codice.fonte == FONTE_MODELLO))
    ora = adesso()
    righe = [{"frase_id": f, "codice": c, "fonte": FONTE_MODELLO, "probabilita": float(p), "valore": True,
              "autore": autore, "creato_il": ora} for f, per_codice in codici.items() for c, p in per_codice.items()]
    if righe:  # a bulk INSERT: several rows per sentence, hundreds of thousands at scale
        s.execute(insert(Codice), righe)


def salva_correzione(s: Session, frase_id: int, codice: str, valore: bool, autore: str) -> None:
    """A person's decision on one code of one sentence (True: the code applies; False: it does not).

    The same person deciding again replaces their previous decision; other people's decisions are kept
    (several coders -> Krippendorff's α). An audit row records who did what, never the text.
    """
    if not autore:
        raise ValueError("a human correction needs its author")
    if s.get(Frase, frase_id) is None:
        raise ValueError(f"unknown sentence {frase_id}")
    s.execute(delete(Codice).where(Codice.frase_id == frase_id, Codice.codice == codice,
                                   Codice.fonte == FONTE_UMANO, Codice.autore == autore))
    s.add(Codice(frase_id=frase_id, codice=codice, fonte=FONTE_UMANO, probabilita=None, valore=valore,
                 autore=autore, creato_il=adesso()))
    audit.registra(s, autore, "codifica.correggi", f"frase:{frase_id}", {"codice": codice, "valore": valore})


def codici_umani(s: Session) -> list[dict[str, Any]]:
    """Human codes with their sentence text, for training: one row per (sentence, code, author).

    Only visible stories. Keys: frase_id, racconto_id, racconto (code), testo, codice, valore, autore, creato_il.
    """
    righe = s.execute(
        select(Codice.frase_id, Frase.racconto_id, Racconto.codice, Frase.testo, Codice.codice, Codice.valore,
               Codice.autore, Codice.creato_il)
        .join(Frase, Frase.id == Codice.frase_id).join(Racconto, Racconto.id == Frase.racconto_id)
        .where(Codice.fonte == FONTE_UMANO, Racconto.visibile.is_(True))
        .order_by(Codice.frase_id, Codice.creato_il, Codice.id)).all()
    chiavi = ("frase_id", "racconto_id", "racconto", "testo", "codice", "valore", "autore", "creato_il")
    return [dict(zip(chiavi, r, strict=True)) for r in righe]


def codici_modello(s: Session, frase_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """The model's probabilities for these sentences: ``{frase_id: {codice: p}}``."""
    out: dict[int, dict[str, float]] = {}
    for i in range(0, len(frase_ids), 500):
        for f, c, p in s.execute(select(Codice.frase_id, Codice.codice, Codice.probabilita)
                                 .where(Codice.frase_id.in_(list(frase_ids[i:i + 500])),
                                        Codice.fonte == FONTE_MODELLO)):
            out.setdefault(f, {})[c] = float(p) if p is not None else 1.0
    return out


def dati_accordo(s: Session, codici: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows for agreement (κ, α): every code of every sentence that a person coded, model rows included.

    Keys: frase_id, codice, fonte, autore, valore, probabilita.
    """
    umane = select(Codice.frase_id).where(Codice.fonte == FONTE_UMANO).distinct()
    q = (select(Codice.frase_id, Codice.codice, Codice.fonte, Codice.autore, Codice.valore, Codice.probabilita)
         .join(Frase, Frase.id == Codice.frase_id).join(Racconto, Racconto.id == Frase.racconto_id)
         .where(Codice.frase_id.in_(umane), Racconto.visibile.is_(True)))
    if codici:
        q = q.where(Codice.codice.in_(list(codici)))
    chiavi = ("frase_id", "codice", "fonte", "autore", "valore", "probabilita")
    return [dict(zip(chiavi, r, strict=True)) for r in s.execute(q.order_by(Codice.frase_id, Codice.id))]


def frasi_codificate(s: Session, *, codice: str | None = None, sottocodice: str | None = None,
                     associazione: str | None = None, periodo: str | None = None, dal: date | None = None,
                     al: date | None = None, soglia: float = SOGLIA_CODICE, limite: int = 5000) -> list[dict[str, Any]]:
    """Coded sentences of visible stories for the dashboard, with the effective codes.

    The effective value of a code is the latest human decision when there is one, else the model's
    probability >= ``soglia``. ``codice``/``sottocodice`` keep only sentences whose effective codes include it
    ("ansia.salute" as sottocodice). Keys: frase_id, racconto, associazione, periodo, data, indice, testo,
    codici (effective labels), probabilita ({code: p}), umano (True when a person decided some code),
    citabile (quotation consent of the story).
    """
    data = data_narrata(s.get_bind().dialect.name == "sqlite")
    q = (select(Frase.id, Racconto.codice, Associazione.nome, Racconto.periodo, data,
                Frase.indice, Frase.testo, Racconto.consenso_citazione)
         .join(Racconto, Racconto.id == Frase.racconto_id)
         .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
         .where(Racconto.visibile.is_(True), Frase.id.in_(select(Codice.frase_id).distinct())))
    if associazione:
        q = q.where(Associazione.nome == associazione)
    if periodo:
        q = q.where(Racconto.periodo == periodo)
    if dal:
        q = q.where(data >= dal)
    if al:
        q = q.where(data <= al)
    frasi = s.execute(q.order_by(data, Racconto.id, Frase.indice)).all()
    codici_per_frase = _codici_effettivi(s, [f[0] for f in frasi], soglia)
    out = []
    for fid, racc, ass, per, data, indice, testo, citabile in frasi:
        effettivi, proba, umano = codici_per_frase.get(fid, (set(), {}, False))
        if codice and codice not in effettivi:
            continue
        if sottocodice and sottocodice not in effettivi:
            continue
        out.append({"frase_id": fid, "racconto": racc, "associazione": ass, "periodo": per, "data": data,
                    "indice": indice, "testo": testo, "codici": sorted(effettivi), "probabilita": proba,
                    "umano": umano, "citabile": bool(citabile)})
        if len(out) >= limite:
            break
    return out


def _codici_effettivi(s: Session, frase_ids: Sequence[int], soglia: float
                      ) -> dict[int, tuple[set[str], dict[str, float], bool]]:
    out: dict[int, tuple[set[str], dict[str, float], bool]] = {}
    modello: dict[int, dict[str, float]] = {}
    umani: dict[int, dict[str, bool]] = {}
    for i in range(0, len(frase_ids), 500):
        blocco = list(frase_ids[i:i + 500])
        for f, c, fonte, p, v in s.execute(
                select(Codice.frase_id, Codice.codice, Codice.fonte, Codice.probabilita, Codice.valore)
                .where(Codice.frase_id.in_(blocco)).order_by(Codice.creato_il, Codice.id)):
            if fonte == FONTE_MODELLO:
                modello.setdefault(f, {})[c] = float(p) if p is not None else 1.0
            else:
                umani.setdefault(f, {})[c] = bool(v)  # latest decision wins (ordered by time)
    for f in frase_ids:
        proba = modello.get(f, {})
        effettivi = {c for c, p in proba.items() if p >= soglia}
        for c, v in umani.get(f, {}).items():
            if v:
                effettivi.add(c)
            else:
                effettivi.discard(c)
        out[f] = (effettivi, proba, f in umani)
    return out


# --- Piano di Zona --------------------------------------------------------------------------------
@dataclass(frozen=True)
class AreaFrase:
    frase_id: int
    area: str
    scheda: str | None
    punteggio: float | None
    seconda_area: str | None = None
    punteggio_seconda: float | None = None


def proposte_da_mappare(s: Session, racconto_ids: Sequence[int],
                        soglia: float = SOGLIA_CODICE) -> list[FraseDaCodificare]:
    """Sentences of these stories whose effective codes include ``proposta``."""
    frasi = frasi_dei_racconti(s, racconto_ids)
    effettivi = _codici_effettivi(s, [f.id for f in frasi], soglia)
    return [f for f in frasi if "proposta" in effettivi.get(f.id, (set(), {}, False))[0]]


def salva_piano_modello(s: Session, racconto_ids: Sequence[int], aree: Iterable[AreaFrase], autore: str) -> None:
    """Replace the model's areas of these stories' sentences (human ones are kept)."""
    frasi = select(Frase.id).where(Frase.racconto_id.in_(list(racconto_ids)))
    s.execute(delete(PianoFrase).where(PianoFrase.frase_id.in_(frasi), PianoFrase.fonte == FONTE_MODELLO))
    ora = adesso()
    righe = [{"frase_id": a.frase_id, "area": a.area, "scheda": a.scheda, "punteggio": a.punteggio,
              "seconda_area": a.seconda_area, "punteggio_seconda": a.punteggio_seconda,
              "fonte": FONTE_MODELLO, "autore": autore, "creato_il": ora} for a in aree]
    if righe:
        s.execute(insert(PianoFrase), righe)


def salva_piano_umano(s: Session, frase_id: int, area: str, scheda: str | None, autore: str) -> None:
    """A person's confirmation or correction of the area/scheda of a sentence (audit row, no text)."""
    if not autore:
        raise ValueError("a human correction needs its author")
    if s.get(Frase, frase_id) is None:
        raise ValueError(f"unknown sentence {frase_id}")
    s.execute(delete(PianoFrase).where(PianoFrase.frase_id == frase_id, PianoFrase.fonte == FONTE_UMANO,
                                       PianoFrase.autore == autore))
    s.add(PianoFrase(frase_id=frase_id, area=area, scheda=scheda, punteggio=None, fonte=FONTE_UMANO,
                     autore=autore, creato_il=adesso()))
    audit.registra(s, autore, "piano.correggi", f"frase:{frase_id}", {"area": area, "scheda": scheda})


def racconti_con_aree_modello(s: Session) -> list[int]:
    """Visible stories with at least one area given by the model (to re-map after staff corrections)."""
    return list(s.scalars(select(Frase.racconto_id).distinct()
                          .join(PianoFrase, PianoFrase.frase_id == Frase.id)
                          .join(Racconto, Racconto.id == Frase.racconto_id)
                          .where(PianoFrase.fonte == FONTE_MODELLO, Racconto.visibile.is_(True))
                          .order_by(Frase.racconto_id)))


def piano_umano(s: Session) -> list[dict[str, Any]]:
    """Staff confirmations/corrections with the sentence text (latest per sentence): training examples."""
    ultimo = (select(PianoFrase.frase_id, func.max(PianoFrase.id).label("id"))
              .where(PianoFrase.fonte == FONTE_UMANO).group_by(PianoFrase.frase_id).subquery())
    righe = s.execute(select(PianoFrase.frase_id, Frase.testo, PianoFrase.area, PianoFrase.scheda, PianoFrase.autore)
                      .join(ultimo, ultimo.c.id == PianoFrase.id)
                      .join(Frase, Frase.id == PianoFrase.frase_id)
                      .join(Racconto, Racconto.id == Frase.racconto_id)
                      .where(Racconto.visibile.is_(True)).order_by(PianoFrase.frase_id)).all()
    return [{"frase_id": f, "testo": t, "area": a, "scheda": sc, "autore": au} for f, t, a, sc, au in righe]


def proposte(s: Session, *, area: str | None = None, associazione: str | None = None,
             periodo: str | None = None, dal: date | None = None, al: date | None = None,
             solo_citabili: bool = False, soglia: float = SOGLIA_CODICE, limite: int = 10000) -> list[dict[str, Any]]:
    """Proposal sentences of visible stories with their area/scheda (a person's over the model's), the story's
    association and quotation consent: for exports and the planners' page.

    Keys: frase_id, racconto, associazione, periodo, data, testo, area, scheda, punteggio, fonte_area, citabile,
    sottocodici.
    """
    righe = frasi_codificate(s, codice="proposta", associazione=associazione, periodo=periodo, dal=dal, al=al,
                             soglia=soglia, limite=limite)
    ids = [r["frase_id"] for r in righe]
    aree: dict[int, tuple[str, str | None, float | None, str]] = {}
    for i in range(0, len(ids), 500):
        for f, a, sc, p, fonte in s.execute(
                select(PianoFrase.frase_id, PianoFrase.area, PianoFrase.scheda, PianoFrase.punteggio, PianoFrase.fonte)
                .where(PianoFrase.frase_id.in_(ids[i:i + 500]))
                .order_by(PianoFrase.id)):
            if fonte == FONTE_UMANO or f not in aree or aree[f][3] != FONTE_UMANO:
                aree[f] = (a, sc, p, fonte)
    out = []
    for r in righe:
        if solo_citabili and not r["citabile"]:
            continue
        a, sc, p, fonte = aree.get(r["frase_id"], (None, None, None, None))  # type: ignore[assignment]
        if area and a != area:
            continue
        out.append({"frase_id": r["frase_id"], "racconto": r["racconto"], "associazione": r["associazione"],
                    "periodo": r["periodo"], "data": r["data"], "testo": r["testo"], "area": a, "scheda": sc,
                    "punteggio": p, "fonte_area": fonte, "citabile": r["citabile"],
                    "sottocodici": [c for c in r["codici"] if c.startswith("proposta.")]})
    return out
