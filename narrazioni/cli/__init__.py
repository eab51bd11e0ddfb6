"""The ``narrazioni`` command line. It only parses options and calls the library.

One module of commands per area (copie, ingresso, elaborazione, anonimizza, codifica, temi, utenti, stampa), all
on the one ``app`` of :mod:`narrazioni.cli.comune`; :func:`main` is the only place that turns errors into lines.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import typer

from archivio.errori import ErroreNarrazioni

# Importing a module of commands registers them on `app`.
from narrazioni.cli import anonimizza, codifica, copie, elaborazione, ingresso, stampa, temi, utenti  # noqa: F401
from narrazioni.cli.comune import ErroreUtenteCli, _impostazioni, app, console, errori

__all__ = ["ErroreUtenteCli", "app", "console", "errore_archivio", "errori", "main"]

app.add_typer(utenti.utenti_app, name="utenti")
app.add_typer(ingresso.associazioni_app, name="associazioni")
app.add_typer(anonimizza.modello_app, name="modello")
app.add_typer(stampa.stampa_app, name="stampa")
# `narrazioni --help` lists the commands in this order (the order of the single module they came from).
_ORDINE = ("init", "ripristina-copia", "importa", "pulisci", "ritira", "elabora", "stato", "backup", "ripristina",
           "anonimizza", "codifica", "temi", "demo", "servi", "lavora")
app.registered_commands.sort(  # a command not listed goes last
    key=lambda c: {n: i for i, n in enumerate(_ORDINE)}.get(
        c.name or getattr(c.callback, "__name__", "").replace("_", "-"), len(_ORDINE)))


def _catena(e: BaseException) -> Iterator[BaseException]:
    """The exception and its causes (``raise ... from``, or raised while handling another)."""
    visti: set[int] = set()
    attuale: BaseException | None = e
    while attuale is not None and id(attuale) not in visti:
        visti.add(id(attuale))
        yield attuale
        attuale = attuale.__cause__ or attuale.__context__


def errore_archivio(e: BaseException) -> str | None:
    """One Italian line for an error of the store or of the data directory, or None for any other error."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    for causa in _catena(e):
        if isinstance(causa, OSError) and causa.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return (f"permesso negato su {causa.filename or 'un file dei dati'}: la cartella dei dati e i suoi "
                    "file devono essere scrivibili dall'utente che esegue il comando")
        if isinstance(causa, OSError) and causa.errno == errno.ENOSPC:
            return "il disco è pieno: libera spazio nella cartella dei dati e riprova"
        originale = causa.orig if isinstance(causa, DBAPIError) else causa
        if not isinstance(originale, sqlite3.Error) and not isinstance(causa, DBAPIError):
            continue
        testo = str(originale).lower()
        if "readonly" in testo or "read-only" in testo or "read only" in testo:
            return ("il database è in sola lettura: la cartella dei dati e i suoi file devono essere "
                    "scrivibili dall'utente che esegue il comando")
        if "unable to open" in testo:
            return ("impossibile aprire il database: controlla che la cartella dei dati esista e sia "
                    "leggibile e scrivibile")
        if "locked" in testo or "busy" in testo:
            return "il database è occupato da un altro processo: riprova tra poco"
        if "not a database" in testo or "malformed" in testo or "corrupt" in testo:
            return ("il file del database è danneggiato o non è un database: ripristina una copia di "
                    "sicurezza (i dati non sono stati modificati)")
        if "disk" in testo and "full" in testo:
            return "il disco è pieno: libera spazio nella cartella dei dati e riprova"
        riga = (str(originale).strip().splitlines() or [type(originale).__name__])[0][:200]
        return f"il database ha risposto con un errore ({type(originale).__name__}): {riga}"
    return None


def _registra_dettaglio(e: BaseException) -> Path | None:
    """Write the full traceback to ``narrazioni.log`` in the data directory (or the user's cache): the user
    sees one line, the log keeps the detail. Returns the log file, or None when none could be written."""
    import logging
    import traceback

    candidati = []
    with contextlib.suppress(Exception):  # the settings themselves may be the problem
        candidati.append(Path(_impostazioni().archivio.cartella_dati) / "narrazioni.log")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "narrazioni" / "narrazioni.log"
    candidati.append(cache)
    dettaglio = "".join(traceback.format_exception(e))
    for file in candidati:
        try:
            if file.parent != cache.parent and not file.parent.is_dir():
                continue
            file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} narrazioni {' '.join(sys.argv[1:2])}\n{dettaglio}\n")
            return file
        except OSError:
            continue
    logging.getLogger("narrazioni").debug("store error", exc_info=e)
    return None


def main() -> None:
    """Entry point: user mistakes become one line on stderr and a non-zero exit, never a traceback."""
    from pydantic import ValidationError

    try:
        codice = app(standalone_mode=False)
        sys.exit(codice if isinstance(codice, int) else 0)
    except ValidationError as e:  # settings changed by an option (``elabora --lotto``)
        from archivio.impostazioni import messaggio_errore

        errori.print(f"errore: {messaggio_errore(e)}", markup=False, highlight=False)
        sys.exit(1)
    except (typer.Exit, SystemExit) as e:
        codice = e.exit_code if isinstance(e, typer.Exit) else e.code
        sys.exit(codice if isinstance(codice, int) else 0)
    except typer.Abort:
        errori.print("interrotto")
        sys.exit(130)
    except ErroreNarrazioni as e:  # a user's mistake or setup (archivio/errori.py): one line, no traceback
        errori.print(f"errore: {e}", markup=False, highlight=False)
        sys.exit(1)
    except Exception as e:
        # Usage errors (bad option, unknown command) come from the click that typer bundles.
        codice_uscita = getattr(e, "exit_code", None)
        if hasattr(e, "show") and isinstance(codice_uscita, int):
            e.show()
            sys.exit(codice_uscita)
        messaggio = errore_archivio(e)
        if messaggio is None:
            raise
        log = _registra_dettaglio(e)
        errori.print(f"errore: {messaggio}" + (f" (dettagli in {log})" if log else ""), markup=False,
                     highlight=False)
        sys.exit(1)
