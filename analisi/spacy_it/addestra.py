"""Reproducible training of the shipped Italian pipeline ``it_narrazioni``.

Steps: convert KIND and UD to DocBin in a work directory outside the repository; train the NER
(``ner.cfg``) and the morphologizer + senter (``morfologia.cfg``) with fixed seeds; assemble one pipeline
``tok2vec, morphologizer, senter, ner, lemmatizer (simplemma)`` and save it to ``uscita``.

Training stops at ``max_steps`` or at the wall-time cap, whichever comes first, always at an evaluation
point; the best checkpoint on the dev data is kept. Given the same number of steps the result is
reproducible (seed 0); the steps actually reached are written to the pipeline's meta.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analisi.spacy_it import componenti
from analisi.spacy_it.dati import DOMINI_GOLD, leggi_kind, spans_kind

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

CARTELLA = Path(__file__).resolve().parent
CFG_NER = CARTELLA / "ner.cfg"
CFG_MORFOLOGIA = CARTELLA / "morfologia.cfg"
USCITA_PREDEFINITA = CARTELLA / "it_narrazioni"
NOME = "it_narrazioni"
VERSIONE = "0.1.0"
SEME = 0

# UD files used for training; ParTUT dev selects the checkpoint and ParTUT test is never seen here.
UD_TRAIN = (
    ("ParTUT", "it_partut-ud-train.conllu"),
    ("ISDT", "it_isdt-ud-dev.conllu"),
    ("VIT", "it_vit-ud-dev.conllu"),
    ("PoSTWITA", "it_postwita-ud-dev.conllu"),
)
UD_DEV = ("ParTUT", "it_partut-ud-dev.conllu")
UD_TEST = ("ParTUT", "it_partut-ud-test.conllu")

LICENZA = "CC BY-NC-SA 4.0"
FONTI = [
    {
        "name": "KIND (Kessler Italian Named-entities Dataset): Wikinews, fiction, De Gasperi gold train",
        "url": "https://github.com/dhfbk/KIND",
        "license": "CC BY-NC 4.0; De Gasperi CC BY-NC-SA 4.0",
        "author": "Paccosi & Palmero Aprosio (FBK)",
    },
    {
        "name": "UD Italian ParTUT (train, dev), ISDT, VIT, PoSTWITA (dev)",
        "url": "https://universaldependencies.org",
        "license": "CC BY-NC-SA 3.0/4.0",
        "author": "Universal Dependencies contributors",
    },
    {
        "name": "simplemma (lemmatisation at run time, not trained)",
        "url": "https://github.com/adbar/simplemma",
        "license": "MIT",
        "author": "Adrien Barbaresi",
    },
]


def _log(messaggio: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {messaggio}", flush=True)


# --------------------------------------------------------------------------------------------- data


def docs_kind(shared: Path, *, dev: bool, moro: bool = False, domini: Iterable[str] = DOMINI_GOLD) -> list[Doc]:
    """KIND sentences as Docs with gold entities: the train part (``dev=False``) or the dev split."""
    import spacy
    from spacy.tokens import Doc, Span

    vocab = spacy.blank("it").vocab
    docs: list[Doc] = []
    nomi = list(domini) + (["moro"] if moro and not dev else [])
    for dominio in nomi:
        for frase in leggi_kind(shared, dominio):
            if frase.dev != dev:
                continue
            doc = Doc(vocab, words=list(frase.tokens))
            doc.ents = [Span(doc, a, b, label=lab) for a, b, lab in spans_kind(frase)]
            docs.append(doc)
    return docs


def docs_ud(percorso: Path, *, frasi_per_doc: int = 10) -> list[Doc]:
    """A CoNLL-U file as Docs of ``frasi_per_doc`` sentences (so a senter sees boundaries).

    Multiword tokens are merged ("della", not "di la") because spaCy's Italian tokenizer keeps them whole.
    """
    from spacy.training.converters import conllu_to_docs

    testo = percorso.read_text(encoding="utf-8")
    return list(conllu_to_docs(testo, n_sents=frasi_per_doc, merge_subtokens=True, no_print=True))


def _salva_docbin(docs: list[Doc], percorso: Path) -> Path:
    from spacy.tokens import DocBin

    DocBin(docs=docs, store_user_data=False).to_disk(percorso)
    return percorso


def prepara_dati(shared: Path, lavoro: Path, *, moro: bool = False) -> dict[str, Path]:
    """Write the training and dev DocBins into ``lavoro`` and return their paths."""
    lavoro.mkdir(parents=True, exist_ok=True)
    ud = shared / "data" / "ud"
    percorsi = {
        "ner_train": _salva_docbin(docs_kind(shared, dev=False, moro=moro), lavoro / "ner_train.spacy"),
        "ner_dev": _salva_docbin(docs_kind(shared, dev=True), lavoro / "ner_dev.spacy"),
        "ud_train": _salva_docbin([d for t, f in UD_TRAIN for d in docs_ud(ud / t / f)], lavoro / "ud_train.spacy"),
        "ud_dev": _salva_docbin(docs_ud(ud / UD_DEV[0] / UD_DEV[1]), lavoro / "ud_dev.spacy"),
    }
    return percorsi


# ----------------------------------------------------------------------------------------- training


def _punteggio_ner(scores: Mapping[str, Any]) -> float:
    """Checkpoint selection for the NER: persons matter most for anonymisation, so PER F counts half."""
    per = (scores.get("ents_per_type") or {}).get("PER", {}).get("f", 0.0)
    return 0.5 * float(scores.get("ents_f") or 0.0) + 0.5 * float(per)


def _punteggio_morfologia(scores: Mapping[str, Any]) -> float:
    return (
        0.5 * float(scores.get("pos_acc") or 0.0)
        + 0.25 * float(scores.get("morph_acc") or 0.0)
        + 0.25 * float(scores.get("sents_f") or 0.0)
    )


def allena(
    cfg: Path,
    train: Path,
    dev: Path,
    uscita: Path,
    *,
    minuti: float,
    sostituzioni: Mapping[str, Any] | None = None,
    punteggio: Any = None,
) -> dict[str, Any]:
    """Train one spaCy config; save the best checkpoint (by ``punteggio`` on dev) to ``uscita``.

    Returns a summary: steps, minutes, best score and the dev scores of the best checkpoint.
    """
    from spacy import util
    from spacy.schemas import ConfigSchemaTraining
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import create_evaluation_callback, create_train_batches, train_while_improving
    from thinc.api import fix_random_seed

    overrides = {"paths.train": str(train), "paths.dev": str(dev), "system.seed": SEME}
    overrides.update(dict(sostituzioni or {}))
    config = util.load_config(cfg, overrides=overrides, interpolate=False)
    fix_random_seed(SEME)
    random.seed(SEME)
    inizio = time.monotonic()
    nlp = init_nlp(config)
    config = nlp.config.interpolate()
    T = util.registry.resolve(config["training"], schema=ConfigSchemaTraining)
    train_corpus, dev_corpus = util.resolve_dot_names(config, [T["train_corpus"], T["dev_corpus"]])
    optimizer = T["optimizer"]
    passi = train_while_improving(
        nlp,
        optimizer,
        create_train_batches(nlp, train_corpus, T["batcher"], T["max_epochs"]),
        create_evaluation_callback(nlp, dev_corpus, T["score_weights"]),
        dropout=T["dropout"],
        accumulate_gradient=T["accumulate_gradient"],
        patience=T["patience"],
        max_steps=T["max_steps"],
        eval_frequency=T["eval_frequency"],
        exclude=[],
        annotating_components=[],
        before_update=None,
    )
    calcola = punteggio or (lambda s: float(s.get("score", 0.0)))
    migliore = -1.0
    riassunto: dict[str, Any] = {}
    step = 0
    for _batch, info, is_best in passi:
        step = int(info["step"])
        if is_best is None:
            continue
        scores = info["other_scores"]
        valore = calcola(scores)
        minuti_trascorsi = (time.monotonic() - inizio) / 60
        perdite = {k: round(float(v), 1) for k, v in info["losses"].items()}
        _log(
            f"step {step} epoch {info['epoch']} loss {json.dumps(perdite)}"
            f" score {valore:.4f} ({minuti_trascorsi:.1f} min)"
        )
        if valore > migliore:
            migliore = valore
            if uscita.exists():
                shutil.rmtree(uscita)
            with nlp.use_params(optimizer.averages):
                nlp.to_disk(uscita)
            riassunto = {"step_migliore": step, "punteggio": valore, "scores": _scores_compatti(scores)}
        if minuti_trascorsi >= minuti:
            _log(f"time cap of {minuti} min reached")
            break
    riassunto.update({"passi": step, "minuti": round((time.monotonic() - inizio) / 60, 2)})
    _log(f"done: {json.dumps(riassunto)}")
    return riassunto


def _scores_compatti(scores: Mapping[str, Any]) -> dict[str, Any]:
    tieni = (
        "ents_p",
        "ents_r",
        "ents_f",
        "ents_per_type",
        "pos_acc",
        "morph_acc",
        "sents_p",
        "sents_r",
        "sents_f",
    )
    return {k: _in_float(scores[k]) for k in tieni if k in scores}


def _in_float(valore: Any) -> Any:
    """numpy scalars to float, recursively, so that the scores can go into meta.json."""
    if isinstance(valore, Mapping):
        return {k: _in_float(v) for k, v in valore.items()}
    return None if valore is None else round(float(valore), 5)


# ---------------------------------------------------------------------------------------- assembling


def assembla(ner: Path, morfologia: Path, *, senter: bool = True) -> Language:
    """One pipeline: ``tok2vec, morphologizer, senter|sentencizer, ner, lemmatizer``.

    The NER keeps its own inline tok2vec: ``exclude`` or ``select_pipes`` can run it alone.
    """
    import spacy

    componenti.registra()
    nlp_ner = spacy.load(ner)
    nlp_morfo = spacy.load(morfologia)
    nlp = spacy.blank("it")
    nlp.add_pipe("tok2vec", source=nlp_morfo)
    nlp.add_pipe("morphologizer", source=nlp_morfo)
    if senter:
        nlp.add_pipe("senter", source=nlp_morfo)
    else:
        nlp.add_pipe("sentencizer")
    nlp.add_pipe("ner", source=nlp_ner)
    # After the NER, so that names keep their form as lemma even when the POS is wrong.
    nlp.add_pipe(componenti.FABBRICA_LEMMI, name="lemmatizer")
    return nlp


def _meta(riassunti: Mapping[str, Any], *, moro: bool, senter: bool) -> dict[str, Any]:
    return {
        "name": NOME,
        "lang": "it",
        "version": VERSIONE,
        "description": (
            "Italian pipeline of Narrazioni: NER (PER, LOC, ORG) trained on KIND, UPOS + morphology "
            "and sentence boundaries trained on UD Italian, lemmas from simplemma. For non-commercial "
            "use (training data licences)."
        ),
        "license": LICENZA,
        "author": "Narrazioni",
        "sources": FONTI,
        "narrazioni": {"seed": SEME, "moro_silver": moro, "senter": senter, "training": dict(riassunti)},
    }


def addestra(
    shared: Path,
    uscita: Path = USCITA_PREDEFINITA,
    *,
    minuti_ner: float = 42.0,
    minuti_morfologia: float = 8.0,
    passi_ner: int = 30000,
    passi_morfologia: int = 6000,
    moro: bool = False,
    senter: bool = True,
    sostituzioni_ner: Mapping[str, Any] | None = None,
    lavoro: Path | None = None,
) -> dict[str, Any]:
    """Convert the data, train NER and morphology, assemble and save ``it_narrazioni`` to ``uscita``.

    Args:
        shared: the ``shared/`` folder (with ``data/ner/kind`` and ``data/ud``).
        uscita: where the pipeline is written (replaced if it exists).
        minuti_ner: wall-time cap for the NER training (checked at each evaluation).
        minuti_morfologia: wall-time cap for the morphologizer + senter training.
        passi_ner: maximum NER training steps.
        passi_morfologia: maximum morphologizer training steps.
        moro: add KIND's silver Moro data to the NER training data.
        senter: use the trained senter (True) or spaCy's rule-based sentencizer (False).
        sostituzioni_ner: spaCy config overrides for ``ner.cfg`` (e.g. tok2vec width).
        lavoro: work directory for DocBins and checkpoints (default: a temporary directory, removed after).

    Returns:
        The training summary written to the meta.
    """
    componenti.registra()
    temporanea = lavoro is None
    cartella = Path(tempfile.mkdtemp(prefix="narrazioni-addestra-")) if lavoro is None else lavoro
    try:
        inizio = time.monotonic()
        _log(f"converting data into {cartella}")
        dati = prepara_dati(shared, cartella, moro=moro)
        _log("conversion done")
        riassunti: dict[str, Any] = {}
        _log("training morphologizer + senter")
        riassunti["morfologia"] = allena(
            CFG_MORFOLOGIA,
            dati["ud_train"],
            dati["ud_dev"],
            cartella / "morfologia",
            minuti=minuti_morfologia,
            sostituzioni={"training.max_steps": passi_morfologia},
            punteggio=_punteggio_morfologia,
        )
        _log("training NER")
        sost = {"training.max_steps": passi_ner, **dict(sostituzioni_ner or {})}
        riassunti["ner"] = allena(
            CFG_NER,
            dati["ner_train"],
            dati["ner_dev"],
            cartella / "ner",
            minuti=minuti_ner,
            sostituzioni=sost,
            punteggio=_punteggio_ner,
        )
        riassunti["ner"]["sostituzioni"] = {k: v for k, v in sost.items()}
        riassunti["minuti_totali"] = round((time.monotonic() - inizio) / 60, 2)
        nlp = assembla(cartella / "ner", cartella / "morfologia", senter=senter)
        nlp.meta.update(_meta(riassunti, moro=moro, senter=senter))
        if uscita.exists():
            shutil.rmtree(uscita)
        nlp.to_disk(uscita)
        _log(f"saved {uscita} ({dimensione_mb(uscita):.1f} MB) in {riassunti['minuti_totali']} min")
        return riassunti
    finally:
        if temporanea:
            shutil.rmtree(cartella, ignore_errors=True)


def dimensione_mb(cartella: Path) -> float:
    return sum(p.stat().st_size for p in cartella.rglob("*") if p.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    """Command line ``python -m analisi.spacy_it.addestra`` (``narrazioni modello addestra`` wraps it)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--shared", type=Path, default=Path("../shared"))
    p.add_argument("--uscita", type=Path, default=USCITA_PREDEFINITA)
    p.add_argument("--minuti-ner", type=float, default=42.0)
    p.add_argument("--minuti-morfologia", type=float, default=8.0)
    p.add_argument("--passi-ner", type=int, default=30000)
    p.add_argument("--passi-morfologia", type=int, default=6000)
    p.add_argument("--moro", action="store_true")
    p.add_argument("--sentencizer", action="store_true", help="rule-based sentence boundaries instead of senter")
    p.add_argument("--lavoro", type=Path, default=None)
    p.add_argument(
        "--ner-override",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="spaCy config override for ner.cfg, e.g. components.ner.model.tok2vec.encode.width=128",
    )
    a = p.parse_args(argv)
    sost = {}
    for voce in a.ner_override:
        chiave, _, valore = voce.partition("=")
        sost[chiave] = json.loads(valore)
    addestra(
        a.shared,
        a.uscita,
        minuti_ner=a.minuti_ner,
        minuti_morfologia=a.minuti_morfologia,
        passi_ner=a.passi_ner,
        passi_morfologia=a.passi_morfologia,
        moro=a.moro,
        senter=not a.sentencizer,
        sostituzioni_ner=sost,
        lavoro=a.lavoro,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
