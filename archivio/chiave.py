"""The key file and the store: a new key is never made for a store whose texts another key encrypted."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from archivio import racconti as q
from archivio.cifratura import Cifrario, ErroreChiave
from archivio.db import Archivio
from archivio.errori import ErroreConfigurazione


def controlla_chiave(archivio: Archivio, percorso_chiave: Path) -> bool:
    """Whether the key file opens the store's encrypted texts (True when there are none yet).

    Raises:
        ErroreConfigurazione: the store holds encrypted texts and the key file is missing (a new key would
            not open them).
    """
    if "testi_grezzi" not in inspect(archivio.engine).get_table_names():
        return True
    with archivio.lettura() as s:
        quanti = q.testi_cifrati_presenti(s)
        campione = q.un_testo_cifrato(s) if quanti else None
    if not quanti:
        return True
    if not percorso_chiave.exists():
        raise ErroreConfigurazione(
            f"il database contiene {quanti} testi cifrati ma il file della chiave non c'è: {percorso_chiave}. "
            "Una chiave nuova non li aprirebbe. Rimetti lì la chiave originale (o indica dov'è con "
            "NARRAZIONI_ARCHIVIO__FILE_CHIAVE) e riesegui 'narrazioni init'.")
    try:
        assert campione is not None
        Cifrario.da_file(percorso_chiave).decifra_byte(campione)
    except ErroreChiave:
        return False
    return True
