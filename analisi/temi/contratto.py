"""The stable batch contract ``narrazioni temi IN.jsonl OUT_DIR [--k N|auto] [--seed S]``.

Input: one JSON object per line, ``{"id": str, "text": str, "associazione"?: str, "data"?: "YYYY-MM-DD"}``
(anonymised text). Output:

- ``OUT_DIR/assegnazioni.jsonl``: one line per input line, in input order,
  ``{"id": str, "tema": int, "pesi": [float, ...]}`` (``tema`` is -1 only for a text with no usable word;
  ``pesi`` always sums to 1);
- ``OUT_DIR/temi.json``: ``{"temi": [{"tema", "etichetta", "termini", "prevalenza", "coerenza_npmi",
  "citazioni": [{"id", "inizio", "fine", "testo", "peso"}]}], "k", "algoritmo", "scelta_k", ...}``, plus
  ``per_associazione`` (prevalence with 95 % bootstrap intervals, cells under 5 stories suppressed) when
  some line has ``associazione``, and ``per_fase`` / ``per_mese`` when some line has ``data``. With
  associations, each theme also has ``diffusione_associazioni`` (``entropia_normalizzata``,
  ``quota_principale``, ``associazione_principale``, ``quote``): how its weight spreads over the
  associations; terms specific to one association are kept out of these cross-cutting themes
  (``soglia_specificita``, ``termini_specifici_esclusi``).
"""

from __future__ import annotations

import json
import math
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import StrictStr, field_validator

from analisi.confronti import prevalenza_per_gruppo, temi_nel_tempo
from analisi.jsonl import ErroreRigaJsonl, Racconto, leggi_jsonl
from analisi.temi.modello import ModelloTemi
from archivio.errori import ErroreDati

__all__ = ["ErroreContratto", "esegui_temi", "leggi_ingresso"]


class ErroreContratto(ErroreDati, ValueError):
    """A malformed input file (Italian; a line's error starts with ``riga N:``, as every JSONL input's)."""


class RigaTemi(Racconto):
    """An input line: ``{"id", "text"}`` plus the optional ``associazione`` and ``data`` (YYYY-MM-DD)."""

    associazione: StrictStr | None = None
    data: StrictStr | None = None

    @field_validator("data")
    @classmethod
    def _data_iso(cls, valore: str | None) -> str | None:
        if valore is not None:
            date.fromisoformat(valore)  # ValueError -> 'campo "data" ... YYYY-MM-DD'; the text is kept as given
        return valore


def leggi_ingresso(percorso: Path) -> list[dict[str, Any]]:
    """Read and validate the input JSONL (:func:`analisi.jsonl.leggi_jsonl`); duplicate ids are errors too."""
    righe: list[dict[str, Any]] = []
    visti: set[str] = set()
    with open(percorso, encoding="utf-8") as f:
        try:
            for n, r in leggi_jsonl(f, RigaTemi):
                if r.id in visti:
                    raise ErroreContratto(f"riga {n}: id {r.id!r} ripetuto")
                visti.add(r.id)
                righe.append({"id": r.id, "text": r.text, "associazione": r.associazione or None,
                              "data": r.data})
        except ErroreRigaJsonl as e:
            raise ErroreContratto(str(e)) from None
    if len(righe) < 2:
        raise ErroreContratto("servono almeno 2 racconti per trovare i temi")
    return righe


def _pulisci(v: Any) -> Any:
    """JSON-safe values: NaN/NA → null, numpy scalars → Python."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return _pulisci(v.item())
    return v


def _tabella(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{c: _pulisci(v) for c, v in r.items()} for r in df.to_dict(orient="records")]


def esegui_temi(ingresso: str | Path, cartella: str | Path, *, k: int | str = "auto", seed: int = 0,
                algoritmo: str = "nmf", n_bootstrap: int = 1000) -> dict[str, Any]:
    """Run the contract: fit themes on ``ingresso`` and write ``assegnazioni.jsonl`` and ``temi.json``.

    Returns the content of ``temi.json``.

    Raises:
        ErroreContratto: malformed input.
    """
    righe = leggi_ingresso(Path(ingresso))
    cartella = Path(cartella)
    cartella.mkdir(parents=True, exist_ok=True)
    testi = [r["text"] for r in righe]
    ids = [r["id"] for r in righe]
    associazioni = sorted({r["associazione"] for r in righe if r["associazione"]})
    modello = ModelloTemi(k=k, algoritmo=algoritmo, random_state=seed, nomi_da_ignorare=associazioni).fit(
        testi, associazioni=[r["associazione"] for r in righe] if associazioni else None)
    temi_principali, pesi = modello.assegna(testi)
    with open(cartella / "assegnazioni.jsonl", "w", encoding="utf-8") as f:
        for i, ident in enumerate(ids):
            f.write(json.dumps({"id": ident, "tema": int(temi_principali[i]),
                                "pesi": [round(float(p), 6) for p in pesi[i]]}, ensure_ascii=False) + "\n")
    risultato = modello.riepilogo(ids)
    try:
        versione = metadata.version("narrazioni")
    except metadata.PackageNotFoundError:
        versione = "sviluppo"
    risultato = {"versione": versione, "seed": seed, **risultato}
    tabella = pd.DataFrame(pesi, index=ids, columns=list(range(modello.k_)))
    if associazioni:
        per_ass = prevalenza_per_gruppo(tabella, [r["associazione"] for r in righe], n_bootstrap=n_bootstrap,
                                        random_state=seed)
        risultato["per_associazione"] = _tabella(per_ass)
    if any(r["data"] for r in righe):
        date_ = [r["data"] for r in righe]
        risultato["per_fase"] = _tabella(temi_nel_tempo(tabella, date_, per="fase", n_bootstrap=n_bootstrap,
                                                        random_state=seed))
        risultato["per_mese"] = _tabella(temi_nel_tempo(tabella, date_, per="mese", n_bootstrap=n_bootstrap,
                                                        random_state=seed))
    with open(cartella / "temi.json", "w", encoding="utf-8") as f:
        json.dump(risultato, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return risultato
