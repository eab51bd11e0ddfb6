"""Policy constants are written once (archivio/politiche.py) and every user reads them from there."""

from __future__ import annotations

from archivio import politiche


def test_una_sola_fonte_per_codici_e_soglie() -> None:
    from analisi import confronti, grafici_codifica, grafici_panoramica, grafici_temi
    from analisi.codifica import codebook
    from analisi.codifica.modello import CodificatoreFrasi
    from analisi.temi import modello as temi
    from archivio.cruscotto import filtri as cruscotto

    assert codebook.CODICI is politiche.CODICI is cruscotto.CODICI_PRIMO_LIVELLO
    assert CodificatoreFrasi().soglia == politiche.SOGLIA_CODICE == 0.5
    assert (grafici_panoramica.SOGLIA_CELLE == grafici_codifica.MINIMO_RACCONTI == confronti.MINIMO_CELLA
            == temi.MINIMO_RACCONTI_ASSOCIAZIONE == politiche.SOGLIA_CELLE == 5)
    assert grafici_temi.SOPPRESSO == "n < 5"
