"""The themes stage inside the pipeline, the explicit refit, the store functions and migration 0005."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select

from analisi.pipeline import Stadio, esegui
from analisi.stadi.temi import StadioTemi, carica_verificato, rifai_temi
from analisi.temi.campione import carica_campione
from archivio import racconti as q
from archivio import temi as archivio_temi
from archivio.cifratura import Cifrario
from archivio.db import Archivio
from archivio.impostazioni import Impostazioni
from archivio.racconti import NuovoRacconto
from archivio.tabelle import AssegnazioneTema, Racconto, StatoStadio, Tema
from archivio.tabelle_temi import CitazioneTema, ModelloTemiRiga
from tests.conftest import RADICE
from tests.stadi_prova import AnonimizzaFinta

MIGRAZIONE = RADICE / "archivio" / "migrazioni" / "versions" / "0005_temi.py"


@pytest.fixture
def archivio_temi_pronto(archivio: Archivio) -> Archivio:
    # Until the lead links 0005 into the migration chain the tables may be missing: create them if so.
    for tabella in (ModelloTemiRiga.__table__, CitazioneTema.__table__):
        tabella.create(archivio.engine, checkfirst=True)  # type: ignore[attr-defined]
    return archivio


def _carica(archivio: Archivio, cifrario: Cifrario, storie: list[dict]) -> list[int]:
    with archivio.transazione() as s:
        ids = []
        for r in storie:
            if r["associazione"]:
                q.assicura_associazione(s, r["associazione"])
            ids.append(q.inserisci_racconto(s, NuovoRacconto(
                testo=r["testo"], canale="importazione", versione_consenso="2020-1", associazione=r["associazione"],
                periodo=r["periodo"], consenso_citazione=r["citabile"]), cifrario).id)
        return ids


@pytest.mark.lento
def test_stadio_incrementale_rifai_ed_etichette(archivio_temi_pronto: Archivio, cifrario: Cifrario,
                                                impostazioni: Impostazioni) -> None:
    archivio = archivio_temi_pronto
    corpus = carica_campione()
    stadi: list[Stadio] = [AnonimizzaFinta(), StadioTemi()]
    _carica(archivio, cifrario, corpus[:40])
    r1 = esegui(archivio, impostazioni, cifrario, stadi=stadi)
    assert r1.elaborati["temi.v1"] == 40 and r1.errori["temi.v1"] == 0
    with archivio.lettura() as s:
        primo = archivio_temi.modello_attivo(s)
        assert primo is not None and Path(primo.percorso).parent == impostazioni.archivio.cartella_dati / "modelli"
        assert 4 <= primo.k <= 13 and primo.metriche["scelta_k"]
        assert s.scalar(select(func.count()).select_from(AssegnazioneTema)) == 40 * primo.k
        temi = archivio_temi.leggi_temi(s)
        assert abs(sum(t["prevalenza"] for t in temi) - 1) < 1e-6
        assert all(t["citazioni"] for t in temi) and sum(t["n_principale"] for t in temi) == 40
        for t in temi:
            for c in t["citazioni"]:
                testo = s.scalar(select(Racconto.testo_anon).where(Racconto.id == c["racconto_id"])) or ""
                assert testo[c["inizio"]:c["fine"]] == c["testo"]
        assert all(c["codice"] for t in archivio_temi.leggi_temi(s, solo_citabili=True) for c in t["citazioni"])
    with archivio.transazione() as s:
        archivio_temi.rinomina_tema(s, primo.temi_ids[0], "  Il mio   tema ", "ricercatrice")

    # New stories: assigned to the existing themes, no refit.
    _carica(archivio, cifrario, corpus[40:45])
    r2 = esegui(archivio, impostazioni, cifrario, stadi=stadi)
    assert r2.elaborati["temi.v1"] == 5
    with archivio.lettura() as s:
        assert archivio_temi.modello_attivo(s) == primo
        assert s.scalar(select(func.count()).select_from(ModelloTemiRiga)) == 1
        righe = archivio_temi.assegnazioni(s)
        assert len(righe) == 45 * primo.k and {r["tema"] for r in righe} == set(range(primo.k))
        assert {"associazione", "data", "periodo", "codice", "peso"} <= set(righe[0])

    # Explicit refit on the same stories: same themes, the researcher's label kept.
    secondo = rifai_temi(archivio, impostazioni, autore="ricercatrice")
    with archivio.lettura() as s:
        assert secondo.id != primo.id and archivio_temi.modello_attivo(s) == secondo
        temi = archivio_temi.temi_attivi(s)
        assert temi[0]["etichetta"] == "Il mio tema" and temi[0]["etichetta_manuale"]
        assert s.scalar(select(func.count()).select_from(AssegnazioneTema)) == 45 * secondo.k
        assert not s.scalar(select(Tema.attivo).where(Tema.id == primo.temi_ids[0]))
        assert s.scalar(select(func.count()).select_from(StatoStadio).where(StatoStadio.stadio == "temi")) == 45
    assert esegui(archivio, impostazioni, cifrario, stadi=stadi).elaborati.get("temi.v1", 0) == 0

    # Withdrawal: deleting a story deletes its assignments and quotes.
    with archivio.lettura() as s:
        citato = s.scalar(select(CitazioneTema.racconto_id).limit(1))
    with archivio.transazione() as s:
        s.delete(s.get(Racconto, citato))
    with archivio.lettura() as s:
        assert s.scalar(select(func.count()).select_from(CitazioneTema).where(CitazioneTema.racconto_id == citato)) == 0
        assert s.scalar(select(func.count()).select_from(AssegnazioneTema)
                        .where(AssegnazioneTema.racconto_id == citato)) == 0


def test_pochi_racconti_rimandati_e_file_alterato(archivio_temi_pronto: Archivio, cifrario: Cifrario,
                                                 impostazioni: Impostazioni) -> None:
    archivio = archivio_temi_pronto
    corpus = carica_campione()
    _carica(archivio, cifrario, corpus[:3])
    stadi: list[Stadio] = [AnonimizzaFinta(), StadioTemi()]
    r = esegui(archivio, impostazioni, cifrario, stadi=stadi)
    assert r.errori["temi.v1"] == 3  # not done: retried when enough stories are visible
    with pytest.raises(ValueError, match="servono almeno"):
        rifai_temi(archivio, impostazioni)
    _carica(archivio, cifrario, corpus[3:20])
    r = esegui(archivio, impostazioni, cifrario, stadi=stadi)
    assert r.elaborati["temi.v1"] == 20
    with archivio.lettura() as s:
        salvato = archivio_temi.modello_attivo(s)
    assert salvato is not None
    Path(salvato.percorso).write_bytes(Path(salvato.percorso).read_bytes() + b"x")
    with pytest.raises(ValueError, match="SHA-256"):
        carica_verificato(salvato)


def test_rinomina_rifiuta_etichetta_vuota(archivio_temi_pronto: Archivio) -> None:
    with archivio_temi_pronto.transazione() as s, pytest.raises(ValueError):
        archivio_temi.rinomina_tema(s, 1, "   ", "x")


def test_migrazione_0005_su_e_giu(tmp_path: Path) -> None:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    spec = importlib.util.spec_from_file_location("migrazione_0005", MIGRAZIONE)
    assert spec is not None and spec.loader is not None
    modulo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(modulo)
    assert modulo.revision == "0005"
    from archivio.tabelle import Base

    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    Base.metadata.create_all(engine, tables=[t for n, t in Base.metadata.tables.items()
                                             if n not in ("modelli_temi", "citazioni_tema")])
    with engine.begin() as conn:
        ctx = MigrationContext.configure(conn, opts={"render_as_batch": True})
        with Operations.context(ctx):
            modulo.upgrade()
        tabelle = set(inspect(conn).get_table_names())
        assert {"modelli_temi", "citazioni_tema"} <= tabelle
        colonne = {c["name"] for c in inspect(conn).get_columns("modelli_temi")}
        assert colonne == set(ModelloTemiRiga.__table__.columns.keys())  # type: ignore[attr-defined]
        with Operations.context(ctx):
            modulo.downgrade()
        assert not {"modelli_temi", "citazioni_tema"} & set(inspect(conn).get_table_names())


def test_citazioni_superate_tolte(archivio_temi_pronto: Archivio, cifrario: Cifrario,
                                  impostazioni: Impostazioni) -> None:
    archivio = archivio_temi_pronto
    _carica(archivio, cifrario, carica_campione()[:12])
    stadi: list[Stadio] = [AnonimizzaFinta(), StadioTemi()]
    esegui(archivio, impostazioni, cifrario, stadi=stadi)
    with archivio.lettura() as s:
        c = s.scalars(select(CitazioneTema).limit(1)).one()
        rid = c.racconto_id
        testo = s.scalar(select(Racconto.testo_anon).where(Racconto.id == rid)) or ""
    with archivio.transazione() as s:
        assert archivio_temi.togli_citazioni_superate(s, rid, testo) == 0
        assert archivio_temi.togli_citazioni_superate(s, rid, "ALTRO " + testo) >= 1
    with archivio.lettura() as s:
        assert s.scalar(select(func.count()).select_from(CitazioneTema).where(CitazioneTema.racconto_id == rid)) == 0
