"""Coding sentences: codifica (a file), scegli (units to label), addestra (adapt or retrain)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from narrazioni.cli.comune import ErroreUtenteCli, _apri, _file_ingresso, _impostazioni, app, console


@app.command()
def codifica(
    ingresso: Annotated[str, typer.Argument(help="IN.jsonl ({\"id\", \"text\"} per line), 'scegli' or 'addestra'.")],
    uscita: Annotated[str | None, typer.Argument(help="OUT.jsonl: one line per sentence (scegli: IN.jsonl).")] = None,
    terzo: Annotated[Path | None, typer.Argument(help="scegli: OUT.jsonl, the units to label.")] = None,
    soglia: Annotated[float | None, typer.Option(help="Probability above which a code is a label.")] = None,
    modello: Annotated[Path | None, typer.Option(help="Folder of a coder written by 'addestra --esempi'.")] = None,
    n: Annotated[int, typer.Option("--n", help="scegli: how many units to choose.")] = 50,
    esempi: Annotated[Path | None, typer.Option(help="addestra: ESEMPI.jsonl ({id, text, codes}) to adapt the "
                                                "coder to, written to --modello (no database needed).")] = None,
    fold: Annotated[int, typer.Option(help="addestra: folds for the held-out evaluation.")] = 5,
    ricodifica: Annotated[bool, typer.Option(help="addestra: re-code the stored sentences afterwards.")] = False,
) -> None:
    """Code sentences: `codifica IN OUT [--modello DIR]`; choose units to label: `codifica scegli IN OUT --n N`;
    adapt to labelled units: `codifica addestra --esempi E --modello DIR`; retrain from the store:
    `codifica addestra`."""
    imp = _impostazioni()
    if ingresso == "addestra" and esempi is not None:
        from analisi.codifica.lotto import addestra_esempi_jsonl

        if modello is None:
            raise ErroreUtenteCli("uso: narrazioni codifica addestra --esempi ESEMPI.jsonl --modello DIR")
        n_unita, percorso = addestra_esempi_jsonl(_file_ingresso(str(esempi)), modello,
                                                  cartella_dati=imp.archivio.cartella_dati)
        console.print(f"{n_unita} labelled units → {percorso}", markup=False)
        return
    if ingresso == "addestra":
        from analisi.codifica.addestra import addestra
        from analisi.codifica.addestra import ricodifica as ricodifica_tutto
        from analisi.codifica.modello import carica_codificatore

        archivio = _apri(imp)
        addestra(archivio, imp.archivio.cartella_dati, n_fold=fold, stampa=console.print)
        if ricodifica:
            n_frasi = ricodifica_tutto(archivio, carica_codificatore(imp.archivio.cartella_dati))
            console.print(f"{n_frasi} sentences re-coded")
        return
    from analisi.codifica.campagna import carica_modello

    if ingresso == "scegli":
        from analisi.codifica.lotto import scegli_jsonl

        if uscita is None or terzo is None or n < 1:
            raise ErroreUtenteCli("uso: narrazioni codifica scegli IN.jsonl OUT.jsonl --n N [--modello DIR]")
        scelti, letti = scegli_jsonl(_file_ingresso(uscita), terzo, n,
                                     carica_modello(modello, imp.archivio.cartella_dati))
        console.print(f"{scelti} of {letti} units chosen for labelling → {terzo}", markup=False)
        return
    from analisi.codifica.lotto import codifica_jsonl

    if uscita is None or terzo is not None:
        raise ErroreUtenteCli("uso: narrazioni codifica IN.jsonl OUT.jsonl [--modello DIR]")
    esito = codifica_jsonl(_file_ingresso(ingresso), Path(uscita), cartella_dati=imp.archivio.cartella_dati,
                           codificatore=carica_modello(modello, imp.archivio.cartella_dati) if modello else None,
                           tassonomia=imp.piano.tassonomia, soglia=soglia)
    console.print(f"{esito.racconti} stories, {esito.frasi} sentences, {esito.proposte} proposals → {uscita}")
