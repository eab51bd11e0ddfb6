"""How a sentence is built, from spaCy's morphology: features that transfer across registers.

Mood, tense and person of the verbs, modal verbs with their subject person ("dobbiamo", "si deve", "devi" versus
"devo", "vorrei"), imperatives and main-clause subjunctives ("Qualcuno mi aiuti!"), first-person-plural
exhortations ("sosteniamolo"), second-person addressees, negation, questions ("perché non…?") and the head of a
planning document's list item ("• Attivazione di…", "Sostenere la domiciliarità"). Whatever the topic or the
register, these say whether someone is asked to act; measured on the real development set, cross-register
(``python -m analisi.codifica.valuta reale``; MODEL_CARD.md, round 6).

The features need a pipeline with a morphologizer (the shipped ``it_narrazioni`` or an installed spaCy model):
:func:`pipeline_morfologia` loads the shipped one once per process when the caller gives none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from analisi.codifica.regole import pulisci

NOMI_STRUTTURA: tuple[str, ...] = (
    "imperativo", "imperativo_2", "non_infinito", "congiuntivo", "congiuntivo_principale", "persona_1s",
    "persona_1p", "persona_2", "persona_3", "condizionale", "futuro", "passato", "imperfetto", "presente",
    "infinito", "negazione", "dovere_1s", "dovere_1p", "dovere_2", "dovere_3", "dovere_si", "potere_1p",
    "potere_2", "potere_si", "volere_1s", "volere_1p", "volere_2", "esortativo_1p", "pronome_2", "pronome_1s",
    "inizio_infinito", "inizio_nominale", "inizio_verbo", "elenco", "senza_verbo", "domanda", "esclamazione",
    "perche_non", "lunghezza",
)
_DOVERE = re.compile(r"^(?:dev|dov|deb|dobb)")
_POTERE = re.compile(r"^(?:poss|pu[oò]|pot)")
_VOLERE = re.compile(r"^(?:vogl|vuo|vol|vorr)")
_SUBORDINANTI = frozenset({"che", "perché", "affinché", "se", "sebbene", "qualora", "benché", "prima", "purché",
                           "come", "quando"})
_SECONDA_PERSONA = frozenset({"tu", "voi", "vi", "ti", "vostro", "vostra", "vostri", "vostre", "tuo", "tua"})
_PRIMA_SINGOLARE = frozenset({"io", "mi", "me", "mio", "mia"})
_PUNTI_ELENCO = frozenset({"•", "-", "–", "—", "*", "·", "●", "▪"})
_NOMINALE = re.compile(r"(?:zione|zioni|mento|menti|ità|ura)$")
_NON_PAROLE = ("PUNCT", "SYM", "SPACE")


def caratteristiche_struttura(doc: Any) -> dict[str, float]:
    """Structure features of one parsed sentence (a spaCy ``Doc`` or any sequence of tokens)."""
    f = dict.fromkeys(NOMI_STRUTTURA, 0.0)
    toks = list(doc)
    primo_verbo = None
    for i, t in enumerate(toks):
        low = t.lower_
        if t.pos_ in ("VERB", "AUX"):
            primo_verbo = i if primo_verbo is None else primo_verbo
            m = t.morph
            modo, persona = (m.get("Mood") or [None])[0], (m.get("Person") or [None])[0]
            numero, tempo = (m.get("Number") or [""])[0], (m.get("Tense") or [None])[0]
            if modo == "Imp":
                f["imperativo"] += 1
                f["imperativo_2"] += persona in ("2", None)
            if modo == "Sub":
                f["congiuntivo"] += 1
                f["congiuntivo_principale"] += not any(x.lower_ in _SUBORDINANTI for x in toks[max(0, i - 6):i])
            f["condizionale"] += modo == "Cnd"
            f["futuro"] += tempo == "Fut"
            f["passato"] += tempo == "Past"
            f["imperfetto"] += tempo == "Imp" and modo != "Imp"
            f["presente"] += tempo == "Pres" and modo == "Ind"
            f["infinito"] += "Inf" in m.get("VerbForm")
            f["persona_1s"] += persona == "1" and numero == "Sing"
            f["persona_2"] += persona == "2"
            f["persona_3"] += persona == "3"
            if persona == "1" and numero == "Plur":
                f["persona_1p"] += 1
                inizio = i == 0 or toks[i - 1].pos_ in ("PUNCT", "CCONJ") or toks[i - 1].lower_ == "non"
                f["esortativo_1p"] += modo in ("Ind", "Sub", "Imp") and tempo in ("Pres", None) and inizio
            modale = ("dovere" if _DOVERE.match(low) else "potere" if _POTERE.match(low)
                      else "volere" if _VOLERE.match(low) else None)
            if modale and modo != "Imp":
                if i > 0 and toks[i - 1].lower_ == "si" and modale != "volere":
                    f[f"{modale}_si"] += 1
                elif persona == "1" and numero == "Sing" and modale != "potere":
                    f[f"{modale}_1s"] += 1
                elif persona == "1" and numero == "Plur":
                    f[f"{modale}_1p"] += 1
                elif persona == "2":
                    f[f"{modale}_2"] += 1
                elif persona == "3" and modale == "dovere":
                    f["dovere_3"] += 1
        f["negazione"] += low == "non"
        f["pronome_2"] += low in _SECONDA_PERSONA
        f["pronome_1s"] += low in _PRIMA_SINGOLARE
        if low == "non" and i <= 2 and i + 1 < len(toks) and "Inf" in toks[i + 1].morph.get("VerbForm"):
            f["non_infinito"] += 1  # "non fare", "non uscite" read as an infinitive: a negative imperative
    contenuto = [t for t in toks if t.pos_ not in _NON_PAROLE and any(c.isalpha() for c in t.text)]
    if contenuto:
        primo = contenuto[0]
        f["inizio_infinito"] = float("Inf" in primo.morph.get("VerbForm"))
        f["inizio_nominale"] = float(bool(_NOMINALE.search(primo.lower_)))
        f["inizio_verbo"] = float(primo.pos_ in ("VERB", "AUX"))
    testo = doc.text if hasattr(doc, "text") else " ".join(t.text for t in toks)
    f["elenco"] = float(bool(toks) and toks[0].text in _PUNTI_ELENCO)
    f["senza_verbo"] = float(primo_verbo is None)
    f["domanda"] = float(testo.rstrip().endswith("?"))
    f["esclamazione"] = float("!" in testo)
    f["perche_non"] = float(bool(re.search(r"\bperch[ée] non\b", testo.lower())) and "?" in testo)
    f["lunghezza"] = min(len(contenuto), 60) / 60
    return {k: min(float(v), 3.0) for k, v in f.items()}


@lru_cache(maxsize=1)
def pipeline_morfologia() -> Any:
    """The shipped Italian pipeline restricted to morphology, loaded once per process."""
    from analisi.lingua import carica_italiano, per_morfologia

    return per_morfologia(carica_italiano("narrazioni"))


def matrice_struttura(frasi: Sequence[str], nlp: Any = None, docs: Sequence[Any] | None = None) -> np.ndarray:
    """Structure features of many sentences (columns ``NOMI_STRUTTURA``); ``nlp``: a pipeline with a
    morphologizer (default: the shipped one); ``docs``: the sentences already parsed by it (after
    :func:`~analisi.codifica.regole.pulisci`), when the caller has them."""
    if not frasi:
        return np.zeros((0, len(NOMI_STRUTTURA)))
    analizzati: Iterable[Any] = docs if docs is not None else (
        (nlp if nlp is not None else pipeline_morfologia()).pipe([pulisci(f) for f in frasi], batch_size=256))
    righe = [caratteristiche_struttura(d) for d in analizzati]
    return np.array([[r[n] for n in NOMI_STRUTTURA] for r in righe], dtype=float)
