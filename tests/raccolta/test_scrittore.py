"""Group commit: the batch store path equals the one-by-one path; concurrent submissions, nothing lost."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from archivio import racconti as q
from archivio import ricevute as store
from archivio import tabelle as m
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.racconti import ErroreArchivio, NuovoRacconto
from raccolta.invio import invia_lotto, ritira_racconto
from raccolta.ricevuta import genera_ricevuta, hash_ricevuta
from raccolta.scrittore import Scrittore
from tests.conftest import RADICE

FINESTRA = timedelta(minutes=10)


def _nuovo(testo: str, **kw: Any) -> NuovoRacconto:
    return NuovoRacconto(testo=testo, canale="modulo", versione_consenso="2020-1", **kw)


def _conta(archivio: Archivio) -> int:
    with archivio.lettura() as s:
        return s.scalar(select(func.count(m.Racconto.id))) or 0


def test_lotto_uguale_a_inserimento_singolo(archivio: Archivio, cifrario: Cifrario) -> None:
    with archivio.transazione() as s:
        q.assicura_associazione(s, "Caregiver Insieme")
    pieno = dict(titolo="Titolo", associazione="Caregiver Insieme", associazione_altra=None, quartiere="Q3",
                 fascia_eta="75+", ruolo="caregiver", periodo="lockdown-2020", data_racconto=date(2020, 4, 2),
                 consenso_citazione=True, autovalutazione={"sensazione": 2, "temi": ["paure"]})
    with archivio.transazione() as s:
        testo = "Primo racconto, scritto per intero."
        uno = q.inserisci_racconto(s, _nuovo(testo, ricevuta_hash="a" * 64, **pieno), cifrario).id
        (due,) = store.registra_invii(s, [_nuovo(testo, ricevuta_hash="b" * 64, **pieno)], cifrario,
                                      finestra_duplicati=None)
    escluse = {"id", "codice", "ricevuta_hash", "inviato_il"}
    with archivio.lettura() as s:
        a, b = (s.get(m.Racconto, i) for i in (uno, due.racconto_id))
        assert a is not None and b is not None
        colonne = [c.key for c in m.Racconto.__table__.columns if c.key not in escluse]
        assert {c: getattr(a, c) for c in colonne} == {c: getattr(b, c) for c in colonne}
        assert b.codice.startswith("R-") and len(b.codice) == len(a.codice)
        ga, gb = (s.get(m.TestoGrezzo, i) for i in (uno, due.racconto_id))
        assert ga is not None and gb is not None and gb.testo_cifrato
        assert cifrario.decifra(gb.testo_cifrato) == cifrario.decifra(ga.testo_cifrato)


def test_lotto_con_ripetizioni_dentro_e_fuori(archivio: Archivio, cifrario: Cifrario) -> None:
    gia = "Un racconto già arrivato poco fa."
    prima = invia_lotto(archivio, cifrario, [_nuovo(gia)], finestra_duplicati=FINESTRA)
    lotto = [_nuovo(gia), _nuovo("Un racconto nuovo, mai visto prima."),
             _nuovo("UN RACCONTO NUOVO,  mai visto prima."),
             _nuovo("Un terzo racconto, diverso dagli altri.")]
    esiti = invia_lotto(archivio, cifrario, lotto, finestra_duplicati=FINESTRA)
    assert all(not isinstance(e, Exception) for e in esiti)
    assert [e.duplicato for e in esiti] == [True, False, True, False]  # type: ignore[union-attr]
    assert esiti[0].codice_racconto == prima[0].codice_racconto  # type: ignore[union-attr]
    assert esiti[1].codice_racconto == esiti[2].codice_racconto  # type: ignore[union-attr]
    assert _conta(archivio) == 3
    assert len({e.codice for e in esiti}) == 4  # type: ignore[union-attr]
    # A repeat by another (or an unknown) sender: its receipt cancels only that submission.
    ritiro = ritira_racconto(archivio, esiti[2].codice)  # type: ignore[union-attr]
    assert ritiro is not None and not ritiro.completo and _conta(archivio) == 3
    assert ritira_racconto(archivio, esiti[1].codice) and _conta(archivio) == 2  # type: ignore[union-attr]


def test_lotto_ripetizione_dello_stesso_mittente_ritira_il_racconto(archivio: Archivio,
                                                                    cifrario: Cifrario) -> None:
    testo = "Un racconto mandato due volte con un doppio clic."
    esiti = invia_lotto(archivio, cifrario, [replace(_nuovo(testo), mittente="m" * 64),
                                             replace(_nuovo(testo), mittente="m" * 64),
                                             replace(_nuovo(testo), mittente="x" * 64)],
                        finestra_duplicati=FINESTRA)
    assert [e.duplicato for e in esiti] == [False, True, True]  # type: ignore[union-attr]
    terzo = ritira_racconto(archivio, esiti[2].codice)  # type: ignore[union-attr]
    assert terzo is not None and not terzo.completo and _conta(archivio) == 1
    secondo = ritira_racconto(archivio, esiti[1].codice)  # type: ignore[union-attr]
    assert secondo is not None and secondo.completo and _conta(archivio) == 0


def test_un_invio_difettoso_non_ferma_gli_altri(archivio: Archivio, cifrario: Cifrario) -> None:
    lotto = [_nuovo("Racconto buono numero uno, completo."), _nuovo("Racconto di un'associazione sparita.",
                                                                    associazione="Sciolta"),
             _nuovo("Racconto buono numero due, completo.")]
    esiti = invia_lotto(archivio, cifrario, lotto, finestra_duplicati=FINESTRA)
    assert isinstance(esiti[1], ErroreArchivio)
    assert not isinstance(esiti[0], Exception) and not isinstance(esiti[2], Exception)
    assert _conta(archivio) == 2
    with pytest.raises(ValueError, match="receipt"), archivio.transazione() as s:
        store.registra_invii(s, [_nuovo("Senza ricevuta non si salva nulla.")], cifrario,
                             finestra_duplicati=None)
    with archivio.transazione() as s:
        assert store.registra_invii(s, [], cifrario, finestra_duplicati=None) == []
        with pytest.raises(ErroreArchivio, match="versione del consenso sconosciuta"):
            inventata = replace(_nuovo("Versione del consenso inventata."), versione_consenso="x",
                                ricevuta_hash=hash_ricevuta(genera_ricevuta()))
            store.registra_invii(s, [inventata], cifrario, finestra_duplicati=None)


def test_scrittore_con_molti_invii_concorrenti(archivio: Archivio, cifrario: Cifrario) -> None:
    scrittore = Scrittore(archivio, cifrario, finestra_duplicati=FINESTRA, massimo_lotto=16)

    async def tutti() -> list[Any]:
        testi = [f"Racconto concorrente numero {i}, con qualche parola." for i in range(120)]
        testi += testi[:20]  # repeats arriving together with their originals
        lavori = [scrittore.invia(_nuovo(t)) for t in testi]
        lavori.append(scrittore.esegui(lambda: "ritiro in coda"))
        return await asyncio.gather(*lavori, return_exceptions=True)

    esiti = asyncio.run(tutti())
    scrittore.chiudi()
    assert esiti[-1] == "ritiro in coda"
    ricevute = esiti[:-1]
    assert not [e for e in ricevute if isinstance(e, BaseException)]
    assert _conta(archivio) == 120 and len({r.codice for r in ricevute}) == 140
    with archivio.lettura() as s:
        assert all(store.racconto_da_ricevuta(s, hash_ricevuta(r.codice)) is not None for r in ricevute)


def test_scrittore_riporta_gli_errori_e_continua(archivio: Archivio, cifrario: Cifrario) -> None:
    scrittore = Scrittore(archivio, cifrario, finestra_duplicati=None)

    def guasto() -> None:
        raise RuntimeError("guasto")

    async def prova() -> tuple[Any, Any]:
        with pytest.raises(RuntimeError):
            await scrittore.esegui(guasto)
        return await scrittore.invia(_nuovo("Dopo un errore il filo continua a scrivere.")), None

    ricevuta, _ = asyncio.run(prova())
    scrittore.chiudi()
    assert ricevuta.codice and _conta(archivio) == 1


def test_benchmark_in_piccolo(tmp_path: Any, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("form_load", RADICE / "bench" / "form_load.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "form_load", bench)
    spec.loader.exec_module(bench)
    assert bench.main(["--clienti", "4", "--invii", "60", "--durata", "60", "--cartella", str(tmp_path)]) == 0
    uscita = capsys.readouterr().out
    assert "accepted submissions/s" in uscita and "lost: 0, duplicated: 0" in uscita and "check: OK" in uscita
