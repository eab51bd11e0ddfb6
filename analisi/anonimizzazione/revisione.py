"""The anonymisation review: open a held story with its raw spans, approve the reviewed spans.

The store (``archivio.cruscotto.revisioni``) checks the role, decrypts, audits and writes; everything about
placeholders — reading the stored raw spans, rebuilding them once for an older story, renumbering after a
manual change — happens here, with :mod:`.segnaposto`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from analisi.anonimizzazione.segnaposto import (
    allinea,
    codifica_mappa,
    decodifica_mappa,
    ricostruisci,
    segnaposti_in,
    superfici,
)
from analisi.anonimizzazione.tipi import Span
from archivio.cifratura import Cifrario
from archivio.cruscotto.revisioni import (
    dettaglio_revisione,
    registra_approvazione,
    salva_mappa_revisione,
    testi_da_approvare,
)


@dataclass
class Revisione:
    """What the review page shows: raw and anonymised text side by side and the spans to hide.

    ``allineato``: ``span`` index the raw text (``base`` is the raw text); otherwise the raw spans could not
    be found (an older story whose texts no longer align) and ``span`` are the placeholders of the
    anonymised text, which is then the base (additions only).
    """

    racconto_id: int
    codice: str
    grezzo: str
    testo_anon: str
    span: list[Span]
    motivi: list[str]
    allineato: bool
    superfici: dict[str, list[str]] = field(default_factory=dict)
    campi_grezzi: dict[str, str] = field(default_factory=dict)
    campi_anon: dict[str, str | None] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.grezzo if self.allineato else self.testo_anon


def apri_revisione(s: Session, racconto_id: int, cifrario: Cifrario, *, ruolo: str, chi: str) -> Revisione:
    """Decrypt a held story (administrator only, audited) with the raw spans behind its placeholders.

    The spans stored by the anonymisation stage are used as they are when they still give the stored
    anonymised text; a story anonymised before they were stored has them rebuilt by :func:`.allinea` once,
    and stored (encrypted) for the next time.
    """
    d = dettaglio_revisione(s, racconto_id, cifrario, ruolo=ruolo, chi=chi)
    mappa, span = decodifica_mappa(d.mappa)
    if span is not None and ricostruisci(d.grezzo, span)[0] != d.testo_anon:
        span = None  # the stored text was changed by other means: find the spans again
    if span is None:
        span = allinea(d.grezzo, d.testo_anon, d.entita, mappa)
        if span is not None:
            # the stored mapping (it may hold the fields' surfaces too) and every surface of the text
            mappa = superfici([*((k, v) for k, lista in mappa.items() for v in lista),
                               *((sp.segnaposto or "", d.grezzo[sp.start:sp.end]) for sp in span)])
            salva_mappa_revisione(s, racconto_id, cifrario.cifra(codifica_mappa(mappa, span)))
    allineato = span is not None
    if span is None:
        span = segnaposti_in(d.testo_anon, d.entita)
    return Revisione(d.racconto_id, d.codice, d.grezzo, d.testo_anon, span, d.motivi, allineato, mappa,
                     d.campi_grezzi, d.campi_anon)


def approva_revisione(s: Session, racconto_id: int, span: Sequence[Span], cifrario: Cifrario, *, ruolo: str,
                      chi: str, base_grezza: bool = True) -> str:
    """Store the reviewed anonymisation and release the story to researchers; returns the new text.

    ``span`` index the raw text (``base_grezza``) or, when the raw spans could not be rebuilt, the current
    anonymised text (then existing placeholders are kept as they are and only additions apply). The mapping
    and the raw spans are stored encrypted with the raw text, so the next review needs no search.
    """
    _, base = testi_da_approvare(s, racconto_id, cifrario, ruolo=ruolo, grezzo=base_grezza)
    nuovo, posizioni, _ = ricostruisci(base, span)
    righe = [Span(a, b, sp.label, sp.segnaposto or "", sp.score, sp.fonte) for a, b, sp in posizioni]
    payload = None
    if base_grezza:  # with the anonymised text as base, the surfaces are placeholders: the payload stays
        raw = [sp for _, _, sp in posizioni]
        mappa = superfici((sp.segnaposto or "", base[sp.start:sp.end]) for sp in raw)
        payload = cifrario.cifra(codifica_mappa(mappa, raw))
    registra_approvazione(s, racconto_id, nuovo, righe, payload, ruolo=ruolo, chi=chi,
                             aggiunti=sum(1 for sp in span if sp.fonte == "umano"), base_grezza=base_grezza)
    return nuovo
