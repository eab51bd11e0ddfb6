"""A small, fully processed store for the dashboard tests (AppTest and browser): written through the
store's functions, no model needed. Deterministic: the same call gives the same data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from analisi.anonimizzazione import segnaposto as sg
from analisi.anonimizzazione.tipi import Span
from analisi.frasi import dividi_frasi
from archivio import codifica
from archivio import racconti as q
from archivio import temi as archivio_temi
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.racconti import NuovaFrase, NuovoRacconto
from archivio.tabelle import Frase
from archivio.utenti import aggiungi_utente

RADICE = Path(__file__).resolve().parents[2]
PASSWORD = "password-di-prova"
UTENTI = {"anna": "ricercatore", "otto": "operatore", "ada": "amministratore"}
ASSOCIAZIONI = ("Caregiver Insieme", "Centro Anziani Il Glicine", "Genitori in Rete", "Rete Vicini di Casa")
MODELLO = "codifica-prova@1.0"

# The story that tries to inject markup and a spreadsheet formula: it must come out as inert text.
PERICOLOSO = ('<script>alert("xss")</script> Servirebbe un centro diurno aperto anche d\'estate.\n'
              '=HYPERLINK("http://esempio.invalid","clicca qui") propongo uno sportello di ascolto per i '
              "caregiver.")

FRASI_TIPO = {
    "vita_quotidiana": ["La mattina facevo la spesa per mia madre e poi tornavo al computer.",
                        "Le giornate passavano tra la cucina e il balcone."],
    "ansia": ["Avevo paura ogni volta che mio padre tossiva.", "Mi sentivo sola come mai prima."],
    "preoccupazione_futuro": ["Non so se a settembre riapriremo il centro diurno."],
    "proposta": ["Servirebbe una rete di vicini che faccia la spesa per chi è solo.",
                 "Propongo di tenere aperta la biblioteca anche online."],
}


@dataclass
class Dati:
    codici: dict[str, str] = field(default_factory=dict)  # titolo -> codice racconto
    in_revisione: int | None = None


def _storia(i: int) -> tuple[str, list[str]]:
    """A story of a few sentences; returns the text and the code of each sentence."""
    ordine = ["vita_quotidiana", "ansia", "preoccupazione_futuro", "proposta"]
    frasi, codici = [], []
    for j in range(4):
        codice = ordine[(i + j) % 4]
        scelte = FRASI_TIPO[codice]
        frasi.append(scelte[(i // 4 + j) % len(scelte)])
        codici.append(codice)
    return " ".join(frasi), codici


def popola(archivio: Archivio, cifrario: Cifrario, *, n: int = 24) -> Dati:
    """Users of the three roles, ``n`` visible coded stories, themes, one story held for review."""
    dati = Dati()
    with archivio.transazione() as s:
        for nome, ruolo in UTENTI.items():
            aggiungi_utente(s, nome, PASSWORD, ruolo)
        for a in ASSOCIAZIONI:
            q.assicura_associazione(s, a)
        storie: list[tuple[int, str, list[str]]] = []
        for i in range(n):
            testo, codici = _storia(i)
            titolo = f"Racconto {i + 1}"
            if i == 0:
                testo, codici, titolo = PERICOLOSO, ["proposta", "proposta", "proposta"], "Pericoloso"
            quartiere = "Sant'Agnese" if i % 2 else "San Damaso"
            r = q.inserisci_racconto(s, NuovoRacconto(
                testo=testo, canale="modulo", versione_consenso="2020-1", titolo=titolo,
                associazione=ASSOCIAZIONI[i % len(ASSOCIAZIONI)] if i % 7 != 6 else None,
                quartiere=quartiere,
                fascia_eta=("30-44", "45-64", "75+")[i % 3],
                ruolo=("caregiver", "volontario", "cittadino")[i % 3],
                periodo=("lockdown-2020", "seconda-ondata")[i % 2],
                data_racconto=date(2020, 3 + i % 9, 1 + i),
                consenso_citazione=i % 5 != 3), cifrario)
            # the stories here are already anonymous: the anonymised text and fields are the raw ones
            q.salva_anonimizzazione(s, r.id, testo, [], None, [],
                                    campi_anon={"titolo": titolo, "quartiere": quartiere})
            dati.codici[titolo] = r.codice
            storie.append((r.id, testo, codici))
        for rid, testo, _ in storie:
            frasi = [NuovaFrase(iv.inizio, iv.fine, testo[iv.inizio:iv.fine]) for iv in dividi_frasi(testo)]
            q.salva_frasi(s, rid, frasi)
        s.flush()
        modello: dict[int, dict[str, float]] = {}
        aree: list[codifica.AreaFrase] = []
        for rid, _, codici in storie:
            righe = list(s.scalars(select(Frase).where(Frase.racconto_id == rid).order_by(Frase.indice)))
            for f, codice in zip(righe, codici, strict=False):
                # the model stores a probability for every code: only the one above 0.5 holds
                modello[f.id] = {c: (0.9 if c == codice else 0.1) for c in FRASI_TIPO}
                if codice == "proposta":
                    modello[f.id]["proposta.servizi"] = 0.7
                    cura = "caregiver" in f.testo or "diurno" in f.testo
                    area, scheda = ("1", "1.2") if cura else ("4", None)
                    aree.append(codifica.AreaFrase(f.id, area, scheda, 0.6))
        codifica.salva_codici_modello(s, modello, MODELLO)
        codifica.salva_piano_modello(s, [r for r, _, _ in storie], aree, "piano-prova@carpi")
        # a held story: raw text with a name, anonymised text with a placeholder
        grezzo = "Mi chiamo Graziella Pincelli e abito in via Roma 3. Avevo paura di uscire di casa da sola."
        anon = "Mi chiamo [PERSONA_1] e abito in [INDIRIZZO]. Avevo paura di uscire di casa da sola."
        r = q.inserisci_racconto(s, NuovoRacconto(testo=grezzo, canale="modulo", versione_consenso="2020-1",
                                                  titolo="Trattenuto", associazione=ASSOCIAZIONI[0],
                                                  consenso_citazione=True), cifrario)
        segni = [(m.start(), m.end(), m.group(0)) for m in sg.SEGNAPOSTO_RE.finditer(anon)]
        q.salva_anonimizzazione(
            s, r.id, anon, [Span(a, b, "PERSONA" if "PERSONA" in t else "INDIRIZZO", t, 0.55, "ner")
                            for a, b, t in segni],
            cifrario.cifra('{"[PERSONA_1]": "Graziella Pincelli", "[INDIRIZZO]": "via Roma 3"}'),
            ["bassa confidenza: PERSONA 10-29 (0.55)"], campi_anon={"titolo": "Trattenuto"})
        dati.in_revisione = r.id
        # themes: two themes, every story assigned
        temi = [archivio_temi.NuovoTema(0, "spesa, vicini, rete", [["spesa", 1.0], ["vicini", 0.8]], 0.5,
                                        citazioni=[archivio_temi.NuovaCitazione(storie[1][0], 0, 40,
                                                                                storie[1][1][:40], 0.9)]),
                archivio_temi.NuovoTema(1, "paura, sola, padre", [["paura", 1.0], ["sola", 0.7]], 0.5)]
        tema_ids = archivio_temi.salva_modello(
            s, percorso="/nonexistent/modelli/temi-popola.joblib",
            impronta="0" * 64, algoritmo="nmf", k=2, random_state=0, n_racconti=n,
            parametri={}, metriche={}, temi=temi).temi_ids
        archivio_temi.salva_assegnazioni(s, tema_ids, [
            (rid, (0.8, 0.2) if k % 2 == 0 else (0.3, 0.7)) for k, (rid, _, _) in enumerate(storie)])
    return dati
