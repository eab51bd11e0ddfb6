"""Placeholders: ONE grammar, label table, numbering and mapping.

Used by the anonymiser (:mod:`.motore`), the pipeline stage (``analisi.stadi``), the review page and its
approval (:mod:`.revisione`); nothing else writes or reads ``[PERSONA_1]``-style placeholders on its own.

- Grammar: ``[ETICHETTA]`` or ``[ETICHETTA_n]`` (:data:`SEGNAPOSTO_RE`); :data:`RICONOSCIUTI_RE` matches only
  the placeholders this product writes (and the stems of earlier releases), so that anonymising anonymised
  text changes nothing.
- Labels: the placeholder's stem IS the label the review page shows (:data:`ETICHETTE_REVISIONE`); a
  children's school is ``[SCUOLA]`` (an ORGANIZZAZIONE for the batch contract, SCUOLA everywhere a span is
  shown or stored next to its placeholder); the stems of earlier releases (``[CF]``) read as their label.
- Numbering (:class:`Numerazione`): persons, places and bodies are numbered per story; the same person keeps
  their number ("Giulia", "Giulia Rossi", "la signora Rossi"); numbers continue after the placeholders already
  in the text, and placeholders already given (a reviewed span) keep theirs.
- Mapping: placeholder -> the distinct surfaces it replaced, in order of first appearance
  (``dict[str, list[str]]``, :func:`superfici`). :func:`mappa_leggibile` is its one-line reading (surfaces
  contained in a longer one left out, the rest joined by `` | ``), the same for every label.
- Storage: the mapping AND the raw spans go into one encrypted payload next to the raw text
  (``testi_grezzi.mappa_cifrata``, :func:`codifica_mappa` / :func:`decodifica_mappa`), so the review finds the
  spans without any search; older payloads (a flat mapping) are read too, and :func:`allinea` rebuilds their
  spans once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from analisi.anonimizzazione.nomi.parole import PARTICELLE, TITOLI
from analisi.anonimizzazione.risorse import parole_di
from analisi.anonimizzazione.tipi import ETICHETTE, FONTE_SCUOLA, NUMERATE, Span

if TYPE_CHECKING:
    from analisi.anonimizzazione.campi import EsitoRacconto

# ------------------------------------------------------------------------------------------------ labels
SCUOLA = "SCUOLA"

#: Labels an administrator can give a span on the review page, in the order they are offered. Each one's
#: placeholder is ``[LABEL]`` or ``[LABEL_n]`` (numbered: :data:`~.tipi.NUMERATE`): label and placeholder agree.
ETICHETTE_REVISIONE: tuple[str, ...] = (
    "PERSONA", "LUOGO", "ORGANIZZAZIONE", SCUOLA, "INDIRIZZO", "TELEFONO", "EMAIL", "CODICE_FISCALE", "IBAN",
    "PARTITA_IVA", "TESSERA_SANITARIA", "TARGA", "URL", "DATA_NASCITA", "ETA",
)
assert set(ETICHETTE) | {SCUOLA} == set(ETICHETTE_REVISIONE)

#: Stems written by earlier releases, still recognised in stored texts, and the label each one stands for.
STORICI: dict[str, str] = {"CF": "CODICE_FISCALE", "PIVA": "PARTITA_IVA", "TESSERA": "TESSERA_SANITARIA"}

# --------------------------------------------------------------------------------------------- grammar
#: Any placeholder: group 1 the stem, group 2 the number (or None).
SEGNAPOSTO_RE = re.compile(r"\[([A-Z]+(?:_[A-Z]+)*)(?:_(\d+))?\]")
#: the same grammar with its groups made non-capturing, to embed in a larger pattern (``findall`` then returns
#: whole matches): derived, never written twice
SEGNAPOSTO_INTERO = re.sub(r"\((?!\?)", "(?:", SEGNAPOSTO_RE.pattern)

#: Only the placeholders this product writes (numbered stems with a number, the others without), and the
#: stems of earlier releases: what the anonymiser leaves alone in a text that was anonymised already.
RICONOSCIUTI_RE = re.compile(
    r"\[(?:" + "|".join(sorted(NUMERATE)) + r")_\d+\]|\[(?:"
    + "|".join(sorted({*(e for e in ETICHETTE_REVISIONE if e not in NUMERATE), *STORICI}, key=lambda x: (-len(x), x)))
    + r")\]"
)


def etichetta(segnaposto: str, predefinita: str = "") -> str:
    """The label of a placeholder: "[PERSONA_2]" -> PERSONA, "[SCUOLA]" -> SCUOLA, "[CF]" -> CODICE_FISCALE
    (``predefinita`` when ``segnaposto`` is no placeholder)."""
    m = SEGNAPOSTO_RE.fullmatch(segnaposto)
    return STORICI.get(m.group(1), m.group(1)) if m else predefinita


def etichetta_entita(label: str, fonte: str = "") -> str:
    """The label shown and stored for an entity of the anonymiser: a children's school is SCUOLA."""
    return SCUOLA if fonte == FONTE_SCUOLA else label


def numero(segnaposto: str) -> int | None:
    """The number of a numbered placeholder ("[LUOGO_3]" -> 3), else None."""
    m = SEGNAPOSTO_RE.fullmatch(segnaposto)
    return int(m.group(2)) if m and m.group(2) else None


# ------------------------------------------------------------------------------------------- numbering
def _chiave(label: str, superficie: str) -> frozenset[str]:
    """What identifies a numbered entity: a person's name words (titles and particles aside), a place's or
    a body's whole name."""
    if label == "PERSONA":
        parole = frozenset(w for w in parole_di(superficie) if w not in PARTICELLE and w not in TITOLI)
        return parole or frozenset([superficie])
    return frozenset([" ".join(parole_di(superficie))])


class Numerazione:
    """The placeholders of one story, given in text order.

    A numbered entity joins the group of an earlier one when one's key words contain the other's ("Giulia" ->
    "Giulia Rossi" -> "Rossi": one person); ties go to the group used most recently. Numbers continue after
    those of the placeholders already in ``testo`` and of the placeholders passed to :meth:`registra`.
    """

    def __init__(self, testo: str = "") -> None:
        self._prossimo: dict[str, int] = {}
        self._gruppi: dict[str, list[tuple[int, set[str]]]] = {}
        if "[" in testo:
            for m in SEGNAPOSTO_RE.finditer(testo):
                n = numero(m.group())
                if n is not None:
                    label = etichetta(m.group())
                    self._prossimo[label] = max(self._prossimo.get(label, 0), n)

    def registra(self, segnaposto: str, superficie: str) -> None:
        """A placeholder already given to ``superficie`` (kept as it is): later mentions join it."""
        n = numero(segnaposto)
        if n is None:
            return
        label = etichetta(segnaposto)
        self._prossimo[label] = max(self._prossimo.get(label, 0), n)
        chiave = _chiave(label, superficie)
        lista = self._gruppi.setdefault(label, [])
        for k, (numero_gruppo, parole) in enumerate(lista):
            if numero_gruppo == n:
                parole |= chiave
                lista.append(lista.pop(k))
                return
        lista.append((n, set(chiave)))

    def assegna(self, label: str, superficie: str) -> str:
        """The placeholder of a new span labelled ``label`` (a review label: SCUOLA for a school)."""
        if label not in NUMERATE:
            return f"[{label}]"
        chiave = _chiave(label, superficie)
        lista = self._gruppi.setdefault(label, [])
        scelto = None
        migliore = 0
        for indice, (_, parole) in enumerate(lista):
            if chiave <= parole or parole <= chiave:
                comuni = len(chiave & parole)
                if comuni >= migliore:  # ties go to the most recent group
                    scelto, migliore = indice, comuni
        if scelto is None:
            self._prossimo[label] = self._prossimo.get(label, 0) + 1
            lista.append((self._prossimo[label], set(chiave)))
            return f"[{label}_{self._prossimo[label]}]"
        n, parole = lista[scelto]
        parole |= chiave
        lista.append(lista.pop(scelto))
        return f"[{label}_{n}]"


# ------------------------------------------------------------------------------------- spans, mapping
def superfici(coppie: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """THE mapping: (placeholder, surface) pairs in text order -> placeholder: its distinct surfaces."""
    out: dict[str, list[str]] = {}
    for segnaposto, superficie in coppie:
        lista = out.setdefault(segnaposto, [])
        if superficie not in lista:
            lista.append(superficie)
    return out


def _contenuta(corta: str, lunga: str) -> bool:
    if corta == lunga or corta not in lunga:
        return False
    return re.search(r"(?<!\w)" + re.escape(corta) + r"(?!\w)", lunga) is not None


def mappa_leggibile(mappa: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The mapping in one line per placeholder: surfaces that are words of a longer one left out ("Giulia" in
    "Giulia Rossi"), the others joined by `` | `` ("333 1234567 | 059 2032721")."""
    out = {}
    for segnaposto, lista in mappa.items():
        tenute = [s for s in lista if not any(_contenuta(s, altra) for altra in lista)]
        out[segnaposto] = " | ".join(tenute)
    return out


def _lista(valore: Any) -> list[str]:
    if isinstance(valore, str):  # a mapping written by an earlier release: " | "-joined
        return [p.strip() for p in valore.split(" | ") if p.strip()]
    if isinstance(valore, list):
        return [str(p) for p in valore]
    return []


def codifica_mappa(mappa: Mapping[str, Sequence[str]], span: Sequence[Span]) -> str:
    """The payload stored encrypted next to the raw text: the mapping and the raw text's spans."""
    return json.dumps({"versione": 2, "superfici": {k: list(v) for k, v in mappa.items()},
                       "span": [[s.start, s.end, s.label, s.segnaposto, s.score, s.fonte] for s in span]},
                      ensure_ascii=False)


def decodifica_mappa(payload: str | None) -> tuple[dict[str, list[str]], list[Span] | None]:
    """(mapping, raw spans) of a stored payload; spans are None for payloads of earlier releases (a flat
    placeholder -> surfaces mapping) and for unreadable ones."""
    if not payload:
        return {}, None
    try:
        dati = json.loads(payload)
    except ValueError:
        return {}, None
    if not isinstance(dati, dict):
        return {}, None
    if dati.get("versione") == 2:
        mappa = {str(k): _lista(v) for k, v in (dati.get("superfici") or {}).items()}
        try:
            span = [Span(int(a), int(b), str(e), str(s) if s else None, float(p), str(f))
                    for a, b, e, s, p, f in dati.get("span") or []]
        except (TypeError, ValueError):
            return mappa, None
        return mappa, span
    return {str(k): _lista(v) for k, v in dati.items()}, None


# -------------------------------------------------------------------------------------- review helpers

def _fuori(testo: str, spans: Sequence[Span]) -> list[str]:
    """The pieces of ``testo`` outside ``spans`` (sorted, not overlapping): one more piece than spans."""
    pezzi, pos = [], 0
    for sp in spans:
        pezzi.append(testo[pos:sp.start])
        pos = sp.end
    pezzi.append(testo[pos:])
    return pezzi

def ricostruisci(grezzo: str,
                 span: Sequence[Span]) -> tuple[str, list[tuple[int, int, Span]], dict[str, str]]:
    """Replace the spans of ``grezzo`` with placeholders: (anonymised text, placeholder offsets into it with
    each span and its placeholder, the readable mapping).

    Spans that carry a placeholder keep it (numbers stay stable across a review); a new span gets its
    placeholder from :class:`Numerazione` (the one numbering of the anonymiser). Overlaps: the earlier (and
    longer) span wins.
    """
    ordinati = sorted(span, key=lambda x: (x.start, -x.end))
    scelti: list[Span] = []
    for sp in ordinati:
        if sp.end <= sp.start or (scelti and sp.start < scelti[-1].end):
            continue
        scelti.append(sp)
    liberi = _fuori(grezzo, scelti)
    numerazione = Numerazione("".join(liberi))  # placeholders already in the raw text outside the spans
    for sp in scelti:
        if sp.segnaposto:
            numerazione.registra(sp.segnaposto, grezzo[sp.start:sp.end])
    pezzi: list[str] = []
    posizioni: list[tuple[int, int, Span]] = []
    lunghezza = 0
    for letterale, sp in zip(liberi, scelti, strict=False):
        segnaposto = sp.segnaposto or numerazione.assegna(sp.label, grezzo[sp.start:sp.end])
        pezzi += [letterale, segnaposto]
        lunghezza += len(letterale)
        posizioni.append((lunghezza, lunghezza + len(segnaposto),
                          Span(sp.start, sp.end, sp.label, segnaposto, sp.score, sp.fonte)))
        lunghezza += len(segnaposto)
    pezzi.append(liberi[-1])
    mappa = superfici((p[2].segnaposto or "", grezzo[p[2].start:p[2].end]) for p in posizioni)
    return "".join(pezzi), posizioni, mappa_leggibile(mappa)


def segnaposti_in(testo: str, entita: Sequence[tuple[Any, ...]] = ()) -> list[Span]:
    """Placeholders in an anonymised text as spans of it: from the stored ``entita`` rows (start, end, label,
    placeholder, score, source) when they match the text, else by pattern."""
    if entita and all(testo[e[0]:e[1]] == e[3] for e in entita):
        return [Span(e[0], e[1], etichetta(e[3], e[2]), e[3], float(e[4]), str(e[5])) for e in sorted(entita)]
    return [Span(m.start(), m.end(), etichetta(m.group()), m.group(), 1.0, "segnaposto")
            for m in SEGNAPOSTO_RE.finditer(testo)]


def allinea(grezzo: str, anon: str, entita: Sequence[tuple[Any, ...]] = (),
            mappa: Mapping[str, str | Sequence[str]] | None = None) -> list[Span] | None:
    """Rebuild the raw spans behind the placeholders of ``anon`` (None when the texts do not align).

    Only for stories anonymised before the raw spans were stored. The text between placeholders is identical
    in both; each placeholder replaced a non-empty raw span. Known surfaces from the mapping are tried first,
    then every end that lets the next literal piece match; a bounded backtracking search keeps pathological
    inputs cheap.
    """
    note = {k: _lista(v) for k, v in (mappa or {}).items()}
    segni = segnaposti_in(anon, entita)
    letterali = _fuori(anon, segni)
    if not grezzo.startswith(letterali[0]):
        return None
    passi = [0]

    def risolvi(k: int, inizio: int) -> list[tuple[int, int]] | None:
        passi[0] += 1
        if passi[0] > 20_000:
            return None
        if k == len(segni):
            return [] if inizio == len(grezzo) else None
        seguente = letterali[k + 1]
        candidati: list[int] = []
        for sup in sorted(set(note.get(segni[k].segnaposto or "", ())), key=len, reverse=True):
            if grezzo.startswith(sup, inizio):
                candidati.append(inizio + len(sup))
        fine_massima = len(grezzo) - len(letterali[-1]) if k == len(segni) - 1 else len(grezzo)
        if seguente:
            j = grezzo.find(seguente, inizio + 1)
            while j != -1 and j <= fine_massima and len(candidati) < 50:
                candidati.append(j)
                j = grezzo.find(seguente, j + 1)
        else:
            candidati.extend(range(inizio + 1, min(fine_massima, inizio + 120) + 1))
        visti = set()
        for fine in candidati:
            if fine in visti or fine <= inizio or not grezzo.startswith(seguente, fine):
                continue
            visti.add(fine)
            resto = risolvi(k + 1, fine + len(seguente))
            if resto is not None:
                return [(inizio, fine), *resto]
        return None

    posizioni = risolvi(0, len(letterali[0]))
    if posizioni is None:
        return None
    return [Span(a, b, seg.label, seg.segnaposto, seg.score, seg.fonte)
            for (a, b), seg in zip(posizioni, segni, strict=True)]


def occorrenze_libere(testo: str, cerca_testo: str,
                      occupati: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every occurrence of ``cerca_testo`` (case-insensitive, whole words) not overlapping ``occupati``."""
    if not cerca_testo.strip():
        return []
    regex = re.compile(r"(?<!\w)" + re.escape(cerca_testo.strip()) + r"(?!\w)", re.IGNORECASE)
    return [(m.start(), m.end()) for m in regex.finditer(testo)
            if not any(m.start() < b and a < m.end() for a, b in occupati)]


# ------------------------------------------------------------------------------------ the pipeline stage
def span_da_salvare(grezzo: str, esito: EsitoRacconto) -> tuple[list[Span], str | None]:
    """What the anonymisation stage stores for a story: the placeholder rows (offsets into the anonymised
    text, review labels) and the payload to encrypt next to the raw text (mapping and raw spans; None when
    nothing was masked)."""

    righe = []
    span = []
    for p in esito.segnaposti:
        label = etichetta(p.segnaposto, p.span.label)
        righe.append(Span(p.start, p.end, label, p.segnaposto, p.span.score, p.span.fonte))
        span.append(Span(p.span.start, min(p.span.end, len(grezzo)), label, p.segnaposto, p.span.score,
                         p.span.fonte))
    if not esito.esito.superfici:
        return righe, None
    return righe, codifica_mappa(esito.esito.superfici, span)
