"""Search and keyword in context: the store finds the stories (``archivio.cruscotto.ricerca``), this module
finds the words in their text (case- and accent-insensitive, whole words) and cuts the excerpts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from archivio.cruscotto.filtri import Filtri
from archivio.cruscotto.indice_testo import Termine, analizza_ricerca
from archivio.cruscotto.ricerca import testi_trovati, trovati


@dataclass(frozen=True)
class Risultato:
    codice: str
    titolo: str | None
    associazione: str
    data: date | None
    parole: int
    estratto: str


def cerca(s: Session, filtri: Filtri, *, limite: int = 100, offset: int = 0) -> tuple[int, list[Risultato]]:
    """Stories matching the filters (and the full-text query in ``filtri.testo``): total and one page."""
    totale, righe = trovati(s, filtri, limite=limite, offset=offset)
    termini = [t for t in analizza_ricerca(filtri.testo) if not t.escluso]
    risultati = []
    for r in righe:
        testo = r.testo
        occ = next(iter(trova_occorrenze(testo, termini, massimo=1)), None)
        if occ is None:
            estratto = testo[:160] + ("…" if len(testo) > 160 else "")
        else:
            sinistra, parola, destra = _contesto(testo, occ, 70)
            estratto = f"…{sinistra}{parola}{destra}…"
        risultati.append(Risultato(r.codice, r.titolo, r.associazione, r.data, r.parole, estratto))
    return totale, risultati


_ACCENTI = {"a": "aàáâäã", "e": "eèéêë", "i": "iìíîï", "o": "oòóôöõ", "u": "uùúûü", "c": "cç", "n": "nñ"}


def _regex_parola(parola: str) -> str:
    out = []
    for ch in parola.casefold():
        varianti = next((v for base, v in _ACCENTI.items() if ch in v), None)
        out.append(f"[{varianti}]" if varianti else re.escape(ch))
    return "".join(out)


def regex_termini(termini: Sequence[Termine]) -> re.Pattern[str] | None:
    """A case- and accent-insensitive regex for the terms, as whole words (prefix terms open at the end)."""
    alternative = []
    for t in termini:
        if t.escluso:
            continue
        corpo = r"\W+".join(_regex_parola(p) for p in t.parole)
        alternative.append(r"(?<!\w)" + corpo + (r"\w*" if t.prefisso else r"(?!\w)"))
    if not alternative:
        return None
    return re.compile("|".join(f"(?:{a})" for a in alternative), re.IGNORECASE)


def trova_occorrenze(testo: str, termini: Sequence[Termine], *, massimo: int = 1000) -> list[tuple[int, int]]:
    regex = regex_termini(termini)
    if regex is None:
        return []
    out = []
    for m in regex.finditer(testo):
        out.append((m.start(), m.end()))
        if len(out) >= massimo:
            break
    return out


def _contesto(testo: str, occ: tuple[int, int], finestra: int) -> tuple[str, str, str]:
    a, b = occ
    sinistra = " ".join(testo[max(0, a - finestra):a].split())
    destra = " ".join(testo[b:b + finestra].split())
    if a - finestra > 0 and " " in sinistra:
        sinistra = sinistra.split(" ", 1)[1]
    if b + finestra < len(testo) and " " in destra:
        destra = destra.rsplit(" ", 1)[0]
    return (sinistra + " " if testo[max(0, a - 1):a].isspace() else sinistra), testo[a:b], \
        (" " + destra if testo[b:b + 1].isspace() else destra)


@dataclass(frozen=True)
class Concordanza:
    """One line of keyword in context."""

    codice: str
    associazione: str
    sinistra: str
    parola: str
    destra: str
    inizio: int


def kwic(s: Session, filtri: Filtri, *, finestra: int = 60, massimo_racconti: int = 2000,
         massimo_righe: int = 1000) -> list[Concordanza]:
    """Keyword in context for the search in ``filtri.testo`` over the filtered stories."""
    termini = [t for t in analizza_ricerca(filtri.testo) if not t.escluso]
    if not termini:
        return []
    out: list[Concordanza] = []
    for codice, ass, testo in testi_trovati(s, filtri, limite=massimo_racconti):
        for occ in trova_occorrenze(testo, termini, massimo=massimo_righe - len(out)):
            sinistra, parola, destra = _contesto(testo, occ, finestra)
            out.append(Concordanza(codice, ass, sinistra, parola, destra, occ[0]))
        if len(out) >= massimo_righe:
            break
    return out
