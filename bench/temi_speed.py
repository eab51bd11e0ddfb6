"""CPU time of the themes stage alone (the fit with k chosen automatically, as ``elabora`` runs it first).

Stories are recombined from the ANONYMISED sample corpus as ``bench/elabora_speed.py`` recombines them
(paragraphs of several stories, seeded), each with its association; then ``ModelloTemi(k="auto")`` is fitted
as ``analisi.stadi.temi.adatta_e_registra`` fits it (associations' names ignored, cross-cutting filter on).
Prints CPU seconds (this process and its forked workers), wall seconds, the chosen k, the k curve and a
fingerprint of the themes, so that two versions can be compared on the same input::

    python bench/temi_speed.py --racconti 2000 [--n-jobs 1]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import time
from pathlib import Path

RADICE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RADICE))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def storie_ricombinate(n: int, seme: int = 7) -> list[dict[str, str | None]]:
    """As ``bench/elabora_speed.py`` recombines them, from the ANONYMISED sample corpus."""
    from elabora_speed import racconti_ricombinati

    from analisi.temi.campione import carica_campione

    return [{"testo": r["testo"], "associazione": r["associazione"]}
            for r in racconti_ricombinati(n, seme, righe=carica_campione())]


def _cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def main(argv: list[str] | None = None) -> int:
    from analisi.temi.modello import ModelloTemi

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--racconti", type=int, default=2000)
    ap.add_argument("--n-jobs", type=int, default=1, help="processes for the choice of k (-1: every core)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-doc-k", type=int, default=None, help="max_documenti_scelta_k (default: the model's)")
    ap.add_argument("--ripetizioni", type=int, default=None, help="n_ripetizioni (default: the model's)")
    ap.add_argument("--passo-k", type=int, default=None, help="PASSO_K (1: every k, as before coarse to fine)")
    ap.add_argument("--sfoltimento", type=float, default=None, help="SFOLTIMENTO_SCELTA_K (0: none)")
    ap.add_argument("--iter-k", type=int, default=None, help="ITERAZIONI_SCELTA_K (default: the module's)")
    args = ap.parse_args(argv)
    storie = storie_ricombinate(args.racconti) if args.racconti else [
        {"testo": r["testo"], "associazione": r["associazione"]}
        for r in __import__("analisi.temi.campione", fromlist=["x"]).carica_campione()]
    testi = [str(s["testo"]) for s in storie]
    associazioni = [s["associazione"] for s in storie]
    nomi = sorted({a for a in associazioni if a})
    import analisi.temi.modello as modulo

    if args.iter_k is not None:
        modulo.ITERAZIONI_SCELTA_K = args.iter_k
    if args.passo_k is not None:
        modulo.PASSO_K = args.passo_k
    if args.sfoltimento is not None:
        modulo.SFOLTIMENTO_SCELTA_K = args.sfoltimento
    extra = {c: v for c, v in (("max_documenti_scelta_k", args.max_doc_k), ("n_ripetizioni", args.ripetizioni))
             if v is not None}
    originale, cpu_k = modulo.ModelloTemi._scegli_k, [0.0]

    def scegli_k_misurato(self, *a, **kw):  # CPU of the choice of k alone
        inizio = _cpu()
        try:
            return originale(self, *a, **kw)
        finally:
            cpu_k[0] += _cpu() - inizio

    modulo.ModelloTemi._scegli_k = scegli_k_misurato  # type: ignore[method-assign]
    cpu0, t0 = _cpu(), time.perf_counter()
    m = ModelloTemi(k="auto", random_state=args.seed, nomi_da_ignorare=nomi, n_jobs=args.n_jobs, **extra).fit(
        testi, associazioni=associazioni)
    cpu, parete = _cpu() - cpu0, time.perf_counter() - t0
    impronta = hashlib.sha256(m.components_.tobytes()).hexdigest()[:16]
    print(f"{len(testi)} racconti, {sum(len(t.split()) for t in testi)} parole; n_jobs={args.n_jobs}; {extra} "
          f"iter_k={modulo.ITERAZIONI_SCELTA_K} passo_k={modulo.PASSO_K} "
          f"sfoltimento={modulo.SFOLTIMENTO_SCELTA_K}; "
          f"carico medio {os.getloadavg()[0]:.1f}")
    print(f"CPU {cpu:.1f} s (scelta di k {cpu_k[0]:.1f} s), parete {parete:.1f} s; k scelto {m.k_}; "
          f"impronta {impronta}")
    for c in m.curva_k_:
        print(f"  k={c['k']:2d} npmi={c['npmi']:.3f} stabilita={c['stabilita']:.3f}"
              f"{' candidato' if c.get('candidato') else ''}{' <-' if c['k'] == m.k_ else ''}")
    for j in range(m.k_):
        print(f"  [{j}] {m.prevalenza_[j]:5.1%} {', '.join(m.termini_[j][:6])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
