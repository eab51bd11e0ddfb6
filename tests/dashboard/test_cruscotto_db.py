"""The dashboard's queries on the configured store: SQLite, and PostgreSQL when NARRAZIONI_TEST_DB names one
(full text through ``to_tsvector('italian')`` and its GIN index, dates, effective codes, aggregates)."""

from __future__ import annotations

import pytest

from analisi.anonimizzazione.revisione import approva_revisione, apri_revisione
from analisi.ricerca import cerca, kwic
from archivio import codifica
from archivio.cifratura import Cifrario
from archivio.cruscotto.aggregati import (
    aree_per_racconto,
    codici_per_data,
    codici_per_racconto_tutti,
    conteggi_aree,
    frasi_per_racconto,
    quote_codici,
    racconti_filtrati,
    temi_principali,
)
from archivio.cruscotto.citazioni import frasi_codificate
from archivio.cruscotto.coda_frasi import coda_codifica, frase_in_revisione
from archivio.cruscotto.filtri import Filtri
from archivio.cruscotto.indice_testo import ha_indice_testo
from archivio.db import Archivio
from tests.dashboard.popola import Dati, popola


@pytest.fixture
def caricato(archivio: Archivio, cifrario: Cifrario) -> Dati:
    return popola(archivio, cifrario)


def test_ricerca_filtri_e_conteggi(archivio: Archivio, caricato: Dati) -> None:
    with archivio.lettura() as s:
        assert ha_indice_testo(s)
        for ricerca in ("biblioteca", "paur*", '"centro diurno"', "biblioteca -online"):
            totale, righe = cerca(s, Filtri(testo=ricerca), limite=100)
            assert totale == len(righe), ricerca
            assert (totale > 0) == (ricerca != "biblioteca -online"), ricerca
        assert kwic(s, Filtri(testo="biblioteca"))
        tutti = racconti_filtrati(s, Filtri())
        assert len(tutti) == 24
        dal = racconti_filtrati(s, Filtri(dal=tutti[5]["data"]))
        assert 0 < len(dal) < 24
        quote = {r["codice"]: r for r in quote_codici(s, Filtri())}
        aggregati = codici_per_racconto_tutti(s)
        assert sum(n for _, c, n in aggregati if c == "ansia") == quote["ansia"]["frasi"]
        assert aree_per_racconto(s) and frasi_per_racconto(s)
        assert conteggi_aree(s, Filtri()) and codici_per_data(s, Filtri())
        assert len(frasi_codificate(s, Filtri(), codici=["proposta"], solo_citabili=True)) > 0
        assert temi_principali(s, [r["id"] for r in tutti])


def test_decisioni_umane_e_aggregati_concordano(archivio: Archivio, caricato: Dati) -> None:
    with archivio.lettura() as s:
        frase = coda_codifica(s, Filtri(), "non_riviste")[0]
        prima = frase_in_revisione(s, frase, "anna")
    assert prima is not None
    with archivio.transazione() as s:
        for c in ("vita_quotidiana", "ansia", "preoccupazione_futuro", "proposta"):
            codifica.salva_correzione(s, frase, c, c not in prima.effettivi, "anna")
    with archivio.lettura() as s:
        quote = {r["codice"]: r["frasi"] for r in quote_codici(s, Filtri())}
        aggregati: dict[str, int] = {}
        for _, c, n in codici_per_racconto_tutti(s):
            aggregati[c] = aggregati.get(c, 0) + n
    primo_livello = {c: n for c, n in quote.items() if "." not in c}
    assert {c: n for c, n in aggregati.items() if "." not in c} == primo_livello


def test_revisione_e_indice(archivio: Archivio, cifrario: Cifrario, caricato: Dati) -> None:
    rid = caricato.in_revisione
    assert rid is not None
    with archivio.transazione() as s:
        d = apri_revisione(s, rid, cifrario, ruolo="amministratore", chi="ada")
        span = [sp for sp in d.span if sp.label == "PERSONA"]
        approva_revisione(s, rid, span, cifrario, ruolo="amministratore", chi="ada")
    with archivio.lettura() as s:
        totale, righe = cerca(s, Filtri(testo='"via Roma"'))
    assert totale == 1 and "[PERSONA_1]" in righe[0].estratto
