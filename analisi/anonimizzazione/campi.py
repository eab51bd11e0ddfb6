"""A story's text and its free-text fields (title, zone, other association) anonymised TOGETHER.

The fields are appended to the text as paragraphs of one document, anonymised once, and cut apart again:
placeholders are consistent across all of them (a surname in the title is ``[PERSONA_1]`` in the zone and
in the text too, and a surname seen in the title is masked wherever else it appears), and the review
reasons cover the whole story. The text comes first, so a story without fields is anonymised exactly as
before, and the text's numbering does not depend on its fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analisi.anonimizzazione.tipi import Esito, Span

if TYPE_CHECKING:
    from analisi.anonimizzazione.motore import Anonimizzatore

#: between the parts of the document: a paragraph break ends a sentence for every rule and for the NER
SEPARATORE = "\n\n"


@dataclass(frozen=True)
class SegnapostoAnon:
    """A placeholder in the anonymised text: offsets into it, and the raw span it replaced."""

    start: int
    end: int
    segnaposto: str
    span: Span


@dataclass
class EsitoRacconto:
    """The anonymised text with its placeholders, the anonymised fields, and the whole story's result.

    ``esito.superfici`` (placeholder -> original surfaces, fields included) must be stored only encrypted;
    ``esito.da_rivedere``/``esito.motivi`` hold for the story (offsets in the reasons index the document:
    text, then each field after a blank line).
    """

    testo_anon: str
    segnaposti: list[SegnapostoAnon]
    campi_anon: dict[str, str]
    esito: Esito
    span_campi: list[Span] = field(default_factory=list)


def _segnaposti(esito: Esito) -> tuple[list[Span], list[str]]:
    """The entities of ``esito`` in text order, with the placeholder that replaced each one."""
    coppie = sorted(zip(esito.entita, esito.segnaposti, strict=True), key=lambda c: c[0].start)
    return [e for e, _ in coppie], [s for _, s in coppie]


def _ritaglia(documento: str, inizio: int, fine: int, entita: Sequence[Span],
              segnaposti: Sequence[str]) -> tuple[str, list[SegnapostoAnon]]:
    """The part [inizio, fine) of the document with its entities replaced (an entity that crosses the
    border is replaced on both sides)."""
    pezzi: list[str] = []
    trovati: list[SegnapostoAnon] = []
    pos = inizio
    lunghezza = 0
    for e, s in zip(entita, segnaposti, strict=True):
        a, b = max(e.start, inizio), min(e.end, fine)
        if a >= b or a < pos:
            continue
        pezzi.append(documento[pos:a])
        lunghezza += a - pos
        trovati.append(SegnapostoAnon(lunghezza, lunghezza + len(s), s, e))
        pezzi.append(s)
        lunghezza += len(s)
        pos = b
    pezzi.append(documento[pos:fine])
    return "".join(pezzi), trovati


def anonimizza_racconti(anonimizzatore: Anonimizzatore, racconti: Iterable[tuple[str, Mapping[str, str | None]]],
                        *, nomi_campi: Sequence[str], batch_size: int = 64) -> Iterator[EsitoRacconto]:
    """Anonymise (text, fields) pairs; only the fields named in ``nomi_campi`` are anonymised and returned.

    Lazy, in batches (the NER runs on ``batch_size`` documents at a time), in input order.
    """
    parti: list[list[tuple[str, int, int]]] = []

    def documenti() -> Iterator[str]:
        for testo, campi in racconti:
            documento = testo
            confini = [("", 0, len(testo))]
            for nome in nomi_campi:
                valore = (campi.get(nome) or "").strip()
                if valore:
                    documento += SEPARATORE
                    confini.append((nome, len(documento), len(documento) + len(valore)))
                    documento += valore
            parti.append(confini)
            yield documento

    docs = documenti()
    buffer: list[str] = []

    def con_documento() -> Iterator[str]:
        for d in docs:
            buffer.append(d)
            yield d

    for esito in anonimizzatore.anonimizza_molti(con_documento(), batch_size=batch_size):
        documento = buffer.pop(0)
        confini = parti.pop(0)
        entita, segnaposti = _segnaposti(esito)
        _, inizio_testo, fine_testo = confini[0]
        testo_anon, nel_testo = _ritaglia(documento, inizio_testo, fine_testo, entita, segnaposti)
        campi_anon = {}
        span_campi = []
        for nome, a, b in confini[1:]:
            campi_anon[nome], nel_campo = _ritaglia(documento, a, b, entita, segnaposti)
            span_campi += [p.span for p in nel_campo]
        yield EsitoRacconto(testo_anon, nel_testo, campi_anon, esito, span_campi)
