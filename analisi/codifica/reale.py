"""The real-text development set: sentences of real Italian from ``../shared`` coded with the codebook.

The repository keeps only where each unit is (``sel``), a short hash of its text and its labels
(``corpus/reale/*.jsonl``): several sources forbid redistribution, so the text is rebuilt from the shared data
at load time. One line per unit::

    {"id": "degasperi-0001", "registro": "politica", "fonte": "data/ner/kind/degasperi_train.tsv",
     "sel": {"righe": [120, 161]}, "sha": "3f2a9c01de", "labels": ["proposta", "proposta.servizi"],
     "area": "1.2"}

``fonte`` is relative to the shared folder. ``sel`` is one of

- ``{"righe": [a, b]}``: lines a..b (1-based, inclusive) of a token-per-line file (KIND: ``token<TAB>tag``);
  the text is the detokenised first column;
- ``{"sent_id": "..."}``: a sentence of a CoNLL-U file (its ``# text =`` line);
- ``{"riga": n}``: data row n (0-based, header excluded when the file has one) of a CSV/TSV file; the text is
  the ``text`` column of a CSV or the first column of a TSV;
- ``{"start": a, "end": b}``: characters a..b of a plain-text file (the seeds).

``labels`` holds first-level codes, second-level codes as ``parent.child`` and two markers that are not codes:
``desiderio`` (a wish: "vorrei che...", with nobody asked to act) and ``lamentela`` (a complaint with no
request). ``area`` (optional) is the Piano di Zona area of a proposal. Guidelines: ``MODEL_CARD.md``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from analisi.codifica.codebook import valido
from analisi.codifica.dati import CORPUS, RADICE, FraseEtichettata
from archivio.errori import ErroreDati

CARTELLA_REALE = CORPUS / "reale"
SHARED_PREDEFINITO = RADICE.parent / "shared"
MARCATORI: tuple[str, ...] = ("desiderio", "lamentela")


class ErroreDatiReali(ErroreDati, ValueError):
    """A line of the real development set does not match the shared data (wrong selector or changed text)."""


_NO_SPAZIO_PRIMA = re.compile(r"\s+([,.;:!?%)\]»}…]|'(?=\s)|’(?=\s))")
_NO_SPAZIO_DOPO = re.compile(r"([(\[«{]|\b\w+['’])\s+")


def detokenizza(tokens: list[str]) -> str:
    """Tokens of a token-per-line file as running text ("l' ordine , n." -> "l'ordine, n.")."""
    testo = " ".join(tokens)
    testo = _NO_SPAZIO_PRIMA.sub(r"\1", testo)
    testo = _NO_SPAZIO_DOPO.sub(r"\1", testo)
    return testo.strip()


def impronta(testo: str) -> str:
    """The short hash stored beside each unit to detect a source that changed."""
    return hashlib.sha1(testo.encode("utf-8")).hexdigest()[:10]


@lru_cache(maxsize=32)
def _righe(percorso: Path) -> list[str]:
    return percorso.read_text(encoding="utf-8").splitlines()


@lru_cache(maxsize=16)
def _frasi_conllu(percorso: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    sent_id = None
    for riga in _righe(percorso):
        if riga.startswith("# sent_id ="):
            sent_id = riga.split("=", 1)[1].strip()
        elif riga.startswith("# text =") and sent_id is not None:
            out[sent_id] = riga.split("=", 1)[1].strip()
    return out


@lru_cache(maxsize=16)
def _righe_tabella(percorso: Path) -> list[str]:
    with open(percorso, encoding="utf-8", newline="") as f:
        if percorso.suffix == ".csv":
            return [r.get("text") or "" for r in csv.DictReader(f)]
        return [r[0] if r else "" for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def testo_unita(fonte: str, sel: dict[str, object], shared: Path = SHARED_PREDEFINITO) -> str:
    """Rebuild a unit's text from the shared data."""
    percorso = (shared / fonte).resolve()
    if not percorso.is_file():
        raise ErroreDatiReali(f"missing shared file {percorso}")
    if "righe" in sel:
        a, b = (int(x) for x in sel["righe"])  # type: ignore[attr-defined]
        righe = _righe(percorso)[a - 1 : b]
        return detokenizza([r.split("\t", 1)[0] for r in righe if r.strip()])
    if "sent_id" in sel:
        frasi = _frasi_conllu(percorso)
        if str(sel["sent_id"]) not in frasi:
            raise ErroreDatiReali(f"sent_id {sel['sent_id']} not in {fonte}")
        return frasi[str(sel["sent_id"])]
    if "riga" in sel:
        righe = _righe_tabella(percorso)
        n = int(sel["riga"])  # type: ignore[call-overload]
        if not 0 <= n < len(righe):
            raise ErroreDatiReali(f"row {n} out of range in {fonte}")
        return righe[n].strip()
    if "start" in sel:
        testo = percorso.read_text(encoding="utf-8")
        return testo[int(sel["start"]) : int(sel["end"])]  # type: ignore[call-overload]
    raise ErroreDatiReali(f"unknown selector {sel}")


def righe_reali(cartella: Path = CARTELLA_REALE) -> Iterator[dict[str, object]]:
    """The raw lines of every file of the real development set (no text)."""
    for percorso in sorted(cartella.glob("*.jsonl")):
        with open(percorso, encoding="utf-8") as f:
            for n, riga in enumerate(f, 1):
                if riga.strip():
                    try:
                        yield json.loads(riga)
                    except json.JSONDecodeError as e:
                        raise ErroreDatiReali(f"{percorso.name} line {n}: not JSON ({e})") from e


def carica_reali(shared: Path = SHARED_PREDEFINITO, cartella: Path = CARTELLA_REALE,
                 verifica: bool = True) -> list[FraseEtichettata]:
    """The real development set as labelled units; ``meta`` holds registro, markers (wish/complaint) and id.

    Empty when the shared data is not there (a machine without ``../shared``)."""
    if not shared.is_dir():
        return []
    out = []
    for r in righe_reali(cartella):
        testo = testo_unita(str(r["fonte"]), dict(r["sel"]), shared)  # type: ignore[call-overload]
        if verifica and r.get("sha") and impronta(testo) != r["sha"]:
            raise ErroreDatiReali(f"{r['id']}: text changed in {r['fonte']} (hash {impronta(testo)} != {r['sha']})")
        etichette = [str(x) for x in r.get("labels", [])]  # type: ignore[attr-defined]
        sconosciute = [e for e in etichette if not (valido(e) or e in MARCATORI)]
        if sconosciute:
            raise ErroreDatiReali(f"{r['id']}: unknown labels {sconosciute}")
        out.append(FraseEtichettata(
            racconto=str(r["id"]), testo=testo, codici=frozenset(e for e in etichette if valido(e)),
            area=r.get("area") or None, fonte=f"reale:{r['registro']}",  # type: ignore[arg-type]
            meta={"id": r["id"], "registro": r["registro"], "marcatori": [e for e in etichette if e in MARCATORI]},
        ))
    return out
