"""Withdrawal removes a story and everything derived from it; retention purges raw text; operators' entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from analisi.pipeline import esegui
from archivio import racconti as q
from archivio import ricevute as store
from archivio import tabelle as m
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.tempo import adesso
from raccolta.app import Limiti, crea_app
from raccolta.conservazione import pulisci_testi_grezzi
from raccolta.invio import invia_racconto, ritira_racconto
from raccolta.operatore import inserisci_racconto_cartaceo, ritira_per_conto
from raccolta.ricevuta import hash_ricevuta
from raccolta.validazione import ErroreValidazione, valida_racconto
from tests.raccolta.aiuti import dove_compare, gettone, ricevuta, tutte_le_righe

STORIA = ("Durante il primo lockdown telefonavo ogni sera a mia zia Ernesta. Avevo paura per lei. "
          "Vorrei che il quartiere avesse uno sportello per gli anziani soli.")
ALTRA = "Lavoravo da casa con i bambini piccoli, e la sera ero stanchissima ma contenta di essere insieme."


def _nuovo(testo: str, canale: str = "modulo") -> q.NuovoRacconto:
    return valida_racconto({"testo": testo, "consenso": "sì"}, associazioni=set(), canale=canale,
                           versione_consenso="2020-1")


def _righe_derivate(archivio: Archivio, racconto_id: int) -> dict[str, int]:
    """Rows in every table that point at the story (by a racconto_id column, or through its sentences)."""
    conta = {}
    righe = tutte_le_righe(archivio)
    frasi = {r["id"] for r in righe["frasi"] if r["racconto_id"] == racconto_id}
    for tabella, elenco in righe.items():
        n = sum(1 for r in elenco if r.get("racconto_id") == racconto_id or r.get("frase_id") in frasi
                or (tabella == "racconti" and r["id"] == racconto_id))
        if n:
            conta[tabella] = n
    return conta


def test_dal_modulo_alla_dashboard_e_ritiro_senza_tracce(archivio: Archivio, cifrario: Cifrario,
                                                         impostazioni: Impostazioni) -> None:
    app = crea_app(impostazioni, archivio, cifrario, limiti=Limiti(ritardo_ritiro_secondi=0))
    with TestClient(app) as c:
        r = c.post("/invia", data={"csrf": gettone(c.get("/").text), "testo": STORIA, "consenso": "sì",
                                   "titolo": "Le telefonate", "temi": ["paure", "proposte"]})
        codice = ricevuta(r.text)
        c.post("/invia", data={"csrf": gettone(c.get("/").text), "testo": ALTRA, "consenso": "sì"})
        resoconto = esegui(archivio, impostazioni, cifrario)  # test stages: "anonymised" = upper-cased
        assert resoconto.elaborati == {"anonimizza.v1": 2, "frasi.v1": 2}
        with archivio.lettura() as s:
            visibili = q.elenco_visibili(s)
            rid, codice_racconto, impronta = s.execute(select(m.Racconto.id, m.Racconto.codice,
                                                              m.Racconto.impronta)
                                                       .where(m.Racconto.titolo == "LE TELEFONATE")).one()
            # Derived rows the cascade must reach: a human code, a theme weight, a review entry.
            frase = s.scalars(select(m.Frase.id).where(m.Frase.racconto_id == rid)).first()
        assert any(v["testo"] == STORIA.upper() and v["titolo"] == "LE TELEFONATE" for v in visibili)
        with archivio.transazione() as s:
            s.add(m.Codice(frase_id=frase, codice="ansia", fonte="umano", autore="anna"))
            tema = m.Tema(indice=0, etichetta="telefonate", termini=["zia"], prevalenza=0.5)
            s.add(tema)
            s.flush()
            s.add(m.AssegnazioneTema(racconto_id=rid, tema_id=tema.id, peso=0.9))
            s.add(m.Revisione(racconto_id=rid, motivi=["prova"]))
        assert {"frasi.testo", "racconti.testo_anon"} <= set(dove_compare(archivio, STORIA.upper()[:30]))
        derivate = _righe_derivate(archivio, rid)
        assert {"racconti", "testi_grezzi", "frasi", "codici", "stati_stadio", "assegnazioni_tema",
                "revisioni"} <= set(derivate)

        g = gettone(c.get("/ritira").text)
        r = c.post("/ritira", data={"csrf": g, "codice": codice, "conferma": "sì"})
        assert r.status_code == 200

    assert _righe_derivate(archivio, rid) == {}
    # Nothing of the story's content anywhere, in any table: raw, anonymised, sentences, hashes.
    # Lower case too: full-text indexes (FTS5 shadow tables) keep lower-cased tokens.
    aghi = [STORIA[:30], STORIA.upper()[:30], "Ernesta", "ERNESTA", "ernesta", "sportello", "Le telefonate",
            impronta,
            hash_ricevuta(codice), codice]
    assert dove_compare(archivio, *aghi) == []
    # The story's random code survives only in the withdrawal's audit entry (to pull quotes already used).
    assert dove_compare(archivio, codice_racconto) == ["audit.oggetto"]
    with archivio.lettura() as s:
        assert [v["titolo"] for v in q.elenco_visibili(s)] == [None]  # the other story is untouched
        assert s.scalar(select(func.count()).select_from(m.Tema)) == 1  # shared themes stay


def test_ritiro_nel_negozio_e_svuota_il_wal(archivio: Archivio, cifrario: Cifrario) -> None:
    ric = invia_racconto(archivio, cifrario, _nuovo(STORIA), finestra_duplicati=None)
    assert ritira_racconto(archivio, "  " + ric.codice.lower() + " ")
    assert not ritira_racconto(archivio, ric.codice)
    assert not ritira_racconto(archivio, "non è un codice")
    if archivio.sqlite:
        wal = archivio.engine.url.database + "-wal"  # type: ignore[operator]
        from pathlib import Path

        assert not Path(wal).exists() or Path(wal).stat().st_size == 0


def test_finestra_dei_duplicati(archivio: Archivio, cifrario: Cifrario) -> None:
    finestra = timedelta(minutes=10)
    a = invia_racconto(archivio, cifrario, _nuovo(STORIA), finestra_duplicati=finestra)
    b = invia_racconto(archivio, cifrario, _nuovo(STORIA.lower()), finestra_duplicati=finestra)
    assert (a.duplicato, b.duplicato) == (False, True) and a.codice_racconto == b.codice_racconto
    # Outside the window the same text is a new story; another channel never merges with the form's.
    with archivio.transazione() as s:
        s.execute(update(m.Racconto).values(inviato_il=adesso() - timedelta(minutes=11)))
    c = invia_racconto(archivio, cifrario, _nuovo(STORIA), finestra_duplicati=finestra)
    d = invia_racconto(archivio, cifrario, _nuovo(STORIA, "operatore"), finestra_duplicati=finestra)
    assert not c.duplicato and not d.duplicato
    with archivio.lettura() as s:
        assert s.scalar(select(func.count(m.Racconto.id))) == 3
        assert store.racconto_da_ricevuta(s, hash_ricevuta(b.codice)) is not None
    # Withdrawing with the first receipt removes the extra receipt too (cascade).
    assert ritira_racconto(archivio, a.codice)
    assert not ritira_racconto(archivio, b.codice)
    assert tutte_le_righe(archivio)["ricevute"] == []


def test_registra_invio_senza_ricevuta_rifiutato(archivio: Archivio, cifrario: Cifrario) -> None:
    with pytest.raises(ValueError, match="receipt"), archivio.transazione() as s:
        store.registra_invio(s, _nuovo(STORIA), cifrario, finestra_duplicati=None)


def _approva_tutti(archivio: Archivio, giorni_fa: int) -> None:
    with archivio.transazione() as s:
        s.execute(update(m.TestoGrezzo).values(approvato_il=adesso() - timedelta(days=giorni_fa),
                                               mappa_cifrata=b"mappa"))
        s.execute(update(m.Racconto).values(stato_anon="approvato", testo_anon="ANON", visibile=True))


def test_conservazione_purga_solo_i_grezzi_scaduti_e_approvati(archivio: Archivio,
                                                               cifrario: Cifrario) -> None:
    vecchio = invia_racconto(archivio, cifrario, _nuovo(STORIA), finestra_duplicati=None)
    _approva_tutti(archivio, 91)
    recente = invia_racconto(archivio, cifrario, _nuovo(ALTRA), finestra_duplicati=None)
    in_revisione = invia_racconto(archivio, cifrario, _nuovo(ALTRA + " Tre."), finestra_duplicati=None)
    with archivio.transazione() as s:
        s.execute(update(m.TestoGrezzo).where(m.TestoGrezzo.racconto_id.in_(
            select(m.Racconto.id).where(m.Racconto.codice == recente.codice_racconto)))
            .values(approvato_il=adesso() - timedelta(days=10)))
        s.execute(update(m.TestoGrezzo).where(m.TestoGrezzo.racconto_id.in_(
            select(m.Racconto.id).where(m.Racconto.codice == in_revisione.codice_racconto)))
            .values(approvato_il=adesso() - timedelta(days=200)))
        s.execute(update(m.Racconto).where(m.Racconto.codice == recente.codice_racconto)
                  .values(stato_anon="approvato"))
        s.execute(update(m.Racconto).where(m.Racconto.codice == in_revisione.codice_racconto)
                  .values(stato_anon="in_revisione"))
    assert pulisci_testi_grezzi(archivio, 90, prova=True).purgati == 1
    esito = pulisci_testi_grezzi(archivio, 90)
    assert (esito.purgati, esito.prova) == (1, False)
    assert pulisci_testi_grezzi(archivio, 90).purgati == 0  # idempotent
    with archivio.lettura() as s:
        righe = {c: (t, mp, el) for c, t, mp, el in s.execute(
            select(m.Racconto.codice, m.TestoGrezzo.testo_cifrato, m.TestoGrezzo.mappa_cifrata,
                   m.TestoGrezzo.eliminato_il).join(m.TestoGrezzo))}
        voce = s.scalars(select(m.Audit).where(m.Audit.azione == "testi_grezzi_purgati")).one()
    assert righe[vecchio.codice_racconto][:2] == (None, None) and righe[vecchio.codice_racconto][2]
    assert righe[recente.codice_racconto][0] is not None
    assert righe[in_revisione.codice_racconto][0] is not None
    assert voce.dettagli == {"racconti": 1, "conservazione_giorni": 90}
    # The story stays, anonymised; the withdrawal still works without raw text.
    assert ritira_racconto(archivio, vecchio.codice)
    with pytest.raises(ValueError):
        pulisci_testi_grezzi(archivio, -1)


def test_conservazione_zero_giorni(archivio: Archivio, cifrario: Cifrario) -> None:
    invia_racconto(archivio, cifrario, _nuovo(STORIA), finestra_duplicati=None)
    _approva_tutti(archivio, 0)
    assert pulisci_testi_grezzi(archivio, 0).purgati == 1


def test_operatore_inserisce_un_racconto_cartaceo(archivio: Archivio, cifrario: Cifrario) -> None:
    with archivio.transazione() as s:
        q.assicura_associazione(s, "Centro Anziani Il Glicine")
    esito = inserisci_racconto_cartaceo(
        archivio, cifrario, {"testo": STORIA, "consenso": "sì", "associazione": "Centro Anziani Il Glicine",
                             "data": "12/05/2020", "fascia_eta": "75+"},
        versione_consenso="2020-1", operatore="operatore1")
    with archivio.lettura() as s:
        r = s.scalars(select(m.Racconto)).one()
        voce = s.scalars(select(m.Audit).where(m.Audit.azione == "racconto_inserito")).one()
    assert r.canale == "operatore" and r.codice == esito.codice_racconto and r.ricevuta_hash
    assert (voce.chi, voce.oggetto) == ("operatore1", esito.codice_racconto)
    # Same validation as the form, Italian messages; the same text is reported with its code.
    with pytest.raises(ErroreValidazione) as e:
        inserisci_racconto_cartaceo(archivio, cifrario, {"testo": "corto"}, versione_consenso="2020-1",
                                    operatore="operatore1")
    assert {er.campo for er in e.value.errori} == {"testo", "consenso"}
    with pytest.raises(ErroreValidazione, match=esito.codice_racconto):
        inserisci_racconto_cartaceo(archivio, cifrario, {"testo": STORIA, "consenso": "sì"},
                                    versione_consenso="2020-1", operatore="operatore1")
    with pytest.raises(ErroreValidazione, match="sconosciuta"):
        inserisci_racconto_cartaceo(archivio, cifrario, {"testo": ALTRA, "consenso": "sì"},
                                    versione_consenso="1999", operatore="operatore1")
    secondo = inserisci_racconto_cartaceo(archivio, cifrario, {"testo": STORIA, "consenso": "sì"},
                                          versione_consenso="2020-1", operatore="operatore1",
                                          consenti_duplicato=True)
    assert ritira_per_conto(archivio, esito.ricevuta, operatore="operatore2")
    assert ritira_per_conto(archivio, secondo.ricevuta, operatore="operatore2")
    with archivio.lettura() as s:
        assert s.scalar(select(func.count(m.Racconto.id))) == 0
        assert {a.chi for a in s.scalars(select(m.Audit).where(m.Audit.azione == "racconto_ritirato"))} \
            == {"operatore2"}
