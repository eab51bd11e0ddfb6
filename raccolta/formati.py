"""Readers of the files associations bring: CSV, JSONL, XLSX, DOCX and TXT.

Each reader yields ``Riga`` records (where it is in the file, and its raw fields) and turns anything
wrong with the file as a whole into :class:`ErroreImport` with an Italian-or-English message an operator
can act on; a bad row becomes a row with ``errore`` set, never an exception. Third-party parsers
(openpyxl, python-docx) see only files that passed size and zip checks, and their exceptions on
damaged files are caught and reported.

DOCX and TXT stories may start with ``Campo: valore`` lines (``Associazione: ...``, ``Zona: ...``,
``Data: ...``, ``ID: ...``): they fill the fields, as columns do in a spreadsheet.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from archivio.errori import ErroreDati

FORMATI = (".csv", ".jsonl", ".xlsx", ".docx", ".txt")
DIVISIONI_DOCX = ("auto", "documento", "titolo")
MAX_BYTE_FILE = 100 * 1024 * 1024
MAX_BYTE_ESPANSI = 400 * 1024 * 1024  # a zip (XLSX/DOCX) that inflates beyond this is refused (zip bomb)
MAX_VOCI_ZIP = 10_000
MAX_RIGHE = 200_000
MAX_CARATTERI_CELLA = 1_000_000  # far above any valid field: keeps one absurd cell from using all memory
SEPARATORE_TXT = re.compile(r"^[ \t]*-{3,}[ \t]*$")

# Column names and "Campo:" labels accepted without a mapping (normalised: lower case, no accents,
# non-alphanumerics as "_").
SINONIMI = {
    "id": "id", "codice": "id", "testo": "testo", "text": "testo", "racconto": "testo", "storia": "testo",
    "titolo": "titolo", "title": "titolo", "associazione": "associazione", "quartiere": "quartiere",
    "zona": "quartiere", "fascia_eta": "fascia_eta", "eta": "fascia_eta", "fascia_d_eta": "fascia_eta",
    "fascia_di_eta": "fascia_eta", "ruolo": "ruolo", "periodo": "periodo", "periodo_narrato": "periodo",
    "data": "data", "data_racconto": "data", "citabile": "consenso_citazione",
    "citazione": "consenso_citazione", "consenso_citazione": "consenso_citazione",
    "associazione_altra": "associazione_altra", "altra_associazione": "associazione_altra",
    "sensazione": "sensazione", "temi": "temi",
}


class ErroreImport(ErroreDati, ValueError):
    """The file as a whole cannot be read (format, encoding, size, damaged file, missing text column)."""


@dataclass
class Riga:
    """One story as read from a file: its position for messages, and its raw fields."""

    numero: int
    dove: str
    campi: dict[str, Any] = field(default_factory=dict)
    errore: str | None = None
    avviso: str | None = None  # not a story: something the operator should know (text left out, ...)


def normalizza_etichetta(etichetta: str) -> str:
    """``"Fascia d'età"`` -> ``"fascia_d_eta"``: how column names and labels are compared."""
    senza_accenti = "".join(c for c in unicodedata.normalize("NFKD", etichetta)
                            if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "_", senza_accenti.casefold()).strip("_")


def campo_per(etichetta: str, mappa: Mapping[str, str]) -> str | None:
    """The field a column or label stands for: the explicit mapping first, then the known synonyms."""
    chiave = str(etichetta).strip()
    if chiave in mappa:
        return mappa[chiave]
    norma = normalizza_etichetta(chiave)
    mappa_norm = {normalizza_etichetta(k): v for k, v in mappa.items()}
    return mappa_norm.get(norma) or SINONIMI.get(norma)


def leggi_righe(percorso: Path, *, divisione_docx: str = "auto", foglio: str | None = None,
                mappa: Mapping[str, str] | None = None) -> Iterator[Riga]:
    """Read the stories of one file. Raises ErroreImport when the file as a whole is unusable."""
    suffisso = percorso.suffix.lower()
    if suffisso not in FORMATI:
        raise ErroreImport(f"{percorso.name}: formato non supportato (formati ammessi: {', '.join(FORMATI)})")
    if divisione_docx not in DIVISIONI_DOCX:
        raise ErroreImport(f"divisione DOCX sconosciuta {divisione_docx!r} (usa {', '.join(DIVISIONI_DOCX)})")
    try:
        dimensione = percorso.stat().st_size
    except OSError as e:
        raise ErroreImport(f"impossibile leggere {percorso}: {e.strerror}") from None
    if dimensione > MAX_BYTE_FILE:
        raise ErroreImport(f"{percorso.name}: file troppo grande ({dimensione // 2**20} MiB, al massimo "
                           f"{MAX_BYTE_FILE // 2**20} MiB): dividilo")
    if suffisso == ".xlsx":
        return iter(_leggi_xlsx(percorso, foglio))
    if suffisso == ".docx":
        return iter(_leggi_docx(percorso, divisione_docx, mappa or {}))
    testo = _testo_utf8(percorso)
    if suffisso == ".jsonl":
        return _leggi_jsonl(testo)
    if suffisso == ".txt":
        return iter(_leggi_txt(testo, mappa or {}))
    return iter(_leggi_csv(testo, percorso.name))


def _testo_utf8(percorso: Path) -> str:
    try:
        dati = percorso.read_bytes()
    except OSError as e:
        raise ErroreImport(f"impossibile leggere {percorso}: {e.strerror}") from None
    try:
        return dati.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ErroreImport(f"{percorso.name}: il testo non è in UTF-8 (salva il file come UTF-8)") from None


def _leggi_jsonl(testo: str) -> Iterator[Riga]:
    for n, riga in enumerate(testo.splitlines(), start=1):
        if not riga.strip():
            continue
        dove = f"riga {n}"
        try:
            oggetto = json.loads(riga)
        except json.JSONDecodeError as e:
            yield Riga(n, dove, errore=f"JSON non valido ({e.msg})")
            continue
        except (ValueError, RecursionError):  # numbers with too many digits, absurd nesting
            yield Riga(n, dove, errore="JSON non valido (valori troppo grandi o troppo annidati)")
            continue
        if isinstance(oggetto, dict):
            yield Riga(n, dove, {str(k): v for k, v in oggetto.items()})
        else:
            yield Riga(n, dove, errore="la riga non è un oggetto JSON")


def _leggi_csv(testo: str, nome: str) -> list[Riga]:
    """Rows of a CSV file; a row's number is the line where it starts (a quoted cell may span lines).

    The csv module's own cell limit (131 072 characters) would reject the whole file at the first long
    cell: it is raised to the file's size, and each cell is bounded here instead (a too long cell makes
    its row an error, the other rows are read).
    """
    try:
        dialetto: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(testo[:4096], delimiters=",;\t")
    except csv.Error:
        dialetto = csv.excel
    csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTE_FILE))
    righe: list[Riga] = []
    lettore = csv.reader(io.StringIO(testo, newline=""), dialect=dialetto)
    intestazione: list[str] | None = None
    fine_precedente = 0
    try:
        for valori in lettore:
            n, fine_precedente = fine_precedente + 1, lettore.line_num
            if not valori:
                continue  # a blank line
            if intestazione is None:
                intestazione = valori
                continue
            dove = f"riga {n}"
            lunghe = [i for i, v in enumerate(valori) if len(v) > MAX_CARATTERI_CELLA]
            if lunghe:
                colonna = intestazione[lunghe[0]] if lunghe[0] < len(intestazione) else f"n. {lunghe[0] + 1}"
                righe.append(Riga(n, dove, errore=(
                    f"la cella della colonna «{colonna[:40]}» ha {len(valori[lunghe[0]]):,} caratteri, più "
                    f"di {MAX_CARATTERI_CELLA:,} (virgolette non chiuse?)").replace(",", ".")))
            elif len(valori) > len(intestazione):
                righe.append(Riga(n, dove, errore="la riga ha più colonne dell'intestazione"))
            else:
                campi: dict[str, Any] = dict.fromkeys(intestazione)
                campi.update(zip(intestazione, valori, strict=False))
                righe.append(Riga(n, dove, campi))
            if len(righe) > MAX_RIGHE:
                raise ErroreImport(f"{nome}: più di {MAX_RIGHE} righe: dividi il file")
    except csv.Error as e:
        raise ErroreImport(f"{nome}: CSV malformato vicino alla riga {fine_precedente + 1} ({e})") from None
    return righe


def _controlla_zip(percorso: Path, tipo: str) -> None:
    """Refuse what is not a zip, or would inflate beyond the limits, before a parser sees it."""
    try:
        with zipfile.ZipFile(percorso) as z:
            voci = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise ErroreImport(f"{percorso.name}: non è un file {tipo} valido (danneggiato, o un altro "
                           "formato rinominato)") from None
    if len(voci) > MAX_VOCI_ZIP or sum(v.file_size for v in voci) > MAX_BYTE_ESPANSI:
        raise ErroreImport(f"{percorso.name}: il file {tipo} si espande in troppi dati: rifiutato")


def _cella(valore: Any) -> Any:
    if isinstance(valore, float) and valore.is_integer() and abs(valore) < 2**53:
        return int(valore)  # ids typed as numbers come back as 12.0
    if isinstance(valore, (datetime, date)):
        return valore
    if isinstance(valore, time):
        return valore.isoformat()
    if isinstance(valore, str) and len(valore) > MAX_CARATTERI_CELLA:
        return valore[:MAX_CARATTERI_CELLA]  # still far too long: validation reports it
    return valore


def _leggi_xlsx(percorso: Path, foglio: str | None) -> list[Riga]:
    _controlla_zip(percorso, "XLSX")
    from openpyxl import load_workbook

    try:
        libro = load_workbook(percorso, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types on damaged files
        raise ErroreImport(f"{percorso.name}: non è un file XLSX valido (danneggiato, o un altro "
                           "formato rinominato)") from None
    try:
        nomi = list(libro.sheetnames)
        if foglio is not None and foglio not in nomi:
            raise ErroreImport(f"{percorso.name}: nessun foglio {foglio!r} (fogli: {', '.join(nomi)})")
        if not nomi:
            raise ErroreImport(f"{percorso.name}: la cartella di lavoro non ha fogli")
        scheda = libro[foglio or nomi[0]]
        nome_scheda = foglio or nomi[0]
        righe: list[Riga] = []
        intestazione: list[str | None] | None = None
        try:
            for n, valori in enumerate(scheda.iter_rows(values_only=True), start=1):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in valori):
                    continue
                if intestazione is None:
                    intestazione = [str(v).strip() or None if v is not None else None for v in valori]
                    continue
                if len(righe) >= MAX_RIGHE:
                    raise ErroreImport(f"{percorso.name}: più di {MAX_RIGHE} righe: dividi il file")
                campi = {}
                for nome, v in zip(intestazione, valori, strict=False):
                    if nome is not None and nome not in campi:
                        campi[nome] = _cella(v)
                dove = f"riga {n}" if len(nomi) == 1 else f"foglio «{nome_scheda}», riga {n}"
                if any(v is not None for nome, v in zip(intestazione, valori, strict=False) if nome is None):
                    righe.append(Riga(n, dove, campi, errore="valori in una colonna senza intestazione"))
                else:
                    righe.append(Riga(n, dove, campi))
        except ErroreImport:
            raise
        except Exception:
            raise ErroreImport(f"{percorso.name}: il foglio {nome_scheda!r} è danneggiato e non si "
                               "può leggere") from None
        return righe
    finally:
        with contextlib.suppress(Exception):  # closing a damaged archive must not hide the real error
            libro.close()


_STILE_TITOLO = re.compile(r"^(heading|titolo|intestazione)\s*(\d)$", re.IGNORECASE)
# DOCX is read by streaming its XML (never a whole tree in memory): these bound memory and time.
MAX_BYTE_XML_DOCX = 32 * 1024 * 1024  # the document's XML, and the styles' XML, inflated
MAX_PARAGRAFI_DOCX = MAX_RIGHE
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TIPO_DOCUMENTO = "/officeDocument"
# Inside a paragraph, what is not its text: text boxes and drawings (their own paragraphs), deleted text,
# field codes, alternative renderings.
_NON_TESTO = {_W + "p", _W + "drawing", _W + "pict", _W + "object", _W + "del", _W + "instrText",
              _W + "delText", "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"}


class _LetturaLimitata(io.RawIOBase):
    """A zip member as a stream that stops with :class:`ErroreImport` past ``massimo`` inflated bytes."""

    def __init__(self, sorgente: Any, massimo: int, nome: str) -> None:
        self._sorgente = sorgente
        self._resto = massimo
        self._nome = nome

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        dati = self._sorgente.read(min(len(buffer), self._resto + 1))
        self._resto -= len(dati)
        if self._resto < 0:
            raise ErroreImport(f"{self._nome}: il file DOCX contiene troppo testo (più di "
                               f"{MAX_BYTE_XML_DOCX // 2**20} MiB di XML): dividilo")
        buffer[:len(dati)] = dati
        return len(dati)


def _iterparse(z: zipfile.ZipFile, membro: str, nome: str, tag: Any) -> Iterator[Any]:
    from lxml import etree

    info = z.getinfo(membro)
    if info.file_size > MAX_BYTE_XML_DOCX:
        raise ErroreImport(f"{nome}: il file DOCX contiene troppo testo (più di "
                           f"{MAX_BYTE_XML_DOCX // 2**20} MiB di XML): dividilo")
    with z.open(info) as grezzo:
        flusso = io.BufferedReader(_LetturaLimitata(grezzo, MAX_BYTE_XML_DOCX, nome), 64 * 1024)
        for _evento, elemento in etree.iterparse(flusso, events=("end",), tag=tag, resolve_entities=False,
                                                 no_network=True, huge_tree=False, load_dtd=False):
            yield elemento


def _percorso_parte(z: zipfile.ZipFile, base: str, tipo: str) -> str | None:
    """The part a relationship of ``base`` (``""`` for the package) points to, by relationship type."""
    cartella, _, file = base.rpartition("/")
    rels = f"{cartella}/_rels/{file}.rels" if base else "_rels/.rels"
    if rels not in z.namelist():
        return None
    for rel in _iterparse(z, rels, base or "package", _REL + "Relationship"):
        if (rel.get("Type") or "").endswith(tipo) and rel.get("TargetMode") != "External":
            destinazione = rel.get("Target") or ""
            if destinazione.startswith("/"):
                return destinazione.lstrip("/")
            parti: list[str] = cartella.split("/") if cartella else []
            for pezzo in destinazione.split("/"):
                if pezzo == "..":
                    if parti:
                        parti.pop()
                elif pezzo not in ("", "."):
                    parti.append(pezzo)
            return "/".join(parti)
    return None


def _testo_paragrafo(p: Any) -> str:
    """A paragraph's text as Word shows it: runs, hyperlinks, tabs, line breaks (as python-docx reads it)."""
    pezzi: list[str] = []

    def visita(elemento: Any) -> None:
        for figlio in elemento:
            tag = figlio.tag
            if not isinstance(tag, str) or tag in _NON_TESTO:
                continue
            if tag == _W + "t":
                pezzi.append(figlio.text or "")
            elif tag in (_W + "tab", _W + "ptab"):
                pezzi.append("\t")
            elif tag == _W + "br":
                if figlio.get(_W + "type") in (None, "textWrapping"):
                    pezzi.append("\n")
            elif tag == _W + "cr":
                pezzi.append("\n")
            elif tag == _W + "noBreakHyphen":
                pezzi.append("-")
            elif tag != _W + "pPr":
                visita(figlio)

    visita(p)
    return "".join(pezzi)


def _paragrafi_docx(percorso: Path) -> list[tuple[str, int | None, bool]]:
    """(text, heading level or None, is a Title) for each paragraph, tables flattened in reading order.

    The XML is streamed (lxml ``iterparse``, each paragraph freed once read), each part is capped at
    :data:`MAX_BYTE_XML_DOCX` inflated bytes while it is read, and at most :data:`MAX_PARAGRAFI_DOCX`
    paragraphs are kept: memory and time stay bounded whatever the archive claims.
    """
    _controlla_zip(percorso, "DOCX")
    try:
        with zipfile.ZipFile(percorso) as z:
            documento = _percorso_parte(z, "", _TIPO_DOCUMENTO) or "word/document.xml"
            if documento not in z.namelist():
                raise ErroreImport(f"{percorso.name}: non è un file DOCX valido (danneggiato, o un altro "
                                   "formato rinominato)")
            nomi_stili: dict[str, str] = {}
            stili = _percorso_parte(z, documento, "/styles")
            if stili and stili in z.namelist():
                for stile in _iterparse(z, stili, percorso.name, _W + "style"):
                    nome = stile.find(_W + "name")
                    if stile.get(_W + "styleId") and nome is not None:
                        nomi_stili[stile.get(_W + "styleId")] = nome.get(_W + "val") or ""
                    stile.clear()
            paragrafi: list[tuple[str, int | None, bool]] = []
            for p in _iterparse(z, documento, percorso.name, _W + "p"):
                if any(a.tag == _W + "p" for a in p.iterancestors()):
                    continue  # a text box inside a paragraph: not part of the story's text
                id_stile = p.find(f"{_W}pPr/{_W}pStyle")
                nome_stile = nomi_stili.get(id_stile.get(_W + "val") or "", "") if id_stile is not None else ""
                m = _STILE_TITOLO.match(nome_stile.strip())
                paragrafi.append((_testo_paragrafo(p), int(m.group(2)) if m else None,
                                  nome_stile.strip().lower() in {"title", "titolo"}))
                if len(paragrafi) > MAX_PARAGRAFI_DOCX:
                    raise ErroreImport(f"{percorso.name}: più di {MAX_PARAGRAFI_DOCX} paragrafi: dividi "
                                       "il file")
                p.clear()
                while p.getprevious() is not None:  # what was read before is not needed any more
                    del p.getparent()[0]
            return paragrafi
    except ErroreImport:
        raise
    except Exception:  # lxml, zipfile and zlib raise many types on damaged files
        raise ErroreImport(f"{percorso.name}: non è un file DOCX valido (danneggiato, o un altro "
                           "formato rinominato)") from None


def _campo_di_riga(riga: str, mappa: Mapping[str, str]) -> tuple[str, str] | None:
    etichetta, sep, valore = riga.partition(":")
    campo = campo_per(etichetta, mappa) if sep and len(etichetta) <= 40 else None
    return None if campo is None or campo == "testo" else (campo, valore.strip())


def _intestazioni(righe: list[str], mappa: Mapping[str, str],
                  ovunque: bool = False) -> tuple[dict[str, Any], list[str]]:
    """Split leading ``Campo: valore`` lines (known fields only) from the story's text.

    With ``ovunque`` such lines are taken wherever they are (the part of a document before its first story).
    """
    campi: dict[str, Any] = {}
    if ovunque:
        resto = []
        for riga in righe:
            coppia = _campo_di_riga(riga, mappa)
            if coppia is None:
                resto.append(riga)
            else:
                campi.setdefault(*coppia)
        return campi, resto
    i = 0
    while i < len(righe) and not righe[i].strip():
        i += 1
    while i < len(righe) and (coppia := _campo_di_riga(righe[i], mappa)) is not None:
        campi.setdefault(*coppia)
        i += 1
    return campi, righe[i:]


def _leggi_docx(percorso: Path, divisione: str, mappa: Mapping[str, str]) -> list[Riga]:
    paragrafi = _paragrafi_docx(percorso)
    livelli = [liv for testo, liv, _titolo in paragrafi if liv is not None and testo.strip()]
    if divisione == "auto":
        divisione = "titolo" if livelli else "documento"
    if divisione == "documento":
        testi = [t for t, _, _ in paragrafi]
        inizio = next((i for i, t in enumerate(testi) if t.strip()), len(testi))
        campi: dict[str, Any] = {}
        if inizio < len(paragrafi) and (paragrafi[inizio][1] is not None or paragrafi[inizio][2]):
            campi["titolo"] = testi[inizio].strip()
            inizio += 1
        meta, corpo = _intestazioni(testi[inizio:], mappa)
        campi = {**meta, **campi, "testo": "\n".join(corpo)}
        return [Riga(1, "documento", campi)]
    if not livelli:
        raise ErroreImport(f"{percorso.name}: nessun titolo su cui dividere i racconti (usa un racconto per "
                           "documento, o dai a ogni racconto un titolo con lo stile Titolo 1)")
    livello_storie = min(livelli)
    sezioni: list[tuple[int, str | None, list[str]]] = [(1, None, [])]
    for n, (testo, livello, _) in enumerate(paragrafi, start=1):
        if livello == livello_storie and testo.strip():
            sezioni.append((n, testo.strip(), []))
        else:
            sezioni[-1][2].append(testo)
    # Text before the first story: its "Campo: valore" lines apply to every story (e.g. the association).
    comuni, resto = _intestazioni(sezioni[0][2], mappa, ovunque=True)
    righe = []
    if any(r.strip() for r in resto):
        righe.append(Riga(1, "testo prima del primo titolo", avviso=(
            f"il testo prima del primo titolo ({sum(len(r) for r in resto)} caratteri) non è un racconto e "
            "non è stato importato; le righe «Campo: valore» lì valgono per tutti i racconti")))
    for n, titolo, testi in sezioni[1:]:
        meta, corpo = _intestazioni(testi, mappa)
        righe.append(Riga(n, f"paragrafo {n} («{(titolo or '')[:40]}»)",
                          {**comuni, **meta, "titolo": titolo, "testo": "\n".join(corpo)}))
    return righe


def _leggi_txt(testo: str, mappa: Mapping[str, str]) -> list[Riga]:
    righe_file = testo.splitlines()
    blocchi: list[tuple[int, list[str]]] = [(1, [])]
    for n, riga in enumerate(righe_file, start=1):
        if SEPARATORE_TXT.match(riga):
            blocchi.append((n + 1, []))
        else:
            blocchi[-1][1].append(riga)
    out = []
    for n, righe in blocchi:
        if not any(r.strip() for r in righe):
            continue
        vuote = next(i for i, r in enumerate(righe) if r.strip())
        campi, corpo = _intestazioni(righe, mappa)
        campi["testo"] = "\n".join(corpo)
        out.append(Riga(n + vuote, f"riga {n + vuote}", campi))
        if len(out) > MAX_RIGHE:
            raise ErroreImport(f"più di {MAX_RIGHE} racconti in un file: dividi il file")
    return out
