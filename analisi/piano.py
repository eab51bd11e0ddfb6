"""Piano di Zona mapping: every proposal sentence gets the best area and scheda of an editable taxonomy.

The taxonomy is a TOML file (``analisi/tassonomie/piano_regionale_carpi.toml`` by default; a district
points the setting ``piano.tassonomia`` to its own). A sentence is compared with each scheda's document
(name, description, seed terms, and its area's description) in three ways:

* lexical: TF-IDF cosine on lemmas (simplemma), stop words removed;
* character n-grams (3-5, within words): catches inflections and compounds the lemmatiser misses;
* "semantic": LSA (truncated SVD of the lemma TF-IDF) fitted on a background of the corpus's sentences,
  so that words that occur in the same stories end up close ("tablet" ~ "videochiamate" ~ "connessione").

Labelled examples (the corpus gold areas shipped with the package, and the staff's confirmations and
corrections stored with fonte="umano") act as nearest-neighbour prototypes: the mean similarity of the k
most similar examples of an area (or scheda) is added to its score. Everything is deterministic.

Confidence (issue 11): the area scores become probabilities by a softmax whose temperature was fitted on
held-out data (log loss on the real development set's proposals with an area and on the corpus gold out of
fold: :func:`valuta_aree`), so ``punteggio`` reads as "how often an area given with this confidence is right".
Below ``SOGLIA_AREA`` the area is "da assegnare" (:meth:`AssegnazionePiano.da_assegnare`); the two likeliest
areas are always kept. A scheda is given only when the best scheda of the whole taxonomy lies in the chosen
area: an area chosen by its examples alone gets no scheda rather than an arbitrary one.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from analisi.anonimizzazione.segnaposto import SEGNAPOSTO_RE
from archivio.errori import ErroreConfigurazione
from archivio.impostazioni import predefinito

log = logging.getLogger(__name__)

SOGLIA_AREA: float = predefinito("piano.soglia_area")  # the setting's default: below it the area is "da assegnare"

CARTELLA_TASSONOMIE = Path(__file__).resolve().parent / "tassonomie"
TASSONOMIA_PREDEFINITA = CARTELLA_TASSONOMIE / "piano_regionale_carpi.toml"
FILE_BASE = Path(__file__).resolve().parent / "codifica" / "modello_predefinito" / "piano_base.json.gz"


class ErroreTassonomia(ErroreConfigurazione, ValueError):
    """The taxonomy file is malformed (message says where)."""


@dataclass(frozen=True)
class Scheda:
    codice: str
    nome: str
    descrizione: str
    termini: tuple[str, ...]
    area: str


@dataclass(frozen=True)
class Area:
    codice: str
    nome: str
    descrizione: str
    termini: tuple[str, ...]
    schede: tuple[Scheda, ...]


@dataclass(frozen=True)
class Tassonomia:
    """Areas and schede of a Piano di Zona, as read from a TOML file."""

    nome: str
    versione: str
    aree: tuple[Area, ...]
    percorso: str | None = None

    @property
    def schede(self) -> tuple[Scheda, ...]:
        return tuple(s for a in self.aree for s in a.schede)

    def area(self, codice: str) -> Area:
        for a in self.aree:
            if a.codice == codice:
                return a
        raise KeyError(codice)

    def scheda(self, codice: str) -> Scheda:
        for s in self.schede:
            if s.codice == codice:
                return s
        raise KeyError(codice)


def carica_tassonomia(percorso: Path | str | None = None) -> Tassonomia:
    """Read and check a taxonomy file (default: the regional plan with the Carpi schede)."""
    percorso = Path(percorso) if percorso else TASSONOMIA_PREDEFINITA
    try:
        with open(percorso, "rb") as f:
            dati = tomllib.load(f)
    except FileNotFoundError:
        raise ErroreTassonomia(f"file della tassonomia non trovato: {percorso}") from None
    except tomllib.TOMLDecodeError as e:
        raise ErroreTassonomia(f"{percorso}: non è un TOML valido: {e}") from None
    testa = dati.get("tassonomia", {})
    aree: list[Area] = []
    visti: set[str] = set()
    for i, a in enumerate(dati.get("aree", [])):
        dove = f"{percorso.name}: aree[{i}]"
        for campo in ("codice", "nome", "descrizione"):
            if not str(a.get(campo, "")).strip():
                raise ErroreTassonomia(f"{dove}: manca '{campo}'")
        codice_area = str(a["codice"])
        schede = []
        for j, s in enumerate(a.get("schede", [])):
            for campo in ("codice", "nome", "descrizione"):
                if not str(s.get(campo, "")).strip():
                    raise ErroreTassonomia(f"{dove}.schede[{j}]: manca '{campo}'")
            schede.append(Scheda(str(s["codice"]), s["nome"], s["descrizione"],
                                 tuple(str(t) for t in s.get("termini", [])), codice_area))
        aree.append(Area(codice_area, a["nome"], a["descrizione"], tuple(str(t) for t in a.get("termini", [])),
                         tuple(schede)))
        for c in [codice_area, *(s.codice for s in schede)]:
            if c in visti:
                raise ErroreTassonomia(f"{dove}: il codice {c!r} è usato due volte")
            visti.add(c)
    if not aree:
        raise ErroreTassonomia(f"{percorso.name}: nessuna area ([[aree]]): aggiungine almeno una")
    return Tassonomia(str(testa.get("nome", percorso.stem)), str(testa.get("versione", "")), tuple(aree),
                      str(percorso))


# --- text normalisation ----------------------------------------------------------------------------
_PAROLA = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_ELISIONE = re.compile(r"^(?:l|un|dell|all|dall|nell|sull|d|c|s|m|t|v|quest|quell|po)['’]", re.IGNORECASE)
_STOP_EXTRA = {"essere", "avere", "fare", "potere", "dovere", "volere", "servire", "bisognare", "chiedere",
               "proporre", "piacere", "sembrare", "anche", "così", "magari", "almeno", "solo", "sempre",
               "comune", "cosa", "quando", "dopo", "prima", "ogni", "tutto", "molto", "poco", "più"}


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.it.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | _STOP_EXTRA


def lemmi(testo: str, stop: frozenset[str] | None = None) -> str:
    """Lower-cased lemmas (simplemma) without stop words and placeholders, joined by spaces."""
    if stop is None or stop == _stop_words():
        return _lemmi_predefiniti(testo)
    return _lemmi(testo, stop)


@lru_cache(maxsize=65536)
def _lemmi_predefiniti(testo: str) -> str:
    return _lemmi(testo, _stop_words())


def _lemmi(testo: str, stop: frozenset[str]) -> str:
    import simplemma

    out = []
    for m in _PAROLA.finditer(SEGNAPOSTO_RE.sub(" ", testo).lower()):
        parola = _ELISIONE.sub("", m.group(0)).replace("’", "'")
        if len(parola) < 2 or parola in stop:
            continue
        lemma = simplemma.lemmatize(parola, lang="it").lower()
        if lemma not in stop:
            out.append(lemma)
    return " ".join(out)


@dataclass(frozen=True)
class Esempio:
    """A labelled proposal: its text, area and (when known) scheda."""

    testo: str
    area: str
    scheda: str | None = None
    fonte: str = "oro"


@dataclass(frozen=True)
class AssegnazionePiano:
    """The mapping of one sentence: best area and scheda with a score in [0, 1], and every area's score."""

    area: str
    scheda: str | None
    punteggio: float
    punteggi_aree: dict[str, float] = field(default_factory=dict)

    @property
    def prime_due(self) -> list[tuple[str, float]]:
        """The two likeliest areas with their calibrated confidence, best first."""
        return sorted(self.punteggi_aree.items(), key=lambda kv: (-kv[1], kv[0]))[:2]

    @property
    def seconda_area(self) -> str | None:
        due = self.prime_due
        return due[1][0] if len(due) > 1 else None

    @property
    def punteggio_seconda(self) -> float | None:
        due = self.prime_due
        return due[1][1] if len(due) > 1 else None

    def da_assegnare(self, soglia: float = SOGLIA_AREA) -> bool:
        """True when the model is not confident enough for a person to rely on the area."""
        return self.punteggio < soglia


class MappaturaPiano(BaseEstimator):
    """Assign proposals to areas and schede by lexical + character + LSA similarity and example prototypes.

    Args:
        peso_lessicale, peso_caratteri, peso_semantico: weights of the three similarities to the schede.
        peso_esempi: weight of the nearest-example similarity (staff corrections and gold examples).
        k_vicini: examples averaged per area/scheda.
        componenti_lsa: dimensions of the LSA space (fewer when the background is small).
        temperatura: softmax temperature turning area scores into the reported ``punteggio``.
        random_state: seed of the SVD.
    """

    # Defaults measured on held-out data (issue 11; ``python -m analisi.codifica.valuta piano``): the LSA term,
    # fitted on the synthetic corpus, lowered area accuracy on the real development set (0.33 -> 0.49 without
    # it; corpus gold out of fold 0.69 -> 0.71), so its weight is 0; the temperature minimises the log loss of
    # the area probabilities on both sets (0.05).
    def __init__(self, *, peso_lessicale: float = 1.0, peso_caratteri: float = 0.5, peso_semantico: float = 0.0,
                 peso_esempi: float = 1.0, k_vicini: int = 10, componenti_lsa: int = 100,
                 temperatura: float = 0.05, random_state: int = 0) -> None:
        self.peso_lessicale = peso_lessicale
        self.peso_caratteri = peso_caratteri
        self.peso_semantico = peso_semantico
        self.peso_esempi = peso_esempi
        self.k_vicini = k_vicini
        self.componenti_lsa = componenti_lsa
        self.temperatura = temperatura
        self.random_state = random_state

    @staticmethod
    def _documento(s: Scheda, a: Area) -> str:
        # Seed terms twice: they are what people say; the description is how the plan says it.
        termini = ". ".join(s.termini)
        return f"{s.nome}. {s.descrizione} {termini}. {termini}. {a.nome}. {a.descrizione}"

    def fit(self, tassonomia: Tassonomia, esempi: Sequence[Esempio] = (),
            sfondo: Sequence[str] = ()) -> MappaturaPiano:
        """Build the scheda documents, the vector spaces and the example prototypes.

        Args:
            tassonomia: areas and schede.
            esempi: labelled proposals; examples whose area is not in the taxonomy are ignored, and a scheda
                not in the taxonomy is dropped (the area is kept).
            sfondo: background sentences (e.g. the corpus) for the TF-IDF statistics and the LSA space.
        """
        self.tassonomia_ = tassonomia
        self.schede_ = tassonomia.schede
        self.aree_ = tuple(a.codice for a in tassonomia.aree)
        if not self.schede_:
            raise ErroreTassonomia("la tassonomia non ha schede: aggiungine almeno una")
        codici_schede = {s.codice for s in self.schede_}
        self.esempi_ = tuple(Esempio(e.testo, e.area, e.scheda if e.scheda in codici_schede else None, e.fonte)
                             for e in esempi if e.area in self.aree_)
        self.sfondo_ = tuple(sfondo)
        self._stop = _stop_words()
        documenti = [self._documento(s, tassonomia.area(s.area)) for s in self.schede_]
        tutti = [*documenti, *self.sfondo_, *(e.testo for e in self.esempi_)]
        lemmi_tutti = [lemmi(t, self._stop) for t in tutti]
        self.lessico_ = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+").fit(lemmi_tutti)
        self.caratteri_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                          max_features=50000).fit([t.lower() for t in tutti])
        matrice = self.lessico_.transform(lemmi_tutti)
        n_comp = max(2, min(self.componenti_lsa, matrice.shape[0] - 1, matrice.shape[1] - 1))
        self.lsa_ = TruncatedSVD(n_components=n_comp, random_state=self.random_state).fit(matrice)
        self.documenti_ = self._vettori(documenti)
        self.vettori_esempi_ = self._vettori([e.testo for e in self.esempi_]) if self.esempi_ else None
        return self

    def _vettori(self, testi: Sequence[str]) -> tuple[Any, Any, np.ndarray]:
        lem = [lemmi(t, self._stop) for t in testi]
        lex = self.lessico_.transform(lem)
        car = self.caratteri_.transform([t.lower() for t in testi])
        sem = normalize(self.lsa_.transform(lex))
        return lex, car, sem

    def _similarita(self, a: tuple[Any, Any, np.ndarray], b: tuple[Any, Any, np.ndarray]) -> np.ndarray:
        lex = (a[0] @ b[0].T).toarray()
        car = (a[1] @ b[1].T).toarray()
        sem = np.clip(a[2] @ b[2].T, 0, None)
        totale = self.peso_lessicale + self.peso_caratteri + self.peso_semantico
        return (self.peso_lessicale * lex + self.peso_caratteri * car + self.peso_semantico * sem) / totale

    def _vicini(self, sim: np.ndarray, maschera: np.ndarray) -> np.ndarray:
        """Mean of the k highest similarities among the examples selected by ``maschera`` (per row)."""
        if not maschera.any():
            return np.zeros(sim.shape[0])
        scelti = np.sort(sim[:, maschera], axis=1)[:, ::-1][:, : self.k_vicini]
        return np.asarray(scelti.mean(axis=1))

    def punteggi(self, testi: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Raw scores: (n x areas, n x schede)."""
        check_is_fitted(self, "schede_", msg="MappaturaPiano is not fitted: call fit()")
        v = self._vettori(testi)
        s_schede = self._similarita(v, self.documenti_)
        s_aree = np.zeros((len(testi), len(self.aree_)))
        for j, area in enumerate(self.aree_):
            idx = [i for i, s in enumerate(self.schede_) if s.area == area]
            if idx:
                s_aree[:, j] = s_schede[:, idx].max(axis=1)
        if self.vettori_esempi_ is not None and self.peso_esempi:
            sim = self._similarita(v, self.vettori_esempi_)
            aree_es = np.array([e.area for e in self.esempi_])
            schede_es = np.array([e.scheda or "" for e in self.esempi_])
            for j, area in enumerate(self.aree_):
                s_aree[:, j] += self.peso_esempi * self._vicini(sim, aree_es == area)
            for j, s in enumerate(self.schede_):
                s_schede[:, j] += self.peso_esempi * self._vicini(sim, schede_es == s.codice)
        return s_aree, s_schede

    def assegna(self, testi: Sequence[str]) -> list[AssegnazionePiano]:
        """Best area and scheda (within that area) for each sentence."""
        testi = list(testi)
        if not testi:
            return []
        s_aree, s_schede = self.punteggi(testi)
        z = s_aree / self.temperatura
        prob = np.exp(z - z.max(axis=1, keepdims=True))
        prob /= prob.sum(axis=1, keepdims=True)
        out = []
        for i in range(len(testi)):
            j = int(np.argmax(s_aree[i]))
            area = self.aree_[j]
            # the scheda only when the taxonomy's best scheda is in this area (no arbitrary scheda for an
            # area that its examples alone chose)
            migliore = self.schede_[int(np.argmax(s_schede[i]))]
            scheda = migliore.codice if migliore.area == area else None
            out.append(AssegnazionePiano(area, scheda, round(float(prob[i, j]), 4),
                                         {a: round(float(prob[i, k]), 4) for k, a in enumerate(self.aree_)}))
        return out

    def riadatta(self, tassonomia: Tassonomia | None = None, esempi_aggiuntivi: Sequence[Esempio] = ()
                 ) -> MappaturaPiano:
        """A new mapper with the same parameters, background and examples, plus ``esempi_aggiuntivi``
        (staff corrections), on ``tassonomia`` (default: the same one)."""
        return MappaturaPiano(**self.get_params()).fit(tassonomia or self.tassonomia_,
                                                      [*self.esempi_, *esempi_aggiuntivi], self.sfondo_)

    def __getstate__(self) -> dict[str, Any]:
        stato = dict(super().__getstate__())  # object.__getstate__ returns the live __dict__
        stato.pop("_stop", None)
        return stato

    def __setstate__(self, stato: dict[str, Any]) -> None:
        super().__setstate__(stato)
        self._stop = _stop_words()


# --- default model, examples from the corpus --------------------------------------------------------
def esempi_oro() -> list[tuple[str, Esempio]]:
    """(story id, example) for every gold proposal sentence with an area."""
    from analisi.corpus import carica_oro_codici

    return [(r.id, Esempio(s.text, s.area)) for r in carica_oro_codici() for s in r.sentences
            if s.area and "proposta" in s.codes]


def sfondo_corpus(massimo: int = 5000) -> list[str]:
    """Sentences of the sample corpus's stories (the background of the LSA space)."""
    from analisi.corpus import carica_racconti
    from analisi.frasi import dividi_frasi

    out: list[str] = []
    for r in carica_racconti():
        testo = str(r["testo"])
        out += [testo[iv.inizio:iv.fine] for iv in dividi_frasi(testo)]
    return out[:massimo]


def salva_base_predefinita(percorso: Path = FILE_BASE) -> Path:
    """Write the shipped mapper's inputs (corpus background sentences and gold area examples), gzipped JSON.

    The fitted mapper is not shipped: it is rebuilt from these in a few seconds, on whatever taxonomy the
    district uses, so no pickle ties it to a library version.
    """
    esempi = [e for _, e in esempi_oro()]
    if not esempi:
        raise FileNotFoundError("corpus/gold_codici.jsonl is missing: build it with `python corpus/costruisci.py`")
    dati = {"sfondo": sfondo_corpus(), "esempi": [{"testo": e.testo, "area": e.area} for e in esempi]}
    percorso.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(percorso, "wt", encoding="utf-8") as f:
        json.dump(dati, f, ensure_ascii=False)
    return percorso


def _base_predefinita() -> tuple[list[Esempio], list[str]]:
    if FILE_BASE.is_file():
        with gzip.open(FILE_BASE, "rt", encoding="utf-8") as f:
            dati = json.load(f)
        return [Esempio(e["testo"], e["area"]) for e in dati["esempi"]], list(dati["sfondo"])
    return [e for _, e in esempi_oro()], sfondo_corpus()


def carica_mappatura(percorso_tassonomia: Path | str | None = None,
                     esempi_umani: Sequence[Esempio] = ()) -> MappaturaPiano:
    """The mapper for a run: the district's taxonomy, the shipped examples and background (from the corpus),
    and the staff's stored confirmations and corrections."""
    tassonomia = carica_tassonomia(percorso_tassonomia)
    chiave = (tassonomia, tuple(esempi_umani))
    if chiave not in _CACHE:  # fitting takes seconds: reuse it within a process (CLI, dashboard, tests)
        _CACHE.clear()
        _CACHE[chiave] = _adatta(tassonomia, esempi_umani) if esempi_umani else _base_su_disco(tassonomia)
    return _CACHE[chiave]


def _adatta(tassonomia: Tassonomia, esempi_umani: Sequence[Esempio] = ()) -> MappaturaPiano:
    esempi, sfondo = _base_predefinita()
    return MappaturaPiano().fit(tassonomia, [*esempi, *esempi_umani], sfondo)


def _base_su_disco(tassonomia: Tassonomia) -> MappaturaPiano:
    """The mapper fitted on the taxonomy and the shipped examples alone, also kept across processes in the
    user's cache (``analisi.cache_utente``) under the hash of the taxonomy, the shipped examples, this module's
    code and the libraries. Never with people's confirmations: those are campaign text, which stays in the store."""
    import pickle

    from analisi import cache_utente

    if not FILE_BASE.is_file():  # examples read from the corpus instead: no cache
        return _adatta(tassonomia)
    chiave = cache_utente.impronta(
        [repr(tassonomia).encode(), *cache_utente.file_sorgente(FILE_BASE, Path(__file__))],
        ["scikit-learn", "scipy", "numpy", "simplemma", "spacy"])
    file = cache_utente.percorso(f"piano-{chiave}.pickle")
    dati = cache_utente.leggi(file)
    if dati is not None:
        try:
            salvata_per, mappa = pickle.loads(dati)  # our own file, named by its inputs' hash
            if salvata_per == chiave:
                return mappa
        except Exception:  # a damaged or foreign file: fit again
            pass
    mappa = _adatta(tassonomia)
    cache_utente.scrivi(file, pickle.dumps((chiave, mappa), protocol=pickle.HIGHEST_PROTOCOL))
    return mappa


_CACHE: dict[tuple[Tassonomia, tuple[Esempio, ...]], MappaturaPiano] = {}


# --- evaluation ---------------------------------------------------------------------------------------
def valuta_aree(n_fold: int = 5, soglia: float = SOGLIA_AREA) -> str:
    """Area accuracy, top-2 and abstention on held-out data: the real development set's proposals with an
    area (``corpus/reale``, compared at area level: "1.2" counts as "1"; never used to fit the mapper) and
    the corpus gold proposals held out by story (GroupKFold)."""
    from sklearn.model_selection import GroupKFold

    from analisi.corpus import carica_unita_reali

    tassonomia = carica_tassonomia()
    esempi, sfondo = _base_predefinita()
    righe = ["| dati | metodo | accuratezza area | top-2 | da assegnare | accuratezza se assegnata | n |",
             "|---|---|---|---|---|---|---|"]
    reali = [u for u in carica_unita_reali() if u.area]
    if reali:
        vero_r = np.array([str(u.area).split(".")[0] for u in reali])
        testi_r = [u.testo for u in reali]
        zero = MappaturaPiano().fit(tassonomia, (), sfondo)
        spedito = MappaturaPiano().fit(tassonomia, esempi, sfondo)
        righe.append(_riga_accuratezza("reale", "solo tassonomia (zero-shot)", vero_r, zero.assegna(testi_r), soglia))
        righe.append(_riga_accuratezza("reale", "tassonomia + esempi del corpus (predefinito)", vero_r,
                                       spedito.assegna(testi_r), soglia))
    coppie = esempi_oro()
    if coppie:
        storie = [s for s, _ in coppie]
        vero = np.array([e.area for _, e in coppie])
        zero = MappaturaPiano().fit(tassonomia, (), sfondo)
        righe.append(_riga_accuratezza("corpus", "solo tassonomia (zero-shot)", vero,
                                       zero.assegna([e.testo for _, e in coppie]), soglia))
        previsti: list[AssegnazionePiano | None] = [None] * len(coppie)
        for tr, te in GroupKFold(n_splits=n_fold).split(coppie, groups=storie):
            m = MappaturaPiano().fit(tassonomia, [coppie[i][1] for i in tr], sfondo)
            for i, a in zip(te, m.assegna([coppie[i][1].testo for i in te]), strict=True):
                previsti[i] = a
        righe.append(_riga_accuratezza("corpus", f"tassonomia + esempi dei fold di addestramento "
                                       f"(GroupKFold {n_fold})", vero, [a for a in previsti if a is not None], soglia))
    if len(righe) == 2:
        return "no data: corpus/gold_codici.jsonl and ../shared are missing"
    note = [f"\n'Da assegnare': calibrated confidence below {soglia:.2f} (setting piano.soglia_area)."]
    if reali:
        note.append("Real proposals by area: " + ", ".join(
            f"{a}: {int((vero_r == a).sum())}" for a in sorted(set(vero_r)))
            + f"; majority-class baseline {max((vero_r == a).mean() for a in set(vero_r)):.2f}.")
    if coppie:
        note.append("Gold areas: " + ", ".join(f"{a}: {int((vero == a).sum())}" for a in sorted(set(vero)))
                    + f"; majority-class baseline {max((vero == a).mean() for a in set(vero)):.2f}.")
    return "\n".join(righe) + "\n" + "\n".join(note)


def _riga_accuratezza(dati: str, nome: str, vero: np.ndarray, ass: Sequence[AssegnazionePiano],
                      soglia: float = SOGLIA_AREA) -> str:
    giusto = np.array([a.area == v for a, v in zip(ass, vero, strict=True)])
    top2 = float(np.mean([v in [x for x, _ in a.prime_due] for a, v in zip(ass, vero, strict=True)]))
    assegnate = np.array([not a.da_assegnare(soglia) for a in ass])
    acc_assegnate = f"{giusto[assegnate].mean():.2f}" if assegnate.any() else "—"
    return (f"| {dati} | {nome} | {giusto.mean():.2f} | {top2:.2f} | {1 - assegnate.mean():.0%} | {acc_assegnate} "
            f"| {len(vero)} |")
