"""A story's title, zone and other association anonymised together with its text (rules only: no model)."""

from __future__ import annotations

import pytest

from analisi.anonimizzazione import Anonimizzatore, anonimizza_racconti
from analisi.anonimizzazione.campi import SEPARATORE, _ritaglia
from analisi.anonimizzazione.tipi import Span
from archivio.racconti import CAMPI_LIBERI

TESTO = ("Durante il lockdown passavo le giornate sul balcone e la sera ascoltavo la radio. "
         "Vorrei che il quartiere avesse più spazi per incontrarsi all'aperto.")


@pytest.fixture(scope="module")
def anonimizzatore() -> Anonimizzatore:
    return Anonimizzatore(None)


def test_nome_e_telefono_nel_titolo_e_nella_zona(anonimizzatore: Anonimizzatore) -> None:
    campi = {"titolo": "Ricordi di Ermenegildo Quarzofilli, tel. 347 5550199",
             "quartiere": "via Vignolese 45, casa Quarzofilli",
             "associazione_altra": "Bocciofila di Ermenegildo Quarzofilli"}
    [esito] = anonimizza_racconti(anonimizzatore, [(TESTO + " Il signor Quarzofilli mi salutava.", campi)],
                                  nomi_campi=CAMPI_LIBERI)
    tutto = " ".join([esito.testo_anon, *esito.campi_anon.values()])
    for dato in ("Quarzofilli", "Ermenegildo", "347", "5550199", "Vignolese"):
        assert dato not in tutto
    # one placeholder for the same person in the title, the zone, the association and the text
    assert esito.campi_anon["titolo"] == "Ricordi di [PERSONA_1], tel. [TELEFONO]"
    assert esito.campi_anon["quartiere"] == "[INDIRIZZO], casa [PERSONA_1]"
    assert "[PERSONA_1]" in esito.campi_anon["associazione_altra"]
    assert "Il signor [PERSONA_1] mi salutava." in esito.testo_anon
    # the raw surfaces are in the (to be encrypted) mapping, fields included
    assert "347 5550199" in esito.esito.mappa["[TELEFONO]"]


def test_il_cognome_del_titolo_si_maschera_anche_nel_testo(anonimizzatore: Anonimizzatore) -> None:
    testo = TESTO + " Da casa Quarzofilli arrivava sempre musica."
    [solo] = anonimizza_racconti(anonimizzatore, [(testo, {})], nomi_campi=CAMPI_LIBERI)
    [insieme] = anonimizza_racconti(anonimizzatore, [(testo, {"titolo": "La famiglia di Ermenegildo Quarzofilli"})],
                                    nomi_campi=CAMPI_LIBERI)
    assert "Quarzofilli" not in insieme.testo_anon and "Quarzofilli" not in insieme.campi_anon["titolo"]
    assert insieme.testo_anon.endswith("Da casa [PERSONA_1] arrivava sempre musica.")
    assert solo.testo_anon.startswith(TESTO)


def test_senza_campi_come_il_solo_testo(anonimizzatore: Anonimizzatore) -> None:
    testo = "Mia figlia Giulia, 7 anni, mi chiamava dal 333 1234567 ogni sera. " + TESTO
    [esito] = anonimizza_racconti(anonimizzatore, [(testo, {"titolo": None, "quartiere": ""})],
                                  nomi_campi=CAMPI_LIBERI)
    atteso = anonimizzatore.anonimizza(testo)
    assert esito.testo_anon == atteso.testo_anon and esito.campi_anon == {}
    assert [p.segnaposto for p in esito.segnaposti] == [esito.testo_anon[p.start:p.end] for p in esito.segnaposti]
    assert len(esito.segnaposti) == len(atteso.entita)


def test_molti_racconti_in_ordine(anonimizzatore: Anonimizzatore) -> None:
    voci = [(f"{TESTO} Racconto numero {i}.", {"titolo": f"Titolo {i}", "quartiere": "Crocetta"})
            for i in range(70)]
    esiti = list(anonimizza_racconti(anonimizzatore, voci, nomi_campi=CAMPI_LIBERI, batch_size=16))
    assert [e.campi_anon["titolo"] for e in esiti] == [f"Titolo {i}" for i in range(70)]
    assert all(e.testo_anon.endswith(f"Racconto numero {i}.") for i, e in enumerate(esiti))


def test_un_entita_a_cavallo_si_maschera_da_entrambe_le_parti() -> None:
    documento = "abito in via Roma" + SEPARATORE + "12 bis"
    e = Span(9, len(documento), "INDIRIZZO", score=1.0, fonte="regola", text=documento[9:])
    testo, segni = _ritaglia(documento, 0, 17, [e], ["[INDIRIZZO]"])
    campo, _ = _ritaglia(documento, 19, len(documento), [e], ["[INDIRIZZO]"])
    assert testo == "abito in [INDIRIZZO]" and campo == "[INDIRIZZO]"
    assert testo[segni[0].start:segni[0].end] == "[INDIRIZZO]"
