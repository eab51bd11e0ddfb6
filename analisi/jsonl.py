"""The one reader of the JSONL inputs of the batch contracts (``anonimizza``, ``codifica``, ``codifica scegli``,
``codifica addestra --esempi``, ``temi``) and of the corpus files (``analisi.corpus``): one JSON object per
line, validated by a pydantic model.

Blank lines are skipped; the first malformed line stops the reading with :class:`ErroreRigaJsonl`, whose Italian
message starts with ``riga N:`` (not JSON, not an object, a field missing or of the wrong type). Fields the
model does not declare are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError

from archivio.errori import ErroreDati

__all__ = ["ErroreRigaJsonl", "Racconto", "UnitaEtichettata", "leggi_jsonl"]


class ErroreRigaJsonl(ErroreDati, ValueError):
    """A malformed input line; ``riga`` is its 1-based number, ``motivo`` what is wrong (Italian)."""

    def __init__(self, riga: int, motivo: str) -> None:
        super().__init__(f"riga {riga}: {motivo}")
        self.riga = riga
        self.motivo = motivo


class Racconto(BaseModel):
    """An input line ``{"id": str, "text": str}``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: StrictStr
    text: StrictStr


class UnitaEtichettata(Racconto):
    """A unit labelled by a person: ``{"id": str, "text": str, "codes": [str]}`` (codes possibly empty)."""

    codes: list[StrictStr]


M = TypeVar("M", bound=BaseModel)

_TIPI = {"id": "stringa", "text": "stringa", "codes": "lista di stringhe", "associazione": "stringa",
         "data": "data nel formato YYYY-MM-DD"}


def _motivo(errore: ValidationError, modello: type[BaseModel]) -> str:
    primo = errore.errors(include_url=False)[0]
    if primo["type"] == "json_invalid":
        return f"JSON non valido ({primo.get('ctx', {}).get('error', primo['msg'])})"
    if not primo["loc"]:
        campi = ", ".join(f'"{nome}": ...' for nome in modello.model_fields)
        return f"atteso un oggetto JSON {{{campi}}}"
    campo = str(primo["loc"][0])
    return f'campo "{campo}" mancante o non {_TIPI.get(campo, "valido")}'


def leggi_jsonl(righe: Iterable[str], modello: type[M]) -> Iterator[tuple[int, M]]:
    """(line number, validated object) for each non-blank line of ``righe``.

    Raises:
        ErroreRigaJsonl: at the first malformed line (the objects before it have been yielded).
    """
    for numero, riga in enumerate(righe, start=1):
        if not riga.strip():
            continue
        try:
            yield numero, modello.model_validate_json(riga)
        except ValidationError as e:
            raise ErroreRigaJsonl(numero, _motivo(e, modello)) from None

