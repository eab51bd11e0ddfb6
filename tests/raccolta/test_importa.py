from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.tabelle import Audit, Racconto
from raccolta.importa import ErroreImport, importa_file
from tests.raccolta.aiuti import campi_grezzi

TESTO = "Durante il lockdown facevo la spesa per la vicina di casa, ogni martedì."


def _conta(archivio: Archivio) -> int:
    with archivio.lettura() as s:
        return s.scalar(select(func.count(Racconto.id))) or 0


def test_jsonl_righe_valide_importate_una_volta(archivio: Archivio, cifrario: Cifrario,
                                                tmp_path: Path) -> None:
    with archivio.transazione() as s:
        q.assicura_associazione(s, "Caregiver Insieme")
    f = tmp_path / "storie.jsonl"
    righe = [{"id": "a1", "testo": TESTO, "associazione": "Caregiver Insieme", "data": "2020-04-02"},
             {"id": "a2", "testo": "corto"}, {"id": "a3", "testo": TESTO + " Bis.", "citabile": True}]
    f.write_text("\n".join(json.dumps(r) for r in righe) + "\n{rotto\n", encoding="utf-8")
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1")
    assert (esito.letti, esito.importati, [e.riga for e in esito.errori]) == (4, 2, [2, 4])
    assert importa_file(archivio, cifrario, f, versione_consenso="2020-1").importati == 0
    assert _conta(archivio) == 2
    with archivio.lettura() as s:
        assert set(s.scalars(select(Racconto.canale))) == {"importazione"}
        assert s.scalar(select(func.count(Audit.id)).where(Audit.azione == "importa")) == 2
        assert s.scalar(select(Racconto.consenso_citazione).where(Racconto.id_esterno == "a3")) is True


def test_csv_con_mappa_colonne_e_senza_id(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    f = tmp_path / "incontro.csv"
    f.write_text(f'Storia;Zona\n"{TESTO}";Sant\'Agnese\n"{TESTO} Altro.";Buon Pastore\n', encoding="utf-8")
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1", mappa_colonne={"Storia": "testo"})
    assert esito.importati == 2 and not esito.errori
    copia = tmp_path / "copia.csv"
    copia.write_bytes(f.read_bytes())
    assert importa_file(archivio, cifrario, copia, versione_consenso="2020-1",
                        mappa_colonne={"Storia": "testo"}).gia_presenti == 2
    assert {c["quartiere"] for c in campi_grezzi(archivio, cifrario)} == {"Sant'Agnese", "Buon Pastore"}


def test_tutto_o_niente(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    f = tmp_path / "misto.jsonl"
    f.write_text(json.dumps({"testo": TESTO}) + "\n" + json.dumps({"testo": ""}) + "\n", encoding="utf-8")
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1", tutto_o_niente=True)
    assert esito.importati == 0 and len(esito.errori) == 1 and _conta(archivio) == 0


def test_file_illeggibili(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("testo\nperché è così\n".encode("latin-1"))
    with pytest.raises(ErroreImport, match="UTF-8"):
        importa_file(archivio, cifrario, latin, versione_consenso="2020-1")
    with pytest.raises(ErroreImport, match="formato non supportato"):
        importa_file(archivio, cifrario, tmp_path / "x.pdf", versione_consenso="2020-1")
    with pytest.raises(ErroreImport, match="versione del consenso sconosciuta"):
        importa_file(archivio, cifrario, latin, versione_consenso="1999")
    assert _conta(archivio) == 0
