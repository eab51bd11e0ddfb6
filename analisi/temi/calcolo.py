"""The numerical helpers of :class:`analisi.temi.modello.ModelloTemi`: top terms, row normalisation, the term
smoothing matrix, NMF's custom start, and the choice of k in forked processes."""

from __future__ import annotations

import math
import multiprocessing
import warnings
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

EPS = 1e-9



_PUNTO_FIGLIO: Any = None  # the function a forked worker of the choice of k runs (inherited, not pickled)


def _punto_nel_figlio(k: int) -> dict[str, float]:
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _PUNTO_FIGLIO(k)  # type: ignore[no-any-return]


def in_processi(punto: Any, valori_k: list[int], processi: int) -> list[dict[str, float]]:
    """``[punto(k) for k in valori_k]`` in forked processes, largest k first (the slowest), in k order."""
    global _PUNTO_FIGLIO
    _PUNTO_FIGLIO = punto
    try:
        with multiprocessing.get_context("fork").Pool(processi) as pool:
            ordine = sorted(valori_k, reverse=True)
            per_k = dict(zip(ordine, pool.map(_punto_nel_figlio, ordine, chunksize=1), strict=True))
    finally:
        _PUNTO_FIGLIO = None
    return [per_k[k] for k in valori_k]


def migliori(riga: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` largest weights, ties in vocabulary order; terms with (almost) no weight are left out."""
    top = np.argsort(-riga, kind="stable")[:n]
    soglia = 1e-6 * float(riga.max()) if riga.size and riga.max() > 0 else 0.0
    return top[riga[top] > soglia]


def normalizza(pesi: np.ndarray) -> np.ndarray:
    pesi = np.asarray(pesi, dtype=np.float64)
    somme = pesi.sum(axis=1, keepdims=True)
    k = pesi.shape[1]
    return np.divide(pesi, somme, out=np.full_like(pesi, 1.0 / max(k, 1)), where=somme > 0)


def vicini_termini(x: sparse.csr_matrix, m: int, max_documenti: int = 20_000, blocco: int = 512
                    ) -> sparse.csr_matrix:
    """Term smoothing matrix: each term's ``m`` nearest terms by the cosine of their story columns in ``x``,
    rows summing to 1 (a story mentioning "gravidanza" also weighs a little on "incinta", "parto").

    Bounded cost at 100 000 stories: the columns are read on an evenly spread sample of at most
    ``max_documenti`` stories, and the term × term similarities are computed ``blocco`` rows at a time.
    """
    passo = max(1, math.ceil(x.shape[0] / max_documenti))
    xt = sparse.csr_matrix(normalize(sparse.csc_matrix(x[::passo]), axis=0).T)
    v = xt.shape[0]
    righe: list[int] = []
    colonne: list[int] = []
    valori: list[float] = []
    for inizio in range(0, v, blocco):
        sim = np.asarray((xt[inizio:inizio + blocco] @ xt.T).todense())
        for r in range(sim.shape[0]):
            i = inizio + r
            sim[r, i] = 0.0
            candidati = np.flatnonzero(sim[r] > 0)
            if candidati.size == 0:
                continue
            ordine = candidati[np.lexsort((candidati, -sim[r, candidati]))][:m]  # ties: vocabulary order
            righe.extend([i] * len(ordine))
            colonne.extend(ordine.tolist())
            valori.extend(sim[r, ordine].tolist())
    s = sparse.csr_matrix((valori, (righe, colonne)), shape=(v, v))
    return sparse.csr_matrix(normalize(s, norm="l1"))


def sfoltisci(x: sparse.csr_matrix, quota: float) -> sparse.csr_matrix:
    """A copy of ``x`` without the entries under ``quota`` times their row's largest entry."""
    y = sparse.csr_matrix(x, copy=True)
    if y.nnz == 0 or quota <= 0:
        return y
    lunghezze = np.diff(y.indptr)
    massimi = np.zeros(y.shape[0])
    piene = lunghezze > 0
    massimi[piene] = np.maximum.reduceat(y.data, y.indptr[:-1][piene])
    y.data[y.data < np.repeat(massimi, lunghezze) * quota] = 0.0
    y.eliminate_zeros()
    return y


def w_iniziale(matrice: sparse.csr_matrix, h: np.ndarray) -> np.ndarray:
    """Non-negative least-squares-like start for W given H (for NMF's custom initialisation)."""
    gram = h @ h.T + 1e-6 * np.eye(h.shape[0])
    w = np.asarray(matrice @ h.T) @ np.linalg.inv(gram)
    return np.maximum(w, EPS)
