"""What every command module of the ``narrazioni`` command line shares: the app, the consoles, opening the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from archivio.errori import ErroreDati

app = typer.Typer(help="Narrazioni: racconti dei cittadini → evidenze per il Piano di Zona.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
_OPZIONI_LIBERE = {"allow_extra_args": True, "ignore_unknown_options": True}

console = Console(soft_wrap=True)
errori = Console(stderr=True, soft_wrap=True)
RADICE = Path(__file__).resolve().parent.parent.parent


class ErroreUtenteCli(ErroreDati):
    """A user mistake: printed as one line, exit code 1."""


def _impostazioni() -> Any:
    from archivio.impostazioni import carica_impostazioni

    return carica_impostazioni()


def _apri(impostazioni: Any, *, migra: bool = False) -> Any:
    from archivio.db import Archivio, revisione_corrente, revisione_finale

    archivio = Archivio(impostazioni.url_database(), file_ritirati=impostazioni.percorso_ritirati())
    if not migra and revisione_corrente(archivio) != revisione_finale():
        raise ErroreUtenteCli("il database non è inizializzato o non è aggiornato: esegui 'narrazioni init'")
    return archivio


def _cifrario(impostazioni: Any) -> Any:
    from archivio.cifratura import Cifrario

    return Cifrario.da_file(impostazioni.percorso_chiave())


def _file_ingresso(percorso: str) -> Path:
    p = Path(percorso)
    if not p.is_file():
        raise ErroreUtenteCli(f"file di ingresso non trovato: {percorso}")
    return p


def _associazioni_se_inizializzato(imp: Any) -> list[str]:
    """Association names to keep, from the store when there is one (the batch command works without it)."""
    from archivio import racconti as q
    from archivio.db import Archivio, revisione_corrente, revisione_finale

    if imp.archivio.database_url is None and not (Path(imp.archivio.cartella_dati) / "narrazioni.db").exists():
        return []
    archivio = Archivio(imp.url_database())
    try:
        if revisione_corrente(archivio) != revisione_finale():
            return []
        with archivio.lettura() as s:
            return q.nomi_associazioni(s)
    finally:
        archivio.chiudi()
