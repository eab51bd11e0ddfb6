"""Evaluation of an Italian pipeline: KIND dev split per domain, UD ParTUT test, speed.

``python -m analisi.spacy_it.valuta [--modello narrazioni|it_core_news_sm|auto]`` prints a table.
NER is scored by exact span match on KIND's tokenization; UPOS, lemmas and sentence boundaries on ParTUT
test with gold tokens (multiword tokens merged, as in training). Speed is measured on raw text with
``nlp.pipe(batch_size=256)``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analisi.spacy_it.dati import DOMINI_GOLD, leggi_kind, spans_kind

if TYPE_CHECKING:
    from spacy.language import Language

ETICHETTE = ("PER", "LOC", "ORG")
# Content words for lemma accuracy, by gold UPOS (proper nouns excluded: their lemma is the form).
POS_CONTENUTO = frozenset({"NOUN", "VERB", "ADJ", "ADV"})


def _prf(veri: int, predetti: int, gold: int) -> dict[str, float]:
    p = veri / predetti if predetti else 0.0
    r = veri / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f": f, "n": gold}


def valuta_ner(nlp: Language, shared: Path, domini: Iterable[str] = DOMINI_GOLD) -> dict[str, dict[str, Any]]:
    """P/R/F per label and overall ("ALL") on the KIND dev split, per domain."""
    from spacy.tokens import Doc

    risultati: dict[str, dict[str, Any]] = {}
    for dominio in domini:
        frasi = [f for f in leggi_kind(shared, dominio) if f.dev]
        docs = (Doc(nlp.vocab, words=list(f.tokens)) for f in frasi)
        conta = {e: [0, 0, 0] for e in (*ETICHETTE, "ALL")}  # true positives, predicted, gold
        for frase, doc in zip(frasi, nlp.pipe(docs, batch_size=256), strict=True):
            gold = {s for s in spans_kind(frase) if s[2] in ETICHETTE}
            pred = {(e.start, e.end, e.label_) for e in doc.ents if e.label_ in ETICHETTE}
            for et in (*ETICHETTE, "ALL"):
                g = {s for s in gold if et in ("ALL", s[2])}
                p = {s for s in pred if et in ("ALL", s[2])}
                conta[et][0] += len(g & p)
                conta[et][1] += len(p)
                conta[et][2] += len(g)
        risultati[dominio] = {et: _prf(*v) for et, v in conta.items()}
    return risultati


def valuta_ud(nlp: Language, conllu: Path) -> dict[str, float]:
    """UPOS accuracy, content-word lemma accuracy and sentence-boundary F on a CoNLL-U file (gold tokens)."""
    from spacy.tokens import Doc

    from analisi.spacy_it.addestra import docs_ud

    gold_docs = docs_ud(conllu, frasi_per_doc=10)
    pos_ok = pos_n = lem_ok = lem_n = 0
    sent_tp = sent_pred = sent_gold = 0
    # The whole pipeline runs: the lemmatizer also looks at the entities.
    predetti = nlp.pipe(
        (Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g]) for g in gold_docs),
        batch_size=256,
    )
    for gold, pred in zip(gold_docs, predetti, strict=True):
        for tg, tp in zip(gold, pred, strict=True):
            if tg.pos_ and tg.pos_ != "X":
                pos_n += 1
                pos_ok += tg.pos_ == tp.pos_
            if tg.pos_ in POS_CONTENUTO:
                lem_n += 1
                lem_ok += tg.lemma_.lower() == tp.lemma_.lower()
        inizi_g = {t.i for t in gold if t.is_sent_start and t.i > 0}
        inizi_p = {t.i for t in pred if t.is_sent_start and t.i > 0}
        sent_tp += len(inizi_g & inizi_p)
        sent_pred += len(inizi_p)
        sent_gold += len(inizi_g)
    frasi = _prf(sent_tp, sent_pred, sent_gold)
    return {
        "upos": pos_ok / max(pos_n, 1),
        "lemma_contenuto": lem_ok / max(lem_n, 1),
        "frasi_f": frasi["f"],
        "token": float(pos_n),
    }


def parole_al_secondo(
    nlp: Language, testi: list[str], *, solo: list[str] | None = None, ripetizioni: int = 3
) -> dict[str, float]:
    """Words per second of ``nlp.pipe(batch_size=256)``: wall clock and per CPU second, best of the runs.

    ``solo`` restricts the components that run. On a shared machine the wall-clock figure measures the
    neighbours too; words per CPU second (this process's CPU time, all threads) is the steadier one.
    """
    disabilita = [n for n in nlp.pipe_names if solo is not None and n not in solo]
    parete = cpu = 0.0
    with nlp.select_pipes(disable=disabilita):
        list(nlp.pipe(testi[:200], batch_size=256))  # warm-up
        for _ in range(ripetizioni):
            inizio, inizio_cpu = time.perf_counter(), time.process_time()
            parole = sum(len(doc) for doc in nlp.pipe(testi, batch_size=256))
            parete = max(parete, parole / (time.perf_counter() - inizio))
            cpu = max(cpu, parole / max(time.process_time() - inizio_cpu, 1e-9))
    return {"parete": parete, "cpu": cpu}


def valuta(nlp: Language, shared: Path) -> dict[str, Any]:
    """All measures as a dict (see :func:`stampa_tabella`)."""
    from analisi.lingua import componenti_ner

    testi = [" ".join(f.tokens) for d in DOMINI_GOLD for f in leggi_kind(shared, d) if f.dev]
    return {
        "ner": valuta_ner(nlp, shared),
        "ud": valuta_ud(nlp, shared / "data" / "ud" / "ParTUT" / "it_partut-ud-test.conllu"),
        "parole_s_tutto": parole_al_secondo(nlp, testi),
        "parole_s_ner": parole_al_secondo(nlp, testi, solo=componenti_ner(nlp)),
        "parole_test": sum(len(t.split()) for t in testi),
    }


def stampa_tabella(risultati: dict[str, Any], *, nome: str = "") -> str:
    """Markdown table of :func:`valuta`'s results."""
    righe = [
        f"### {nome}" if nome else "",
        "",
        "| KIND dev | PER P | PER R | PER F | LOC F | ORG F | all P | all R | all F | entities |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for dominio, r in risultati["ner"].items():
        righe.append(
            f"| {dominio} | {r['PER']['p']:.3f} | {r['PER']['r']:.3f} | {r['PER']['f']:.3f} | "
            f"{r['LOC']['f']:.3f} | {r['ORG']['f']:.3f} | {r['ALL']['p']:.3f} | {r['ALL']['r']:.3f} | "
            f"{r['ALL']['f']:.3f} | {r['ALL']['n']} |"
        )
    ud = risultati["ud"]
    tutto, ner = risultati["parole_s_tutto"], risultati["parole_s_ner"]
    righe += [
        "",
        "| UD ParTUT test | UPOS acc | content-word lemma acc | sentence F | tokens |",
        "|---|---|---|---|---|",
        f"| | {ud['upos']:.3f} | {ud['lemma_contenuto']:.3f} | {ud['frasi_f']:.3f} | {int(ud['token'])} |",
        "",
        "| speed (nlp.pipe, batch 256) | words/s (wall clock) | words per CPU second |",
        "|---|---|---|",
        f"| full pipeline | {tutto['parete']:,.0f} | {tutto['cpu']:,.0f} |",
        f"| NER only | {ner['parete']:,.0f} | {ner['cpu']:,.0f} |",
        f"(on {risultati['parole_test']:,} words of KIND dev text)",
    ]
    testo = "\n".join(righe)
    print(testo)
    return testo


def main(argv: list[str] | None = None) -> int:
    from analisi.lingua import carica_italiano, descrivi_modello

    p = argparse.ArgumentParser(description="Evaluate an Italian pipeline on KIND dev and UD ParTUT test.")
    p.add_argument("--shared", type=Path, default=Path("../shared"))
    p.add_argument("--modello", default="narrazioni", help="auto, narrazioni, or an installed spaCy model")
    p.add_argument("--percorso", type=Path, default=None, help="evaluate a pipeline directory instead")
    a = p.parse_args(argv)
    if a.percorso is not None:
        import spacy

        from analisi.spacy_it import componenti

        componenti.registra()
        nlp = spacy.load(a.percorso)
    else:
        nlp = carica_italiano(a.modello)
    descr = descrivi_modello(nlp)
    stampa_tabella(valuta(nlp, a.shared), nome=f"{descr['name']} {descr['version']} {descr['pipeline']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
