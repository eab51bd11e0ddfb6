"""Issue 10, findings 1 and 3 over HTTP: title, zone and other association are stored encrypted, anonymised
together with the text, and never readable in clear in any file of the data directory."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from analisi.anonimizzazione.revisione import approva_revisione, apri_revisione
from analisi.pipeline import esegui
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.cruscotto import aggregati
from archivio.cruscotto.citazioni import racconto
from archivio.cruscotto.filtri import Filtri, valori_filtri
from archivio.cruscotto.revisioni import coda_revisione
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.tabelle import Audit, Racconto
from raccolta.app import Limiti, crea_app
from raccolta.importa import importa_file
from tests.raccolta.aiuti import campi_grezzi, dove_compare, gettone, ricevuta

NOME, TELEFONO = "Quarzofilli", "347 5550199"
CORPO = ("Durante il lockdown passavo le giornate sul balcone a coltivare una piantina, e la sera ascoltavo la "
         "radio. Avevo paura per mia madre che viveva lontano. Vorrei che il quartiere avesse più spazi per "
         "incontrarsi all'aperto e un servizio di ascolto.")


def _file_con(cartella: Path, *aghi: str) -> list[str]:
    """Every file of the data directory whose raw bytes contain one of ``aghi`` (as the privacy probe)."""
    return sorted(str(p.relative_to(cartella)) for p in cartella.rglob("*")
                  if p.is_file() and any(a.encode("utf-8") in p.read_bytes() for a in aghi))


def _invia(c: TestClient, **campi: str) -> str:
    dati = {"csrf": gettone(c.get("/").text), "testo": CORPO, "consenso": "sì", "consenso_citazione": "sì",
            **campi}
    r = c.post("/invia", data=dati)
    assert r.status_code == 200, r.text
    return ricevuta(r.text)


def test_campi_strani_puliti_alla_porta(archivio: Archivio, cifrario: Cifrario,
                                        impostazioni: Impostazioni) -> None:
    """Finding 3 over HTTP: U+FFFF, U+FFFE and bidirectional controls never reach the store."""
    with TestClient(crea_app(impostazioni, archivio, cifrario, limiti=Limiti(ritardo_ritiro_secondi=0))) as c:
        _invia(c, titolo="Le \uffffgiornate\ufffe \u202eal\u202c balcone\u2066",
               quartiere="\u2067Crocetta\u2069\u200f", testo=CORPO + "\u202e Fine.\x07")
    [campi] = campi_grezzi(archivio, cifrario)
    assert campi == {"titolo": "Le giornate al balcone", "quartiere": "Crocetta"}
    with archivio.lettura() as s:
        [r] = q.carica_lotto(s, list(s.scalars(select(Racconto.id))), cifrario)
    assert r.testo == CORPO + " Fine."


@pytest.mark.lento
def test_nome_e_telefono_in_titolo_e_zona_mai_in_chiaro(archivio: Archivio, cifrario: Cifrario,
                                                         impostazioni: Impostazioni, tmp_path: Path) -> None:
    cartella = impostazioni.archivio.cartella_dati
    with archivio.transazione() as s:
        q.assicura_associazione(s, "Caregiver Insieme")
    with TestClient(crea_app(impostazioni, archivio, cifrario, limiti=Limiti(ritardo_ritiro_secondi=0))) as c:
        _invia(c, titolo=f"Ricordi di Ermenegildo {NOME}, tel. {TELEFONO}",
               quartiere=f"via Vignolese 45, casa {NOME}", associazione="altra",
               associazione_altra=f"Bocciofila di Ermenegildo {NOME}")
    # an import whose DOCX heading and file name carry a person's name
    documento = docx.Document()
    documento.add_heading(f"La spesa per la signora Ginevra {NOME}", level=1)
    documento.add_paragraph("Ogni martedì facevo la spesa per la vicina del terzo piano e le portavo il giornale.")
    nome_file = tmp_path / f"intervista_{NOME}.docx"
    documento.save(str(nome_file))
    assert importa_file(archivio, cifrario, nome_file, versione_consenso="2020-1").importati == 1
    # before anonymisation: encrypted like the text, nowhere in clear
    assert _file_con(cartella, NOME, TELEFONO, "Vignolese") == []
    assert {c["titolo"] for c in campi_grezzi(archivio, cifrario)} == {
        f"Ricordi di Ermenegildo {NOME}, tel. {TELEFONO}", f"La spesa per la signora Ginevra {NOME}"}

    reale = impostazioni.con(elaborazione={"stadi": ["anonimizza.v1", "frasi.v1"], "modello_lingua": "narrazioni"})
    esegui(archivio, reale, cifrario)
    with archivio.transazione() as s:  # the administrator approves what was held
        for voce in coda_revisione(s):
            dettaglio = apri_revisione(s, voce.racconto_id, cifrario, ruolo="amministratore", chi="ada")
            approva_revisione(s, voce.racconto_id, dettaglio.span, cifrario, ruolo="amministratore",
                                 chi="ada")
    esegui(archivio, reale, cifrario)
    with archivio.lettura() as s:
        righe = {r.canale: r for r in s.scalars(select(Racconto))}
        modulo, importato = righe["modulo"], righe["importazione"]
        assert modulo.visibile and importato.visibile
        # what researchers see: Esplora, filters, exports read these columns
        assert modulo.titolo == "Ricordi di [PERSONA_1], tel. [TELEFONO]"
        assert modulo.quartiere == "[INDIRIZZO], casa [PERSONA_1]"
        assert modulo.associazione_altra is not None and modulo.associazione_altra.endswith("[PERSONA_1]")
        assert importato.titolo is not None and NOME not in importato.titolo
        aperto = racconto(s, modulo.codice)
        assert aperto is not None and NOME not in f"{aperto.titolo} {aperto.quartiere} {aperto.associazione}"
        valori = valori_filtri(s)
        assert not [v for v in valori.associazioni + valori.quartieri if NOME in v]
        attributi = aggregati.testi_citabili(s, Filtri())
        assert not [t for t in attributi if NOME in f"{t['associazione']} {t['quartiere']}"]
        audit = list(s.scalars(select(Audit.oggetto).where(Audit.azione == "importa")))
        assert audit == [q.impronta_fonte(nome_file.stem)] and importato.fonte == "testo"  # no id column
    assert dove_compare(archivio, NOME, TELEFONO, "Ermenegildo", "Vignolese") == []
    # the raw bytes of every file of the data directory: database, WAL, key, models
    assert _file_con(cartella, NOME, TELEFONO) == []
    # the administrator can still read the raw fields
    assert campi_grezzi(archivio, cifrario)[1]["file"] == nome_file.name


@pytest.mark.lento
def test_racconti_di_prima_della_migrazione_si_anonimizzano(tmp_path: Path) -> None:
    """A store from before 0007 (title and zone in clear, file name as provenance): after the migration the
    file name is a hash everywhere, and the next ``elabora`` anonymises and encrypts the fields."""
    from alembic import command
    from sqlalchemy import text

    from archivio.cifratura import crea_chiave
    from archivio.db import _config_alembic, migra
    from raccolta.consenso import registra_consenso

    imp = Impostazioni(archivio={"cartella_dati": tmp_path / "dati"},
                       elaborazione={"stadi": ["anonimizza.v1", "frasi.v1"], "modello_lingua": "narrazioni"})
    a = Archivio(imp.url_database())
    command.upgrade(_config_alembic(a), "0006")
    registra_consenso(a, imp.modulo.versione_consenso)
    crea_chiave(imp.percorso_chiave())
    cifrario = Cifrario.da_file(imp.percorso_chiave())
    with a.transazione() as s:
        consenso = s.scalar(text("SELECT id FROM consensi"))
        s.execute(text(
            "INSERT INTO racconti (id, codice, fonte, id_esterno, titolo, quartiere, canale, inviato_il, "
            "consenso_id, consenso_citazione, impronta, parole, testo_anon, stato_anon, visibile) VALUES "
            "(1, 'R-00000001', :fonte, 'a1', :titolo, :quartiere, 'importazione', '2021-01-01 10:00:00', "
            ":consenso, 1, :impronta, 30, :testo, 'approvato', 1)"),
            {"fonte": f"intervista_{NOME}", "titolo": f"Ricordi di Ermenegildo {NOME}",
             "quartiere": f"casa {NOME}, tel. {TELEFONO}", "consenso": consenso,
             "impronta": q.impronta_testo(CORPO), "testo": CORPO})
        s.execute(text("INSERT INTO testi_grezzi (racconto_id, testo_cifrato) VALUES (1, :c)"),
                  {"c": cifrario.cifra(CORPO)})
        s.execute(text("INSERT INTO stati_stadio (racconto_id, stadio, versione, stato, aggiornato_il) VALUES "
                       "(1, 'anonimizza', 1, 'fatto', '2021-01-01 10:00:00')"))
        s.execute(text("INSERT INTO audit (quando, chi, azione, oggetto) VALUES "
                       "('2021-01-01 10:00:00', 'cli', 'importa', :f)"), {"f": f"intervista_{NOME}.csv"})
    migra(a)
    with a.lettura() as s:
        assert s.scalar(select(Racconto.fonte)) == q.impronta_fonte(f"intervista_{NOME}")
        assert s.scalar(select(Audit.oggetto).where(Audit.azione == "importa")) == q.impronta_fonte(
            f"intervista_{NOME}")
        assert q.in_attesa(s, "anonimizza", 1, solo_visibili=False, limite=10) == [1]
    esegui(a, imp, cifrario)
    with a.lettura() as s:
        r = s.scalars(select(Racconto)).one()
        assert r.titolo == "Ricordi di [PERSONA_1]" and r.quartiere == "casa [PERSONA_1], tel. [TELEFONO]"
    assert campi_grezzi(a, cifrario) == [{"titolo": f"Ricordi di Ermenegildo {NOME}",
                                          "quartiere": f"casa {NOME}, tel. {TELEFONO}"}]
    assert dove_compare(a, NOME, TELEFONO) == []
    a.chiudi()
    # only the pre-migration backup copy still has them (the product's own backup, beside the key)
    assert [f for f in _file_con(imp.archivio.cartella_dati, NOME, TELEFONO) if not f.endswith(".bak")] == []
