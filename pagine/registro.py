"""The dashboard's pages: the ONE place that says who may open which page (menu order)."""

from __future__ import annotations

from dataclasses import dataclass

RUOLI_LEGGONO = ("ricercatore", "operatore", "amministratore")

@dataclass(frozen=True)
class Pagina:
    """A page of the dashboard: the ONE place that says who may open it."""

    chiave: str
    titolo: str
    file: str
    ruoli: tuple[str, ...]
    icona: str


PAGINE: tuple[Pagina, ...] = (
    Pagina("panoramica", "Panoramica", "pagine/panoramica.py", RUOLI_LEGGONO, ":material/dashboard:"),
    Pagina("temi", "Temi", "pagine/temi.py", RUOLI_LEGGONO, ":material/topic:"),
    Pagina("associazioni", "Associazioni", "pagine/associazioni.py", RUOLI_LEGGONO, ":material/groups:"),
    Pagina("ansie_proposte", "Ansie e proposte", "pagine/ansie_proposte.py", RUOLI_LEGGONO,
           ":material/psychology:"),
    Pagina("esplora", "Esplora racconti", "pagine/esplora.py", RUOLI_LEGGONO, ":material/search:"),
    Pagina("codifica", "Codifica", "pagine/codifica.py", RUOLI_LEGGONO, ":material/edit_note:"),
    Pagina("inserisci", "Inserisci racconto", "pagine/inserisci.py", ("operatore", "amministratore"),
           ":material/post_add:"),
    Pagina("ritira", "Ritira racconto", "pagine/ritira.py", ("operatore", "amministratore"),
           ":material/delete_forever:"),
    Pagina("esporta", "Esporta", "pagine/esporta.py", ("operatore", "amministratore"), ":material/download:"),
    Pagina("revisione", "Revisione anonimizzazione", "pagine/revisione.py", ("amministratore",),
           ":material/shield_person:"),
    Pagina("utenti", "Utenti e conservazione", "pagine/utenti.py", ("amministratore",),
           ":material/manage_accounts:"),
)
_PER_CHIAVE = {p.chiave: p for p in PAGINE}


def pagine_per(ruolo: str) -> list[Pagina]:
    """The pages a role may open, in menu order."""
    return [p for p in PAGINE if ruolo in p.ruoli]


def ruoli_di(chiave: str) -> tuple[str, ...]:
    return _PER_CHIAVE[chiave].ruoli
