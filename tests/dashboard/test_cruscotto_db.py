"""The dashboard's queries on the configured store: SQLite, and PostgreSQL when NARRAZIONI_TEST_DB names one
(full text through ``to_tsvector('italian')`` and its GIN index, dates, effective codes, aggregates)."""

from __future__ import annotations

import pytest

from analisi.anonimizzazione.revisione import approva_revisione, apri_revisione
from archivio import codifica
from archivio import cruscotto as cq
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from tests.dashboard.popola import Dati, popola


@pytest.fixture
def caricato(archivio: Archivio, cifrario: Cifrario) -> Dati:
    return popola(archivio, cifrario)


def test_ricerca_filtri_e_conteggi(archivio: Archivio, caricato: Dati) -> None:
    with archivio.lettura() as s:
        assert cq.ha_indice_testo(s)
        for ricerca in ("biblioteca", "paur*", '"centro diurno"', "biblioteca -online"):
            totale, righe = cq.cerca(s, cq.Filtri(testo=ricerca), limite=100)
            assert totale == len(righe), ricerca
            assert (totale > 0) == (ricerca != "biblioteca -online"), ricerca
        assert cq.kwic(s, cq.Filtri(testo="biblioteca"))
        tutti = cq.racconti_filtrati(s, cq.Filtri())
        assert len(tutti) == 24
        dal = cq.racconti_filtrati(s, cq.Filtri(dal=tutti[5]["data"]))
        assert 0 < len(dal) < 24
        quote = {r["codice"]: r for r in cq.quote_codici(s, cq.Filtri())}
        aggregati = cq.codici_per_racconto_tutti(s)
        assert sum(n for _, c, n in aggregati if c == "ansia") == quote["ansia"]["frasi"]
        assert cq.aree_per_racconto(s) and cq.frasi_per_racconto(s)
        assert cq.conteggi_aree(s, cq.Filtri()) and cq.codici_per_data(s, cq.Filtri())
        assert len(cq.frasi_codificate(s, cq.Filtri(), codici=["proposta"], solo_citabili=True)) > 0
        assert cq.temi_principali(s, [r["id"] for r in tutti])


def test_decisioni_umane_e_aggregati_concordano(archivio: Archivio, caricato: Dati) -> None:
    with archivio.lettura() as s:
        frase = cq.coda_codifica(s, cq.Filtri(), "non_riviste")[0]
        prima = cq.frase_in_revisione(s, frase, "anna")
    assert prima is not None
    with archivio.transazione() as s:
        for c in ("vita_quotidiana", "ansia", "preoccupazione_futuro", "proposta"):
            codifica.salva_correzione(s, frase, c, c not in prima.effettivi, "anna")
    with archivio.lettura() as s:
        quote = {r["codice"]: r["frasi"] for r in cq.quote_codici(s, cq.Filtri())}
        aggregati: dict[str, int] = {}
        for _, c, n in cq.codici_per_racconto_tutti(s):
            aggregati[c] = aggregati.get(c, 0) + n
    primo_livello = {c: n for c, n in quote.items() if "." not in c}
    assert {c: n for c, n in aggregati.items() if "." not in c} == primo_livello


def test_revisione_e_indice(archivio: Archivio, cifrario: Cifrario, caricato: Dati) -> None:
    rid = caricato.in_revisione
    assert rid is not None
    with archivio.transazione() as s:
        d = apri_revisione(s, rid, cifrario, ruolo="amministratore", chi="ada")
        span = [sp for sp in d.span if sp.etichetta == "PERSONA"]
        approva_revisione(s, rid, span, cifrario, ruolo="amministratore", chi="ada")
    with archivio.lettura() as s:
        totale, righe = cq.cerca(s, cq.Filtri(testo='"via Roma"'))
    assert totale == 1 and "[PERSONA_1]" in righe[0].estratto
