"""Quotes for QDA tools: a REFI-QDA project (QDPX) with the stories as text sources and who decided each code."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from analisi.esporta.selezione import SOGLIA_AREA, _ordine_codice, nome_area, pulisci
from analisi.etichette import etichetta_codice, etichetta_sottocodice
from archivio.cruscotto.citazioni import FraseDaCitare

NS_QDA = "urn:QDA-XML:project:1.0"
# Stable GUIDs: the same export of the same data gives the same project (diffable, re-importable).
_NS_GUID = uuid.UUID("6f1f2b8e-3c1a-4e59-9a43-2f8a0c0b7d11")


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
        c = el(codici_el, "Code", guid=_guid("codice", codice), name=pulisci(etichetta_codice(codice)),
               isCodable="true")
        guid_codice[codice] = c.get("guid", "")
        if descrizione:
            el(c, "Description").text = pulisci(descrizione)
        for figlio in sottocodici.get(codice, ()):
            completo = f"{codice}.{figlio}"
            f_el = el(c, "Code", guid=_guid("codice", completo), name=pulisci(etichetta_sottocodice(figlio)),
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
