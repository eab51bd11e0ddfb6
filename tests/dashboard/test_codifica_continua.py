"""The Codifica page learns while people code (issue 11, item 3): its queue follows ``codifica scegli``, the
coder retrains in the background after every K decisions (one at a time), held-out κ is kept over time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analisi.codifica import continuo
from analisi.codifica.campagna import scegli_unita
from analisi.codifica.codebook import CODICI
from analisi.codifica.modello import carica_codificatore
from analisi.grafici_codifica import grafico_kappa_nel_tempo, tabella_kappa_nel_tempo
from archivio import codifica
from archivio.cruscotto import coda_frasi as coda
from archivio.cruscotto.filtri import Filtri
from tests.dashboard.conftest import Ambiente


class Fisso:
    """A stand-in coder: proposta probability from a word, the other codes 0.1."""

    soglia = 0.5

    def __init__(self) -> None:
        self.chiamate = 0

    def predict_proba(self, testi: Sequence[str]) -> np.ndarray:
        self.chiamate += 1
        out = np.full((len(testi), len(CODICI)), 0.1)
        out[:, CODICI.index("proposta")] = [0.9 if "propongo" in t.lower() or "servirebbe" in t.lower()
                                            else 0.1 for t in testi]
        return out


def test_deve_riaddestrare() -> None:
    assert not continuo.deve_riaddestrare(19, 0, 20)
    assert continuo.deve_riaddestrare(20, 0, 20) and continuo.deve_riaddestrare(45, 20, 20)
    assert not continuo.deve_riaddestrare(39, 20, 20)


def test_ordina_coda_come_scegli_e_memo() -> None:
    candidati = [(10, "Propongo un orto comune."), (11, "Ieri pioveva."), (12, "Servirebbe un pulmino."),
                 (13, "Ho paura per mia madre."), (14, "Propongo un orto comune per tutti.")]
    base = carica_codificatore(None)
    memo = continuo.CodificatoreMemo(base)
    atteso = [candidati[i][0] for i in scegli_unita([(str(i), t) for i, t in candidati], 5, base)]
    assert continuo.ordina_coda(candidati, memo) == atteso
    assert continuo.ordina_coda(candidati, memo, 2) == atteso[:2]
    np.testing.assert_allclose(memo.predict_proba([t for _, t in candidati]),
                               base.predict_proba([t for _, t in candidati]))
    fisso = Fisso()
    m = continuo.CodificatoreMemo(fisso)
    m.predict_proba(["a", "b"])
    m.predict_proba(["b", "a"])
    assert fisso.chiamate == 1  # remembered


def test_kappa_modello() -> None:
    decisioni = [{"testo": "Propongo un orto.", "codici": {"proposta"}, "decisi": {"proposta"}},
                 {"testo": "Ieri pioveva.", "codici": set(), "decisi": {"proposta"}},
                 {"testo": "Servirebbe aiuto.", "codici": set(), "decisi": {"proposta", "ansia"}}]
    k = continuo.kappa_modello(Fisso(), decisioni)
    # pairs: (1,1) (0,0) (0,1) proposta, (0,0) ansia -> kappa of [1,0,0,0] vs [1,0,1,0]
    from sklearn.metrics import cohen_kappa_score
    assert k == pytest.approx(cohen_kappa_score([1, 0, 0, 0], [1, 0, 1, 0]))
    assert np.isnan(continuo.kappa_modello(Fisso(), []))


def _decidi(ambiente: Ambiente, n: int) -> None:
    """``n`` more sentences decided (the queue of unreviewed sentences loses them)."""
    with ambiente.archivio.lettura() as s:
        ids = coda.coda_codifica(s, Filtri(), "non_riviste", limite=1000)
    with ambiente.archivio.transazione() as s:
        for fid in ids[:n]:
            codifica.salva_correzione(s, fid, "proposta", True, "anna")
            codifica.salva_correzione(s, fid, "ansia", False, "anna")


def test_riaddestramento_in_background_ogni_k(ambiente: Ambiente) -> None:
    cartella = Path(ambiente.impostazioni.archivio.cartella_dati)
    via, addestrati = threading.Event(), []

    def addestra(archivio: Any, cartella_dati: Path, **kw: Any) -> None:
        assert kw["valuta"] is False
        via.wait(10)  # a slow retraining: the caller must not wait for it
        addestrati.append(cartella_dati)

    rimappati: list[Any] = []
    opzioni: dict[str, Callable[..., Any]] = {"addestra": addestra, "carica": lambda _: Fisso(),
                                              "rimappa": rimappati.append}
    r = continuo.Riaddestratore()
    _decidi(ambiente, 3)
    assert not r.forse_avvia(ambiente.archivio, cartella, 3, 5, **opzioni)  # 3 < K
    _decidi(ambiente, 2)
    with ambiente.archivio.lettura() as s:
        decisioni = coda.avanzamento_codifica(s, "anna")["tutte"]
    assert decisioni == 5
    assert r.forse_avvia(ambiente.archivio, cartella, decisioni, 5, **opzioni)  # started, returns at once
    assert r.in_corso and not addestrati
    assert not r.forse_avvia(ambiente.archivio, cartella, decisioni, 5, **opzioni)  # one at a time
    via.set()
    r.attendi(20)
    assert not r.in_corso and addestrati == [cartella] and r.ultimo_errore is None
    assert rimappati == [ambiente.archivio]  # then the areas are re-mapped with the corrections
    stato = continuo.leggi_stato(cartella)
    assert stato["all_ultimo"] == 5 and len(stato["storia"]) == 1
    punto = stato["storia"][0]
    assert punto["decisioni"] == 5 and punto["valutate"] == 5 and punto["kappa"] is not None
    # not again until K more decisions; the next κ is measured on the new decisions only
    _decidi(ambiente, 4)
    assert not r.forse_avvia(ambiente.archivio, cartella, 9, 5, **opzioni)
    _decidi(ambiente, 1)
    assert r.forse_avvia(ambiente.archivio, cartella, 10, 5, **opzioni)
    r.attendi(20)
    assert [p["valutate"] for p in continuo.leggi_stato(cartella)["storia"]] == [5, 5]


def test_riaddestramento_fallito_non_rompe(ambiente: Ambiente) -> None:
    def rotto(*a: Any, **kw: Any) -> None:
        raise RuntimeError("disco pieno")

    r = continuo.Riaddestratore()
    _decidi(ambiente, 2)
    assert r.forse_avvia(ambiente.archivio, Path(ambiente.impostazioni.archivio.cartella_dati), 2, 2, addestra=rotto,
                         carica=lambda _: Fisso())
    r.attendi(20)
    assert r.ultimo_errore == "disco pieno" and not r.in_corso
    assert continuo.leggi_stato(Path(ambiente.impostazioni.archivio.cartella_dati))["storia"] == []


def test_grafico_kappa_nel_tempo() -> None:
    storia = [{"decisioni": 40, "kappa": 0.5, "valutate": 20, "quando": "2026-12-03T10:00:00"},
              {"decisioni": 20, "kappa": 0.3, "valutate": 20, "quando": "2026-12-03T09:00:00"},
              {"decisioni": 60, "kappa": None, "valutate": 0, "quando": "2026-12-03T11:00:00"}]
    t = tabella_kappa_nel_tempo(storia)
    assert list(t["decisioni"]) == [20, 40, 60] and np.isnan(t["kappa"].iloc[2])
    figura = grafico_kappa_nel_tempo(storia)
    assert "0.50 dopo 40 decisioni" in figura.descrizione
    assert figura.grafico.to_dict()["mark"]["type"] == "line"
    assert grafico_kappa_nel_tempo([]).tabella.empty


def test_pagina_coda_segue_scegli(app: Callable[[str | None], AppTest], ambiente: Ambiente) -> None:
    at = app("anna")
    at.switch_page("pagine/codifica.py").run()
    assert not at.exception
    assert at.selectbox[0].value == "scelte"  # the learning queue is the default
    with ambiente.archivio.lettura() as s:
        ids = coda.coda_codifica(s, Filtri(), "scelte", limite=2000)
        testi = coda.testi_frasi(s, ids)
    atteso = continuo.ordina_coda([(i, testi[i]) for i in ids],
                                  carica_codificatore(ambiente.impostazioni.archivio.cartella_dati), 200)
    mostrata = next(int(k.split("_")[1]) for k in (c.key for c in at.checkbox) if k and k.startswith("cod_"))
    assert mostrata == atteso[0]
    assert atteso != ids[:len(atteso)]  # not the story order of the other queues
    assert "Il modello impara dalle vostre decisioni" in [e.label for e in at.expander]


def test_rimappa_proposte_impara_dalle_correzioni(ambiente: Ambiente) -> None:
    from sqlalchemy import select

    from analisi.piano import AssegnazionePiano
    from archivio.tabelle_codifica import PianoFrase

    class Mappa:
        autore = "piano-prova@2"

        def assegna(self, testi: Sequence[str]) -> list[AssegnazionePiano]:
            return [AssegnazionePiano("3", None, 0.7, {"3": 0.7, "2": 0.2, "1": 0.1}) for _ in testi]

    with ambiente.archivio.lettura() as s:
        persona = s.scalars(select(PianoFrase.frase_id).where(PianoFrase.fonte == "modello")).first()
    assert persona is not None
    with ambiente.archivio.transazione() as s:
        codifica.salva_piano_umano(s, persona, "2", None, "anna")
    n = continuo.rimappa_proposte(ambiente.archivio, mappa=Mappa())
    assert n > 0
    with ambiente.archivio.lettura() as s:
        modello = s.execute(select(PianoFrase.area, PianoFrase.seconda_area, PianoFrase.autore)
                            .where(PianoFrase.fonte == "modello")).all()
        umano = s.execute(select(PianoFrase.area).where(PianoFrase.fonte == "umano")).all()
    assert len(modello) == n and set(modello) == {("3", "2", "piano-prova@2")}
    assert umano == [("2",)]  # a person's area is never touched
