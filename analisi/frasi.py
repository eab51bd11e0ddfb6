"""Sentence splitting with character offsets, for narratives written the way people write.

Rules, in order: a line break ends a sentence (chat-style lines, lists, paragraphs); inside a line,
``.!?…`` followed by a space and a capital, digit, quote, dash or placeholder ends one, unless the dot
belongs to a known abbreviation ("dott.", "v.le", "ecc.") or an initial ("G. Rossi"); list markers are
left out of the sentence; very long unpunctuated runs are cut at a conjunction after a comma.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIAZIONI = frozenset(
    "dott dott.ssa dr sig sig.ra sigg prof prof.ssa avv ing arch geom rag on sen dott.sa "
    "ecc es pag tel cell fax n nr num art sez cap ca circa cfr vol vs "
    "v.le p.zza p.le c.so str loc fraz "
    "gen feb mar apr mag giu lug ago set sett ott nov dic "
    "s.r.l s.p.a a.s.d a.p.s o.d.v p.es".split(" ")
)

_FINE = re.compile(r"[.!?…]+[\"'»”’)\]]*")
_MARCATORE_LISTA = re.compile(r"^\s*(?:[-–—•*·]+|\d{1,2}[.)]|[a-z][)])\s+")
_INIZIO_NUOVA = re.compile(r"\s+(?=[\"'«“‘(\[\-–—]?\s*[A-ZÀ-ÖØ-Ý0-9\[«“\"'—–-])")
_TAGLIO_LUNGO = re.compile(r",\s+(?=(?:e|ma|poi|perché|però|quindi|allora|invece)\s)")
PAROLE_MASSIME = 60


@dataclass(frozen=True)
class Intervallo:
    inizio: int
    fine: int


def _abbreviazione(riga: str, punto: int) -> bool:
    """True when the dot at ``punto`` closes an abbreviation or an initial, not a sentence."""
    if riga[punto] != ".":
        return False
    m = re.search(r"([\w.]+)$", riga[:punto])
    if not m:
        return False
    parola = m.group(1).lower().strip(".")
    if parola in ABBREVIAZIONI:
        return True
    return len(parola) == 1 and parola.isalpha()  # an initial: "G. Rossi"


def _dividi_riga(riga: str, base: int) -> list[Intervallo]:
    pezzi: list[Intervallo] = []
    inizio = 0
    for m in _FINE.finditer(riga):
        dopo = riga[m.end():]
        if not dopo.strip():
            continue
        if not _INIZIO_NUOVA.match(dopo):
            continue
        if _abbreviazione(riga, m.start()) and m.end() - m.start() == 1:
            continue
        pezzi.append(Intervallo(base + inizio, base + m.end()))
        inizio = m.end()
    pezzi.append(Intervallo(base + inizio, base + len(riga)))
    return pezzi


def _taglia_lunghe(testo: str, iv: Intervallo) -> list[Intervallo]:
    frammento = testo[iv.inizio:iv.fine]
    if len(frammento.split()) <= PAROLE_MASSIME:
        return [iv]
    out: list[Intervallo] = []
    inizio = 0
    for m in _TAGLIO_LUNGO.finditer(frammento):
        if len(frammento[inizio:m.start()].split()) >= PAROLE_MASSIME // 3:
            out.append(Intervallo(iv.inizio + inizio, iv.inizio + m.start() + 1))
            inizio = m.end()
    out.append(Intervallo(iv.inizio + inizio, iv.fine))
    return out


def _stringi(testo: str, iv: Intervallo) -> Intervallo | None:
    a, b = iv.inizio, iv.fine
    while a < b and testo[a].isspace():
        a += 1
    while b > a and testo[b - 1].isspace():
        b -= 1
    return Intervallo(a, b) if b > a else None


def dividi_frasi(testo: str) -> list[Intervallo]:
    """Split ``testo`` into sentences; offsets index ``testo`` exactly."""
    risultato: list[Intervallo] = []
    pos = 0
    for riga in testo.split("\n"):
        base = pos
        pos += len(riga) + 1
        m = _MARCATORE_LISTA.match(riga)
        salto = m.end() if m else 0
        for iv in _dividi_riga(riga[salto:], base + salto):
            for pezzo in _taglia_lunghe(testo, iv):
                stretto = _stringi(testo, pezzo)
                if stretto is not None and any(c.isalnum() for c in testo[stretto.inizio:stretto.fine]):
                    risultato.append(stretto)
    return risultato
