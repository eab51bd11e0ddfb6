"""``ModelloTemi``: themes of a corpus of stories, deterministic, from 100 to 100 000 stories.

How it works
------------
1. ``Preprocessore`` turns each story into lemmas and multi-word phrases (stop words, placeholders and the
   associations' names removed).
2. Terms in at least ``min_df`` stories and at most ``max_df`` of them form the vocabulary (capped at
   ``max_termini``, the most frequent first).
   With ``associazioni`` given to ``fit`` (cross-cutting themes), terms specific to one association
   (``misure.specificita_termini`` above ``SOGLIA_SPECIFICITA``) are left out of the vocabulary.
3. NMF (default) on sublinear TF-IDF with the idf raised to ``esponente_idf`` (0.5) and smoothed towards each
   term's nearest terms (``lisciatura``), ``init="nndsvd"`` (no randomness), coordinate descent; LDA on counts
   as an option. Above ``soglia_minibatch`` stories: ``MiniBatchNMF`` / online LDA (see bench/analisi_scala.py).
4. **Choosing k** (``k="auto"``) in ``[k_min, k_max]``: for each k, (a) the mean NPMI coherence of the
   themes' top terms on the corpus itself (co-occurrence in the same story, ``misure.npmi_temi``) and
   (b) the stability of the themes: the model refitted on ``n_ripetizioni`` random 80 % subsamples
   (seeded), themes paired one to one by the Hungarian algorithm on the Jaccard similarity of their top
   terms, mean Jaccard (Greene et al. 2014). The candidates are the k whose stability is at least 90 % of
   the best stability; among them the most coherent (highest NPMI) wins, ties going to the smaller k: the
   most coherent model among those about as stable as the most stable one. Coarse to fine: every other k
   first (``PASSO_K``), then the neighbours of the chosen and of the most stable k, and the rule again on all
   k computed (each k's point does not depend on which others are computed). The computed curve is kept in
   ``curva_k_`` (and shown by the notebook) so that researchers can fix another k. Above
   ``max_documenti_scelta_k`` stories (600) the choice is made on a seeded sample of that size, its vectors
   without their tiniest entries (``SFOLTIMENTO_SCELTA_K``), then the model is fitted on all stories with
   every entry. ``k_max`` is also capped at a third of the stories (at least ``k_min``).
5. Every story gets a theme distribution (rows sum to 1; a story without any usable word gets the uniform
   distribution and theme -1 in ``assegna``): there is no outlier bucket. **Assignment refined** (NMF,
   ``raffina``): "cluster then label" — a linear classifier (``SGDClassifier``, logistic loss, seeded) learns
   the themes from the stories whose NMF theme is clearest (per theme, the ``QUOTA_CONFIDENTI`` of its stories
   with the widest margin between their first and second share) on the model's own story vectors; each story's
   distribution then adds to its NMF shares the classifier's probabilities, softened (square root, rescaled to
   sum 1) and weighing ``PESO_CLASSIFICATORE`` (2) times, renormalised: its main theme also follows the words
   that mark the theme's clearest stories. The themes (terms, labels) are the NMF's.
6. Guided themes (``semi``): each seeded theme starts from its seed words (custom NMF initialisation) and is
   anchored by pseudo-stories made of those words; NMF only.
7. Each theme: top terms with weights, an Italian label from the terms (or the seed's name), prevalence
   (mean share over the stories), NPMI coherence, and its most representative **sentences** (not whole
   stories): sentences of the stories strongest in the theme, scored by the theme's share in the sentence
   times the story's weight, at most two per story.
8. With associations, ``diffusione_`` gives for every theme how its weight spreads over them (normalised
   entropy, top association and its share); ``riepilogo`` returns it per theme.

Measured choices and the NMI table: ``analisi/temi/README.md``.

Same input and parameters → the same themes, bit for bit (BLAS is limited to one thread while fitting, so
the result does not depend on the number of cores).
"""

from __future__ import annotations

import math
import multiprocessing
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import NMF, LatentDirichletAllocation, MiniBatchNMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from analisi.temi.calcolo import EPS, in_processi, migliori, normalizza, sfoltisci, vicini_termini, w_iniziale
from analisi.temi.citazioni import Citazione, scegli_citazioni
from analisi.temi.misure import (
    diffusione_temi,
    etichetta_da_termini,
    jaccard_abbinato,
    npmi_temi,
    specificita_termini,
)
from analisi.temi.preprocessa import Preprocessore, _identita
from analisi.temi.raffinamento import classificatore_temi, raffina_pesi
from archivio.politiche import SOGLIA_CELLE

__all__ = ["Citazione", "ModelloTemi", "carica_modello"]

ALGORITMI = ("nmf", "lda")
TOLLERANZA_STABILITA = 0.9  # k is a candidate when its stability is at least 90 % of the best one
# The many NMF fits that only choose k stop earlier than the final fit (their top terms settle long before the
# loss does): iteration cap and tolerance. Measured in analisi/temi/README.md ("Speed of the choice of k").
ITERAZIONI_SCELTA_K = 200
TOLLERANZA_SCELTA_K = 1e-3
# On a large corpus (more than max_documenti_scelta_k stories) the fits that choose k read the sampled stories'
# vectors without their entries under 5 % of the row's largest: the term smoothing spreads many tiny weights
# (427 → 106 stored values per story on 2 000 stories) and NMF's cost follows the stored values. The final
# fit reads every entry; small corpora are searched exactly. Measured in analisi/temi/README.md.
SFOLTIMENTO_SCELTA_K = 0.05
PASSO_K = 2  # coarse pass of the choice of k: every other k, then the neighbours of the best (coarse to fine)
# Policy: a term whose specificity to one association (misure.specificita_termini) exceeds this is kept out of
# the cross-cutting themes. 0.4 with 11 associations: a term must be used in the stories of at least three
# associations at comparable rates. What is distinctive of ONE association is shown by the log-odds words.
SOGLIA_SPECIFICITA = 0.4
MINIMO_RACCONTI_ASSOCIAZIONE = SOGLIA_CELLE  # smaller associations give no evidence of specificity (as suppressed)



def _scegli(curva: dict[int, dict[str, float]]) -> tuple[int, int]:
    """The most coherent k among those about as stable as the most stable one (ties: the smaller k); marks the
    candidates in ``curva``. Returns (chosen k, most stable k)."""
    ordine = sorted(curva)
    stabilita = np.nan_to_num(np.array([curva[k]["stabilita"] for k in ordine], dtype=float), nan=0.0)
    soglia = TOLLERANZA_STABILITA * float(stabilita.max())
    migliore = 0
    for i, k in enumerate(ordine):
        c = curva[k]
        c["candidato"] = bool(stabilita[i] >= soglia)
        npmi = c["npmi"] if np.isfinite(c["npmi"]) else -1.0
        m = curva[ordine[migliore]]
        if c["candidato"] and (not m["candidato"] or npmi > m["npmi"]):
            migliore = i  # strictly better only: ties go to the smaller k
    return ordine[migliore], ordine[int(np.argmax(stabilita))]


class ModelloTemi(TransformerMixin, BaseEstimator):
    """Themes of a corpus of stories (scikit-learn conventions: ``fit`` returns self, learned attributes end in _).

    Args:
        k: number of themes, or ``"auto"`` to choose it in ``[k_min, k_max]`` (see the module docstring).
        k_min, k_max: range tried by ``k="auto"``.
        algoritmo: ``"nmf"`` (default) or ``"lda"``.
        random_state: seed of everything random (subsamples, LDA, mini-batches).
        semi: guided themes, ``{label: [seed words]}`` (NMF only).
        parole_dominio: domain stop words (None: the default list); parole_extra: more stop words.
        nomi_da_ignorare: names removed from the texts (the associations' names).
        nlp: optional spaCy pipeline for lemmas and POS (else simplemma); never saved with the model.
        n_termini: top terms per theme; n_citazioni: representative sentences per theme.
        n_ripetizioni: subsample refits per k for the stability measure.
        max_documenti_scelta_k: the choice of k runs on a sample of at most this many stories (vectors sparsified).
        soglia_minibatch: from this many stories on, MiniBatchNMF / online LDA.
        min_df, max_df, max_termini: vocabulary limits (``min_df="auto"``: 2, or 1 story in 2 000 if more).
        frasi_multiparola: learn multi-word phrases.
        esponente_idf: the idf is raised to this power (0.5: frequent anchor words such as "figlio" are not
            drowned by rare words in short texts); lisciatura, vicini_lisciatura: each story's TF-IDF vector
            also weighs ``lisciatura`` times on each term's ``vicini_lisciatura`` nearest terms (cosine of
            their columns), then re-normalised; 0 switches it off. NMF only.
        soglia_specificita: with ``associazioni`` given to ``fit``, terms more specific to one association
            than this are left out (None: keep all). See ``SOGLIA_SPECIFICITA``.
        raffina: refine the stories' distributions with a classifier learnt on the clearest stories (NMF only;
            see the module docstring, item 5, and ``QUOTA_CONFIDENTI``).
        n_jobs: worker processes for the choice of k (None or 1: none; -1: one per core). Each k is computed
            exactly as in one process (forked workers, one BLAS thread each): the themes do not depend on it.
    """

    def __init__(self, k: int | str = "auto", *, k_min: int = 4, k_max: int = 15, algoritmo: str = "nmf",
                 random_state: int = 0, semi: Mapping[str, Sequence[str]] | None = None,
                 parole_dominio: Sequence[str] | None = None, parole_extra: Sequence[str] = (),
                 nomi_da_ignorare: Sequence[str] = (), nlp: Any = None, n_termini: int = 10,
                 n_citazioni: int = 10, n_ripetizioni: int = 3, max_documenti_scelta_k: int = 600,
                 soglia_minibatch: int = 20_000, min_df: int | float | str = "auto", max_df: float = 0.5,
                 max_termini: int = 10_000, frasi_multiparola: bool = True, esponente_idf: float = 0.5,
                 lisciatura: float = 0.5, vicini_lisciatura: int = 10,
                 soglia_specificita: float | None = SOGLIA_SPECIFICITA, raffina: bool = True,
                 n_jobs: int | None = None) -> None:
        self.k = k
        self.k_min = k_min
        self.k_max = k_max
        self.algoritmo = algoritmo
        self.random_state = random_state
        self.semi = semi
        self.parole_dominio = parole_dominio
        self.parole_extra = parole_extra
        self.nomi_da_ignorare = nomi_da_ignorare
        self.nlp = nlp
        self.n_termini = n_termini
        self.n_citazioni = n_citazioni
        self.n_ripetizioni = n_ripetizioni
        self.max_documenti_scelta_k = max_documenti_scelta_k
        self.soglia_minibatch = soglia_minibatch
        self.min_df = min_df
        self.max_df = max_df
        self.max_termini = max_termini
        self.frasi_multiparola = frasi_multiparola
        self.esponente_idf = esponente_idf
        self.lisciatura = lisciatura
        self.vicini_lisciatura = vicini_lisciatura
        self.soglia_specificita = soglia_specificita
        self.raffina = raffina
        self.n_jobs = n_jobs

    def __getstate__(self) -> dict[str, Any]:
        stato = super().__getstate__()
        stato["nlp"] = None  # the language pipeline is large and not needed after fitting
        return stato

    # ------------------------------------------------------------------------------------------ fitting
    def _controlla(self) -> None:
        if self.algoritmo not in ALGORITMI:
            raise ValueError(f"algoritmo must be one of {ALGORITMI}, not {self.algoritmo!r}")
        if self.semi and self.algoritmo != "nmf":
            raise ValueError("guided themes (semi) need algoritmo='nmf'")
        if self.k != "auto" and (not isinstance(self.k, int | np.integer) or int(self.k) < 1):
            raise ValueError(f"k must be a positive integer or 'auto', not {self.k!r}")
        if not 1 <= self.k_min <= self.k_max:
            raise ValueError("need 1 <= k_min <= k_max")

    def fit(self, X: Sequence[str], y: Any = None, *, citabili: Sequence[bool] | None = None,
            associazioni: Sequence[str | None] | None = None) -> ModelloTemi:
        """Fit the themes on the texts ``X`` (anonymised stories).

        Args:
            X: the stories' texts.
            citabili: per story, whether its sentences may be quoted (quotation consent); default all.
            associazioni: per story, its association (None: none). With at least two associations, terms
                specific to one association (``soglia_specificita``) are kept out of the themes, and
                ``diffusione_`` says how each theme's weight spreads over the associations.
        """
        self._controlla()
        testi = [str(t) for t in X]
        n = len(testi)
        if n < 2:
            raise ValueError("at least 2 stories are needed to find themes")
        # One BLAS thread: the result must not depend on the number of cores. Convergence warnings are
        # silenced: the iteration cap is part of the (deterministic) recipe, and themes are read, not the loss.
        with threadpool_limits(limits=1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self._fit(testi, citabili, associazioni)
        return self

    def _fit(self, testi: list[str], citabili: Sequence[bool] | None,
             associazioni: Sequence[str | None] | None) -> None:
        n = len(testi)
        self.preprocessore_ = Preprocessore(
            self.nlp, parole_dominio=self.parole_dominio, parole_extra=self.parole_extra,
            nomi_da_ignorare=self.nomi_da_ignorare, frasi_multiparola=self.frasi_multiparola)
        documenti = self.preprocessore_.fit_transform(testi)
        min_df = self.min_df if self.min_df != "auto" else max(2, n // 2000)
        if n < 10:
            min_df = 1
        max_df = self.max_df if n >= 10 else 1.0
        self.vettorizzatore_ = CountVectorizer(analyzer=_identita, min_df=min_df, max_df=max_df,
                                               max_features=self.max_termini)
        try:
            conteggi = self.vettorizzatore_.fit_transform(documenti)
        except ValueError as e:  # empty vocabulary
            raise ValueError(f"too few usable words to find themes: {e}") from None
        conteggi = sparse.csr_matrix(conteggi, dtype=np.float64)
        if associazioni is not None and len(associazioni) != n:
            raise ValueError("associazioni must have one entry per story")
        self.termini_specifici_: list[tuple[str, float]] = []
        if associazioni is not None and self.soglia_specificita is not None:
            conteggi = self._togli_specifici(documenti, conteggi, associazioni)
        self.termini_vocabolario_ = self.vettorizzatore_.get_feature_names_out()
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(conteggi)
        self.tfidf_.idf_ = self.tfidf_.idf_ ** self.esponente_idf  # attenuated idf (see the module docstring)
        self.lisciatura_ = None
        matrice = self._matrice(conteggi)
        if self.algoritmo == "nmf" and self.lisciatura > 0:
            self.lisciatura_ = vicini_termini(matrice, self.vicini_lisciatura)
            matrice = self._matrice(conteggi)
        self.semi_, self.semi_ignorati_ = self._semi_nel_vocabolario()
        self.minibatch_ = n >= self.soglia_minibatch

        limite_k = max(1, min(matrice.shape[1] - 1, n - 1))
        if self.k == "auto":
            self.k_, self.curva_k_ = self._scegli_k(matrice, conteggi, limite_k)
        else:
            self.k_ = min(int(self.k), limite_k)
            self.curva_k_ = []
        if self.k_ < len(self.semi_):
            self.k_ = len(self.semi_)

        self.modello_, pesi = self._adatta(matrice, self.k_, self.random_state, self.minibatch_)
        pesi = normalizza(pesi)
        vuoti = np.asarray(conteggi.sum(axis=1)).ravel() == 0
        self.classificatore_ = self._classificatore(matrice, pesi, vuoti)
        pesi = self._raffina(pesi, matrice, vuoti)
        componenti = self.modello_.components_
        # Order: seeded themes first (in the researchers' order), then by prevalence, largest first.
        s = len(self.semi_)
        prevalenza = pesi.mean(axis=0)
        resto = sorted(range(s, self.k_), key=lambda j: (-prevalenza[j], j))
        self.ordine_ = np.array(list(range(s)) + resto, dtype=int)
        pesi = pesi[:, self.ordine_]
        componenti = componenti[self.ordine_]
        self.components_ = componenti
        self.pesi_documenti_ = pesi
        self.prevalenza_ = pesi.mean(axis=0)
        self.n_documenti_ = n

        self.termini_ = []
        self.pesi_termini_ = []
        for riga in componenti:
            top = migliori(riga, self.n_termini)
            self.termini_.append([str(self.termini_vocabolario_[i]) for i in top])
            self.pesi_termini_.append([float(riga[i]) for i in top])
        self.coerenza_ = npmi_temi(self.termini_, conteggi, self.vettorizzatore_.vocabulary_)
        self.coerenza_media_ = float(np.nanmean(self.coerenza_)) if self.k_ else float("nan")
        scelta = [c for c in self.curva_k_ if c["k"] == self.k_]
        self.stabilita_ = scelta[0]["stabilita"] if scelta else self._stabilita(matrice, self.k_, self.termini_)
        nomi_semi = list(self.semi_)
        self.etichette_ = [nomi_semi[j] if j < s else etichetta_da_termini(self.termini_[j]) for j in range(self.k_)]
        self.citazioni_ = self._citazioni(testi, pesi, citabili)
        self.diffusione_ = diffusione_temi(pesi, associazioni) if associazioni is not None else None

    def _classificatore(self, matrice: sparse.csr_matrix, pesi: np.ndarray, vuoti: np.ndarray) -> Any:
        """The refinement's classifier (``analisi.temi.raffinamento``); None when refinement is off."""
        if not self.raffina or self.algoritmo != "nmf" or self.k_ < 2:
            return None
        return classificatore_temi(matrice, pesi, vuoti, self.k_, self.random_state)

    def _raffina(self, pesi: np.ndarray, matrice: sparse.csr_matrix, vuoti: np.ndarray) -> np.ndarray:
        # a model saved before the refinement existed has no classifier: NMF shares alone
        return raffina_pesi(pesi, matrice, vuoti, getattr(self, "classificatore_", None))

    def _togli_specifici(self, documenti: list[list[str]], conteggi: sparse.csr_matrix,
                         associazioni: Sequence[str | None]) -> sparse.csr_matrix:
        """Keep terms specific to one association out of the vocabulary (cross-cutting themes)."""
        specificita = specificita_termini(conteggi, associazioni, MINIMO_RACCONTI_ASSOCIAZIONE)
        # With few associations an even spread already gives a large share: a term is specific when its share
        # is above the policy threshold AND above twice an even spread (2 / number of associations counted).
        conta: dict[str, int] = {}
        for a in associazioni:
            if a:
                conta[a] = conta.get(a, 0) + 1
        contate = sum(c >= MINIMO_RACCONTI_ASSOCIAZIONE for c in conta.values())
        soglia = SOGLIA_SPECIFICITA if self.soglia_specificita is None else float(self.soglia_specificita)
        self.soglia_specificita_effettiva_ = max(soglia, 2 / max(contate, 1))
        tieni = specificita <= self.soglia_specificita_effettiva_
        if tieni.all():
            return conteggi
        if not tieni.any():
            raise ValueError("every term is specific to one association: no cross-cutting theme can be found")
        nomi = self.vettorizzatore_.get_feature_names_out()
        tolti = sorted(((str(nomi[i]), float(specificita[i])) for i in np.flatnonzero(~tieni)),
                       key=lambda x: (-x[1], x[0]))
        self.termini_specifici_ = [(t, round(v, 4)) for t, v in tolti]
        self.vettorizzatore_ = CountVectorizer(analyzer=_identita, vocabulary=[str(t) for t in nomi[tieni]])
        self.vettorizzatore_.fit(documenti)
        return sparse.csr_matrix(conteggi[:, np.flatnonzero(tieni)])

    def _matrice(self, conteggi: sparse.csr_matrix) -> sparse.csr_matrix:
        if self.algoritmo == "lda":
            return conteggi
        x = sparse.csr_matrix(self.tfidf_.transform(conteggi))
        if getattr(self, "lisciatura_", None) is not None:
            x = sparse.csr_matrix(normalize(x + self.lisciatura * (x @ self.lisciatura_)))
        return x

    def _semi_nel_vocabolario(self) -> tuple[dict[str, list[int]], dict[str, list[str]]]:
        """Seed words → vocabulary columns (seed words are lemmatised like the stories)."""
        if not self.semi:
            return {}, {}
        vocab = self.vettorizzatore_.vocabulary_
        trovati: dict[str, list[int]] = {}
        ignorati: dict[str, list[str]] = {}
        for etichetta, parole in self.semi.items():
            colonne: list[int] = []
            for parola in parole:
                tok = self.preprocessore_.tokens(parola) or [parola.lower().replace(" ", "_")]
                presenti = [vocab[t] for t in tok if t in vocab]
                if presenti:
                    colonne.extend(c for c in presenti if c not in colonne)
                else:
                    ignorati.setdefault(etichetta, []).append(parola)
            if colonne:
                trovati[etichetta] = colonne
            else:
                ignorati.setdefault(etichetta, [])
        return trovati, ignorati

    def _stimatore(self, k: int, seme: int, minibatch: bool, guidato: bool, rapido: bool = False) -> Any:
        """One estimator. ``rapido``: looser stopping for the many fits that only choose k."""
        if self.algoritmo == "lda":
            return LatentDirichletAllocation(
                n_components=k, learning_method="online" if minibatch else "batch",
                max_iter=10 if minibatch or rapido else 30, batch_size=1024, random_state=seme)
        init = "custom" if guidato else "nndsvd"
        if minibatch:
            return MiniBatchNMF(n_components=k, init=init, batch_size=2048, max_iter=200, random_state=seme)
        return NMF(n_components=k, init=init, solver="cd", max_iter=ITERAZIONI_SCELTA_K if rapido else 500,
                   tol=TOLLERANZA_SCELTA_K if rapido else 1e-4, random_state=seme)

    def _adatta(self, matrice: sparse.csr_matrix, k: int, seme: int, minibatch: bool, rapido: bool = False
                ) -> tuple[Any, np.ndarray]:
        """Fit one estimator with k themes; returns it and the stories' (unnormalised) weights."""
        semi = [c for c in self.semi_.values()][:k]
        if not semi:
            stimatore = self._stimatore(k, seme, minibatch, guidato=False, rapido=rapido)
            return stimatore, stimatore.fit_transform(matrice)
        # Guided: pseudo-stories made of the seed words anchor the seeded themes; they are dropped after.
        n, v = matrice.shape
        ripetizioni = max(2, n // 50)
        righe, colonne, valori = [], [], []
        for i, cols in enumerate(semi):
            for r in range(ripetizioni):
                for c in cols:
                    righe.append(i * ripetizioni + r)
                    colonne.append(c)
                    valori.append(1.0 / math.sqrt(len(cols)))
        pseudo = sparse.csr_matrix((valori, (righe, colonne)), shape=(len(semi) * ripetizioni, v))
        estesa = sparse.vstack([matrice, pseudo]).tocsr()
        h0 = self._init_guidata(estesa, k, semi, seme)
        w0 = w_iniziale(estesa, h0)
        stimatore = self._stimatore(k, seme, minibatch, guidato=True, rapido=rapido)
        pesi = stimatore.fit_transform(estesa, W=w0, H=h0)
        return stimatore, pesi[:n]

    def _init_guidata(self, matrice: sparse.csr_matrix, k: int, semi: list[list[int]], seme: int) -> np.ndarray:
        v = matrice.shape[1]
        s = len(semi)
        righe = []
        if k > s:
            libero = NMF(n_components=k - s, init="nndsvd", solver="cd", max_iter=200, random_state=seme)
            libero.fit(matrice)
            resto = libero.components_
            scala = float(np.mean(resto.max(axis=1))) or 1.0
        else:
            resto = np.zeros((0, v))
            scala = 1.0
        for cols in semi:
            h = np.full(v, EPS)
            h[cols] = scala
            righe.append(h)
        return np.vstack([np.array(righe), resto]) if righe else resto

    # ----------------------------------------------------------------------------------- choosing k
    def _campione(self, n: int, dimensione: int, seme: int) -> np.ndarray:
        rng = np.random.default_rng(seme)
        return np.sort(rng.choice(n, size=dimensione, replace=False))

    def _termini_di(self, componenti: np.ndarray) -> list[list[str]]:
        return [[str(self.termini_vocabolario_[i]) for i in migliori(r, self.n_termini)] for r in componenti]

    def _stabilita(self, matrice: sparse.csr_matrix, k: int, riferimento: list[list[str]]) -> float:
        n = matrice.shape[0]
        if n > self.max_documenti_scelta_k:
            matrice = matrice[self._campione(n, self.max_documenti_scelta_k, self.random_state)]
            n = matrice.shape[0]
        m = max(k + 1, round(0.8 * n))
        if m >= n:
            return float("nan")
        valori = []
        for r in range(self.n_ripetizioni):
            sotto = matrice[self._campione(n, m, self.random_state + 1 + r)]
            stimatore, _ = self._adatta(sotto, k, self.random_state + 1 + r, minibatch=False, rapido=True)
            valori.append(jaccard_abbinato(riferimento, self._termini_di(stimatore.components_)))
        return float(np.mean(valori))

    def _scegli_k(self, matrice: sparse.csr_matrix, conteggi: sparse.csr_matrix, limite_k: int
                  ) -> tuple[int, list[dict[str, float]]]:
        n = matrice.shape[0]
        if n > self.max_documenti_scelta_k:
            # A large corpus: k is chosen on a seeded sample of its stories, their vectors sparsified (NMF).
            idx = self._campione(n, self.max_documenti_scelta_k, self.random_state)
            matrice, conteggi = matrice[idx], conteggi[idx]
            n = len(idx)
            if self.algoritmo == "nmf":
                matrice = sfoltisci(matrice, SFOLTIMENTO_SCELTA_K)
        k_min = max(self.k_min, len(self.semi_), 1)
        k_max = min(self.k_max, limite_k, max(k_min, n // 3))
        k_min = min(k_min, k_max)

        def punto(k: int) -> dict[str, float]:  # (BLAS is held at one thread by fit())
            stimatore, _ = self._adatta(matrice, k, self.random_state, minibatch=False, rapido=True)
            termini = self._termini_di(stimatore.components_)
            npmi = float(np.nanmean(npmi_temi(termini, conteggi, self.vettorizzatore_.vocabulary_)))
            return {"k": k, "npmi": npmi, "stabilita": self._stabilita(matrice, k, termini)}

        # Coarse to fine: every other k first, then the neighbours of the chosen k and of the most stable k
        # (the candidates' threshold follows the best stability), then the rule again on all k computed. Each
        # k's point does not depend on which other k are computed. Measured in analisi/temi/README.md.
        valori_k = list(range(k_min, k_max + 1))
        curva: dict[int, dict[str, float]] = {}
        self._calcola_punti(punto, valori_k[::PASSO_K], curva)
        scelto, piu_stabile = _scegli(curva)
        vicini = sorted({v for c in (scelto, piu_stabile) for v in (c - 1, c + 1)} & set(valori_k) - set(curva))
        self._calcola_punti(punto, vicini, curva)
        scelto, _ = _scegli(curva)
        return scelto, [curva[k] for k in sorted(curva)]

    def _calcola_punti(self, punto: Any, valori_k: list[int], curva: dict[int, dict[str, float]]) -> None:
        if not valori_k:
            return
        # Not in threads: there the curve differed between two runs on the same input (the sample corpus, in
        # CI), and themes must be identical on a re-run. Forked processes each compute a k exactly as here.
        from analisi.processi import core_disponibili  # (one count of usable cores, the runner's too)

        processi = min(len(valori_k), core_disponibili() if self.n_jobs == -1 else max(1, self.n_jobs or 1))
        if processi > 1 and "fork" in multiprocessing.get_all_start_methods():
            punti = in_processi(punto, valori_k, processi)
        else:
            punti = [punto(k) for k in valori_k]
        curva.update(zip(valori_k, punti, strict=True))

    # ---------------------------------------------------------------------------------------- quotes
    def _citazioni(self, testi: list[str], pesi: np.ndarray, citabili: Sequence[bool] | None
                   ) -> list[list[Citazione]]:
        def analizza(frasi: list[str]) -> tuple[list[list[str]], np.ndarray]:
            tokens = self.preprocessore_.transform(frasi)
            return tokens, self._pesi_da_token(tokens)

        return scegli_citazioni(testi, pesi, citabili, self.n_citazioni, analizza)

    # ------------------------------------------------------------------------------------- transform
    def _pesi_da_token(self, documenti: list[list[str]]) -> np.ndarray:
        conteggi = sparse.csr_matrix(self.vettorizzatore_.transform(documenti), dtype=np.float64)
        matrice = self._matrice(conteggi)
        vuoti = np.asarray(conteggi.sum(axis=1)).ravel() == 0
        pesi = self._raffina(normalizza(self.modello_.transform(matrice)), matrice, vuoti)[:, self.ordine_]
        pesi[vuoti] = 1.0 / self.k_
        return pesi

    def transform(self, X: Sequence[str]) -> np.ndarray:
        """Theme distribution of each text (rows sum to 1), without refitting: new stories, same themes."""
        self._verifica_adattato()
        with threadpool_limits(limits=1):
            return self._pesi_da_token(self.preprocessore_.transform(X))

    def assegna(self, X: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(main theme of each text, -1 when it has no usable word; distributions)."""
        self._verifica_adattato()
        with threadpool_limits(limits=1):
            documenti = self.preprocessore_.transform(X)
            pesi = self._pesi_da_token(documenti)
            conteggi = self.vettorizzatore_.transform(documenti)
        vuoti = np.asarray(conteggi.sum(axis=1)).ravel() == 0
        temi = np.where(vuoti, -1, np.argmax(pesi, axis=1))
        return temi, pesi

    def _verifica_adattato(self) -> None:
        if not hasattr(self, "modello_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("ModelloTemi is not fitted yet: call fit first")

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns: ``tema_0`` ... (one per theme)."""
        self._verifica_adattato()
        return np.array([f"tema_{i}" for i in range(self.k_)], dtype=object)

    # ------------------------------------------------------------------------------------- summary
    def termini_pesati(self) -> list[dict[str, float]]:
        """Each theme's top terms with weights (used to match themes between runs)."""
        return [dict(zip(t, p, strict=True)) for t, p in zip(self.termini_, self.pesi_termini_, strict=True)]

    def riepilogo(self, ids: Sequence[str] | None = None) -> dict[str, Any]:
        """Themes as plain data (labels, terms, quotes, prevalence, coherence) and how k was chosen.

        Args:
            ids: the fitted stories' identifiers, to name the quoted story (else its index).
        """
        self._verifica_adattato()
        temi = []
        diffusione: list[dict[str, object]] | None = getattr(self, "diffusione_", None)
        for j in range(self.k_):
            temi.append({
                "tema": j, "etichetta": self.etichette_[j],
                "termini": [[t, round(p, 6)] for t, p in zip(self.termini_[j], self.pesi_termini_[j], strict=True)],
                "prevalenza": round(float(self.prevalenza_[j]), 6),
                "coerenza_npmi": None if math.isnan(self.coerenza_[j]) else round(self.coerenza_[j], 4),
                "guidato": j < len(self.semi_),
                "diffusione_associazioni": diffusione[j] if diffusione is not None else None,
                "citazioni": [{"id": ids[c.documento] if ids is not None else c.documento, "inizio": c.inizio,
                               "fine": c.fine, "testo": c.testo, "peso": c.peso} for c in self.citazioni_[j]],
            })
        return {
            "algoritmo": "minibatch-" + self.algoritmo if self.minibatch_ else self.algoritmo,
            "k": self.k_, "k_richiesto": self.k, "random_state": self.random_state,
            "n_racconti": self.n_documenti_, "n_termini_vocabolario": len(self.termini_vocabolario_),
            "coerenza_npmi_media": round(self.coerenza_media_, 4),
            "stabilita": None if math.isnan(self.stabilita_) else round(self.stabilita_, 4),
            "scelta_k": [{c: (round(v, 4) if isinstance(v, float) else v) for c, v in r.items()}
                         for r in self.curva_k_],
            "frasi_multiparola": sorted(self.preprocessore_.frasi_.values()),
            "semi_ignorati": self.semi_ignorati_,
            "soglia_specificita": self.soglia_specificita,
            "termini_specifici_esclusi": len(getattr(self, "termini_specifici_", [])),
            "esempi_termini_specifici": [t for t, _ in getattr(self, "termini_specifici_", [])[:30]],
            "temi": temi,
        }

    # ---------------------------------------------------------------------------------- persistence
    def salva(self, percorso: str | Path) -> Path:
        """Save the fitted model (joblib pickle, without the spaCy pipeline). Load it only from trusted places."""
        import joblib

        self._verifica_adattato()
        percorso = Path(percorso)
        percorso.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, percorso, compress=3)
        return percorso


def carica_modello(percorso: str | Path) -> ModelloTemi:
    """Load a model saved by ``ModelloTemi.salva`` (a pickle: only from the data directory, never uploads)."""
    import joblib

    modello = joblib.load(Path(percorso))
    if not isinstance(modello, ModelloTemi):
        raise TypeError(f"{percorso} does not hold a ModelloTemi")
    return modello
