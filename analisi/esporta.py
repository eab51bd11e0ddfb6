"""Exports of quotes for the Piano di Zona and for QDA tools: XLSX, DOCX, CSV and REFI-QDA (QDPX).

Every function takes the coded sentences the store returned (``archivio.cruscotto.citazioni.FraseDaCitare``) and
returns bytes. Rules every format follows:

- ONLY quotes whose narrator consented to being quoted: rows without ``citabile`` are dropped here as
  well, whatever the caller asked (defence in depth: the store query already filters them).
- Every quote carries its source: story code, association, theme, code and model version.
- A quote is inert text everywhere: XLSX cells are written as strings (never formulas), CSV cells starting
  with ``= + - @``, a tab or a carriage return are prefixed with an apostrophe (OWASP's advice against
  formula injection), DOCX and QDPX escape XML, control characters are removed.
- Every quote says who decided its code and its Piano di Zona area: a person ("confermato") or the model
  ("proposto dal modello", with its calibrated probability).

Abstention (issue 11): the planning exports hold the quotes a person confirmed and the model's quotes whose
calibrated probability reaches :data:`SOGLIA_MODELLO` (setting ``NARRAZIONI_ESPORTA_SOGLIA_MODELLO``), the
threshold at which the model's precision is at least :data:`PRECISIONE_MINIMA` on held-out data; the others
are left out and counted per area (:func:`applica_astensione`). How the threshold is measured:
:func:`soglia_per_precisione`, printed by ``python -m analisi.codifica.valuta soglie``. A model's area whose
calibrated confidence is below :data:`SOGLIA_AREA` is exported as "da assegnare", with its two likeliest areas.
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

from analisi.etichette import data_it, etichetta_codice, etichetta_periodo, etichetta_sottocodice
from archivio.cruscotto.citazioni import FraseDaCitare
from archivio.impostazioni import predefinito

NESSUNA_AREA = "Area non ancora assegnata"
DA_ASSEGNARE = "Da assegnare (area incerta)"
PRECISIONE_MINIMA = 0.9
# The smallest calibrated probability at which the shipped coder's proposta precision is >= 0.9 on BOTH
# held-out sets (the real development set corpus/reale, zero-shot, and out-of-fold on the corpus gold), with
# at least MINIMO_SELEZIONATE units above it. Measured by ``python -m analisi.codifica.valuta soglie``; when
# no threshold reaches the precision (the shipped coder on real text, December 2026) it is 1.0: only what a
# person confirmed is exported until a campaign's retrained coder is measured again.
SOGLIA_MODELLO = 1.0
# below this calibrated confidence a model's area is "da assegnare" (see analisi.piano)
SOGLIA_AREA: float = predefinito("piano_soglia_area")
MINIMO_SELEZIONATE = 20
NS_QDA = "urn:QDA-XML:project:1.0"
# Stable GUIDs: the same export of the same data gives the same project (diffable, re-importable).
_NS_GUID = uuid.UUID("6f1f2b8e-3c1a-4e59-9a43-2f8a0c0b7d11")
# Never in an export (defence in depth: raccolta.validazione strips them at the door too): C0 controls but
# tab, newline and carriage return, DEL and C1 controls, lone surrogates and the Unicode noncharacters (XML
# forbids U+FFFE/U+FFFF: lxml, under openpyxl and python-docx, refuses the whole file), bidirectional
# controls and invisible characters (a quote must read as it is written).
_NON_CARATTERI = "\ufdd0-\ufdef" + "".join(
    chr(piano * 0x10000 + 0xFFFE) + "-" + chr(piano * 0x10000 + 0xFFFF) for piano in range(17))
_CONTROLLO = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
    "\ud800-\udfff" + _NON_CARATTERI + "]")
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
    ("verifica", "Confermata da una persona o proposta dal modello"),
    ("probabilita_area", "Confidenza dell'area"),
    ("aree_possibili", "Aree più probabili (modello)"),
    ("escluse_area", "Proposte del modello escluse in quest'area"),
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
    punteggio_area: float | None = None
    seconda_area: str | None = None
    punteggio_seconda: float | None = None
    da_assegnare: bool = False  # the model's area is below SOGLIA_AREA: shown as a suggestion only

    @property
    def confermata(self) -> bool:
        """A person decided the code (and, for a proposal with an area, the area too)."""
        return self.fonte_codice == "umano" and (self.area is None or self.fonte_area == "umano")

    def verifica(self) -> str:
        """Who decided: "confermata da una persona" or "proposta dal modello (p = 0.93)", code and area."""
        if self.fonte_codice == "umano":
            codice = "codice confermato da una persona"
        else:
            p = f" (p = {self.probabilita:.2f})" if self.probabilita is not None else ""
            codice = f"codice proposto dal modello{p}"
        if self.area is None:
            return codice
        if self.fonte_area == "umano":
            return f"{codice}; area confermata da una persona"
        p = f" (confidenza {self.punteggio_area:.2f})" if self.punteggio_area is not None else ""
        return f"{codice}; area proposta dal modello{p}" + ("; da assegnare" if self.da_assegnare else "")

    def aree_possibili(self, nomi_aree: Mapping[str, str] | None = None) -> str:
        """The model's two likeliest areas with their confidence (empty for a person's area)."""
        if self.area is None or self.fonte_area == "umano":
            return ""
        parti = [f"{nome_area(self.area, nomi_aree)}"
                 + (f" ({self.punteggio_area:.2f})" if self.punteggio_area is not None else "")]
        if self.seconda_area:
            parti.append(f"{nome_area(self.seconda_area, nomi_aree)}"
                         + (f" ({self.punteggio_seconda:.2f})" if self.punteggio_seconda is not None else ""))
        return "; ".join(parti)

    def riga(self, nomi_aree: Mapping[str, str] | None = None,
             nomi_schede: Mapping[str, str] | None = None, escluse: Mapping[str | None, int] | None = None
             ) -> dict[str, Any]:
        """The export row (Italian column keys of :data:`COLONNE`)."""
        area = DA_ASSEGNARE if self.da_assegnare else nome_area(self.area, nomi_aree)
        return {
            "racconto": self.racconto, "associazione": self.associazione,
            "area": area, "scheda": "" if self.da_assegnare else _nome(self.scheda, nomi_schede) or "",
            "tema": self.tema or "", "codice": etichetta_codice(self.codice),
            "sottocodici": ", ".join(etichetta_sottocodice(c.split(".", 1)[1]) for c in self.sottocodici),
            "citazione": pulisci(self.testo), "data": data_it(self.data),
            "periodo": etichetta_periodo(self.periodo) if self.periodo else "",
            "fonte_codice": _fonte(self.fonte_codice),
            "modello": self.modello or "",
            "probabilita": round(self.probabilita, 3) if self.probabilita else "",
            "fonte_area": _fonte(self.fonte_area) if self.area else "",
            "verifica": self.verifica(),
            "probabilita_area": round(self.punteggio_area, 3) if self.punteggio_area is not None
            and self.fonte_area != "umano" else "",
            "aree_possibili": self.aree_possibili(nomi_aree),
            "escluse_area": (escluse or {}).get(self.gruppo, 0),
        }

    @property
    def gruppo(self) -> str | None:
        """The area the quote is grouped under: its area, or None when unassigned or uncertain."""
        return None if self.da_assegnare else self.area


def _fonte(fonte: str | None) -> str:
    return {"umano": "persona (verificato)", "modello": "modello"}.get(fonte or "", fonte or "")


def _nome(codice: str | None, nomi: Mapping[str, str] | None) -> str | None:
    if not codice:
        return None
    return (nomi or {}).get(codice, codice)


def nome_area(area: str | None, nomi_aree: Mapping[str, str] | None = None) -> str:
    return _nome(area, nomi_aree) or NESSUNA_AREA


def pulisci(testo: str, sostituto: str = "") -> str:
    """Remove the characters no export may hold (invalid in XML, invisible or reordering in a document).

    ``sostituto`` (one character, e.g. U+FFFD) keeps every offset into the text valid instead.
    """
    return _CONTROLLO.sub(sostituto, testo)


def neutralizza_csv(valore: Any) -> str:
    """A CSV cell that no spreadsheet evaluates as a formula (OWASP: prefix dangerous starts with ')."""
    testo = pulisci("" if valore is None else str(valore))
    if testo.startswith(_PERICOLOSI):
        return "'" + testo
    return testo


def unisci(frasi: Iterable[FraseDaCitare], *, soglia_area: float = SOGLIA_AREA) -> list[Citazione]:
    """One quote per (sentence, first-level code), sub-codes merged; non-consented stories dropped.

    A model's area whose confidence is below ``soglia_area`` is marked ``da_assegnare`` (a person's never is).
    """
    gruppi: dict[tuple[int, str], list[FraseDaCitare]] = defaultdict(list)
    for f in frasi:
        if not f.citabile:
            continue
        gruppi[(f.frase_id, f.codice.split(".", 1)[0])].append(f)
    out = []
    for (_, padre), righe in gruppi.items():
        principale = next((r for r in righe if r.codice == padre), righe[0])
        modello = next((r.modello for r in righe if r.modello), None)
        punteggio_area = getattr(principale, "punteggio_area", None)
        incerta = bool(principale.area and principale.fonte_area != "umano" and punteggio_area is not None
                       and punteggio_area < soglia_area)
        out.append(Citazione(
            frase_id=principale.frase_id, racconto_id=principale.racconto_id, racconto=principale.racconto,
            associazione=principale.associazione, tema=principale.tema, codice=padre,
            sottocodici=tuple(sorted({r.codice for r in righe if "." in r.codice})), testo=principale.testo,
            data=principale.data, periodo=principale.periodo, fonte_codice=principale.fonte, modello=modello,
            probabilita=principale.probabilita, area=principale.area, scheda=principale.scheda,
            fonte_area=principale.fonte_area, inizio=principale.inizio, fine=principale.fine,
            punteggio_area=punteggio_area, seconda_area=getattr(principale, "seconda_area", None),
            punteggio_seconda=getattr(principale, "punteggio_seconda", None), da_assegnare=incerta))
    out.sort(key=lambda c: (c.gruppo or "~", c.associazione, c.racconto, c.inizio, c.codice))
    return out


def per_area(citazioni: Sequence[Citazione]) -> dict[str | None, list[Citazione]]:
    """Quotes grouped by Piano di Zona area, areas in code order, the unassigned and uncertain ones last."""
    gruppi: dict[str | None, list[Citazione]] = defaultdict(list)
    for c in citazioni:
        gruppi[c.gruppo].append(c)
    return {a: gruppi[a] for a in sorted(gruppi, key=lambda a: (a is None, _ordine_codice(a)))}


# ------------------------------------------------------------------------------------------- abstention
@dataclass(frozen=True)
class Selezione:
    """The quotes an export holds under the abstention rule, and what it left out (per area)."""

    citazioni: list[Citazione]
    escluse: dict[str | None, int]
    soglia: float

    @property
    def totale_escluse(self) -> int:
        return sum(self.escluse.values())


def ammessa(c: Citazione, soglia: float) -> bool:
    """A person confirmed the code, or the model's calibrated probability reaches ``soglia``."""
    if c.fonte_codice == "umano":
        return True
    return soglia < 1.0 and c.probabilita is not None and c.probabilita >= soglia


def applica_astensione(citazioni: Iterable[Citazione], soglia: float = SOGLIA_MODELLO) -> Selezione:
    """Keep confirmed quotes and the model's quotes at ``soglia`` or above; count the others per area.

    A model's quote without a probability is left out (nothing says how sure the model was)."""
    tenute: list[Citazione] = []
    escluse: Counter[str | None] = Counter()
    for c in citazioni:
        if ammessa(c, soglia):
            tenute.append(c)
        else:
            escluse[c.gruppo] += 1
    return Selezione(tenute, dict(escluse), soglia)


def soglia_per_precisione(vero: Sequence[int] | Any, probabilita: Sequence[float] | Any,
                          precisione: float = PRECISIONE_MINIMA, minimo: int = MINIMO_SELEZIONATE) -> float | None:
    """The smallest threshold at which precision is at least ``precisione`` with at least ``minimo`` items
    above it, and stays so for every higher threshold with ``minimo`` items (sklearn's precision-recall
    curve); None when no threshold gets there."""
    import numpy as np
    from sklearn.metrics import precision_recall_curve

    y = np.asarray(vero, dtype=int)
    p = np.asarray(probabilita, dtype=float)
    if not y.any():
        return None
    prec, _, soglie = precision_recall_curve(y, p)
    selezionate = np.array([(p >= s).sum() for s in soglie])
    valide = selezionate >= minimo
    buone = (prec[:-1] >= precisione) | ~valide
    # from the highest threshold down, stop at the first (valid) one that misses the precision
    scelta: float | None = None
    for i in range(len(soglie) - 1, -1, -1):
        if not buone[i]:
            break
        if valide[i]:
            scelta = float(soglie[i])
    return scelta


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
    escluse: Mapping[str | None, int] = field(default_factory=dict)  # model quotes left out, per area
    soglia: float | None = None  # the abstention threshold applied (None: no rule applied)

    def righe(self, citazioni: Sequence[Citazione]) -> list[str]:
        out = [
            f"Creato il {self.creato_il:%d/%m/%Y %H:%M}" + (f" da {self.autore}" if self.autore else ""),
            f"Filtri: {self.filtri}",
            f"{len(citazioni)} citazioni da {len({c.racconto for c in citazioni})} racconti di "
            f"{len({c.associazione for c in citazioni})} associazioni.",
            "Solo frasi di racconti i cui autori hanno acconsentito alla citazione; testi anonimizzati.",
        ]
        confermate = sum(c.fonte_codice == "umano" for c in citazioni)
        out.append(f"{confermate} citazioni confermate da una persona, {len(citazioni) - confermate} proposte "
                   "dal modello (ogni citazione indica chi ha deciso codice e area).")
        if self.soglia is not None:
            regola = ("solo le frasi confermate da una persona" if self.soglia > 1 - 1e-9 else
                      "tutte le frasi codificate, anche quelle del modello non confermate (nessuna astensione)"
                      if self.soglia <= 0 else
                      f"le frasi confermate da una persona e quelle del modello con probabilità calibrata "
                      f"≥ {self.soglia:.2f} (precisione ≥ {PRECISIONE_MINIMA:.0%} su dati tenuti da parte)")
            out.append(f"Regola: {regola}.")
            totale = sum(self.escluse.values())
            dettaglio = "; ".join(f"{nome_area(a, self.nomi_aree)}: {n}" for a, n in self.escluse_ordinate())
            out.append(f"Proposte del modello non confermate lasciate fuori: {totale}"
                       + (f" ({dettaglio})." if dettaglio else "."))
        return out

    def escluse_ordinate(self) -> list[tuple[str | None, int]]:
        return [(a, self.escluse[a]) for a in sorted(self.escluse, key=lambda a: (a is None, _ordine_codice(a)))
                if self.escluse[a]]


# ------------------------------------------------------------------------------------------------------ CSV
def a_csv(citazioni: Sequence[Citazione], intestazione: Intestazione | None = None) -> bytes:
    """CSV (UTF-8 with BOM, ';' as Italian spreadsheets expect), formula-injection safe."""
    intestazione = intestazione or Intestazione()
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerow([t for _, t in COLONNE])
    for c in citazioni:
        riga = c.riga(intestazione.nomi_aree, intestazione.nomi_schede, intestazione.escluse)
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
    _scrivi(riepilogo, riga, ["Area", "Foglio", "Citazioni", "Racconti", "Associazioni", "Confermate",
                              "Proposte del modello escluse"])
    for cella in riepilogo[riga]:
        cella.font = Font(bold=True)
    gruppi = per_area(citazioni)
    for area, voci in gruppi.items():
        nome = nome_area(area, intestazione.nomi_aree)
        foglio = wb.create_sheet(_nome_foglio(nome, usati))
        riga += 1
        _scrivi(riepilogo, riga, [nome, foglio.title, len(voci), len({c.racconto for c in voci}),
                                  len({c.associazione for c in voci}), sum(c.confermata for c in voci),
                                  intestazione.escluse.get(area, 0)])
        _scrivi(foglio, 1, [t for _, t in COLONNE])
        for cella in foglio[1]:
            cella.font = Font(bold=True)
        for i, c in enumerate(voci, start=2):
            valori = c.riga(intestazione.nomi_aree, intestazione.nomi_schede, intestazione.escluse)
            _scrivi(foglio, i, [valori[k] for k, _ in COLONNE])
            foglio.cell(i, 8).alignment = Alignment(wrap_text=True, vertical="top")
        larghezze = {"Citazione": 80, "Area del Piano di Zona": 30, "Associazione": 28, "Tema": 28}
        for j, (_, titolo) in enumerate(COLONNE, start=1):
            foglio.column_dimensions[get_column_letter(j)].width = larghezze.get(titolo, 16)
        foglio.freeze_panes = "A2"
        foglio.auto_filter.ref = f"A1:{get_column_letter(len(COLONNE))}{len(voci) + 1}"
    for area, n in intestazione.escluse_ordinate():  # areas whose every quote was left out
        if area not in gruppi:
            riga += 1
            _scrivi(riepilogo, riga, [nome_area(area, intestazione.nomi_aree), "", 0, 0, 0, 0, n])
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
def fonte_citazione(c: Citazione, nomi_schede: Mapping[str, str] | None = None,
                    nomi_aree: Mapping[str, str] | None = None) -> str:
    """The source line printed under a quote."""
    codice = etichetta_codice(c.codice)
    if c.sottocodici:
        codice += " (" + ", ".join(etichetta_sottocodice(s.split(".", 1)[1]) for s in c.sottocodici) + ")"
    parti = [f"Racconto {c.racconto}", c.associazione]
    if c.data:
        parti.append(c.data.strftime("%d/%m/%Y"))
    parti.append(f"tema: {c.tema or 'non assegnato'}")
    parti.append(f"codice: {codice}" + (" — verificato da una persona" if c.fonte_codice == "umano" else ""))
    parti.append(c.verifica())
    if c.area and c.fonte_area != "umano":
        parti.append(f"aree più probabili: {c.aree_possibili(nomi_aree)}")
    if c.scheda and not c.da_assegnare:
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
        if intestazione.soglia is not None:
            doc.add_paragraph(f"Confermate da una persona: {sum(c.confermata for c in voci)}; proposte del "
                              f"modello non confermate lasciate fuori: {intestazione.escluse.get(area, 0)}.")
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
                testo_fonte = fonte.add_run(pulisci(fonte_citazione(c, intestazione.nomi_schede,
                                                                    intestazione.nomi_aree)))
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
           nomi_aree: Mapping[str, str] | None = None, soglia: float | None = None,
           soglia_area: float = SOGLIA_AREA) -> bytes:
    """A REFI-QDA project (QDPX: a zip with ``project.qde`` and ``Sources/``) for NVivo, MAXQDA, ATLAS.ti.

    Sources are the anonymised stories (only consented ones), the codebook is the seed codebook with its
    second-level codes and the Piano di Zona areas, coded segments are the sentences with their effective
    codes. Each coding names who made it: the model (name@version) or the person who confirmed it, and each
    coded sentence's name says it again in words, with the model's calibrated probability. With ``soglia``
    the model's codes below it are left out (the abstention rule of the planning exports); a model's area
    below ``soglia_area`` is not coded (it is "da assegnare").
    """
    quando = _adesso_xml(creato_il or datetime.now())
    consentite = {s.racconto_id for s in sorgenti}
    frasi = [f for f in frasi if f.citabile and f.racconto_id in consentite]
    if soglia is not None:
        frasi = [f for f in frasi if f.fonte == "umano"
                 or (soglia < 1.0 and f.probabilita is not None and f.probabilita >= soglia)]
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
        testo = pulisci(s.testo, "\ufffd")  # one for one: the selections' offsets stay right
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
                     name=pulisci(_nome_selezione(codifiche, soglia_area)), startPosition=str(primo.inizio),
                     endPosition=str(primo.fine), creatingUser=guid_autore, creationDateTime=quando)
            chiavi = [(f.codice, chi_di(f)) for f in codifiche]
            if primo.area and not _area_incerta(primo, soglia_area):
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


def _area_incerta(f: FraseDaCitare, soglia_area: float) -> bool:
    p = getattr(f, "punteggio_area", None)
    return bool(f.area and f.fonte_area != "umano" and p is not None and p < soglia_area)


def _nome_selezione(codifiche: Sequence[FraseDaCitare], soglia_area: float) -> str:
    """ "frase 3 · proposta: modello (p = 0.93) · area 1: modello (0.71)" — who decided, in words."""
    primo = codifiche[0]
    parti = [f"frase {primo.indice + 1}"]
    for f in codifiche:
        if "." in f.codice:
            continue
        chi = "confermato da una persona" if f.fonte == "umano" else (
            "modello" + (f" (p = {f.probabilita:.2f})" if f.probabilita is not None else ""))
        parti.append(f"{etichetta_codice(f.codice)}: {chi}")
    if primo.area:
        p = getattr(primo, "punteggio_area", None)
        chi = "confermata da una persona" if primo.fonte_area == "umano" else (
            "modello" + (f" ({p:.2f})" if p is not None else ""))
        stato = "da assegnare, " if _area_incerta(primo, soglia_area) else ""
        parti.append(f"area {primo.area}: {stato}{chi}")
    return " · ".join(parti)
