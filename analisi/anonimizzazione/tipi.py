"""Data types of the anonymiser: spans of personal data, results, labels and their placeholders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analisi.anonimizzazione.rischio import Segnale

#: Labels of the batch contract (``narrazioni anonimizza``), in a stable order.
ETICHETTE: tuple[str, ...] = (
    "PERSONA",
    "LUOGO",
    "ORGANIZZAZIONE",
    "EMAIL",
    "TELEFONO",
    "CODICE_FISCALE",
    "PARTITA_IVA",
    "IBAN",
    "TESSERA_SANITARIA",
    "INDIRIZZO",
    "URL",
    "TARGA",
    "DATA_NASCITA",
    "ETA",
)

#: Labels whose placeholder is numbered per story (the same person keeps the same number).
NUMERATE: frozenset[str] = frozenset({"PERSONA", "LUOGO", "ORGANIZZAZIONE"})

#: ``fonte`` of an ORGANIZZAZIONE that is a children's school: its placeholder is ``[SCUOLA]``.
FONTE_SCUOLA = "regola:scuola"

#: Labels found by validated patterns: never dropped by the allow-list.
STRUTTURATE: frozenset[str] = frozenset(ETICHETTE) - {"PERSONA", "LUOGO", "ORGANIZZAZIONE", "INDIRIZZO",
                                                       "DATA_NASCITA", "ETA"}


@dataclass(frozen=True)
class Span:
    """THE span of personal data of the anonymiser: detection, placeholders, review and the stage all use it.

    ``start``/``end`` are offsets into the text the span was found in: the ORIGINAL (raw) text for detection,
    the review and the encrypted payload; the anonymised text for the placeholder rows the stage stores
    (``archivio.tabelle.Entita``, the stored row, keeps the schema's column names). ``label`` is the label of
    the batch contract (:data:`ETICHETTE`) or a review label (``SCUOLA``); ``segnaposto`` the placeholder
    that replaces the span (``None``: not given yet, :func:`.segnaposto.ricostruisci` numbers it); ``text``
    the surface as found by detection (empty for spans rebuilt or added in the review).
    """

    start: int
    end: int
    label: str
    segnaposto: str | None = None
    score: float = 1.0
    fonte: str = "umano"
    text: str = ""

    @property
    def scuola(self) -> bool:
        return self.fonte == FONTE_SCUOLA


@dataclass
class Esito:
    """The result for one story.

    ``superfici`` is the mapping (:mod:`.segnaposto`): placeholder -> the distinct original surfaces it
    replaced; ``segnaposti`` the placeholder of each span of ``entita``, in order. Both must be stored only encrypted.
    ``da_rivedere`` puts the story in the administrator's review queue, ``motivi`` says why (in Italian).
    """

    testo_anon: str
    entita: list[Span]
    superfici: dict[str, list[str]] = field(default_factory=dict)
    da_rivedere: bool = False
    motivi: list[str] = field(default_factory=list)
    #: residual risk that a person's name is still readable (0-1), and the tokens behind it
    rischio: float = 0.0
    segnali: list[Segnale] = field(default_factory=list)
    segnaposti: list[str] = field(default_factory=list)

    @property
    def mappa(self) -> dict[str, str]:
        """The mapping read in one line per placeholder (:func:`.segnaposto.mappa_leggibile`)."""
        from analisi.anonimizzazione.segnaposto import mappa_leggibile

        return mappa_leggibile(self.superfici)


@dataclass
class Candidato:
    """A span proposed by one recognizer, before overlaps are resolved.

    ``forte`` marks spans backed by context (a title, a kinship word, "mi chiamo", a name already found in
    the story): they survive the place list, not the institution list.
    """

    start: int
    end: int
    label: str
    score: float
    fonte: str
    forte: bool = False

    @property
    def lunghezza(self) -> int:
        return self.end - self.start
