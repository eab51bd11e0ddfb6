"""The stable batch contract of ``narrazioni codifica IN.jsonl OUT.jsonl`` (keep it exactly).

Input: one JSON object per line, ``{"id": str, "text": str}``. Output: one line per sentence,
``{"id", "sent", "start", "end", "text", "codes": {code: p}, "labels": [code], "area": str|null}``: offsets
index the input text, ``codes`` has the four first-level codes, ``labels`` the codes with p >= threshold,
``area`` the Piano di Zona area code for proposals only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from analisi.codifica.codebook import CODICI
from analisi.codifica.modello import CodificatoreFrasi, carica_codificatore
from analisi.frasi import dividi_frasi
from analisi.jsonl import ErroreRigaJsonl, Racconto, leggi_jsonl
from archivio.errori import ErroreDati

#: the name this module exported before the one JSONL reader (analisi/jsonl.py); the same class
ErroreIngresso = ErroreRigaJsonl


@dataclass(frozen=True)
class Resoconto:
    racconti: int
    frasi: int
    proposte: int


def leggi_ingresso(righe: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(id, text) pairs from JSONL lines ``{"id": str, "text": str}``; blank lines are skipped."""
    for _, racconto in leggi_jsonl(righe, Racconto):
        yield racconto.id, racconto.text


def codifica_righe(coppie: Iterable[tuple[str, str]], codificatore: CodificatoreFrasi,
                   mappa: Any = None, lotto: int = 200) -> Iterator[dict[str, Any]]:
    """Output records for (id, text) pairs, in input order, coding ``lotto`` stories at a time."""
    blocco: list[tuple[str, str]] = []
    for coppia in coppie:
        blocco.append(coppia)
        if len(blocco) >= lotto:
            yield from _codifica_blocco(blocco, codificatore, mappa)
            blocco = []
    if blocco:
        yield from _codifica_blocco(blocco, codificatore, mappa)


def _codifica_blocco(blocco: list[tuple[str, str]], codificatore: CodificatoreFrasi,
                     mappa: Any) -> Iterator[dict[str, Any]]:
    frasi = [(rid, i, iv.inizio, iv.fine, testo[iv.inizio:iv.fine])
             for rid, testo in blocco for i, iv in enumerate(dividi_frasi(testo))]
    codifiche = codificatore.codifica([f[4] for f in frasi])
    proposte = [k for k, c in enumerate(codifiche) if "proposta" in c.etichette]
    aree: dict[int, str] = {}
    if mappa is not None and proposte:
        for k, a in zip(proposte, mappa.assegna([frasi[k][4] for k in proposte]), strict=True):
            aree[k] = a.area
    for k, ((rid, i, a, b, testo), c) in enumerate(zip(frasi, codifiche, strict=True)):
        yield {"id": rid, "sent": i, "start": a, "end": b, "text": testo,
               "codes": {codice: c.codici[codice] for codice in CODICI},
               "labels": [e for e in c.etichette if e in CODICI], "area": aree.get(k)}


def codifica_jsonl(ingresso: Path | IO[str], uscita: Path | IO[str], *, codificatore: CodificatoreFrasi | None = None,
                   mappa: Any = None, cartella_dati: Path | None = None, tassonomia: Path | None = None,
                   soglia: float | None = None) -> Resoconto:
    """Run the batch contract from ``ingresso`` to ``uscita`` (paths or open text files).

    Args:
        codificatore: the coder; default the district's retrained model in ``cartella_dati`` or the shipped one.
        mappa: the Piano mapper; default the shipped one on ``tassonomia`` (the setting ``piano.tassonomia``).
        soglia: label threshold (default: the model's, 0.5).

    Raises:
        ErroreIngresso: a malformed line (nothing is written after it).
    """
    if codificatore is None:
        codificatore = carica_codificatore(cartella_dati)
    if soglia is not None:
        codificatore.soglia = soglia
    if mappa is None:
        from analisi.piano import carica_mappatura

        mappa = carica_mappatura(tassonomia)
    f_in = open(ingresso, encoding="utf-8") if isinstance(ingresso, Path) else ingresso  # noqa: SIM115
    f_out = open(uscita, "w", encoding="utf-8", newline="\n") if isinstance(uscita, Path) else uscita  # noqa: SIM115
    racconti: set[str] = set()
    n = p = 0
    try:
        for rec in codifica_righe(leggi_ingresso(f_in), codificatore, mappa):
            f_out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            racconti.add(rec["id"])
            n += 1
            p += rec["area"] is not None
    finally:
        if isinstance(ingresso, Path):
            f_in.close()
        if isinstance(uscita, Path):
            f_out.close()
    return Resoconto(len(racconti), n, p)


def scegli_jsonl(ingresso: Path, uscita: Path, n: int, codificatore: Any = None) -> tuple[int, int]:
    """The contract of ``narrazioni codifica scegli``: of the units in ``ingresso`` (``{"id", "text"}``), write
    to ``uscita`` the ``n`` a person should label next, same format; returns (chosen, read)."""
    from analisi.codifica.campagna import scegli_unita

    with open(ingresso, encoding="utf-8") as f:
        unita = list(leggi_ingresso(f))
    scelti = scegli_unita(unita, n, codificatore)
    with open(uscita, "w", encoding="utf-8", newline="\n") as f:
        for i in scelti:
            f.write(json.dumps({"id": unita[i][0], "text": unita[i][1]}, ensure_ascii=False) + "\n")
    return len(scelti), len(unita)


def addestra_esempi_jsonl(esempi: Path, cartella: Path, *, cartella_dati: Path | None = None) -> tuple[int, Path]:
    """The contract of ``narrazioni codifica addestra --esempi``: adapt the coder to the labelled units of
    ``esempi`` (``{"id", "text", "codes"}``) and write it to ``cartella``; returns (units, model file).

    Raises:
        ErroreDati: the file holds no labelled unit (a malformed line: :class:`ErroreRigaJsonl`).
    """
    from analisi.codifica.campagna import addestra_esempi, leggi_esempi

    with open(esempi, encoding="utf-8") as f:
        righe = leggi_esempi(f)
    if not righe:
        raise ErroreDati(f"{esempi} non contiene unità etichettate")
    return len(righe), addestra_esempi(righe, cartella, cartella_dati=cartella_dati)
