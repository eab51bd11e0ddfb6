"""Accuracy of the anonymiser: per-label precision, recall, F1, F2 and the share of stories where a person
name survives, on the KIND dev split, WikiNEuRal (silver; half of it never looked at), the corpus gold and
the seed texts.

Run from the repo root::

    PYTHONPATH=. python bench/valuta_anonimizzazione.py [--modello auto|nessuno|PATH] [--errori 20]

Sets: (a) the KIND dev split, (b) WikiNEuRal's Italian validation file (silver, Wikipedia; half A read for
error analysis, half B never looked at), (c) the corpus gold, (d) the seed texts.

Matching is by characters, as anonymisation needs and as the checkers' scorer
(``../shared/tools/score.py anon``) counts: a gold span is *recalled* when every character of it but spaces
is inside some predicted span (of any label: a name hidden as [LUOGO_1] is still hidden); a predicted
span is *correct* when it overlaps a gold span (of any label). "strict" columns require the same label.
KIND is PER only, and its PER includes public figures (politicians, popes, writers), which a real run
would keep through ``figure_pubbliche``; here they all count as names to hide. Names of God ("Dio",
"la Madonna"), which KIND labels PER, are nobody's personal data: as in the scorer, they are neither a name to
find nor a false positive.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RADICE = Path(__file__).resolve().parent.parent
SHARED = RADICE.parent / "shared"
if str(RADICE) not in sys.path:
    sys.path.insert(0, str(RADICE))

from analisi.anonimizzazione import Anonimizzatore, Esito, Span  # noqa: E402
from analisi.anonimizzazione.flusso import riga_contratto  # noqa: E402
from analisi.anonimizzazione.tipi import STRUTTURATE  # noqa: E402
from analisi.corpus import carica_oro_pii, carica_racconti, percorso_associazioni  # noqa: E402

FRASI_PER_DOCUMENTO = 20

# Identifiers visible in ../shared/seeds, copied by hand (real public contacts of officials): the seeds
# have no gold, so these give the recall of structured identifiers there.
SEMI_IDENTIFICATIVI: dict[str, list[tuple[str, str]]] = {
    "000": [
        ("EMAIL", "a.spano@ausl.mo.it"),
        ("TELEFONO", "059.438047"),
        ("EMAIL", "roberta.pinelli@comune.modena.it"),
        ("TELEFONO", "059.2032721"),
        ("EMAIL", "m.daghio@ausl.mo.it"),
    ],
    "001": [
        (
            "URL",
            "https://partecipazione.regione.emilia-romagna.it/la-legge-e-il-bando/schede-progetti/2015/"
            "openlab-percorso-di-comunita-per-il-nuovo-modello-di-welfare-per-lunione-colline-matildiche",
        )
    ],
    "002": [
        ("TELEFONO", "+39 051 5277450"),
        ("TELEFONO", "+39 051 5277049"),
        ("EMAIL", "asrdirgen@regione.emilia-romagna.it"),
        ("EMAIL", "asrdirgen@postacert.regione.emilia-romagna.it"),
        ("TELEFONO", "051.5271"),
        ("TELEFONO", "800 66.22.00"),
        ("EMAIL", "urp@regione.emilia-romagna.it"),
        ("EMAIL", "urp@postacert.regione.emilia-romagna.it"),
    ],
}
SEMI_NOMI: dict[str, list[str]] = {
    "000": ["Andrea Spanò", "Roberta Pinelli", "Maria Monica Daghio"],
    "001": ["Andrea Panzavolta"],
}


# ------------------------------------------------------------------------------------------ datasets
@dataclass
class Documento:
    id: str
    testo: str
    gold: list[tuple[int, int, str]]
    gruppo: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


_SENZA_SPAZIO_PRIMA = {",", ".", ";", ":", "!", "?", ")", "]", "}", "»", "”", "%", "…", "'", "’"}
_SENZA_SPAZIO_DOPO = {"(", "[", "{", "«", "“"}


def detokenizza(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Readable text from KIND tokens (no space before punctuation, none after an elided article)."""
    pezzi: list[str] = []
    pos = 0
    offset = []
    virgolette_aperte = False
    precedente = ""
    for i, tok in enumerate(tokens):
        spazio = i > 0
        if tok in _SENZA_SPAZIO_PRIMA or precedente in _SENZA_SPAZIO_DOPO:
            spazio = False
        if precedente.endswith(("'", "’")) and len(precedente) > 1:
            spazio = False
        if tok == '"':
            if virgolette_aperte:
                spazio = False
            virgolette_aperte = not virgolette_aperte
        elif precedente == '"' and virgolette_aperte:
            spazio = False
        if spazio:
            pezzi.append(" ")
            pos += 1
        offset.append((pos, pos + len(tok)))
        pezzi.append(tok)
        pos += len(tok)
        precedente = tok
    return "".join(pezzi), offset


def documenti_kind(shared: Path, parte: str = "dev") -> list[Documento]:
    """KIND dev split (``FraseNer.dev``), in documents of consecutive sentences of one dev block.

    ``parte="train"``: every third block of the train split instead (block % 3 == 0, never a dev block),
    the part the review threshold and the risk weights are tuned on; dev is for reporting."""
    from analisi.spacy_it.dati import DOMINI_GOLD, leggi_kind, spans_kind

    docs: list[Documento] = []
    for dominio in DOMINI_GOLD:
        correnti: list[Any] = []

        def chiudi(frasi: list[Any], dominio: str = dominio) -> None:
            if not frasi:
                return
            testi, gold = [], []
            base = 0
            for f in frasi:
                testo, off = detokenizza(f.tokens)
                for a, b, lab in spans_kind(f):
                    if lab == "PER":
                        gold.append((base + off[a][0], base + off[b - 1][1], "PERSONA"))
                testi.append(testo)
                base += len(testo) + 1
            prefisso = "" if parte == "dev" else f"{parte}-"
            docs.append(Documento(f"{prefisso}{dominio}-{frasi[0].indice}", "\n".join(testi), gold, dominio))

        blocco = None
        for frase in leggi_kind(shared, dominio):
            b = frase.indice // 100
            if (parte == "dev") != frase.dev or (parte == "train" and b % 3):
                continue
            if correnti and (b != blocco or len(correnti) >= FRASI_PER_DOCUMENTO):
                chiudi(correnti)
                correnti = []
            blocco = b
            correnti.append(frase)
        chiudi(correnti)
    return docs


def documenti_wikineural(shared: Path) -> list[Documento]:
    """WikiNEuRal Italian validation file (silver PER from Wikipedia), in documents of consecutive sentences.

    Never used to train the model. Documents alternate between two halves: "A" (even documents) may be
    read for error analysis, "B" (odd documents) is never looked at, so it measures how rules tuned on
    the KIND dev split and on half A carry over to other text. Silver labels: part of the errors counted
    here are the data's.
    """
    path = shared / "data" / "ner" / "wikineural-it" / "val.conllu"
    if not path.exists():
        return []
    frasi: list[tuple[list[str], list[str]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8") as f:
        for riga in f:
            campi = riga.rstrip("\n").split("\t")
            if len(campi) < 3:
                if tokens:
                    frasi.append((tokens, tags))
                tokens, tags = [], []
                continue
            tokens.append(campi[1])
            tags.append(campi[2])
    if tokens:
        frasi.append((tokens, tags))
    docs = []
    for k in range(0, len(frasi), FRASI_PER_DOCUMENTO):
        testi, gold, base = [], [], 0
        for toks, tg in frasi[k : k + FRASI_PER_DOCUMENTO]:
            testo, off = detokenizza(toks)
            inizio = None
            for i, t in enumerate([*tg, "O"]):
                if inizio is not None and not t.startswith("I-PER"):
                    gold.append((base + off[inizio][0], base + off[i - 1][1], "PERSONA"))
                    inizio = None
                if t == "B-PER" or (t == "I-PER" and inizio is None):
                    inizio = i
            testi.append(testo)
            base += len(testo) + 1
        meta = "A" if (k // FRASI_PER_DOCUMENTO) % 2 == 0 else "B"
        docs.append(Documento(f"wikineural{meta}-{k}", "\n".join(testi), gold, f"wikineural{meta}"))
    return docs


_MARCATO = re.compile(r"\[\[([^\[\]]+)\]\]")


def documenti_ciechi(radice: Path) -> list[Documento]:
    """``corpus/cieco/storie.txt``: stories written by a colleague who never ran the anonymiser, with every
    person's name marked ``[[...]]``. Odd stories (half A) may be read for error analysis; even stories
    (half B) only for their totals: no rule may be tuned on their errors."""
    path = radice / "corpus" / "cieco" / "storie.txt"
    if not path.exists():
        return []
    parti = re.split(r"^=== (s\d+)[ \t]*$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    docs = []
    for chiave, blocco in zip(parti[1::2], parti[2::2], strict=True):
        blocco = blocco.strip("\n")
        testo, gold, pos = "", [], 0
        for m in _MARCATO.finditer(blocco):
            testo += blocco[pos : m.start()]
            gold.append((len(testo), len(testo) + len(m.group(1)), "PERSONA"))
            testo += m.group(1)
            pos = m.end()
        testo += blocco[pos:]
        meta = "A" if int(chiave[1:]) % 2 else "B"
        docs.append(Documento(chiave, testo, gold, f"cieco{meta}"))
    return docs


def documenti_corpus(radice: Path) -> list[Documento]:
    testi = {r["id"]: r["testo"] for r in carica_racconti()}
    docs = []
    for chiave, entita in carica_oro_pii().items():
        if chiave in testi:
            gold = [(e["start"], e["end"], e["label"]) for e in entita]
            docs.append(Documento(chiave, testi[chiave], gold, "corpus"))
    return docs


def documenti_semi(shared: Path) -> list[Documento]:
    docs = []
    for path in sorted((shared / "seeds").glob("*.txt")):
        testo = path.read_text(encoding="utf-8")
        chiave = path.name[:3]
        gold = []
        for label, superficie in SEMI_IDENTIFICATIVI.get(chiave, []):
            inizio = testo.find(superficie)
            if inizio < 0:
                raise SystemExit(f"{path.name}: {superficie!r} non trovato (semi cambiati?)")
            gold.append((inizio, inizio + len(superficie), label))
        for nome in SEMI_NOMI.get(chiave, []):
            inizio = testo.find(nome)
            if inizio >= 0:
                gold.append((inizio, inizio + len(nome), "PERSONA"))
        docs.append(Documento(path.name, testo, gold, "semi"))
    return docs


# ------------------------------------------------------------------------------------------- metrics
#: as in ../shared/tools/score.py: names of God, labelled PER by KIND, are nobody's personal data
DIVINI = frozenset(
    "dio iddio domineddio gesù gesu cristo madonna creatore signore padreterno vergine onnipotente altissimo "
    "provvidenza".split()
) | {"gesù cristo", "vergine maria", "spirito santo"}


def divino(superficie: str) -> bool:
    t = superficie.strip().lower().replace("’", "'")
    for articolo in ("l'", "il ", "la ", "lo "):
        if t.startswith(articolo):
            t = t[len(articolo) :]
    return t in DIVINI


def senza_divini(docs: list[Documento]) -> list[Documento]:
    """The documents with their gold PERSONA spans that name God moved to ``extra["divini"]``."""
    for d in docs:
        divini = [g for g in d.gold if g[2] == "PERSONA" and divino(d.testo[g[0] : g[1]])]
        if divini:
            d.gold = [g for g in d.gold if g not in divini]
            d.extra["divini"] = divini
    return docs


def _su_divino(doc: Documento, e: Span) -> bool:
    """A predicted PERSONA that names God or overlaps a gold name of God: not counted either way."""
    if e.label != "PERSONA":
        return False
    return divino(e.text) or any(a < e.end and e.start < b for a, b, _ in doc.extra.get("divini", ()))


def etichetta_predetta(e: Span) -> str:
    return "SCUOLA" if e.scuola else e.label


def _coperto(testo: str, inizio: int, fine: int, predetti: Iterable[tuple[int, int]]) -> bool:
    maschera = [False] * (fine - inizio)
    for s, e in predetti:
        for k in range(max(s, inizio), min(e, fine)):
            maschera[k - inizio] = True
    return all(m or testo[inizio + k].isspace() for k, m in enumerate(maschera))


@dataclass
class Conteggi:
    gold: int = 0
    recuperati: int = 0
    recuperati_stretti: int = 0
    predetti: int = 0
    corretti: int = 0
    corretti_stretti: int = 0

    def riga(self) -> dict[str, float]:
        p = self.corretti / self.predetti if self.predetti else float("nan")
        r = self.recuperati / self.gold if self.gold else float("nan")

        def f(beta: float) -> float:
            if not (p > 0 and r > 0):
                return 0.0
            return (1 + beta**2) * p * r / (beta**2 * p + r)

        ps = self.corretti_stretti / self.predetti if self.predetti else float("nan")
        rs = self.recuperati_stretti / self.gold if self.gold else float("nan")
        return {
            "gold": self.gold,
            "pred": self.predetti,
            "P": p,
            "R": r,
            "F1": f(1),
            "F2": f(2),
            "P_stretta": ps,
            "R_stretta": rs,
        }


def valuta(
    docs: list[Documento], esiti: list[list[Span]], etichette: Sequence[str] | None = None, errori: int = 0
) -> tuple[dict[str, dict[str, float]], float, list[str]]:
    per_label: dict[str, Conteggi] = defaultdict(Conteggi)
    sopravvive = 0
    con_nomi = 0
    esempi: list[str] = []
    for doc, ents in zip(docs, esiti, strict=True):
        predetti = [(e.start, e.end) for e in ents]
        nome_sopravvissuto = False
        ha_nomi = False
        for s, e, lab in doc.gold:
            c = per_label[lab]
            c.gold += 1
            if _coperto(doc.testo, s, e, predetti):
                c.recuperati += 1
                stessi = [
                    (x.start, x.end)
                    for x in ents
                    if etichetta_predetta(x) == lab or (lab == "SCUOLA" and x.label == "ORGANIZZAZIONE")
                ]
                if _coperto(doc.testo, s, e, stessi):
                    c.recuperati_stretti += 1
            else:
                if lab == "PERSONA":
                    nome_sopravvissuto = True
                if len(esempi) < errori:
                    esempi.append(
                        f"FN {doc.id} {lab}: {doc.testo[max(0, s - 40) : s]}[[{doc.testo[s:e]}]]"
                        f"{doc.testo[e : e + 40]}".replace("\n", " ")
                    )
            if lab == "PERSONA":
                ha_nomi = True
        for x in ents:
            lab = etichetta_predetta(x)
            if (etichette is not None and lab not in etichette) or _su_divino(doc, x):
                continue
            c = per_label[lab]
            c.predetti += 1
            sovrapposti = [g for g in doc.gold if g[0] < x.end and x.start < g[1]]
            if sovrapposti:
                c.corretti += 1
                if any(g[2] == lab for g in sovrapposti):
                    c.corretti_stretti += 1
            elif len(esempi) < 2 * errori:
                esempi.append(
                    f"FP {doc.id} {lab} ({x.fonte} {x.score}): {doc.testo[max(0, x.start - 40) : x.start]}"
                    f"[[{x.text}]]{doc.testo[x.end : x.end + 40]}".replace("\n", " ")
                )
        con_nomi += ha_nomi
        sopravvive += nome_sopravvissuto
    quota = sopravvive / con_nomi if con_nomi else float("nan")
    tabella = {lab: c.riga() for lab, c in sorted(per_label.items())}
    strutturate = Conteggi()
    for lab in STRUTTURATE:
        if lab in per_label:
            c = per_label[lab]
            strutturate.gold += c.gold
            strutturate.recuperati += c.recuperati
            strutturate.recuperati_stretti += c.recuperati_stretti
            strutturate.predetti += c.predetti
            strutturate.corretti += c.corretti
            strutturate.corretti_stretti += c.corretti_stretti
    if strutturate.gold or strutturate.predetti:
        tabella["(identificativi strutturati)"] = strutturate.riga()
    return tabella, quota, esempi


def _conteggi_doc(doc: Documento, ents: list[Span], lab: str) -> tuple[int, int, int, int]:
    """(gold spans, recalled, predicted, correct) of one label in one document (as in :func:`valuta`)."""
    predetti = [(e.start, e.end) for e in ents]
    gold = [g for g in doc.gold if g[2] == lab]
    pred = [e for e in ents if etichetta_predetta(e) == lab and not _su_divino(doc, e)]
    return (
        len(gold),
        sum(_coperto(doc.testo, a, b, predetti) for a, b, _ in gold),
        len(pred),
        sum(any(g[0] < x.end and x.start < g[1] for g in doc.gold) for x in pred),
    )


def intervalli(
    docs: list[Documento], esiti: list[list[Span]], lab: str = "PERSONA", ripetizioni: int = 1000, seme: int = 0
) -> tuple[tuple[float, float], tuple[float, float]]:
    """95 % bootstrap intervals (documents resampled) of one label's precision and recall."""
    import random

    per_doc = [_conteggi_doc(doc, ents, lab) for doc, ents in zip(docs, esiti, strict=True)]
    rnd = random.Random(seme)
    rr, pp = [], []
    for _ in range(ripetizioni):
        campione = [per_doc[rnd.randrange(len(per_doc))] for _ in per_doc]
        gold_n, rec, pred, cor = (sum(x[k] for x in campione) for k in range(4))
        if gold_n:
            rr.append(rec / gold_n)
        if pred:
            pp.append(cor / pred)
    rr.sort()
    pp.sort()

    def ic(xs: list[float]) -> tuple[float, float]:
        return (xs[int(0.025 * len(xs))], xs[int(0.975 * len(xs)) - 1]) if xs else (float("nan"), float("nan"))

    return ic(pp), ic(rr)


def intervalli_persona(
    docs: list[Documento], esiti: list[list[Span]], ripetizioni: int = 1000, seme: int = 0
) -> tuple[tuple[float, float], tuple[float, float]]:
    """95 % bootstrap intervals (documents resampled) of PERSONA precision and recall."""
    return intervalli(docs, esiti, "PERSONA", ripetizioni, seme)


#: thresholds of the review trade-off curve (1.01: the residual risk holds nothing)
SOGLIE_CURVA = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8, 1.01)


def nome_leggibile(doc: Documento, ents: list[Span]) -> bool:
    """Whether some gold PERSONA span of the document stays (partly) readable."""
    predetti = [(e.start, e.end) for e in ents]
    return any(lab == "PERSONA" and not _coperto(doc.testo, a, b, predetti) for a, b, lab in doc.gold)


def curva_revisione(
    docs: list[Documento], esiti: Sequence[Esito], soglie: Sequence[float] = SOGLIE_CURVA
) -> list[tuple[float, float, float]]:
    """For each threshold of the residual risk: (threshold, share of stories held, share of the stories
    NOT held that still show a name). A story is also held by the other review rules (identifiers with a
    wrong check character, quasi-identifiers), whatever the threshold."""
    righe = []
    fuga = [nome_leggibile(d, e.entita) for d, e in zip(docs, esiti, strict=True)]
    altri = [any(not m.startswith(("rischio", "bassa confidenza")) for m in e.motivi) for e in esiti]
    for soglia in soglie:
        tenuti = [a or e.rischio >= soglia for a, e in zip(altri, esiti, strict=True)]
        auto = [f for f, t in zip(fuga, tenuti, strict=True) if not t]
        righe.append((soglia, sum(tenuti) / max(1, len(docs)), sum(auto) / max(1, len(auto))))
    return righe


def stampa(titolo: str, tabella: dict[str, dict[str, float]], quota: float, n_doc: int) -> None:
    print(f"\n## {titolo}  ({n_doc} documenti; documenti con un nome sopravvissuto: {quota:.3f})")
    print(
        f"{'etichetta':30} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6} {'F2':>6} "
        f"{'P str':>6} {'R str':>6}"
    )
    for lab, r in tabella.items():
        print(
            f"{lab:30} {r['gold']:5d} {r['pred']:5d} {r['P']:6.3f} {r['R']:6.3f} {r['F1']:6.3f} "
            f"{r['F2']:6.3f} "
            f"{r['P_stretta']:6.3f} {r['R_stretta']:6.3f}"
        )


# ----------------------------------------------------------------------------------------------- main
def carica_nlp(scelta: str) -> Any:
    if scelta == "nessuno":
        return None
    if scelta != "auto":
        import spacy

        return spacy.load(scelta)
    try:
        from analisi.lingua import carica_italiano  # type: ignore[import-not-found,unused-ignore]

        return carica_italiano()
    except Exception as e:
        print(f"(nessun modello caricato: {type(e).__name__}: {e}; solo regole)", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--modello", default="auto", help="auto (analisi.lingua), nessuno (solo regole) o un percorso"
    )
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument(
        "--errori", type=int, default=0, help="stampa N falsi negativi e N falsi positivi per insieme"
    )
    ap.add_argument(
        "--solo", choices=["kind", "kindtrain", "wikineural", "cieco", "corpus", "semi"], action="append",
        help="kindtrain: un terzo dei blocchi di addestramento di KIND, dove si tarano soglia e pesi del rischio"
    )
    ap.add_argument("--json", type=Path, help="scrive anche i risultati in questo file")
    ap.add_argument(
        "--gold-jsonl",
        type=Path,
        help="scrive ogni insieme in questa cartella come NOME.jsonl {id, text, gold} e NOME.pred.jsonl (le righe"
        " del contratto di `narrazioni anonimizza`) per ../shared/tools/score.py anon",
    )
    ap.add_argument("--soglia", type=float, help="soglia del rischio residuo (predefinita: quella delle impostazioni)")
    ap.add_argument(
        "--ner-ovunque",
        action="store_true",
        help="NER su tutto il testo, non solo sulle frasi candidate (per misurare il filtro)",
    )
    args = ap.parse_args(argv)

    nlp = carica_nlp(args.modello)
    nome_modello = (
        "nessuno (solo regole)" if nlp is None else f"{nlp.meta.get('name')} {nlp.meta.get('version')}"
    )
    print(
        f"# Valutazione anonimizzazione — modello: {nome_modello}"
        + (" (NER su tutto il testo)" if args.ner_ovunque and nlp is not None else "")
    )
    consentiti: list[str] = []
    associazioni = percorso_associazioni()
    if associazioni.exists():
        from analisi.anonimizzazione.risorse import associazioni_corpus

        consentiti = associazioni_corpus(associazioni)
    anon = Anonimizzatore(nlp, consentiti=consentiti)
    if args.soglia is not None:
        anon.soglia_rischio = args.soglia
    anon.ner_solo_frasi_candidate = not args.ner_ovunque
    risultati: dict[str, Any] = {"modello": nome_modello}
    insiemi = args.solo or ["kind", "wikineural", "cieco", "corpus", "semi"]

    def esegui(
        nome: str, docs: list[Documento], etichette: Sequence[str] | None, errori: int | None = None
    ) -> None:
        senza_divini(docs)
        t0 = time.perf_counter()
        completi = list(anon.anonimizza_molti((d.testo for d in docs), batch_size=64))
        esiti = [e.entita for e in completi]
        secondi = time.perf_counter() - t0
        tabella, quota, esempi = valuta(docs, esiti, etichette, args.errori if errori is None else errori)
        parole = sum(len(d.testo.split()) for d in docs)
        stampa(f"{nome} — {parole} parole in {secondi:.1f} s", tabella, quota, len(docs))
        if len(docs) > 1:
            for lab in tabella:
                if lab.startswith("(") or not tabella[lab]["gold"]:
                    continue
                (p_lo, p_hi), (r_lo, r_hi) = intervalli(docs, esiti, lab)
                print(
                    f"{lab}, intervalli al 95% (bootstrap sui documenti): P {p_lo:.3f}–{p_hi:.3f}, "
                    f"R {r_lo:.3f}–{r_hi:.3f}"
                )
                tabella[lab].update({"P_ic95": (p_lo, p_hi), "R_ic95": (r_lo, r_hi)})
        curva = curva_revisione(docs, completi) if any(g[2] == "PERSONA" for d in docs for g in d.gold) else []
        if curva:
            print(
                f"revisione (soglia predefinita {anon.soglia_rischio:.2f}) — soglia: quota trattenuti / "
                "quota con un nome leggibile fra gli approvati in automatico"
            )
            print("   " + "  ".join(f"{s:.2f}: {t:.3f}/{f:.3f}" for s, t, f in curva))
            tenuti = sum(e.da_rivedere for e in completi) / len(completi)
            fuga = [nome_leggibile(d, e.entita) for d, e in zip(docs, completi, strict=True) if not e.da_rivedere]
            print(
                f"   con la soglia predefinita: trattenuti {tenuti:.3f}, nome leggibile fra gli approvati "
                f"{sum(fuga) / max(1, len(fuga)):.3f}"
            )
        for r in esempi:
            print("   ", r)
        risultati[nome] = {
            "tabella": tabella,
            "quota_nome_sopravvissuto": quota,
            "documenti": len(docs),
            "curva_revisione": curva,
        }
        if args.gold_jsonl:
            args.gold_jsonl.mkdir(parents=True, exist_ok=True)
            nome_file = re.sub(r"[^\w]+", "_", nome.split(" — ")[0]).strip("_").lower()
            with open(args.gold_jsonl / f"{nome_file}.jsonl", "w", encoding="utf-8") as f:
                for d in docs:
                    gold = [{"start": a, "end": b, "label": lab} for a, b, lab in [*d.gold, *d.extra.get("divini", ())]]
                    f.write(json.dumps({"id": d.id, "text": d.testo, "gold": gold}, ensure_ascii=False) + "\n")
            with open(args.gold_jsonl / f"{nome_file}.pred.jsonl", "w", encoding="utf-8") as f:
                for d, esito in zip(docs, completi, strict=True):
                    f.write(json.dumps(riga_contratto(d.id, esito), ensure_ascii=False) + "\n")

    def esegui_meta(titolo: str, docs: list[Documento], gruppo: str) -> None:
        """Half A with its errors printed, half B with its totals only (its errors are never read)."""
        for meta in ("A", "B"):
            parte = [d for d in docs if d.gruppo == f"{gruppo}{meta}"]
            esegui(titolo.format(meta), parte, ["PERSONA"], errori=args.errori if meta == "A" else 0)

    if "kind" in insiemi:
        print("\n(KIND: solo PER; il gold PER comprende figure pubbliche, contate come nomi da nascondere)")
        docs = documenti_kind(args.shared)
        for dominio in ("wikinews", "fiction", "degasperi"):
            esegui(f"KIND dev {dominio} (PER)", [d for d in docs if d.gruppo == dominio], ["PERSONA"])
        esegui("KIND dev tutti (PER)", docs, ["PERSONA"])
    if "kindtrain" in insiemi:
        print("\n(KIND train, un blocco su tre: la parte su cui si tarano soglia e pesi del rischio residuo)")
        docs = documenti_kind(args.shared, "train")
        for dominio in ("wikinews", "fiction", "degasperi"):
            esegui(f"KIND train {dominio} (PER)", [d for d in docs if d.gruppo == dominio], ["PERSONA"])
        esegui("KIND train tutti (PER)", docs, ["PERSONA"])
    # sets read in two halves: A looked at for error analysis, B never (only its totals are read)
    meta = (
        ("wikineural", lambda: documenti_wikineural(args.shared), "WikiNEuRal val metà {} (PER, silver)",
         "WikiNEuRal: mai usato per addestrare; etichette silver. Metà A: consultata per l'analisi degli errori;"
         " metà B: mai consultata, misura quanto le regole generalizzano"),
        ("cieco", lambda: documenti_ciechi(RADICE), "storie cieche metà {} (PER)",
         "storie cieche: scritte da chi non ha mai usato l'anonimizzatore; metà A consultata per l'analisi degli"
         " errori, metà B mai: se ne leggono solo i totali"),
    )
    for chiave, carica, titolo, nota in meta:
        if chiave in insiemi and (docs := carica()):
            print(f"\n({nota})")
            esegui_meta(titolo, docs, chiave)
    if "corpus" in insiemi:
        docs = documenti_corpus(RADICE)
        if docs:
            esegui("corpus gold", docs, None)
        else:
            print("\n## corpus gold: corpus/gold_pii.jsonl o racconti.jsonl assente — saltato")
    if "semi" in insiemi:
        docs = documenti_semi(args.shared)
        esegui("semi (identificativi e nomi scritti a mano)", docs, None)
        for d in docs:
            esito = anon.anonimizza(d.testo)
            nomi = sorted({e.text for e in esito.entita if e.label == "PERSONA"})
            rimasti = [
                n for n in SEMI_NOMI.get(d.id[:3], []) if any(w in esito.testo_anon for w in n.split())
            ]
            identificativi = [v for _, v in SEMI_IDENTIFICATIVI.get(d.id[:3], [])]
            sopravvissuti = [v for v in identificativi if v in esito.testo_anon]
            print(
                f"    {d.id}: identificativi scritti a mano {len(identificativi)}, "
                f"sopravvissuti {sopravvissuti}; PERSONA trovati {nomi}; "
                f"nomi scritti a mano sopravvissuti {rimasti}"
            )
    if args.json:
        args.json.write_text(
            json.dumps(risultati, ensure_ascii=False, indent=1, default=float), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
