"""Coding and Piano stages in the pipeline, and the store functions they use (SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select

import analisi.stadi.codifica  # registers codifica.v1 (the module is also used below)
import analisi.stadi.piano  # noqa: F401  (registers piano.v1)
from analisi.codifica.accordo import accordo_per_codice
from analisi.codifica.addestra import addestra, ricodifica
from analisi.codifica.modello import CodificatoreFrasi
from analisi.pipeline import esegui, risolvi_stadio
from archivio import codifica as qc
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.racconti import NuovoRacconto, RaccontoDaElaborare
from archivio.tabelle import Audit, Codice, Frase
from archivio.tabelle_codifica import PianoFrase

TESTI = [
    "La mattina facevo la spesa per mia madre e poi tornavo al computer. Avevo paura ogni volta che mio padre "
    "tossiva. Servirebbe una rete di vicini che faccia la spesa per chi è solo.",
    "Non so se a settembre riapriremo il centro diurno. Chiedo che il caregiver familiare abbia ore di sollievo.",
    "Il pomeriggio i bambini facevano i compiti in cucina. La sera guardavamo la televisione.",
]


class AnonimizzaIdentica:
    """Test anonymiser: keeps the text (so the coder sees real Italian) and approves it."""

    nome: ClassVar[str] = "anonimizza"
    versione: ClassVar[int] = 1
    legge_grezzo: ClassVar[bool] = True
    solo_visibili: ClassVar[bool] = False

    def prepara(self, contesto: Any) -> None:
        return None

    def elabora(self, lotto: list[RaccontoDaElaborare]) -> list[Any]:
        return [r.testo for r in lotto]

    def salva(self, s: Any, lotto: list[RaccontoDaElaborare], esiti: list[Any]) -> None:
        for r, t in zip(lotto, esiti, strict=True):
            q.salva_anonimizzazione(s, r.id, t, [], None, [])


def _stadi() -> list[Any]:
    return [AnonimizzaIdentica(), risolvi_stadio("frasi.v1"), risolvi_stadio("codifica.v1"),
            risolvi_stadio("piano.v1")]


def _carica(archivio: Archivio, cifrario: Cifrario, testi: list[str], associazione: str | None = None) -> None:
    with archivio.transazione() as s:
        if associazione:
            q.assicura_associazione(s, associazione)
        for t in testi:
            q.inserisci_racconto(s, NuovoRacconto(testo=t, canale="importazione", versione_consenso="2020-1",
                                                  associazione=associazione, periodo="lockdown-2020",
                                                  consenso_citazione=True), cifrario)


@pytest.fixture
def elaborato(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> Archivio:
    _carica(archivio, cifrario, TESTI, "Rete Vicini")
    r = esegui(archivio, impostazioni, cifrario, stadi=_stadi())
    assert r.elaborati["codifica.v1"] == 3 and r.elaborati["piano.v1"] == 3 and not any(r.errori.values())
    return archivio


def test_stadi_codificano_e_mappano(elaborato: Archivio) -> None:
    with elaborato.lettura() as s:
        n_frasi = s.scalar(select(func.count(Frase.id)))
        assert s.scalar(select(func.count(Codice.id)).where(Codice.codice == "ansia")) == n_frasi
        righe = qc.frasi_codificate(s)
        testi = {r["testo"]: r for r in righe}
        assert "proposta" in testi["Servirebbe una rete di vicini che faccia la spesa per chi è solo."]["codici"]
        assert "ansia" in testi["Avevo paura ogni volta che mio padre tossiva."]["codici"]
        assert qc.frasi_codificate(s, codice="proposta", associazione="Rete Vicini", periodo="lockdown-2020")
        assert qc.frasi_codificate(s, associazione="Altra") == []
        proposte = qc.proposte(s)
        assert {p["testo"] for p in proposte} >= {
            "Servirebbe una rete di vicini che faccia la spesa per chi è solo.",
            "Chiedo che il caregiver familiare abbia ore di sollievo."}
        assert all(p["area"] and p["fonte_area"] == "modello" and p["citabile"] for p in proposte)
        caregiver = next(p for p in proposte if "caregiver" in p["testo"])
        assert caregiver["area"] == "1"
        # the model's calibrated confidence and its runner-up area are stored (top-2, "da assegnare")
        piano = s.scalars(select(PianoFrase).where(PianoFrase.fonte == "modello")).all()
        assert piano and all(r.seconda_area and r.seconda_area != r.area for r in piano)
        assert all(0 < (r.punteggio_seconda or 0) <= (r.punteggio or 0) <= 1 for r in piano)


def test_incrementale(elaborato: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> None:
    assert esegui(elaborato, impostazioni, cifrario, stadi=_stadi()).totale == 0
    with elaborato.lettura() as s:
        prima = s.scalar(select(func.max(Codice.id)))
    _carica(elaborato, cifrario, ["Propongo di tenere aperta la biblioteca anche online."])
    r = esegui(elaborato, impostazioni, cifrario, stadi=_stadi())
    assert r.elaborati["codifica.v1"] == 1
    with elaborato.lettura() as s:
        nuovi = s.scalars(select(Codice.frase_id).where(Codice.id > prima).distinct()).all()
        assert len(nuovi) == 1  # only the new sentence was coded


def test_correzione_umana_sopravvive_e_fa_accordo(elaborato: Archivio) -> None:
    with elaborato.transazione() as s:
        frase = next(r for r in qc.frasi_codificate(s) if r["testo"].startswith("Il pomeriggio"))
        qc.salva_correzione(s, frase["frase_id"], "ansia", True, "anna")
        qc.salva_correzione(s, frase["frase_id"], "ansia", True, "bruno")
        qc.salva_correzione(s, frase["frase_id"], "ansia", False, "anna")  # anna changes her mind
        qc.salva_piano_umano(s, frase["frase_id"], "4", "4.1", "anna")
        with pytest.raises(ValueError):
            qc.salva_correzione(s, frase["frase_id"], "ansia", True, "")
    with elaborato.transazione() as s:
        qc.salva_codici_modello(s, {frase["frase_id"]: {"ansia": 0.1}}, "altro@1")
    with elaborato.lettura() as s:
        umani = qc.codici_umani(s)
        assert [(r["autore"], r["valore"]) for r in umani] == [("bruno", True), ("anna", False)]
        azioni = s.scalars(select(Audit.azione)).all()
        assert azioni.count("codifica.correggi") == 3 and "piano.correggi" in azioni
        assert all("testo" not in (a.dettagli or {}) for a in s.scalars(select(Audit)))
        accordo = accordo_per_codice(qc.dati_accordo(s))["ansia"]
        assert accordo["persone"] == 2 and accordo["frasi_confrontate"] == 1
        assert qc.piano_umano(s)[0]["area"] == "4"
        # the latest decision of each person counts: bruno yes, anna no -> effective code follows the latest row
        [r] = [x for x in qc.frasi_codificate(s) if x["frase_id"] == frase["frase_id"]]
        assert r["umano"]


@pytest.mark.lento
def test_addestra_e_ricodifica(elaborato: Archivio, impostazioni: Impostazioni) -> None:
    with elaborato.transazione() as s:
        frase = next(r for r in qc.frasi_codificate(s) if r["testo"].startswith("La sera"))
        qc.salva_correzione(s, frase["frase_id"], "ansia", True, "anna")
    uscita: list[str] = []
    r = addestra(elaborato, impostazioni.archivio.cartella_dati, stampa=uscita.append, valuta=False)
    assert r.esempi_umani == 1 and r.percorso is not None and r.percorso.is_file()
    assert "κ" in "\n".join(uscita)
    nuovo = CodificatoreFrasi.carica(r.percorso)
    assert ricodifica(elaborato, nuovo) > 0
    with elaborato.lettura() as s:
        autori = set(s.scalars(select(Codice.autore).where(Codice.fonte == "modello")))
        assert autori == {nuovo.autore}
        assert s.scalar(select(func.count(Codice.id)).where(Codice.fonte == "umano")) == 1


def test_piano_modello_sostituito_umano_no(elaborato: Archivio) -> None:
    with elaborato.transazione() as s:
        p = qc.proposte(s)[0]
        qc.salva_piano_umano(s, p["frase_id"], "5", None, "anna")
    with elaborato.transazione() as s:
        racconto_id = s.get(Frase, p["frase_id"]).racconto_id  # type: ignore[union-attr]
        qc.salva_piano_modello(s, [racconto_id], [qc.AreaFrase(p["frase_id"], "2", "2.1", 0.4)], "piano@x")
    with elaborato.lettura() as s:
        righe = s.scalars(select(PianoFrase).where(PianoFrase.frase_id == p["frase_id"])).all()
        assert sorted(r.fonte for r in righe) == ["modello", "umano"]
        [dopo] = [x for x in qc.proposte(s) if x["frase_id"] == p["frase_id"]]
        assert (dopo["area"], dopo["fonte_area"]) == ("5", "umano")
        assert qc.proposte(s, area="5", solo_citabili=True)
