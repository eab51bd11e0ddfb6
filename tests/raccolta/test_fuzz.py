"""Hypothesis fuzzing: validation, every import parser and the form with arbitrary Unicode, huge inputs and
malformed files. Only clean errors (ErroreValidazione, ErroreImport, 4xx pages), and nothing partially stored.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from pathlib import Path
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.tabelle import Racconto
from raccolta.app import Limiti, crea_app
from raccolta.formati import FORMATI, leggi_righe
from raccolta.importa import ErroreImport, EsitoImport, importa_file
from raccolta.validazione import MAX_CARATTERI, ErroreValidazione, valida_racconto
from tests.raccolta.aiuti import gettone

CON_DB = settings(max_examples=40, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
CAMPI = ["testo", "titolo", "associazione", "associazione_altra", "quartiere", "fascia_eta", "ruolo",
         "periodo", "data", "consenso", "consenso_citazione", "sensazione", "temi", "id"]
# Characters XML 1.0 cannot hold: the XLSX/DOCX *writers* refuse them, so generated documents avoid them.
_NON_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

testi = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=15, max_size=80),
    st.text(max_size=20).map(lambda s: s * 3000),  # huge (up to 60 000 characters)
    st.sampled_from(["Durante il lockdown facevo la spesa per la vicina.", "", " ", "\x00" * 30]),
)
scalari = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), testi)
valori = st.recursive(scalari, lambda figli: st.lists(figli, max_size=4)
                      | st.dictionaries(st.text(max_size=5), figli, max_size=3), max_leaves=8)


def _conta(archivio: Archivio) -> int:
    with archivio.lettura() as s:
        return s.scalar(select(func.count(Racconto.id))) or 0


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(CAMPI), valori, max_size=len(CAMPI)), st.booleans())
def test_validazione_qualunque_valore(campi: dict[str, Any], consenso_obbligatorio: bool) -> None:
    try:
        r = valida_racconto(campi, associazioni={"Caregiver Insieme"}, canale="importazione",
                            versione_consenso="2020-1", consenso_obbligatorio=consenso_obbligatorio)
    except ErroreValidazione as e:
        assert e.errori and all(er.campo and er.messaggio for er in e.errori)
        return
    assert 20 <= len(r.testo) <= MAX_CARATTERI
    for valore in (r.testo, r.titolo, r.quartiere, r.associazione_altra):
        if valore is not None:
            valore.encode("utf-8")  # storable: no lone surrogates, no NUL
            assert "\x00" not in valore


def _scrivi_file(percorso: Path, righe: list[dict[str, str]]) -> None:
    suffisso = percorso.suffix
    if suffisso == ".jsonl":
        percorso.write_text("\n".join(json.dumps(r) for r in righe), encoding="utf-8", errors="surrogatepass")
    elif suffisso == ".csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=["id", "testo", "titolo", "data"], extrasaction="ignore")
        w.writeheader()
        w.writerows(righe)
        percorso.write_bytes(buf.getvalue().encode("utf-8", "surrogatepass"))
    elif suffisso == ".txt":
        percorso.write_bytes("\n---\n".join(r["testo"] for r in righe).encode("utf-8", "surrogatepass"))
    elif suffisso == ".xlsx":
        libro = Workbook()
        scheda = libro.active
        assert scheda is not None
        scheda.append(["id", "testo", "titolo", "data"])
        for r in righe:
            scheda.append([_NON_XML.sub("", r.get(k, ""))[:32_000]
                           for k in ("id", "testo", "titolo", "data")])
        libro.save(percorso)
    else:
        d = docx.Document()
        for r in righe:
            d.add_paragraph(_NON_XML.sub("", r["titolo"]) or "senza titolo", style="Heading 1")
            d.add_paragraph(_NON_XML.sub("", r["testo"]))
        d.save(str(percorso))


riga_file = st.fixed_dictionaries({"id": st.text(max_size=8), "testo": testi, "titolo": st.text(max_size=30),
                                   "data": st.text(max_size=12)})


def _importa_senza_crash(archivio: Archivio, cifrario: Cifrario, f: Path, tutto: bool) -> EsitoImport | None:
    prima = _conta(archivio)
    try:
        esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1", tutto_o_niente=tutto)
    except ErroreImport as e:
        assert str(e)
        assert _conta(archivio) == prima  # nothing partially stored
        return None
    assert _conta(archivio) == prima + esito.importati
    if tutto and esito.errori:
        assert esito.importati == 0
    else:
        assert esito.letti == esito.importati + esito.gia_presenti + len(esito.errori)
    for riga in esito.errori:
        assert riga.messaggi and all(isinstance(x, str) and x for x in riga.messaggi)
    return esito


@CON_DB
@given(st.sampled_from(FORMATI), st.lists(riga_file, max_size=6), st.booleans())
def test_importa_file_generati_con_unicode_qualunque(archivio: Archivio, cifrario: Cifrario, tmp_path: Path,
                                                      formato: str, righe: list[dict[str, str]],
                                                      tutto: bool) -> None:
    f = tmp_path / f"generato{formato}"
    _scrivi_file(f, righe)
    esito = _importa_senza_crash(archivio, cifrario, f, tutto)
    if esito is not None and not (tutto and esito.errori):
        # Idempotent: a second import of the same file adds nothing.
        assert importa_file(archivio, cifrario, f, versione_consenso="2020-1").importati == 0


@CON_DB
@given(st.sampled_from(FORMATI), st.binary(max_size=3000))
def test_importa_byte_qualunque(archivio: Archivio, cifrario: Cifrario, tmp_path: Path, formato: str,
                                dati: bytes) -> None:
    f = tmp_path / f"casuale{formato}"
    f.write_bytes(dati)
    _importa_senza_crash(archivio, cifrario, f, False)


@functools.cache
def _modello(formato: str) -> bytes:
    """A valid small file of each zip format, to damage."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / f"modello{formato}"
        _scrivi_file(f, [{"id": "1", "testo": "Durante il lockdown facevo la spesa per la vicina.",
                          "titolo": "La spesa", "data": "2020-04-02"}])
        return f.read_bytes()


@settings(CON_DB, max_examples=120)
@given(st.sampled_from([".xlsx", ".docx"]), st.data())
def test_importa_zip_danneggiati(archivio: Archivio, cifrario: Cifrario, tmp_path: Path, formato: str,
                                 data: st.DataObject) -> None:
    dati = bytearray(_modello(formato))
    operazione = data.draw(st.sampled_from(["tronca", "altera", "inserisci"]))
    pos = data.draw(st.integers(0, len(dati) - 1))
    if operazione == "tronca":
        dati = dati[:pos]
    elif operazione == "altera":
        for _ in range(data.draw(st.integers(1, 20))):
            dati[data.draw(st.integers(0, len(dati) - 1))] = data.draw(st.integers(0, 255))
    else:
        dati[pos:pos] = data.draw(st.binary(min_size=1, max_size=200))
    f = tmp_path / f"danneggiato{formato}"
    f.write_bytes(bytes(dati))
    _importa_senza_crash(archivio, cifrario, f, data.draw(st.booleans()))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_parser_testo_qualunque(contenuto: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        for formato in (".csv", ".jsonl", ".txt"):
            f = Path(d) / f"x{formato}"
            f.write_bytes(contenuto.encode("utf-8", "surrogatepass"))
            try:
                righe = list(leggi_righe(f))
            except ErroreImport:
                continue
            assert all(isinstance(r.campi, dict) for r in righe)


@pytest.fixture
def cliente(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> TestClient:
    return TestClient(crea_app(impostazioni, archivio, cifrario,
                               limiti=Limiti(invii_max=10**6, ritiri_max=10**6,
                                             ritardo_ritiro_secondi=0)))


@CON_DB
@given(st.dictionaries(st.sampled_from([*CAMPI, "csrf", "sito_web", "codice", "conferma"]),
                       st.text(max_size=200) | st.text(max_size=10).map(lambda s: s * 2500), max_size=8))
def test_modulo_risponde_sempre_pulito(cliente: TestClient, archivio: Archivio,
                                       campi: dict[str, str]) -> None:
    g = gettone(cliente.get("/").text)
    dati = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in campi.items()}
    prima = _conta(archivio)
    r = cliente.post("/invia", data={**dati, "csrf": dati.get("csrf", g)})
    assert r.status_code in {200, 403, 413, 422}, r.status_code
    # Stored only when accepted (and then at most once: a repeat within the window or a bot adds nothing).
    assert _conta(archivio) - prima in ({0, 1} if r.status_code == 200 else {0})
    r = cliente.post("/ritira", data={**dati, "csrf": g})
    assert r.status_code in {200, 413, 422}
