"""Build the lists derived from licensed data: ``nomi_kind.tsv`` and ``parole_comuni.txt`` in analisi/risorse.

``nomi_kind.tsv``: name tokens from KIND's PER annotations (train part only).

Only the gold domains' *train* sentences (``not FraseNer.dev``) are read, so the dev split stays unseen
for the evaluation in ``bench/valuta_anonimizzazione.py``; the silver Moro domain is skipped (its PER
labels include pronouns such as "Ella"). For every token form that appears inside a PER span we keep how
often it is PER and how often the same form appears at all, so the anonymiser can trust only forms that
are names most of the time. KIND is CC BY-NC 4.0 (De Gasperi CC BY-NC-SA 4.0): so is this list.

``parole_comuni.txt``: ordinary Italian word forms (seen in lower case at least twice in the KIND train
part, any domain, or once in UD ParTUT train/dev, plus UD lemmas that are not proper nouns): a capitalised
word that is an ordinary word is not a name by itself. Licences: KIND CC BY-NC 4.0 / BY-NC-SA 4.0,
UD ParTUT CC BY-NC-SA 4.0, so this list is for non-commercial use too.

Run from the repo root: ``python -m analisi.anonimizzazione.liste_kind [../shared]``.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from analisi.spacy_it.dati import DOMINI_GOLD, leggi_kind, spans_kind

DESTINAZIONE = Path(__file__).resolve().parent.parent / "risorse" / "nomi_kind.tsv"
DESTINAZIONE_PAROLE = DESTINAZIONE.with_name("parole_comuni.txt")
MINUSCOLA = re.compile(r"^[a-zàèéìíòóùú]+(?:['’][a-zàèéìíòóùú]+)?$")
FORMA = re.compile(r"^[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*$")
ROMANI = re.compile(r"^[IVXLC]+$")
PARTICELLE = frozenset(
    (
        "de di da del della dei degli van von der den la le lo mc mac el al ben bin abu dal dalla do "
        "dos das du san"
    ).split()
)

INTESTAZIONE = """\
# Forme di nome proprio ricavate dalle annotazioni PER di KIND (solo la parte train dei domini gold:
# wikinews, fiction, degasperi; mai la parte dev, che serve alla valutazione; mai Moro, che è silver).
# Colonne: forma, volte come PER, volte in tutto (stessa forma, maiuscole comprese) nella parte train.
# Fonte: KIND (dhfbk/KIND, Paccosi & Palmero Aprosio, LREC 2022). Licenza: CC BY-NC 4.0 (De Gasperi
# CC BY-NC-SA 4.0): uso non commerciale. Generato da: python -m analisi.anonimizzazione.liste_kind
"""


def conta_nomi(shared: Path) -> tuple[Counter[str], Counter[str]]:
    """Count, over the train part of the gold KIND domains, PER occurrences and all occurrences per form."""
    per: Counter[str] = Counter()
    tutte: Counter[str] = Counter()
    for dominio in DOMINI_GOLD:
        for frase in leggi_kind(shared, dominio):
            if frase.dev:
                continue
            tutte.update(frase.tokens)
            for a, b, etichetta in spans_kind(frase):
                if etichetta == "PER":
                    per.update(frase.tokens[a:b])
    return per, tutte


def forme_valide(per: Counter[str], tutte: Counter[str]) -> list[tuple[str, int, int]]:
    """Keep capitalised alphabetic forms (no particles, no roman numerals) seen as PER at least once."""
    righe = []
    for forma, n in per.items():
        if len(forma) < 2 or not forma[0].isupper() or not FORMA.match(forma):
            continue
        if ROMANI.match(forma) or forma.lower() in PARTICELLE:
            continue
        righe.append((forma, n, tutte[forma]))
    righe.sort(key=lambda r: (-r[1], r[0]))
    return righe


INTESTAZIONE_PAROLE = """\
# Forme di parole italiane comuni (minuscole): viste in minuscolo almeno 2 volte nella parte train di KIND
# (tutti i domini, mai la parte dev) o almeno una volta in UD Italian ParTUT (train, dev), più i lemmi UD
# che non sono nomi propri. Servono a dire che una parola maiuscola è una parola comune, non un nome.
# Fonti e licenze: KIND CC BY-NC 4.0 (De Gasperi CC BY-NC-SA 4.0); UD Italian ParTUT CC BY-NC-SA 4.0:
# uso non commerciale. Generato da: python -m analisi.anonimizzazione.liste_kind
"""


def parole_comuni(shared: Path) -> set[str]:
    """Lower-case word forms from the KIND train part and UD ParTUT (train, dev), plus non-PROPN lemmas."""
    conteggi: Counter[str] = Counter()
    for dominio in ("wikinews", "fiction", "degasperi", "moro"):
        for frase in leggi_kind(shared, dominio):
            if frase.dev:
                continue
            conteggi.update(t for t in frase.tokens if MINUSCOLA.match(t))
    parole = {t for t, n in conteggi.items() if n >= 2}
    for nome in ("it_partut-ud-train.conllu", "it_partut-ud-dev.conllu"):
        path = shared / "data" / "ud" / "ParTUT" / nome
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as f:
            for riga in f:
                campi = riga.split("\t")
                if len(campi) < 4 or not campi[0].isdigit():
                    continue
                forma, lemma, upos = campi[1], campi[2], campi[3]
                if MINUSCOLA.match(forma):
                    parole.add(forma)
                if upos != "PROPN" and MINUSCOLA.match(lemma):
                    parole.add(lemma)
    return parole


def main(argv: list[str]) -> int:
    shared = Path(argv[0]) if argv else Path("../shared")
    per, tutte = conta_nomi(shared)
    righe = forme_valide(per, tutte)
    with open(DESTINAZIONE, "w", encoding="utf-8", newline="\n") as f:
        f.write(INTESTAZIONE)
        for forma, n, tot in righe:
            f.write(f"{forma}\t{n}\t{tot}\n")
    print(f"{len(righe)} forme scritte in {DESTINAZIONE}")
    parole = sorted(parole_comuni(shared))
    with open(DESTINAZIONE_PAROLE, "w", encoding="utf-8", newline="\n") as f:
        f.write(INTESTAZIONE_PAROLE)
        f.write("\n".join(parole) + "\n")
    print(f"{len(parole)} parole comuni scritte in {DESTINAZIONE_PAROLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
