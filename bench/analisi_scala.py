"""Scale benchmark of the analysis stages (sentences + themes) on 1 000, 10 000 and 100 000 stories.

Run from the repo root::

    PYTHONPATH=. python bench/analisi_scala.py [--dimensioni 1000 10000 100000] [--modo memoria|archivio]
                                               [--algoritmo auto|nmf|minibatch] [--seed 0]

Larger corpora are built by recombining the sample corpus's sentences (seeded): each synthetic story copies
the association, date and phase of a sample story and is made of as many sentences as that story, drawn
from the stories of the same association (so that themes exist to be found). Anonymisation is excluded:
the sample corpus is anonymised from its gold spans.

Modes:
- ``memoria`` (default): the stage functions without the database: ``dividi_frasi`` on every story; the
  theme model fitted on all stories (``temi: adattamento``, includes choosing k on a 2 000-story sample);
  every story assigned in batches of 500 (``temi: assegnazione``, what ``temi.v1`` does per batch);
  prevalence by association and by phase with bootstrap intervals (``confronti``).
- ``archivio``: the real runner on a throwaway SQLite database: stories stored as anonymised and visible,
  then ``esegui`` with the stages ``frasi.v1`` and ``temi.v1`` (one line per stage; writes included;
  ``--algoritmo`` is ignored: the stage chooses by size).

Printed per stage: wall time, CPU time of the process (on a shared machine the wall time grows with the
other processes' load; the load average is printed too), peak extra memory (RSS sampled every 10 ms above
the RSS at the stage's start), and the growth factor against the previous size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RADICE = Path(__file__).resolve().parent.parent
if str(RADICE) not in sys.path:
    sys.path.insert(0, str(RADICE))

import numpy as np  # noqa: E402
import psutil  # noqa: E402

from analisi.frasi import dividi_frasi  # noqa: E402
from analisi.temi.campione import carica_campione  # noqa: E402

OBIETTIVO_10K_S = 120.0


@dataclass
class Misura:
    stadio: str
    secondi: float
    cpu: float
    picco_mb: float


@contextmanager
def misura(stadio: str, misure: list[Misura]) -> Iterator[None]:
    """Wall time and peak RSS above the starting RSS, sampled by a thread every 10 ms."""
    processo = psutil.Process()
    base = processo.memory_info().rss
    picco = [base]
    fermo = threading.Event()

    def campiona() -> None:
        while not fermo.wait(0.01):
            picco[0] = max(picco[0], processo.memory_info().rss)

    t = threading.Thread(target=campiona, daemon=True)
    t.start()
    inizio = time.perf_counter()
    cpu = time.process_time()
    try:
        yield
    finally:
        durata = time.perf_counter() - inizio
        cpu = time.process_time() - cpu
        fermo.set()
        t.join()
        picco[0] = max(picco[0], processo.memory_info().rss)
        misure.append(Misura(stadio, durata, cpu, (picco[0] - base) / 2**20))


def corpus_sintetico(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` stories recombined from the sample corpus's sentences (same association as the model story)."""
    campione = carica_campione()
    rng = np.random.default_rng(seed)
    frasi_per_ass: dict[str | None, list[str]] = {}
    lunghezze = []
    for r in campione:
        frasi = [r["testo"][iv.inizio:iv.fine] for iv in dividi_frasi(r["testo"])]
        frasi_per_ass.setdefault(r["associazione"], []).extend(frasi)
        lunghezze.append(len(frasi))
    out = []
    for i in range(n):
        j = int(rng.integers(len(campione)))
        modello = campione[j]
        serbatoio = frasi_per_ass[modello["associazione"]]
        scelte = rng.integers(len(serbatoio), size=max(3, lunghezze[j]))
        # paragraphs of 4 sentences: the text looks like the stories people write
        frasi = [serbatoio[int(k)] for k in scelte]
        testo = "\n\n".join(" ".join(frasi[p:p + 4]) for p in range(0, len(frasi), 4))
        out.append({"id": f"s{i:06d}", "testo": testo, "associazione": modello["associazione"],
                    "data": modello["data"], "periodo": modello["periodo"], "citabile": modello["citabile"]})
    return out


def stadi_in_memoria(storie: list[dict[str, Any]], algoritmo: str, seed: int) -> list[Misura]:
    import pandas as pd

    from analisi.confronti import prevalenza_per_gruppo, temi_nel_tempo
    from analisi.temi.modello import ModelloTemi

    misure: list[Misura] = []
    testi = [r["testo"] for r in storie]
    with misura("frasi", misure):
        n_frasi = sum(len(dividi_frasi(t)) for t in testi)
    associazioni = sorted({r["associazione"] for r in storie if r["associazione"]})
    soglia = {"minibatch": 1, "nmf": 10**9}.get(algoritmo, 20_000)  # "auto": the model's default by size
    with misura("temi: adattamento", misure):
        modello = ModelloTemi(random_state=seed, nomi_da_ignorare=associazioni, soglia_minibatch=soglia).fit(
            testi, citabili=[r["citabile"] for r in storie])
    with misura("temi: assegnazione", misure):
        pesi = np.vstack([modello.transform(testi[i:i + 500]) for i in range(0, len(testi), 500)])
    with misura("confronti", misure):
        tabella = pd.DataFrame(pesi, index=[r["id"] for r in storie])
        prevalenza_per_gruppo(tabella, [r["associazione"] for r in storie], random_state=seed)
        temi_nel_tempo(tabella, [r["data"] for r in storie], per="fase", fasi=[r["periodo"] for r in storie],
                       random_state=seed)
    print(f"    {n_frasi} frasi; k={modello.k_} ({modello.riepilogo()['algoritmo']}), "
          f"NPMI {modello.coerenza_media_:.3f}, stabilità {modello.stabilita_:.3f}, "
          f"vocabolario {len(modello.termini_vocabolario_)}", flush=True)
    return misure


def stadi_archivio(storie: list[dict[str, Any]], algoritmo: str, seed: int) -> list[Misura]:
    from analisi.pipeline import esegui, risolvi_stadio
    from analisi.stadi.temi import StadioTemi
    from archivio import racconti as q
    from archivio.cifratura import Cifrario, crea_chiave
    from archivio.db import Archivio, migra
    from archivio.impostazioni import Impostazioni
    from raccolta.consenso import registra_consenso

    misure: list[Misura] = []
    with tempfile.TemporaryDirectory() as cartella:
        imp = Impostazioni(archivio={"cartella_dati": Path(cartella)},
                           elaborazione={"stadi": ["frasi.v1"], "lotto": 500})
        archivio = Archivio(imp.url_database())
        migra(archivio)
        registra_consenso(archivio, imp.modulo.versione_consenso)
        crea_chiave(imp.percorso_chiave())
        cifrario = Cifrario.da_file(imp.percorso_chiave())
        with archivio.transazione() as s:
            for nome in sorted({r["associazione"] for r in storie if r["associazione"]}):
                q.assicura_associazione(s, nome)
        t0 = time.perf_counter()
        for inizio in range(0, len(storie), 1000):
            with archivio.transazione() as s:
                for r in storie[inizio:inizio + 1000]:
                    rid = q.inserisci_racconto(s, q.NuovoRacconto(
                        testo=r["testo"], canale="importazione", versione_consenso=imp.modulo.versione_consenso,
                        associazione=r["associazione"], periodo=r["periodo"],
                        consenso_citazione=r["citabile"]), cifrario).id
                    q.salva_anonimizzazione(s, rid, r["testo"], [], None, [])
        print(f"    (caricamento nell'archivio, escluso: {time.perf_counter() - t0:.1f} s)", flush=True)
        for nome, stadio in (("frasi.v1", risolvi_stadio("frasi.v1")), ("temi.v1", StadioTemi())):
            with misura(nome, misure):
                esegui(archivio, imp, cifrario, stadi=[stadio])
        archivio.chiudi()
    return misure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="scale benchmark of the analysis stages")
    parser.add_argument("--dimensioni", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--modo", choices=("memoria", "archivio"), default="memoria")
    parser.add_argument("--algoritmo", choices=("auto", "nmf", "minibatch"), default="auto",
                        help="auto: the model's choice by size (MiniBatchNMF from 20 000 stories); "
                        "nmf / minibatch: force one at every size")
    parser.add_argument("--seed", type=int, default=0)
    a = parser.parse_args(argv)
    esegui_stadi: Callable[[list[dict[str, Any]], str, int], list[Misura]] = (
        stadi_in_memoria if a.modo == "memoria" else stadi_archivio)
    precedenti: dict[str, Misura] = {}
    n_prec = None
    totale_10k = None
    for n in a.dimensioni:
        storie = corpus_sintetico(n, a.seed)
        parole = sum(len(r["testo"].split()) for r in storie)
        print(f"\n== {n} racconti ({parole} parole), modo {a.modo}, algoritmo {a.algoritmo}", flush=True)
        misure = esegui_stadi(storie, a.algoritmo, a.seed)
        print(f"  {'stadio':22s} {'secondi':>9s} {'CPU s':>7s} {'picco MB':>9s} {'crescita tempo':>15s}")
        for m in misure:
            crescita = ""
            if m.stadio in precedenti and n_prec and precedenti[m.stadio].secondi > 0:
                fattore = m.secondi / precedenti[m.stadio].secondi
                crescita = f"×{fattore:.1f} per ×{n / n_prec:.0f}"
            print(f"  {m.stadio:22s} {m.secondi:9.1f} {m.cpu:7.1f} {m.picco_mb:9.0f} {crescita:>15s}")
        totale = sum(m.secondi for m in misure)
        print(f"  {'totale':22s} {totale:9.1f} {sum(m.cpu for m in misure):7.1f}   "
              f"(carico medio della macchina: {os.getloadavg()[0]:.1f})")
        if n == 10_000:
            totale_10k = totale
        precedenti = {m.stadio: m for m in misure}
        n_prec = n
    if totale_10k is not None:
        esito = "OK" if totale_10k < OBIETTIVO_10K_S else "OLTRE L'OBIETTIVO"
        print(f"\n10 000 racconti: {totale_10k:.1f} s (obiettivo < {OBIETTIVO_10K_S:.0f} s, anonimizzazione esclusa): "
              f"{esito}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
