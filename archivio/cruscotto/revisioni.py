"""The anonymisation review queue: the raw text is decrypted only for the administrator's review
(:func:`dettaglio_revisione`, :func:`testi_da_approvare`), audited, and the approval written.

Placeholders are no business of the store: reading, rebuilding and renumbering them for the review happens in
``analisi.anonimizzazione.revisione``; this module decrypts, audits and writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from archivio import audit
from archivio.cifratura import Cifrario
from archivio.cruscotto.filtri import nome_associazione
from archivio.errori import ErroreCruscotto, PermessoNegato
from archivio.racconti import CAMPI_LIBERI, Segnaposto, decifra_campi
from archivio.tabelle import (
    RUOLO_AMMINISTRATORE,
    Associazione,
    Entita,
    Racconto,
    Revisione,
    StatoStadio,
    TestoGrezzo,
)
from archivio.tempo import adesso


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
        select(Racconto.id, Racconto.codice, Racconto.titolo, nome_associazione(), Revisione.motivi,
               Revisione.creata_il, Racconto.parole, TestoGrezzo.testo_cifrato.is_not(None))
        .join(Revisione, Revisione.racconto_id == Racconto.id)
        .outerjoin(Associazione, Racconto.associazione_id == Associazione.id)
        .outerjoin(TestoGrezzo, TestoGrezzo.racconto_id == Racconto.id)
        .where(Revisione.stato == "in_attesa").order_by(Revisione.creata_il, Racconto.id))
    return [InRevisione(i, c, t, a, [str(m) for m in (mot or [])], cr, p or 0, bool(g))
            for i, c, t, a, mot, cr, p, g in righe]


#: a stored placeholder row: (start, end, label, placeholder, score, source), offsets into ``testo_anon``
RigaEntita = tuple[int, int, str, str, float, str]


@dataclass
class DettaglioRevisione:
    """A held story decrypted for review: raw and anonymised text, the stored placeholders, the decrypted
    placeholder payload (mapping and raw spans, read by ``analisi.anonimizzazione.revisione``)."""

    racconto_id: int
    codice: str
    grezzo: str
    testo_anon: str
    entita: list[RigaEntita]
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
    entita = [(e.inizio, e.fine, e.etichetta, e.segnaposto, e.punteggio, e.fonte)
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
    s.add_all(Entita(racconto_id=racconto_id, inizio=p.start, fine=p.end, etichetta=p.label,
                     segnaposto=p.segnaposto or "", punteggio=p.score, fonte=p.fonte[:40]) for p in segnaposti)
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
