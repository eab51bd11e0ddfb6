"""The one corpus loader: validated lines, one Italian error, the sample corpus shipped with the package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analisi import corpus
from analisi.codifica.dati import carica_oro
from archivio.errori import ErroreDati
from tests.conftest import RADICE


def test_campione_e_un_solo_file_con_il_corpus() -> None:
    # analisi/campione/ ships in the package; in the repository its files are corpus/'s own (links)
    for nome in ("racconti.jsonl", "gold_codici.jsonl", "gold_pii.jsonl", "associazioni.csv"):
        assert (corpus.CARTELLA_CAMPIONE / nome).resolve() == (RADICE / "corpus" / nome).resolve()
    racconti = corpus.carica_racconti()
    assert racconti == [json.loads(r) for r in (RADICE / "corpus" / "racconti.jsonl").open(encoding="utf-8")]
    pii = corpus.carica_oro_pii()
    assert set(pii) == {r["id"] for r in racconti}
    oro = corpus.carica_oro_codici()
    assert oro and {o.id for o in oro} <= set(pii)
    assert len(carica_oro()) == sum(len(o.sentences) for o in oro)


def test_riga_malformata_errore_italiano(tmp_path: Path) -> None:
    f = tmp_path / "racconti.jsonl"
    f.write_text('{"id": "a", "testo": "uno"}\n\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(corpus.ErroreCorpus, match=r"^racconti\.jsonl, riga 3: campo \"testo\"") as e:
        corpus.carica_racconti(f)
    assert isinstance(e.value, ErroreDati)
    f.write_text('{"id": "a", "sentences": [{"sent": 0}]}\n', encoding="utf-8")
    with pytest.raises(corpus.ErroreCorpus, match=r"riga 1: "):
        corpus.carica_oro_codici(f)
    assert corpus.carica_racconti(tmp_path / "non_costruito.jsonl") == []


@pytest.mark.lento
def test_pacchetto_installato_legge_il_campione_senza_corpus(tmp_path: Path) -> None:
    """What setuptools installs (build_py) holds the sample corpus as files: no corpus/ folder needed."""
    lib = tmp_path / "lib"
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                    "--build-lib", str(lib)], cwd=RADICE, check=True, capture_output=True)
    campione = lib / "analisi" / "campione"
    assert not (lib.parent / "corpus").exists()
    for nome in ("racconti.jsonl", "gold_codici.jsonl", "associazioni.csv"):
        assert (campione / nome).is_file() and not (campione / nome).is_symlink()
        assert (campione / nome).read_bytes() == (RADICE / "corpus" / nome).read_bytes()
    uscita = subprocess.run(
        [sys.executable, "-c", "from analisi.corpus import carica_racconti, percorso_associazioni as p; "
                               "print(len(carica_racconti()), p().is_file())"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(lib), "PYTHONDONTWRITEBYTECODE": "1"},
        check=True, capture_output=True, text=True).stdout.split()
    assert uscita == [str(len(corpus.carica_racconti())), "True"]
