"""Operators type in a story collected on paper: same validation as the form, channel ``operatore``.

The dashboard's page calls :func:`inserisci_racconto_cartaceo`; the operator hands the receipt code to the
narrator (written on their copy of the paper consent form) so that they can withdraw the story alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archivio import racconti as q
from archivio import ricevute as store
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.ritirati import annota_ritiro
from raccolta.invio import invia_racconto, ritira_racconto
from raccolta.ricevuta import normalizza_ricevuta
from raccolta.validazione import ErroreCampo, ErroreValidazione, valida_racconto

CANALE = "operatore"


@dataclass(frozen=True)
class EsitoOperatore:
    """The stored story's code (for the operator's register) and the receipt code for the narrator."""

    codice_racconto: str
    ricevuta: str


def inserisci_racconto_cartaceo(archivio: Archivio, cifrario: Cifrario, campi: Mapping[str, Any], *,
                                versione_consenso: str, operatore: str,
                                consenti_duplicato: bool = False) -> EsitoOperatore:
    """Validate and store a paper story typed in by ``operatore``.

    ``campi`` has the form's fields (``testo``, ``titolo``, ``associazione``, ..., ``consenso``: the
    operator confirms the narrator signed the paper consent of ``versione_consenso``).

    Raises:
        ErroreValidazione: Italian messages per field, as on the form; also for an unknown consent
            version, and for a text already stored (unless ``consenti_duplicato``), naming its code.
    """
    with archivio.lettura() as s:
        if q.consenso(s, versione_consenso) is None:
            raise ErroreValidazione([ErroreCampo(
                "versione_consenso", f"Versione del consenso sconosciuta: «{versione_consenso[:40]}». "
                f"Versioni registrate: {', '.join(q.versioni_consenso(s)) or 'nessuna'}.")])
        associazioni = set(q.nomi_associazioni(s))
    nuovo = valida_racconto(campi, associazioni=associazioni, canale=CANALE,
                            versione_consenso=versione_consenso)
    if not consenti_duplicato:
        # Unlike the public form, operators are told about any earlier copy, whenever it came in.
        with archivio.lettura() as s:
            codice = store.codice_con_stesso_testo(s, nuovo.testo)
        if codice is not None:
            raise ErroreValidazione([ErroreCampo(
                "testo", f"Questo racconto è già presente nell'archivio (codice {codice}). "
                "Se è davvero un racconto diverso, conferma l'inserimento del duplicato.")])
    ricevuta = invia_racconto(archivio, cifrario, nuovo, finestra_duplicati=None, chi=operatore)
    return EsitoOperatore(ricevuta.codice_racconto, ricevuta.codice)


CODICE_RACCONTO = re.compile(r"^\s*R-[0-9A-F]{8}\s*$", re.IGNORECASE)


def ritira_per_conto(archivio: Archivio, codice: str, *, operatore: str, cifrario: Cifrario | None = None,
                     motivo: str | None = None) -> store.Ritiro | None:
    """Withdraw a story for a narrator: with the receipt they bring, or by the story's ``R-`` code.

    The ``R-`` code works for any story (imported ones have no receipt) and needs a reason, written in the
    audit with the operator's name. Operators may see the result: they act for the narrator or the
    project. None when nothing matched.

    Raises:
        ErroreValidazione: an ``R-`` code without a reason, or a code that is neither form.
    """
    if CODICE_RACCONTO.match(codice):
        if not motivo or not motivo.strip():
            raise ErroreValidazione([ErroreCampo(
                "motivo", "Per ritirare un racconto con il suo codice R- scrivi il motivo (resta nel registro).")])
        with archivio.transazione() as s:
            ritiro = store.ritira_per_codice(s, codice, chi=operatore, motivo=motivo)
            if ritiro is not None:  # listed before the commit: a restored backup must not bring it back
                annota_ritiro(archivio.file_ritirati, ritiro.codice)
        if ritiro is not None:
            store.completa_ritiro(archivio, [ritiro], cifrario)
        return ritiro
    if normalizza_ricevuta(codice) is None:
        raise ErroreValidazione([ErroreCampo(
            "codice", "Scrivi il codice di ricevuta (12 lettere e cifre, es. 7KQ2-M9XD-4TBW) "
                      "o il codice del racconto (R- seguito da 8 cifre o lettere, es. R-1A2B3C4D).")])
    return ritira_racconto(archivio, codice, chi=operatore, cifrario=cifrario)
