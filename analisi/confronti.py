"""Themes × associations and themes over time: pure functions on pandas DataFrames.

Conventions
-----------
- ``pesi``: a DataFrame with one row per story (index: story id) and one column per theme (its label or
  number); each row is the story's theme distribution.
- Groups with fewer than ``minimo`` stories (default 5) are **suppressed**: the row is returned with
  ``soppresso=True`` and no numbers (neither the share nor the count), so that a small association cannot
  be recognised from the table.
- Intervals: percentile bootstrap over stories (resampling whole stories), ``n_bootstrap`` replicates from
  ``numpy.random.default_rng(random_state)``: the same call gives the same intervals. For groups above
  ``soglia_normale`` stories the normal approximation (mean ± z·se) is used instead: at that size the two
  agree and the bootstrap would cost memory for nothing.
- Distinctive words: log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008,
  "Fightin' Words", eq. 16-22): each group against all other stories, the prior proportional to the word's
  frequency in the whole corpus, with a z-score; |z| > 1.96 is the usual threshold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from archivio.politiche import SOGLIA_CELLE

__all__ = [
    "FASI",
    "MINIMO_CELLA",
    "fase_di",
    "parole_distintive",
    "prevalenza_per_gruppo",
    "temi_nel_tempo",
]

MINIMO_CELLA = SOGLIA_CELLE
# Phases of the pandemic in Emilia-Romagna, as the collection names them (corpus field ``periodo``).
# Boundaries by month: the national lockdown began on 9 March 2020 and ended with the reopenings of
# 18 May (stories written by the end of May still tell the lockdown); the second wave from October 2020;
# the colour zones of 2021 until May; the reopenings (and the green pass) from June 2021.
FASI: tuple[tuple[str, date, date], ...] = (
    ("lockdown-2020", date(2020, 3, 1), date(2020, 5, 31)),
    ("estate-2020", date(2020, 6, 1), date(2020, 9, 30)),
    ("seconda-ondata", date(2020, 10, 1), date(2021, 1, 31)),
    ("zone-colori-2021", date(2021, 2, 1), date(2021, 5, 31)),
    ("riaperture-2021", date(2021, 6, 1), date(2021, 12, 31)),
)
COLONNE_PREVALENZA = ["gruppo", "tema", "n", "prevalenza", "inf", "sup", "soppresso", "metodo"]


def fase_di(giorno: date | str | None) -> str | None:
    """The pandemic phase of a date (``FASI``), or None outside them."""
    if giorno is None or (isinstance(giorno, float) and np.isnan(giorno)):
        return None
    if isinstance(giorno, str):
        quando = date.fromisoformat(giorno[:10])
    elif isinstance(giorno, pd.Timestamp):
        quando = giorno.date()
    else:
        quando = giorno
    for nome, inizio, fine in FASI:
        if inizio <= quando <= fine:
            return nome
    return None


def _intervalli(matrice: np.ndarray, n_bootstrap: int, livello: float, rng: np.random.Generator,
                soglia_normale: int) -> tuple[np.ndarray, np.ndarray, str]:
    n = matrice.shape[0]
    alfa = (1 - livello) / 2
    if n > soglia_normale:
        z = NormalDist().inv_cdf(1 - alfa)
        se = matrice.std(axis=0, ddof=1) / np.sqrt(n)
        media = matrice.mean(axis=0)
        return np.clip(media - z * se, 0, 1), np.clip(media + z * se, 0, 1), "normale"
    medie = np.empty((n_bootstrap, matrice.shape[1]))
    blocco = max(1, 2_000_000 // max(n, 1))  # bounded memory: resample counts in blocks of replicates
    for inizio in range(0, n_bootstrap, blocco):
        b = min(blocco, n_bootstrap - inizio)
        conteggi = rng.multinomial(n, np.full(n, 1.0 / n), size=b)
        medie[inizio:inizio + b] = conteggi @ matrice / n
    inf, sup = np.quantile(medie, [alfa, 1 - alfa], axis=0)
    return inf, sup, "bootstrap"


def prevalenza_per_gruppo(pesi: pd.DataFrame, gruppi: pd.Series | Sequence[Any], *, n_bootstrap: int = 1000,
                          livello: float = 0.95, minimo: int = MINIMO_CELLA, random_state: int = 0,
                          soglia_normale: int = 20_000, ordine_gruppi: Sequence[Any] | None = None
                          ) -> pd.DataFrame:
    """Prevalence of each theme in each group (e.g. association) with a bootstrap interval.

    Args:
        pesi: stories × themes distributions.
        gruppi: the group of each story (aligned with ``pesi``'s rows); missing groups are left out.
        minimo: groups with fewer stories are suppressed.
        ordine_gruppi: order of the groups in the result (default: sorted).

    Returns:
        Long table ``gruppo, tema, n, prevalenza, inf, sup, soppresso, metodo``; suppressed groups have
        ``soppresso=True`` and missing values (NA) in ``n``, ``prevalenza``, ``inf``, ``sup``.
    """
    g = pd.Series(np.asarray(gruppi, dtype=object), index=pesi.index)
    matrice = pesi.to_numpy(dtype=np.float64)
    temi = list(pesi.columns)
    presenti = g.notna().to_numpy()
    nomi = list(ordine_gruppi) if ordine_gruppi is not None else sorted({str(x) for x in g[presenti]})
    rng = np.random.default_rng(random_state)
    righe: list[dict[str, Any]] = []
    for nome in nomi:
        maschera = presenti & (g.astype(str).to_numpy() == str(nome))
        n = int(maschera.sum())
        if n < minimo:
            righe.extend({"gruppo": nome, "tema": t, "n": pd.NA, "prevalenza": np.nan, "inf": np.nan,
                          "sup": np.nan, "soppresso": True, "metodo": None} for t in temi)
            continue
        sotto = matrice[maschera]
        media = sotto.mean(axis=0)
        inf, sup, metodo = _intervalli(sotto, n_bootstrap, livello, rng, soglia_normale)
        righe.extend({"gruppo": nome, "tema": t, "n": n, "prevalenza": float(media[j]), "inf": float(inf[j]),
                      "sup": float(sup[j]), "soppresso": False, "metodo": metodo} for j, t in enumerate(temi))
    out = pd.DataFrame(righe, columns=COLONNE_PREVALENZA)
    out["n"] = out["n"].astype("Int64")
    return out


def temi_nel_tempo(pesi: pd.DataFrame, date_racconti: pd.Series | Sequence[Any], *, per: str = "mese",
                   fasi: pd.Series | Sequence[Any] | None = None, n_bootstrap: int = 1000,
                   livello: float = 0.95, minimo: int = MINIMO_CELLA, random_state: int = 0) -> pd.DataFrame:
    """Theme prevalence by month (``per="mese"``, ``YYYY-MM``) or by pandemic phase (``per="fase"``).

    Args:
        date_racconti: each story's date (``date``, ISO string or None).
        fasi: for ``per="fase"``, the phase recorded with the story (corpus field ``periodo``); where it is
            missing the phase is derived from the date (``FASI``).

    Returns:
        The table of ``prevalenza_per_gruppo`` with the column ``gruppo`` renamed ``periodo``, in time order.
    """
    if per not in ("mese", "fase"):
        raise ValueError("per must be 'mese' or 'fase'")
    giorni = pd.to_datetime(pd.Series(np.asarray(date_racconti, dtype=object), index=pesi.index), errors="coerce")
    if per == "mese":
        periodi = giorni.dt.strftime("%Y-%m").where(giorni.notna(), None)
        ordine = sorted({p for p in periodi if p is not None})
    else:
        dichiarate = (pd.Series(np.asarray(fasi, dtype=object), index=pesi.index) if fasi is not None
                      else pd.Series([None] * len(pesi), index=pesi.index, dtype=object))
        derivate = pd.Series([fase_di(d.date()) if pd.notna(d) else None for d in giorni], index=pesi.index)
        periodi = dichiarate.where(dichiarate.notna(), derivate)
        note = [f[0] for f in FASI]
        ordine = [f for f in note if f in set(periodi.dropna())] + sorted(set(periodi.dropna()) - set(note))
    out = prevalenza_per_gruppo(pesi, periodi, n_bootstrap=n_bootstrap, livello=livello, minimo=minimo,
                                random_state=random_state, ordine_gruppi=ordine)
    return out.rename(columns={"gruppo": "periodo"})


def parole_distintive(documenti: Sequence[Sequence[str]], gruppi: Sequence[Any], *, top: int = 15,
                      alpha0: float | None = None, minimo: int = MINIMO_CELLA, min_conteggio: int = 3
                      ) -> pd.DataFrame:
    """Words that distinguish each group from all the other stories (Monroe et al. 2008).

    Args:
        documenti: each story's tokens (e.g. ``ModelloTemi.preprocessore_.transform(texts)``).
        gruppi: each story's group; missing groups count only in "the other stories".
        top: words per group (the highest z-scores).
        alpha0: total prior mass; default the mean length of a story in tokens × 10 (a weakly informative
            prior that shrinks rare words without drowning the groups' own counts).
        min_conteggio: words with fewer occurrences in the corpus are skipped.

    Returns:
        ``gruppo, parola, delta, z, conteggio, soppresso``: ``delta`` is the log-odds ratio, ``z`` its
        z-score, ``conteggio`` the word's count in the group; a suppressed group has one row with
        ``soppresso=True`` and no words.
    """
    g = np.asarray(gruppi, dtype=object)
    if len(g) != len(documenti):
        raise ValueError("documenti and gruppi must have the same length")
    totali: Counter[str] = Counter()
    per_gruppo: dict[str, Counter[str]] = {}
    storie: Counter[str] = Counter()
    for doc, gr in zip(documenti, g, strict=True):
        totali.update(doc)
        if gr is not None and not (isinstance(gr, float) and np.isnan(gr)):
            per_gruppo.setdefault(str(gr), Counter()).update(doc)
            storie[str(gr)] += 1
    parole = sorted(w for w, c in totali.items() if c >= min_conteggio)
    colonne = ["gruppo", "parola", "delta", "z", "conteggio", "soppresso"]
    if not parole:
        return pd.DataFrame(columns=colonne)
    y_tot = np.array([totali[w] for w in parole], dtype=np.float64)
    n_tot = y_tot.sum()
    a0 = alpha0 if alpha0 is not None else 10.0 * n_tot / max(len(documenti), 1)
    alfa = a0 * y_tot / n_tot
    righe: list[dict[str, Any]] = []
    for nome in sorted(per_gruppo):
        if storie[nome] < minimo:
            righe.append({"gruppo": nome, "parola": None, "delta": np.nan, "z": np.nan, "conteggio": pd.NA,
                          "soppresso": True})
            continue
        yi = np.array([per_gruppo[nome][w] for w in parole], dtype=np.float64)
        yj = y_tot - yi
        ni, nj = yi.sum(), yj.sum()
        delta = (np.log((yi + alfa) / (ni + a0 - yi - alfa)) - np.log((yj + alfa) / (nj + a0 - yj - alfa)))
        var = 1.0 / (yi + alfa) + 1.0 / (yj + alfa)
        z = delta / np.sqrt(var)
        for j in [j for j in np.lexsort((np.array(parole), -z)) if z[j] > 0][:top]:  # over-represented only
            righe.append({"gruppo": nome, "parola": parole[j], "delta": float(delta[j]), "z": float(z[j]),
                          "conteggio": int(yi[j]), "soppresso": False})
    out = pd.DataFrame(righe, columns=colonne)
    out["conteggio"] = out["conteggio"].astype("Int64")
    return out
