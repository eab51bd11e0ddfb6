"""The Italian loader and the shipped it_narrazioni pipeline."""

from __future__ import annotations

from typing import Any

import pytest
import spacy
from spacy.language import Language

from analisi import lingua
from analisi.lingua import (
    ModelloNonDisponibile,
    carica_italiano,
    componenti_ner,
    descrivi_modello,
    per_morfologia,
    percorso_modello_incluso,
)

FRASE = "Ieri mia figlia Giulia è andata da Marco Bellini a Modena."


@pytest.fixture(scope="module")
def nlp() -> Language:
    return carica_italiano("narrazioni")


def _persone(doc: Any) -> set[str]:
    return {e.text for e in doc.ents if e.label_ == "PER"}


def test_modello_incluso_presente_e_piccolo() -> None:
    percorso = percorso_modello_incluso()
    assert (percorso / "meta.json").is_file()
    dimensione = sum(p.stat().st_size for p in percorso.rglob("*") if p.is_file())
    assert dimensione <= 30 * 1024 * 1024


def test_persone_trovate(nlp: Language) -> None:
    doc = nlp(FRASE)
    assert {"Giulia", "Marco Bellini"} <= _persone(doc)
    assert {e.label_ for e in doc.ents} <= {"PER", "LOC", "ORG"}


def test_pos_e_lemmi(nlp: Language) -> None:
    doc = nlp(FRASE)
    parole = {t.text: t for t in doc}
    assert parole["andata"].pos_ == "VERB"
    assert parole["andata"].lemma_ == "andare"
    assert parole["figlia"].pos_ == "NOUN"
    assert parole["è"].lemma_ == "essere"
    # Proper nouns keep their form, capital included.
    assert parole["Modena"].lemma_ == "Modena"


def test_frasi(nlp: Language) -> None:
    doc = nlp("Durante il lockdown sono rimasta a casa. Mi mancavano i nipoti! Adesso va meglio.")
    assert len(list(doc.sents)) == 3


def test_solo_ner_veloce() -> None:
    tutti = carica_italiano("narrazioni")
    assert componenti_ner(tutti) == ["ner"]
    altri = [n for n in tutti.pipe_names if n != "ner"]
    solo = carica_italiano("narrazioni", escludi=altri)
    assert solo.pipe_names == ["ner"]
    assert {"Giulia", "Marco Bellini"} <= _persone(solo(FRASE))


def test_vista_morfologia_stessa_morfologia_senza_ner(nlp: Language) -> None:
    from analisi.codifica.regole import ha_morfologizzatore, matrice_caratteristiche

    frasi = [FRASE, "Vorrei che il comune aprisse un centro per gli anziani.", "Da bambino andavo al mare."]
    vista = per_morfologia(nlp)
    assert "ner" in nlp.pipe_names and "ner" not in vista.pipe_names and ha_morfologizzatore(vista)
    for intero, ridotto in zip(nlp.pipe(frasi), vista.pipe(frasi), strict=True):
        assert [(t.pos_, str(t.morph)) for t in ridotto] == [(t.pos_, str(t.morph)) for t in intero]
        assert not ridotto.ents  # the NER did not run
    assert _persone(nlp(FRASE))
    assert (matrice_caratteristiche(frasi, vista) == matrice_caratteristiche(frasi, nlp)).all()
    assert "ner" in nlp.pipe_names  # the shared pipeline is not changed


def test_descrivi_modello(nlp: Language) -> None:
    d = descrivi_modello(nlp)
    assert d["name"] == "it_narrazioni"
    assert d["version"].count(".") == 2
    assert d["license"] == "CC BY-NC-SA 4.0"
    assert "ner" in d["pipeline"]
    altro = spacy.blank("it")
    altro.meta.update({"name": "core_news_sm", "version": "3.8.0"})
    assert descrivi_modello(altro)["name"] == "it_core_news_sm"


def test_modello_mancante_errore_chiaro(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spacy.util, "is_package", lambda nome: False)
    with pytest.raises(ModelloNonDisponibile, match="python -m spacy download it_core_news_sm"):
        carica_italiano("it_core_news_sm")


def test_auto_senza_modelli_spacy_usa_incluso(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spacy.util, "is_package", lambda nome: False)
    assert descrivi_modello(carica_italiano("auto"))["name"] == "it_narrazioni"


def _finto_core() -> Language:
    """A stand-in for it_core_news_*: an entity ruler named "ner" with spaCy's labels (MISC included)."""
    finto = spacy.blank("it")
    ruler = finto.add_pipe("entity_ruler", name="ner")
    ruler.add_patterns(  # type: ignore[attr-defined]
        [{"label": "PER", "pattern": "Giulia"}, {"label": "MISC", "pattern": "Natale"}]
    )
    finto.meta.update({"name": "core_news_md", "version": "3.8.0"})
    return finto


def test_auto_preferisce_il_modello_spacy_piu_grande(monkeypatch: pytest.MonkeyPatch) -> None:
    caricati: list[str] = []

    def finto_load(nome: str, **_: Any) -> Language:
        caricati.append(nome)
        return _finto_core()

    monkeypatch.setattr(spacy.util, "is_package", lambda nome: nome in {"it_core_news_sm", "it_core_news_md"})
    monkeypatch.setattr(spacy, "load", finto_load)
    nlp = carica_italiano("auto")
    assert caricati == ["it_core_news_md"]
    # MISC is dropped, PER kept: callers only ever see PER/LOC/ORG.
    doc = nlp("A Natale Giulia era sola.")
    assert [(e.text, e.label_) for e in doc.ents] == [("Giulia", "PER")]
    assert componenti_ner(nlp) == ["ner", lingua.NORMALIZZATORE]


def test_nessun_lavoro_all_import() -> None:
    # Importing the loader must not even import spaCy: only carica_italiano does work.
    import subprocess
    import sys
    from pathlib import Path

    radice = Path(lingua.__file__).resolve().parents[1]
    codice = "import sys, analisi.lingua; print('spacy' in sys.modules)"
    uscita = subprocess.run([sys.executable, "-c", codice], cwd=radice, capture_output=True, text=True, check=True)
    assert uscita.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("forma", "pos", "atteso"),
    [
        ("proibita", "VERB", "proibire"),  # participle lookup corrected to the infinitive
        ("proposta", "NOUN", "proposta"),  # not the verb "proporre"
        ("stato", "NOUN", "stato"),
        ("stato", "AUX", "essere"),
        ("nipoti", "NOUN", "nipote"),
        ("Bellini", "PROPN", "Bellini"),
        ("Giorni", "NOUN", "giorno"),
    ],
)
def test_regole_lemma(forma: str, pos: str, atteso: str) -> None:
    from analisi.spacy_it.componenti import lemma

    assert lemma(forma, pos) == atteso


def test_nomi_nelle_entita_tengono_la_forma(nlp: Language) -> None:
    doc = nlp("Durante il lockdown sono rimasta a casa con mio marito Paolo.")
    paolo = next(t for t in doc if t.text == "Paolo")
    assert paolo.ent_type_ == "PER"
    assert paolo.lemma_ == "Paolo"
