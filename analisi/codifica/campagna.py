"""Learning a campaign's language: choose what a person should label, and adapt the coder to their labels.

Two batch contracts (no database), used by ``narrazioni codifica scegli`` and ``codifica addestra --esempi``:

- :func:`scegli_unita` ranks units (``{"id","text"}``, each labelled as a whole) by how much the current
  coder needs them: uncertainty of each code at the unit level (the most likely sentence), proposta counted
  twice, then a greedy choice that trades uncertainty for diversity (maximal marginal relevance on TF-IDF).
- :class:`CodificatoreAdattato` keeps the shipped coder as a prior (its logit is a feature) and learns the
  campaign's words on top of it from the people's labels, one logistic regression per code. Units of several
  sentences are spread over sentences: a unit's code goes to its most likely sentence; the unit's other
  sentences are left out for that code (the person labelled the unit, not each sentence).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_curve
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.utils.validation import check_is_fitted

from analisi.codifica import regole
from analisi.codifica.codebook import CODICI, genitore
from analisi.codifica.forma import forma
from analisi.codifica.modello import FILE_MODELLO, CodificaFrase, CodificatoreFrasi, carica_codificatore
from analisi.frasi import dividi_frasi
from analisi.jsonl import ErroreRigaJsonl, UnitaEtichettata, leggi_jsonl
from archivio.errori import ErroreDati
from archivio.politiche import SOGLIA_CODICE

log = logging.getLogger(__name__)

PESO_PROPOSTA_SCELTA = 2.0  # proposals are what staff export: their uncertainty counts twice
LAMBDA_DIVERSITA = 0.5  # 0: pure uncertainty; 1: pure diversity
_EPS = 1e-4
MIN_POSITIVI_ADATTAMENTO = 8  # fewer labelled positive units and a code stays with the base (see verifica_cv)
GRIGLIA_C = (0.3, 1.0, 3.0, 10.0)  # C of the campaign-only model (impila), chosen by cross-validation
PESI_IMPILA = (0.0, 0.25, 0.5, 1.0, 2.0)  # weights of its decision value added to the base logit; 0: the base
RIPETIZIONI_CV = 3  # repeats of the grouped stratified 5-fold CV that choose them
MESCOLA = 0.5  # weight of the adapted logit against the base's (CodificatoreAdattato.mescola)
MIN_POSITIVI_SOGLIA = 5  # fewer labelled positives and a code kept from the base keeps the base's cut too


class ErroreModelloCampagna(ErroreDati, ValueError):
    """The folder given as a campaign model holds no coder."""


@dataclass(frozen=True)
class Esempio:
    """A unit labelled by a person: its text and its first-level codes (possibly none)."""

    id: str
    testo: str
    codici: frozenset[str]


def leggi_esempi(righe: Iterable[str]) -> list[Esempio]:
    """ESEMPI lines ``{"id","text","codes":[...]}``; unknown codes and malformed lines are input errors."""
    out = []
    for n, unita in leggi_jsonl(righe, UnitaEtichettata):
        sconosciuti = [c for c in unita.codes if c not in CODICI]
        if sconosciuti:
            raise ErroreRigaJsonl(n, f"codici sconosciuti {sconosciuti} (ammessi: {', '.join(CODICI)})")
        out.append(Esempio(unita.id, unita.text, frozenset(unita.codes)))
    return out


def _frasi(testo: str) -> list[str]:
    frasi = [testo[iv.inizio:iv.fine] for iv in dividi_frasi(testo)]
    return [f for f in frasi if f.strip()] or [testo]


def proba_unita(codificatore: Any, testi: Sequence[str]) -> np.ndarray:
    """Unit-level probabilities (n units, 4 codes): the maximum over the unit's sentences, as units are scored."""
    frasi, unita = [], []
    for i, t in enumerate(testi):
        for f in _frasi(t):
            frasi.append(f)
            unita.append(i)
    out = np.zeros((len(testi), len(CODICI)))
    if frasi:
        p = codificatore.predict_proba(frasi)
        np.maximum.at(out, np.asarray(unita), p)
    return out


def incertezza(proba: np.ndarray, soglia: float = SOGLIA_CODICE) -> np.ndarray:
    """Per-unit uncertainty: closeness of each code's probability to the threshold, proposta weighted more."""
    vicinanza = 1.0 - np.abs(proba - soglia) / max(soglia, 1 - soglia)
    pesi = np.array([PESO_PROPOSTA_SCELTA if c == "proposta" else 1.0 for c in CODICI])
    return np.asarray((vicinanza * pesi).sum(axis=1) / pesi.sum())


def scegli_unita(unita: Sequence[tuple[str, str]], n: int, codificatore: Any = None, *,
                 cartella_dati: Path | None = None, diversita: float = LAMBDA_DIVERSITA) -> list[int]:
    """Indices of the ``n`` units a person should label next (deterministic: ties go to input order)."""
    if n <= 0 or not unita:
        return []
    if codificatore is None:
        codificatore = carica_codificatore(cartella_dati)
    testi = [t for _, t in unita]
    u = incertezza(proba_unita(codificatore, testi), getattr(codificatore, "soglia", SOGLIA_CODICE))
    vettori = TfidfVectorizer(sublinear_tf=True, min_df=1, token_pattern=r"(?u)\b\w\w+\b").fit_transform(
        [regole.pulisci(t).lower() for t in testi])
    scelti: list[int] = []
    vicino = np.zeros(len(testi))  # highest similarity to a chosen unit
    disponibili = np.ones(len(testi), dtype=bool)
    for _ in range(min(n, len(testi))):
        punteggio = (1 - diversita) * u - diversita * vicino
        punteggio[~disponibili] = -np.inf
        i = int(np.argmax(punteggio))
        scelti.append(i)
        disponibili[i] = False
        sim = (vettori @ vettori[i].T).toarray().ravel()
        vicino = np.maximum(vicino, sim)
    return scelti


def _f1_migliore(y: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    """The best F1 over the cuts of decision values ``z`` and the cut that gives it."""
    precisione, richiamo, soglie = precision_recall_curve(y, z)
    f1 = 2 * precisione[:-1] * richiamo[:-1] / np.maximum(precisione[:-1] + richiamo[:-1], 1e-12)
    i = int(np.argmax(f1))
    return float(f1[i]), float(soglie[i])


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.asarray(np.log(p / (1 - p)))


class CodificatoreAdattato(BaseEstimator):
    """The shipped coder adapted to one campaign's labelled units.

    Per code, a logistic regression on the person's labels whose features are the base coder's logits, the
    base coder's own feature space (its word, character and form n-grams and rule features, vocabularies kept
    as trained: what it learned to look at stays, the campaign re-weighs it) and the campaign's words. Its
    label threshold is chosen on cross-validated predictions of the labels themselves (F1-best), so that a
    campaign where proposals are rare or common gets the cut that fits it.

    Args:
        base: the coder used as a prior (default: the shipped one); its first-level logits are features.
        C: inverse regularisation of the campaign's words (5: measured on held-out registers with 150 labels).
        usa_forma: also learn the campaign's form n-grams (:mod:`analisi.codifica.forma`; off: on 150 labels it
            helped political writing, +0.04 F1, and hurt tweets, -0.09).
        usa_matrice_base: also learn on the base coder's feature space (on: 150 labels chosen by
            :func:`scegli_unita`, proposta average precision on the rest of a held-out register rose from 0.40 to
            0.44 (politica), 0.25 to 0.29 (tweet), 0.52 to 0.56 (frasi); ``bench/codifica_apprendimento.py``).
        soglia_cv: choose each code's label threshold on 5-fold cross-validated predictions of the labels
            (F1-best), expressed as a logit shift so that ``soglia`` stays the label point.
        verifica_cv: keep the base for a code unless the cross-validated predictions of the labels rank them
            better (average precision) than the base's own probability: a code with a handful of positives
            (ansia in political writing) is not unlearned by a few labels. With fewer than ``min_positivi``
            positive units the base decides without the check (cross-validated AP of so few is noise).
        peso_base: scale of the base logit feature (large: the base is trusted until the labels disagree).
        soglia: probability from which a code is a label.
        impila: instead of one regression on the base's logit and features, a campaign-only model (word and
            character n-gram TF-IDF of the labelled sentences, C chosen by cross-validation) whose decision value
            is added to the base's logit with a weight chosen, with the cut, by repeated cross-validation of the
            labels (:meth:`_impilato`); weight 0 (the campaign model does not help out of fold) keeps the base
            with its cut re-fitted on the labels. Off: measured on held-out registers with 150 labels over three seeds,
            mean proposta F1 0.455 against 0.460 as shipped, +0.06 on frasi but -0.04 to -0.13 on fiction (model
            card, round 5).
        mescola: weight of the adapted logit against the base's in the final probability (every code:
            ``mescola * adapted + (1 - mescola) * base``; 1: the adaptation alone). 0.5: with 150 labels over three
            seeds, mean proposta F1 on four held-out registers 0.433 -> 0.453, tweets 0.26 -> 0.345 (base 0.351),
            where the cross-validated checks on the labels could not see the loss (model card, round 7).
        random_state: seed of the solvers and folds.
    """

    def __init__(self, base: Any = None, *, C: float = 5.0, peso_base: float = 1.0, usa_forma: bool = False,
                 usa_matrice_base: bool = True, soglia_cv: bool = True, verifica_cv: bool = True,
                 min_positivi: int = MIN_POSITIVI_ADATTAMENTO, soglia: float = SOGLIA_CODICE,
                 impila: bool = False, mescola: float = MESCOLA, random_state: int = 0) -> None:
        self.base = base
        self.mescola = mescola
        self.impila = impila
        self.C = C
        self.usa_forma = usa_forma
        self.usa_matrice_base = usa_matrice_base
        self.soglia_cv = soglia_cv
        self.verifica_cv = verifica_cv
        self.min_positivi = min_positivi
        self.peso_base = peso_base
        self.soglia = soglia
        self.random_state = random_state

    def _base(self, frasi: Sequence[str]) -> tuple[np.ndarray, sparse.csr_matrix | None]:
        """The base coder's probabilities and (when used and available) its feature matrix, computed once."""
        matrice = getattr(self.base_, "_matrice", None)
        if getattr(self, "usa_matrice_base", False) and matrice is not None and hasattr(self.base_, "_proba"):
            M = matrice(list(frasi), adatta=False)
            return np.asarray(self.base_._proba(M, list(frasi))), M
        return np.asarray(self.base_.predict_proba(list(frasi))), None

    def _caratteristiche(self, frasi: Sequence[str], p_base: np.ndarray,
                         M_base: sparse.csr_matrix | None = None) -> sparse.csr_matrix:
        testi = [regole.pulisci(f).lower() for f in frasi]
        blocchi = [sparse.csr_matrix(_logit(p_base) * self.peso_base), self.parole_.transform(testi)]
        forme = getattr(self, "forme_", None)
        if forme is not None:
            blocchi.append(forme.transform([forma(t) for t in testi]))
        if M_base is not None:
            blocchi.append(M_base)
        return sparse.hstack(blocchi).tocsr()

    def fit(self, esempi: Sequence[Esempio], y: Any = None) -> CodificatoreAdattato:
        """Learn from labelled units (``y`` is ignored: the codes are in the examples)."""
        if not esempi:
            raise ValueError("no labelled units")
        self.base_ = self.base if self.base is not None else carica_codificatore(None)
        frasi, unita = [], []
        for i, e in enumerate(esempi):
            for f in _frasi(e.testo):
                frasi.append(f)
                unita.append(i)
        unita_arr = np.asarray(unita)
        p_base, M_base = self._base(frasi)
        testi = [regole.pulisci(f).lower() for f in frasi]
        self.parole_ = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                                       token_pattern=r"(?u)\b\w+\b").fit(testi)
        self.forme_ = (TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True, token_pattern=r"\S+",
                                       lowercase=False).fit([forma(t) for t in testi]) if self.usa_forma else None)
        M = self._caratteristiche(frasi, p_base, M_base)
        self.classificatori_: dict[str, LogisticRegression] = {}
        self.spostamenti_: dict[str, float] = {}
        self.spostamenti_base_: dict[str, float] = {}
        self.impilati_: dict[str, tuple[LogisticRegression, float, float]] = {}
        if getattr(self, "impila", False):
            self.caratteri_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                              sublinear_tf=True).fit(testi)
            C_camp = self._campagna(testi)
        for j, c in enumerate(CODICI):
            positivo = np.array([c in esempi[u].codici for u in unita])
            # a positive unit lends its code to its most likely sentence; its other sentences stay out
            usa = ~positivo.copy()
            y_c = np.zeros(len(frasi), dtype=int)
            for u in np.unique(unita_arr[positivo]):
                righe = np.flatnonzero(unita_arr == u)
                migliore = righe[np.argmax(p_base[righe, j])]
                usa[migliore], y_c[migliore] = True, 1
            if y_c[usa].min() == y_c[usa].max():
                continue  # one class only: the base decides this code
            if getattr(self, "impila", False):
                self._adatta_impilato(c, y_c[usa], _logit(p_base[usa, j]), C_camp[usa], unita_arr[usa])
                continue
            z = self._previsioni_cv(M[usa], y_c[usa], unita_arr[usa]) if self.soglia_cv or self.verifica_cv \
                else None
            poche = y_c[usa].sum() < self.min_positivi
            if self.verifica_cv and (z is None or poche or average_precision_score(y_c[usa], z)
                                     < average_precision_score(y_c[usa], p_base[usa, j])):
                log.info("code %s: the base ranks the labels better than the adaptation; the base decides", c)
                if self.soglia_cv and y_c[usa].sum() >= MIN_POSITIVI_SOGLIA:  # its cut from the labels it never saw
                    self.spostamenti_base_[c] = self._spostamento(y_c[usa], _logit(p_base[usa, j]))
                continue
            self.classificatori_[c] = self._regressione().fit(M[usa], y_c[usa])
            if self.soglia_cv and z is not None:
                self.spostamenti_[c] = self._spostamento(y_c[usa], z)
        self.n_esempi_ = len(esempi)
        self.codici_ = tuple(CODICI)
        self.sottocodici_ = getattr(self.base_, "sottocodici_", ())
        return self

    def _campagna(self, testi: Sequence[str]) -> sparse.csr_matrix:
        """The campaign-only features of cleaned, lower-cased sentences: word 1-2-grams and character 2-5-grams."""
        return sparse.hstack([self.parole_.transform(testi), self.caratteri_.transform(testi)]).tocsr()

    def _adatta_impilato(self, c: str, y: np.ndarray, l_base: np.ndarray, X: sparse.csr_matrix,
                         gruppi: np.ndarray) -> None:
        """Fit code ``c`` as the base's logit plus a weighted campaign-only model (or the base alone)."""
        scelta = self._impilato(y, l_base, X, gruppi)
        if scelta is None:
            if self.soglia_cv and y.sum() >= MIN_POSITIVI_SOGLIA:
                self.spostamenti_base_[c] = self._spostamento(y, l_base)
            return
        peso, C, spostamento = scelta
        if peso == 0.0:
            log.info("code %s: out of fold the campaign model does not help; the base decides", c)
            self.spostamenti_base_[c] = spostamento
            return
        lr = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear",
                                random_state=self.random_state).fit(X, y)
        self.impilati_[c] = (lr, peso, spostamento)

    def _impilato(self, y: np.ndarray, l_base: np.ndarray, X: sparse.csr_matrix,
                  gruppi: np.ndarray) -> tuple[float, float, float] | None:
        """(weight, C, logit shift) chosen by repeated grouped stratified CV; ``None`` with too few labels.

        C is the one whose out-of-fold decision values rank the labels best (average precision); the weight
        of those values added to the base's logit, and the cut, the F1-best out of fold (mean over repeats).
        """
        k = int(min(5, y.sum(), len(y) - y.sum()))
        if k < 2 or y.sum() < self.min_positivi:
            return None
        oof: dict[float, list[np.ndarray]] = {C: [] for C in GRIGLIA_C}
        for r in range(RIPETIZIONI_CV):
            pieghe = list(StratifiedGroupKFold(k, shuffle=True, random_state=self.random_state + r).split(X, y, gruppi))
            if any(y[a].min() == y[a].max() for a, _ in pieghe):
                return None
            for C in GRIGLIA_C:
                z = np.zeros(len(y))
                for a, b in pieghe:
                    z[b] = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear",
                                              random_state=self.random_state).fit(X[a], y[a]).decision_function(X[b])
                oof[C].append(z)
        C = max(GRIGLIA_C, key=lambda C: np.mean([average_precision_score(y, z) for z in oof[C]]))
        f1 = np.zeros((len(PESI_IMPILA), len(oof[C])))
        tagli = np.zeros_like(f1)
        for i, peso in enumerate(PESI_IMPILA):
            for r, z in enumerate(oof[C]):
                f1[i, r], tagli[i, r] = _f1_migliore(y, l_base + peso * z)
        i = int(np.argmax(f1.mean(axis=1)))  # ties: the first, weight 0 (the base)
        return PESI_IMPILA[i], C, float(_logit(np.array([self.soglia]))[0] - np.median(tagli[i]))

    def _regressione(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000, solver="liblinear",
                                  random_state=self.random_state)

    def _previsioni_cv(self, M: sparse.csr_matrix, y: np.ndarray, gruppi: np.ndarray) -> np.ndarray | None:
        """Cross-validated decision values of the labels (folds by unit); ``None`` with too few of a class."""
        k = int(min(5, y.sum(), len(y) - y.sum()))
        if k < 2:
            return None
        z = np.zeros(len(y))
        for a, b in StratifiedGroupKFold(k, shuffle=True, random_state=self.random_state).split(M, y, gruppi):
            if y[a].min() == y[a].max():
                return None
            z[b] = self._regressione().fit(M[a], y[a]).decision_function(M[b])
        return z

    def _spostamento(self, y: np.ndarray, z: np.ndarray) -> float:
        """Logit shift that puts the F1-best threshold of cross-validated predictions ``z`` at ``soglia``."""
        precisione, richiamo, soglie = precision_recall_curve(y, z)
        f1 = 2 * precisione[:-1] * richiamo[:-1] / np.maximum(precisione[:-1] + richiamo[:-1], 1e-12)
        return float(_logit(np.array([self.soglia]))[0] - soglie[int(np.argmax(f1))])

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """First-level probabilities per sentence (columns ``codici_``)."""
        check_is_fitted(self, "classificatori_")
        X = list(X)
        if not X:
            return np.zeros((0, len(CODICI)))
        p_base, M_base = self._base(X)
        out = np.array(p_base, copy=True)
        for c, spostamento in getattr(self, "spostamenti_base_", {}).items():
            j = CODICI.index(c)
            out[:, j] = 1 / (1 + np.exp(-(_logit(p_base[:, j]) + spostamento)))
        impilati = getattr(self, "impilati_", {})
        if impilati:
            Xc = self._campagna([regole.pulisci(f).lower() for f in X])
            for c, (lr, peso, spostamento) in impilati.items():
                j = CODICI.index(c)
                z = _logit(p_base[:, j]) + peso * lr.decision_function(Xc) + spostamento
                out[:, j] = 1 / (1 + np.exp(-z))
        if self.classificatori_:
            M = self._caratteristiche(X, p_base, M_base)
            for j, c in enumerate(CODICI):
                if c in self.classificatori_:
                    z = self.classificatori_[c].decision_function(M) + getattr(self, "spostamenti_", {}).get(c, 0.0)
                    out[:, j] = 1 / (1 + np.exp(-z))
        w = getattr(self, "mescola", 1.0)  # models saved before it: the adaptation alone
        if w < 1.0:
            out = 1 / (1 + np.exp(-(w * _logit(out) + (1 - w) * _logit(p_base))))
        return out

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return (self.predict_proba(X) >= self.soglia).astype(int)

    def codifica(self, X: Sequence[str]) -> list[CodificaFrase]:
        """Like :meth:`CodificatoreFrasi.codifica`: first-level codes adapted, second-level ones from the base."""
        X = list(X)
        proba = self.predict_proba(X)
        base = self.base_.codifica(X)
        out = []
        for i, b in enumerate(base):
            codici = {c: round(float(proba[i, j]), 4) for j, c in enumerate(CODICI)}
            etichette = [c for c in CODICI if codici[c] >= self.soglia]
            etichette += [s for s in b.etichette if "." in s and genitore(s) in etichette]
            out.append(CodificaFrase(codici, b.sottocodici, etichette))
        return out

    @property
    def autore(self) -> str:
        return f"adattato@{getattr(self.base_, 'autore', 'base')}+{getattr(self, 'n_esempi_', 0)}"

    def salva(self, cartella: Path) -> Path:
        """Save the complete model (base included) as ``DIR/codificatore.joblib``."""
        import joblib
        import sklearn

        check_is_fitted(self, "classificatori_")
        cartella = Path(cartella)
        cartella.mkdir(parents=True, exist_ok=True)
        self.info_ = {"sklearn": sklearn.__version__, "esempi": self.n_esempi_}
        percorso = cartella / FILE_MODELLO
        joblib.dump(self, percorso, compress=3)
        return percorso


def carica_modello(cartella: Path | None, cartella_dati: Path | None = None) -> Any:
    """The coder in ``cartella`` (written by ``codifica addestra --esempi``), else the district's/shipped one."""
    if cartella is None:
        return carica_codificatore(cartella_dati)
    import joblib

    percorso = Path(cartella) / FILE_MODELLO
    if not percorso.is_file():
        raise ErroreModelloCampagna(f"nessun modello in {cartella}: addestrane uno con "
                                    "'narrazioni codifica addestra --esempi'")
    modello = joblib.load(percorso)
    if not isinstance(modello, CodificatoreAdattato | CodificatoreFrasi):
        raise ErroreModelloCampagna(f"{percorso} non contiene un codificatore: indica la cartella scritta da "
                                    "'narrazioni codifica addestra --esempi'")
    return modello


def addestra_esempi(esempi: Sequence[Esempio], cartella: Path, *, cartella_dati: Path | None = None) -> Path:
    """Adapt the shipped (or district's) coder to ``esempi`` and write the complete model to ``cartella``."""
    modello = CodificatoreAdattato(base=carica_codificatore(cartella_dati)).fit(esempi)
    return modello.salva(cartella)
