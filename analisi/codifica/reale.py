"""The real-text development set: sentences of real Italian from ``../shared`` coded with the codebook.

The repository keeps only where each unit is (``sel``), a short hash of its text and its labels
(``corpus/reale/*.jsonl``): several sources forbid redistribution, so the text is rebuilt from the shared data
at load time. One line per unit::

    {"id": "degasperi-0001", "registro": "politica", "fonte": "data/ner/kind/degasperi_train.tsv",
     "sel": {"righe": [120, 161]}, "sha": "3f2a9c01de", "labels": ["proposta", "proposta.servizi"],
     "area": "1.2"}

``fonte`` is relative to the shared folder. ``sel`` is one of

- ``{"righe": [a, b]}``: lines a..b (1-based, inclusive) of a token-per-line file (KIND: ``token<TAB>tag``);
  the text is the detokenised first column;
- ``{"sent_id": "..."}``: a sentence of a CoNLL-U file (its ``# text =`` line);
- ``{"riga": n}``: data row n (0-based, header excluded when the file has one) of a CSV/TSV file; the text is
  the ``text`` column of a CSV or the first column of a TSV;
- ``{"start": a, "end": b}``: characters a..b of a plain-text file (the seeds).

``labels`` holds first-level codes, second-level codes as ``parent.child`` and two markers that are not codes:
``desiderio`` (a wish: "vorrei che...", with nobody asked to act) and ``lamentela`` (a complaint with no
request). ``area`` (optional) is the Piano di Zona area of a proposal. Guidelines: ``MODEL_CARD.md``.
"""

from __future__ import annotations

from pathlib import Path

from analisi.codifica.codebook import valido
from analisi.codifica.dati import FraseEtichettata
from analisi.corpus import (
    CARTELLA_REALE,
    SHARED_PREDEFINITO,
    ErroreDatiReali,
    carica_unita_reali,
    detokenizza,
    impronta,
    righe_reali,
    testo_unita,
)

# the real set's files and text are read by analisi.corpus (one loader); here: labels checked against the codebook
__all__ = ["CARTELLA_REALE", "MARCATORI", "SHARED_PREDEFINITO", "ErroreDatiReali", "carica_reali", "detokenizza",
           "impronta", "righe_reali", "testo_unita"]

MARCATORI: tuple[str, ...] = ("desiderio", "lamentela")


def carica_reali(shared: Path = SHARED_PREDEFINITO, cartella: Path = CARTELLA_REALE,
                 verifica: bool = True) -> list[FraseEtichettata]:
    """The real development set as labelled units; ``meta`` holds registro, markers (wish/complaint) and id.

    Empty when the shared data is not there (a machine without ``../shared``)."""
    out = []
    for u in carica_unita_reali(shared, cartella, verifica):
        etichette = list(u.etichette)
        sconosciute = [e for e in etichette if not (valido(e) or e in MARCATORI)]
        if sconosciute:
            raise ErroreDatiReali(f"{u.id}: unknown labels {sconosciute}")
        out.append(FraseEtichettata(
            racconto=u.id, testo=u.testo, codici=frozenset(e for e in etichette if valido(e)),
            area=u.area, fonte=f"reale:{u.registro}",
            meta={"id": u.id, "registro": u.registro, "marcatori": [e for e in etichette if e in MARCATORI]},
        ))
    return out
