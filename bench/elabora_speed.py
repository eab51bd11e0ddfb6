"""Words/s of the whole ``narrazioni elabora`` side by side with Presidio anonymising the same texts.

Stories are recombined from the sample corpus (paragraphs of several stories, seeded), imported into a fresh
data directory, then ``narrazioni elabora`` runs every stage (anonymisation, sentences, themes — fitted on the
spot —, coding, Piano di Zona mapping) as a user would run it: the wall time includes start-up and model
loading. Presidio then anonymises the same texts in the same run, one story at a time in one process, the
model loaded and warmed before timing, configured as the issue's check configures it: analyzer with the
predefined Italian recognizers on the product's whole Italian pipeline (``carica_italiano()``, every
component) + anonymizer, date results dropped. With ``--anche-presidio-stesso-calcolo`` the same Presidio also
runs with our runner's choice of BLAS (its models multiply through numpy's BLAS at one thread, not thinc's
BLIS), so the share of the ratio that choice accounts for is visible. With ``--anche-presidio-solo-ner`` it
also runs Presidio on the NER alone with our hand-picked recognizers (``bench/anonimizza_speed.py``), a
faster Presidio, and prints that ratio on its own line. The load average is printed: on a shared machine
every number moves with it.

Run from the repo root (Presidio needs the ``[bench]`` extra)::

    python bench/elabora_speed.py --racconti 2000 [--processi 0] [--anche-un-processo] [--anche-presidio-solo-ner]
        [--anche-presidio-stesso-calcolo]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RADICE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
if str(RADICE) not in sys.path:
    sys.path.insert(0, str(RADICE))

from analisi.corpus import carica_racconti  # noqa: E402


def racconti_ricombinati(n: int, seme: int = 7, righe: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """``n`` stories made of paragraphs of several stories of ``righe`` (default: the sample corpus), seeded;
    each keeps the other fields (association, period, ...) of the story it was drawn for."""
    righe = carica_racconti() if righe is None else righe
    rng = random.Random(seme)
    paragrafi = [p for r in righe for p in r["testo"].split("\n\n") if len(p.split()) > 8]
    out = []
    for i in range(n):
        r = rng.choice(righe)
        k = max(2, len(r["testo"].split("\n\n")))
        d = {c: v for c, v in r.items() if c not in ("id", "testo", "titolo")}
        d["testo"] = "\n\n".join(rng.sample(paragrafi, k)) + f"\n\n(racconto {i})"
        out.append(d)
    return out


def _cli(env: dict[str, str], *argomenti: str) -> None:
    subprocess.run([sys.executable, "-m", "narrazioni", *argomenti], env=env, check=True, capture_output=True)


def misura_elabora(storie: Path, cartella: Path, processi: int) -> float:
    env = {**os.environ, "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(cartella),
           "NARRAZIONI_ELABORAZIONE__PROCESSI": str(processi),
           "PYTHONPATH": str(RADICE) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("NARRAZIONI_CONFIG", None)
    env.pop("NARRAZIONI_ARCHIVIO__DATABASE_URL", None)
    _cli(env, "init")
    _cli(env, "importa", str(storie), "--consenso", "2020-1", "--crea-associazioni")
    t0 = time.perf_counter()
    _cli(env, "elabora")
    return time.perf_counter() - t0


def presidio_come_il_controllo(ingresso: Path, stesso_calcolo: bool = False) -> float:
    """Seconds Presidio takes on ``ingresso`` (JSONL ``{"id", "text"}``), configured as the issue's check.

    ``stesso_calcolo``: load the model and run as our runner does (thinc through numpy's BLAS, one BLAS
    thread), to show how much of the ratio that choice of ours accounts for.
    """
    if stesso_calcolo:
        from threadpoolctl import threadpool_limits

        from analisi.pipeline import operazioni_modelli

        with threadpool_limits(limits=1), operazioni_modelli():
            return presidio_come_il_controllo(ingresso)
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_anonymizer import AnonymizerEngine

    from analisi.lingua import carica_italiano

    configurazione = NerModelConfiguration(
        model_to_presidio_entity_mapping={"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"},
        labels_to_ignore=["MISC"])
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "it", "model_name": "it_narrazioni"}],
                                ner_model_configuration=configurazione)
    nlp_engine.nlp = {"it": carica_italiano()}  # type: ignore[assignment]  # every component, no download
    registro = RecognizerRegistry(supported_languages=["it"])
    registro.load_predefined_recognizers(languages=["it"], nlp_engine=nlp_engine)
    analizzatore = AnalyzerEngine(nlp_engine=nlp_engine, registry=registro, supported_languages=["it"])
    anonimizzatore = AnonymizerEngine()
    analizzatore.analyze("Mi chiamo Giulia Rossi, tel. 333 1234567.", language="it")  # warm up
    with open(ingresso, encoding="utf-8") as f:
        testi = [json.loads(riga)["text"] for riga in f if riga.strip()]
    t0 = time.perf_counter()
    for testo in testi:
        risultati = [r for r in analizzatore.analyze(testo, language="it") if r.entity_type != "DATE_TIME"]
        anonimizzatore.anonymize(text=testo, analyzer_results=risultati)  # type: ignore[arg-type]
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--racconti", type=int, default=2000)
    ap.add_argument("--processi", type=int, default=0,
                    help="NARRAZIONI_ELABORAZIONE__PROCESSI for elabora (0 = every core)")
    ap.add_argument("--anche-un-processo", action="store_true", help="also time elabora with one process")
    ap.add_argument("--modello", default="auto", help="spaCy pipeline of the NER-only Presidio")
    ap.add_argument("--anche-presidio-stesso-calcolo", action="store_true",
                    help="also time the check's Presidio with our runner's BLAS choice (numpy's, one thread)")
    ap.add_argument("--anche-presidio-solo-ner", action="store_true",
                    help="also time Presidio on the NER alone (bench/anonimizza_speed.py)")
    args = ap.parse_args(argv)
    from anonimizza_speed import esegui_presidio

    with tempfile.TemporaryDirectory(prefix="narrazioni-bench-") as tmp:
        base = Path(tmp)
        storie = racconti_ricombinati(args.racconti)
        with open(base / "s.jsonl", "w", encoding="utf-8") as f:
            for d in storie:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
        with open(base / "p.jsonl", "w", encoding="utf-8") as f:
            for i, d in enumerate(storie):
                f.write(json.dumps({"id": str(i), "text": d["testo"]}, ensure_ascii=False) + "\n")
        parole = sum(len(d["testo"].split()) for d in storie)
        carico_prima = os.getloadavg()[0]
        righe = [(f"narrazioni elabora (NARRAZIONI_ELABORAZIONE__PROCESSI={args.processi})",
                  misura_elabora(base / "s.jsonl", base / "d1", args.processi))]
        if args.anche_un_processo:
            righe.append(("narrazioni elabora (NARRAZIONI_ELABORAZIONE__PROCESSI=1)",
                          misura_elabora(base / "s.jsonl", base / "d2", 1)))
        presidio = [("presidio come il controllo: pipeline intera, riconoscitori predefiniti (1 processo)",
                     presidio_come_il_controllo(base / "p.jsonl"))]
        if args.anche_presidio_stesso_calcolo:
            presidio.append(("presidio come il controllo, col calcolo del nostro runner (BLAS di numpy, 1 thread)",
                             presidio_come_il_controllo(base / "p.jsonl", stesso_calcolo=True)))
        if args.anche_presidio_solo_ner:
            presidio.append(("presidio solo NER, nostri riconoscitori (1 processo)",
                             esegui_presidio(base / "p.jsonl", args.modello, 10**12)["secondi"]))
    print(f"{args.racconti} racconti, {parole} parole; core: {len(os.sched_getaffinity(0))}; carico medio "
          f"{carico_prima:.1f} → {os.getloadavg()[0]:.1f}")
    for nome, secondi in righe + presidio:
        print(f"{nome:85s} {secondi:8.1f} s  {parole / secondi:9.0f} parole/s")
    for nome, secondi in presidio:
        print(f"rapporto elabora (intero) / {nome.split(':')[0]} (solo anonimizzazione): "
              f"{secondi / righe[0][1]:.2f}x  (obiettivo >= 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
