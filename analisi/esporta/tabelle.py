"""Quotes as tables: CSV (formula-injection safe) and XLSX (one sheet per area; cells are strings, never formulas)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from analisi.esporta.selezione import COLONNE, Citazione, Intestazione, nome_area, per_area, pulisci

_PERICOLOSI = ("=", "+", "-", "@", "\t", "\r")
_NOMI_FOGLIO = re.compile(r"[\[\]:*?/\\]")


def neutralizza_csv(valore: Any) -> str:
    """A CSV cell that no spreadsheet evaluates as a formula (OWASP: prefix dangerous starts with ')."""
    testo = pulisci("" if valore is None else str(valore))
    if testo.startswith(_PERICOLOSI):
        return "'" + testo
    return testo


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
            data = foglio.cell(i, _COLONNA_DATA)  # a real date cell (sortable), shown dd/mm/yyyy
            data.value = c.data
            data.number_format = "DD/MM/YYYY"
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


_COLONNA_DATA = [k for k, _ in COLONNE].index("data") + 1


def _scrivi(foglio: Any, riga: int, valori: Sequence[Any]) -> None:
    for j, v in enumerate(valori, start=1):
        cella = foglio.cell(riga, j)
        if isinstance(v, str):
            cella.value = pulisci(v)
            cella.data_type = "s"  # a string cell: openpyxl would otherwise store "=..." as a formula
        else:
            cella.value = v
