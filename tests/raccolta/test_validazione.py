from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raccolta.validazione import ErroreValidazione, pulisci_testo, valida_racconto

ASS = {"Caregiver Insieme", "Centro Anziani Il Glicine"}
TESTO = "Durante il lockdown facevo la spesa per la vicina di casa."


def _valida(**campi: object) -> object:
    base = {"testo": TESTO, "consenso": "on"}
    return valida_racconto({**base, **campi}, associazioni=ASS, canale="modulo", versione_consenso="2020-1")


def _campi_errati(**campi: object) -> set[str]:
    with pytest.raises(ErroreValidazione) as e:
        _valida(**campi)
    return {er.campo for er in e.value.errori}


def test_racconto_valido_completo() -> None:
    r = _valida(titolo=" Le giornate ", associazione="Caregiver Insieme", fascia_eta="45-64",
                ruolo="Caregiver", periodo="lockdown-2020", data="12/04/2020", consenso_citazione="on",
                sensazione="2", temi=["paure", "giornate"])
    assert r.titolo == "Le giornate" and r.associazione == "Caregiver Insieme" and r.ruolo == "caregiver"
    assert r.data_racconto == date(2020, 4, 12) and r.consenso_citazione
    assert r.autovalutazione == {"sensazione": 2, "temi": ["giornate", "paure"]}


@pytest.mark.parametrize(("campi", "campo"), [
    ({"testo": ""}, "testo"), ({"testo": "troppo corto"}, "testo"), ({"testo": "x" * 20_001}, "testo"),
    ({"consenso": ""}, "consenso"), ({"associazione": "Inventata"}, "associazione"),
    ({"fascia_eta": "12-13"}, "fascia_eta"), ({"ruolo": "re"}, "ruolo"), ({"periodo": "2019"}, "periodo"),
    ({"data": "31/02/2020"}, "data"), ({"data": "01/01/1990"}, "data"), ({"sensazione": "9"}, "sensazione"),
    ({"temi": ["boh"]}, "temi"), ({"associazione": "altra"}, "associazione_altra"),
    ({"titolo": "t" * 201}, "titolo"),
])
def test_errori_in_italiano_per_campo(campi: dict[str, object], campo: str) -> None:
    assert campo in _campi_errati(**campi)


def test_messaggi_italiani() -> None:
    with pytest.raises(ErroreValidazione) as e:
        _valida(testo="corto", consenso="")
    messaggi = " ".join(er.messaggio for er in e.value.errori)
    assert "troppo breve" in messaggi and "consenso" in messaggi


def test_associazione_nessuna_e_altra() -> None:
    assert _valida(associazione="nessuna").associazione is None
    r = _valida(associazione="altra: Bocciofila del Parco")
    assert r.associazione is None and r.associazione_altra == "Bocciofila del Parco"


def test_pulizia_caratteri_di_controllo() -> None:
    assert pulisci_testo("\ufeffciao\r\nmondo\x00\u200b ") == "ciao\nmondo"


@given(st.text(max_size=400), st.sampled_from(["", "on", "x"]), st.text(max_size=30))
def test_qualunque_input_valido_o_errore_pulito(testo: str, consenso: str, data: str) -> None:
    try:
        r = valida_racconto({"testo": testo, "consenso": consenso, "data": data}, associazioni=ASS,
                            canale="modulo", versione_consenso="2020-1")
    except ErroreValidazione as e:
        assert e.errori and all(er.messaggio for er in e.errori)
    else:
        assert 20 <= len(r.testo) <= 20_000 and "\x00" not in r.testo


# Every code point that must never pass the door: C0 controls but tab/newline, DEL and C1, the bidirectional
# controls, invisible characters, lone surrogates and all 66 noncharacters (U+FFFE/U+FFFF break XML exports).
STRANI = sorted({*range(0x00, 0x09), *range(0x0B, 0x0D), *range(0x0E, 0x20), *range(0x7F, 0xA0), 0x061C,
                 *range(0x200B, 0x2010), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2060, 0x206A),
                 0xFEFF, *range(0xD800, 0xE000), *range(0xFDD0, 0xFDF0),
                 *(p * 0x10000 + c for p in range(17) for c in (0xFFFE, 0xFFFF))})


def test_ogni_carattere_strano_tolto_da_ogni_campo() -> None:
    campi = ("testo", "titolo", "quartiere", "associazione_altra")
    sporco = "".join(chr(c) for c in STRANI)
    r = _valida(**{c: f"Mio{sporco} figlio{sporco} ride{sporco} forte: il lockdown è finito." for c in campi},
                associazione="altra")
    for c in campi:
        valore = getattr(r, c)
        assert valore == "Mio figlio ride forte: il lockdown è finito.", (c, valore)


def test_nessun_carattere_strano_passa() -> None:
    passati = [hex(p) for p in STRANI if pulisci_testo(f"a{chr(p)}b") != "ab"]
    assert not passati
    assert len(STRANI) > 2048 + 66  # surrogates and noncharacters are all in the list


def test_bidi_non_ribalta_il_titolo() -> None:
    assert _valida(titolo="\u202eotattoc\u202c ni \u2066arierF\u2069").titolo == "otattoc ni arierF"


def test_tab_e_a_capo_restano() -> None:
    assert pulisci_testo("uno\tdue\r\ntre") == "uno\tdue\ntre"
