"""Learning curves of a campaign: how fast the coder learns a register it was not trained on.

For each register R of the real development set (``corpus/reale``, text from ``../shared``): the base coder is
trained as shipped (decision points, training weights) on the synthetic corpus and the OTHER registers; R is
split by id hash into a pool (60 %) and a test part (40 %). Units are chosen from the pool in rounds of 50 — by
``codifica scegli``'s rule (uncertainty and diversity) or at random — labelled from the gold and the coder is
adapted to all labels so far (``codifica addestra --esempi``'s model). Proposta F1 and ansia average precision
on the test part are printed at 0/50/100/150/300 labels.

Run: ``python bench/codifica_apprendimento.py [--registri politica,tweet] [--passi 0,50,100,150,300]``
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analisi.codifica.campagna import CodificatoreAdattato, Esempio, proba_unita, scegli_unita
from analisi.codifica.codebook import CODICI, genitore
from analisi.codifica.dati import carica_oro
from analisi.codifica.modello import codificatore_spedito
from analisi.codifica.reale import carica_reali
from analisi.codifica.valuta_reale import per_registro, peso_addestramento

P, A = CODICI.index("proposta"), CODICI.index("ansia")


def _prova(uid: str) -> bool:
    return int(hashlib.sha1(uid.encode()).hexdigest(), 16) % 10 < 4


def _esempio(u) -> Esempio:  # type: ignore[no-untyped-def]
    return Esempio(str(u.meta["id"]), u.testo, frozenset(genitore(c) for c in u.codici))


def _misura(modello, prova) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    proba = proba_unita(modello, [u.testo for u in prova])
    y = np.array([[int(c in {genitore(x) for x in u.codici}) for c in CODICI] for u in prova])
    f1 = f1_score(y[:, P], proba[:, P] >= 0.5, zero_division=0)
    ap = average_precision_score(y[:, A], proba[:, A]) if y[:, A].any() else float("nan")
    return float(f1), float(ap)


def curva(base, pool, prova, passi, attivo: bool, seme: int = 0) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """(proposta F1, ansia AP) on ``prova`` after each number of labels in ``passi``; ``seme`` seeds the random
    choice and the adaptation's folds (the active choice itself is deterministic)."""
    restanti = list(pool)
    scelti: list = []  # type: ignore[type-arg]
    modello = base
    out = []
    rnd = random.Random(seme)
    for n in passi:
        while len(scelti) < n and restanti:
            k = min(50, n - len(scelti))
            if attivo:
                idx = scegli_unita([(str(u.meta["id"]), u.testo) for u in restanti], k, modello)
            else:
                idx = rnd.sample(range(len(restanti)), min(k, len(restanti)))
            scelti += [restanti[i] for i in idx]
            restanti = [u for i, u in enumerate(restanti) if i not in set(idx)]
            modello = CodificatoreAdattato(base=base, random_state=seme).fit([_esempio(u) for u in scelti])
        out.append(_misura(modello, prova))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--registri", default="", help="comma-separated registers (default: all)")
    ap.add_argument("--passi", default="0,50,100,150,300")
    ap.add_argument("--semi", default="0", help="comma-separated seeds (random choice, adaptation folds)")
    a = ap.parse_args(argv)
    reali, sintetico = carica_reali(), carica_oro()
    if not reali:
        print("real development set not available (../shared missing)")
        return 1
    passi = [int(x) for x in a.passi.split(",")]
    gruppi = per_registro(reali)
    scelta = [r for r in a.registri.split(",") if r] or sorted(gruppi)
    print("| registro | scelta | " + " | ".join(f"{n} etichette: F1 proposta / AP ansia" for n in passi) + " |")
    print("|---|---|" + "---|" * len(passi))
    for registro in scelta:
        train = sintetico + [u for r, us in gruppi.items() if r != registro for u in us]
        # the base as shipped (decision points, wish shift, training weights), without register R
        base = codificatore_spedito().fit(
            [u.testo for u in train], [u.codici for u in train], sample_weight=[peso_addestramento(u) for u in train])
        prova = [u for u in gruppi[registro] if _prova(str(u.meta["id"]))]
        pool = [u for u in gruppi[registro] if not _prova(str(u.meta["id"]))]
        semi = [int(x) for x in a.semi.split(",")]
        for attivo in (True, False):
            # seeds x steps x (F1, AP): mean ± standard deviation over seeds, 3 decimals (2 hid real differences)
            r = np.array([curva(base, pool, prova, passi, attivo, seme) for seme in semi])
            media, dev = r.mean(axis=0), r.std(axis=0)
            celle = " | ".join(
                f"{media[i, 0]:.3f}±{dev[i, 0]:.3f} / "
                + ("—" if np.isnan(media[i, 1]) else f"{media[i, 1]:.3f}±{dev[i, 1]:.3f}") for i in range(len(passi)))
            print(f"| {registro} ({len(pool)}+{len(prova)}) | {'attiva' if attivo else 'casuale'} | {celle} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
