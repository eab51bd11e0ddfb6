"""Receipt codes, CSRF tokens, the rate limiter and the foreign-origin check, as units."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raccolta.ricevuta import ALFABETO, LUNGHEZZA, genera_ricevuta, hash_ricevuta, normalizza_ricevuta
from raccolta.sicurezza import (
    INOLTRATO_NON_FIDATO,
    GettoniCsrf,
    LimiteRichieste,
    ProxyFidati,
    richiesta_da_altro_sito,
)


def test_ricevuta_formato_e_casualita() -> None:
    codici = {genera_ricevuta() for _ in range(2000)}
    assert len(codici) == 2000
    gruppo = "[0-9A-HJKMNP-TV-Z]{4}"
    assert all(re.fullmatch(f"{gruppo}-{gruppo}-{gruppo}", c) for c in codici)
    assert LUNGHEZZA >= 10 and len(ALFABETO) == 32  # 60 random bits


def test_ricevuta_lettura_tollerante() -> None:
    c = "7KQ2-M9XD-4TB0"
    assert normalizza_ricevuta(" 7kq2 m9xd 4tbo ") == normalizza_ricevuta(c) == "7KQ2M9XD4TB0"
    assert normalizza_ricevuta("IL00-0000-0000") == "110000000000"
    assert normalizza_ricevuta("7KQ2-M9XD-4TB") is None and normalizza_ricevuta("7KQ2-M9XD-4TBU") is None
    assert hash_ricevuta(c) == hash_ricevuta(c.lower().replace("-", "")) and len(hash_ricevuta(c)) == 64
    with pytest.raises(ValueError):
        hash_ricevuta("no")


@given(st.text(max_size=40))
def test_ricevuta_qualunque_testo(testo: str) -> None:
    canonico = normalizza_ricevuta(testo)
    assert canonico is None or (len(canonico) == LUNGHEZZA and set(canonico) <= set(ALFABETO))


def test_gettone_csrf() -> None:
    g = GettoniCsrf(b"segreto", durata_secondi=3600)
    t = g.nuovo(ora=1_000_000)
    assert g.valido(t, ora=1_000_100) and not g.valido(t, ora=1_000_000 + 3601)
    assert not g.valido(t, ora=1_000_000 - 3600)  # from the future
    assert not GettoniCsrf(b"altro", 3600).valido(t, ora=1_000_100)
    falso = t[:-1] + ("A" if t[-1] != "A" else "B")
    assert not g.valido(falso, ora=1_000_100)
    for strano in ("", "x", "a.b.c", "zz.y.x", "é.é.é", "\x80" * 10, "a" * 500, None):
        assert not g.valido(strano)
    fresco = g.nuovo()
    assert g.coppia_valida(fresco, fresco)
    assert not g.coppia_valida(fresco, g.nuovo()) and not g.coppia_valida(None, fresco)
    assert not g.coppia_valida("\x80é", "\x80é")


def test_limite_a_secchio() -> None:
    ora = [0.0]
    limite = LimiteRichieste(3, 60, b"s", orologio=lambda: ora[0])
    assert [limite.consenti("a") for _ in range(3)] == [None, None, None]
    attesa = limite.consenti("a")
    assert attesa is not None and 19 < attesa <= 20
    assert limite.consenti("b") is None  # another client has its own bucket
    ora[0] = 20.0
    assert limite.consenti("a") is None and limite.consenti("a") is not None
    with pytest.raises(ValueError):
        LimiteRichieste(0, 60, b"s")


def test_limite_non_tiene_indirizzi_e_dimentica() -> None:
    ora = [0.0]
    limite = LimiteRichieste(2, 10, b"s", orologio=lambda: ora[0])
    for i in range(10_001):
        limite.consenti(f"10.0.{i // 256}.{i % 256}")
    assert not any(b"10.0." in k for k in limite._secchi)  # keys are HMACs, not addresses
    ora[0] = 100.0
    limite.consenti("altro")
    assert len(limite._secchi) < 10  # full buckets forgotten


@pytest.mark.parametrize(("intestazioni", "atteso"), [
    ({}, False), ({"origin": "null"}, False), ({"origin": "http://modulo.example:8000"}, False),
    ({"origin": "https://altro.example"}, True), ({"sec-fetch-site": "cross-site"}, True),
    ({"sec-fetch-site": "same-site"}, True), ({"sec-fetch-site": "same-origin"}, False),
    ({"sec-fetch-site": "none"}, False),
])
def test_richiesta_da_altro_sito(intestazioni: dict[str, str], atteso: bool) -> None:
    assert richiesta_da_altro_sito(intestazioni, "modulo.example:8000") is atteso


@pytest.mark.parametrize(("fidati", "pari", "xff", "atteso"), [
    ([], "203.0.113.5", None, ("203.0.113.5", False)),
    ([], "203.0.113.5", "10.0.0.1", ("203.0.113.5", False)),  # an untrusted peer's header is ignored
    ([], "10.0.0.1", "10.0.0.1", (INOLTRATO_NON_FIDATO, False)),  # the server already rewrote the peer
    ([], "10.0.0.2", "1.1.1.1, 10.0.0.2:443", (INOLTRATO_NON_FIDATO, False)),
    (["127.0.0.1"], "127.0.0.1", "198.51.100.7", ("198.51.100.7", True)),
    (["127.0.0.1", "10.0.0.0/8"], "127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3", ("198.51.100.7", True)),
    (["127.0.0.1"], "127.0.0.1", None, ("127.0.0.1", True)),
    (["127.0.0.1"], "127.0.0.1", "spazzatura", ("127.0.0.1", True)),
    (["127.0.0.1"], "203.0.113.5", "198.51.100.7", ("203.0.113.5", False)),
    (["::1"], "::1", "[2001:db8::1]:80", ("2001:db8::1", True)),
])
def test_proxy_fidati(fidati: list[str], pari: str, xff: str | None, atteso: tuple[str, bool]) -> None:
    intestazioni = [(b"x-forwarded-for", xff.encode())] if xff is not None else []
    assert ProxyFidati(fidati).cliente(pari, intestazioni) == atteso


def test_proxy_fidati_voce_non_valida() -> None:
    with pytest.raises(ValueError, match="proxy_fidati"):
        ProxyFidati(["proxy.example"])
