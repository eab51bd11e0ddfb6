"""Retraining: the corpus gold plus the people's corrections stored in ``codici`` (fonte="umano").

``addestra(archivio, cartella_dati)`` is what ``narrazioni codifica addestra`` runs: it prints κ and F1 per
code on held-out folds (by story), the agreement of the current model with the people, then fits on
everything and saves ``<cartella_dati>/modelli/codificatore.joblib`` (used by ``codifica.v1`` from the next
run; ``narrazioni elabora`` codes new sentences with it, already coded ones keep their codes until a
re-coding is asked for).

Rebuild the models shipped in the package (after changing the corpus, the rules or the taxonomy):
``python -m analisi.codifica.addestra --predefinito``.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from analisi.codifica.accordo import accordo_per_codice
from analisi.codifica.codebook import CODICI, TUTTI_SOTTOCODICI, genitore
from analisi.codifica.dati import FraseEtichettata, carica_oro
from analisi.codifica.modello import FILE_MODELLO, CodificatoreFrasi
from analisi.codifica.valuta import _tabella, metriche, predizioni_fuori_fold
from archivio import codifica as qc
from archivio.db import Archivio
from archivio.politiche import SOGLIA_CODICE

PESO_UMANO = 2.0  # a person's correction of our own genre weighs more than a corpus sentence


@dataclass
class RisultatoAddestramento:
    percorso: Path | None
    esempi_oro: int
    esempi_umani: int
    metriche: dict[str, dict[str, float]] = field(default_factory=dict)
    accordo: dict[str, dict[str, Any]] = field(default_factory=dict)


def esempi_umani(righe: Sequence[dict[str, Any]], modello: dict[int, dict[str, float]], soglia: float = SOGLIA_CODICE,
                 peso: float = PESO_UMANO) -> list[FraseEtichettata]:
    """Training sentences from people's decisions.

    Per sentence and code: the majority of the people's latest decisions; a code nobody decided keeps the
    model's label (the person saw the sentence and left it as it was).
    """
    per_frase: dict[int, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
    info: dict[int, tuple[int, str]] = {}
    for r in righe:
        per_frase[r["frase_id"]][r["codice"]][r["autore"]] = bool(r["valore"])  # rows are in time order
        info[r["frase_id"]] = (r["racconto_id"], r["testo"])
    out = []
    for fid, decisioni in per_frase.items():
        codici = {c for c, p in modello.get(fid, {}).items() if p >= soglia}
        for c, per_autore in decisioni.items():
            si = sum(per_autore.values())
            if si * 2 >= len(per_autore):
                codici.add(c)
            else:
                codici.discard(c)
                codici -= {s for s in TUTTI_SOTTOCODICI if genitore(s) == c}
        racconto_id, testo = info[fid]
        out.append(FraseEtichettata(racconto=f"archivio-{racconto_id}", testo=testo,
                                    codici=frozenset(c for c in codici if c in CODICI or c in TUTTI_SOTTOCODICI),
                                    fonte="umano", peso=peso))
    return out


def addestra(archivio: Archivio | None, cartella_dati: Path | None, *, n_fold: int = 5,
             stampa: Callable[[str], None] = print, salva: bool = True, valuta: bool = True,
             nlp: Any = None) -> RisultatoAddestramento:
    """Evaluate on folds (unless ``valuta`` is False), report agreement, fit on gold + human corrections and
    save the district's model."""
    oro = carica_oro()
    umani: list[FraseEtichettata] = []
    accordo: dict[str, dict[str, Any]] = {}
    if archivio is not None:
        with archivio.lettura() as s:
            righe = qc.codici_umani(s)
            modello = qc.codici_modello(s, sorted({r["frase_id"] for r in righe}))
            accordo = accordo_per_codice(qc.dati_accordo(s))
        umani = esempi_umani(righe, modello)
    testi_umani = {u.testo for u in umani}
    esempi = [f for f in oro if f.testo not in testi_umani] + umani
    if not esempi:
        raise RuntimeError("no training data: build the corpus (python corpus/costruisci.py) or correct some codes")
    stampa(f"Esempi: {len(esempi) - len(umani)} dal corpus oro, {len(umani)} correzioni umane.")
    risultato = RisultatoAddestramento(None, len(esempi) - len(umani), len(umani), accordo=accordo)
    storie = {f.racconto for f in esempi}
    if valuta and len(storie) >= n_fold:
        proba, _ = predizioni_fuori_fold(esempi, lambda: CodificatoreFrasi(nlp=nlp), n_fold=n_fold)
        risultato.metriche = metriche(esempi, proba)
        stampa(f"\nFold tenuti da parte per racconto (GroupKFold {n_fold}):\n")
        stampa(_tabella("codice", risultato.metriche))
    if accordo:
        stampa("\nAccordo modello attuale / persone:\n")
        stampa("| codice | κ modello-persone | frasi | persone | α di Krippendorff (persone) |\n|---|---|---|---|---|")
        for c, v in accordo.items():
            alfa = "—" if np.isnan(v["alfa_umani"]) else f"{v['alfa_umani']:.2f}"
            kappa = "—" if np.isnan(v["kappa_modello_umani"]) else f"{v['kappa_modello_umani']:.2f}"
            stampa(f"| {c} | {kappa} | {v['frasi_confrontate']} | {v['persone']} | {alfa} |")
    finale = CodificatoreFrasi(nlp=nlp).fit([f.testo for f in esempi], [f.codici for f in esempi],
                                            sample_weight=[f.peso for f in esempi])
    if salva and cartella_dati is not None:
        risultato.percorso = finale.salva(Path(cartella_dati) / "modelli" / FILE_MODELLO)
        stampa(f"\nModello salvato: {risultato.percorso} ({finale.autore})")
    return risultato


def ricodifica(archivio: Archivio, codificatore: CodificatoreFrasi, *, lotto: int = 2000) -> int:
    """Re-code every stored sentence of visible stories with ``codificatore`` (after a retraining).

    Human codes are kept. Returns the number of sentences coded.
    """
    with archivio.lettura() as s:
        ids = qc.ids_frasi_visibili(s)
    fatte = 0
    for i in range(0, len(ids), lotto):
        with archivio.lettura() as s:
            frasi = qc.testi_di_frasi(s, ids[i:i + lotto])
        codifiche = codificatore.codifica([t for _, t in frasi])
        valori = {}
        for (fid, _), c in zip(frasi, codifiche, strict=True):
            v = dict(c.codici)
            v.update({k: p for k, p in c.sottocodici.items() if k in c.etichette})
            valori[fid] = v
        with archivio.transazione() as s:
            qc.salva_codici_modello(s, valori, codificatore.autore)
        fatte += len(frasi)
    return fatte


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--predefinito", action="store_true", help="rebuild the models shipped in the package")
    a = ap.parse_args(argv)
    if a.predefinito:
        from analisi.codifica.modello import CARTELLA_PREDEFINITO, addestra_predefinito
        from analisi.piano import salva_base_predefinita

        m = addestra_predefinito()
        base = salva_base_predefinita()
        for p in (CARTELLA_PREDEFINITO / FILE_MODELLO, base):
            print(f"{p} ({p.stat().st_size // 1024} KiB)")
        print(f"codificatore: {m.autore}, {m.n_esempi_} frasi")
        return 0
    from archivio.impostazioni import carica_impostazioni

    imp = carica_impostazioni()
    archivio = Archivio(imp.url_database())
    try:
        addestra(archivio, imp.archivio.cartella_dati)
    finally:
        archivio.chiudi()
    return 0


if __name__ == "__main__":
    sys.exit(main())
