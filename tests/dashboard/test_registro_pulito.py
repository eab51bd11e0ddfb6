"""Browsing every page logs nothing alarming: no exception, no traceback (e.g. pyarrow's ArrowInvalid on a
column mixing counts and "n < 5"), no warning of ours or of Streamlit's beyond AppTest's own notices."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from streamlit.testing.v1 import AppTest

from pagine.registro import PAGINE

# AppTest runs without a server: Streamlit says so, harmlessly
_RUMORE_APPTEST = ("No runtime found", "missing ScriptRunContext")


class _Raccolta(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.record: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.record.append(record)


@pytest.fixture
def registro() -> Iterator[_Raccolta]:
    raccolta = _Raccolta()
    # Streamlit's loggers do not propagate (each has its own handler): listen to every one of them
    import streamlit.dataframe_util  # noqa: F401  (its logger: the Arrow conversion's fallback)

    nomi = ("", "narrazioni", *[n for n in logging.Logger.manager.loggerDict if n.startswith("streamlit")])
    livelli = {n: logging.getLogger(n).level for n in nomi}
    for n in nomi:
        logging.getLogger(n).addHandler(raccolta)
        logging.getLogger(n).setLevel(logging.INFO)
    yield raccolta
    for n in nomi:
        logging.getLogger(n).removeHandler(raccolta)
        logging.getLogger(n).setLevel(livelli[n])


def _allarmi(raccolta: _Raccolta) -> list[str]:
    return [f"{r.name} {r.levelname}: {r.getMessage()[:300]} {r.exc_info[1] if r.exc_info else ''}"
            for r in raccolta.record
            if (r.exc_info or r.levelno >= logging.WARNING)
            and not any(x in r.getMessage() for x in _RUMORE_APPTEST)]


@pytest.mark.parametrize("nome", ["ada", "anna"])
def test_ogni_pagina_senza_eccezioni_ne_traceback(app: Callable[[str | None], AppTest], registro: _Raccolta,
                                                  nome: str) -> None:
    at = app(nome)
    visitate = 0
    for pagina in PAGINE:
        try:
            at.switch_page(pagina.file).run()
        except ValueError:  # not in this role's navigation
            continue
        visitate += 1
        assert not at.exception, (pagina.chiave, at.exception)
        assert not at.error, (pagina.chiave, [e.value for e in at.error])
    assert visitate >= 6
    assert _allarmi(registro) == []
