"""Poster and paper form: rendered to an image, the QR code is read back; the paper form's columns import."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.tabelle import Racconto
from raccolta.consenso import TESTO_CITAZIONE
from raccolta.importa import importa_file
from raccolta.stampa import CAMPI_MODULO, COLONNE_MODULO, ErroreStampa, scrivi_manifesto, scrivi_modulo
from tests.raccolta.aiuti import campi_grezzi

URL = "https://racconti.comune.modena.it/modulo/"


def _pagine(pdf: Path, scala: float = 2.0) -> list:  # type: ignore[type-arg]
    import pypdfium2

    documento = pypdfium2.PdfDocument(str(pdf))
    return [documento[i].render(scale=scala).to_pil().convert("L") for i in range(len(documento))]


def _testo(pdf: Path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(pdf)).pages)


def _non_bianca(immagine) -> float:  # type: ignore[no-untyped-def]
    """Share of dark pixels."""
    istogramma = immagine.histogram()
    return sum(istogramma[:128]) / (immagine.width * immagine.height)


def test_manifesto_qr_leggibile_e_a4(tmp_path: Path) -> None:
    import zxingcpp
    from pypdf import PdfReader

    pdf = tmp_path / "manifesto.pdf"
    scrivi_manifesto(pdf, URL)
    pagina = PdfReader(str(pdf)).pages[0]
    assert len(PdfReader(str(pdf)).pages) == 1
    assert (round(float(pagina.mediabox.width) / 72 * 25.4), round(float(pagina.mediabox.height) / 72 * 25.4)) \
        == (210, 297)
    (immagine,) = _pagine(pdf)
    assert 0.03 < _non_bianca(immagine) < 0.5
    letti = zxingcpp.read_barcodes(immagine)
    assert [(b.format.name, b.text) for b in letti] == [("QRCode", URL)]
    testo = _testo(pdf)
    assert URL in testo and "Racconta com'è stato per te il tempo della pandemia" in testo


def test_manifesto_rifiuta_indirizzi_non_validi(tmp_path: Path) -> None:
    for cattivo in ("racconti.comune.it", "ftp://x.it/", "https://", "https://a b.it/"):
        with pytest.raises(ErroreStampa, match="indirizzo del modulo non valido"):
            scrivi_manifesto(tmp_path / "m.pdf", cattivo)
    assert not (tmp_path / "m.pdf").exists()


def test_modulo_ha_le_colonne_di_importazione_e_il_consenso(tmp_path: Path) -> None:
    pdf = tmp_path / "modulo.pdf"
    scrivi_modulo(pdf, "2020-1", associazioni=["Auser Modena", "Caritas"])
    testo = _testo(pdf)
    for campo in CAMPI_MODULO:
        assert campo.domanda in testo
        assert f"colonna «{campo.colonna}»" in testo
        for valore, _etichetta in campo.scelte:
            if valore != "sì":
                assert f"({valore})" in testo
    assert "Ho letto l'informativa (versione 2020-1)" in testo
    assert TESTO_CITAZIONE in testo and "Garante per la protezione dei dati" in testo
    assert "Auser Modena; Caritas" in testo
    pagine = _pagine(pdf, scala=0.5)
    assert len(pagine) >= 3 and all(_non_bianca(p) > 0.005 for p in pagine)


def test_modulo_versione_sconosciuta(tmp_path: Path) -> None:
    with pytest.raises(ErroreStampa, match="nessun testo di consenso"):
        scrivi_modulo(tmp_path / "x.pdf", "1999-9")


def test_trascrizione_del_modulo_si_importa(archivio: Archivio, cifrario: Cifrario, tmp_path: Path) -> None:
    """A sheet whose header is the paper form's columns, filled with the values printed on it, imports."""
    valori = {"titolo": "Le telefonate", "testo": "Durante il primo lockdown telefonavo ogni sera a mia zia.",
              "associazione": "nessuna", "quartiere": "Sacca", "fascia_eta": "65-74", "ruolo": "caregiver",
              "periodo": "lockdown-2020", "data": "15/05/2020", "sensazione": "2", "temi": "paure, famiglia",
              "consenso_citazione": "sì"}
    assert set(valori) == set(COLONNE_MODULO)
    for campo in CAMPI_MODULO:  # every chosen value is one printed on the form
        if campo.scelte:
            assert {v.strip() for v in valori[campo.colonna].split(",")} <= {v for v, _ in campo.scelte}
    f = tmp_path / "trascritti.csv"
    with open(f, "w", encoding="utf-8", newline="") as uscita:
        scrittore = csv.DictWriter(uscita, fieldnames=list(COLONNE_MODULO))
        scrittore.writeheader()
        scrittore.writerow(valori)
    esito = importa_file(archivio, cifrario, f, versione_consenso="2020-1")
    assert (esito.importati, esito.errori) == (1, [])
    with archivio.lettura() as s:
        r = s.scalars(select(Racconto)).one()
        # title and zone are stored encrypted until the anonymisation stage fills their columns
        (campi,) = campi_grezzi(archivio, cifrario)
        assert (campi.get("titolo"), campi.get("quartiere"), r.fascia_eta, r.ruolo, r.periodo, str(r.data_racconto),
                r.consenso_citazione) == ("Le telefonate", "Sacca", "65-74", "caregiver", "lockdown-2020",
                                          "2020-05-15", True)
        assert r.autovalutazione == {"sensazione": 2, "temi": ["famiglia", "paure"]}
