"""Measures for themes: NPMI coherence, stability across runs, matching themes between runs, labels.

- NPMI coherence (Bouma 2009; Lau, Newman & Baldwin 2014; Röder et al. 2015): for each pair of a theme's
  top terms, ``log(p(a,b) / (p(a) p(b))) / -log p(a,b)``; a pair that never co-occurs scores -1; the
  theme's coherence is the mean over pairs. ``npmi_finestre`` (the one we report and use to choose k)
  counts co-occurrence in boolean sliding windows of 10 tokens of the corpus itself, as Röder et al.'s
  C_NPMI; ``npmi_temi`` counts it in whole stories (coarser: words present in nearly every story, such
  as stop words, then score close to 1).
- Stability (Greene, O'Callaghan & Cunningham 2014): themes of two runs are paired by the Hungarian
  algorithm on the Jaccard similarity of their top-term sets; the stability is the mean Jaccard of the pairs.
- Spread over associations (``diffusione_temi``): the share of a theme's weight (the sum of its share in each
  story) that comes from each association's stories; its normalised Shannon entropy (1: spread evenly over
  all associations, 0: all from one) and the top association's share. Stories without an association are
  left out of the shares.
- Specificity of a term (``specificita_termini``): the share of its document frequency, as a rate within
  each association's stories (so that a large association does not look specific), held by the association
  where it is most frequent: 1 / (number of associations) for a word used evenly, 1 for a word of one
  association only.
- Matching between runs (labels kept across re-runs): Hungarian algorithm on the cosine of the term-weight
  vectors; pairs below a threshold are new themes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from archivio.politiche import SOGLIA_CELLE

__all__ = ["abbina_temi", "diffusione_temi", "etichetta_da_termini", "jaccard_abbinato", "npmi_finestre", "npmi_temi",
           "specificita_termini"]

FINESTRA = 10


def npmi_temi(termini: Sequence[Sequence[str]], presenze: sparse.spmatrix | np.ndarray,
              vocabolario: Mapping[str, int]) -> list[float]:
    """NPMI coherence of each theme's terms, on story-level co-occurrence.

    Args:
        termini: top terms of each theme.
        presenze: stories × vocabulary matrix; non-zero means the term occurs in the story.
        vocabolario: term → column of ``presenze``.
    """
    x = sparse.csc_matrix(presenze, dtype=np.float64)
    x.data[:] = 1.0
    n = x.shape[0]
    out: list[float] = []
    for tema in termini:
        colonne = [vocabolario[t] for t in tema if t in vocabolario]
        if len(colonne) < 2:
            out.append(float("nan"))
            continue
        sub = x[:, colonne]
        congiunte = (sub.T @ sub).toarray() / n
        marginali = np.diag(congiunte).copy()
        valori = []
        for i in range(len(colonne)):
            for j in range(i + 1, len(colonne)):
                pij = congiunte[i, j]
                if pij <= 0:
                    valori.append(-1.0)
                elif pij >= 1:
                    valori.append(0.0)  # both terms in every story: no information either way
                else:
                    valori.append(float(np.log(pij / (marginali[i] * marginali[j])) / -np.log(pij)))
        out.append(float(np.mean(valori)))
    return out


def npmi_finestre(termini: Sequence[Sequence[str]], documenti: Sequence[Sequence[str]],
                  finestra: int = FINESTRA) -> list[float]:
    """NPMI coherence of each theme's terms on boolean sliding windows of ``finestra`` tokens.

    Args:
        termini: top terms of each theme.
        documenti: the corpus as token sequences (in text order), tokenised as the model saw it.
    """
    cercati = sorted({t for tema in termini for t in tema})
    indice = {t: i for i, t in enumerate(cercati)}
    n_finestre = 0
    conteggi = np.zeros((len(cercati), len(cercati)), dtype=np.int64)
    for doc in documenti:
        lung = len(doc)
        if lung == 0:
            continue
        quante = max(1, lung - finestra + 1)
        n_finestre += quante
        posizioni: dict[int, list[int]] = {}
        for p, t in enumerate(doc):
            j = indice.get(t)
            if j is not None:
                posizioni.setdefault(j, []).append(p)
        if not posizioni:
            continue
        # windows [w, w + finestra) containing position p: w in [p - finestra + 1, p] ∩ [0, quante)
        presenza = np.zeros((quante, len(cercati)), dtype=bool)  # only the columns present are used
        for j, pos in posizioni.items():
            for p in pos:
                presenza[max(0, p - finestra + 1):min(quante, p + 1), j] = True
        colonne_doc = sorted(posizioni)
        sotto = presenza[:, colonne_doc].astype(np.int64)
        conteggi[np.ix_(colonne_doc, colonne_doc)] += sotto.T @ sotto  # windows shared by each pair
    if n_finestre == 0:
        return [float("nan")] * len(termini)
    congiunte = conteggi / n_finestre
    out: list[float] = []
    for tema in termini:
        colonne = [indice[t] for t in tema]
        if len(colonne) < 2:
            out.append(float("nan"))
            continue
        valori = []
        for a in range(len(colonne)):
            for b in range(a + 1, len(colonne)):
                i, j = colonne[a], colonne[b]
                pij, pi, pj = congiunte[i, j], congiunte[i, i], congiunte[j, j]
                if pij <= 0:
                    valori.append(-1.0)
                elif pij >= 1:
                    valori.append(0.0)
                else:
                    valori.append(float(np.log(pij / (pi * pj)) / -np.log(pij)))
        out.append(float(np.mean(valori)))
    return out


def jaccard_abbinato(a: Sequence[Sequence[str]], b: Sequence[Sequence[str]]) -> float:
    """Mean Jaccard similarity of top-term sets after pairing the themes of ``a`` and ``b`` one to one."""
    if not a or not b:
        return 0.0
    sa, sb = [set(t) for t in a], [set(t) for t in b]
    sim = np.array([[len(x & y) / len(x | y) if x | y else 0.0 for y in sb] for x in sa])
    righe, colonne = linear_sum_assignment(-sim)
    return float(sim[righe, colonne].sum() / max(len(sa), len(sb)))


def abbina_temi(vecchi: Sequence[Mapping[str, float]], nuovi: Sequence[Mapping[str, float]],
                soglia: float = 0.3) -> dict[int, int]:
    """Pair new themes with old ones (new index → old index) by the cosine of their term weights.

    Pairs with a cosine below ``soglia`` are left out: the new theme is a different theme.
    """
    if not vecchi or not nuovi:
        return {}
    termini = sorted({t for d in (*vecchi, *nuovi) for t in d})
    indice = {t: i for i, t in enumerate(termini)}

    def matrice(temi: Sequence[Mapping[str, float]]) -> np.ndarray:
        m = np.zeros((len(temi), len(termini)))
        for r, d in enumerate(temi):
            for t, w in d.items():
                m[r, indice[t]] = w
        norme = np.linalg.norm(m, axis=1, keepdims=True)
        return np.divide(m, norme, out=np.zeros_like(m), where=norme > 0)

    sim = matrice(nuovi) @ matrice(vecchi).T
    righe, colonne = linear_sum_assignment(-sim)
    return {int(r): int(c) for r, c in zip(righe, colonne, strict=True) if sim[r, c] >= soglia}


def etichetta_da_termini(termini: Sequence[str], n: int = 3) -> str:
    """An Italian label from the top terms: the first ``n`` distinct ones, phrases written out.

    A term contained in a phrase already chosen is skipped ("spesa" after "fare la spesa"); a possessive
    token (``mio_moglie``, from "mia moglie") counts as its noun.
    """
    scelti: list[str] = []
    for t in termini:
        if t.startswith("mio_"):  # a first-person possessive token ("mia madre"): its noun names the label
            t = t[len("mio_"):]
        parola = t.replace("_", " ")
        if any(parola in s.split() or parola in s for s in scelti):
            continue
        scelti.append(parola)
        if len(scelti) == n:
            break
    if not scelti:
        return "tema senza termini"
    testo = ", ".join(scelti)
    return testo[0].upper() + testo[1:]


def _indici_gruppi(gruppi: Sequence[str | None]) -> tuple[list[str], np.ndarray]:
    """Sorted distinct group names and, per story, the group's index (-1: no group)."""
    nomi = sorted({g for g in gruppi if g})
    posizione = {g: i for i, g in enumerate(nomi)}
    return nomi, np.array([posizione[g] if g else -1 for g in gruppi], dtype=int)


def specificita_termini(presenze: sparse.spmatrix | np.ndarray, gruppi: Sequence[str | None],
                        minimo_racconti: int = SOGLIA_CELLE) -> np.ndarray:
    """Per term (column of ``presenze``), its specificity to one association (see the module docstring).

    Associations with fewer than ``minimo_racconti`` stories give no evidence (their stories count as stories
    without an association). Terms never used in a counted story get 0. Fewer than 2 associations: all 0.
    """
    x = sparse.csr_matrix(presenze, dtype=np.float64)
    x.data[:] = 1.0
    conta: dict[str, int] = {}
    for g in gruppi:
        if g:
            conta[g] = conta.get(g, 0) + 1
    nomi, indice = _indici_gruppi([g if g and conta[g] >= minimo_racconti else None for g in gruppi])
    if len(nomi) < 2:
        return np.zeros(x.shape[1])
    uno_a_uno = sparse.csr_matrix((np.ones(int((indice >= 0).sum())),
                                   (indice[indice >= 0], np.flatnonzero(indice >= 0))),
                                  shape=(len(nomi), x.shape[0]))
    df = np.asarray((uno_a_uno @ x).todense())  # groups × terms
    dimensioni = np.bincount(indice[indice >= 0], minlength=len(nomi)).astype(float)
    tassi = df / dimensioni[:, None]
    somme = tassi.sum(axis=0)
    return np.divide(tassi.max(axis=0), somme, out=np.zeros_like(somme), where=somme > 0)


def diffusione_temi(pesi: np.ndarray, gruppi: Sequence[str | None]) -> list[dict[str, object]]:
    """How each theme's weight spreads over associations.

    Args:
        pesi: stories × themes distributions (rows sum to 1).
        gruppi: per story, its association (None or "" for none).

    Returns:
        One dict per theme: ``entropia_normalizzata`` (0..1, None with fewer than 2 associations),
        ``quota_principale`` (share of the top association), ``associazione_principale``, ``quote``
        ({association: share}, largest first, ties by name), ``n_associazioni``.
    """
    pesi = np.asarray(pesi, dtype=np.float64)
    nomi, indice = _indici_gruppi(gruppi)
    out: list[dict[str, object]] = []
    for j in range(pesi.shape[1]):
        somme = np.array([pesi[indice == g, j].sum() for g in range(len(nomi))])
        totale = float(somme.sum())
        if totale <= 0 or not nomi:
            out.append({"entropia_normalizzata": None, "quota_principale": None, "associazione_principale": None,
                        "quote": {}, "n_associazioni": len(nomi)})
            continue
        quote = somme / totale
        positive = quote[quote > 0]
        entropia = float(-(positive * np.log(positive)).sum() / np.log(len(nomi))) if len(nomi) > 1 else None
        ordine = sorted(range(len(nomi)), key=lambda g: (-quote[g], nomi[g]))
        out.append({"entropia_normalizzata": None if entropia is None else round(entropia, 4),
                    "quota_principale": round(float(quote[ordine[0]]), 4),
                    "associazione_principale": nomi[ordine[0]],
                    "quote": {nomi[g]: round(float(quote[g]), 4) for g in ordine},
                    "n_associazioni": len(nomi)})
    return out
