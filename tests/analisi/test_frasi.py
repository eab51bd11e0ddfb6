from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analisi.frasi import dividi_frasi


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
