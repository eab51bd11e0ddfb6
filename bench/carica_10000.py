"""Load N (default 10 000) processed stories into a fresh store, fast, for the dashboard's speed benchmark.

Stories are recombined from the sample corpus's coded sentences (corpus/gold_codici.jsonl), anonymised with
the corpus's gold personal-data spans (no model runs), with the gold codes as the model's codes, the gold
areas as the Piano di Zona mapping, and eight themes with seeded weights. Everything goes through the
store's functions; the same seed gives the same store.

    python bench/carica_10000.py --cartella /tmp/narrazioni-bench [--n 10000] [--seme 0]

Then: python bench/dashboard_speed.py --cartella /tmp/narrazioni-bench
Users: ricercatrice / operatore / admin, password ``narrazioni-bench`` (or NARRAZIONI_BENCH_PASSWORD).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

RADICE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RADICE))

from sqlalchemy.orm import Session  # noqa: E402

from analisi.corpus import carica_oro_codici, carica_oro_pii, carica_racconti, percorso_associazioni  # noqa: E402
from analisi.frasi import dividi_frasi  # noqa: E402
from archivio import codifica  # noqa: E402
from archivio import racconti as q  # noqa: E402
from archivio import temi as archivio_temi  # noqa: E402
from archivio.cifratura import Cifrario, crea_chiave  # noqa: E402
from archivio.db import Archivio, migra  # noqa: E402
from archivio.racconti import NuovaFrase, NuovoRacconto  # noqa: E402
from archivio.utenti import aggiungi_utente, esiste_utente  # noqa: E402
from raccolta.consenso import registra_consenso  # noqa: E402

PASSWORD = os.environ.get("NARRAZIONI_BENCH_PASSWORD", "narrazioni-bench")
UTENTI = (("ricercatrice", "ricercatore"), ("operatore", "operatore"), ("admin", "amministratore"))
PRIMO_LIVELLO = ("vita_quotidiana", "ansia", "preoccupazione_futuro", "proposta")
SEGNAPOSTO = {"PERSONA": "PERSONA", "CODICE_FISCALE": "CF", "PARTITA_IVA": "PIVA",
              "TESSERA_SANITARIA": "TESSERA", "SCUOLA": "SCUOLA"}
TEMI = [("vicinato e spesa", ["spesa", "vicino", "portare", "casa", "scala"]),
        ("paura per la salute", ["paura", "ospedale", "medico", "tosse", "febbre"]),
        ("scuola e figli", ["scuola", "figlio", "compiti", "computer", "maestra"]),
        ("solitudine degli anziani", ["solo", "telefono", "anziano", "giornata", "finestra"]),
        ("lavoro e soldi", ["lavoro", "cassa", "integrazione", "affitto", "soldi"]),
        ("associazioni e volontari", ["volontario", "associazione", "centro", "pacco", "parrocchia"]),
        ("servizi e proposte", ["servizio", "comune", "sportello", "rete", "proporre"]),
        ("riaperture e futuro", ["settembre", "riaprire", "futuro", "ondata", "vaccino"])]
PERIODI = (("lockdown-2020", date(2020, 3, 9), date(2020, 5, 31)),
           ("estate-2020", date(2020, 6, 1), date(2020, 9, 30)),
           ("seconda-ondata", date(2020, 10, 1), date(2021, 1, 31)),
           ("zone-colori-2021", date(2021, 2, 1), date(2021, 5, 31)),
           ("riaperture-2021", date(2021, 6, 1), date(2021, 12, 31)))


@dataclass(frozen=True)
class FraseFonte:
    testo: str
    codici: tuple[str, ...]
    area: str | None


def frasi_corpus() -> list[FraseFonte]:
    """The gold-coded sentences, with the gold personal data replaced by placeholders."""
    pii = carica_oro_pii()
    testi = {r["id"]: r["testo"] for r in carica_racconti()}
    out = []
    for oro in carica_oro_codici():
        d = oro.model_dump()
        grezzo = testi[d["id"]]
        numeri: dict[tuple[str, str], int] = {}
        for f in d["sentences"]:
            pezzi, pos = [], f["start"]
            for e in sorted(pii.get(d["id"], []), key=lambda e: e["start"]):
                if e["start"] < f["start"] or e["end"] > f["end"] or e["start"] < pos:
                    continue
                radice = SEGNAPOSTO.get(e["label"], e["label"])
                if e["label"] in ("PERSONA", "LUOGO", "ORGANIZZAZIONE"):
                    n = numeri.setdefault((e["label"], e["text"]), len(numeri) + 1)
                    segnaposto = f"[{radice}_{n}]"
                else:
                    segnaposto = f"[{radice}]"
                pezzi += [grezzo[pos:e["start"]], segnaposto]
                pos = e["end"]
            pezzi.append(grezzo[pos:f["end"]])
            codici = tuple(f["codes"]) + tuple(f["subcodes"])
            out.append(FraseFonte("".join(pezzi).strip(), codici, f.get("area")))
    return out


def associazioni() -> list[str]:
    import csv

    with open(percorso_associazioni(), encoding="utf-8") as f:
        return [r["nome"] for r in csv.DictReader(f)]


def prepara(cartella: Path) -> tuple[Archivio, Cifrario]:
    cartella.mkdir(parents=True, exist_ok=True)
    db = cartella / "narrazioni.db"
    if db.exists():
        raise SystemExit(f"errore: {db} exists already: choose an empty folder")
    archivio = Archivio(f"sqlite:///{db}")
    migra(archivio)
    registra_consenso(archivio, "2020-1")
    crea_chiave(cartella / "chiave.fernet")
    cifrario = Cifrario.da_file(cartella / "chiave.fernet")
    with archivio.transazione() as s:
        for nome in associazioni():
            q.assicura_associazione(s, nome)
        for nome, ruolo in UTENTI:
            if not esiste_utente(s, nome):
                aggiungi_utente(s, nome, PASSWORD, ruolo)
    return archivio, cifrario


def carica(cartella: Path, n: int, seme: int, lotto: int = 500) -> dict[str, float]:
    inizio = time.perf_counter()
    rng = random.Random(seme)
    archivio, cifrario = prepara(cartella)
    pool = frasi_corpus()
    nomi_associazioni = associazioni()
    # each association leans towards two themes: the crosstab has something to show
    preferiti = {a: rng.sample(range(len(TEMI)), 2) for a in nomi_associazioni}
    temi_racconto: dict[int, list[float]] = {}
    aree: list[codifica.AreaFrase] = []
    ids_tutti: list[int] = []
    prime: dict[int, str] = {}  # story id -> its first sentence (the themes' representative quotes)
    tempi: dict[str, float] = defaultdict(float)
    for base in range(0, n, lotto):
        # no autoflush: the store functions flush where they need ids; thousands of pending code rows are
        # then written once per batch instead of before every query
        with Session(archivio.engine, autoflush=False, expire_on_commit=False) as s, s.begin():
            nuovi = []
            for i in range(base, min(n, base + lotto)):
                frasi = rng.sample(pool, rng.randint(8, 22))
                testo = " ".join(f.testo for f in frasi)
                periodo, dal, al = rng.choice(PERIODI)
                giorno = dal + timedelta(days=rng.randrange((al - dal).days + 1))
                associazione = rng.choice(nomi_associazioni) if rng.random() > 0.05 else None
                t0 = time.perf_counter()
                titolo = f"Racconto {i + 1}"
                quartiere = rng.choice(("Sant'Agnese", "San Damaso", "Buon Pastore", "Vaciglio"))
                r = q.inserisci_racconto(s, NuovoRacconto(
                    testo=testo, canale=rng.choice(("modulo", "modulo", "importazione", "operatore")),
                    versione_consenso="2020-1", titolo=titolo, associazione=associazione,
                    quartiere=quartiere,
                    fascia_eta=rng.choice(("18-29", "30-44", "45-64", "65-74", "75+")),
                    ruolo=rng.choice(("cittadino", "caregiver", "volontario", "genitore", "operatore")),
                    periodo=periodo, data_racconto=giorno, consenso_citazione=rng.random() < 0.8), cifrario)
                # the recombined text is already anonymised: it is the anonymised text as it is
                q.salva_anonimizzazione(s, r.id, testo, [], None, [],
                                        campi_anon={"titolo": titolo, "quartiere": quartiere})
                tempi["racconti"] += time.perf_counter() - t0
                nuovi.append((r.id, testo, frasi, associazione))
            t0 = time.perf_counter()
            modello: dict[int, dict[str, float]] = {}
            for rid, testo, frasi, _ in nuovi:
                prime[rid] = frasi[0].testo
                q.salva_frasi(s, rid, [NuovaFrase(iv.inizio, iv.fine, testo[iv.inizio:iv.fine])
                                       for iv in dividi_frasi(testo)])
            s.flush()
            per_racconto = codifica.frasi_dei_racconti(s, [r for r, *_ in nuovi])
            indice = {(f.racconto_id, f.testo): f.id for f in per_racconto}
            tempi["frasi"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            for rid, _, frasi, associazione in nuovi:
                for f in frasi:
                    fid = indice.get((rid, f.testo))
                    if fid is None:  # the splitter cut differently: the sentence stays uncoded
                        continue
                    probabilita = {c: (0.85 + 0.1 * rng.random() if c in f.codici else 0.15 * rng.random())
                                   for c in PRIMO_LIVELLO}
                    probabilita.update({c: 0.8 for c in f.codici if "." in c})
                    modello[fid] = probabilita
                    if "proposta" in f.codici and f.area:
                        punteggio = round(0.5 + 0.4 * rng.random(), 3)
                        aree.append(codifica.AreaFrase(fid, str(f.area), None, punteggio))
                pesi = [rng.random() * 0.3 for _ in TEMI]
                for t in preferiti.get(associazione or "", rng.sample(range(len(TEMI)), 2)):
                    pesi[t] += rng.random()
                totale = sum(pesi)
                temi_racconto[rid] = [p / totale for p in pesi]
            codifica.salva_codici_modello(s, modello, "bench-codifica@1.0")
            s.flush()
            codifica.salva_piano_modello(s, [r for r, *_ in nuovi],
                                         [a for a in aree if a.frase_id in modello],
                                         "bench-piano@carpi")
            aree = [a for a in aree if a.frase_id not in modello]
            tempi["codici"] += time.perf_counter() - t0
            ids_tutti += [r for r, *_ in nuovi]
        print(f"  {min(n, base + lotto):>6} racconti caricati ({time.perf_counter() - inizio:.1f} s)",
              flush=True)
    t0 = time.perf_counter()
    with archivio.transazione() as s:
        temi = []
        for i, (etichetta, parole) in enumerate(TEMI):
            migliori = [r for _, r in sorted((-pesi[i], r) for r, pesi in temi_racconto.items())[:5]]
            citazioni = [archivio_temi.NuovaCitazione(r, 0, len(prime[r]), prime[r], temi_racconto[r][i])
                         for r in migliori]
            termini = [[p, 1.0 - 0.1 * j] for j, p in enumerate(parole)]
            temi.append(archivio_temi.NuovoTema(i, etichetta, termini, 1 / len(TEMI), citazioni=citazioni))
        salvato = archivio_temi.salva_modello(
            s, percorso=str(cartella / "modelli" / "bench.joblib"), impronta="0" * 64, algoritmo="nmf",
            k=len(TEMI), random_state=seme, n_racconti=n, parametri={"bench": True}, metriche={}, temi=temi)
        archivio_temi.salva_assegnazioni(s, salvato.temi_ids, temi_racconto.items())
    tempi["temi"] = time.perf_counter() - t0
    with archivio.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("ANALYZE")
    archivio.chiudi()
    tempi["totale"] = time.perf_counter() - inizio
    return dict(tempi)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cartella", type=Path, required=True, help="empty data folder for the bench store")
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--seme", type=int, default=0)
    a = p.parse_args(argv)
    tempi = carica(a.cartella, a.n, a.seme)
    durate = ", ".join(f"{k} {v:.1f} s" for k, v in tempi.items())
    print(f"{a.n} racconti in {a.cartella / 'narrazioni.db'}: {durate}")
    print(f"accesso: {', '.join(n for n, _ in UTENTI)} — password {PASSWORD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
