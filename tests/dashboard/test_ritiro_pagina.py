"""Issue 10, findings 5 and 6 on the dashboard: an operator withdraws any story by its R- code (with a
reason, audited), and a story withdrawn elsewhere leaves every cached table at the next click."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from archivio.tabelle import Audit, Racconto
from pagine.registro import PAGINE
from raccolta.operatore import ritira_per_conto
from tests.dashboard.conftest import Ambiente

App = Callable[[str | None], AppTest]
FILE = {p.chiave: p.file for p in PAGINE}


def _vai(at: AppTest, chiave: str) -> AppTest:
    at.switch_page(FILE[chiave]).run()
    assert not at.exception, at.exception
    return at


def _conta(ambiente: Ambiente) -> int:
    with ambiente.archivio.lettura() as s:
        return s.scalar(select(func.count()).select_from(Racconto)) or 0


def test_operatore_ritira_per_codice_r_con_motivo(app: App, ambiente: Ambiente) -> None:
    codice = next(iter(ambiente.dati.codici.values()))
    prima = _conta(ambiente)
    at = _vai(app("otto"), "ritira")
    at.text_input[0].input(codice)
    at.checkbox[0].check()
    at.button[0].click().run()
    # without a reason nothing happens
    assert any("motivo" in e.value for e in at.error) and _conta(ambiente) == prima
    at.text_input[0].input(codice.lower())
    at.text_input[1].input("Richiesta scritta dell'associazione, protocollo 12/2026")
    at.checkbox[0].check()
    at.button[0].click().run()
    assert not at.exception
    assert any(codice in s.value and "ritirato" in s.value for s in at.success)
    assert _conta(ambiente) == prima - 1
    with ambiente.archivio.lettura() as s:
        voce = s.scalars(select(Audit).where(Audit.azione == "racconto_ritirato")).one()
    assert (voce.chi, voce.oggetto) == ("otto", codice)
    assert voce.dettagli and voce.dettagli["motivo"].startswith("Richiesta scritta")


def test_ritiro_altrove_svuota_subito_le_cache(app: App, ambiente: Ambiente) -> None:
    at = _vai(app("anna"), "panoramica")
    n = int(at.metric[0].value)
    # withdrawn by someone else (the CLI, the form, another session): not through this session's caches
    codice = next(iter(ambiente.dati.codici.values()))
    assert ritira_per_conto(ambiente.archivio, codice, operatore="otto", motivo="prova", cifrario=ambiente.cifrario)
    at.run()
    assert not at.exception
    assert int(at.metric[0].value) == n - 1
