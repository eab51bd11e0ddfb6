"""Agreement between coders: Cohen's κ (two coders, e.g. model vs people; ``sklearn.metrics``) and
Krippendorff's α (nominal, any number of coders, missing values allowed; a few lines, no extra dependency)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import permutations
from typing import Any

import numpy as np
from sklearn.metrics import cohen_kappa_score

from archivio.politiche import SOGLIA_CODICE


def kappa_cohen(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's κ of two aligned codings. 1.0 when both are identical and constant (no disagreement to
    explain), ``nan`` for empty input."""
    if len(a) != len(b):
        raise ValueError("the two codings must have the same length")
    if len(a) == 0:
        return float("nan")
    if len(set(a) | set(b)) == 1:  # both constant and identical: chance agreement is 1, nothing to explain
        return 1.0
    return float(cohen_kappa_score(list(a), list(b)))


def alfa_krippendorff(unita: Mapping[Any, Mapping[Any, Any]] | Iterable[Sequence[Any]]) -> float:
    """Krippendorff's α for nominal data.

    Args:
        unita: either ``{unit: {coder: value}}`` or a coders x units table (rows are coders, ``None`` or
            ``nan`` for a missing value). Units coded by fewer than two coders are ignored.

    Returns:
        α in [-1, 1]; ``nan`` when fewer than two pairable values exist; 1.0 when all values agree and only one
        value occurs.
    """
    valori_per_unita: list[list[Hashable]] = []
    if isinstance(unita, Mapping):
        for codifiche in unita.values():
            valori_per_unita.append([v for v in codifiche.values() if not _mancante(v)])
    else:
        righe = [list(r) for r in unita]
        if righe:
            for j in range(max(len(r) for r in righe)):
                valori_per_unita.append([r[j] for r in righe if j < len(r) and not _mancante(r[j])])
    coincidenze: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for valori in valori_per_unita:
        m = len(valori)
        if m < 2:
            continue
        for i, j in permutations(range(m), 2):
            coincidenze[(valori[i], valori[j])] += 1 / (m - 1)
    if not coincidenze:
        return float("nan")
    n_c: dict[Hashable, float] = defaultdict(float)
    for (c, _k), v in coincidenze.items():
        n_c[c] += v
    n = sum(n_c.values())
    if n <= 1:
        return float("nan")
    disaccordo_osservato = sum(v for (c, k), v in coincidenze.items() if c != k)
    disaccordo_atteso = (n * n - sum(x * x for x in n_c.values())) / (n - 1)
    if disaccordo_atteso == 0:
        return 1.0 if disaccordo_osservato == 0 else 0.0
    return float(1 - disaccordo_osservato / disaccordo_atteso)


def _mancante(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def accordo_per_codice(righe: Iterable[Mapping[str, Any]], *,
                       soglia: float = SOGLIA_CODICE) -> dict[str, dict[str, Any]]:
    """Agreement per code from store rows (``frase_id, codice, fonte, autore, valore, probabilita``).

    For each code: Cohen's κ model vs people (the latest human decision per sentence against the model's label
    at ``soglia``), the number of sentences compared, and Krippendorff's α over the people when at least two
    people coded the same sentences (``nan`` otherwise).
    """
    modello: dict[str, dict[int, bool]] = defaultdict(dict)
    umani: dict[str, dict[int, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
    for r in righe:
        if r["fonte"] == "modello":
            p = r.get("probabilita")
            modello[r["codice"]][r["frase_id"]] = bool(r["valore"]) and (p is None or p >= soglia)
        else:
            umani[r["codice"]][r["frase_id"]][r["autore"]] = bool(r["valore"])
    out: dict[str, dict[str, Any]] = {}
    for codice in sorted(set(modello) | set(umani)):
        per_frase = umani.get(codice, {})
        # A sentence the model did not mark has the model's "no" for this code.
        comuni = [f for f in per_frase if f in _frasi_modello(modello)]
        a = [modello[codice].get(f, False) for f in comuni]
        b = [_maggioranza(per_frase[f].values()) for f in comuni]
        persone = {aut for v in per_frase.values() for aut in v}
        alfa = alfa_krippendorff({f: v for f, v in per_frase.items() if len(v) >= 2}) if len(persone) >= 2 \
            else float("nan")
        out[codice] = {"kappa_modello_umani": kappa_cohen(a, b) if comuni else float("nan"),
                       "frasi_confrontate": len(comuni), "persone": len(persone),
                       "alfa_umani": alfa}
    return out


def _frasi_modello(modello: Mapping[str, Mapping[int, bool]]) -> set[int]:
    return {f for v in modello.values() for f in v}


def _maggioranza(valori: Iterable[bool]) -> bool:
    v = list(valori)
    return sum(v) * 2 >= len(v) if v else False
