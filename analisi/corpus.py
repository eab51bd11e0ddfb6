"""The one loader of the sample corpus, its golds and the real development set's index.

- The sample corpus (``racconti.jsonl``, ``gold_codici.jsonl``, ``gold_pii.jsonl``, ``associazioni.csv``,
  built by ``python corpus/costruisci.py``): every line validated by a pydantic model; a malformed line stops
  the reading with :class:`ErroreCorpus` (Italian, ``racconti.jsonl, riga N: ...``). A corpus not built gives
  empty lists. It is read from :data:`CARTELLA_CAMPIONE` (``analisi/campione/``), which ships in the package:
  in the repository its files are links to ``corpus/`` (the one source, written by ``costruisci.py``), in an
  installed package copies of them, so ``narrazioni demo`` and the coder's retraining need no ``corpus/``.
- The real development set (``corpus/reale/*.jsonl``: where each unit is in ``../shared``, a hash of its
  text, its labels): :func:`carica_unita_reali` rebuilds the text from the shared data. Training and
  evaluation only, never at run time; empty without ``../shared``. Labels are checked against the codebook
  by ``analisi.codifica.reale``.

Nothing here depends on another room of the analysis: the coder, the Piano mapper, the themes'
evaluation and the benchmarks all read the corpus through this module.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr

from analisi.jsonl import ErroreRigaJsonl, leggi_jsonl
from archivio.errori import ErroreDati

__all__ = [
    "CARTELLA_CAMPIONE", "CARTELLA_CORPUS", "CARTELLA_REALE", "SHARED_PREDEFINITO", "ErroreCorpus",
    "ErroreDatiReali", "FraseOro", "OroCodici", "UnitaReale", "carica_oro_codici", "carica_oro_pii",
    "carica_racconti", "carica_unita_reali", "detokenizza", "impronta", "percorso_associazioni",
    "percorso_racconti", "righe_reali", "testo_unita",
]

RADICE = Path(__file__).resolve().parents[1]
#: the sample corpus as shipped (links to corpus/ in the repository, copies in an installed package)
CARTELLA_CAMPIONE = Path(__file__).resolve().parent / "campione"
#: the repository's corpus folder (sources, the real development set's index): training and evaluation only
CARTELLA_CORPUS = RADICE / "corpus"
CARTELLA_REALE = CARTELLA_CORPUS / "reale"
SHARED_PREDEFINITO = RADICE.parent / "shared"


class ErroreCorpus(ErroreDati, ValueError):
    """A file of the corpus cannot be read (Italian message naming the file and the line)."""


class ErroreDatiReali(ValueError):
    """A line of the real development set does not match the shared data (wrong selector or changed text).

    Not an :class:`~archivio.errori.ErroreNarrazioni`, on purpose, and so in English: the real development set
    (``corpus/reale`` + ``../shared``) exists only in a developer's checkout, and only developers' scripts and
    tests read it (training, evaluation, benchmarks); a mismatch there is a developer's problem to see loudly.
    """


# --- the sample corpus -----------------------------------------------------------------------------------
class _Riga(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RaccontoCorpus(_Riga):
    """A line of ``racconti.jsonl`` (other fields — titolo, associazione, data, ... — are kept as they are)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: StrictStr
    titolo: StrictStr | None = None
    testo: StrictStr


class FraseOro(_Riga):
    """A coded sentence of ``gold_codici.jsonl``: offsets into the story's ``testo``, codes, Piano area."""

    sent: StrictInt
    start: StrictInt
    end: StrictInt
    text: StrictStr
    codes: list[StrictStr]
    subcodes: list[StrictStr] = []
    area: StrictStr | None = None


class OroCodici(_Riga):
    """A line of ``gold_codici.jsonl``: a coded story."""

    id: StrictStr
    sentences: list[FraseOro]


class EntitaOro(_Riga):
    """A planted personal datum: offsets into ``testo``, label (PERSONA, TELEFONO, ...), surface."""

    start: StrictInt
    end: StrictInt
    label: StrictStr
    text: StrictStr


class OroPii(_Riga):
    """A line of ``gold_pii.jsonl``."""

    id: StrictStr
    entities: list[EntitaOro]


M = TypeVar("M", bound=BaseModel)


def _leggi(percorso: Path, modello: type[M]) -> list[M]:
    """Every line of a corpus file, validated; empty when the file is not there (corpus not built)."""
    if not percorso.is_file():
        return []
    with open(percorso, encoding="utf-8") as f:
        try:
            return [oggetto for _, oggetto in leggi_jsonl(f, modello)]
        except ErroreRigaJsonl as e:
            raise ErroreCorpus(f"{percorso.name}, {e}") from None


def carica_racconti(percorso: Path | None = None) -> list[dict[str, Any]]:
    """The stories of the sample corpus (``racconti.jsonl``) as dicts with every field of the file."""
    return [r.model_dump() for r in _leggi(percorso or CARTELLA_CAMPIONE / "racconti.jsonl", RaccontoCorpus)]


def carica_oro_codici(percorso: Path | None = None) -> list[OroCodici]:
    """The coded stories of the sample corpus (``gold_codici.jsonl``)."""
    return _leggi(percorso or CARTELLA_CAMPIONE / "gold_codici.jsonl", OroCodici)


def carica_oro_pii(percorso: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Story id -> its planted personal data (``gold_pii.jsonl``) as ``{"start", "end", "label", "text"}``."""
    return {g.id: [e.model_dump() for e in g.entities]
            for g in _leggi(percorso or CARTELLA_CAMPIONE / "gold_pii.jsonl", OroPii)}


def percorso_racconti() -> Path:
    """The sample corpus's stories (``racconti.jsonl``), e.g. for ``narrazioni importa``."""
    return CARTELLA_CAMPIONE / "racconti.jsonl"


def percorso_associazioni() -> Path:
    """The sample corpus's associations (CSV: nome, tipo, descrizione)."""
    return CARTELLA_CAMPIONE / "associazioni.csv"


# --- the real development set ----------------------------------------------------------------------------
class RigaReale(_Riga):
    """A line of ``corpus/reale/*.jsonl`` (no text: ``sel`` says where it is in ``../shared``)."""

    id: StrictStr
    registro: StrictStr
    fonte: StrictStr
    sel: dict[str, Any]
    sha: StrictStr | None = None
    labels: list[StrictStr] = []
    area: StrictStr | None = None


@dataclass(frozen=True)
class UnitaReale:
    """A unit of the real development set with its text rebuilt from the shared data."""

    id: str
    registro: str
    fonte: str
    testo: str
    etichette: tuple[str, ...]
    area: str | None = None
    riga: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


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
    """The raw lines of every file of the real development set (no text), validated."""
    for percorso in sorted(cartella.glob("*.jsonl")):
        with open(percorso, encoding="utf-8") as f:
            try:
                for _, r in leggi_jsonl(f, RigaReale):
                    yield r.model_dump(exclude_none=True)
            except ErroreRigaJsonl as e:
                raise ErroreDatiReali(f"{percorso.name}, {e}") from None


def carica_unita_reali(shared: Path = SHARED_PREDEFINITO, cartella: Path = CARTELLA_REALE,
                       verifica: bool = True) -> list[UnitaReale]:
    """The real development set with its text; with ``verifica`` a unit whose text no longer matches its hash
    is an error. Empty when the shared data is not there (a machine without ``../shared``)."""
    if not shared.is_dir():
        return []
    out = []
    for r in righe_reali(cartella):
        testo = testo_unita(str(r["fonte"]), dict(r["sel"]), shared)  # type: ignore[call-overload]
        if verifica and r.get("sha") and impronta(testo) != r["sha"]:
            raise ErroreDatiReali(f"{r['id']}: text changed in {r['fonte']} (hash {impronta(testo)} != {r['sha']})")
        out.append(UnitaReale(id=str(r["id"]), registro=str(r["registro"]), fonte=str(r["fonte"]), testo=testo,
                              etichette=tuple(str(x) for x in r.get("labels", [])),  # type: ignore[attr-defined]
                              area=str(r["area"]) if r.get("area") else None, riga=r))
    return out
