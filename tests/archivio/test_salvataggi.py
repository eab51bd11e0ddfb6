"""`narrazioni backup` / `ripristina`: same store after a round trip, no key inside, withdrawals stay withdrawn."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analisi.pipeline import esegui
from archivio import racconti as q
from archivio import sessioni
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.ritirati import impronta_ritiro, leggi_ritirati
from archivio.salvataggi import ErroreCopia, backup, ripristina
from archivio.tabelle import Sessione
from raccolta.invio import invia_racconto, ritira_racconto
from raccolta.validazione import valida_racconto

STORIE = [f"Racconto {i}: durante il lockdown telefonavo a mia zia Ernestina Boldrini. Avevo paura per lei."
          for i in range(12)]


def _invia(archivio: Archivio, cifrario: Cifrario, testo: str) -> str:
    nuovo = valida_racconto({"testo": testo, "consenso": "sì", "periodo": "lockdown-2020"}, associazioni=set(),
                            canale="modulo", versione_consenso="2020-1")
    return invia_racconto(archivio, cifrario, nuovo, finestra_duplicati=None).codice


def _conteggi(archivio: Archivio) -> dict[str, object]:
    with archivio.lettura() as s:
        return q.conteggi(s, [("anonimizza", 1, False), ("frasi", 1, True)])


def _prepara(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> list[str]:
    archivio.file_ritirati = impostazioni.percorso_ritirati()
    ricevute = [_invia(archivio, cifrario, t) for t in STORIE]
    esegui(archivio, impostazioni, cifrario)
    (impostazioni.archivio.cartella_dati / "modelli").mkdir(parents=True, exist_ok=True)
    (impostazioni.archivio.cartella_dati / "modelli" / "codificatore.joblib").write_bytes(b"modello")
    return ricevute


def test_andata_e_ritorno_senza_chiave(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni,
                                       tmp_path: Path) -> None:
    ricevute = _prepara(archivio, cifrario, impostazioni)
    assert ritira_racconto(archivio, ricevute[0])  # withdrawn before the backup: simply absent
    prima = _conteggi(archivio)
    with archivio.transazione() as s:  # someone is logged in to the dashboard while the backup runs
        sessioni.apri(s, "otto")
    file = tmp_path / "copia.tar.gz"
    esito = backup(archivio, impostazioni.archivio.cartella_dati, file, file_chiave=impostazioni.percorso_chiave())
    assert esito.racconti == 11
    chiave = impostazioni.percorso_chiave().read_bytes().strip()
    with tarfile.open(file) as tar:
        nomi = set(tar.getnames())
        contenuto = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())  # type: ignore[union-attr]
    assert {"manifesto.json", "narrazioni.db", "ritirati.txt", "modelli/codificatore.joblib"} <= nomi
    assert chiave not in contenuto and b"Boldrini" not in contenuto.replace(b"BOLDRINI", b"")  # raw text encrypted

    nuova = tmp_path / "nuova"
    url = f"sqlite:///{nuova / 'narrazioni.db'}"
    r = ripristina(file, url, nuova, file_ritirati=nuova / "ritirati.txt", file_chiave=nuova / "chiave.fernet")
    assert r.racconti == 11 and r.ritirati_tolti == 0
    ripristinato = Archivio(url)
    try:
        assert _conteggi(ripristinato) == prima
        with ripristinato.lettura() as s:  # raw texts are still readable with the (separately kept) key
            lotto = q.carica_lotto(s, q.in_attesa(s, "nessuno", 1, solo_visibili=False, limite=3), cifrario)
        assert len(lotto) == 3 and all("Boldrini" in r.testo for r in lotto)
        with ripristinato.lettura() as s:  # logins are not data: a restored store starts logged out
            assert s.scalar(select(func.count(Sessione.id))) == 0
    finally:
        ripristinato.chiudi()
    assert (nuova / "modelli" / "codificatore.joblib").read_bytes() == b"modello"
    with pytest.raises(ErroreCopia, match="non è vuota"):
        ripristina(file, url, nuova, file_ritirati=nuova / "ritirati.txt", file_chiave=nuova / "chiave.fernet")


def test_un_racconto_ritirato_dopo_il_backup_non_torna(archivio: Archivio, cifrario: Cifrario,
                                                        impostazioni: Impostazioni, tmp_path: Path) -> None:
    ricevute = _prepara(archivio, cifrario, impostazioni)
    file = tmp_path / "copia.tar.gz"
    backup(archivio, impostazioni.archivio.cartella_dati, file, file_chiave=impostazioni.percorso_chiave())
    with archivio.lettura() as s:
        codici_prima = set(s.scalars(q.select(q.Racconto.codice)))
    assert ritira_racconto(archivio, ricevute[3]) and ritira_racconto(archivio, ricevute[7])
    with archivio.lettura() as s:
        ritirati = codici_prima - set(s.scalars(q.select(q.Racconto.codice)))
    assert leggi_ritirati([impostazioni.percorso_ritirati()]) == {impronta_ritiro(c) for c in ritirati}
    dopo = _conteggi(archivio)

    # the server is lost; the withdrawal list was kept apart (with the key) and is given to the restore
    nuova = tmp_path / "nuova"
    url = f"sqlite:///{nuova / 'narrazioni.db'}"
    r = ripristina(file, url, nuova, file_ritirati=nuova / "ritirati.txt", file_chiave=nuova / "chiave.fernet",
                   altri_ritirati=[impostazioni.percorso_ritirati()])
    assert r.racconti == 10 and r.ritirati_tolti == 2
    ripristinato = Archivio(url)
    try:
        assert _conteggi(ripristinato) == dopo
        with ripristinato.lettura() as s:
            assert not ritirati & set(s.scalars(q.select(q.Racconto.codice)))
    finally:
        ripristinato.chiudi()
    assert leggi_ritirati([nuova / "ritirati.txt"]) == {impronta_ritiro(c) for c in ritirati}


def test_file_non_valido(tmp_path: Path) -> None:
    finto = tmp_path / "finto.tar.gz"
    finto.write_bytes(b"non sono un backup")
    with pytest.raises(ErroreCopia, match="non è un backup di Narrazioni leggibile"):
        ripristina(finto, f"sqlite:///{tmp_path / 'd' / 'narrazioni.db'}", tmp_path / "d",
                   file_ritirati=tmp_path / "d" / "ritirati.txt", file_chiave=tmp_path / "d" / "chiave.fernet")
