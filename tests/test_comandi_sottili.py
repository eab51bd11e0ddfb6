"""The work behind thin commands, as library functions: the key check of `init`, users with their audit,
the demo's corpus and users, the coder's file contracts `codifica scegli` / `addestra --esempi`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from archivio import racconti as q
from archivio.chiave import controlla_chiave
from archivio.cifratura import Cifrario, crea_chiave
from archivio.db import Archivio
from archivio.errori import ErroreConfigurazione, ErroreDati
from archivio.impostazioni import Impostazioni
from archivio.racconti import NuovoRacconto
from archivio.tabelle import Audit
from archivio.utenti import aggiorna_utente, crea_utente, elenco_utenti, verifica_login


def test_controlla_chiave(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni, tmp_path: Path) -> None:
    chiave = impostazioni.percorso_chiave()
    assert controlla_chiave(archivio, chiave)  # no encrypted text yet
    with archivio.transazione() as s:
        q.inserisci_racconto(s, NuovoRacconto(testo="Un racconto cifrato. Due frasi.", canale="modulo",
                                              versione_consenso="2020-1"), cifrario)
    assert controlla_chiave(archivio, chiave)
    altra = tmp_path / "altra.fernet"
    crea_chiave(altra)
    assert not controlla_chiave(archivio, altra)  # init warns: the texts stay unreadable
    with pytest.raises(ErroreConfigurazione, match="1 testi cifrati ma il file della chiave non c'è"):
        controlla_chiave(archivio, tmp_path / "mancante.fernet")


def test_utenti_con_audit(archivio: Archivio) -> None:
    u = crea_utente(archivio, "anna", "abbastanza-lunga", "ricercatore", chi="cli")
    assert (u.nome_utente, u.ruolo, u.attivo) == ("anna", "ricercatore", True)
    aggiorna_utente(archivio, "anna", chi="cli", ruolo="operatore", password="un'altra-lunga")
    aggiorna_utente(archivio, "anna", chi="cli", attivo=False)
    with archivio.lettura() as s:
        assert [(x.nome_utente, x.ruolo, x.attivo) for x in elenco_utenti(s)] == [("anna", "operatore", False)]
        azioni = s.scalars(select(Audit.azione).order_by(Audit.id)).all()
    assert azioni[-4:] == ["utente_aggiunto", "utente_ruolo", "password_cambiata", "utente_disattivato"]
    with pytest.raises(ErroreDati):
        crea_utente(archivio, "anna", "abbastanza-lunga", "ricercatore", chi="cli")


def test_demo_importa_una_volta_e_utenti(archivio: Archivio, cifrario: Cifrario) -> None:
    from analisi.corpus import carica_racconti, percorso_associazioni, percorso_racconti
    from raccolta.demo import UTENTI_DEMO, importa_campione, prepara_utenti_demo

    esito = importa_campione(archivio, cifrario, racconti=percorso_racconti(), associazioni=percorso_associazioni(),
                             versione_consenso="2020-1")
    assert esito.importati == len(carica_racconti()) and not esito.errori
    di_nuovo = importa_campione(archivio, cifrario, racconti=percorso_racconti(),
                                associazioni=percorso_associazioni(), versione_consenso="2020-1")
    assert di_nuovo.importati == 0 and di_nuovo.gia_presenti == esito.importati
    assert prepara_utenti_demo(archivio, "prima-password") == esito.importati
    assert prepara_utenti_demo(archivio, "seconda-password") == esito.importati  # again: password reset
    with archivio.lettura() as s:
        assert sorted((u.nome_utente, u.ruolo) for u in elenco_utenti(s)) == sorted(UTENTI_DEMO)
    entrato = verifica_login(archivio, "admin", "seconda-password", cliente="test", segreto=b"x")
    assert entrato is not None and entrato.ruolo == "amministratore"
    assert verifica_login(archivio, "admin", "prima-password", cliente="test", segreto=b"x") is None


def test_file_della_codifica(tmp_path: Path) -> None:
    from analisi.codifica.lotto import addestra_esempi_jsonl, scegli_jsonl

    ingresso = tmp_path / "in.jsonl"
    testi = ["Servirebbe un centro diurno aperto anche il sabato.", "La mattina facevo la spesa per mia madre.",
             "Avevo paura di uscire di casa.", "Il Comune dovrebbe aprire uno sportello per i caregiver."]
    ingresso.write_text("".join(json.dumps({"id": f"u{i}", "text": t}) + "\n" for i, t in enumerate(testi)),
                        encoding="utf-8")
    uscita = tmp_path / "scelti.jsonl"
    assert scegli_jsonl(ingresso, uscita, 2) == (2, 4)
    scelti = [json.loads(r) for r in uscita.read_text(encoding="utf-8").splitlines()]
    assert len(scelti) == 2 and all({"id": r["id"], "text": testi[int(r["id"][1:])]} == r for r in scelti)
    vuoto = tmp_path / "vuoto.jsonl"
    vuoto.write_text("\n", encoding="utf-8")
    with pytest.raises(ErroreDati, match="non contiene unità etichettate"):
        addestra_esempi_jsonl(vuoto, tmp_path / "modello")
