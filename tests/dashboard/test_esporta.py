"""Exports: DOCX ready for the Piano, XLSX a sheet per area, CSV formula-safe, REFI-QDA QDPX valid against
the project schema's structure; only consented quotes; every quote with its sources."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Callable

import pytest
from docx import Document
from lxml import etree
from openpyxl import load_workbook
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from analisi import esporta as ex
from analisi.codifica.codebook import DESCRIZIONI, SOTTOCODICI
from archivio.cruscotto import aggregati
from archivio.cruscotto.citazioni import FraseDaCitare, frasi_codificate
from archivio.cruscotto.filtri import Filtri
from archivio.tabelle import Audit, Racconto
from archivio.utenti import imposta_attivo
from pagine.scaricamenti import file_protetto
from tests.dashboard.conftest import Ambiente
from tests.dashboard.popola import MODELLO, PERICOLOSO

NOMI_AREE = {"1": "1. Prossimità e domiciliarità", "4": "4. Partecipazione e responsabilizzazione"}

# The structure of the REFI-QDA project schema (Project.xsd, QDA-XML 1.0, 2019) for the elements this
# export writes, rewritten here from the published specification: element order, required attributes,
# GUID and dateTime types. Elements the export never writes are left out (the schema makes them optional).
XSD_REFI = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="urn:QDA-XML:project:1.0"
           targetNamespace="urn:QDA-XML:project:1.0" elementFormDefault="qualified">
  <xs:simpleType name="GUID"><xs:restriction base="xs:token">
    <xs:pattern value="[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"/>
  </xs:restriction></xs:simpleType>
  <xs:complexType name="Rif"><xs:attribute name="targetGUID" type="GUID" use="required"/></xs:complexType>
  <xs:complexType name="Codice"><xs:sequence>
    <xs:element name="Description" type="xs:string" minOccurs="0"/>
    <xs:element name="Code" type="Codice" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence>
    <xs:attribute name="guid" type="GUID" use="required"/>
    <xs:attribute name="name" type="xs:string" use="required"/>
    <xs:attribute name="isCodable" type="xs:boolean" use="required"/>
  </xs:complexType>
  <xs:complexType name="Codifica"><xs:sequence><xs:element name="CodeRef" type="Rif"/></xs:sequence>
    <xs:attribute name="guid" type="GUID" use="required"/>
    <xs:attribute name="creatingUser" type="GUID"/>
    <xs:attribute name="creationDateTime" type="xs:dateTime"/>
  </xs:complexType>
  <xs:complexType name="Selezione"><xs:sequence>
    <xs:element name="Coding" type="Codifica" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence>
    <xs:attribute name="guid" type="GUID" use="required"/>
    <xs:attribute name="name" type="xs:string"/>
    <xs:attribute name="startPosition" type="xs:integer" use="required"/>
    <xs:attribute name="endPosition" type="xs:integer" use="required"/>
    <xs:attribute name="creatingUser" type="GUID"/>
    <xs:attribute name="creationDateTime" type="xs:dateTime"/>
  </xs:complexType>
  <xs:complexType name="Valore"><xs:sequence>
    <xs:element name="VariableRef" type="Rif"/>
    <xs:element name="TextValue" type="xs:string"/>
  </xs:sequence></xs:complexType>
  <xs:element name="Project"><xs:complexType><xs:sequence>
    <xs:element name="Users" minOccurs="0"><xs:complexType><xs:sequence>
      <xs:element name="User" maxOccurs="unbounded"><xs:complexType>
        <xs:attribute name="guid" type="GUID" use="required"/><xs:attribute name="name" type="xs:string"/>
      </xs:complexType></xs:element>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="CodeBook" minOccurs="0"><xs:complexType><xs:sequence>
      <xs:element name="Codes"><xs:complexType><xs:sequence>
        <xs:element name="Code" type="Codice" maxOccurs="unbounded"/>
      </xs:sequence></xs:complexType></xs:element>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="Variables" minOccurs="0"><xs:complexType><xs:sequence>
      <xs:element name="Variable" maxOccurs="unbounded"><xs:complexType>
        <xs:attribute name="guid" type="GUID" use="required"/>
        <xs:attribute name="name" type="xs:string" use="required"/>
        <xs:attribute name="typeOfVariable" use="required"><xs:simpleType><xs:restriction base="xs:token">
          <xs:enumeration value="Text"/><xs:enumeration value="Boolean"/><xs:enumeration value="Integer"/>
          <xs:enumeration value="Float"/><xs:enumeration value="Date"/><xs:enumeration value="DateTime"/>
        </xs:restriction></xs:simpleType></xs:attribute>
      </xs:complexType></xs:element>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="Sources" minOccurs="0"><xs:complexType><xs:choice maxOccurs="unbounded">
      <xs:element name="TextSource"><xs:complexType><xs:sequence>
        <xs:element name="PlainTextContent" type="xs:string" minOccurs="0"/>
        <xs:element name="PlainTextSelection" type="Selezione" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="Coding" type="Codifica" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="VariableValue" type="Valore" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
        <xs:attribute name="guid" type="GUID" use="required"/>
        <xs:attribute name="name" type="xs:string"/>
        <xs:attribute name="plainTextPath" type="xs:string"/>
        <xs:attribute name="creatingUser" type="GUID"/>
        <xs:attribute name="creationDateTime" type="xs:dateTime"/>
      </xs:complexType></xs:element>
    </xs:choice></xs:complexType></xs:element>
  </xs:sequence>
    <xs:attribute name="name" type="xs:string" use="required"/>
    <xs:attribute name="origin" type="xs:string"/>
    <xs:attribute name="creationDateTime" type="xs:dateTime"/>
  </xs:complexType></xs:element>
</xs:schema>"""


@pytest.fixture
def citazioni(ambiente: Ambiente) -> list[ex.Citazione]:
    with ambiente.archivio.lettura() as s:
        righe = frasi_codificate(s, Filtri(), codici=["proposta", "proposta.servizi"],
                                    solo_citabili=True,
                                    limite=None)
    return ex.unisci(righe)


def _non_citabili(ambiente: Ambiente) -> set[str]:
    with ambiente.archivio.lettura() as s:
        return set(s.scalars(select(Racconto.codice).where(Racconto.consenso_citazione.is_(False))))


def test_docx_aree_citazioni_fonti(citazioni: list[ex.Citazione], ambiente: Ambiente) -> None:
    dati = ex.a_docx(citazioni, ex.Intestazione(autore="otto", nomi_aree=NOMI_AREE))
    doc = Document(io.BytesIO(dati))
    assert doc.core_properties.author == "Narrazioni" and "python-docx" not in doc.core_properties.last_modified_by
    titoli = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert titoli == ["1. Prossimità e domiciliarità", "4. Partecipazione e responsabilizzazione"]
    paragrafi = [p.text for p in doc.paragraphs]
    citate = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Quote"]
    assert len(citate) == len(citazioni) > 0
    assert "«Propongo di tenere aperta la biblioteca anche online.»" in citate
    # under every quote its source: story, association, theme, code, model version
    for i, p in enumerate(paragrafi):
        if p in citate:
            fonte = paragrafi[i + 1]
            assert re.match(r"Racconto R-[0-9A-F]{8} · ", fonte), fonte
            assert "tema: " in fonte and "codice: Proposta (servizi)" in fonte and f"modello: {MODELLO}" in fonte
    # counts under each area heading
    assert any(re.fullmatch(r"\d+ citazioni da \d+ racconti; \d+ associazioni\.", p) for p in paragrafi)
    # only consented stories; the story with markup is inert text
    tutto = "\n".join(paragrafi)
    assert not any(codice in tutto for codice in _non_citabili(ambiente))
    assert '<script>alert("xss")</script>' in tutto  # shown as the characters it is, not markup


def test_xlsx_un_foglio_per_area_celle_di_testo(citazioni: list[ex.Citazione]) -> None:
    wb = load_workbook(io.BytesIO(ex.a_xlsx(citazioni, ex.Intestazione(nomi_aree=NOMI_AREE))))
    assert wb.sheetnames == ["Riepilogo", "1. Prossimità e domiciliarità", "4. Partecipazione e responsabil"]
    foglio = wb["1. Prossimità e domiciliarità"]
    intestazioni = [c.value for c in foglio[1]]
    assert intestazioni[:8] == ["Racconto", "Associazione", "Area del Piano di Zona", "Scheda", "Tema",
                                "Codice",
                                "Sottocodici", "Citazione"]
    assert "Versione del modello" in intestazioni
    righe = list(foglio.iter_rows(min_row=2, values_only=True))
    assert righe and all(r[0].startswith("R-") and r[5] == "Proposta" for r in righe)
    assert not any(isinstance(v, str) and ("_" in v or v in ("None", "nan")) for r in righe for v in r[:8])
    assert {r[intestazioni.index("Versione del modello")] for r in righe} == {MODELLO}
    colonna_data = intestazioni.index("Data del racconto") + 1
    date_celle = [foglio.cell(i, colonna_data) for i in range(2, foglio.max_row + 1)]
    assert any(c.value for c in date_celle)
    for c in date_celle:  # a real date a spreadsheet can sort and filter, shown the Italian way
        assert c.value is None or (c.is_date and c.number_format == "DD/MM/YYYY"), (c.value, c.number_format)
    celle = [c for riga in foglio.iter_rows(min_row=2) for c in riga if isinstance(c.value, str)
             and c.value.startswith("=HYPERLINK")]
    assert celle, "the quote starting with a formula is missing"
    assert all(c.data_type == "s" for c in celle)  # text, never a formula


def test_csv_contro_le_formule(citazioni: list[ex.Citazione]) -> None:
    dati = ex.a_csv(citazioni).decode("utf-8-sig")
    righe = list(csv.reader(io.StringIO(dati), delimiter=";"))
    assert righe[0][0] == "Racconto" and len(righe) == len(citazioni) + 1
    citazione = righe[0].index("Citazione")
    pericolose = [r[citazione] for r in righe[1:] if "HYPERLINK" in r[citazione]]
    assert pericolose and all(p.startswith("'=HYPERLINK(") for p in pericolose)
    for r in righe[1:]:
        for cella in r:
            assert not cella.startswith(("=", "+", "-", "@", "\t", "\r")), cella


@pytest.mark.parametrize("valore, atteso", [("=1+1", "'=1+1"), ("+39 333", "'+39 333"), ("-2", "'-2"),
                                            ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
                                            ("ciao = 1", "ciao = 1"), (None, ""), (3, "3")])
def test_neutralizza_csv(valore: object, atteso: str) -> None:
    assert ex.neutralizza_csv(valore) == atteso


def test_solo_citazioni_consentite() -> None:
    base = FraseDaCitare(1, 1, "R-1", "A", None, None, None, "proposta", "modello", 0.9, "m@1", True, "sì")
    negata = FraseDaCitare(2, 2, "R-2", "A", None, None, None, "proposta", "modello", 0.9, "m@1", False,
                              "no")
    assert [c.racconto for c in ex.unisci([base, negata])] == ["R-1"]


def test_qdpx_valido_e_coerente(ambiente: Ambiente) -> None:
    with ambiente.archivio.lettura() as s:
        testi = aggregati.testi_citabili(s, Filtri())
        frasi = frasi_codificate(s, Filtri(), solo_citabili=True, limite=None)
    sorgenti = [ex.Sorgente(t["id"], t["codice"], t["testo"], {"associazione": t["associazione"],
                                                                 "periodo": t["periodo"]}) for t in testi]
    dati = ex.a_qdpx(sorgenti, frasi, codebook=DESCRIZIONI, sottocodici=SOTTOCODICI, autore="otto",
                     nomi_aree=NOMI_AREE)
    z = zipfile.ZipFile(io.BytesIO(dati))
    nomi = z.namelist()
    assert "project.qde" in nomi and sum(n.startswith("Sources/") for n in nomi) == len(sorgenti)
    xml = etree.fromstring(z.read("project.qde"))
    schema = etree.XMLSchema(etree.fromstring(XSD_REFI.encode()))
    assert schema.validate(xml), schema.error_log
    ns = {"q": ex.NS_QDA}
    codici = {c.get("guid"): c.get("name") for c in xml.iterfind(".//q:Code", ns)}
    utenti = {u.get("guid"): u.get("name") for u in xml.iterfind(".//q:User", ns)}
    assert {"Vita quotidiana", "Ansia", "Preoccupazione per il futuro", "Proposta", "servizi", "Piano di Zona",
            "1. Prossimità e domiciliarità"} <= set(codici.values())
    assert MODELLO in utenti.values()
    segmenti = 0
    for sorgente in xml.iterfind(".//q:TextSource", ns):
        percorso = sorgente.get("plainTextPath")
        assert percorso.startswith("internal://")
        testo = z.read("Sources/" + percorso.removeprefix("internal://")).decode("utf-8")
        for sel in sorgente.iterfind("q:PlainTextSelection", ns):
            a, b = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert 0 <= a < b <= len(testo)
            for cod in sel.iterfind("q:Coding", ns):
                assert cod.find("q:CodeRef", ns).get("targetGUID") in codici
                assert cod.get("creatingUser") in utenti
                segmenti += 1
    assert segmenti >= len(frasi) // 2
    assert not (_non_citabili(ambiente) & {s.get("name") for s in xml.iterfind(".//q:TextSource", ns)})
    assert PERICOLOSO in [z.read(n).decode() for n in nomi if n.startswith("Sources/")]


def test_scaricamento_controlla_il_ruolo(ambiente: Ambiente) -> None:
    ruoli = ("operatore", "amministratore")
    assert file_protetto("otto", ruoli, "esporta_docx", lambda: b"dati")() == b"dati"
    negato = file_protetto("anna", ruoli, "esporta_docx", lambda: b"dati")()
    assert negato.startswith(b"Accesso negato")
    with ambiente.archivio.transazione() as s:
        imposta_attivo(s, "otto", False, chi="ada")
    assert file_protetto("otto", ruoli, "esporta_docx", lambda: b"dati")().startswith(b"Accesso negato")
    scaduto = file_protetto("ada", ruoli, "esporta_docx", lambda: b"dati", scade=time.time() - 1)
    assert scaduto().startswith(b"Accesso negato")  # the session expired before the click
    with ambiente.archivio.lettura() as s:
        azioni = list(s.execute(select(Audit.chi, Audit.azione).where(Audit.azione.like("esportazione%"))))
    assert azioni == [("otto", "esportazione"), ("anna", "esportazione_negata"),
                      ("otto", "esportazione_negata"), ("ada", "esportazione_negata")]


def test_pagina_esporta(app: Callable[[str | None], AppTest]) -> None:
    at = app("otto")
    at.switch_page("pagine/esporta.py").run()
    assert not at.exception
    etichette = [str(getattr(b, "label", "")) for b in at.get("download_button")]
    assert len(etichette) == 4 and any("DOCX" in e for e in etichette) and any("QDPX" in e for e in etichette)
    riepilogo = at.dataframe[0].value
    assert set(riepilogo.columns) == {"area", "associazione", "citazioni", "racconti"}


def test_nessuna_esportazione_fallisce_per_un_carattere_strano() -> None:
    """One story with U+FFFF, U+FFFE, controls, surrogates and bidi controls: every export still works."""
    from tests.raccolta.test_validazione import STRANI

    sporco = "".join(chr(c) for c in STRANI)
    testo = f"Vorrei{sporco} più spazi{sporco} verdi nel quartiere."
    frase = FraseDaCitare(1, 1, "R-1", f"Circolo{sporco} Arci", "lockdown-2020", None, f"tema{sporco}",
                             "proposta", "modello", 0.9, "m@1", True, testo, 0, 0, len(testo), "1", None, None)
    citazioni = ex.unisci([frase])
    pulito = "Vorrei più spazi verdi nel quartiere."
    dati_xlsx = ex.a_xlsx(citazioni, ex.Intestazione(nomi_aree=NOMI_AREE))
    celle = [str(c.value) for f in load_workbook(io.BytesIO(dati_xlsx)).worksheets
             for riga in f.iter_rows() for c in riga if c.value is not None]
    assert pulito in celle and "Circolo Arci" in celle
    documento = Document(io.BytesIO(ex.a_docx(citazioni, ex.Intestazione(nomi_aree=NOMI_AREE))))
    paragrafi = [p.text for p in documento.paragraphs]
    assert f"«{pulito}»" in paragrafi and "Circolo Arci (1)" in paragrafi
    assert pulito in ex.a_csv(citazioni).decode("utf-8-sig")
    sorgente = ex.Sorgente(1, "R-1", testo, {"associazione": f"Circolo{sporco} Arci"})
    z = zipfile.ZipFile(io.BytesIO(ex.a_qdpx([sorgente], [frase], codebook=DESCRIZIONI, sottocodici=SOTTOCODICI,
                                             autore="otto", nomi_aree=NOMI_AREE)))
    xml = etree.fromstring(z.read("project.qde"))
    assert [v.text for v in xml.iter(f"{{{ex.NS_QDA}}}TextValue")] == ["Circolo Arci"]
    [nome] = [n for n in z.namelist() if n.startswith("Sources/")]
    fonte = z.read(nome).decode("utf-8")
    assert len(fonte) == len(testo) and "\ufffe" not in fonte and "\uffff" not in fonte  # offsets still right
    tutto = dati_xlsx + z.read("project.qde")
    for c in (0xFFFE, 0xFFFF, 0x202E, 0x2066):
        assert chr(c).encode("utf-8") not in tutto
