"""Build the sample corpus from its annotated sources.

The sources in ``corpus/sorgenti/*.txt`` are written by hand in a small markup so that the gold
character offsets are computed, never typed:

* a story starts with ``=== <id>`` and a header of ``chiave: valore`` lines, then ``---``;
* personal data is marked ``[[LABEL|testo]]`` (``[[PERSONA|Gino]]``);
* a story with ``codificato: sì`` is written one sentence per line, each line prefixed by its codes
  in braces (``{ansia;ansia.salute} Avevo paura.`` or ``{} Poi ho cucinato.``); an empty line starts
  a new paragraph; sentences on consecutive lines are joined by one space.

Outputs (deterministic): ``racconti.jsonl``, ``gold_pii.jsonl``, ``gold_codici.jsonl``.
Run: ``python corpus/costruisci.py`` (``--controlla [FILE.txt]`` only checks the sources).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

QUI = Path(__file__).resolve().parent
if str(QUI.parent) not in sys.path:  # run as a script: the repository's packages
    sys.path.insert(0, str(QUI.parent))

from archivio.errori import ErroreDati  # noqa: E402

ETICHETTE_PII = {
    "PERSONA", "LUOGO", "ORGANIZZAZIONE", "EMAIL", "TELEFONO", "CODICE_FISCALE", "PARTITA_IVA",
    "IBAN", "TESSERA_SANITARIA", "INDIRIZZO", "URL", "TARGA", "DATA_NASCITA", "ETA", "SCUOLA",
}
CODICI = {"vita_quotidiana", "ansia", "preoccupazione_futuro", "proposta"}
SOTTOCODICI = {
    "ansia.salute", "ansia.solitudine", "ansia.economia_lavoro", "ansia.famiglia_cura", "ansia.lutto",
    "proposta.servizi", "proposta.associazioni_volontariato", "proposta.vicinato_comunita",
    "proposta.digitale", "proposta.spazi", "proposta.caregiver",
}
CAMPI = {
    "titolo", "associazione", "quartiere", "fascia_eta", "ruolo", "periodo", "data", "canale",
    "citabile", "codificato",
}
OBBLIGATORI = {"associazione", "fascia_eta", "ruolo", "periodo", "data", "canale", "citabile"}
FASCE = {"<18", "18-29", "30-44", "45-64", "65-74", "75+"}
RUOLI = {"cittadino", "caregiver", "volontario", "operatore", "genitore", "studente", "altro"}
PERIODI = {"lockdown-2020", "estate-2020", "seconda-ondata", "zone-colori-2021", "riaperture-2021"}
CANALI = {"modulo", "importazione"}
SI_NO = {"sì": True, "si": True, "no": False}

MARCA = re.compile(r"\[\[([A-Z_]+)\|([^\[\]|]+)\]\]")
RIGA_CODICI = re.compile(r"^\{([^{}]*)\}\s?(.*)$")


class ErroreSorgente(ErroreDati, ValueError):
    """A source of the corpus does not follow the markup (Italian message naming file and story)."""


def associazioni_note() -> set[str]:
    import csv

    with open(QUI / "associazioni.csv", encoding="utf-8", newline="") as f:
        return {r["nome"] for r in csv.DictReader(f)}


def togli_marche(testo: str, base: int) -> tuple[str, list[dict]]:
    """Strip ``[[LABEL|text]]`` marks; return clean text and spans offset by ``base``."""
    out: list[str] = []
    spans: list[dict] = []
    pos = 0
    lung = 0
    for m in MARCA.finditer(testo):
        prima = testo[pos : m.start()]
        out.append(prima)
        lung += len(prima)
        etichetta, superficie = m.group(1), m.group(2)
        if etichetta not in ETICHETTE_PII:
            raise ErroreSorgente(f"etichetta sconosciuta {etichetta!r}")
        spans.append({"start": base + lung, "end": base + lung + len(superficie),
                      "label": etichetta, "text": superficie})
        out.append(superficie)
        lung += len(superficie)
        pos = m.end()
    out.append(testo[pos:])
    pulito = "".join(out)
    if "[[" in pulito or "]]" in pulito:
        raise ErroreSorgente("marca non chiusa o malformata")
    return pulito, spans


def costruisci_racconto(rid: str, testata: dict[str, str], corpo: str) -> tuple[dict, dict, dict | None]:
    codificato = SI_NO.get(testata.get("codificato", "no"), False)
    righe = corpo.strip("\n").split("\n")
    testo = ""
    spans: list[dict] = []
    frasi: list[dict] = []
    if codificato:
        paragrafo_nuovo = True
        for riga in righe:
            if not riga.strip():
                paragrafo_nuovo = True
                continue
            m = RIGA_CODICI.match(riga.strip())
            if not m:
                raise ErroreSorgente(f"riga senza codici in racconto codificato: {riga[:40]!r}")
            etichette = [c.strip() for c in m.group(1).split(";") if c.strip()]
            area = None
            codici, sotto = [], []
            for c in etichette:
                if c.startswith("area="):
                    area = c.split("=", 1)[1]
                elif c in CODICI:
                    codici.append(c)
                elif c in SOTTOCODICI:
                    sotto.append(c)
                else:
                    raise ErroreSorgente(f"codice sconosciuto {c!r}")
            for s in sotto:
                if s.split(".")[0] not in codici:
                    raise ErroreSorgente(f"sottocodice {s} senza il codice {s.split('.')[0]}")
            if testo:
                testo += "\n\n" if paragrafo_nuovo else " "
            frase, sp = togli_marche(m.group(2).strip(), len(testo))
            if not frase:
                raise ErroreSorgente("frase vuota")
            frasi.append({"sent": len(frasi), "start": len(testo), "end": len(testo) + len(frase),
                          "text": frase, "codes": sorted(codici), "subcodes": sorted(sotto),
                          "area": area})
            spans.extend(sp)
            testo += frase
            paragrafo_nuovo = False
    else:
        testo, spans = togli_marche(corpo.strip("\n"), 0)
    for s in spans:
        assert testo[s["start"] : s["end"]] == s["text"]
    parole = len(testo.split())
    if not 40 <= parole <= 900:
        raise ErroreSorgente(f"{parole} parole: fuori da 40-900")
    racconto = {"id": rid, "titolo": testata.get("titolo") or None,
                "testo": testo,
                "associazione": None if testata["associazione"] == "nessuna" else testata["associazione"],
                "quartiere": testata.get("quartiere") or None,
                "fascia_eta": testata["fascia_eta"], "ruolo": testata["ruolo"],
                "periodo": testata["periodo"], "data": testata["data"], "canale": testata["canale"],
                "citabile": SI_NO[testata["citabile"]]}
    gold = {"id": rid, "entities": spans}
    codici_gold = {"id": rid, "sentences": frasi} if codificato else None
    return racconto, gold, codici_gold


def leggi_sorgente(path: Path, associazioni: set[str]) -> list[tuple[dict, dict, dict | None]]:
    blocchi = re.split(r"^=== *", path.read_text(encoding="utf-8"), flags=re.M)
    risultati = []
    for blocco in blocchi[1:]:
        rid, _, resto = blocco.partition("\n")
        rid = rid.strip()
        try:
            testata_txt, sep, corpo = resto.partition("\n---\n")
            if not sep:
                raise ErroreSorgente("manca la riga '---'")
            testata: dict[str, str] = {}
            for riga in testata_txt.strip().splitlines():
                k, _, v = riga.partition(":")
                k, v = k.strip(), v.strip()
                if k not in CAMPI:
                    raise ErroreSorgente(f"campo sconosciuto {k!r}")
                testata[k] = v
            mancanti = OBBLIGATORI - testata.keys()
            if mancanti:
                raise ErroreSorgente(f"campi mancanti {sorted(mancanti)}")
            if testata["associazione"] != "nessuna" and testata["associazione"] not in associazioni:
                raise ErroreSorgente(f"associazione non in associazioni.csv: {testata['associazione']!r}")
            for campo, ammessi in (("fascia_eta", FASCE), ("ruolo", RUOLI), ("periodo", PERIODI),
                                   ("canale", CANALI), ("citabile", SI_NO)):
                if testata[campo] not in ammessi:
                    raise ErroreSorgente(f"{campo}={testata[campo]!r} non ammesso")
            if not re.fullmatch(r"20(20|21)-\d\d-\d\d", testata["data"]):
                raise ErroreSorgente(f"data {testata['data']!r} non nel formato 2020-MM-GG/2021-MM-GG")
            risultati.append(costruisci_racconto(rid, testata, corpo))
        except ErroreSorgente as e:
            raise ErroreSorgente(f"{path.name} racconto {rid}: {e}") from None
    return risultati


def controlla_identificativi(gold: dict) -> list[str]:
    """Check that planted identifiers are valid (so the recognizers' recall can be measured)."""
    problemi = []
    try:
        from stdnum import iban
        from stdnum.it import codicefiscale
    except ImportError:  # the check is optional when building without the dev extras
        return problemi
    for e in gold["entities"]:
        t = e["text"].replace(" ", "")
        if e["label"] == "CODICE_FISCALE" and not codicefiscale.is_valid(t):
            problemi.append(f"{gold['id']}: codice fiscale non valido {e['text']!r}")
        if e["label"] == "IBAN" and not iban.is_valid(t):
            problemi.append(f"{gold['id']}: IBAN non valido {e['text']!r}")
    return problemi


def main(argv: list[str]) -> int:
    associazioni = associazioni_note()
    tutti: list[tuple[dict, dict, dict | None]] = []
    scelti = [Path(a) for a in argv if a.endswith(".txt")]
    for path in scelti or sorted((QUI / "sorgenti").glob("*.txt")):
        try:
            tutti.extend(leggi_sorgente(path, associazioni))
        except ErroreSorgente as e:
            print(f"ERRORE: {e}", file=sys.stderr)
            return 1
    ids = [r["id"] for r, _, _ in tutti]
    doppi = {i for i in ids if ids.count(i) > 1}
    if doppi:
        print(f"ERRORE: id ripetuti {sorted(doppi)}", file=sys.stderr)
        return 1
    problemi = [p for _, g, _ in tutti for p in controlla_identificativi(g)]
    if problemi:
        print("ERRORE:\n" + "\n".join(problemi), file=sys.stderr)
        return 1
    tutti.sort(key=lambda t: t[0]["id"])
    n_cod = sum(1 for _, _, c in tutti if c)
    parole = [len(r["testo"].split()) for r, _, _ in tutti]
    print(f"{len(tutti)} racconti, {n_cod} codificati, parole min {min(parole, default=0)} "
          f"max {max(parole, default=0)}, entità {sum(len(g['entities']) for _, g, _ in tutti)}")
    if "--controlla" in argv:
        return 0

    def scrivi(nome: str, righe: list[dict]) -> None:
        with open(QUI / nome, "w", encoding="utf-8", newline="\n") as f:
            for r in righe:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")

    scrivi("racconti.jsonl", [r for r, _, _ in tutti])
    scrivi("gold_pii.jsonl", [g for _, g, _ in tutti])
    scrivi("gold_codici.jsonl", [c for _, _, c in tutti if c])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
