"""The dashboard's store queries: full-text search kept in sync, filters, effective codes, review queue."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from analisi.anonimizzazione import segnaposto as sg
from analisi.anonimizzazione.revisione import approva_revisione, apri_revisione
from analisi.ricerca import cerca, kwic
from archivio import codifica
from archivio.cruscotto.aggregati import quote_codici, racconti_filtrati
from archivio.cruscotto.coda_frasi import coda_codifica, frase_in_revisione
from archivio.cruscotto.filtri import NESSUNA_ASSOCIAZIONE, Filtri, valori_filtri
from archivio.cruscotto.indice_testo import _FTS_PRESENTE, ha_indice_testo
from archivio.cruscotto.revisioni import coda_revisione
from archivio.errori import PermessoNegato
from archivio.ricevute import elimina_racconto
from archivio.tabelle import Frase, Racconto, StatoStadio
from archivio.utenti import stato_conservazione
from tests.dashboard.conftest import Ambiente


def _cerca(ambiente: Ambiente, testo: str, **filtri: object) -> set[str]:
    with ambiente.archivio.lettura() as s:
        totale, righe = cerca(s, Filtri(testo=testo, **filtri), limite=1000)  # type: ignore[arg-type]
    assert totale == len(righe)
    return {r.codice for r in righe}


def test_indice_testo_presente(ambiente: Ambiente) -> None:
    with ambiente.archivio.lettura() as s:
        assert ha_indice_testo(s)


@pytest.mark.parametrize("ricerca, almeno", [
    ("paura", 1), ("PAURA", 1), ("paur*", 1), ('"centro diurno"', 1), ("perche", 0), ("biblioteca online", 1),
])
def test_ricerca(ambiente: Ambiente, ricerca: str, almeno: int) -> None:
    assert len(_cerca(ambiente, ricerca)) >= almeno


def test_ricerca_senza_accenti_ed_esclusione(ambiente: Ambiente) -> None:
    with ambiente.archivio.transazione() as s:
        r = s.scalar(select(Racconto).where(Racconto.titolo == "Racconto 2"))
        assert r is not None
        r.testo_anon = (r.testo_anon or "") + " Non so perché, ma la città era silenziosa."
    assert r.codice in _cerca(ambiente, "perche citta")
    tutti_sola = _cerca(ambiente, "sola")
    assert tutti_sola and not (_cerca(ambiente, "sola -paura") & _cerca(ambiente, "paura"))


@pytest.mark.parametrize("ricerca", ['"', "NEAR(a b)", "a OR", "*", "colonna:valore", "((", "-",
                                     "' OR 1=1 --"])
def test_ricerca_non_rompe_con_sintassi_strana(ambiente: Ambiente, ricerca: str) -> None:
    _cerca(ambiente, ricerca)  # no exception: what the user types never reaches FTS as syntax


def test_indice_segue_modifiche_e_ritiri(ambiente: Ambiente) -> None:
    with ambiente.archivio.transazione() as s:
        r = s.scalar(select(Racconto).where(Racconto.titolo == "Racconto 3"))
        assert r is not None
        codice, rid = r.codice, r.id
        r.testo_anon = "Un testo nuovo sui girasoli del balcone."
    assert _cerca(ambiente, "girasoli") == {codice}
    with ambiente.archivio.transazione() as s:
        elimina_racconto(s, rid)
    assert _cerca(ambiente, "girasoli") == set()
    with ambiente.archivio.lettura() as s:  # the FTS index has no orphan left
        assert s.scalar(text("SELECT count(*) FROM racconti_fts WHERE racconti_fts MATCH 'girasoli'")) == 0


def test_ricerca_senza_indice_usa_like(ambiente: Ambiente) -> None:
    with ambiente.archivio.lettura() as s:
        atteso = _cerca(ambiente, "biblioteca")
        _FTS_PRESENTE[str(s.get_bind().engine.url)] = False
    try:
        assert _cerca(ambiente, "biblioteca") == atteso
    finally:
        _FTS_PRESENTE.clear()


def test_kwic(ambiente: Ambiente) -> None:
    with ambiente.archivio.lettura() as s:
        righe = kwic(s, Filtri(testo="biblioteca"), finestra=30)
    assert righe and all(r.parola.lower() == "biblioteca" for r in righe)
    assert all(len(r.sinistra) <= 31 and len(r.destra) <= 31 for r in righe)
    assert any("aperta la" in r.sinistra for r in righe)


def test_filtri_su_ogni_attributo(ambiente: Ambiente) -> None:
    with ambiente.archivio.lettura() as s:
        tutti = racconti_filtrati(s, Filtri())
        assert len(tutti) == 24
        for campo, colonna in (("associazioni", "associazione"), ("quartieri", "quartiere"),
                               ("fasce_eta", "fascia_eta"), ("ruoli", "ruolo"), ("periodi", "periodo"),
                               ("canali", "canale")):
            valore = tutti[1][colonna]
            scelti = racconti_filtrati(s, Filtri(**{campo: (valore,)}))  # type: ignore[arg-type]
            assert scelti and all(r[colonna] == valore for r in scelti), campo
            assert len(scelti) < 24 or campo == "canali"
        assert all(r["citabile"] for r in racconti_filtrati(s, Filtri(solo_citabili=True)))
        date_ = racconti_filtrati(s, Filtri(dal=date(2020, 5, 1), al=date(2020, 6, 30)))
        assert date_ and all(date(2020, 5, 1) <= r["data"] <= date(2020, 6, 30) for r in date_)
        nessuna = racconti_filtrati(s, Filtri(associazioni=(NESSUNA_ASSOCIAZIONE,)))
        assert len(nessuna) == 3
        temi = valori_filtri(s).temi
        primo = racconti_filtrati(s, Filtri(temi=(temi[0][0],)))
        assert len(primo) == 12
        con_ansia = racconti_filtrati(s, Filtri(codici=("ansia",)))
        assert 0 < len(con_ansia) <= 24
        # the held story is never listed
        assert "Trattenuto" not in {r["titolo"] for r in tutti}


def test_codici_effettivi_soglia_e_decisioni_umane(ambiente: Ambiente) -> None:
    with ambiente.archivio.lettura() as s:
        frase = s.scalar(select(Frase.id).order_by(Frase.id).limit(1))
        assert frase is not None
        prima = frase_in_revisione(s, frase, "anna")
    assert prima is not None and len([c for c in prima.effettivi if "." not in c]) == 1  # only p >= 0.5
    codice = prima.effettivi[0]
    altro = next(c for c in ("ansia", "vita_quotidiana") if c != codice)
    with ambiente.archivio.transazione() as s:
        codifica.salva_correzione(s, frase, codice, False, "anna")
        codifica.salva_correzione(s, frase, altro, True, "anna")
    with ambiente.archivio.lettura() as s:
        dopo = frase_in_revisione(s, frase, "anna")
        assert dopo is not None and altro in dopo.effettivi and codice not in dopo.effettivi
        # the same rule as archivio.codifica's reader
        riga = next(r for r in codifica.frasi_codificate(s) if r["frase_id"] == frase)
        assert set(riga["codici"]) == set(dopo.effettivi)
        assert coda_codifica(s, Filtri(), "riviste") == [frase]
        assert frase not in coda_codifica(s, Filtri(), "non_riviste")


def test_quote_codici(ambiente: Ambiente) -> None:
    with ambiente.archivio.lettura() as s:
        quote = {r["codice"]: r for r in quote_codici(s, Filtri())}
    assert set(quote) >= {"vita_quotidiana", "ansia", "preoccupazione_futuro", "proposta", "proposta.servizi"}
    assert abs(sum(quote[c]["quota_frasi"] for c in ("vita_quotidiana", "ansia", "preoccupazione_futuro",
                                                      "proposta")) - 1) < 1e-9


def test_solo_l_amministratore_legge_il_grezzo(ambiente: Ambiente) -> None:
    rid = ambiente.dati.in_revisione
    assert rid is not None
    with ambiente.archivio.transazione() as s:
        for ruolo in ("ricercatore", "operatore"):
            with pytest.raises(PermessoNegato):
                apri_revisione(s, rid, ambiente.cifrario, ruolo=ruolo, chi="x")
            with pytest.raises(PermessoNegato):
                approva_revisione(s, rid, [], ambiente.cifrario, ruolo=ruolo, chi="x")
        d = apri_revisione(s, rid, ambiente.cifrario, ruolo="amministratore", chi="ada")
    assert d.allineato
    assert [d.grezzo[sp.start:sp.end] for sp in d.span] == ["Graziella Pincelli", "via Roma 3"]


def test_approvazione_rifa_le_fasi_successive(ambiente: Ambiente) -> None:
    rid = ambiente.dati.in_revisione
    assert rid is not None
    with ambiente.archivio.transazione() as s:
        s.add(StatoStadio(racconto_id=rid, stadio="frasi", versione=1, stato="fatto"))
        s.add(StatoStadio(racconto_id=rid, stadio="anonimizza", versione=1, stato="fatto"))
    with ambiente.archivio.transazione() as s:
        d = apri_revisione(s, rid, ambiente.cifrario, ruolo="amministratore", chi="ada")
        approva_revisione(s, rid, d.span, ambiente.cifrario, ruolo="amministratore", chi="ada")
    with ambiente.archivio.lettura() as s:
        stadi = set(s.scalars(select(StatoStadio.stadio).where(StatoStadio.racconto_id == rid)))
        assert stadi == {"anonimizza"}
        assert coda_revisione(s) == []


def test_conservazione(ambiente: Ambiente) -> None:
    with ambiente.archivio.lettura() as s:
        stato = stato_conservazione(s, 90)
        assert stato == {"conservati": 25, "non_approvati": 1, "nel_periodo": 24, "scaduti": 0,
                         "eliminati": 0}
        assert stato_conservazione(s, 0)["scaduti"] == 24


def test_ricostruisci_numeri_stabili() -> None:
    grezzo = "Giulia e Marco: Giulia chiama Marco."
    span = [sg.Span(0, 6, "PERSONA", "[PERSONA_2]"), sg.Span(9, 14, "PERSONA", "[PERSONA_1]"),
            sg.Span(16, 22, "PERSONA"), sg.Span(30, 35, "PERSONA")]
    testo, posizioni, mappa = sg.ricostruisci(grezzo, span)
    assert testo == "[PERSONA_2] e [PERSONA_1]: [PERSONA_2] chiama [PERSONA_1]."
    assert mappa == {"[PERSONA_2]": "Giulia", "[PERSONA_1]": "Marco"}
    assert all(testo[a:b] == sp.segnaposto for a, b, sp in posizioni)


_PAROLE = st.sampled_from(["la", "casa", "Giulia", "Rossi", "via", "Roma", "3", "e", ".", "mia", "figlia",
                           ","])


@settings(max_examples=150, deadline=None)
@given(parole=st.lists(_PAROLE, min_size=1, max_size=25), scelte=st.lists(st.booleans(), max_size=25),
       etichette=st.lists(st.sampled_from(["PERSONA", "LUOGO", "TELEFONO"]), max_size=25))
def test_allinea_ritrova_gli_span(parole: list[str], scelte: list[bool], etichette: list[str]) -> None:
    """Whatever spans replaced words, the raw spans are found again from raw and anonymised text."""
    grezzo = " ".join(parole)
    span, pos = [], 0
    for i, p in enumerate(parole):
        if i < len(scelte) and scelte[i] and i < len(etichette):
            span.append(sg.Span(pos, pos + len(p), etichette[i]))
        pos += len(p) + 1
    anon, posizioni, mappa = sg.ricostruisci(grezzo, span)
    entita = [(a, b, sp.label, sp.segnaposto, 1.0, "x") for a, b, sp in posizioni]
    ritrovati = sg.allinea(grezzo, anon, entita, mappa)
    assert ritrovati is not None
    assert sg.ricostruisci(grezzo, ritrovati)[0] == anon
    assert [grezzo[s.start:s.end] for s in ritrovati] == [grezzo[s.start:s.end] for _, _, s in posizioni]


def test_allinea_rifiuta_testi_diversi() -> None:
    assert sg.allinea("Ciao Anna, come stai?", "CIAO [PERSONA_1], COME STAI?") is None


def test_occorrenze_libere() -> None:
    testo = "Anna e Annalisa: anna."
    assert sg.occorrenze_libere(testo, "anna", []) == [(0, 4), (17, 21)]
    assert sg.occorrenze_libere(testo, "anna", [(0, 4)]) == [(17, 21)]
    assert sg.occorrenze_libere(testo, "  ", []) == []
