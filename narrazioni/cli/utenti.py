"""Dashboard users and the retention of raw texts: utenti, pulisci."""

from __future__ import annotations

from typing import Annotated

import typer

from narrazioni.cli.comune import _apri, _impostazioni, app, console

utenti_app = typer.Typer(help="Users of the dashboard and their roles.", no_args_is_help=True)


@app.command()
def pulisci(
    giorni: Annotated[int | None, typer.Option(help="Retention in days (default: the setting).")] = None,
    prova: Annotated[bool, typer.Option(help="Only count what would be erased.")] = False,
) -> None:
    """Erase raw texts whose retention has expired (approved anonymisations only)."""
    from raccolta.conservazione import pulisci_testi_grezzi

    imp = _impostazioni()
    esito = pulisci_testi_grezzi(_apri(imp), imp.conservazione.giorni if giorni is None else giorni, prova=prova)
    console.print(f"{esito.purgati} raw texts {'would be ' if esito.prova else ''}erased")


@utenti_app.command("aggiungi")
def utenti_aggiungi(
    nome: str,
    ruolo: Annotated[str, typer.Option(help="ricercatore, operatore or amministratore.")],
    password: Annotated[str | None, typer.Option(
        envvar="NARRAZIONI_PASSWORD", help="Password (or NARRAZIONI_PASSWORD); asked when missing.")] = None,
) -> None:
    """Add a dashboard user."""
    from archivio.utenti import crea_utente

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    u = crea_utente(_apri(_impostazioni()), nome, password, ruolo, chi="cli")
    console.print(f"user {u.nome_utente} added with role {u.ruolo}")


@utenti_app.command("elenco")
def utenti_elenco() -> None:
    """List users and roles."""
    from archivio.utenti import elenco_utenti

    archivio = _apri(_impostazioni())
    with archivio.lettura() as s:
        for u in elenco_utenti(s):
            console.print(f"{u.nome_utente}\t{u.ruolo}\t{'attivo' if u.attivo else 'disattivato'}")


@utenti_app.command("disattiva")
def utenti_disattiva(nome: str) -> None:
    """Deactivate a user (the last active administrator cannot be deactivated)."""
    _imposta_utente(nome, attivo=False)


@utenti_app.command("attiva")
def utenti_attiva(nome: str) -> None:
    """Reactivate a user."""
    _imposta_utente(nome, attivo=True)


@utenti_app.command("ruolo")
def utenti_ruolo(nome: str, ruolo: str) -> None:
    """Change a user's role (ricercatore, operatore, amministratore)."""
    _imposta_utente(nome, ruolo=ruolo)


@utenti_app.command("password")
def utenti_password(
    nome: str,
    password: Annotated[str | None, typer.Option(envvar="NARRAZIONI_PASSWORD", help="New password.")] = None,
) -> None:
    """Set a new password."""
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    _imposta_utente(nome, password=password)


def _imposta_utente(nome: str, *, attivo: bool | None = None, ruolo: str | None = None,
                    password: str | None = None) -> None:
    from archivio.utenti import aggiorna_utente

    aggiorna_utente(_apri(_impostazioni()), nome, chi="cli", attivo=attivo, ruolo=ruolo, password=password)
    console.print(f"user {nome} updated")
