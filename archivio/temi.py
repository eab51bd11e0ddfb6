"""Named queries for themes: fitted models, themes with their quotes, story assignments.

Only visible stories are read or reported; quotes and assignments are deleted with their story.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from archivio import audit
from archivio.periodi import data_narrata
from archivio.tabelle import AssegnazioneTema, Associazione, Racconto, StatoStadio, Tema
from archivio.tabelle_temi import CitazioneTema, ModelloTemiRiga

log = logging.getLogger(__name__)

__all__ = [
    "DA_RIFARE",
    "ModelloSalvato",
    "NuovaCitazione",
    "NuovoTema",
    "RaccontoPerTemi",
    "assegnazioni",
    "cancella_assegnazioni",
    "file_superati",
    "invalida_per_ritiro",
    "leggi_temi",
    "modello_attivo",
    "quanti_esistono",
    "racconti_per_temi",
    "rendi_tutti_in_attesa",
    "rinomina_tema",
    "salva_assegnazioni",
    "salva_modello",
    "temi_attivi",
    "togli_citazioni_superate",
]


@dataclass(frozen=True)
class RaccontoPerTemi:
    """A visible story as the theme model reads it (anonymised text only)."""

    id: int
    codice: str
    testo: str
    associazione: str | None
    data: date | None
    periodo: str | None
    citabile: bool


@dataclass(frozen=True)
class NuovaCitazione:
    racconto_id: int
    inizio: int
    fine: int
    testo: str
    peso: float


@dataclass(frozen=True)
class NuovoTema:
    indice: int
    etichetta: str
    termini: list[Any]  # [[term, weight], ...]
    prevalenza: float
    etichetta_manuale: bool = False
    citazioni: list[NuovaCitazione] = field(default_factory=list)


@dataclass(frozen=True)
class ModelloSalvato:
    id: int
    percorso: str
    impronta: str
    algoritmo: str
    k: int
    temi_ids: list[int]
    parametri: dict[str, Any]
    metriche: dict[str, Any]


def _data(s: Session) -> Any:
    return data_narrata(s.get_bind().dialect.name == "sqlite")


def racconti_per_temi(s: Session, ids: Sequence[int] | None = None) -> list[RaccontoPerTemi]:
    """Visible stories (all, or those in ``ids``) with their anonymised text and metadata, in id order."""
    q = (select(Racconto.id, Racconto.codice, Racconto.testo_anon, Associazione.nome, _data(s),
                Racconto.periodo, Racconto.consenso_citazione)
         .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
         .where(Racconto.visibile.is_(True)))
    if ids is not None:
        q = q.where(Racconto.id.in_(list(ids)))
    return [RaccontoPerTemi(i, c, t or "", a, d, p, bool(cit))
            for i, c, t, a, d, p, cit in s.execute(q.order_by(Racconto.id)).all()]


def _modello(r: ModelloTemiRiga) -> ModelloSalvato:
    return ModelloSalvato(r.id, r.percorso, r.impronta, r.algoritmo, r.k, [int(x) for x in r.temi_ids],
                          dict(r.parametri), dict(r.metriche))


def modello_attivo(s: Session) -> ModelloSalvato | None:
    """The model new stories are assigned to, or None before the first fit."""
    r = s.scalar(select(ModelloTemiRiga).where(ModelloTemiRiga.attivo.is_(True))
                 .order_by(ModelloTemiRiga.id.desc()).limit(1))
    return _modello(r) if r is not None else None


def temi_attivi(s: Session) -> list[dict[str, Any]]:
    """The active model's themes in index order: id, indice, etichetta, etichetta_manuale, termini."""
    m = modello_attivo(s)
    if m is None:
        return []
    righe = {t.id: t for t in s.scalars(select(Tema).where(Tema.id.in_(m.temi_ids)))}
    return [{"id": t.id, "indice": t.indice, "etichetta": t.etichetta, "etichetta_manuale": t.etichetta_manuale,
             "termini": t.termini} for i in m.temi_ids if (t := righe.get(i)) is not None]


def salva_modello(s: Session, *, percorso: str, impronta: str, algoritmo: str, k: int, random_state: int,
                  n_racconti: int, parametri: dict[str, Any], metriche: dict[str, Any], temi: Sequence[NuovoTema],
                  autore: str | None = None) -> ModelloSalvato:
    """Record a newly fitted model and its themes; it becomes the active one.

    The previous model and its themes are kept (inactive: their labels are history) but their
    assignments are deleted: the caller assigns every story to the new themes.
    """
    vecchi = list(s.scalars(select(ModelloTemiRiga).where(ModelloTemiRiga.attivo.is_(True))))
    vecchi_temi = [int(i) for m in vecchi for i in m.temi_ids]
    if vecchi_temi:
        s.execute(delete(AssegnazioneTema).where(AssegnazioneTema.tema_id.in_(vecchi_temi)))
        s.execute(update(Tema).where(Tema.id.in_(vecchi_temi)).values(attivo=False))
    for m in vecchi:
        m.attivo = False
    righe = []
    for t in temi:
        riga = Tema(indice=t.indice, etichetta=t.etichetta[:200], etichetta_manuale=t.etichetta_manuale,
                    termini=t.termini, prevalenza=t.prevalenza, attivo=True)
        s.add(riga)
        righe.append((riga, t))
    s.flush()
    for riga, t in righe:
        s.add_all(CitazioneTema(tema_id=riga.id, racconto_id=c.racconto_id, rango=r, inizio=c.inizio, fine=c.fine,
                                testo=c.testo, peso=c.peso) for r, c in enumerate(t.citazioni))
    modello = ModelloTemiRiga(percorso=percorso, impronta=impronta, algoritmo=algoritmo, k=k,
                              random_state=random_state, n_racconti=n_racconti, parametri=parametri,
                              metriche=metriche, temi_ids=[riga.id for riga, _ in righe], attivo=True, autore=autore)
    s.add(modello)
    s.flush()
    return _modello(modello)


# ``modelli_temi.impronta`` of a model whose file was deleted by a withdrawal: the next run refits.
DA_RIFARE = ""
STADIO_TEMI = "temi"


def invalida_per_ritiro(s: Session, racconto_id: int) -> tuple[str, ...]:
    """Before a story is deleted: if a theme model may hold its words, mark the models for a refit.

    A story is in a model's file if it was visible when the model was fitted; visible, assigned or quoted
    stories count. Every model file recorded is returned for deletion (superseded ones too), the active
    model is marked :data:`DA_RIFARE`, and every story's themes stage is made pending, so that the next
    ``elabora`` refits on the remaining stories and reassigns them.
    """
    coinvolto = s.scalar(select(Racconto.visibile).where(Racconto.id == racconto_id)) or \
        s.scalar(select(AssegnazioneTema.racconto_id).where(AssegnazioneTema.racconto_id == racconto_id)
                 .limit(1)) is not None or \
        s.scalar(select(CitazioneTema.racconto_id).where(CitazioneTema.racconto_id == racconto_id)
                 .limit(1)) is not None
    if not coinvolto:
        return ()
    percorsi = tuple(p for p in s.scalars(select(ModelloTemiRiga.percorso).where(ModelloTemiRiga.percorso != ""))
                     if p)
    if not percorsi:
        return ()
    s.execute(update(ModelloTemiRiga).where(ModelloTemiRiga.attivo.is_(True)).values(impronta=DA_RIFARE))
    s.execute(delete(StatoStadio).where(StatoStadio.stadio == STADIO_TEMI))
    return percorsi


def rendi_tutti_in_attesa(s: Session) -> None:
    """Every story's themes stage to do again (after a refit forced by a withdrawal)."""
    s.execute(delete(StatoStadio).where(StatoStadio.stadio == STADIO_TEMI))


def quanti_esistono(s: Session, ids: Sequence[int]) -> int:
    """How many of these stories still exist (a fit checks none was withdrawn meanwhile)."""
    n = 0
    for i in range(0, len(ids), 500):
        n += s.scalar(select(func.count()).select_from(Racconto).where(Racconto.id.in_(list(ids[i:i + 500])))) or 0
    return n


def file_superati(s: Session) -> list[str]:
    """Files of models that are no longer active (deleted after a refit: they hold old stories' words)."""
    return [p for p in s.scalars(select(ModelloTemiRiga.percorso).where(ModelloTemiRiga.attivo.is_(False))) if p]


def salva_assegnazioni(s: Session, tema_ids: Sequence[int], pesi: Iterable[tuple[int, Sequence[float]]]) -> None:
    """Replace the stories' assignments: ``pesi`` yields (story id, one weight per theme of ``tema_ids``)."""
    righe = list(pesi)
    if not righe:
        return
    ids = [r for r, _ in righe]
    s.execute(delete(AssegnazioneTema).where(AssegnazioneTema.racconto_id.in_(ids),
                                             AssegnazioneTema.tema_id.in_(list(tema_ids))))
    s.execute(insert(AssegnazioneTema), [
        {"racconto_id": r, "tema_id": t, "peso": float(p)}
        for r, valori in righe for t, p in zip(tema_ids, valori, strict=True)])


def togli_citazioni_superate(s: Session, racconto_id: int, testo: str) -> int:
    """Delete the story's quotes whose offsets no longer point at their snippet (its text was redone)."""
    vecchie = [c for c in s.scalars(select(CitazioneTema).where(CitazioneTema.racconto_id == racconto_id))
               if testo[c.inizio:c.fine] != c.testo]
    for c in vecchie:
        s.delete(c)
    return len(vecchie)


def cancella_assegnazioni(s: Session) -> int:
    """Delete every assignment (before a refit reassigns all stories)."""
    n = s.scalar(select(func.count()).select_from(AssegnazioneTema)) or 0
    s.execute(delete(AssegnazioneTema))
    return n


def rinomina_tema(s: Session, tema_id: int, etichetta: str, autore: str) -> None:
    """A researcher's label: kept across re-runs while the theme persists."""
    etichetta = " ".join(etichetta.split())
    if not etichetta:
        raise ValueError("the label is empty")
    t = s.get(Tema, tema_id)
    if t is None:
        raise ValueError(f"unknown theme {tema_id}")
    s.execute(update(Tema).where(Tema.id == tema_id).values(etichetta=etichetta[:200], etichetta_manuale=True))
    audit.registra(s, autore, "tema_rinominato", oggetto=f"tema:{tema_id}", dettagli={"indice": t.indice})


def leggi_temi(s: Session, *, citazioni: bool = True, solo_citabili: bool = False) -> list[dict[str, Any]]:
    """The active themes with prevalence over the visible stories assigned so far, and their quotes.

    ``prevalenza`` is the mean weight over visible assigned stories (the value stored at fit time when no
    story is assigned yet); ``n_principale`` counts the stories whose main theme it is.
    """
    temi = temi_attivi(s)
    if not temi:
        return []
    ids = [t["id"] for t in temi]
    visibili = select(Racconto.id).where(Racconto.visibile.is_(True))
    somme = dict(s.execute(
        select(AssegnazioneTema.tema_id, func.sum(AssegnazioneTema.peso))
        .where(AssegnazioneTema.tema_id.in_(ids), AssegnazioneTema.racconto_id.in_(visibili))
        .group_by(AssegnazioneTema.tema_id)).all())
    n_storie = s.scalar(select(func.count(func.distinct(AssegnazioneTema.racconto_id)))
                        .where(AssegnazioneTema.tema_id.in_(ids), AssegnazioneTema.racconto_id.in_(visibili))) or 0
    principali: dict[int, int] = {}
    if n_storie:
        pesi = s.execute(select(AssegnazioneTema.racconto_id, AssegnazioneTema.tema_id, AssegnazioneTema.peso)
                         .where(AssegnazioneTema.tema_id.in_(ids),
                                AssegnazioneTema.racconto_id.in_(visibili))).all()
        migliore: dict[int, tuple[float, int]] = {}
        for racconto_id, tema_id, peso in pesi:
            prima = migliore.get(racconto_id)
            if prima is None or (peso, -tema_id) > (prima[0], -prima[1]):  # ties: the lower theme id
                migliore[racconto_id] = (peso, tema_id)
        for _, tema_id in migliore.values():
            principali[tema_id] = principali.get(tema_id, 0) + 1
    memorizzate = dict(s.execute(select(Tema.id, Tema.prevalenza).where(Tema.id.in_(ids))).all())
    out: list[dict[str, Any]] = []
    for t in temi:
        prevalenza = float(somme.get(t["id"], 0.0)) / n_storie if n_storie else float(memorizzate[t["id"]])
        voce: dict[str, Any] = {**t, "prevalenza": prevalenza, "n_racconti": n_storie,
                                "n_principale": principali.get(t["id"], 0)}
        if citazioni:
            q = (select(CitazioneTema.rango, Racconto.codice, Racconto.id, CitazioneTema.inizio, CitazioneTema.fine,
                        CitazioneTema.testo, CitazioneTema.peso)
                 .join(Racconto, Racconto.id == CitazioneTema.racconto_id)
                 .where(CitazioneTema.tema_id == t["id"], Racconto.visibile.is_(True)))
            if solo_citabili:
                q = q.where(Racconto.consenso_citazione.is_(True))
            voce["citazioni"] = [{"codice": c, "racconto_id": rid, "inizio": a, "fine": b, "testo": f, "peso": p}
                                 for _, c, rid, a, b, f, p in s.execute(q.order_by(CitazioneTema.rango)).all()]
        out.append(voce)
    return out


def assegnazioni(s: Session) -> list[dict[str, Any]]:
    """Assignments of visible stories to the active themes, with association, date and phase.

    One row per story × theme: racconto_id, codice, associazione, data, periodo, tema (index), peso.
    """
    m = modello_attivo(s)
    if m is None:
        return []
    indice = {tid: i for i, tid in enumerate(m.temi_ids)}
    righe = s.execute(
        select(Racconto.id, Racconto.codice, Associazione.nome, _data(s), Racconto.periodo,
               AssegnazioneTema.tema_id, AssegnazioneTema.peso)
        .join(AssegnazioneTema, AssegnazioneTema.racconto_id == Racconto.id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .where(Racconto.visibile.is_(True), AssegnazioneTema.tema_id.in_(m.temi_ids))
        .order_by(Racconto.id, AssegnazioneTema.tema_id)).all()
    return [{"racconto_id": r, "codice": c, "associazione": a, "data": d, "periodo": p, "tema": indice[t], "peso": w}
            for r, c, a, d, p, t, w in righe]


def elimina_file_modello(percorso: str | Path) -> bool:
    """Delete a theme model file recorded in the store, only when it is one: ``modelli/temi-*.joblib``.

    The store's ``percorso`` is data, not a command: a path that is not a theme model file in a ``modelli``
    folder (a hand-edited row, a test's placeholder) is never deleted. Returns whether a file was removed.
    """
    p = Path(percorso)
    if not (p.parent.name == "modelli" and p.name.startswith("temi-") and p.suffix == ".joblib"):
        log.warning("not deleting %s: not a theme model file", p.name)
        return False
    if not p.is_file() or p.is_symlink():
        return False
    p.unlink(missing_ok=True)
    return True
