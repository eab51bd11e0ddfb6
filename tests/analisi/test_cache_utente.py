"""What is built from shipped data once and cached on disk (analisi/cache_utente.py): the anonymiser's
lists and the Piano di Zona mapper. The cached ones are the built ones, a damaged or stale cache is built
again; and the per-text memos of the name rules answer as the uncached code does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest

from analisi.anonimizzazione import risorse
from analisi.anonimizzazione.nomi import parole


def _come_dati(lx: risorse.Lessico) -> dict[str, object]:
    return {f.name: (lx.frasario._per_inizio if f.name == "frasario" else getattr(lx, f.name))
            for f in fields(risorse.Lessico)}


@pytest.fixture
def cache_vuota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    risorse.lessico.cache_clear()
    yield tmp_path / "narrazioni"
    risorse.lessico.cache_clear()


@pytest.fixture(scope="module")
def costruito() -> dict[str, object]:
    return _come_dati(risorse._costruisci_lessico())


def test_the_cached_lists_are_the_built_ones(cache_vuota: Path, costruito: dict[str, object]) -> None:
    primo = risorse.lessico()
    (file_cache,) = cache_vuota.glob("lessico-*.marshal")
    assert file_cache.stat().st_mode & 0o777 == 0o600
    risorse.lessico.cache_clear()
    dalla_cache = risorse.lessico()
    assert dalla_cache is not primo
    assert _come_dati(primo) == costruito
    assert _come_dati(dalla_cache) == costruito  # same values and same container types (tuple != list)
    assert dalla_cache.frasario.trova(["sant", "agnese"]) == primo.frasario.trova(["sant", "agnese"])


def test_a_damaged_cache_is_built_again(cache_vuota: Path, costruito: dict[str, object]) -> None:
    risorse.lessico()
    (file_cache,) = cache_vuota.glob("lessico-*.marshal")
    file_cache.write_bytes(b"\x00non marshal")
    risorse.lessico.cache_clear()
    assert _come_dati(risorse.lessico()) == costruito
    risorse.lessico.cache_clear()
    assert _come_dati(risorse.lessico()) == costruito  # and the rebuilt file is good again


def test_a_changed_list_gets_another_cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    copia = tmp_path / "risorse"
    copia.mkdir()
    for origine in risorse.CARTELLA.iterdir():
        if origine.is_file():
            (copia / origine.name).write_bytes(origine.read_bytes())
    monkeypatch.setattr(risorse, "CARTELLA", copia)
    prima = risorse._file_cache()
    with open(copia / "nomi_italiani.txt", "a", encoding="utf-8") as f:
        f.write("Zebedeo\n")
    assert risorse._file_cache() != prima


@pytest.mark.parametrize("testo", [
    "Mi chiamo Franca. Ieri: «Vieni» disse Aldo!\nil dott. Rossi e G. Bianchi — poi... niente; • Lista",
    "ciao sara: domani vieni?\nrobi: si\nanto: ok. ci vediamo",
    "",
])
def test_memos_of_the_rules_answer_as_the_rules(testo: str) -> None:
    p = parole.Parole.da_testo(testo)
    attese = [parole._calcola_iniziale(p, i) for i in range(len(p))]
    assert [parole._iniziale(p, i) for i in range(len(p))] == attese
    assert [parole._iniziale(p, i) for i in range(len(p))] == attese  # from the memo now
    assert parole.stile_chat(p) == parole._calcola_stile_chat(p) == parole.stile_chat(p)


def test_the_cached_piano_mapper_maps_as_the_fitted_one(cache_vuota: Path) -> None:
    from analisi import piano

    def _mappatura_in_cache(percorso: None) -> piano.MappaturaPiano:  # a new process: only the disk cache left
        piano._CACHE.clear()
        return piano.carica_mappatura(percorso)

    frasi = ["Servirebbe un centro diurno per gli anziani soli del quartiere.",
             "Vorrei più psicologi nelle scuole per i ragazzi.", "Chiedo trasporti per chi non guida."]
    attese = piano._adatta(piano.carica_tassonomia(None)).assegna(frasi)
    assert _mappatura_in_cache(None).assegna(frasi) == attese
    (file_cache,) = cache_vuota.glob("piano-*.pickle")
    dalla_cache = _mappatura_in_cache(None)
    assert dalla_cache.assegna(frasi) == attese
    file_cache.write_bytes(b"non un pickle")
    assert _mappatura_in_cache(None).assegna(frasi) == attese  # fitted again
    assert file_cache.read_bytes() != b"non un pickle"
