"""Timelines and date filters use the narrated time, never the day a story was sent."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest

from analisi import grafici_panoramica as gp
from analisi.pipeline import esegui
from archivio import codifica as qc
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.cruscotto.aggregati import racconti_filtrati
from archivio.cruscotto.filtri import Filtri, valori_filtri
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.periodi import PER_CODICE, codice_periodo
from raccolta.importa import importa_file
from raccolta.validazione import ErroreValidazione, valida_racconto
from tests.conftest import RADICE

TESTO = "Durante il lockdown facevo la spesa per i vicini del palazzo. La sera telefonavo a mia sorella."


def _dal_modulo(archivio: Archivio, cifrario: Cifrario, periodo: str | None, testo: str = TESTO) -> None:
    nuovo = valida_racconto({"testo": testo, "periodo": periodo, "consenso": "on"}, associazioni=set(),
                            canale="modulo", versione_consenso="2020-1")
    nuovo = dataclasses.replace(nuovo, inviato_il=datetime(2026, 12, 3, 10, 0))  # sent years later
    with archivio.transazione() as s:
        q.inserisci_racconto(s, nuovo, cifrario)


def test_periodo_da_codice_etichetta_o_non_indicato() -> None:
    assert codice_periodo("lockdown-2020") == "lockdown-2020"
    assert codice_periodo("Primo lockdown (marzo-maggio 2020)") == "lockdown-2020"
    assert codice_periodo("  ESTATE 2020 ") == "estate-2020"
    assert codice_periodo("Non indicato") is None and codice_periodo("") is None and codice_periodo(None) is None
    with pytest.raises(ValueError):
        codice_periodo("autunno 2022")
    with pytest.raises(ErroreValidazione, match="periodo"):
        valida_racconto({"testo": TESTO, "periodo": "autunno 2022", "consenso": "on"}, associazioni=set(),
                        canale="importazione", versione_consenso="2020-1")
    assert date(2020, 3, 9) <= PER_CODICE["lockdown-2020"].data_media <= date(2020, 5, 18)


@pytest.mark.lento
def test_demo_piu_un_racconto_del_modulo_resta_nel_2020_2021(archivio: Archivio, cifrario: Cifrario,
                                                              impostazioni: Impostazioni) -> None:
    importa_file(archivio, cifrario, RADICE / "corpus" / "racconti.jsonl", versione_consenso="2020-1",
                 crea_associazioni=True)
    _dal_modulo(archivio, cifrario, "lockdown-2020")
    _dal_modulo(archivio, cifrario, "", testo="Un racconto senza periodo, mandato oggi. Seconda frase qui.")
    esegui(archivio, impostazioni, cifrario)
    with archivio.lettura() as s:
        righe = racconti_filtrati(s, Filtri())
        valori = valori_filtri(s)
        in_primavera = racconti_filtrati(s, Filtri(dal=date(2020, 3, 1), al=date(2020, 5, 31),
                                                         canali=("modulo",)))
        dopo = racconti_filtrati(s, Filtri(dal=date(2022, 1, 1)))
        frasi_2026 = qc.frasi_codificate(s, dal=date(2022, 1, 1))
    assert len(righe) == 167
    modulo = [r for r in righe if r["canale"] == "modulo"]
    assert sorted(str(r["data"]) for r in modulo) == [str(PER_CODICE["lockdown-2020"].data_media), "None"]
    date_ = [r["data"] for r in righe if r["data"] is not None]
    assert all(date(2020, 1, 1) <= d <= date(2021, 12, 31) for d in date_)
    assert valori.dal and valori.al and valori.dal.year >= 2020 and valori.al.year <= 2021
    assert len(in_primavera) == 1 and dopo == [] and frasi_2026 == []
    figura = gp.racconti_nel_tempo([r["data"] for r in righe])
    mesi = list(figura.tabella["mese"])
    assert all(m.split()[-1] in ("2020", "2021") for m in mesi), mesi  # months as "mar 2020"
    assert int(figura.tabella["racconti"].sum()) == 166  # the story without a period is not on the timeline


def test_importazione_con_etichetta_del_periodo(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    f = tmp_path / "r.csv"
    f.write_text("testo,periodo\n"
                 f"\"{TESTO}\",Seconda ondata (ottobre 2020 - gennaio 2021)\n"
                 f"\"{TESTO} Altro.\",non indicato\n", encoding="utf-8")
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1")
    assert esito.importati == 2 and not esito.errori
    with archivio.lettura() as s:
        assert sorted(str(p) for p in s.scalars(q.select(q.Racconto.periodo))) == ["None", "seconda-ondata"]
