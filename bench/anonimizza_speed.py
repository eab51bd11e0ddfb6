"""Speed of the anonymiser against Microsoft Presidio, side by side, on the same spaCy pipeline.

The sample corpus (``corpus/racconti.jsonl``) is repeated until it has at least ``--parole`` words and
written as the JSONL of ``narrazioni anonimizza``. Each run then happens in a fresh child process (so that
its peak memory is its own), every engine with the SAME number of worker processes (``--processi``):

* **narrazioni, NER gated**: ``anonimizza_jsonl`` (NER in batches + recognizers + name rules + placeholders),
  the NER run only on windows of a few words around the capitalised words that could be names (the default);
* **narrazioni, NER ungated**: the same with the NER run on ALL the text, as Presidio runs it;
* **presidio**: ``AnalyzerEngine`` configured for Italian (the same spaCy pipeline, NER only, through
  ``SpacyNlpEngine``; Italian phone regions; e-mail, URL, IBAN, credit card, the five Italian ID
  recognizers) + ``AnonymizerEngine`` (replace), one story at a time as Presidio is used, in forked workers
  that inherit the engine built before timing.

Run from the repo root (needs the ``[bench]`` extra: presidio-analyzer, presidio-anonymizer)::

    PYTHONPATH=. python bench/anonimizza_speed.py [--parole 1000000] [--processi 2] [--modello auto]

It prints, one line per run, the processes, words/s and peak resident memory (main process and largest
worker), then the gated and the ungated ratio to Presidio on separate lines, and the load average (on a
shared machine every number moves with it). Targets (issue 4): ratio >= 5 and >= 20 000 words/s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RADICE = Path(__file__).resolve().parent.parent
if str(RADICE) not in sys.path:
    sys.path.insert(0, str(RADICE))

from analisi.corpus import carica_racconti, percorso_associazioni  # noqa: E402


def prepara_ingresso(destinazione: Path, parole_minime: int) -> tuple[int, int]:
    """Write the repeated sample corpus; returns (stories, words)."""
    testi = [r["testo"] for r in carica_racconti()]
    parole_giro = sum(len(t.split()) for t in testi)
    giri = -(-parole_minime // parole_giro)
    n = parole = 0
    with open(destinazione, "w", encoding="utf-8") as out:
        for giro in range(giri):
            for i, t in enumerate(testi):
                out.write(json.dumps({"id": f"{giro}-{i}", "text": t}, ensure_ascii=False) + "\n")
                n += 1
                parole += len(t.split())
    return n, parole


def carica_nlp(scelta: str) -> Any:
    """The project's Italian pipeline (``analisi.lingua``), a path, or ``None`` (rules only)."""
    if scelta == "nessuno":
        return None
    if scelta == "auto":
        from analisi.lingua import carica_italiano  # type: ignore[import-not-found,unused-ignore]

        return carica_italiano()
    import spacy

    return spacy.load(scelta)


def _memoria_picco_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest finished child, in MB (Linux reports KiB)."""
    proprio = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figli = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return proprio, figli


def esegui_narrazioni(ingresso: Path, modello: str, processi: int, batch_size: int,
                      filtro_ner: bool = True) -> dict[str, Any]:
    from analisi.anonimizzazione import Anonimizzatore, anonimizza_jsonl
    from analisi.anonimizzazione.risorse import associazioni_corpus, lessico

    t0 = time.perf_counter()
    nlp = carica_nlp(modello)
    lessico()  # the lists load once per process, before the workers fork
    anon = Anonimizzatore(nlp, consentiti=associazioni_corpus(percorso_associazioni()))
    anon.ner_solo_frasi_candidate = filtro_ner  # False: the NER reads all the text, as Presidio's does
    anon.anonimizza("Mi chiamo Giulia, tel. 333 1234567.")  # warm up
    caricamento = time.perf_counter() - t0
    t0 = time.perf_counter()
    with open(ingresso, encoding="utf-8") as f, open(os.devnull, "w", encoding="utf-8") as out:
        storie = anonimizza_jsonl(f, out, anon, processi=processi, batch_size=batch_size)
    secondi = time.perf_counter() - t0
    proprio, figli = _memoria_picco_mb()
    return {
        "storie": storie,
        "secondi": secondi,
        "caricamento": caricamento,
        "picco_mb": proprio,
        "picco_worker_mb": figli,
        "modello": _nome(nlp),
    }


_PRESIDIO: Any = None  # (analyzer, anonymizer) inherited by the forked workers


def _presidio_su(testi: list[str]) -> int:
    analizzatore, anonimizzatore = _PRESIDIO
    for testo in testi:
        risultati = analizzatore.analyze(testo, language="it")
        anonimizzatore.anonymize(text=testo, analyzer_results=risultati)
    return sum(len(t.split()) for t in testi)


def esegui_presidio(ingresso: Path, modello: str, massimo_parole: int, processi: int = 1) -> dict[str, Any]:
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        ItDriverLicenseRecognizer,
        ItFiscalCodeRecognizer,
        ItIdentityCardRecognizer,
        ItPassportRecognizer,
        ItVatCodeRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UrlRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine

    t0 = time.perf_counter()
    nlp = carica_nlp(modello)
    if nlp is None:
        import spacy

        nlp = spacy.blank("it")
    else:
        from analisi.anonimizzazione.fasi.ner import _componenti_ner

        _, da_spegnere = _componenti_ner(nlp)
        nlp.select_pipes(disable=da_spegnere)  # the same NER-only pipeline as ours
    configurazione = NerModelConfiguration(
        model_to_presidio_entity_mapping={"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"},
        labels_to_ignore=["MISC"],
    )
    nlp_engine = SpacyNlpEngine(
        models=[{"lang_code": "it", "model_name": "it_narrazioni"}], ner_model_configuration=configurazione
    )
    nlp_engine.nlp = {"it": nlp}  # type: ignore[assignment]  # no load(): it would download a model by name
    registro = RecognizerRegistry(supported_languages=["it"])
    for r in (
        EmailRecognizer(supported_language="it"),
        UrlRecognizer(supported_language="it"),
        PhoneRecognizer(supported_language="it", supported_regions=("IT",)),
        IbanRecognizer(supported_language="it"),
        CreditCardRecognizer(supported_language="it"),
        ItFiscalCodeRecognizer(supported_language="it"),
        ItVatCodeRecognizer(supported_language="it"),
        ItIdentityCardRecognizer(supported_language="it"),
        ItPassportRecognizer(supported_language="it"),
        ItDriverLicenseRecognizer(supported_language="it"),
        SpacyRecognizer(supported_language="it", supported_entities=["PERSON", "LOCATION", "ORGANIZATION"]),
    ):
        registro.add_recognizer(r)
    analizzatore = AnalyzerEngine(nlp_engine=nlp_engine, registry=registro, supported_languages=["it"])
    anonimizzatore = AnonymizerEngine()
    analizzatore.analyze("Mi chiamo Giulia, tel. 333 1234567.", language="it")  # warm up
    caricamento = time.perf_counter() - t0
    testi: list[str] = []
    parole = 0
    with open(ingresso, encoding="utf-8") as f:
        for riga in f:
            testi.append(json.loads(riga)["text"])
            parole += len(testi[-1].split())
            if parole >= massimo_parole:
                break
    storie = len(testi)
    global _PRESIDIO
    _PRESIDIO = (analizzatore, anonimizzatore)
    t0 = time.perf_counter()
    if processi <= 1:
        _presidio_su(testi)
    else:
        import multiprocessing

        pezzi = [testi[i:i + 16] for i in range(0, len(testi), 16)]
        with multiprocessing.get_context("fork").Pool(processi) as pool:
            sum(pool.imap(_presidio_su, pezzi))
    secondi = time.perf_counter() - t0
    proprio, figli = _memoria_picco_mb()
    return {
        "storie": storie,
        "parole": parole,
        "secondi": secondi,
        "caricamento": caricamento,
        "picco_mb": proprio,
        "picco_worker_mb": figli,
        "modello": _nome(nlp),
    }


def _nome(nlp: Any) -> str:
    if nlp is None:
        return "nessuno (solo regole)"
    return f"{nlp.meta.get('name')} {nlp.meta.get('version')}"


def _figlio(argomenti: list[str]) -> dict[str, Any]:
    comando = [sys.executable, str(Path(__file__).resolve()), *argomenti]
    ambiente = dict(os.environ, PYTHONPATH=str(RADICE) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    esito = subprocess.run(comando, capture_output=True, text=True, env=ambiente, check=False)
    if esito.returncode != 0:
        raise SystemExit(f"{argomenti[1]} failed:\n{esito.stderr[-3000:]}")
    return json.loads(esito.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parole", type=int, default=1_000_000, help="words in the benchmark corpus")
    ap.add_argument("--processi", type=int, default=2, help="worker processes, for every engine")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--modello", default="auto", help="auto (analisi.lingua), nessuno, or a path")
    ap.add_argument(
        "--parole-presidio",
        type=int,
        default=0,
        help="stop Presidio after this many words (0 = the whole corpus)",
    )
    ap.add_argument("--motore", choices=["narrazioni", "narrazioni-tutto", "presidio"], help=argparse.SUPPRESS)
    ap.add_argument("--ingresso", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.motore in ("narrazioni", "narrazioni-tutto"):
        print(json.dumps(esegui_narrazioni(args.ingresso, args.modello, args.processi, args.batch_size,
                                           filtro_ner=args.motore == "narrazioni")))
        return 0
    if args.motore == "presidio":
        print(json.dumps(esegui_presidio(args.ingresso, args.modello, args.parole_presidio or 10**12,
                                         args.processi)))
        return 0

    carico_prima = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as cartella:
        ingresso = Path(cartella) / "bench.jsonl"
        storie, parole = prepara_ingresso(ingresso, args.parole)
        print(
            f"corpus: {storie} racconti, {parole} parole ({ingresso.stat().st_size / 1e6:.1f} MB JSONL), "
            f"{len(os.sched_getaffinity(0))} core",
            flush=True,
        )
        comuni = ["--ingresso", str(ingresso), "--modello", args.modello, "--processi", str(args.processi)]
        righe: list[tuple[str, dict[str, Any]]] = []
        motori = (("narrazioni", "narrazioni, NER filtrata"), ("narrazioni-tutto", "narrazioni, NER su tutto"))
        for motore, nome in motori:
            r = _figlio(["--motore", motore, *comuni, "--batch-size", str(args.batch_size)])
            r["parole"] = parole
            righe.append((nome, r))
            print(f"{nome} fatto in {r['secondi']:.1f} s", flush=True)
        loro = _figlio(["--motore", "presidio", *comuni, "--parole-presidio", str(args.parole_presidio)])
        righe.append(("presidio", loro))
    print(f"\nmodello spaCy: {righe[0][1]['modello']} (solo NER, per tutti); carico medio "
          f"{carico_prima:.1f} -> {os.getloadavg()[0]:.1f}")
    print(
        f"{'motore':26} {'processi':>8} {'parole':>9} {'secondi':>8} {'parole/s':>9} {'picco MB':>9} "
        f"{'worker MB':>9} {'avvio s':>7}"
    )
    for nome, r in righe:
        r["parole_al_secondo"] = r["parole"] / r["secondi"]
        print(
            f"{nome:26} {args.processi:8d} {r['parole']:9d} {r['secondi']:8.1f} {r['parole_al_secondo']:9.0f} "
            f"{r['picco_mb']:9.0f} {r['picco_worker_mb']:9.0f} {r['caricamento']:7.1f}"
        )
    presidio = righe[-1][1]["parole_al_secondo"]
    print()
    for nome, r in righe[:-1]:
        print(f"rapporto {nome} / presidio ({args.processi} processi ciascuno): "
              f"{r['parole_al_secondo'] / presidio:.1f}x  (obiettivo >= 5x)")
    print(f"narrazioni, NER filtrata: {righe[0][1]['parole_al_secondo']:.0f} parole/s (obiettivo >= 20 000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
