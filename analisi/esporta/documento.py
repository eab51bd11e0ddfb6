"""Quotes as a DOCX document ready for the Piano: a heading per area, quotes by association, a source under each."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from analisi.esporta.selezione import Citazione, Intestazione, _nome, nome_area, per_area, pulisci
from analisi.etichette import etichetta_codice, etichetta_sottocodice


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
