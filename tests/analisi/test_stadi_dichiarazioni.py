"""Each built-in stage declares the tables it writes (``scrive``): the statements its ``salva`` really runs
on the sample corpus touch those tables and no other (the runner's own bookkeeping is not the stage's)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from analisi.pipeline import StadioBase, esegui, risolvi_stadio
from archivio import racconti as q
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import STADI_PREDEFINITI, Impostazioni

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
_TABELLA = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


def _tabelle_dichiarate(dichiarate: tuple[str, ...]) -> set[str]:
    """``"testi_grezzi.mappa_cifrata"``, ``"codici (fonte modello)"`` name the tables ``testi_grezzi``, ``codici``."""
    return {re.split(r"[ .(]", d, maxsplit=1)[0] for d in dichiarate}


@pytest.mark.lento
def test_ogni_stadio_scrive_solo_le_tabelle_che_dichiara(archivio: Archivio, cifrario: Cifrario,
                                                         impostazioni: Impostazioni,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    storie = [json.loads(r) for r in (CORPUS / "racconti.jsonl").read_text(encoding="utf-8").splitlines()[:30]]
    with archivio.transazione() as s:
        for st in storie:
            q.inserisci_racconto(s, q.NuovoRacconto(testo=st["testo"], canale="importazione",
                                                    versione_consenso="2020-1", periodo="lockdown-2020",
                                                    consenso_citazione=True), cifrario)
    stadi = [risolvi_stadio(n) for n in STADI_PREDEFINITI]
    assert sorted(f"{s.nome}.v{s.versione}" for s in stadi) == ["anonimizza.v1", "codifica.v1", "frasi.v1",
                                                                "piano.v1", "temi.v1"]
    scritte: dict[str, set[str]] = defaultdict(set)
    corrente: list[str] = []

    def registra(_conn: Any, _cursore: Any, istruzione: str, *_: Any) -> None:
        m = _TABELLA.match(istruzione)
        if m and corrente:
            scritte[corrente[-1]].add(m.group(1).lower())

    for stadio in stadi:
        assert isinstance(stadio, StadioBase) and stadio.scrive, stadio.nome
        originale = stadio.salva

        def salva(s: Any, lotto: Any, esiti: Any, _o: Any = originale, _n: str = stadio.nome) -> None:
            corrente.append(_n)
            try:
                _o(s, lotto, esiti)
            finally:
                corrente.pop()

        monkeypatch.setattr(stadio, "salva", salva)
    event.listen(archivio.engine, "before_cursor_execute", registra)
    try:
        esito = esegui(archivio, impostazioni, cifrario, stadi=stadi)
    finally:
        event.remove(archivio.engine, "before_cursor_execute", registra)
    assert not any(esito.errori.values()), esito.errori
    for stadio in stadi:
        assert scritte[stadio.nome], f"{stadio.nome} wrote nothing on 30 stories"
        assert scritte[stadio.nome] <= _tabelle_dichiarate(stadio.scrive), (stadio.nome, scritte[stadio.nome])
