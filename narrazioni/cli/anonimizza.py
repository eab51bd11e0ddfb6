"""Anonymising a file and the shipped Italian spaCy pipeline: anonimizza, modello."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from narrazioni.cli.comune import (
    _OPZIONI_LIBERE,
    ErroreUtenteCli,
    _associazioni_se_inizializzato,
    _impostazioni,
    app,
    console,
)

modello_app = typer.Typer(help="The shipped Italian spaCy pipeline it_narrazioni.", no_args_is_help=True)


@app.command()
def anonimizza(
    ingresso: Annotated[Path, typer.Argument(help="IN.jsonl: {\"id\": str, \"text\": str} per line.")],
    uscita: Annotated[Path, typer.Argument(help="OUT.jsonl: {\"id\", \"text_anon\", \"entities\", "
                                               "\"revisione\", \"motivi\", \"rischio\"} per line.")],
    processi: Annotated[int, typer.Option(min=1, help="Worker processes (order is kept).")] = 1,
    lotto: Annotated[int, typer.Option(min=1, help="Stories per batch.")] = 64,
) -> None:
    """Anonymise a JSONL file (offsets in `entities` index the original text)."""
    from analisi.anonimizzazione import Anonimizzatore, anonimizza_jsonl
    from analisi.lingua import carica_italiano

    imp = _impostazioni()
    associazioni = _associazioni_se_inizializzato(imp)
    if not ingresso.is_file():
        raise ErroreUtenteCli(f"file di ingresso non trovato: {ingresso}")
    anonimizzatore = Anonimizzatore.da_impostazioni(carica_italiano(imp.elaborazione.modello_lingua),
                                                    imp.anonimizzazione, consentiti=associazioni)
    with open(ingresso, encoding="utf-8") as f_in, open(uscita, "w", encoding="utf-8") as f_out:
        n = anonimizza_jsonl(f_in, f_out, anonimizzatore, processi=processi, batch_size=lotto)
    console.print(f"{n} stories anonymised → {uscita}", markup=False)


@modello_app.command("addestra", context_settings=_OPZIONI_LIBERE)
def modello_addestra(ctx: typer.Context) -> None:
    """Retrain it_narrazioni from ../shared (KIND, UD); options as `python -m analisi.spacy_it.addestra -h`."""
    from analisi.spacy_it.addestra import main as addestra_main

    raise typer.Exit(addestra_main(list(ctx.args)))


@modello_app.command("valuta", context_settings=_OPZIONI_LIBERE)
def modello_valuta(ctx: typer.Context) -> None:
    """Scores of an Italian pipeline on KIND dev and UD ParTUT test (`--modello auto|narrazioni|NAME`)."""
    from analisi.spacy_it.valuta import main as valuta_main

    raise typer.Exit(valuta_main(list(ctx.args)))
