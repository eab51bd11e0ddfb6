"""The embedded demo (``narrazioni demo``): the sample corpus imported once, the demo users with one password."""

from __future__ import annotations

from pathlib import Path

from archivio.cifratura import Cifrario
from archivio.db import Archivio
from raccolta.importa import EsitoImport

#: (user name, role) of the demo logins
UTENTI_DEMO = (("ricercatrice", "ricercatore"), ("operatore", "operatore"), ("admin", "amministratore"))


def importa_campione(archivio: Archivio, cifrario: Cifrario, *, racconti: Path, associazioni: Path,
                     versione_consenso: str) -> EsitoImport:
    """Add the sample corpus's associations and stories; run again, it imports nothing twice."""
    from raccolta.associazioni import carica_associazioni
    from raccolta.importa import importa_file

    carica_associazioni(archivio, associazioni)
    return importa_file(archivio, cifrario, racconti, versione_consenso=versione_consenso, chi="demo")


def prepara_utenti_demo(archivio: Archivio, password: str) -> int:
    """Create the demo users (or reset their password); returns the number of stories in the store."""
    from archivio import racconti as q
    from archivio.utenti import aggiungi_utente, esiste_utente, imposta_password

    with archivio.transazione() as s:
        for nome, ruolo in UTENTI_DEMO:
            if esiste_utente(s, nome):
                imposta_password(s, nome, password)
            else:
                aggiungi_utente(s, nome, password, ruolo)
        return int(q.conteggi(s, [])["racconti"])
