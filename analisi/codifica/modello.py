"""The hybrid sentence coder: TF-IDF word and character n-grams plus rule features, one calibrated
logistic regression per code (one-vs-rest, multi-label), and second-level codes conditional on their parent.

Conventions follow scikit-learn: ``__init__`` only stores parameters, ``fit`` returns ``self``, learned
attributes end with ``_``, ``random_state`` makes every run identical. ``nlp`` (a spaCy pipeline) is a
run-time resource: it is never saved with the model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import MaxAbsScaler
from sklearn.utils.validation import check_is_fitted

from analisi.codifica import regole
from analisi.codifica.codebook import CODICI, SOTTOCODICI, TUTTI_SOTTOCODICI, genitore
from analisi.codifica.forma import forma
from analisi.codifica.struttura import NOMI_STRUTTURA, matrice_struttura
from archivio.politiche import SOGLIA_CODICE

log = logging.getLogger(__name__)

CARTELLA_PREDEFINITO = Path(__file__).resolve().parent / "modello_predefinito"
FILE_MODELLO = "codificatore.joblib"
# Calibrated probability at which each code becomes a label on an unseen register (vita_quotidiana, ansia,
# preoccupazione_futuro, proposta), chosen on cross-register predictions of the real development set
# (python -m analisi.codifica.valuta reale) together with SPOSTAMENTO_DESIDERIO; see MODEL_CARD.md.
PUNTI_DECISIONE: tuple[float, ...] = (0.5, 0.3, 0.5, 0.22)
# Logit taken from proposta when a sentence voices a wish with nobody asked to act; with it, proposta's decision
# point could go from 0.35 to 0.22 (cross-register mean F1 0.35 -> 0.42, wishes taken for proposals 9 % -> 5 %).
SPOSTAMENTO_DESIDERIO = 4.0


@dataclass(frozen=True)
class CodificaFrase:
    """The coding of one sentence: a probability per code and per second-level code, and the labels."""

    codici: dict[str, float]
    sottocodici: dict[str, float]
    etichette: list[str]


class CodificatoreFrasi(BaseEstimator):
    """Multi-label sentence coder for the seed codebook (rules + calibrated logistic regression).

    Args:
        C: inverse regularisation of the logistic regressions.
        usa_testo: use TF-IDF word (1-2) and character (see ``ngrammi_caratteri``) n-grams.
        usa_regole: use the rule features of :mod:`analisi.codifica.regole`.
        peso_regole: scale of the rule features against the TF-IDF ones.
        usa_forma: use word 1-3-grams of the sentence's form (:mod:`analisi.codifica.forma`): how it asks,
            wishes or worries whatever its topic; they transfer across registers.
        peso_forma: scale of the form n-grams.
        usa_struttura: use the structure features of :mod:`analisi.codifica.struttura` (mood, tense and person
            of the verbs, modal verbs with their subject person, imperatives, list items) from spaCy's
            morphology: ``nlp`` when it has a morphologizer, else the shipped pipeline (loaded once).
        peso_struttura: scale of the structure features.
        codici_struttura: the first-level codes whose classifier sees the structure features (the others, and
            every second-level code, see the other blocks only): they were designed for, and measured to help,
            proposta; on ansia they lowered the corpus folds' F1 (MODEL_CARD.md, round 6).
        ngrammi_caratteri: range of the character n-grams (within words), ``None`` for none.
        calibrazione: ``"sigmoid"``, ``"isotonic"`` or ``None`` (raw logistic probabilities).
        cv_calibrazione: folds of the calibration.
        soglia: probability from which a code becomes a label.
        punti_decisione: per first-level code, the calibrated probability at which a code should become a label
            on text of an unseen register (chosen on cross-register predictions of the real development set,
            ``python -m analisi.codifica.valuta reale``); probabilities are re-expressed for that prior
            (logit shift) so that this point is ``soglia``. ``None``: no shift.
        spostamento_desiderio: logit subtracted from proposta for a sentence that voices a wish with nobody asked
            to act (:func:`analisi.codifica.regole.desiderio_senza_richiesta`): real wishes ("spero che finisca",
            "vorrei tornare a ballare") are not proposals, and the classifier alone weighs the cue too little.
            Chosen with ``punti_decisione`` on cross-register predictions (MODEL_CARD.md).
        min_positivi_sotto: fewer positive examples than this and a second-level code falls back to the rules.
        random_state: seed of every random choice.
        nlp: optional spaCy pipeline with a morphologizer (mood and tense); not saved.
    """

    def __init__(self, *, C: float = 2.0, usa_testo: bool = True, usa_regole: bool = True,
                 peso_regole: float = 0.5, usa_forma: bool = True, peso_forma: float = 1.0,
                 usa_struttura: bool = False, peso_struttura: float = 1.0,
                 codici_struttura: tuple[str, ...] = ("proposta",),
                 ngrammi_caratteri: tuple[int, int] | None = (3, 5),
                 calibrazione: str | None = "sigmoid", cv_calibrazione: int = 3,
                 soglia: float = SOGLIA_CODICE, punti_decisione: tuple[float, ...] | None = None,
                 spostamento_desiderio: float = 0.0, min_positivi_sotto: int = 4,
                 random_state: int = 0, nlp: Any = None) -> None:
        self.C = C
        self.usa_testo = usa_testo
        self.usa_regole = usa_regole
        self.peso_regole = peso_regole
        self.usa_forma = usa_forma
        self.peso_forma = peso_forma
        self.usa_struttura = usa_struttura
        self.peso_struttura = peso_struttura
        self.codici_struttura = codici_struttura
        self.ngrammi_caratteri = ngrammi_caratteri
        self.calibrazione = calibrazione
        self.cv_calibrazione = cv_calibrazione
        self.soglia = soglia
        self.punti_decisione = punti_decisione
        self.spostamento_desiderio = spostamento_desiderio
        self.min_positivi_sotto = min_positivi_sotto
        self.random_state = random_state
        self.nlp = nlp

    def __getstate__(self) -> dict[str, Any]:
        stato = dict(super().__getstate__())  # object.__getstate__ returns the live __dict__
        stato["nlp"] = None  # a spaCy pipeline is a run-time resource, never pickled with the model
        return stato

    # --- features ----------------------------------------------------------------------------------
    def _testi(self, X: Sequence[str]) -> list[str]:
        return [regole.pulisci(x).lower() for x in X]

    def _matrice(self, X: Sequence[str], *, adatta: bool, regole_: np.ndarray | None = None) -> sparse.csr_matrix:
        blocchi = []
        testi = self._testi(X)
        if self.usa_testo:
            if adatta:
                self.parole_ = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                               token_pattern=r"(?u)\b\w+\b")
                blocchi.append(self.parole_.fit_transform(testi))
                self.caratteri_ = None
                if self.ngrammi_caratteri:
                    self.caratteri_ = TfidfVectorizer(analyzer="char_wb", ngram_range=self.ngrammi_caratteri,
                                                      min_df=2, sublinear_tf=True, max_features=30000)
                    blocchi.append(self.caratteri_.fit_transform(testi))
            else:
                blocchi.append(self.parole_.transform(testi))
                if self.caratteri_ is not None:
                    blocchi.append(self.caratteri_.transform(testi))
        if getattr(self, "usa_forma", False):  # models saved before the form block have no such attribute
            forme = [forma(x) for x in testi]
            if adatta:
                self.forme_ = TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True, token_pattern=r"\S+",
                                              lowercase=False)
                blocchi.append(self.forme_.fit_transform(forme) * self.peso_forma)
            else:
                blocchi.append(self.forme_.transform(forme) * self.peso_forma)
        struttura = getattr(self, "usa_struttura", False)  # models saved before the structure block have none
        morfologia = regole.ha_morfologizzatore(self.nlp)
        docs = None
        if struttura and morfologia and self.usa_regole and regole_ is None:  # both blocks read one parse
            docs = list(self.nlp.pipe([regole.pulisci(x) for x in X], batch_size=256))
        if self.usa_regole:
            r = regole.matrice_caratteristiche(X, self.nlp, docs=docs) if regole_ is None else regole_
            if adatta:
                self.scala_ = MaxAbsScaler().fit(r)
            blocchi.append(sparse.csr_matrix(self.scala_.transform(r) * self.peso_regole))
        if adatta:
            self.colonne_senza_struttura_ = int(sum(b.shape[1] for b in blocchi))
        if struttura:
            s = matrice_struttura(X, self.nlp if morfologia else None, docs=docs)
            if adatta:
                self.scala_struttura_ = MaxAbsScaler().fit(s)
            blocchi.append(sparse.csr_matrix(self.scala_struttura_.transform(s) * self.peso_struttura))
        return sparse.hstack(blocchi).tocsr()

    def _colonne(self, M: sparse.csr_matrix, codice: str) -> sparse.csr_matrix:
        """The columns of ``M`` the classifier of ``codice`` sees: without the structure block (the last one)
        unless the code is in ``codici_struttura``."""
        if not getattr(self, "usa_struttura", False) or codice in self.codici_struttura:
            return M
        return M[:, :self.colonne_senza_struttura_]

    def _classificatore(self, y: np.ndarray) -> Any:
        base = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000, solver="liblinear",
                                  random_state=self.random_state)
        minimo = int(min(y.sum(), len(y) - y.sum()))
        if self.calibrazione and minimo >= self.cv_calibrazione:
            cv = StratifiedKFold(self.cv_calibrazione, shuffle=True, random_state=self.random_state)
            # ensemble=False: one regression on all data, calibrated on cross-validated scores (a third of the
            # size and time of an ensemble, same quality on the corpus folds).
            return CalibratedClassifierCV(base, method=self.calibrazione, cv=cv, ensemble=False)
        return base

    # --- training ----------------------------------------------------------------------------------
    def fit(self, X: Sequence[str], Y: Sequence[Iterable[str]],
            sample_weight: Sequence[float] | None = None) -> CodificatoreFrasi:
        """Train on sentences ``X`` and their label sets ``Y`` (codes and "parent.child" codes)."""
        X = list(X)
        insiemi = [set(y) | {genitore(c) for c in y} for y in Y]
        if len(X) != len(insiemi) or not X:
            raise ValueError("X and Y must be non-empty and of the same length")
        pesi = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        M = self._matrice(X, adatta=True)
        self.codici_ = tuple(CODICI)
        self.classificatori_: dict[str, Any] = {}
        self.costanti_: dict[str, float] = {}
        for c in self.codici_:
            y = np.array([int(c in s) for s in insiemi])
            if y.min() == y.max():  # a code never (or always) seen: a constant, not a model
                self.costanti_[c] = float(y[0])
                continue
            self.classificatori_[c] = self._classificatore(y).fit(self._colonne(M, c), y, sample_weight=pesi)
        self.sottocodici_ = tuple(TUTTI_SOTTOCODICI)
        self.classificatori_sotto_: dict[str, Any] = {}
        for padre, figli in SOTTOCODICI.items():
            righe = np.array([i for i, s in enumerate(insiemi) if padre in s], dtype=int)
            for figlio in figli:
                nome = f"{padre}.{figlio}"
                y = np.array([int(nome in insiemi[i]) for i in righe])
                if len(righe) == 0 or y.sum() < self.min_positivi_sotto or (len(y) - y.sum()) < 2:
                    continue
                lr = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000, solver="liblinear",
                                        random_state=self.random_state)
                self.classificatori_sotto_[nome] = lr.fit(self._colonne(M, nome)[righe], y, sample_weight=pesi[righe])
        self.n_esempi_ = len(X)
        self.impronta_ = self._calcola_impronta(X, insiemi, pesi)
        self.info_: dict[str, Any] = {"esempi": len(X), "positivi": {c: int(sum(c in s for s in insiemi))
                                                                     for c in (*CODICI, *TUTTI_SOTTOCODICI)},
                                 "morfologia": regole.ha_morfologizzatore(self.nlp),
                                 "regole": list(regole.NOMI_CARATTERISTICHE),
                                 "struttura": list(NOMI_STRUTTURA) if self.usa_struttura else []}
        return self

    def _calcola_impronta(self, X: list[str], insiemi: list[set[str]], pesi: np.ndarray) -> str:
        h = hashlib.sha256()
        parametri = {k: v for k, v in self.get_params().items() if k != "nlp"}
        h.update(json.dumps(parametri, sort_keys=True, default=str).encode())
        for x, s, p in zip(X, insiemi, pesi, strict=True):
            h.update(f"{x}\t{','.join(sorted(s))}\t{p:.3f}\n".encode())
        return h.hexdigest()[:12]

    @property
    def autore(self) -> str:
        """Name recorded as ``autore`` of the model's codes: changes whenever the model is retrained."""
        return f"codificatore@{getattr(self, 'impronta_', 'non-addestrato')}"

    # --- prediction ---------------------------------------------------------------------------------
    def _verifica(self) -> None:
        check_is_fitted(self, "codici_", msg="CodificatoreFrasi is not fitted: call fit() or carica()")

    def _proba(self, M: sparse.csr_matrix, testi: Sequence[str] | None = None) -> np.ndarray:
        """Probabilities from the feature matrix; ``testi`` (the sentences of ``M``) enable the wish shift."""
        out = np.zeros((M.shape[0], len(self.codici_)))
        for j, c in enumerate(self.codici_):
            if c in self.classificatori_:
                out[:, j] = self.classificatori_[c].predict_proba(self._colonne(M, c))[:, 1]
            else:
                out[:, j] = self.costanti_.get(c, 0.0)
        punti = getattr(self, "punti_decisione", None)
        if punti is not None:
            p = np.clip(out, 1e-6, 1 - 1e-6)
            spostamento = np.log(self.soglia / (1 - self.soglia)) - np.log(np.asarray(punti) / (1 - np.asarray(punti)))
            out = 1 / (1 + np.exp(-(np.log(p / (1 - p)) + spostamento)))
        delta = getattr(self, "spostamento_desiderio", 0.0)  # models saved before it have none
        if delta and testi is not None and "proposta" in self.codici_:
            desideri = np.array([regole.desiderio_senza_richiesta(t) for t in testi], dtype=bool)
            if desideri.any():
                j = self.codici_.index("proposta")
                p = np.clip(out[desideri, j], 1e-6, 1 - 1e-6)
                out[desideri, j] = 1 / (1 + np.exp(-(np.log(p / (1 - p)) - delta)))
        return out

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Probabilities of the first-level codes, shape (n sentences, 4), columns ``codici_``."""
        self._verifica()
        X = list(X)
        if not X:
            return np.zeros((0, len(self.codici_)))
        return self._proba(self._matrice(X, adatta=False), X)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """0/1 labels of the first-level codes (probability >= ``soglia``)."""
        return (self.predict_proba(X) >= self.soglia).astype(int)

    def predict_proba_sottocodici(self, X: Sequence[str], proba: np.ndarray | None = None) -> np.ndarray:
        """Probabilities of the second-level codes: P(parent) x P(child | parent), columns ``sottocodici_``."""
        self._verifica()
        X = list(X)
        if not X:
            return np.zeros((0, len(self.sottocodici_)))
        caratt = regole.matrice_caratteristiche(X, self.nlp)
        M = self._matrice(X, adatta=False, regole_=caratt)
        return self._sottocodici(M, self._proba(M, X) if proba is None else proba, caratt)

    def _sottocodici(self, M: sparse.csr_matrix, proba: np.ndarray, caratt: np.ndarray) -> np.ndarray:
        out = np.zeros((M.shape[0], len(self.sottocodici_)))
        for i, riga in enumerate(caratt):
            r = regole.sottocodici_regole(dict(zip(regole.NOMI_CARATTERISTICHE, riga, strict=True)))
            for j, nome in enumerate(self.sottocodici_):
                out[i, j] = r[nome]
        for j, nome in enumerate(self.sottocodici_):
            if nome in self.classificatori_sotto_:
                out[:, j] = self.classificatori_sotto_[nome].predict_proba(self._colonne(M, nome))[:, 1]
            out[:, j] *= proba[:, self.codici_.index(genitore(nome))]
        return out

    def codifica(self, X: Sequence[str]) -> list[CodificaFrase]:
        """Code sentences: probabilities rounded to 4 decimals and the labels above ``soglia``.

        A second-level code is a label when its parent is one and its joint probability is at least half
        the parent's (the most likely child is always kept).
        """
        X = list(X)
        if not X:
            return []
        self._verifica()
        caratt = regole.matrice_caratteristiche(X, self.nlp)  # once: the costly part of coding
        M = self._matrice(X, adatta=False, regole_=caratt)
        proba = self._proba(M, X)
        sotto = self._sottocodici(M, proba, caratt)
        out = []
        for i in range(len(X)):
            codici = {c: round(float(proba[i, j]), 4) for j, c in enumerate(self.codici_)}
            sottocodici = {s: round(float(sotto[i, j]), 4) for j, s in enumerate(self.sottocodici_)}
            etichette = [c for c in self.codici_ if codici[c] >= self.soglia]
            for padre in etichette:
                figli = {s: p for s, p in sottocodici.items() if genitore(s) == padre}
                if figli:
                    migliore = max(figli, key=lambda s: figli[s])
                    etichette += [s for s, p in figli.items()
                                  if s == migliore or p >= 0.5 * codici[padre]]
            out.append(CodificaFrase(codici, sottocodici, etichette))
        return out

    # --- persistence --------------------------------------------------------------------------------
    def salva(self, percorso: Path) -> Path:
        """Save the fitted model (joblib, compressed) with the library versions it was trained with."""
        import joblib
        import sklearn

        self._verifica()
        percorso = Path(percorso)
        percorso.parent.mkdir(parents=True, exist_ok=True)
        self.info_["sklearn"] = sklearn.__version__
        self.info_["numpy"] = np.__version__
        joblib.dump(self, percorso, compress=3)
        return percorso

    @classmethod
    def carica(cls, percorso: Path, *, nlp: Any = None) -> CodificatoreFrasi:
        """Load a model saved by :meth:`salva`; ``nlp`` re-attaches a spaCy pipeline."""
        import joblib

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # version mismatches are checked below, by us
            modello = joblib.load(percorso)
        if not isinstance(modello, cls):
            raise TypeError(f"{percorso} does not hold a CodificatoreFrasi")
        modello.nlp = nlp
        return modello


def versione_compatibile(modello: CodificatoreFrasi) -> bool:
    """True when the model was saved with the installed scikit-learn and the current rule features (a model
    from before a rule was added would see one feature too many)."""
    import sklearn

    base: Any = getattr(modello, "base_", modello)  # a campaign's adapted coder: check the coder inside it
    struttura = list(NOMI_STRUTTURA) if getattr(base, "usa_struttura", False) else []
    return bool(modello.info_.get("sklearn") == sklearn.__version__
                and base.info_.get("regole") == list(regole.NOMI_CARATTERISTICHE)
                and base.info_.get("struttura", []) == struttura)


def codificatore_spedito(nlp: Any = None) -> CodificatoreFrasi:
    """An unfitted coder configured as the shipped one (structure features, decision points and the wish
    shift)."""
    return CodificatoreFrasi(nlp=nlp, usa_struttura=True, punti_decisione=PUNTI_DECISIONE,
                             spostamento_desiderio=SPOSTAMENTO_DESIDERIO)


def addestra_predefinito(*, salva: bool = True, nlp: Any = None) -> CodificatoreFrasi:
    """Train the default model on the corpus gold and the real development set (and save it inside the package
    when ``salva``).

    Rebuild command: ``python -m analisi.codifica.addestra --predefinito``.
    """
    from analisi.codifica.dati import carica_oro
    from analisi.codifica.reale import carica_reali

    oro = carica_oro()
    if not oro:
        raise FileNotFoundError("corpus/gold_codici.jsonl is missing: build it with `python corpus/costruisci.py`")
    from analisi.codifica.valuta_reale import peso_addestramento

    esempi = oro + carica_reali()  # the real development set when ../shared is there (see corpus/reale)
    modello = codificatore_spedito(nlp).fit(
        [f.testo for f in esempi], [f.codici for f in esempi], sample_weight=[peso_addestramento(f) for f in esempi])
    if salva:
        modello.salva(CARTELLA_PREDEFINITO / FILE_MODELLO)
    return modello


def carica_codificatore(cartella_dati: Path | None = None, *, nlp: Any = None) -> CodificatoreFrasi:
    """The coder to use: the district's retrained model if present, else the one shipped in the package.

    ``<cartella_dati>/modelli/codificatore.joblib`` is written by ``narrazioni codifica addestra``. A model
    saved with another scikit-learn version is retrained from the corpus gold when the corpus is available.
    """
    candidati = []
    if cartella_dati is not None:
        candidati.append(Path(cartella_dati) / "modelli" / FILE_MODELLO)
    candidati.append(CARTELLA_PREDEFINITO / FILE_MODELLO)
    for percorso in candidati:
        if not percorso.is_file():
            continue
        modello = CodificatoreFrasi.carica(percorso, nlp=nlp)
        if versione_compatibile(modello):
            return modello
        log.warning("%s was saved with scikit-learn %s: retraining from the corpus gold", percorso,
                    modello.info_.get("sklearn"))
        try:
            return addestra_predefinito(salva=False, nlp=nlp)
        except FileNotFoundError:
            return modello
    return addestra_predefinito(salva=False, nlp=nlp)
