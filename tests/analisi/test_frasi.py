from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analisi.frasi import dividi_frasi, valuta_confini


def _frasi(testo: str) -> list[str]:
    return [testo[i.inizio:i.fine] for i in dividi_frasi(testo)]


@pytest.mark.parametrize(("testo", "attese"), [
    ("Sono andata dal dott. Rossi. Mi ha visitata!", ["Sono andata dal dott. Rossi.", "Mi ha visitata!"]),
    ("ciao\nnn esco da 3 giorni\nmi manca la palestra", ["ciao", "nn esco da 3 giorni", "mi manca la palestra"]),
    ("- fare la spesa\n- chiamare la nonna\n1. pagare", ["fare la spesa", "chiamare la nonna", "pagare"]),
    ("Abito in v.le Corassori 12. G. Rossi è il vicino.", ["Abito in v.le Corassori 12.", "G. Rossi è il vicino."]),
    ('"Stai bene?" mi chiese. "Sì" risposi.', ['"Stai bene?" mi chiese.', '"Sì" risposi.']),
    ("Ho chiamato [PERSONA_1]. [PERSONA_2] non c'era…", ["Ho chiamato [PERSONA_1].", "[PERSONA_2] non c'era…"]),
    ("Primo paragrafo.\n\nSecondo paragrafo", ["Primo paragrafo.", "Secondo paragrafo"]),
    ("il 3.5 per cento e poi basta", ["il 3.5 per cento e poi basta"]),
    # chat writing: no capitals, emoji and emoticons as full stops, missing space after the dot
    ("ok ci sentiamo domani 😂 oggi non esco", ["ok ci sentiamo domani 😂", "oggi non esco"]),
    ("ciao a tutti :) mi manca la scuola", ["ciao a tutti :)", "mi manca la scuola"]),
    ("sono stanca. domani chissà!! boh", ["sono stanca.", "domani chissà!!", "boh"]),
    ("Mi ha guardato.Non lo dimentico.", ["Mi ha guardato.", "Non lo dimentico."]),
    ("e poi... niente, siamo rimasti a casa", ["e poi... niente, siamo rimasti a casa"]),
    # missing full stop before a sentence starter, but not before names and titles
    ("ho fatto la spesa Poi ho cucinato", ["ho fatto la spesa", "Poi ho cucinato"]),
    ("abitavo da solo al primo piano Da quando hanno chiuso esco poco",
     ["abitavo da solo al primo piano", "Da quando hanno chiuso esco poco"]),
    ("Ho chiamato il centro Il Glicine ma non rispondeva", ["Ho chiamato il centro Il Glicine ma non rispondeva"]),
    ("abito a La Spezia da due anni", ["abito a La Spezia da due anni"]),
    ("Siamo cittadini di serie B.  Sarebbe utile aprire.", ["Siamo cittadini di serie B.", "Sarebbe utile aprire."]),
    # dialogue keeps its attribution and its quoted sentences together
    ("— Come stai? — chiese mia figlia. — Bene — risposi.", ["— Come stai? — chiese mia figlia.", "— Bene — risposi."]),
    ("«Resta a casa. Ti prego» mi disse. Poi uscì.", ["«Resta a casa. Ti prego» mi disse.", "Poi uscì."]),
])
def test_casi_italiani(testo: str, attese: list[str]) -> None:
    assert _frasi(testo) == attese


def test_frase_lunghissima_senza_punteggiatura_tagliata() -> None:
    pezzo = "stavo a casa tutto il giorno con i bambini, e poi la sera guardavo la televisione con mio marito"
    testo = ", ".join([pezzo] * 6)
    frasi = _frasi(testo)
    assert len(frasi) > 1 and all(len(f.split()) <= 80 for f in frasi)


@given(st.text(alphabet=st.sampled_from(list("abcAB .!?\n,-«»\"'…[]0123")), max_size=300))
def test_offset_esatti_ordinati_e_non_vuoti(testo: str) -> None:
    fine_precedente = 0
    for iv in dividi_frasi(testo):
        assert fine_precedente <= iv.inizio < iv.fine <= len(testo)
        frammento = testo[iv.inizio:iv.fine]
        assert frammento == frammento.strip() and any(c.isalnum() for c in frammento)
        fine_precedente = iv.fine


def test_confini_sul_corpus_oro() -> None:
    """Boundary F1 on the gold sentences of the sample corpus (see the model card for the numbers)."""
    from analisi.codifica.valuta import esempi_confini

    esempi = esempi_confini()
    if not esempi:
        pytest.skip("corpus/gold_codici.jsonl not built")
    assert valuta_confini(esempi).f1 >= 0.99
    assert valuta_confini(esempi_confini("senza_punto")).f1 >= 0.85
