"""Import of XLSX, DOCX and TXT files, column mapping, all-or-nothing over several files, idempotency."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.tabelle import Racconto
from raccolta.formati import leggi_righe, normalizza_etichetta
from raccolta.importa import ErroreImport, importa_file, importa_files
from raccolta.invio import invia_racconto
from raccolta.validazione import valida_racconto
from tests.raccolta.aiuti import campi_grezzi

T1 = "Durante il lockdown facevo la spesa per la vicina di casa, ogni martedì."
T2 = "La sera telefonavo a mia sorella e parlavamo per ore di quello che avremmo fatto dopo."
T3 = "Ho imparato a fare il pane con il lievito madre e l'ho regalato ai vicini del palazzo."


def _conta(archivio: Archivio) -> int:
    with archivio.lettura() as s:
        return s.scalar(select(func.count(Racconto.id))) or 0


def _righe_db(archivio: Archivio) -> list[Racconto]:
    with archivio.lettura() as s:
        return list(s.scalars(select(Racconto).order_by(Racconto.id)))


def _xlsx(percorso: Path, righe: list[list[object]], foglio: str = "Racconti") -> Path:
    libro = Workbook()
    scheda = libro.active
    assert scheda is not None
    scheda.title = foglio
    for r in righe:
        scheda.append(r)
    libro.save(percorso)
    return percorso


def test_xlsx_con_mappa_date_e_numeri(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    with archivio.transazione() as s:
        q.assicura_associazione(s, "Caregiver Insieme")
    f = _xlsx(tmp_path / "incontro.xlsx", [
        [None, None, None, None],
        ["N.", "Il racconto", "Fascia d'età", "Data", "Associazione"],
        [1, T1, "65-74", datetime(2020, 4, 2), "Caregiver Insieme"],
        [2.0, "corto", None, None, None],
        [None, None, None, None, None],
        [3, T2, None, "12/05/2020", "nessuna"],
    ])
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1",
                         mappa_colonne={"N.": "id", "Il racconto": "testo"})
    assert (esito.letti, esito.importati) == (3, 2)
    assert [(e.riga, e.dove) for e in esito.errori] == [(4, "riga 4")]
    righe = _righe_db(archivio)
    assert [(r.id_esterno, r.fascia_eta, str(r.data_racconto), r.canale) for r in righe] == [
        ("1", "65-74", "2020-04-02", "importazione"), ("3", None, "2020-05-12", "importazione")]
    assert importa_file(archivio, cifrario, f, versione_consenso="2020-1",
                        mappa_colonne={"N.": "id", "Il racconto": "testo"}).importati == 0


def test_xlsx_foglio_scelto_e_senza_colonna_testo(archivio: Archivio, cifrario: Cifrario,
                                                  tmp_path: Path) -> None:
    libro = Workbook()
    assert libro.active is not None
    libro.active.title = "Note"
    libro.active.append(["appunti"])
    libro.active.append(["da rileggere"])
    maggio = libro.create_sheet("Maggio")
    maggio.append(["testo", "zona"])
    maggio.append([T1, "Buon Pastore"])
    f = tmp_path / "due_fogli.xlsx"
    libro.save(f)
    with pytest.raises(ErroreImport, match="nessuna colonna contiene il testo del racconto"):
        importa_file(archivio, cifrario, f, versione_consenso="2020-1")
    with pytest.raises(ErroreImport, match="nessun foglio 'Giugno'"):
        importa_file(archivio, cifrario, f, versione_consenso="2020-1", foglio="Giugno")
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1", foglio="Maggio")
    assert esito.importati == 1 and campi_grezzi(archivio, cifrario)[0]["quartiere"] == "Buon Pastore"


def _docx(percorso: Path, blocchi: list[tuple[str, str | None]]) -> Path:
    d = docx.Document()
    for testo, stile in blocchi:
        d.add_paragraph(testo, style=stile)
    d.save(str(percorso))
    return percorso


def test_docx_un_racconto_per_titolo_con_campi(archivio: Archivio, cifrario: Cifrario,
                                               tmp_path: Path) -> None:
    with archivio.transazione() as s:
        q.assicura_associazione(s, "Centro Anziani Il Glicine")
    f = _docx(tmp_path / "glicine.docx", [
        ("Racconti raccolti al Glicine", "Title"),
        ("Associazione: Centro Anziani Il Glicine", None),
        ("Le telefonate", "Heading 1"), ("Zona: Sant'Agnese", None), (T2, None), ("Dopo", "Heading 2"),
        ("E poi è finita.", None),
        ("Il pane", "Heading 1"), (T3, None),
        ("Troppo poco", "Heading 1"), ("Breve.", None),
    ])
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1")
    assert (esito.letti, esito.importati, len(esito.errori)) == (3, 2, 1)
    assert "Troppo poco" in esito.errori[0].dove and "troppo breve" in esito.errori[0].messaggi[0]
    assert esito.avvisi and "prima del primo titolo" in esito.avvisi[0]
    righe = _righe_db(archivio)
    campi = campi_grezzi(archivio, cifrario)  # the DOCX headings are titles: stored encrypted
    assert [c["titolo"] for c in campi] == ["Le telefonate", "Il pane"]
    assert campi[0]["quartiere"] == "Sant'Agnese" and "quartiere" not in campi[1]
    assert all(c["file"] == "glicine.docx" for c in campi)
    assert all(r.titolo is None and r.quartiere is None for r in righe)  # until anonymised
    assert all(r.associazione_id is not None for r in righe)
    assert importa_file(archivio, cifrario, f, versione_consenso="2020-1").importati == 0


def test_docx_un_racconto_per_documento(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    f = _docx(tmp_path / "uno.docx", [("Il pane", "Title"), ("Periodo: lockdown-2020", None), (T3, None),
                                      ("Seconda parte", "Heading 1"), (T1, None)])
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1", divisione_docx="documento")
    assert esito.importati == 1
    r = _righe_db(archivio)[0]
    assert (campi_grezzi(archivio, cifrario)[0]["titolo"], r.periodo) == ("Il pane", "lockdown-2020")
    senza_titoli = _docx(tmp_path / "semplice.docx", [(T1, None), ("", None), (T2, None)])
    assert importa_file(archivio, cifrario, senza_titoli, versione_consenso="2020-1").importati == 1
    with pytest.raises(ErroreImport, match="nessun titolo su cui dividere"):
        importa_file(archivio, cifrario, senza_titoli, versione_consenso="2020-1", divisione_docx="titolo")
    with pytest.raises(ErroreImport, match="divisione DOCX sconosciuta"):
        importa_file(archivio, cifrario, senza_titoli, versione_consenso="2020-1", divisione_docx="pagina")


def test_docx_con_tabella(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph(T1)
    tabella = d.add_table(rows=1, cols=1)
    tabella.cell(0, 0).text = "Testo nella tabella."
    d.save(str(tmp_path / "t.docx"))
    (riga,) = list(leggi_righe(tmp_path / "t.docx"))
    assert "Testo nella tabella." in riga.campi["testo"]


def test_txt_un_file_o_separatori(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    uno = tmp_path / "uno.txt"
    uno.write_text("\ufeff" + T1 + "\n", encoding="utf-8")
    molti = tmp_path / "molti.txt"
    molti.write_text(f"Titolo: Sera\nZona: Buon Pastore\n\n{T2}\n---\n\n{T3}\n  -----  \ncorto\n---\n\n",
                     encoding="utf-8")
    esiti = importa_files(archivio, cifrario, [uno, molti], versione_consenso="2020-1")
    assert [(e.letti, e.importati, len(e.errori)) for e in esiti] == [(1, 1, 0), (3, 2, 1)]
    assert esiti[1].errori[0].riga == 9
    righe = campi_grezzi(archivio, cifrario)
    assert [(r.get("titolo"), r.get("quartiere")) for r in righe] == [
        (None, None), ("Sera", "Buon Pastore"), (None, None)]
    # Re-importing, even under another name, imports nothing new.
    copia = tmp_path / "copia.txt"
    copia.write_bytes(molti.read_bytes())
    assert importa_file(archivio, cifrario, copia, versione_consenso="2020-1").gia_presenti == 2


def test_testo_gia_arrivato_dal_modulo_non_reimportato(archivio: Archivio, cifrario: Cifrario,
                                                      tmp_path: Path) -> None:
    nuovo = valida_racconto({"testo": T1, "consenso": "sì"}, associazioni=set(), canale="modulo",
                            versione_consenso="2020-1")
    invia_racconto(archivio, cifrario, nuovo, finestra_duplicati=None)
    f = tmp_path / "carta.txt"
    f.write_text(T1, encoding="utf-8")
    assert importa_file(archivio, cifrario, f, versione_consenso="2020-1").gia_presenti == 1
    assert _conta(archivio) == 1


def test_tutto_o_niente_su_piu_file(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    buono = tmp_path / "buono.txt"
    buono.write_text(T1, encoding="utf-8")
    rotto = tmp_path / "rotto.xlsx"
    rotto.write_bytes(b"PK\x03\x04 non proprio un xlsx")
    errato = tmp_path / "errato.txt"
    errato.write_text("corto", encoding="utf-8")
    esiti = importa_files(archivio, cifrario, [buono, rotto], versione_consenso="2020-1", tutto_o_niente=True)
    assert esiti[1].errore_file and "non è un file XLSX valido" in esiti[1].errore_file and _conta(archivio) == 0
    importa_files(archivio, cifrario, [buono, errato], versione_consenso="2020-1", tutto_o_niente=True)
    assert _conta(archivio) == 0
    esiti = importa_files(archivio, cifrario, [buono, rotto, errato], versione_consenso="2020-1")
    assert [e.importati for e in esiti] == [1, 0, 0] and _conta(archivio) == 1


def test_file_danneggiati_errori_puliti(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    casi = {
        "casuale.xlsx": b"\x00\x01 non zip",
        "casuale.docx": b"ciao",
        "vuoto.docx": b"",
        "latin.txt": "perché è così, durante il lockdown".encode("latin-1"),
    }
    for nome, dati in casi.items():
        (tmp_path / nome).write_bytes(dati)
        with pytest.raises(ErroreImport):
            importa_file(archivio, cifrario, tmp_path / nome, versione_consenso="2020-1")
    # A zip that is not a DOCX, and a "zip bomb" declaring huge contents.
    with zipfile.ZipFile(tmp_path / "altro.docx", "w") as z:
        z.writestr("ciao.txt", "ciao")
    with pytest.raises(ErroreImport, match="non è un file DOCX valido"):
        importa_file(archivio, cifrario, tmp_path / "altro.docx", versione_consenso="2020-1")
    with zipfile.ZipFile(tmp_path / "bomba.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/enorme.xml", b"\0" * (401 * 1024 * 1024))
    with pytest.raises(ErroreImport, match="si espande in troppi dati"):
        importa_file(archivio, cifrario, tmp_path / "bomba.xlsx", versione_consenso="2020-1")
    assert _conta(archivio) == 0


def test_csv_cella_enorme_errore_della_sola_riga(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    """Issue 10, finding 10: a cell over 131 072 characters is an error of its row, at the right line."""
    buona = "Durante il lockdown facevo la spesa per la vicina di casa, ogni martedì mattina."
    f = tmp_path / "grande.csv"
    f.write_text(f'testo,zona\n"{buona}\nsu due righe",Centro\n"{"x" * 1_100_000}",Nord\n"{buona} Ancora.",Sud\n',
                 encoding="utf-8")
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1")
    assert esito.errore_file is None and esito.importati == 2
    assert [(e.riga, e.dove) for e in esito.errori] == [(4, "riga 4")]
    assert "1.100.000 caratteri" in esito.errori[0].messaggi[0]
    # a cell only longer than the csv module's limit: the story is too long (validation), same row number
    f.write_text(f'testo\n"{"parola " * 30_000}"\n"{buona}"\n', encoding="utf-8")
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1")
    assert [e.riga for e in esito.errori] == [2] and "troppo lungo" in esito.errori[0].messaggi[0]
    # an unclosed quote swallows the rest of the file: one row in error, not a rejected file
    rotto = tmp_path / "rotto.csv"
    rotto.write_text('testo\n"' + "x" * 200_000 + "\n", encoding="utf-8")
    esito = importa_file(archivio, cifrario, rotto, versione_consenso="2020-1")
    assert esito.errore_file is None and [e.riga for e in esito.errori] == [2]


def test_normalizza_etichetta() -> None:
    assert normalizza_etichetta(" Fascia d'Età ") == "fascia_d_eta"
    assert normalizza_etichetta("ZONA/Quartiere") == "zona_quartiere"


def _docx_gonfio(percorso: Path, mib: int) -> Path:
    """A DOCX whose XML inflates to ``mib`` MiB of short paragraphs (a few hundred KiB on disk)."""
    base = percorso.with_name("base.docx")
    d = docx.Document()
    d.add_paragraph("x")
    d.save(str(base))
    with zipfile.ZipFile(base) as zin:
        xml = zin.read("word/document.xml").decode()
        paragrafo = "<w:p><w:r><w:t>Durante il lockdown facevo la spesa per la vicina.</w:t></w:r></w:p>"
        corpo = xml.partition("<w:body>")[0] + "<w:body>" + paragrafo * (mib * 2**20 // len(paragrafo))
        with zipfile.ZipFile(percorso, "w", zipfile.ZIP_DEFLATED) as z:
            for voce in zin.infolist():
                z.writestr(voce.filename, corpo + "</w:body></w:document>" if voce.filename == "word/document.xml"
                           else zin.read(voce.filename))
    return percorso


MISURA = """
import resource, sys
from pathlib import Path
from raccolta.formati import ErroreImport, _paragrafi_docx
prima = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    esito = len(_paragrafi_docx(Path(sys.argv[1])))
except ErroreImport as e:
    esito = str(e)
print(esito, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - prima) // 1024)
"""


@pytest.mark.lento
def test_docx_letto_in_memoria_limitata(tmp_path: Path) -> None:
    """Issue 10, finding 10: the zip-bomb guard let a 122 KB DOCX take 900 MB; DOCX is now streamed."""
    import subprocess
    import sys

    from tests.conftest import RADICE

    def misura(f: Path) -> tuple[str, int]:
        r = subprocess.run([sys.executable, "-c", MISURA, str(f)], capture_output=True, text=True, timeout=300,
                           env={"PYTHONPATH": str(RADICE), "PATH": "/usr/bin:/bin"}, check=True)
        esito, mib = r.stdout.strip().rsplit(" ", 1)
        return esito, int(mib)

    grande = _docx_gonfio(tmp_path / "grande.docx", 8)  # ~130 000 paragraphs, under every limit
    assert grande.stat().st_size < 200_000
    esito, mib = misura(grande)
    assert int(esito) > 100_000 and mib < 120, (esito, mib)
    bomba = _docx_gonfio(tmp_path / "bomba.docx", 300)  # within the old 400 MB guard
    esito, mib = misura(bomba)
    assert "troppo testo" in esito and mib < 50, (esito, mib)
