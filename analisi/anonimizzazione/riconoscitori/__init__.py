"""Pattern recognizers for structured personal data in Italian text, one module per family.

Every recognizer is a compiled regular expression plus, where the identifier has one, a checksum: the
pattern is lenient (spaces, lower case, omocodia) so that recall stays at 1.00, and the checksum decides
the score. A structured candidate that fails its checksum is still masked, with a low score that sends
the story to review: a mistyped codice fiscale is still personal data.

- :mod:`.contatti`: e-mail, URL and social handles, telephone numbers;
- :mod:`.codici`: codice fiscale, IBAN, partita IVA, tessera sanitaria, number plates;
- :mod:`.luoghi`: street addresses and children's schools;
- :mod:`.date_eta`: dates of birth and exact ages (ages run later: they need the names found first).
"""

from __future__ import annotations

from collections.abc import Callable

from analisi.anonimizzazione.riconoscitori.codici import (
    trova_codici_fiscali,
    trova_iban,
    trova_partite_iva,
    trova_targhe,
    trova_tessere,
)
from analisi.anonimizzazione.riconoscitori.contatti import trova_email, trova_telefoni, trova_url
from analisi.anonimizzazione.riconoscitori.date_eta import trova_date_nascita
from analisi.anonimizzazione.riconoscitori.luoghi import trova_indirizzi, trova_scuole
from analisi.anonimizzazione.tipi import Candidato

RICONOSCITORI: tuple[Callable[[str], list[Candidato]], ...] = (
    trova_email,
    trova_url,
    trova_telefoni,
    trova_codici_fiscali,
    trova_iban,
    trova_partite_iva,
    trova_tessere,
    trova_targhe,
    trova_indirizzi,
    trova_date_nascita,
    trova_scuole,
)


def trova_strutturati(testo: str) -> list[Candidato]:
    """All pattern recognizers except ages (which need the names found first)."""
    out: list[Candidato] = []
    for riconoscitore in RICONOSCITORI:
        out.extend(riconoscitore(testo))
    return out


__all__ = ["RICONOSCITORI", "trova_strutturati"]
