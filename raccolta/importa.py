"""Bulk import of stories collected on paper, by e-mail or in meetings (CSV, JSONL, XLSX, DOCX, TXT).

Every row is validated; valid rows go in one transaction (or none, with ``tutto_o_niente``); a row
already imported (same source id, or the same text, whenever and however it came in) is skipped, so
re-importing a file imports nothing new. Readers live in :mod:`raccolta.formati`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from archivio import audit
from archivio import racconti as q
from archivio import ricevute as store
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.racconti import NuovoRacconto
from raccolta import formati
from raccolta.formati import FORMATI, SINONIMI, ErroreImport, campo_per
from raccolta.validazione import ErroreValidazione, pulisci_testo, valida_racconto

__all__ = ["FORMATI", "SINONIMI", "ErroreImport", "EsitoImport", "RigaErrata", "importa_file",
           "importa_files", "leggi_righe", "normalizza_colonne"]


@dataclass
class RigaErrata:
    riga: int
    messaggi: list[str]
    dove: str = ""  # "riga 4", "foglio «Maggio», riga 4", "paragrafo 12 («Le telefonate»)"


@dataclass
class EsitoImport:
    file: str
    letti: int = 0
    importati: int = 0
    gia_presenti: int = 0
    errori: list[RigaErrata] = field(default_factory=list)
    avvisi: list[str] = field(default_factory=list)
    errore_file: str | None = None  # set by importa_files when the whole file is unreadable


def leggi_righe(percorso: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (row number, raw fields) from a file; a bad row has only the key ``__errore__``."""
    for r in formati.leggi_righe(percorso):
        if r.avviso is not None:
            continue
        yield r.numero, ({"__errore__": r.errore} if r.errore is not None else r.campi)


def normalizza_colonne(riga: Mapping[str, Any], mappa: Mapping[str, str]) -> dict[str, Any]:
    """Map file columns to fields: the explicit mapping first, then known synonyms."""
    out: dict[str, Any] = {}
    for k, v in riga.items():
        campo = campo_per(str(k), mappa)
        if campo and campo not in out:
            out[campo] = v
    return out


@dataclass
class _Preparato:
    esito: EsitoImport
    validi: list[NuovoRacconto] = field(default_factory=list)


def _prepara(percorso: Path, *, associazioni: set[str], versione_consenso: str, mappa: Mapping[str, str],
             crea_associazioni: bool, divisione_docx: str, foglio: str | None,
             visti: set[tuple[str, str]]) -> _Preparato:
    """Read and validate one file (no database access). Raises ErroreImport for an unusable file."""
    p = _Preparato(EsitoImport(file=percorso.name))
    esito = p.esito
    # the file's name may name a person: the store keeps a hash of it (provenance, idempotent re-imports)
    # and the name itself only encrypted with the story's raw fields
    fonte = q.impronta_fonte(percorso.stem[:200])
    leggibili = con_testo = 0
    colonne: set[str] = set()
    for r in formati.leggi_righe(percorso, divisione_docx=divisione_docx, foglio=foglio, mappa=mappa):
        if r.avviso is not None:
            esito.avvisi.append(f"{r.dove}: {r.avviso}")
            continue
        esito.letti += 1
        if r.errore is not None:
            esito.errori.append(RigaErrata(r.numero, [r.errore], r.dove))
            continue
        leggibili += 1
        colonne.update(str(k) for k in r.campi)
        campi = normalizza_colonne(r.campi, mappa)
        if "testo" in campi:
            con_testo += 1
        nome_ass = pulisci_testo(str(campi.get("associazione") or ""))
        nuove_ass = set()
        if crea_associazioni and nome_ass and nome_ass.lower() not in {"nessuna", "altra"} \
                and not nome_ass.lower().startswith("altra:") and len(nome_ass) <= 200:
            nuove_ass.add(nome_ass)
        try:
            nuovo = valida_racconto(campi, associazioni=associazioni | nuove_ass, canale="importazione",
                                    versione_consenso=versione_consenso, consenso_obbligatorio=False)
        except ErroreValidazione as e:
            esito.errori.append(RigaErrata(r.numero, [er.messaggio for er in e.errori], r.dove))
            continue
        id_esterno = pulisci_testo(str(campi.get("id") or ""))[:200]
        chiave = (fonte, id_esterno) if id_esterno else ("testo", q.impronta_testo(nuovo.testo))
        if chiave in visti:
            esito.gia_presenti += 1
            continue
        visti.add(chiave)
        p.validi.append(replace(nuovo, fonte=chiave[0], id_esterno=chiave[1], file_origine=percorso.name[:200]))
    if leggibili and not con_testo:
        elenco = ", ".join(sorted(colonne)[:12]) or "nessuna"
        raise ErroreImport(f"{percorso.name}: nessuna colonna contiene il testo del racconto (colonne: {elenco}); "
                           "indicala con --mappa 'Colonna=testo'")
    return p


def _associazioni_note(archivio: Archivio, versione_consenso: str) -> set[str]:
    with archivio.lettura() as s:
        if q.consenso(s, versione_consenso) is None:
            raise ErroreImport(f"versione del consenso sconosciuta {versione_consenso!r}; quelle note: "
                               f"{', '.join(q.versioni_consenso(s)) or 'nessuna'}")
        return set(q.nomi_associazioni(s))


def _scrivi(archivio: Archivio, cifrario: Cifrario, preparati: Sequence[_Preparato], *,
            crea_associazioni: bool, chi: str, versione_consenso: str) -> None:
    """Store every valid story of every file in ONE transaction: all of them, or none on any failure."""
    with archivio.transazione() as s:
        for p in preparati:
            for nuovo in p.validi:
                assert nuovo.fonte is not None and nuovo.id_esterno is not None
                if q.gia_importato(s, nuovo.fonte, nuovo.id_esterno) \
                        or store.codice_con_stesso_testo(s, nuovo.testo) is not None:
                    p.esito.gia_presenti += 1
                    continue
                if nuovo.associazione and crea_associazioni:
                    q.assicura_associazione(s, nuovo.associazione)
                q.inserisci_racconto(s, nuovo, cifrario)
                p.esito.importati += 1
            audit.registra(s, chi, "importa", q.impronta_fonte(Path(p.esito.file).stem[:200]),
                           {"importati": p.esito.importati, "gia_presenti": p.esito.gia_presenti,
                            "errori": len(p.esito.errori), "consenso": versione_consenso,
                            "formato": Path(p.esito.file).suffix.lower()[:10]})


def importa_file(archivio: Archivio, cifrario: Cifrario, percorso: Path, *, versione_consenso: str,
                 mappa_colonne: Mapping[str, str] | None = None, tutto_o_niente: bool = False,
                 crea_associazioni: bool = False, chi: str = "cli", divisione_docx: str = "auto",
                 foglio: str | None = None) -> EsitoImport:
    """Import one file. Raises ErroreImport when the whole file is unreadable.

    Args:
        versione_consenso: the consent version the operator collected (on paper).
        mappa_colonne: file column (or DOCX/TXT ``Campo:`` label) -> field, e.g. ``{"Storia": "testo"}``.
        tutto_o_niente: import nothing if any row is invalid.
        crea_associazioni: create associations not yet known instead of rejecting the row.
        divisione_docx: ``auto`` (one story per Heading when there are headings, else per document),
            ``documento`` or ``titolo``.
        foglio: XLSX sheet name (default: the first sheet).
    """
    associazioni = _associazioni_note(archivio, versione_consenso)
    p = _prepara(percorso, associazioni=associazioni, versione_consenso=versione_consenso,
                 mappa=mappa_colonne or {}, crea_associazioni=crea_associazioni,
                 divisione_docx=divisione_docx, foglio=foglio, visti=set())
    if tutto_o_niente and p.esito.errori:
        return p.esito
    _scrivi(archivio, cifrario, [p], crea_associazioni=crea_associazioni, chi=chi,
            versione_consenso=versione_consenso)
    return p.esito


def importa_files(archivio: Archivio, cifrario: Cifrario, percorsi: Sequence[Path], *, versione_consenso: str,
                  mappa_colonne: Mapping[str, str] | None = None, tutto_o_niente: bool = False,
                  crea_associazioni: bool = False, chi: str = "cli", divisione_docx: str = "auto",
                  foglio: str | None = None) -> list[EsitoImport]:
    """Import several files in one transaction (see :func:`importa_file` for the options).

    An unreadable file is reported in its ``errore_file``; with ``tutto_o_niente`` an unreadable file or
    any invalid row in any file imports nothing at all.
    """
    associazioni = _associazioni_note(archivio, versione_consenso)
    visti: set[tuple[str, str]] = set()
    preparati = []
    esiti = []
    for percorso in percorsi:
        try:
            p = _prepara(percorso, associazioni=associazioni, versione_consenso=versione_consenso,
                         mappa=mappa_colonne or {}, crea_associazioni=crea_associazioni,
                         divisione_docx=divisione_docx, foglio=foglio, visti=visti)
        except ErroreImport as e:
            esiti.append(EsitoImport(file=percorso.name, errore_file=str(e)))
            continue
        preparati.append(p)
        esiti.append(p.esito)
    if tutto_o_niente and any(e.errori or e.errore_file for e in esiti):
        return esiti
    _scrivi(archivio, cifrario, preparati, crea_associazioni=crea_associazioni, chi=chi,
            versione_consenso=versione_consenso)
    return esiti
