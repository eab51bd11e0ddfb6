"""Bulk import of stories collected on paper, by e-mail or in meetings.

Every row is validated; valid rows go in one transaction (or none, with ``tutto_o_niente``); a row
already imported (same source id, or same text when the file has no id column) is skipped, so
re-importing a file imports nothing new.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from archivio import audit
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from raccolta.validazione import ErroreValidazione, valida_racconto

FORMATI = (".csv", ".jsonl")
# Column names accepted without a mapping (file column -> field).
SINONIMI = {
    "id": "id", "codice": "id", "testo": "testo", "text": "testo", "racconto": "testo", "storia": "testo",
    "titolo": "titolo", "title": "titolo", "associazione": "associazione", "quartiere": "quartiere",
    "zona": "quartiere", "fascia_eta": "fascia_eta", "eta": "fascia_eta", "ruolo": "ruolo",
    "periodo": "periodo", "data": "data", "citabile": "consenso_citazione",
    "consenso_citazione": "consenso_citazione", "associazione_altra": "associazione_altra",
}


class ErroreImport(ValueError):
    """The file as a whole cannot be read (format, encoding, missing text column)."""


@dataclass
class RigaErrata:
    riga: int
    messaggi: list[str]


@dataclass
class EsitoImport:
    file: str
    letti: int = 0
    importati: int = 0
    gia_presenti: int = 0
    errori: list[RigaErrata] = field(default_factory=list)


def leggi_righe(percorso: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (row number, raw fields) from a CSV or JSONL file."""
    suffisso = percorso.suffix.lower()
    if suffisso not in FORMATI:
        raise ErroreImport(f"{percorso.name}: unsupported format (supported: {', '.join(FORMATI)})")
    try:
        dati = percorso.read_bytes()
    except OSError as e:
        raise ErroreImport(f"cannot read {percorso}: {e.strerror}") from None
    try:
        testo = dati.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ErroreImport(f"{percorso.name}: not UTF-8 text (save the file as UTF-8)") from None
    if suffisso == ".jsonl":
        for n, riga in enumerate(testo.splitlines(), start=1):
            if not riga.strip():
                continue
            try:
                oggetto = json.loads(riga)
            except json.JSONDecodeError as e:
                yield n, {"__errore__": f"JSON non valido ({e.msg})"}
                continue
            yield n, oggetto if isinstance(oggetto, dict) else {"__errore__": "la riga non è un oggetto JSON"}
    else:
        try:
            dialetto = csv.Sniffer().sniff(testo[:4096], delimiters=",;\t")
        except csv.Error:
            dialetto = csv.excel  # type: ignore[assignment]
        lettore = csv.DictReader(io.StringIO(testo, newline=""), dialect=dialetto)
        for n, record in enumerate(lettore, start=2):
            if None in record:
                yield n, {"__errore__": "la riga ha più colonne dell'intestazione"}
                continue
            yield n, dict(record)


def normalizza_colonne(riga: Mapping[str, Any], mappa: Mapping[str, str]) -> dict[str, Any]:
    """Map file columns to fields: the explicit mapping first, then known synonyms."""
    out: dict[str, Any] = {}
    for k, v in riga.items():
        chiave = str(k).strip()
        campo = mappa.get(chiave) or SINONIMI.get(chiave.lower())
        if campo:
            out[campo] = v
    return out


def importa_file(archivio: Archivio, cifrario: Cifrario, percorso: Path, *, versione_consenso: str,
                 mappa_colonne: Mapping[str, str] | None = None, tutto_o_niente: bool = False,
                 crea_associazioni: bool = False, chi: str = "cli") -> EsitoImport:
    """Import one file. Raises ErroreImport when the whole file is unreadable."""
    esito = EsitoImport(file=percorso.name)
    fonte = percorso.stem
    with archivio.lettura() as s:
        if q.consenso(s, versione_consenso) is None:
            raise ErroreImport(f"unknown consent version {versione_consenso!r}; known: "
                               f"{', '.join(q.versioni_consenso(s)) or 'none'}")
        associazioni = set(q.nomi_associazioni(s))
    validi: list[tuple[int, str, str, Any]] = []
    visti: set[tuple[str, str]] = set()
    for n, grezza in leggi_righe(percorso):
        esito.letti += 1
        if "__errore__" in grezza:
            esito.errori.append(RigaErrata(n, [grezza["__errore__"]]))
            continue
        campi = normalizza_colonne(grezza, mappa_colonne or {})
        nuove_ass = set()
        nome_ass = str(campi.get("associazione") or "").strip()
        if crea_associazioni and nome_ass and nome_ass.lower() not in {"nessuna", "altra"} \
                and not nome_ass.lower().startswith("altra:"):
            nuove_ass.add(nome_ass)
        try:
            nuovo = valida_racconto(campi, associazioni=associazioni | nuove_ass, canale="importazione",
                                    versione_consenso=versione_consenso, consenso_obbligatorio=False)
        except ErroreValidazione as e:
            esito.errori.append(RigaErrata(n, [er.messaggio for er in e.errori]))
            continue
        id_esterno = str(campi.get("id") or "").strip()
        chiave = (fonte, id_esterno) if id_esterno else ("testo", q.impronta_testo(nuovo.testo))
        if chiave in visti:
            esito.gia_presenti += 1
            continue
        visti.add(chiave)
        validi.append((n, chiave[0], chiave[1], replace(nuovo, fonte=chiave[0], id_esterno=chiave[1])))
    if tutto_o_niente and esito.errori:
        return esito
    with archivio.transazione() as s:
        for _n, fonte_riga, id_esterno, nuovo in validi:
            if q.gia_importato(s, fonte_riga, id_esterno):
                esito.gia_presenti += 1
                continue
            if nuovo.associazione and crea_associazioni:
                q.assicura_associazione(s, nuovo.associazione)
            q.inserisci_racconto(s, nuovo, cifrario)
            esito.importati += 1
        audit.registra(s, chi, "importa", percorso.name,
                       {"importati": esito.importati, "gia_presenti": esito.gia_presenti,
                        "errori": len(esito.errori), "consenso": versione_consenso})
    return esito
