"""Printable material for people without internet: stampa manifesto, stampa modulo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from narrazioni.cli.comune import _associazioni_se_inizializzato, _impostazioni, console, errori

stampa_app = typer.Typer(help="Printable material for people without internet (PDF).", no_args_is_help=True)


@stampa_app.command("manifesto")
def stampa_manifesto(
    file: Annotated[Path, typer.Argument(help="The PDF to write.")],
    url: Annotated[str | None, typer.Option(help="The form's address (default: the setting modulo.url_pubblico).")]
    = None,
) -> None:
    """An A4 poster with the QR code of the public form."""
    from raccolta.stampa import scrivi_manifesto

    imp = _impostazioni()
    indirizzo = url or imp.modulo.url_pubblico
    if not indirizzo:
        indirizzo = f"http://{imp.servizio.host}:{imp.servizio.porta_modulo}/"
        errori.print(f"avviso: no --url and no NARRAZIONI_MODULO__URL_PUBBLICO: the poster points to {indirizzo}",
                     markup=False)
    scrivi_manifesto(file, indirizzo)
    console.print(f"poster → {file} ({indirizzo})", markup=False)


@stampa_app.command("modulo")
def stampa_modulo(file: Annotated[Path, typer.Argument(help="The PDF to write.")]) -> None:
    """A paper form whose fields are the import columns, with the consent text of the current version."""
    from raccolta.stampa import scrivi_modulo

    imp = _impostazioni()
    scrivi_modulo(file, imp.modulo.versione_consenso, associazioni=_associazioni_se_inizializzato(imp))
    console.print(f"paper form → {file} (consent {imp.modulo.versione_consenso}; import the transcription with "
                  f"'narrazioni importa FILE --consenso {imp.modulo.versione_consenso}')", markup=False)
