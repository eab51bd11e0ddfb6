"""Commands for the database, its key and its backups: init, ripristina-copia, backup, ripristina."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from narrazioni.cli.comune import ErroreUtenteCli, _apri, _cifrario, _impostazioni, app, console, errori


@app.command()
def init() -> None:
    """Create or migrate the database, create the encryption key, register the consent text."""
    from archivio.chiave import controlla_chiave
    from archivio.cifratura import crea_chiave
    from archivio.copie import cifra_copie_in_chiaro
    from archivio.db import migra
    from raccolta.consenso import registra_consenso

    imp = _impostazioni()
    archivio = _apri(imp, migra=True)
    if not controlla_chiave(archivio, imp.percorso_chiave()):
        errori.print(f"attenzione: la chiave {imp.percorso_chiave()} non apre i testi cifrati del database: "
                     "i racconti non ancora anonimizzati resteranno in errore finché non rimetti la chiave "
                     "originale ('narrazioni stato' li conta).", markup=False)
    if crea_chiave(imp.percorso_chiave()):
        console.print(f"new encryption key: {imp.percorso_chiave()} (keep it safe, outside backups of the db)")
    cifrario = _cifrario(imp)
    prima, dopo, backup = migra(archivio, cifrario)
    if backup:
        console.print(f"encrypted backup of the database before migrating: {backup} "
                      "(restore it with 'narrazioni ripristina-copia')")
    if archivio.sqlite and (n := cifra_copie_in_chiaro(archivio.url, cifrario)):
        console.print(f"{n} plaintext backups of earlier versions encrypted with the key")
    console.print(f"database {'created' if prima is None else 'at'} revision {dopo}: {imp.url_database()}")
    if not registra_consenso(archivio, imp.modulo.versione_consenso):
        raise ErroreUtenteCli(f"nessun testo del consenso per la versione {imp.modulo.versione_consenso!r}")


@app.command("ripristina-copia")
def ripristina_copia(
    copia: Annotated[Path, typer.Argument(help="An encrypted backup (narrazioni.db.<when>.bak.fernet).")],
    destinazione: Annotated[Path, typer.Argument(help="Where to write the plain SQLite file.")],
) -> None:
    """Decrypt a backup made by `init` into a plain SQLite file (to recover from a failed migration)."""
    from archivio.copie import decifra_copia

    if not copia.is_file():
        raise ErroreUtenteCli(f"file non trovato: {copia}")
    if destinazione.exists():
        raise ErroreUtenteCli(f"{destinazione} esiste già: scegli un altro nome")
    decifra_copia(copia, _cifrario(_impostazioni()), destinazione)
    console.print(f"backup decrypted into {destinazione}", markup=False)


@app.command()
def backup(file: Annotated[Path, typer.Argument(help="The backup file to write (.tar.gz).")]) -> None:
    """Consistent online copy of the store and its models (raw texts stay encrypted; the key is never in it)."""
    from archivio.salvataggi import backup as fai_backup

    imp = _impostazioni()
    esito = fai_backup(_apri(imp), Path(imp.archivio.cartella_dati), file, file_chiave=imp.percorso_chiave())
    console.print(f"backup: {esito.racconti} stories → {esito.file} ({esito.byte:,} bytes); the key "
                  f"{imp.percorso_chiave()} is NOT in it: keep a copy of the key apart", markup=False)


@app.command()
def ripristina(
    file: Annotated[Path, typer.Argument(help="A file written by `narrazioni backup`.")],
    ritirati: Annotated[list[Path] | None, typer.Option(
        help="More withdrawal lists (ritirati.txt) to apply, e.g. the one kept with the key.")] = None,
) -> None:
    """Restore a backup into an empty data directory; stories withdrawn since the backup stay withdrawn."""
    from archivio.salvataggi import ripristina as fai_ripristino

    imp = _impostazioni()
    esito = fai_ripristino(file, imp.url_database(), Path(imp.archivio.cartella_dati),
                           file_ritirati=imp.percorso_ritirati(), file_chiave=imp.percorso_chiave(),
                           altri_ritirati=ritirati or [])
    console.print(f"restored {esito.racconti} stories at revision {esito.revisione} into {imp.url_database()}"
                  + (f"; {esito.ritirati_tolti} withdrawn stories removed again" if esito.ritirati_tolti else ""),
                  markup=False)
    if not imp.percorso_chiave().exists():
        console.print(f"the key is not in the backup: copy it to {imp.percorso_chiave()} (without it the raw "
                      "texts cannot be read, e.g. for review or re-anonymisation)", markup=False)
