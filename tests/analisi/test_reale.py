"""The real development set loader: text rebuilt from the shared data, hashes and labels checked."""

import json

import pytest

from analisi.codifica import reale
from analisi.codifica.reale import ErroreDatiReali, carica_reali, detokenizza, impronta


def test_detokenizza_joins_elisions_and_punctuation():
    toks = ["Sono", "informato", "che", "l'", "ordine", "n.", "14", ",", "le", "«", "carte", "d'", "identità", "»", "."]
    assert detokenizza(toks) == "Sono informato che l'ordine n. 14, le «carte d'identità»."


@pytest.fixture
def shared(tmp_path):
    s = tmp_path / "shared"
    (s / "data").mkdir(parents=True)
    (s / "data" / "kind.tsv").write_text("Chiediamo\tO\nal\tO\nComune\tORG\n.\tO\n\nAltro\tO\n", encoding="utf-8")
    (s / "data" / "ud.conllu").write_text("# sent_id = a1\n# text = Ho paura.\n1\tHo\n", encoding="utf-8")
    (s / "data" / "t.csv").write_text('"text","x"\n"prima","1"\n"seconda, con virgola","2"\n', encoding="utf-8")
    (s / "seeds").mkdir()
    (s / "seeds" / "s.txt").write_text("Titolo\n\nServono più centri.", encoding="utf-8")
    return s


def test_testo_di_every_selector(shared):
    assert reale.testo_unita("data/kind.tsv", {"righe": [1, 4]}, shared) == "Chiediamo al Comune."
    assert reale.testo_unita("data/ud.conllu", {"sent_id": "a1"}, shared) == "Ho paura."
    assert reale.testo_unita("data/t.csv", {"riga": 1}, shared) == "seconda, con virgola"
    assert reale.testo_unita("seeds/s.txt", {"start": 8, "end": 28}, shared) == "Servono più centri."
    with pytest.raises(ErroreDatiReali):
        reale.testo_unita("data/t.csv", {"riga": 5}, shared)


def _scrivi(cartella, righe):
    cartella.mkdir(exist_ok=True)
    with open(cartella / "r.jsonl", "w", encoding="utf-8") as f:
        for r in righe:
            f.write(json.dumps(r) + "\n")


def test_carica_reali_checks_hash_and_labels(shared, tmp_path):
    riga = {"id": "k-1", "registro": "politica", "fonte": "data/kind.tsv", "sel": {"righe": [1, 4]},
            "sha": impronta("Chiediamo al Comune."), "labels": ["proposta", "proposta.servizi", "desiderio"]}
    _scrivi(tmp_path / "reale", [riga])
    (u,) = carica_reali(shared, tmp_path / "reale")
    assert u.codici == {"proposta", "proposta.servizi"} and u.meta["marcatori"] == ["desiderio"]
    assert u.meta["registro"] == "politica" and u.testo == "Chiediamo al Comune."
    _scrivi(tmp_path / "reale", [dict(riga, sha="0000000000")])
    with pytest.raises(ErroreDatiReali, match="changed"):
        carica_reali(shared, tmp_path / "reale")
    _scrivi(tmp_path / "reale", [dict(riga, labels=["propostissima"])])
    with pytest.raises(ErroreDatiReali, match="unknown labels"):
        carica_reali(shared, tmp_path / "reale")


def test_carica_reali_without_shared_is_empty(tmp_path):
    assert carica_reali(tmp_path / "nessuna", tmp_path) == []
