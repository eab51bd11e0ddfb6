"""Preprocessing for themes: lemmas, a POS filter, narrative stop words, multi-word phrases.

Steps for one text: placeholders (``[PERSONA_1]``) and punctuation cut the text into segments (a phrase
never spans them); each word gets a lemma from a cached table (built from the spaCy pipeline when one is
given, else simplemma, plus a few genre corrections); phrases learnt on the corpus by NPMI are merged
(``fare_la_spesa``, ``casa_della_salute``); then stop words (narrative + domain + extra), short words and,
when the pipeline gave a part of speech, words that are not NOUN/ADJ/VERB/PROPN are dropped.

Speed: the only per-word work is a regex match and dict look-ups; the spaCy pipeline, when given, runs on a
bounded sample of the corpus to fill the lemma/POS table, so 100 000 stories do not pay the pipeline cost.
The table and the phrases are learnt in ``fit`` and frozen: ``transform`` of new stories gives the tokens
the model was fitted on.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from analisi.anonimizzazione.segnaposto import SEGNAPOSTO_INTERO
from analisi.lingua_it import CONNETTIVI, correzioni_lemmi, parole_dominio, parole_vuote

__all__ = ["POS_AMMESSI", "Preprocessore", "segmenti"]

POS_AMMESSI = frozenset({"NOUN", "ADJ", "VERB", "PROPN"})
# Light verbs: stop words alone, but allowed to start a phrase ("fare la spesa", "prendere il treno").
VERBI_LEGGERI = frozenset({"fare", "dare", "prendere", "stare", "andare"})
# First-person possessives: "mia madre" also gives the token "mio_madre" (the teller's own mother, not a mother
# in general): the point of view of a story about family (measured in analisi/temi/README.md).
POSSESSIVI_PRIMA = frozenset({"mio", "mia", "miei", "mie"})
# A placeholder, a word (with an elided apostrophe kept: "dell'"), or a segment break.
_TOKEN = re.compile(SEGNAPOSTO_INTERO + r"|[^\W\d_]+(?:'(?=[^\W\d_]))?|[.,!?;:()\"«»“”…]|\n|\s[-–—]\s")
_APOSTROFI = ("’", "‘", "`", "´")  # all become "'" (str.replace: much faster than str.translate here)
_INFINITI = ("are", "ere", "ire", "rre")


def _norm(testo: str) -> str:
    testo = unicodedata.normalize("NFC", testo)
    for a in _APOSTROFI:
        if a in testo:
            testo = testo.replace(a, "'")
    return testo


def segmenti(testo: str, nomi: re.Pattern[str] | None = None) -> list[list[str]]:
    """Lower-case words of ``testo`` grouped in segments; placeholders and punctuation end a segment.

    ``nomi`` matches names to ignore (associations' names): they end a segment too.
    """
    out: list[list[str]] = []
    corrente: list[str] = []
    testo = _norm(testo)
    if nomi is not None:
        testo = nomi.sub("\n", testo)
    for t in _TOKEN.findall(testo):  # (no capturing group: whole matches)
        if t[0].isalpha():
            corrente.append(t.lower())
        elif corrente:
            out.append(corrente)
            corrente = []
    if corrente:
        out.append(corrente)
    return out


def _nome_frase(chiave: tuple[str, ...], superfici: Counter[tuple[str, ...]]) -> str:
    """A readable name: the most frequent written form ("zona_rossa", not the lemmas "zona_rosso"); a phrase
    opened by a verb keeps the verb's lemma ("fare_la_spesa" for "facevo la spesa")."""
    forma = list(max(superfici.items(), key=lambda kv: (kv[1], kv[0]))[0])
    if chiave[0] in VERBI_LEGGERI or chiave[0].endswith(_INFINITI):
        forma[0] = chiave[0]  # a verb: its infinitive ("lavare_le_mani" for "lavavo le mani")
    nome = ""
    for i, parola in enumerate(forma):
        nome += parola if i == 0 or forma[i - 1].endswith("'") else "_" + parola
    return nome


def _identita(x: Any) -> Any:
    """Analyzer for CountVectorizer on pre-tokenised documents (module level: picklable)."""
    return x


class Preprocessore:
    """Turns texts into theme tokens (lemmas and phrases), sklearn style: ``fit`` learns, ``transform`` applies.

    Args:
        nlp: an Italian spaCy pipeline (lemmas and POS come from it) or None (simplemma lemmas, no POS).
        parole_dominio: domain stop words; None means the default list (``analisi/lingua_it``).
        parole_extra: further stop words chosen by the researcher.
        pos_ammessi: parts of speech kept when the pipeline provides them.
        frasi_multiparola: learn multi-word phrases.
        soglia_npmi: minimum NPMI of a phrase.
        min_frase: minimum occurrences of a phrase.
        min_racconti_frase: minimum number of stories a phrase appears in.
        max_frasi: at most this many phrases (the highest NPMI first).
        max_documenti_frasi: phrases are learnt on at most this many stories (an evenly spread sample).
        max_parole_pipeline: words sent to the spaCy pipeline to fill the lemma/POS table (bounded cost).
        lunghezza_minima: shorter words are dropped.
        possessivi: a word after a first-person possessive also gives ``mio_<lemma>`` ("mia madre").
        nomi_da_ignorare: names removed before anything else (the associations' own names: a story naming
            its association would otherwise make the association a theme).
    """

    def __init__(self, nlp: Any = None, *, parole_dominio: Sequence[str] | None = None,
                 parole_extra: Sequence[str] = (), pos_ammessi: Iterable[str] = POS_AMMESSI,
                 frasi_multiparola: bool = True, soglia_npmi: float = 0.45, min_frase: int = 4,
                 min_racconti_frase: int = 3, nomi_da_ignorare: Sequence[str] = (),
                 max_frasi: int = 400, max_documenti_frasi: int = 20_000, max_parole_pipeline: int = 200_000,
                 lunghezza_minima: int = 3, possessivi: bool = True) -> None:
        self.nlp = nlp
        self.parole_dominio = parole_dominio
        self.parole_extra = tuple(parole_extra)
        self.pos_ammessi = frozenset(pos_ammessi)
        self.frasi_multiparola = frasi_multiparola
        self.soglia_npmi = soglia_npmi
        self.min_frase = min_frase
        self.min_racconti_frase = min_racconti_frase
        self.nomi_da_ignorare = tuple(nomi_da_ignorare)
        self.max_frasi = max_frasi
        self.max_documenti_frasi = max_documenti_frasi
        self.max_parole_pipeline = max_parole_pipeline
        self.lunghezza_minima = lunghezza_minima
        self.possessivi = possessivi

    # -- pickling: the spaCy pipeline is never saved with a model (it is large and not needed after fit)
    def __getstate__(self) -> dict[str, Any]:
        stato = self.__dict__.copy()
        stato["nlp"] = None
        return stato

    # -- fit ---------------------------------------------------------------------------------------------
    def fit(self, testi: Sequence[str]) -> Preprocessore:
        """Learn the lemma/POS table and the phrases of the corpus."""
        self._impara(testi)
        return self

    def _impara(self, testi: Sequence[str]) -> list[list[list[str]]] | None:
        """``fit``; returns each text's segments when phrases were learnt on every text (else None)."""
        per_testo: list[list[list[str]]] | None = None
        self._prepara_liste()
        self.lemmi_: dict[str, str] = {}
        self.pos_: dict[str, str] = {}
        if self.nlp is not None:
            self._tabella_da_pipeline(testi)
        self.lemmi_.update(self._correzioni)  # genre corrections win over the pipeline and simplemma
        self.frasi_: dict[tuple[str, ...], str] = {}
        self.punteggi_frasi_: dict[str, float] = {}
        if self.frasi_multiparola:
            # Phrases are learnt on an evenly spread sample: enough evidence, bounded memory at 100 000 stories.
            passo = max(1, math.ceil(len(testi) / self.max_documenti_frasi))
            seg_lemmi: list[list[tuple[str, str]]] = []
            conta_doc: list[int] = []
            tutti: list[list[list[str]]] = []
            for t in testi[::passo]:
                segs = segmenti(t, self._nomi)
                seg_lemmi.extend(self._lemmatizza(s) for s in segs)
                conta_doc.append(len(segs))
                tutti.append(segs)
            if passo == 1:
                per_testo = tutti
            self.frasi_ = self._impara_frasi(seg_lemmi, conta_doc)
        # Phrases indexed by their first lemma, longest first: most words start no phrase (fast path).
        self._inizi: dict[str, list[tuple[int, tuple[str, ...], str]]] = {}
        for chiave, nome in sorted(self.frasi_.items(), key=lambda kv: (-len(kv[0]), kv[0])):
            self._inizi.setdefault(chiave[0], []).append((len(chiave), chiave, nome))
        self._decisioni: dict[str, bool] = {}  # word form → kept as a term? (cache)
        return per_testo

    def _prepara_liste(self) -> None:
        dominio = parole_dominio() if self.parole_dominio is None else tuple(p.lower() for p in self.parole_dominio)
        self.parole_dominio_ = frozenset(dominio)
        self.stop_ = parole_vuote() | self.parole_dominio_ | {p.lower() for p in self.parole_extra}
        self._correzioni = correzioni_lemmi()
        nomi = sorted({_norm(n).strip() for n in self.nomi_da_ignorare if n and n.strip()}, key=lambda n: (-len(n), n))
        self._nomi = (re.compile(r"\b(?:" + "|".join(re.escape(n) for n in nomi) + r")\b", re.IGNORECASE)
                      if nomi else None)

    def _tabella_da_pipeline(self, testi: Sequence[str]) -> None:
        """Majority lemma and POS per word form, from the pipeline on a bounded, evenly spread sample."""
        totale = sum(len(t.split()) for t in testi) or 1
        passo = max(1, math.ceil(totale / self.max_parole_pipeline))
        campione = [_norm(t) for t in testi[::passo]]
        conteggi: dict[str, Counter[tuple[str, str]]] = {}
        disabilita = [n for n in ("ner", "parser", "etichette") if n in self.nlp.pipe_names]
        with self.nlp.select_pipes(disable=disabilita):
            for doc in self.nlp.pipe(campione, batch_size=64):
                for tok in doc:
                    if not tok.is_alpha:
                        continue
                    lemma = (tok.lemma_ or "").lower()
                    conteggi.setdefault(tok.lower_, Counter())[(lemma, tok.pos_ or "")] += 1
        for forma, c in conteggi.items():
            (lemma, pos), _ = max(c.items(), key=lambda kv: (kv[1], kv[0]))  # ties: deterministic
            if lemma and lemma != "-pron-":
                self.lemmi_[forma] = lemma
            if pos:
                self.pos_[forma] = pos

    def _lemma(self, forma: str) -> str:
        lemma = self.lemmi_.get(forma)
        if lemma is None:
            if forma.endswith("'") or forma in CONNETTIVI:
                lemma = forma
            else:
                import simplemma

                lemma = simplemma.lemmatize(forma, lang="it").lower()
            self.lemmi_[forma] = lemma  # the cached lemma table: each form is lemmatised once
        return lemma

    def _lemmatizza(self, seg: list[str]) -> list[tuple[str, str]]:
        lemmi = self.lemmi_
        return [(f, lemmi.get(f) or self._lemma(f)) for f in seg]

    def _estremo(self, forma: str, lemma: str, primo: bool) -> bool:
        """Can this word open (``primo``) or close a phrase?"""
        if forma in CONNETTIVI or lemma in self.parole_dominio_ or len(lemma) < self.lunghezza_minima:
            return False
        if lemma in self.stop_ or forma in self.stop_:
            return primo and lemma in VERBI_LEGGERI
        return True

    def _impara_frasi(self, seg_lemmi: list[list[tuple[str, str]]], conta_doc: list[int]
                      ) -> dict[tuple[str, ...], str]:
        unigrammi: Counter[str] = Counter()
        candidati: Counter[tuple[str, ...]] = Counter()
        documenti: dict[tuple[str, ...], set[int]] = {}
        superfici: dict[tuple[str, ...], Counter[tuple[str, ...]]] = {}
        # segment index -> story index, to count in how many stories a phrase appears
        doc_di = [d for d, n in enumerate(conta_doc) for _ in range(n)]
        for si, seg in enumerate(seg_lemmi):
            n = len(seg)
            for i, (f1, l1) in enumerate(seg):
                unigrammi[l1] += 1
                if not self._estremo(f1, l1, True):
                    continue
                # w1 [connective [connective]] w2
                for j in range(i + 1, min(n, i + 4)):
                    fj, lj = seg[j]
                    if self._estremo(fj, lj, False) and not (l1 in VERBI_LEGGERI and j == i + 1):
                        chiave = tuple(x[1] if k in (0, j - i) else x[0] for k, x in enumerate(seg[i:j + 1]))
                        candidati[chiave] += 1
                        documenti.setdefault(chiave, set()).add(doc_di[si])
                        superfici.setdefault(chiave, Counter())[tuple(x[0] for x in seg[i:j + 1])] += 1
                    if fj not in CONNETTIVI:
                        break
        totale = sum(unigrammi.values()) or 1
        punteggi = []
        for chiave, c in candidati.items():
            if c < self.min_frase or len(documenti[chiave]) < self.min_racconti_frase:
                continue
            p12 = c / totale
            p1, p2 = unigrammi[chiave[0]] / totale, unigrammi[chiave[-1]] / totale
            npmi = math.log(p12 / (p1 * p2)) / -math.log(p12)
            if npmi >= self.soglia_npmi:
                punteggi.append((npmi, chiave))
        punteggi.sort(key=lambda x: (-x[0], x[1]))
        scelte = {k: _nome_frase(k, superfici[k]) for _, k in punteggi[: self.max_frasi]}
        self.punteggi_frasi_ = {scelte[k]: round(v, 4) for v, k in punteggi[: self.max_frasi]}
        return scelte

    # -- transform ---------------------------------------------------------------------------------------
    def _tieni(self, forma: str, lemma: str) -> bool:
        if len(lemma) < self.lunghezza_minima or forma.endswith("'"):
            return False
        if lemma in self.stop_ or forma in self.stop_:
            return False
        pos = self.pos_.get(forma)
        return pos is None or pos in self.pos_ammessi

    def _frase_da(self, seg: list[str], lem: list[str], i: int) -> tuple[int, str] | None:
        """The longest learnt phrase starting at word ``i``: (length, name), or None."""
        for lung, chiave, nome in self._inizi.get(lem[i], ()):
            if (i + lung <= len(seg) and lem[i + lung - 1] == chiave[-1]
                    and tuple(seg[i + 1:i + lung - 1]) == chiave[1:-1]):
                return lung, nome
        return None

    def tokens(self, testo: str) -> list[str]:
        """Theme tokens of one text: phrases merged greedily (longest first), then the filters."""
        return self._tokens_di(segmenti(testo, self._nomi))

    def _tokens_di(self, segmenti_testo: list[list[str]]) -> list[str]:
        out: list[str] = []
        lemmi, inizi, decisioni = self.lemmi_, self._inizi, self._decisioni
        possessivi = getattr(self, "possessivi", False)
        for seg in segmenti_testo:
            lem = [lemmi.get(f) or self._lemma(f) for f in seg]
            i = 0
            while i < len(seg):
                frase = self._frase_da(seg, lem, i) if lem[i] in inizi else None
                if frase is not None:
                    out.append(frase[1])
                    i += frase[0]
                    continue
                forma = seg[i]
                tieni = decisioni.get(forma)
                if tieni is None:
                    tieni = decisioni[forma] = self._tieni(forma, lem[i])
                if tieni:
                    out.append(lem[i])
                    if possessivi and i > 0 and seg[i - 1] in POSSESSIVI_PRIMA:
                        out.append("mio_" + lem[i])
                i += 1
        return out

    def transform(self, testi: Iterable[str]) -> list[list[str]]:
        """Theme tokens of each text."""
        return [self.tokens(t) for t in testi]

    def fit_transform(self, testi: Sequence[str]) -> list[list[str]]:
        """``fit(testi).transform(testi)``, reading each text's segments once when phrases were learnt on all."""
        segmenti_fit = self._impara(testi)
        if segmenti_fit is None:
            return self.transform(testi)
        return [self._tokens_di(segs) for segs in segmenti_fit]
