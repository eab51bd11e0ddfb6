"""Preprocessing for themes: placeholders, stop words, domain words, lemmas, phrases, POS filter."""

from __future__ import annotations

import pickle
from typing import ClassVar

import pytest
import spacy

from analisi.lingua_it import parole_dominio, parole_vuote
from analisi.temi.preprocessa import Preprocessore, segmenti

FRASI = [
    "Facevo la spesa per mia madre e poi tornavo a casa.",
    "Il sabato faccio la spesa al mercato con [PERSONA_1].",
    "Abbiamo chiesto alla casa della salute un medico per il quartiere.",
    "La casa della salute era chiusa e il medico rispondeva al telefono.",
    "Mio figlio seguiva la didattica a distanza dalla cucina.",
    "Con la didattica a distanza i ragazzi erano soli davanti al computer.",
    "Durante il lockdown e la pandemia del covid ho imparato a fare il pane.",
    "La [PERSONA_2] mi portava la spesa, anche la spesa del [INDIRIZZO_1].",
]


def test_segnaposti_e_punteggiatura_interrompono_i_segmenti() -> None:
    assert segmenti("Ho visto [PERSONA_1] ieri. Poi basta") == [["ho", "visto"], ["ieri"], ["poi", "basta"]]
    assert segmenti("dell'emporio, l’ospedale") == [["dell'", "emporio"], ["l'", "ospedale"]]


def test_i_segnaposto_non_diventano_mai_termini() -> None:
    p = Preprocessore(frasi_multiparola=False).fit(FRASI)
    tutti = [t for doc in p.transform(FRASI) for t in doc]
    assert not any("persona" in t or "indirizzo" in t or "[" in t for t in tutti)


def test_parole_vuote_e_di_dominio() -> None:
    p = Preprocessore(frasi_multiparola=False).fit(FRASI)
    toks = p.tokens(FRASI[6])
    assert not {"lockdown", "pandemia", "covid", "durante", "avere", "ho"} & set(toks)
    assert {"imparare", "pane"} <= set(toks)
    # configurable: an empty domain list keeps "pandemia"
    p2 = Preprocessore(frasi_multiparola=False, parole_dominio=[]).fit(FRASI)
    assert "pandemia" in p2.tokens(FRASI[6])
    p3 = Preprocessore(frasi_multiparola=False, parole_extra=["pane"]).fit(FRASI)
    assert "pane" not in p3.tokens(FRASI[6])


def test_la_lista_rivista_non_toglie_parole_dei_racconti() -> None:
    vuote = parole_vuote()
    # spaCy's Italian list drops these (news words / themes of our stories): ours keeps them
    for parola in ("ansa", "casa", "lavoro", "vita", "futuro", "insieme", "persone", "governo", "attesa"):
        assert parola not in vuote, parola
    for parola in ("essere", "avere", "boh", "vabbè", "insomma", "il", "della", "marzo"):
        assert parola in vuote, parola
    assert {"covid", "lockdown", "pandemia", "coronavirus", "virus"} <= set(parole_dominio())


def test_lemmi_simplemma_con_correzioni() -> None:
    p = Preprocessore(frasi_multiparola=False).fit(FRASI)
    assert p.tokens("Le mascherine e i vaccini, le videochiamate con i nipoti") == [
        "mascherina", "vaccino", "videochiamata", "nipote"]


def test_frasi_multiparola_imparate_sul_corpus() -> None:
    p = Preprocessore(min_frase=2, min_racconti_frase=2, soglia_npmi=0.3).fit(FRASI)
    assert "fare_la_spesa" in p.frasi_.values()
    assert "casa_della_salute" in p.frasi_.values()
    assert "didattica_a_distanza" in p.frasi_.values()
    toks = p.tokens("Ieri facevo la spesa e poi sono passata dalla casa della salute.")
    assert toks[0] == "fare_la_spesa" and toks[-1] == "casa_della_salute"


def test_nomi_da_ignorare() -> None:
    testi = ["Alla Rete Vicini di Casa portavamo la spesa.", "La Rete Vicini di Casa chiama gli anziani."] * 3
    p = Preprocessore(nomi_da_ignorare=["Rete Vicini di Casa"]).fit(testi)
    assert "rete" not in p.tokens(testi[0]) and "casa" not in p.tokens(testi[0])
    assert "casa" in p.tokens("Stavo a casa.")


class _Tok:
    def __init__(self, testo: str, lemma: str, pos: str) -> None:
        self.lower_, self.lemma_, self.pos_, self.is_alpha = testo.lower(), lemma, pos, testo.isalpha()


class _NlpFinto:
    """A pipeline that tags 'bello' as ADV: the POS filter must drop it."""

    pipe_names: ClassVar[list[str]] = []

    def select_pipes(self, disable: list[str]) -> _NlpFinto:
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, *a: object) -> None:
        return None

    def pipe(self, testi: list[str], batch_size: int = 64) -> list[list[_Tok]]:
        out = []
        for t in testi:
            out.append([_Tok(w, "bello" if w == "bello" else w.lower(), "ADV" if w == "bello" else "NOUN")
                        for w in t.replace(".", " ").split()])
        return out


def test_filtro_pos_dalla_pipeline() -> None:
    testi = ["Un giardino bello e un orto.", "Il giardino bello."]
    senza = Preprocessore(frasi_multiparola=False).fit(testi)
    con = Preprocessore(_NlpFinto(), frasi_multiparola=False).fit(testi)
    assert "bello" in senza.tokens(testi[0])
    assert con.tokens(testi[0]) == ["giardino", "orto"]
    # the POS table is frozen with the preprocessor: pickling drops the pipeline, not the table
    copia = pickle.loads(pickle.dumps(con))
    assert copia.nlp is None and copia.tokens(testi[0]) == ["giardino", "orto"]


def test_spacy_blank_senza_lemmi_ricade_su_simplemma() -> None:
    p = Preprocessore(spacy.blank("it"), frasi_multiparola=False).fit(["Le mascherine erano finite."])
    assert "mascherina" in p.tokens("Le mascherine erano finite.")


@pytest.mark.parametrize("testo", ["", "   ", "[PERSONA_1]", "e poi... boh!", "123 456"])
def test_testi_senza_contenuto(testo: str) -> None:
    assert Preprocessore().fit(FRASI).tokens(testo) == []


def test_possessivo_di_prima_persona_da_un_token_in_piu() -> None:
    p = Preprocessore(frasi_multiparola=False).fit(["Mia madre abita lontano.", "La madre di Luca."])
    assert p.tokens("Mia madre abita lontano.") == ["madre", "mio_madre", "abitare"]  # "lontano": a stop word
    assert "mio_madre" not in p.tokens("La madre di Luca.")
    senza = Preprocessore(frasi_multiparola=False, possessivi=False).fit(["Mia madre abita lontano."])
    assert "mio_madre" not in senza.tokens("Mia madre abita lontano.")
