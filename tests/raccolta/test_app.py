"""Every path of the public form over HTTP (FastAPI TestClient): submit, errors, protections, withdrawal."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from archivio import racconti as q
from archivio import tabelle as m
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.tabelle import Audit, Racconto
from raccolta import app as modulo_app
from raccolta import scrittore
from raccolta.app import Limiti, crea_app
from raccolta.ricevuta import hash_ricevuta
from raccolta.sicurezza import GettoniCsrf
from tests.raccolta.aiuti import campi_grezzi, dove_compare, gettone, ricevuta

TESTO = "Durante il lockdown facevo la spesa per la vicina di casa, ogni martedì mattina."
SENZA_ATTESA = Limiti(ritardo_ritiro_secondi=0)


def _crea(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni, limiti: Limiti = SENZA_ATTESA,
          segreto: bytes | None = None) -> TestClient:
    with archivio.transazione() as s:
        q.assicura_associazione(s, "Caregiver Insieme")
    return TestClient(crea_app(impostazioni, archivio, cifrario, limiti=limiti, segreto=segreto))


@pytest.fixture
def cliente(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> Iterator[TestClient]:
    with _crea(archivio, cifrario, impostazioni) as c:
        yield c


def _conta(archivio: Archivio) -> int:
    with archivio.lettura() as s:
        return s.scalar(select(func.count(Racconto.id))) or 0


def _invia(c: TestClient, **campi: object) -> httpx.Response:
    dati = {"csrf": gettone(c.get("/").text), "testo": TESTO, "consenso": "sì", **campi}
    return c.post("/invia", data={k: v for k, v in dati.items() if v is not None})


class _Controlli(HTMLParser):
    """Collects form controls, labels and ids to check that every control has a label."""

    def __init__(self) -> None:
        super().__init__()
        self.controlli: list[dict[str, str | None]] = []
        self.per: set[str] = set()
        self.ids: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "label" and a.get("for"):
            self.per.add(str(a["for"]))
        if tag in {"input", "textarea", "select"} and a.get("type") != "hidden":
            self.controlli.append(a)


def test_pagina_modulo_accessibile_e_protetta(cliente: TestClient) -> None:
    r = cliente.get("/")
    assert r.status_code == 200
    p = _Controlli()
    p.feed(r.text)
    assert p.html_lang == "it"
    assert p.controlli and all(c.get("id") in p.per for c in p.controlli), "every control needs a label"
    assert len(p.ids) == len(set(p.ids)), "duplicate ids"
    assert r.text.count("<fieldset") >= 6 and r.text.count("<legend") == r.text.count("<fieldset")
    assert 'aria-describedby="aiuto-testo"' in r.text and "<script" not in r.text.lower()
    assert "Informativa sul trattamento" in r.text and "Garante" in r.text  # the versioned consent text
    assert "Caregiver Insieme" in r.text
    h = r.headers
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert "script-src" not in h["content-security-policy"]  # default-src 'none': no script at all
    assert h["referrer-policy"] == "no-referrer" and h["x-content-type-options"] == "nosniff"
    assert h["cache-control"] == "no-store" and h["x-frame-options"] == "DENY"
    cookie = h["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "narrazioni_csrf=" in cookie


def test_invio_valido_ricevuta_e_testo_cifrato(cliente: TestClient, archivio: Archivio,
                                               cifrario: Cifrario) -> None:
    r = _invia(cliente, titolo="Le giornate", associazione="Caregiver Insieme", fascia_eta="65-74",
               ruolo="caregiver", periodo="lockdown-2020", sensazione="2", temi=["paure", "giornate"],
               consenso_citazione="sì", quartiere="Sant'Agnese")
    assert r.status_code == 200
    codice = ricevuta(r.text)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", codice)
    with archivio.lettura() as s:
        rac = s.scalars(select(Racconto)).one()
        grezzo = s.scalars(select(m.TestoGrezzo)).one()
    assert rac.canale == "modulo" and rac.ricevuta_hash == hash_ricevuta(codice)
    assert rac.autovalutazione == {"sensazione": 2, "temi": ["giornate", "paure"]}
    assert rac.consenso_citazione and rac.fascia_eta == "65-74"
    assert grezzo.testo_cifrato and b"vicina" not in grezzo.testo_cifrato
    # title and zone: encrypted like the text until the anonymisation stage writes their anonymised form
    assert rac.titolo is None and rac.quartiere is None
    assert q.decifra_campi(grezzo.campi_cifrati, cifrario) == {"titolo": "Le giornate", "quartiere": "Sant'Agnese"}
    # neither the text, nor the title or zone, nor the receipt in clear
    assert dove_compare(archivio, "vicina di casa", "Le giornate", "Sant'Agnese", codice) == []


def test_errori_in_italiano_con_riepilogo_e_valori_conservati(cliente: TestClient,
                                                              archivio: Archivio) -> None:
    r = _invia(cliente, testo="Corto <i>x</i>", consenso=None, titolo="<b>titolo</b>",
               fascia_eta="65-74", temi=["paure"])
    assert r.status_code == 422
    t = r.text
    assert "<title>Errore:" in t and 'role="alert"' in t
    assert '<a href="#campo-testo">' in t and '<a href="#campo-consenso">' in t
    assert "troppo breve" in t and "consenso" in t
    assert 'aria-invalid="true"' in t and 'aria-describedby="aiuto-testo errore-testo"' in t
    # What the person typed is kept, and escaped.
    assert "Corto &lt;i&gt;x&lt;/i&gt;" in t and "<i>x" not in t
    assert 'value="&lt;b&gt;titolo&lt;/b&gt;"' in t
    assert 'value="65-74" checked' in t and 'value="paure" checked' in t
    assert _conta(archivio) == 0


def test_associazione_altra_e_nessuna(cliente: TestClient, archivio: Archivio, cifrario: Cifrario) -> None:
    r = _invia(cliente, associazione="altra")
    assert r.status_code == 422 and "Scrivi il nome dell" in r.text
    assert _invia(cliente, associazione="altra", associazione_altra="Bocciofila").status_code == 200
    assert _invia(cliente, testo=TESTO + " Due.", associazione="nessuna").status_code == 200
    assert _invia(cliente, testo=TESTO + " Tre.", associazione="Inventata").status_code == 422
    altre = sorted(str(c.get("associazione_altra")) for c in campi_grezzi(archivio, cifrario))
    assert altre == ["Bocciofila", "None"]


def test_storia_con_script_mostrata_come_testo(cliente: TestClient, archivio: Archivio) -> None:
    testo = "<script>alert('x')</script> " + TESTO
    r = _invia(cliente, testo=testo)
    assert r.status_code == 200 and "<script>" not in r.text


def test_csrf_mancante_o_falso_rifiutato_ma_testo_conservato(cliente: TestClient, archivio: Archivio,
                                                             impostazioni: Impostazioni) -> None:
    cliente.get("/")
    r = cliente.post("/invia", data={"testo": TESTO, "consenso": "sì"})
    assert r.status_code == 403 and "ancora qui" in r.text and TESTO in r.text
    falso = GettoniCsrf(b"un altro segreto", 3600).nuovo()
    cliente.cookies.set("narrazioni_csrf", falso)
    assert cliente.post("/invia", data={"csrf": falso, "testo": TESTO, "consenso": "sì"}).status_code == 403
    # A valid token in the field that differs from the cookie (double submit) is refused too.
    buono = gettone(cliente.get("/").text)
    cliente.cookies.set("narrazioni_csrf", GettoniCsrf(b"x", 1).nuovo())
    assert cliente.post("/invia", data={"csrf": buono, "testo": TESTO, "consenso": "sì"}).status_code == 403
    assert _conta(archivio) == 0


def test_gettone_scaduto(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> None:
    segreto = b"s" * 32
    vecchio = GettoniCsrf(segreto, 3600).nuovo(ora=time.time() - 2 * 86400)
    with _crea(archivio, cifrario, impostazioni, segreto=segreto) as c:
        c.cookies.set("narrazioni_csrf", vecchio)
        r = c.post("/invia", data={"csrf": vecchio, "testo": TESTO, "consenso": "sì"})
        assert r.status_code == 403 and TESTO in r.text
        nuovo = gettone(r.text)  # the page offers a fresh token: pressing "Invia" again works
        assert nuovo != vecchio
        assert c.post("/invia", data={"csrf": nuovo, "testo": TESTO, "consenso": "sì"}).status_code == 200


def test_richieste_da_altri_siti_rifiutate(cliente: TestClient, archivio: Archivio) -> None:
    g = gettone(cliente.get("/").text)
    dati = {"csrf": g, "testo": TESTO, "consenso": "sì"}
    assert cliente.post("/invia", data=dati, headers={"origin": "https://cattivo.example"}).status_code == 403
    assert cliente.post("/invia", data=dati, headers={"sec-fetch-site": "cross-site"}).status_code == 403
    assert _conta(archivio) == 0
    # Our own pages send "Origin: null" (Referrer-Policy: no-referrer): accepted.
    r = cliente.post("/invia", data=dati, headers={"origin": "null", "sec-fetch-site": "same-origin"})
    assert r.status_code == 200 and _conta(archivio) == 1


def test_trappola_per_bot(cliente: TestClient, archivio: Archivio) -> None:
    r = _invia(cliente, sito_web="http://spam.example")
    assert r.status_code == 200 and ricevuta(r.text)
    assert _conta(archivio) == 0


def test_limite_invii_per_cliente(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> None:
    with _crea(archivio, cifrario, impostazioni, Limiti(invii_max=2, ritardo_ritiro_secondi=0)) as c:
        assert _invia(c, testo=TESTO + " Uno.").status_code == 200
        assert _invia(c, testo="corto").status_code == 422
        r = _invia(c, testo=TESTO + " Tre.")
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert TESTO + " Tre." in r.text and "riprova tra" in r.text
    assert _conta(archivio) == 1


def test_limite_dimensione_richiesta(archivio: Archivio, cifrario: Cifrario,
                                     impostazioni: Impostazioni) -> None:
    with _crea(archivio, cifrario, impostazioni, Limiti(max_byte=50_000)) as c:
        g = gettone(c.get("/").text)
        r = c.post("/invia", data={"csrf": g, "testo": "è" * 60_000, "consenso": "sì"})
        assert r.status_code == 413 and "troppo grande" in r.text
        assert "frame-ancestors" in r.headers["content-security-policy"]

        def a_pezzi() -> Iterator[bytes]:  # no Content-Length: the body is counted as it streams
            yield f"csrf={g}&consenso=s&testo=".encode()
            for _ in range(100):
                yield b"a" * 1000

        r = c.post("/invia", content=a_pezzi(), headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413
        # Just below the limit the form answers normally (validation: too long).
        r = c.post("/invia", data={"csrf": g, "testo": "a" * 20_001, "consenso": "sì"})
        assert r.status_code == 422 and "troppo lungo" in r.text
    assert _conta(archivio) == 0


def test_testo_ripetuto_salvato_una_volta_ogni_ricevuta_ritira(cliente: TestClient,
                                                               archivio: Archivio) -> None:
    prima = ricevuta(_invia(cliente).text)
    seconda = ricevuta(_invia(cliente, testo="  " + TESTO.upper() + "\n").text)
    assert prima != seconda and _conta(archivio) == 1
    g = gettone(cliente.get("/ritira").text)
    digitato = seconda.lower().replace("-", " ")
    r = cliente.post("/ritira", data={"csrf": g, "codice": digitato, "conferma": "sì"})
    assert r.status_code == 200 and _conta(archivio) == 0
    assert dove_compare(archivio, hash_ricevuta(prima), hash_ricevuta(seconda)) == []


def test_ritiro_stessa_risposta_per_codice_giusto_o_sbagliato(cliente: TestClient,
                                                              archivio: Archivio) -> None:
    codice = ricevuta(_invia(cliente).text)
    g = gettone(cliente.get("/ritira").text)
    sbagliato = cliente.post("/ritira", data={"csrf": g, "codice": "0000-0000-0000", "conferma": "sì"})
    assert _conta(archivio) == 1
    giusto = cliente.post("/ritira", data={"csrf": g, "codice": codice, "conferma": "sì"})
    assert (sbagliato.status_code, giusto.status_code) == (200, 200)
    assert sbagliato.text == giusto.text
    assert _conta(archivio) == 0
    again = cliente.post("/ritira", data={"csrf": g, "codice": codice, "conferma": "sì"})
    assert again.text == giusto.text
    with archivio.lettura() as s:
        voce = s.scalars(select(Audit).where(Audit.azione == "racconto_ritirato")).one()
    assert voce.chi == "cittadino" and voce.oggetto and voce.oggetto.startswith("R-")
    assert voce.dettagli == {"canale": "modulo"}


def test_ritiro_con_codice_malformato_o_senza_conferma(cliente: TestClient, archivio: Archivio) -> None:
    codice = ricevuta(_invia(cliente).text)
    g = gettone(cliente.get("/ritira").text)
    r = cliente.post("/ritira", data={"csrf": g, "codice": "abc", "conferma": "sì"})
    assert r.status_code == 422 and "12 lettere e cifre" in r.text and 'href="#campo-codice"' in r.text
    r = cliente.post("/ritira", data={"csrf": g, "codice": codice})
    assert r.status_code == 422 and 'href="#campo-conferma"' in r.text and f'value="{codice}"' in r.text
    r = cliente.post("/ritira", data={"codice": codice, "conferma": "sì"})
    assert r.status_code == 403
    assert _conta(archivio) == 1


def test_ritiro_limitato(archivio: Archivio, cifrario: Cifrario, impostazioni: Impostazioni) -> None:
    with _crea(archivio, cifrario, impostazioni, Limiti(ritiri_max=3, ritardo_ritiro_secondi=0)) as c:
        codice = ricevuta(_invia(c).text)
        g = gettone(c.get("/ritira").text)
        for i in range(3):
            assert c.post("/ritira", data={"csrf": g, "codice": f"0000-0000-000{i}", "conferma": "sì"}) \
                .status_code == 200
        r = c.post("/ritira", data={"csrf": g, "codice": codice, "conferma": "sì"})
        assert r.status_code == 429 and "Troppi tentativi" in r.text
    assert _conta(archivio) == 1


def test_ritiro_risponde_non_prima_del_ritardo(archivio: Archivio, cifrario: Cifrario,
                                              impostazioni: Impostazioni) -> None:
    with _crea(archivio, cifrario, impostazioni, Limiti(ritardo_ritiro_secondi=0.2)) as c:
        g = gettone(c.get("/ritira").text)
        inizio = time.monotonic()
        c.post("/ritira", data={"csrf": g, "codice": "0000-0000-0000", "conferma": "sì"})
        assert time.monotonic() - inizio >= 0.2


def test_consenso_cambiato_mentre_scrivevi(cliente: TestClient, archivio: Archivio) -> None:
    r = _invia(cliente, versione_consenso="2019-0")
    assert r.status_code == 409 and TESTO in r.text and "aggiornata" in r.text
    assert _conta(archivio) == 0


def test_archivio_non_disponibile_testo_conservato(cliente: TestClient, archivio: Archivio,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    def guasto(*_a: object, **_k: object) -> None:
        raise OperationalError("INSERT segreto", {"testo": TESTO}, Exception("database is locked"))

    monkeypatch.setattr(scrittore, "invia_lotto", guasto)
    with caplog.at_level(logging.INFO):
        r = _invia(cliente)
    assert r.status_code == 503 and TESTO in r.text and "ancora qui" in r.text
    assert "OperationalError" in caplog.text and "lockdown" not in caplog.text


def test_pagine_accessorie_e_errori(cliente: TestClient) -> None:
    r = cliente.get("/invia", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    r = cliente.get("/non-esiste")
    assert r.status_code == 404 and "Pagina non trovata" in r.text and 'lang="it"' in r.text
    assert r.headers["referrer-policy"] == "no-referrer"
    r = cliente.put("/invia")
    assert r.status_code == 405 and "Richiesta non valida" in r.text
    r = cliente.get("/informativa")
    assert r.status_code == 200 and "<strong>Titolari del trattamento.</strong>" in r.text
    r = cliente.get("/static/stile.css")
    assert r.status_code == 200 and "max-age" in r.headers["cache-control"]
    assert cliente.get("/salute").text == "ok"
    assert cliente.get("/favicon.ico").status_code == 204
    assert cliente.get("/docs").status_code == 404 and cliente.get("/openapi.json").status_code == 404


def test_corpo_illeggibile(cliente: TestClient) -> None:
    r = cliente.post("/invia", content=b"--x\r\nrotto",
                     headers={"content-type": "multipart/form-data; boundary=x"})
    assert r.status_code in {400, 403}


def test_nessun_indirizzo_ne_user_agent_memorizzato(cliente: TestClient, archivio: Archivio,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    ua = "BrowserSegreto/9.9 (UA-TRACCIA-123)"
    with caplog.at_level(logging.DEBUG):
        g = gettone(cliente.get("/", headers={"user-agent": ua}).text)
        r = cliente.post("/invia", data={"csrf": g, "testo": TESTO, "consenso": "sì"},
                         headers={"user-agent": ua, "x-forwarded-for": "203.0.113.77"})
        codice = ricevuta(r.text)
        g = gettone(cliente.get("/ritira").text)
        cliente.post("/ritira", data={"csrf": g, "codice": "0000-0000-0000", "conferma": "sì"},
                     headers={"user-agent": ua})
    assert dove_compare(archivio, "UA-TRACCIA", "203.0.113.77", "testclient", codice) == []
    assert not any(a in caplog.text for a in ("UA-TRACCIA", "203.0.113.77", "testclient"))


def test_crea_app_da_ambiente(impostazioni: Impostazioni, archivio: Archivio, cifrario: Cifrario,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__CARTELLA_DATI", str(impostazioni.archivio.cartella_dati))
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__DATABASE_URL", impostazioni.url_database())
    monkeypatch.delenv("NARRAZIONI_CONFIG", raising=False)
    app = modulo_app.crea_app_da_ambiente()
    assert logging.getLogger("uvicorn.access").disabled
    with TestClient(app) as c:
        assert _invia(c).status_code == 200
    assert _conta(archivio) == 1


def test_crea_app_da_ambiente_rifiuta_database_non_inizializzato(tmp_path: object,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRAZIONI_ARCHIVIO__CARTELLA_DATI", str(tmp_path))
    monkeypatch.delenv("NARRAZIONI_ARCHIVIO__DATABASE_URL", raising=False)
    monkeypatch.delenv("NARRAZIONI_CONFIG", raising=False)
    with pytest.raises(RuntimeError, match="narrazioni init"):
        modulo_app.crea_app_da_ambiente()
