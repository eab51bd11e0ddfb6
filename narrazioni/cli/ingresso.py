"""Commands that bring stories and associations in, or take a story out: importa, ritira, associazioni."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from narrazioni.cli.comune import ErroreUtenteCli, _apri, _cifrario, _impostazioni, app, console

associazioni_app = typer.Typer(help="The associations of the district.", no_args_is_help=True)


@associazioni_app.command("carica")
def associazioni_carica(file: Path) -> None:
    """Add the associations listed in a CSV file (columns nome, tipo, descrizione)."""
    from raccolta.associazioni import carica_associazioni

    archivio = _apri(_impostazioni())
    console.print(f"{carica_associazioni(archivio, file)} new associations")


@associazioni_app.command("elenco")
def associazioni_elenco() -> None:
    """List the associations."""
    from archivio import racconti as q

    archivio = _apri(_impostazioni())
    with archivio.lettura() as s:
        for nome in q.nomi_associazioni(s):
            console.print(nome)


def _leggi_mappa(mappa: str | None) -> dict[str, str]:
    if not mappa:
        return {}
    out = {}
    for coppia in mappa.split(","):
        colonna, sep, campo = coppia.partition("=")
        if not sep or not colonna.strip() or not campo.strip():
            raise ErroreUtenteCli(f"voce --mappa non valida {coppia!r}: usa 'file colonna=campo'")
        out[colonna.strip()] = campo.strip()
    return out


@app.command()
def importa(
    file: Annotated[list[Path], typer.Argument(help="CSV, JSONL, XLSX, DOCX or TXT files.")],
    consenso: Annotated[str, typer.Option(help="Consent version the operator collected (on paper).")],
    mappa: Annotated[str | None, typer.Option(help="Column mapping: 'Colonna file=testo,Zona=quartiere'.")] = None,
    tutto_o_niente: Annotated[bool, typer.Option(help="Import nothing if any row of any file is invalid.")] = False,
    crea_associazioni: Annotated[bool, typer.Option(help="Create associations not yet known.")] = False,
    divisione_docx: Annotated[str, typer.Option(help="DOCX: auto, documento (one story) or titolo.")] = "auto",
    foglio: Annotated[str | None, typer.Option(help="XLSX: the sheet to read (default: all).")] = None,
) -> None:
    """Import stories from files in one transaction; invalid rows are listed, valid ones imported once."""
    from raccolta.importa import importa_files

    if divisione_docx not in ("auto", "documento", "titolo"):
        raise ErroreUtenteCli("--divisione-docx deve essere auto, documento o titolo")
    imp = _impostazioni()
    archivio = _apri(imp)
    esiti = importa_files(archivio, _cifrario(imp), file, versione_consenso=consenso, mappa_colonne=_leggi_mappa(mappa),
                          tutto_o_niente=tutto_o_niente, crea_associazioni=crea_associazioni,
                          divisione_docx=divisione_docx, foglio=foglio)
    problemi = 0
    for esito in esiti:
        if esito.errore_file:
            console.print(f"{esito.file}: not imported: {esito.errore_file}", markup=False)
            problemi += 1
            continue
        console.print(f"{esito.file}: {esito.letti} rows read, {esito.importati} imported, "
                      f"{esito.gia_presenti} already present, {len(esito.errori)} with errors", markup=False)
        for avviso in esito.avvisi:
            console.print(f"  avviso: {avviso}", markup=False)
        for e in esito.errori[:50]:
            console.print(f"  {e.dove or f'riga {e.riga}'}: {'; '.join(e.messaggi)}", markup=False)
        if len(esito.errori) > 50:
            console.print(f"  ... and {len(esito.errori) - 50} more rows with errors")
        problemi += len(esito.errori)
    if tutto_o_niente and problemi:
        console.print("nothing imported (--tutto-o-niente)")
    if problemi:
        raise typer.Exit(2)


@app.command()
def ritira(
    codice: Annotated[str, typer.Argument(help="The narrator's receipt code, or the story's R- code.")],
    motivo: Annotated[str | None, typer.Option(help="Why (required with an R- code; kept in the audit).")] = None,
    chi: Annotated[str, typer.Option(help="Operator or administrator acting (written in the audit).")] = "cli",
) -> None:
    """Withdraw a story: with the narrator's receipt, or by its R- code with --motivo (e.g. imported stories).

    Everything derived from it is deleted: rows, full-text index, theme model files (refitted at the next
    `elabora`), the encrypted backups (rewritten without it), the WAL.
    """
    from raccolta.operatore import ritira_per_conto
    from raccolta.validazione import ErroreValidazione

    imp = _impostazioni()
    archivio = _apri(imp)
    try:
        ritiro = ritira_per_conto(archivio, codice, operatore=chi, cifrario=_cifrario(imp), motivo=motivo)
    except ErroreValidazione as e:
        raise ErroreUtenteCli(" ".join(er.messaggio for er in e.errori)) from None
    if ritiro is None:
        raise ErroreUtenteCli("nessun racconto con questo codice")
    if ritiro.completo:
        console.print(f"racconto {ritiro.codice} ritirato: cancellato con tutto ciò che ne derivava")
    else:
        console.print("questa ricevuta era di un invio ripetuto dello stesso testo da parte di un'altra persona: "
                      "è stato annullato solo quell'invio, il racconto di chi l'ha inviato per primo resta")
