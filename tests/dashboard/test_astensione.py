"""Abstention where staff export (issue 11): every quote says who decided its code and area; by default the
planning exports hold confirmed quotes and the model's quotes at the precision threshold only, and count per
area the unconfirmed ones left out. A store with both kinds."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from docx import Document
from lxml import etree
from openpyxl import load_workbook
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from analisi import esporta as ex
from analisi.codifica.codebook import DESCRIZIONI, SOTTOCODICI
from archivio import codifica
from archivio.cruscotto import aggregati
from archivio.cruscotto.citazioni import frasi_codificate
from archivio.cruscotto.filtri import Filtri
from archivio.tabelle import Codice, Frase, Racconto
from archivio.tabelle_codifica import PianoFrase
from tests.dashboard.conftest import Ambiente
from tests.dashboard.test_esporta import XSD_REFI

SOGLIA = 0.8
NOMI_AREE = {"1": "1. Prossimità e domiciliarità", "2": "2. Diseguaglianze",
             "4": "4. Partecipazione e responsabilizzazione"}


@dataclass
class Negozio:
    confermata: int  # a weak model quote a person confirmed (code and area "2")
    deboli: dict[int, str]  # model quotes at 0.6, unconfirmed: sentence -> area
    forti: set[int]  # model quotes at 0.9
    incerta: int  # a strong model quote whose area is uncertain (0.3; runner-up "2" at 0.25)


@pytest.fixture
def negozio(ambiente: Ambiente) -> Negozio:
    with ambiente.archivio.transazione() as s:
        proposte = s.execute(select(Codice.frase_id, PianoFrase.area)
                             .join(PianoFrase, PianoFrase.frase_id == Codice.frase_id)
                             .where(Codice.codice == "proposta", Codice.fonte == "modello",
                                    Codice.probabilita >= 0.5)
                             .order_by(Codice.frase_id)).all()
        citabili = set(s.scalars(select(Frase.id).join(Racconto, Racconto.id == Frase.racconto_id)
                                 .where(Racconto.consenso_citazione.is_(True))))
        proposte = [(f, a) for f, a in proposte if f in citabili]
        assert len(proposte) >= 6
        per_area = {a: [f for f, b in proposte if b == a] for a in {"1", "4"}}
        deboli = {per_area["1"][0]: "1", per_area["4"][0]: "4", per_area["4"][1]: "4"}
        confermata = per_area["1"][1]
        incerta = per_area["4"][2]
        s.execute(update(Codice).where(Codice.frase_id.in_([*deboli, confermata]), Codice.codice == "proposta",
                                       Codice.fonte == "modello").values(probabilita=0.6))
        s.execute(update(PianoFrase).where(PianoFrase.frase_id == incerta)
                  .values(punteggio=0.3, seconda_area="2", punteggio_seconda=0.25))
        codifica.salva_correzione(s, confermata, "proposta", True, "anna")
        codifica.salva_piano_umano(s, confermata, "2", None, "anna")
    forti = {f for f, _ in proposte} - set(deboli) - {confermata}
    return Negozio(confermata, deboli, forti, incerta)


def _citazioni(ambiente: Ambiente) -> list[ex.Citazione]:
    with ambiente.archivio.lettura() as s:
        righe = frasi_codificate(s, Filtri(), codici=["proposta", "proposta.servizi"], solo_citabili=True,
                                    limite=None)
    return ex.unisci(righe)


def test_astensione_tiene_confermate_e_sicure_conta_le_escluse(ambiente: Ambiente, negozio: Negozio) -> None:
    scelta = ex.applica_astensione(_citazioni(ambiente), SOGLIA)
    assert {c.frase_id for c in scelta.citazioni} == negozio.forti | {negozio.confermata}
    assert scelta.escluse == {"1": 1, "4": 2}
    confermata = next(c for c in scelta.citazioni if c.frase_id == negozio.confermata)
    assert confermata.confermata and confermata.probabilita is None  # kept: a person said so (model had 0.6)
    assert confermata.verifica() == "codice confermato da una persona; area confermata da una persona"
    forte = next(c for c in scelta.citazioni if c.frase_id in negozio.forti and not c.da_assegnare)
    assert forte.verifica().startswith("codice proposto dal modello (p = 0.90); area proposta dal modello")
    # 1.0: only what a person confirmed
    solo = ex.applica_astensione(_citazioni(ambiente), 1.0)
    assert [c.frase_id for c in solo.citazioni] == [negozio.confermata]
    assert solo.totale_escluse == len(negozio.forti) + len(negozio.deboli)


def test_area_incerta_da_assegnare_con_due_aree(ambiente: Ambiente, negozio: Negozio) -> None:
    citazioni = _citazioni(ambiente)
    incerta = next(c for c in citazioni if c.frase_id == negozio.incerta)
    assert incerta.da_assegnare and incerta.gruppo is None and incerta.area == "4"
    riga = incerta.riga(NOMI_AREE)
    assert riga["area"] == ex.DA_ASSEGNARE and riga["scheda"] == ""
    assert riga["aree_possibili"] == "4. Partecipazione e responsabilizzazione (0.30); 2. Diseguaglianze (0.25)"
    assert riga["verifica"].endswith("area proposta dal modello (confidenza 0.30); da assegnare")
    assert list(ex.per_area(citazioni))[-1] is None  # uncertain areas come last, with the unassigned
    # a person's area is never "da assegnare"
    assert not next(c for c in citazioni if c.frase_id == negozio.confermata).da_assegnare


def test_file_segnano_chi_ha_deciso_e_contano_le_escluse(ambiente: Ambiente, negozio: Negozio) -> None:
    scelta = ex.applica_astensione(_citazioni(ambiente), SOGLIA)
    intestazione = ex.Intestazione(nomi_aree=NOMI_AREE, escluse=scelta.escluse, soglia=SOGLIA)
    # CSV: one row per kept quote, who decided, the area's left-out count
    righe = list(csv.DictReader(io.StringIO(ex.a_csv(scelta.citazioni, intestazione).decode("utf-8-sig")),
                                delimiter=";"))
    assert len(righe) == len(scelta.citazioni)
    verifica = "Confermata da una persona o proposta dal modello"
    escluse = "Proposte del modello escluse in quest'area"
    confermate = [r for r in righe if r[verifica].startswith("codice confermato da una persona")]
    assert len(confermate) == 1 and confermate[0]["Area del Piano di Zona"] == "2. Diseguaglianze"
    assert all(r[verifica].startswith("codice proposto dal modello (p = 0.90)") for r in righe if r not in confermate)
    per_area = {r["Area del Piano di Zona"]: r[escluse] for r in righe}
    assert per_area[NOMI_AREE["4"]] == "2"
    assert per_area.get(NOMI_AREE["1"], "1") == "1"  # (every area-1 quote of this store may be left out)
    assert per_area["2. Diseguaglianze"] == "0"
    # XLSX: the summary counts confirmed and left-out quotes per area
    wb = load_workbook(io.BytesIO(ex.a_xlsx(scelta.citazioni, intestazione)))
    riepilogo = [list(r) for r in wb["Riepilogo"].iter_rows(values_only=True)]
    testa = next(i for i, r in enumerate(riepilogo) if r[0] == "Area")
    assert riepilogo[testa][5:7] == ["Confermate", "Proposte del modello escluse"]
    tabella = {r[0]: (r[5], r[6]) for r in riepilogo[testa + 1:]}
    assert tabella["1. Prossimità e domiciliarità"][1] == 1 and tabella[NOMI_AREE["4"]][1] == 2
    assert tabella["2. Diseguaglianze"] == (1, 0)
    assert any(r[0] and "lasciate fuori: 3 (1. Prossimità e domiciliarità: 1; 4. Partecipazione e "
               "responsabilizzazione: 2)" in r[0] for r in riepilogo)
    # DOCX: the rule, the left-out counts per area, who decided under every quote
    doc = Document(io.BytesIO(ex.a_docx(scelta.citazioni, intestazione)))
    testi = [p.text for p in doc.paragraphs]
    assert any(t.startswith("Regola: le frasi confermate da una persona e quelle del modello con probabilità "
                            "calibrata ≥ 0.80") for t in testi)
    assert "Confermate da una persona: 0; proposte del modello non confermate lasciate fuori: 2." in testi
    citate = [i for i, p in enumerate(doc.paragraphs) if p.style is not None and p.style.name == "Quote"]
    assert len(citate) == len(scelta.citazioni)
    fonti = [testi[i + 1] for i in citate]
    assert sum("codice confermato da una persona; area confermata da una persona" in f for f in fonti) == 1
    assert all("confermato da una persona" in f or "proposto dal modello (p = 0.90)" in f for f in fonti)


def test_qdpx_applica_la_regola_e_nomina_chi_ha_deciso(ambiente: Ambiente, negozio: Negozio) -> None:
    with ambiente.archivio.lettura() as s:
        testi = aggregati.testi_citabili(s, Filtri())
        frasi = frasi_codificate(s, Filtri(), solo_citabili=True, limite=None)
    sorgenti = [ex.Sorgente(t["id"], t["codice"], t["testo"], {}) for t in testi]
    dati = ex.a_qdpx(sorgenti, frasi, codebook=DESCRIZIONI, sottocodici=SOTTOCODICI, soglia=SOGLIA,
                     nomi_aree=NOMI_AREE)
    xml = etree.fromstring(zipfile.ZipFile(io.BytesIO(dati)).read("project.qde"))
    schema = etree.XMLSchema(etree.fromstring(XSD_REFI.encode()))
    assert schema.validate(xml), schema.error_log
    ns = {"q": ex.NS_QDA}
    nomi = {sel.get("guid"): sel.get("name") for sel in xml.iterfind(".//q:PlainTextSelection", ns)}
    tutte = " | ".join(nomi.values())
    assert "Proposta: confermato da una persona" in tutte and "area 2: confermata da una persona" in tutte
    assert "Proposta: modello (p = 0.90)" in tutte and "area 4: da assegnare, modello (0.30)" in tutte
    assert "Proposta: modello (p = 0.60)" not in tutte  # left out by the rule


@pytest.mark.parametrize("precisione, attesa", [(0.9, 0.7), (0.5, 0.2)])
def test_soglia_per_precisione(precisione: float, attesa: float) -> None:
    # 10 units at each of 0.1 ... 0.9; above 0.7 every unit is positive, below only some
    p = np.repeat(np.round(np.arange(0.1, 1.0, 0.1), 1), 10)
    y = np.array([1 if q >= 0.7 else int(i % 10 < 5 * q) for i, q in enumerate(p)])
    assert ex.soglia_per_precisione(y, p, precisione, minimo=10) == pytest.approx(attesa)


def test_soglia_per_precisione_mai_raggiunta() -> None:
    p = np.linspace(0, 1, 100)
    y = np.arange(100) % 2  # precision 0.5 everywhere
    assert ex.soglia_per_precisione(y, p, 0.9, minimo=20) is None
    assert ex.soglia_per_precisione(np.zeros(10), np.ones(10)) is None


def test_pagina_esporta_applica_la_regola(app: Callable[[str | None], AppTest], negozio: Negozio) -> None:
    at = app("otto")
    at.switch_page("pagine/esporta.py").run()
    assert not at.exception
    anteprima = at.dataframe[1].value  # every quote previewed; default setting 1.0: only confirmed in the files
    nei_file = anteprima[anteprima["nei file"] == "sì"]  # headers and values in words, as in the files
    colonna = "Confermata da una persona o proposta dal modello"
    assert len(nei_file) == 1 and nei_file[colonna].iloc[0].startswith("codice confermato da una persona")
    assert len(anteprima) == len(negozio.forti) + len(negozio.deboli) + 1
    testi = " ".join(c.value for c in at.caption)
    assert f"{len(negozio.forti) + len(negozio.deboli)} proposte del modello non confermate restano fuori" in testi
    at.toggle[0].set_value(True).run()
    assert not at.exception
    assert (at.dataframe[1].value["nei file"] == "sì").all()
