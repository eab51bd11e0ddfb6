"""Exports of quotes for the Piano di Zona and for QDA tools: XLSX, DOCX, CSV and REFI-QDA (QDPX).

Every function takes the coded sentences the store returned (``archivio.cruscotto.FraseDaCitare``) and
returns bytes. Rules every format follows:

- ONLY quotes whose narrator consented to being quoted: rows without ``citabile`` are dropped here as
  well, whatever the caller asked (defence in depth: the store query already filters them).
- Every quote carries its source: story code, association, theme, code and model version.
- A quote is inert text everywhere: XLSX cells are written as strings (never formulas), CSV cells starting
  with ``= + - @``, a tab or a carriage return are prefixed with an apostrophe (OWASP's advice against
  formula injection), DOCX and QDPX escape XML, control characters are removed.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.etree import ElementTree as ET

from archivio.cruscotto import FraseDaCitare

NESSUNA_AREA = "Area non ancora assegnata"
NS_QDA = "urn:QDA-XML:project:1.0"
# Stable GUIDs: the same export of the same data gives the same project (diffable, re-importable).
_NS_GUID = uuid.UUID("6f1f2b8e-3c1a-4e59-9a43-2f8a0c0b7d11")
_CONTROLLO = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PERICOLOSI = ("=", "+", "-", "@", "\t", "\r")
_NOMI_FOGLIO = re.compile(r"[\[\]:*?/\\]")

COLONNE: tuple[tuple[str, str], ...] = (
    ("racconto", "Racconto"),
    ("associazione", "Associazione"),
    ("area", "Area del Piano di Zona"),
    ("scheda", "Scheda"),
    ("tema", "Tema"),
    ("codice", "Codice"),
    ("sottocodici", "Sottocodici"),
    ("citazione", "Citazione"),
    ("data", "Data del racconto"),
    ("periodo", "Periodo"),
    ("fonte_codice", "Codice assegnato da"),
    ("modello", "Versione del modello"),
    ("probabilita", "Probabilità"),
    ("fonte_area", "Area assegnata da"),
)


@dataclass(frozen=True)
class Citazione:
    """One sentence to quote, with its first-level code and sub-codes merged."""

    frase_id: int
    racconto_id: int
    racconto: str
    associazione: str
    tema: str | None
    codice: str
    sottocodici: tuple[str, ...]
    testo: str
    data: date | None
    periodo: str | None
    fonte_codice: str
    modello: str | None
    probabilita: float | None
    area: str | None
    scheda: str | None
    fonte_area: str | None
    inizio: int = 0
    fine: int = 0

    def riga(self, nomi_aree: Mapping[str, str] | None = None,
             nomi_schede: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The export row (Italian column keys of :data:`COLONNE`)."""
        return {
            "racconto": self.racconto, "associazione": self.associazione,
            "area": nome_area(self.area, nomi_aree), "scheda": _nome(self.scheda, nomi_schede) or "",
            "tema": self.tema or "", "codice": self.codice,
            "sottocodici": ", ".join(c.split(".", 1)[1] for c in self.sottocodici),
            "citazione": pulisci(self.testo), "data": self.data.isoformat() if self.data else "",
            "periodo": self.periodo or "", "fonte_codice": _fonte(self.fonte_codice),
            "modello": self.modello or "",
            "probabilita": round(self.probabilita, 3) if self.probabilita else "",
            "fonte_area": _fonte(self.fonte_area) if self.area else "",
        }


def _fonte(fonte: str | None) -> str:
    return {"umano": "persona (verificato)", "modello": "modello"}.get(fonte or "", fonte or "")


def _nome(codice: str | None, nomi: Mapping[str, str] | None) -> str | None:
    if not codice:
        return None
    return (nomi or {}).get(codice, codice)


def nome_area(area: str | None, nomi_aree: Mapping[str, str] | None = None) -> str:
    return _nome(area, nomi_aree) or NESSUNA_AREA


def pulisci(testo: str) -> str:
    """Remove control characters (invalid in XML, invisible in a spreadsheet)."""
    return _CONTROLLO.sub("", testo)


def neutralizza_csv(valore: Any) -> str:
    """A CSV cell that no spreadsheet evaluates as a formula (OWASP: prefix dangerous starts with ')."""
    testo = pulisci("" if valore is None else str(valore))
    if testo.startswith(_PERICOLOSI):
        return "'" + testo
    return testo


def unisci(frasi: Iterable[FraseDaCitare]) -> list[Citazione]:
    """One quote per (sentence, first-level code), sub-codes merged; non-consented stories dropped."""
    gruppi: dict[tuple[int, str], list[FraseDaCitare]] = defaultdict(list)
    for f in frasi:
        if not f.citabile:
            continue
        gruppi[(f.frase_id, f.codice.split(".", 1)[0])].append(f)
    out = []
    for (_, padre), righe in gruppi.items():
        principale = next((r for r in righe if r.codice == padre), righe[0])
        modello = next((r.modello for r in righe if r.modello), None)
        out.append(Citazione(
            frase_id=principale.frase_id, racconto_id=principale.racconto_id, racconto=principale.racconto,
            associazione=principale.associazione, tema=principale.tema, codice=padre,
            sottocodici=tuple(sorted({r.codice for r in righe if "." in r.codice})), testo=principale.testo,
            data=principale.data, periodo=principale.periodo, fonte_codice=principale.fonte, modello=modello,
            probabilita=principale.probabilita, area=principale.area, scheda=principale.scheda,
            fonte_area=principale.fonte_area, inizio=principale.inizio, fine=principale.fine))
    out.sort(key=lambda c: (c.area or "~", c.associazione, c.racconto, c.inizio, c.codice))
    return out


def per_area(citazioni: Sequence[Citazione]) -> dict[str | None, list[Citazione]]:
    """Quotes grouped by Piano di Zona area, areas in code order, the unassigned ones last."""
    gruppi: dict[str | None, list[Citazione]] = defaultdict(list)
    for c in citazioni:
        gruppi[c.area].append(c)
    return {a: gruppi[a] for a in sorted(gruppi, key=lambda a: (a is None, _ordine_codice(a)))}


def _ordine_codice(codice: str | None) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-]", codice or ""))


@dataclass(frozen=True)
class Intestazione:
    """What the reader of an export must know: when, by whom, with which filters, under which rule."""

    titolo: str = "Proposte dei cittadini per il Piano di Zona"
    creato_il: datetime = field(default_factory=datetime.now)
    autore: str = ""
    filtri: str = "nessun filtro"
    nomi_aree: Mapping[str, str] = field(default_factory=dict)
    nomi_schede: Mapping[str, str] = field(default_factory=dict)

    def righe(self, citazioni: Sequence[Citazione]) -> list[str]:
        return [
            f"Creato il {self.creato_il:%d/%m/%Y %H:%M}" + (f" da {self.autore}" if self.autore else ""),
            f"Filtri: {self.filtri}",
            f"{len(citazioni)} citazioni da {len({c.racconto for c in citazioni})} racconti di "
            f"{len({c.associazione for c in citazioni})} associazioni.",
            "Solo frasi di racconti i cui autori hanno acconsentito alla citazione; testi anonimizzati.",
        ]


# ------------------------------------------------------------------------------------------------------ CSV
def a_csv(citazioni: Sequence[Citazione], intestazione: Intestazione | None = None) -> bytes:
    """CSV (UTF-8 with BOM, ';' as Italian spreadsheets expect), formula-injection safe."""
    intestazione = intestazione or Intestazione()
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerow([t for _, t in COLONNE])
    for c in citazioni:
        riga = c.riga(intestazione.nomi_aree, intestazione.nomi_schede)
        w.writerow([neutralizza_csv(riga[k]) for k, _ in COLONNE])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# ----------------------------------------------------------------------------------------------------- XLSX
def _nome_foglio(nome: str, usati: set[str]) -> str:
    base = _NOMI_FOGLIO.sub(" ", nome).strip()[:31] or "Foglio"
    candidato, i = base, 2
    while candidato.lower() in usati:
        suffisso = f" ({i})"
        candidato = base[:31 - len(suffisso)] + suffisso
        i += 1
    usati.add(candidato.lower())
    return candidato


def a_xlsx(citazioni: Sequence[Citazione], intestazione: Intestazione | None = None) -> bytes:
    """A workbook: a summary sheet, then one sheet per Piano di Zona area with its quotes.

    Cells are strings, never formulas: a quote starting with "=" stays text.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    intestazione = intestazione or Intestazione()
    wb = Workbook()
    riepilogo = wb.active
    assert riepilogo is not None
    riepilogo.title = "Riepilogo"
    usati = {"riepilogo"}
    _scrivi(riepilogo, 1, [intestazione.titolo])
    riepilogo.cell(1, 1).font = Font(bold=True, size=14)
    for i, r in enumerate(intestazione.righe(citazioni), start=2):
        _scrivi(riepilogo, i, [r])
    riga = len(intestazione.righe(citazioni)) + 3
    _scrivi(riepilogo, riga, ["Area", "Foglio", "Citazioni", "Racconti", "Associazioni"])
    for cella in riepilogo[riga]:
        cella.font = Font(bold=True)
    gruppi = per_area(citazioni)
    for area, voci in gruppi.items():
        nome = nome_area(area, intestazione.nomi_aree)
        foglio = wb.create_sheet(_nome_foglio(nome, usati))
        riga += 1
        _scrivi(riepilogo, riga, [nome, foglio.title, len(voci), len({c.racconto for c in voci}),
                                  len({c.associazione for c in voci})])
        _scrivi(foglio, 1, [t for _, t in COLONNE])
        for cella in foglio[1]:
            cella.font = Font(bold=True)
        for i, c in enumerate(voci, start=2):
            valori = c.riga(intestazione.nomi_aree, intestazione.nomi_schede)
            _scrivi(foglio, i, [valori[k] for k, _ in COLONNE])
            foglio.cell(i, 8).alignment = Alignment(wrap_text=True, vertical="top")
        larghezze = {"Citazione": 80, "Area del Piano di Zona": 30, "Associazione": 28, "Tema": 28}
        for j, (_, titolo) in enumerate(COLONNE, start=1):
            foglio.column_dimensions[get_column_letter(j)].width = larghezze.get(titolo, 16)
        foglio.freeze_panes = "A2"
        foglio.auto_filter.ref = f"A1:{get_column_letter(len(COLONNE))}{len(voci) + 1}"
    riepilogo.column_dimensions["A"].width = 60
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _scrivi(foglio: Any, riga: int, valori: Sequence[Any]) -> None:
    for j, v in enumerate(valori, start=1):
        cella = foglio.cell(riga, j)
        if isinstance(v, str):
            cella.value = pulisci(v)
            cella.data_type = "s"  # a string cell: openpyxl would otherwise store "=..." as a formula
        else:
            cella.value = v


# ----------------------------------------------------------------------------------------------------- DOCX
def fonte_citazione(c: Citazione, nomi_schede: Mapping[str, str] | None = None) -> str:
    """The source line printed under a quote."""
    codice = c.codice.replace("_", " ")
    if c.sottocodici:
        codice += " (" + ", ".join(s.split(".", 1)[1].replace("_", " ") for s in c.sottocodici) + ")"
    parti = [f"Racconto {c.racconto}", c.associazione]
    if c.data:
        parti.append(c.data.strftime("%d/%m/%Y"))
    parti.append(f"tema: {c.tema or 'non assegnato'}")
    parti.append(f"codice: {codice}" + (" — verificato da una persona" if c.fonte_codice == "umano" else ""))
    if c.scheda:
        parti.append(f"scheda: {_nome(c.scheda, nomi_schede)}")
    parti.append(f"modello: {c.modello or 'nessuno'}")
    return " · ".join(parti)


def a_docx(citazioni: Sequence[Citazione], intestazione: Intestazione | None = None) -> bytes:
    """A document ready for the Piano: a heading per area (with counts), quotes grouped by association,
    a source line under every quote."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    intestazione = intestazione or Intestazione()
    doc = Document()
    doc.core_properties.title = intestazione.titolo
    doc.core_properties.language = "it-IT"
    doc.core_properties.author = doc.core_properties.last_modified_by = "Narrazioni"  # not "python-docx"
    doc.add_heading(pulisci(intestazione.titolo), level=0)
    for r in intestazione.righe(citazioni):
        doc.add_paragraph(pulisci(r))
    if not citazioni:
        doc.add_paragraph("Nessuna citazione corrisponde ai filtri scelti.")
    for area, voci in per_area(citazioni).items():
        doc.add_heading(pulisci(nome_area(area, intestazione.nomi_aree)), level=1)
        associazioni = Counter(c.associazione for c in voci)
        doc.add_paragraph(f"{len(voci)} citazioni da {len({c.racconto for c in voci})} racconti; "
                          f"{len(associazioni)} associazioni.")
        schede = Counter(_nome(c.scheda, intestazione.nomi_schede) for c in voci if c.scheda)
        if schede:
            elenco = "; ".join(f"{pulisci(str(s))} ({n})" for s, n in schede.most_common())
            doc.add_paragraph(f"Schede: {elenco}")
        per_associazione: dict[str, list[Citazione]] = defaultdict(list)
        for c in voci:
            per_associazione[c.associazione].append(c)
        for associazione in sorted(per_associazione):
            gruppo = per_associazione[associazione]
            doc.add_heading(f"{pulisci(associazione)} ({len(gruppo)})", level=2)
            for c in gruppo:
                doc.add_paragraph(f"«{pulisci(c.testo)}»", style="Quote")
                fonte = doc.add_paragraph()
                testo_fonte = fonte.add_run(pulisci(fonte_citazione(c, intestazione.nomi_schede)))
                testo_fonte.font.size = Pt(8.5)
                testo_fonte.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------------------- REFI-QDA (QDPX)
@dataclass(frozen=True)
class Sorgente:
    """A story as a REFI-QDA text source: anonymised text and the attributes that become variables."""

    racconto_id: int
    codice: str
    testo: str
    attributi: Mapping[str, str | None]


def _guid(*parti: Any) -> str:
    return str(uuid.uuid5(_NS_GUID, "|".join(str(p) for p in parti)))


def _adesso_xml(quando: datetime) -> str:
    return quando.replace(microsecond=0).isoformat() + ("" if quando.tzinfo else "Z")


def a_qdpx(sorgenti: Sequence[Sorgente], frasi: Sequence[FraseDaCitare], *, codebook: Mapping[str, str],
           sottocodici: Mapping[str, Sequence[str]], nome_progetto: str = "Narrazioni",
           autore: str = "narrazioni", creato_il: datetime | None = None,
           nomi_aree: Mapping[str, str] | None = None) -> bytes:
    """A REFI-QDA project (QDPX: a zip with ``project.qde`` and ``Sources/``) for NVivo, MAXQDA, ATLAS.ti.

    Sources are the anonymised stories (only consented ones), the codebook is the seed codebook with its
    second-level codes and the Piano di Zona areas, coded segments are the sentences with their effective
    codes. Each coding names who made it: the model (name@version) or the person who confirmed it.
    """
    quando = _adesso_xml(creato_il or datetime.now())
    consentite = {s.racconto_id for s in sorgenti}
    frasi = [f for f in frasi if f.citabile and f.racconto_id in consentite]
    ET.register_namespace("", NS_QDA)

    def el(padre: ET.Element | None, nome: str, **attr: str) -> ET.Element:
        tag = f"{{{NS_QDA}}}{nome}"
        return ET.Element(tag, attr) if padre is None else ET.SubElement(padre, tag, attr)

    def chi_di(f: FraseDaCitare) -> str:
        return (f.autore or autore) if f.fonte == "umano" else (f.modello or "modello")

    progetto = el(None, "Project", name=pulisci(nome_progetto), origin="Narrazioni", creationDateTime=quando)
    autori = sorted({autore} | {chi_di(f) for f in frasi})
    utenti = el(progetto, "Users")
    for a in autori:
        el(utenti, "User", guid=_guid("utente", a), name=pulisci(a))
    guid_autore = _guid("utente", autore)

    libro = el(progetto, "CodeBook")
    codici_el = el(libro, "Codes")
    guid_codice: dict[str, str] = {}
    for codice, descrizione in codebook.items():
        c = el(codici_el, "Code", guid=_guid("codice", codice), name=codice.replace("_", " "),
               isCodable="true")
        guid_codice[codice] = c.get("guid", "")
        if descrizione:
            el(c, "Description").text = pulisci(descrizione)
        for figlio in sottocodici.get(codice, ()):
            completo = f"{codice}.{figlio}"
            f_el = el(c, "Code", guid=_guid("codice", completo), name=figlio.replace("_", " "),
                      isCodable="true")
            guid_codice[completo] = f_el.get("guid", "")
    aree_usate = sorted({f.area for f in frasi if f.area}, key=_ordine_codice)
    if aree_usate:
        radice = el(codici_el, "Code", guid=_guid("codice", "piano"), name="Piano di Zona", isCodable="false")
        for a in aree_usate:
            a_el = el(radice, "Code", guid=_guid("codice", f"area:{a}"),
                      name=pulisci(nome_area(a, nomi_aree)), isCodable="true")
            guid_codice[f"area:{a}"] = a_el.get("guid", "")

    nomi_variabili = sorted({k for s in sorgenti for k in s.attributi})
    if nomi_variabili:
        variabili = el(progetto, "Variables")
        for v in nomi_variabili:
            el(variabili, "Variable", guid=_guid("variabile", v), name=v, typeOfVariable="Text")

    per_racconto: dict[int, list[FraseDaCitare]] = defaultdict(list)
    for f in frasi:
        per_racconto[f.racconto_id].append(f)
    sorgenti_el = el(progetto, "Sources")
    file_testi: dict[str, str] = {}
    for s in sorgenti:
        guid_s = _guid("sorgente", s.codice)
        testo = pulisci(s.testo)
        file_testi[f"{guid_s}.txt"] = testo
        ts = el(sorgenti_el, "TextSource", guid=guid_s, name=s.codice, plainTextPath=f"internal://{guid_s}.txt",
                creatingUser=guid_autore, creationDateTime=quando)
        per_frase: dict[int, list[FraseDaCitare]] = defaultdict(list)
        for f in per_racconto.get(s.racconto_id, []):
            per_frase[f.frase_id].append(f)
        for frase_id, codifiche in sorted(per_frase.items(), key=lambda kv: kv[1][0].inizio):
            primo = codifiche[0]
            if not 0 <= primo.inizio < primo.fine <= len(testo):
                continue
            sel = el(ts, "PlainTextSelection", guid=_guid("selezione", frase_id),
                     name=f"frase {primo.indice + 1}", startPosition=str(primo.inizio),
                     endPosition=str(primo.fine), creatingUser=guid_autore, creationDateTime=quando)
            chiavi = [(f.codice, chi_di(f)) for f in codifiche]
            if primo.area:
                chiavi.append((f"area:{primo.area}", autore))
            visti: set[str] = set()
            for codice, chi in chiavi:
                if codice not in guid_codice or codice in visti:
                    continue
                visti.add(codice)
                cod = el(sel, "Coding", guid=_guid("codifica", frase_id, codice),
                         creatingUser=_guid("utente", chi), creationDateTime=quando)
                el(cod, "CodeRef", targetGUID=guid_codice[codice])
        for v in nomi_variabili:
            valore = s.attributi.get(v)
            if valore is None or valore == "":
                continue
            vv = el(ts, "VariableValue")
            el(vv, "VariableRef", targetGUID=_guid("variabile", v))
            el(vv, "TextValue").text = pulisci(str(valore))

    xml = ET.tostring(progetto, encoding="utf-8", xml_declaration=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", xml)
        for nome, testo in file_testi.items():
            z.writestr(f"Sources/{nome}", testo.encode("utf-8"))
    return buf.getvalue()
