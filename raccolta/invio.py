"""Storing a validated submission with its receipt, and withdrawing it: shared by the form and operators."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from archivio import audit
from archivio import ricevute as store
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.racconti import NuovoRacconto
from archivio.ritirati import annota_ritiro
from raccolta.ricevuta import genera_ricevuta, hash_ricevuta, normalizza_ricevuta


@dataclass(frozen=True)
class Ricevuta:
    """What the narrator gets back. ``codice`` is shown once and never stored (only its hash)."""

    codice: str
    codice_racconto: str
    duplicato: bool


def invia_racconto(archivio: Archivio, cifrario: Cifrario, nuovo: NuovoRacconto, *,
                   finestra_duplicati: timedelta | None, chi: str | None = None) -> Ricevuta:
    """Store a validated story (encrypted raw text) with a fresh receipt; one transaction.

    The same text sent again through the same channel within ``finestra_duplicati`` is stored once, and
    the new receipt is attached to the stored story: each receipt withdraws it. With ``chi`` (an
    operator) an audit entry is written in the same transaction; citizens' submissions are not audited
    one by one (the story row itself records when it arrived).
    """
    for tentativo in range(3):
        codice = genera_ricevuta()
        try:
            with archivio.transazione() as s:
                invio = store.registra_invio(s, replace(nuovo, ricevuta_hash=hash_ricevuta(codice)), cifrario,
                                             finestra_duplicati=finestra_duplicati)
                if chi is not None:
                    audit.registra(s, chi, "racconto_inserito", invio.codice,
                                   {"canale": nuovo.canale, "consenso": nuovo.versione_consenso})
            return Ricevuta(codice, invio.codice, invio.duplicato)
        except IntegrityError:
            # A collision of random codes (receipt or story code) with a concurrent writer: draw again.
            if tentativo == 2:
                raise
    raise AssertionError("unreachable")


def invia_lotto(archivio: Archivio, cifrario: Cifrario, nuovi: Sequence[NuovoRacconto], *,
                finestra_duplicati: timedelta | None) -> list[Ricevuta | Exception]:
    """Store several validated stories in ONE transaction (group commit), each with its own receipt.

    Returns, in order, a Ricevuta or the exception that kept that story out: when the batch as a whole
    fails, the stories are retried one by one, so one bad submission never costs the others.
    """
    if not nuovi:
        return []
    for _ in range(3):
        codici = [genera_ricevuta() for _ in nuovi]
        try:
            with archivio.transazione() as s:
                con_ricevuta = [replace(n, ricevuta_hash=hash_ricevuta(c))
                                for n, c in zip(nuovi, codici, strict=True)]
                invii = store.registra_invii(s, con_ricevuta, cifrario, finestra_duplicati=finestra_duplicati)
            return [Ricevuta(c, i.codice, i.duplicato) for c, i in zip(codici, invii, strict=True)]
        except IntegrityError:
            continue  # a random code collided with a concurrent writer's: draw again
        except Exception:  # isolate the failing submission below
            break
    esiti: list[Ricevuta | Exception] = []
    for n in nuovi:
        try:
            esiti.append(invia_racconto(archivio, cifrario, n, finestra_duplicati=finestra_duplicati))
        except Exception as e:  # reported to that submission's caller
            esiti.append(e)
    return esiti


def ritira_racconto(archivio: Archivio, codice: str, *, chi: str = "cittadino",
                    cifrario: Cifrario | None = None) -> store.Ritiro | None:
    """Withdraw with a receipt code: the story and everything derived from it, or (a receipt got by
    re-sending someone else's text) only that submission. None when nothing matched.

    After the commit the theme model files that may hold the story's words are deleted, the encrypted
    backups rewritten without it (``cifrario``: without the key they are deleted) and the WAL truncated.
    Callers facing the public must not show the result (no oracle); it is for tests and operators.
    """
    if normalizza_ricevuta(codice) is None:
        return None
    with archivio.transazione() as s:
        ritiro = store.ritira(s, hash_ricevuta(codice), chi=chi)
        if ritiro is not None and ritiro.completo:  # listed before the commit: a restored backup must not bring it back
            annota_ritiro(archivio.file_ritirati, ritiro.codice)
    if ritiro is not None:
        store.completa_ritiro(archivio, [ritiro], cifrario)
    return ritiro
