"""The real round trip of placeholders on the sample corpus: the real anonymiser in the pipeline stage, the
review page's spans (stored, no search), a manual removal and addition, approval, the pipeline again, and the
exports. One grammar, one numbering, one mapping all along."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from analisi import esporta as ex
from analisi.anonimizzazione import revisione as rv
from analisi.anonimizzazione import segnaposto as sg
from analisi.pipeline import esegui
from archivio import racconti as q
from archivio import tabelle as m
from archivio.cifratura import Cifrario
from archivio.cruscotto import aggregati
from archivio.cruscotto.filtri import Filtri
from archivio.cruscotto.revisioni import coda_revisione
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
N_STORIE = 14


def _storie() -> list[dict[str, Any]]:
    righe = (CORPUS / "racconti.jsonl").read_text(encoding="utf-8").splitlines()[:N_STORIE]
    return [json.loads(r) for r in righe]


def _senza_ricerca(*_: Any, **__: Any) -> Any:
    raise AssertionError("the review searched for spans that are stored")


def _stato(archivio: Archivio, cifrario: Cifrario, rid: int) -> tuple[str, str, list[tuple[Any, ...]], str]:
    with archivio.lettura() as s:
        anon, grezzo_c, mappa_c = s.execute(
            select(m.Racconto.testo_anon, m.TestoGrezzo.testo_cifrato, m.TestoGrezzo.mappa_cifrata)
            .join(m.TestoGrezzo, m.TestoGrezzo.racconto_id == m.Racconto.id).where(m.Racconto.id == rid)).one()
        righe = [(e.inizio, e.fine, e.etichetta, e.segnaposto) for e in
                 s.scalars(select(m.Entita).where(m.Entita.racconto_id == rid).order_by(m.Entita.inizio))]
    assert grezzo_c is not None
    return anon or "", cifrario.decifra(grezzo_c), righe, cifrario.decifra(mappa_c) if mappa_c else ""


def _coerente(anon: str, grezzo: str, righe: list[tuple[Any, ...]], payload: str, *,
              rinumera: bool = True) -> list[sg.Span]:
    """Stored text, placeholder rows and encrypted payload agree: one grammar, numbering, mapping, labels."""
    mappa, span = sg.decodifica_mappa(payload)
    assert span is not None
    assert sg.ricostruisci(grezzo, span)[0] == anon
    if rinumera:  # the one numbering: the anonymiser's spans without their placeholders give the same text
        assert sg.ricostruisci(grezzo, [sg.Span(x.start, x.end, x.label) for x in span])[0] == anon
    assert [(a, b, et, seg) for a, b, et, seg in righe] == [
        (a, b, x.label, x.segnaposto) for a, b, x in sg.ricostruisci(grezzo, span)[1]]
    for a, b, etichetta, segnaposto in righe:
        assert anon[a:b] == segnaposto and sg.SEGNAPOSTO_RE.fullmatch(segnaposto)
        assert sg.etichetta(segnaposto) == etichetta and etichetta in sg.ETICHETTE_REVISIONE
    for x in span:  # the mapping holds every surface of the text under its placeholder
        assert grezzo[x.start:x.end] in mappa[x.segnaposto or ""]
    return span


@pytest.mark.lento
def test_giro_completo_sul_corpus(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    storie = _storie()
    with archivio.transazione() as s:
        ids = [q.inserisci_racconto(s, q.NuovoRacconto(testo=r["testo"], canale="importazione", titolo=r.get("titolo"),
                                                       versione_consenso="2020-1", consenso_citazione=True),
                                    cifrario).id for r in storie]
    imp = impostazioni.con(elaborazione={"stadi": ["anonimizza.v1", "frasi.v1"], "modello_lingua": "narrazioni"})
    esegui(archivio, imp, cifrario)

    spans = {rid: _coerente(*_stato(archivio, cifrario, rid)) for rid in ids}
    assert sum(len(v) for v in spans.values()) > 50
    with archivio.lettura() as s:
        trattenuti = [v.racconto_id for v in coda_revisione(s)]
    assert trattenuti, "the sample should hold at least one story for review"

    # the review: the stored spans, no search
    rid = max(trattenuti, key=lambda r: len(spans[r]))
    monkeypatch.setattr(rv, "allinea", _senza_ricerca)
    with archivio.transazione() as s:
        aperta = rv.apri_revisione(s, rid, cifrario, ruolo="amministratore", chi="ada")
    assert aperta.allineato and aperta.span == spans[rid]
    grezzo = aperta.grezzo
    prima = aperta.testo_anon
    # remove one person's mention, add a word left in clear (all its free occurrences), as the page does
    tolto = next(x for x in aperta.span if x.label == "PERSONA")
    restanti = [x for x in aperta.span if x != tolto]
    occupati = [(x.start, x.end) for x in restanti]
    parola = next(w for w in ("quartiere", "casa", "paura", "giorni", "mamma", "lavoro")
                  if sg.occorrenze_libere(grezzo, w, occupati))
    aggiunti = [sg.Span(a, b, "LUOGO", None, 1.0, "umano") for a, b in sg.occorrenze_libere(grezzo, parola, occupati)]
    with archivio.transazione() as s:
        nuovo = rv.approva_revisione(s, rid, [*restanti, *aggiunti], cifrario, ruolo="amministratore", chi="ada")

    anon, grezzo2, righe, payload = _stato(archivio, cifrario, rid)
    assert anon == nuovo and grezzo2 == grezzo
    dopo = _coerente(anon, grezzo, righe, payload, rinumera=False)  # a removal leaves its number unused
    # the placeholders kept their numbers; the added word has a new LUOGO number, the same for each occurrence
    assert [x.segnaposto for x in dopo if x.fonte != "umano"] == [x.segnaposto for x in restanti]
    nuovi = {x.segnaposto or "" for x in dopo if x.fonte == "umano"}
    assert len(nuovi) == 1 and nuovi.pop() not in prima
    assert grezzo[tolto.start:tolto.end] in anon and parola not in anon.lower()
    # opening it again needs no search either
    with archivio.transazione() as s:
        assert rv.apri_revisione(s, rid, cifrario, ruolo="amministratore", chi="ada").span == dopo

    # the pipeline redoes the approved story; the exports carry exactly the stored anonymised texts
    esegui(archivio, imp, cifrario)
    with archivio.lettura() as s:
        testi = aggregati.testi_citabili(s, Filtri())
        visibili = set(s.scalars(select(m.Racconto.id).where(m.Racconto.visibile.is_(True))))
        frasi = list(s.execute(select(m.Frase.racconto_id, m.Frase.testo)))
    assert rid in visibili and {t["id"] for t in testi} == visibili
    qdpx = ex.a_qdpx([ex.Sorgente(t["id"], t["codice"], t["testo"], {}) for t in testi], [], codebook={},
                     sottocodici={}, autore="ada", nome_progetto="giro")
    with zipfile.ZipFile(io.BytesIO(qdpx)) as z:
        sorgenti = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("Sources/")]
    assert len(sorgenti) == len(testi)
    per_id = {t["id"]: t["testo"] for t in testi}
    for t in testi:
        anon_t, grezzo_t, _, payload_t = _stato(archivio, cifrario, t["id"])
        _, span_t = sg.decodifica_mappa(payload_t)
        assert t["testo"] == anon_t == sg.ricostruisci(grezzo_t, span_t or [])[0] and anon_t in sorgenti
        if t["id"] == rid:
            continue
        for x in span_t or []:  # a masked name is readable nowhere in the exported story
            if x.label == "PERSONA" and len(grezzo_t[x.start:x.end]) > 3:
                assert grezzo_t[x.start:x.end] not in anon_t, (t["codice"], grezzo_t[x.start:x.end])
    assert all(testo in per_id[r] for r, testo in frasi if r in per_id)


def test_racconto_senza_span_salvati_allineato_una_volta(archivio: Archivio, cifrario: Cifrario,
                                                        impostazioni: Impostazioni,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A story anonymised before the spans were stored (a flat mapping): aligned once, in analisi, then stored."""
    grezzo = "Mi chiamo Graziella Pincelli e abito in via Roma 3. La signora Pincelli ringrazia."
    anon = "Mi chiamo [PERSONA_1] e abito in [INDIRIZZO]. La signora [PERSONA_1] ringrazia."
    with archivio.transazione() as s:
        r = q.inserisci_racconto(s, q.NuovoRacconto(testo=grezzo, canale="modulo", versione_consenso="2020-1"),
                                 cifrario)
        segni = [sg.Span(m.start(), m.end(), sg.etichetta(m.group()), m.group(), 0.9, "ner")
                 for m in sg.SEGNAPOSTO_RE.finditer(anon)]
        q.salva_anonimizzazione(s, r.id, anon, segni, cifrario.cifra(json.dumps(
            {"[PERSONA_1]": "Graziella Pincelli", "[INDIRIZZO]": "via Roma 3"})), ["prova"])
        rid = r.id
    with archivio.transazione() as s:
        aperta = rv.apri_revisione(s, rid, cifrario, ruolo="amministratore", chi="ada")
    assert aperta.allineato
    assert [grezzo[x.start:x.end] for x in aperta.span] == ["Graziella Pincelli", "via Roma 3", "Pincelli"]
    assert aperta.superfici == {"[PERSONA_1]": ["Graziella Pincelli", "Pincelli"], "[INDIRIZZO]": ["via Roma 3"]}
    monkeypatch.setattr(rv, "allinea", _senza_ricerca)
    with archivio.transazione() as s:
        assert rv.apri_revisione(s, rid, cifrario, ruolo="amministratore", chi="ada").span == aperta.span
    # a stored text changed by other means: its spans are looked for again, never trusted blindly
    with archivio.transazione() as s:
        s.execute(update(m.Racconto).where(m.Racconto.id == rid).values(testo_anon=anon.upper()))
    monkeypatch.undo()
    with archivio.transazione() as s:
        diverso = rv.apri_revisione(s, rid, cifrario, ruolo="amministratore", chi="ada")
    assert not diverso.allineato and diverso.base == anon.upper()
    assert [x.segnaposto for x in diverso.span] == ["[PERSONA_1]", "[INDIRIZZO]", "[PERSONA_1]"]
