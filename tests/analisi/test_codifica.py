"""Sentence coding: rules, the hybrid coder, agreement measures, the batch contract."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from analisi.codifica.accordo import accordo_per_codice, alfa_krippendorff, kappa_cohen
from analisi.codifica.addestra import esempi_umani
from analisi.codifica.codebook import CODICI, TUTTI_SOTTOCODICI
from analisi.codifica.dati import carica_oro
from analisi.codifica.lotto import ErroreIngresso, codifica_jsonl
from analisi.codifica.modello import CodificatoreFrasi, carica_codificatore
from analisi.codifica.regole import CodificatoreRegole, caratteristiche, pulisci, punteggi_regole

ADDESTRAMENTO = [
    ("Servirebbe un servizio di spesa a domicilio per gli anziani soli.", {"proposta", "proposta.servizi"}),
    ("Bisognerebbe tenere aperta la biblioteca anche online.", {"proposta", "proposta.digitale"}),
    ("Propongo che il Comune organizzi una rete di vicini.", {"proposta", "proposta.vicinato_comunita"}),
    ("Chiedo al Comune di riaprire il centro anziani.", {"proposta", "proposta.spazi"}),
    ("Avevo paura ogni volta che mio padre tossiva.", {"ansia", "ansia.salute"}),
    ("Mi sentivo sola come mai prima.", {"ansia", "ansia.solitudine"}),
    ("Ho pianto tutta la notte pensando ai soldi dell'affitto.", {"ansia", "ansia.economia_lavoro"}),
    ("Non so se a settembre riapriremo il centro diurno.", {"preoccupazione_futuro"}),
    ("Ho paura che in autunno richiudano tutto.", {"preoccupazione_futuro"}),
    ("Chissà cosa succederà il prossimo anno con la scuola.", {"preoccupazione_futuro"}),
    ("La mattina facevo la spesa per mia madre e poi tornavo al computer.", {"vita_quotidiana"}),
    ("Il pomeriggio i bambini facevano i compiti in cucina.", {"vita_quotidiana"}),
    ("La sera guardavamo la televisione sul divano.", {"vita_quotidiana"}),
    ("Alle sette preparavo la colazione per tutti.", {"vita_quotidiana"}),
    ("Vorrei tornare a ballare il liscio con le mie amiche.", set()),
    ("Grazie a tutti.", set()),
] * 3


@pytest.fixture(scope="module")
def piccolo() -> CodificatoreFrasi:
    return CodificatoreFrasi(cv_calibrazione=2).fit([t for t, _ in ADDESTRAMENTO], [c for _, c in ADDESTRAMENTO])


@pytest.mark.parametrize(("frase", "proposta"), [
    ("Servirebbe una rete di vicini che faccia la spesa per chi è solo.", True),
    ("Sarebbe bello che la biblioteca restasse aperta la sera.", True),
    ("Si potrebbero dare dei tablet agli anziani soli.", True),
    ("Vorrei che i servizi sociali ci dessero un numero diretto.", True),
    ("E perché non pensare a case condivise per gli anziani?", True),
    ("Chiedo al Comune di riaprire i centri anziani.", True),
    ("Vorrei tornare a ballare il liscio il giovedì.", False),
    ("Vorrei solo tornare a fare la spesa come una persona normale.", False),
    ("La mattina facevo la spesa per mia madre.", False),
])
def test_regole_proposta(frase: str, proposta: bool) -> None:
    assert (punteggi_regole(caratteristiche(frase))["proposta"] >= 0.5) is proposta


def test_regole_ansia_futuro_quotidiano() -> None:
    assert punteggi_regole(caratteristiche("Avevo paura ogni volta che mio padre tossiva."))["ansia"] >= 0.5
    futuro = punteggi_regole(caratteristiche("Non so se a settembre riapriremo il centro diurno."))
    assert futuro["preoccupazione_futuro"] >= 0.5 and futuro["proposta"] < 0.5
    assert punteggi_regole(caratteristiche("La sera guardavamo la televisione e alle dieci andavamo a letto.")
                           )["vita_quotidiana"] >= 0.5


def test_segnaposto_ignorati() -> None:
    assert pulisci("Ho chiamato [PERSONA_1] al [TELEFONO].") == "Ho chiamato al ."
    assert caratteristiche("[PERSONA_1] mi manca") == caratteristiche("mi manca")


def test_morfologia_spacy_se_data() -> None:
    """With a spaCy Doc carrying Mood=Cnd the conditional counts even without a -rebbe ending."""
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("it")
    doc = nlp("Loro farebbero così")
    doc[1].set_morph("Mood=Cnd|VerbForm=Fin")
    doc2 = nlp("Comune , aiutate gli anziani")
    doc2[2].set_morph("Mood=Imp|VerbForm=Fin")
    assert caratteristiche("Loro xxx così", doc)["condizionale"] == 1.0
    assert caratteristiche("Comune, aiutate gli anziani", doc2)["imperativo"] == 1.0
    # Without morphology (and not at the start of the sentence) the imperative is not recognised.
    assert caratteristiche("Comune, aiutate gli anziani")["imperativo"] == 0.0


def test_codificatore_convenzioni_sklearn(piccolo: CodificatoreFrasi) -> None:
    assert piccolo.codici_ == CODICI and piccolo.sottocodici_ == TUTTI_SOTTOCODICI
    p = piccolo.predict_proba(["Servirebbe un servizio di spesa a domicilio per gli anziani soli."])
    assert p.shape == (1, 4) and ((p >= 0) & (p <= 1)).all()
    assert piccolo.get_params()["C"] == 2.0 and not hasattr(CodificatoreFrasi(), "codici_")
    with pytest.raises(NotFittedError):
        CodificatoreFrasi().predict_proba(["x"])
    copia = clone(piccolo)  # params only, no learned state
    assert copia.get_params() == piccolo.get_params() and not hasattr(copia, "codici_")
    assert piccolo.set_params(C=3.0) is piccolo and piccolo.C == 3.0
    piccolo.set_params(C=2.0)


def test_codificatore_deterministico() -> None:
    testi, codici = [t for t, _ in ADDESTRAMENTO], [c for _, c in ADDESTRAMENTO]
    a = CodificatoreFrasi(cv_calibrazione=2).fit(testi, codici)
    b = CodificatoreFrasi(cv_calibrazione=2).fit(testi, codici)
    prova = ["Bisognerebbe aprire uno sportello nel quartiere.", "Avevo tanta paura."]
    assert np.array_equal(a.predict_proba(prova), b.predict_proba(prova)) and a.autore == b.autore


def test_codifica_etichette_e_sottocodici(piccolo: CodificatoreFrasi) -> None:
    [c] = piccolo.codifica(["Servirebbe un servizio a domicilio per gli anziani soli."])
    assert "proposta" in c.etichette
    assert any(e.startswith("proposta.") for e in c.etichette)
    assert all(c.sottocodici[s] <= c.codici[s.split(".")[0]] + 1e-9 for s in c.sottocodici)
    assert piccolo.codifica([]) == []


def test_salva_carica_senza_nlp(piccolo: CodificatoreFrasi, tmp_path: Path) -> None:
    piccolo.nlp = object()  # a run-time resource: never saved
    try:
        percorso = piccolo.salva(tmp_path / "m.joblib")
    finally:
        piccolo.nlp = None
    caricato = CodificatoreFrasi.carica(percorso)
    assert caricato.nlp is None and caricato.autore == piccolo.autore
    prova = ["Chiedo al Comune di aprire la palestra."]
    assert np.allclose(caricato.predict_proba(prova), piccolo.predict_proba(prova))
    assert pickle.loads(pickle.dumps(piccolo)).autore == piccolo.autore


def test_modello_predefinito() -> None:
    m = carica_codificatore(None)
    [proposta, desiderio, paura] = m.codifica([
        "Servirebbe una rete di vicini che faccia la spesa per chi è solo.",
        "Vorrei tornare a ballare il liscio con le mie amiche.",
        "Avevo paura ogni volta che mio padre tossiva, non dormivo più.",
    ])
    assert "proposta" in proposta.etichette
    assert "proposta" not in desiderio.etichette
    assert "ansia" in paura.etichette
    from analisi.codifica.modello import PUNTI_DECISIONE, SPOSTAMENTO_DESIDERIO

    # shipped as configured: the cross-register decision points and the wish shift
    assert m.punti_decisione == PUNTI_DECISIONE and m.spostamento_desiderio == SPOSTAMENTO_DESIDERIO
    assert m.usa_struttura and m.info_["struttura"]  # the structure features of spaCy's morphology


@pytest.mark.lento
def test_regole_peggio_del_modello_su_un_fold() -> None:
    """The hybrid model beats the rules on held-out stories (a small fold check; full numbers: MODEL_CARD)."""
    oro = carica_oro()
    if not oro:
        pytest.skip("corpus not built")
    storie = sorted({f.racconto for f in oro})
    prova = set(storie[::5])
    train = [f for f in oro if f.racconto not in prova]
    test = [f for f in oro if f.racconto in prova]
    vero = np.array([[int(c in f.codici) for c in CODICI] for f in test])
    ibrido = CodificatoreFrasi().fit([f.testo for f in train], [f.codici for f in train])
    pi = ibrido.predict([f.testo for f in test])
    pr = (CodificatoreRegole().predict_proba([f.testo for f in test]) >= 0.5).astype(int)
    assert (pi == vero).mean() > (pr == vero).mean()


# --- agreement ------------------------------------------------------------------------------------
def test_kappa() -> None:
    assert kappa_cohen([1, 1, 0, 0], [1, 1, 0, 0]) == 1.0
    assert kappa_cohen([1, 0, 1, 0], [0, 1, 0, 1]) == pytest.approx(-1.0)
    # 2x2 table 20/5/10/15 (a classic textbook example): po=0.7, pe=0.5 -> κ=0.4
    a = [1] * 25 + [0] * 25
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert kappa_cohen(a, b) == pytest.approx(0.4)
    assert np.isnan(kappa_cohen([], []))


def test_alfa_krippendorff_esempio_di_riferimento() -> None:
    """Krippendorff (2011), 'Computing Krippendorff's alpha-reliability', nominal example: α = 0.743."""
    n = None
    tabella = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert alfa_krippendorff(tabella) == pytest.approx(0.743, abs=0.001)
    assert alfa_krippendorff({1: {"a": True, "b": True}, 2: {"a": False, "b": False}}) == 1.0
    assert np.isnan(alfa_krippendorff({1: {"a": True}}))


def test_accordo_per_codice() -> None:
    righe = [
        {"frase_id": 1, "codice": "ansia", "fonte": "modello", "autore": "m", "valore": True, "probabilita": 0.9},
        {"frase_id": 2, "codice": "ansia", "fonte": "modello", "autore": "m", "valore": True, "probabilita": 0.1},
        {"frase_id": 1, "codice": "ansia", "fonte": "umano", "autore": "anna", "valore": True, "probabilita": None},
        {"frase_id": 2, "codice": "ansia", "fonte": "umano", "autore": "anna", "valore": False, "probabilita": None},
        {"frase_id": 1, "codice": "ansia", "fonte": "umano", "autore": "bruno", "valore": True, "probabilita": None},
        {"frase_id": 2, "codice": "ansia", "fonte": "umano", "autore": "bruno", "valore": False,
         "probabilita": None},
    ]
    a = accordo_per_codice(righe)["ansia"]
    assert a["kappa_modello_umani"] == 1.0 and a["frasi_confrontate"] == 2 and a["persone"] == 2
    assert a["alfa_umani"] == 1.0


def test_esempi_umani_maggioranza_e_codici_non_toccati() -> None:
    righe = [
        {"frase_id": 7, "racconto_id": 1, "testo": "Chiedo un corso.", "codice": "proposta", "valore": True,
         "autore": "anna"},
        {"frase_id": 7, "racconto_id": 1, "testo": "Chiedo un corso.", "codice": "ansia", "valore": False,
         "autore": "anna"},
    ]
    [e] = esempi_umani(righe, {7: {"ansia": 0.8, "vita_quotidiana": 0.7, "proposta": 0.2}})
    assert e.codici == frozenset({"proposta", "vita_quotidiana"}) and e.fonte == "umano" and e.peso > 1


# --- batch contract ---------------------------------------------------------------------------------
class MappaFinta:
    def assegna(self, testi: list[str]) -> list[object]:
        from analisi.piano import AssegnazionePiano

        return [AssegnazionePiano("4", "4.1", 0.9) for _ in testi]


def test_contratto_jsonl(piccolo: CodificatoreFrasi) -> None:
    testo = "La mattina facevo la spesa per mia madre. Servirebbe un servizio di spesa a domicilio per gli anziani."
    ingresso = io.StringIO(json.dumps({"id": "a", "text": testo}) + "\n\n" + json.dumps({"id": "b", "text": ""}) + "\n")
    uscita = io.StringIO()
    r = codifica_jsonl(ingresso, uscita, codificatore=piccolo, mappa=MappaFinta())
    righe = [json.loads(x) for x in uscita.getvalue().splitlines()]
    assert r.frasi == len(righe) == 2 and r.racconti == 1
    for i, riga in enumerate(righe):
        assert list(riga) == ["id", "sent", "start", "end", "text", "codes", "labels", "area"]
        assert riga["id"] == "a" and riga["sent"] == i and testo[riga["start"]:riga["end"]] == riga["text"]
        assert list(riga["codes"]) == list(CODICI) and all(isinstance(p, float) for p in riga["codes"].values())
        assert set(riga["labels"]) <= set(CODICI)
        assert riga["labels"] == [c for c in CODICI if riga["codes"][c] >= 0.5]
        assert (riga["area"] == "4") is ("proposta" in riga["labels"])
    assert "proposta" in righe[1]["labels"]


@pytest.mark.parametrize("riga", ['{"id": 1, "text": "x"}', "non json", '{"id": "a"}'])
def test_contratto_jsonl_righe_errate(piccolo: CodificatoreFrasi, riga: str) -> None:
    with pytest.raises(ErroreIngresso, match="riga 1"):
        codifica_jsonl(io.StringIO(riga + "\n"), io.StringIO(), codificatore=piccolo, mappa=MappaFinta())


@pytest.mark.parametrize(("frase", "desiderio"), [
    ("Spero che finisca presto.", True),
    ("Vorrei tornare a ballare il liscio il giovedì.", True),
    ("Magari potessi rivederli.", True),
    ("Che bello sarebbe andare al mare.", True),
    ("Sarebbe davvero bello rivederci tutti a cena.", True),
    ("Sarebbe bello che la biblioteca restasse aperta la sera.", False),
    ("Chiediamo al Comune di riaprire il centro anziani.", False),
    ("Vorrei che i servizi sociali ci dessero un numero diretto.", False),
    ("Spero che il Comune riapra il centro anziani.", False),
    ("Vorremmo che si dovesse rinunciare a tutto, ma bisogna ripartire.", False),
    ("La mattina facevo la spesa per mia madre.", False),
])
def test_desiderio_senza_richiesta(frase: str, desiderio: bool) -> None:
    from analisi.codifica.regole import desiderio_senza_richiesta

    assert desiderio_senza_richiesta(frase) is desiderio


def test_spostamento_desiderio_abbassa_solo_i_desideri(piccolo: CodificatoreFrasi) -> None:
    import copy

    frasi = ["Spero che finisca presto.", "Chiediamo al Comune di riaprire il centro anziani."]
    spostato = copy.deepcopy(piccolo)
    spostato.spostamento_desiderio = 3.0
    prima, dopo = piccolo.predict_proba(frasi)[:, 3], spostato.predict_proba(frasi)[:, 3]

    def logit(p: np.ndarray) -> np.ndarray:
        return np.log(p / (1 - p))

    np.testing.assert_allclose(logit(prima) - logit(dopo), [3.0, 0.0], atol=1e-6)
    assert [c.codici["proposta"] for c in spostato.codifica(frasi)] == [round(float(p), 4) for p in dopo]


# --- structure features (spaCy morphology) --------------------------------------------------------
def test_struttura_persona_dei_modali_e_voci_di_elenco() -> None:
    """Who is asked to act: "dobbiamo" and "si deve" are not "devo"; a plan's list item starts with a noun of
    action or an infinitive; "perché non…?" is a question."""
    from analisi.codifica.struttura import NOMI_STRUTTURA, matrice_struttura

    frasi = ["Dobbiamo aprire un centro per gli anziani.", "Devo andare dal medico domani.",
             "Si deve garantire il trasporto.", "• Attivazione di servizi pre e post scuola",
             "- Sostenere la domiciliarità", "Perché non riaprire la biblioteca?", "Vorrei tornare a ballare."]
    m = [dict(zip(NOMI_STRUTTURA, r, strict=True)) for r in matrice_struttura(frasi)]
    assert m[0]["dovere_1p"] == 1 and m[0]["dovere_1s"] == 0
    assert m[1]["dovere_1s"] == 1 and m[1]["dovere_1p"] == 0
    assert m[2]["dovere_si"] == 1
    assert m[3]["elenco"] == 1 and m[3]["inizio_nominale"] == 1
    assert m[4]["elenco"] == 1 and m[4]["inizio_infinito"] == 1
    assert m[5]["perche_non"] == 1 and m[5]["domanda"] == 1
    assert m[6]["volere_1s"] == 1 and m[6]["condizionale"] == 1
    assert all(m[i]["elenco"] == 0 for i in (0, 1, 2, 5, 6))


def test_struttura_nel_codificatore(tmp_path: Path) -> None:
    """The structure block is trained, saved and reloaded with the model (the same probabilities)."""
    testi, codici = [t for t, _ in ADDESTRAMENTO], [c for _, c in ADDESTRAMENTO]
    con = CodificatoreFrasi(cv_calibrazione=2, usa_struttura=True).fit(testi, codici)
    senza = CodificatoreFrasi(cv_calibrazione=2).fit(testi, codici)
    from analisi.codifica.modello import versione_compatibile
    from analisi.codifica.struttura import NOMI_STRUTTURA

    prova = ["Dobbiamo riaprire il centro anziani.", "Ieri sono andata al mercato."]
    pc, ps = con.predict_proba(prova), senza.predict_proba(prova)
    j = list(CODICI).index("proposta")
    assert not np.allclose(pc[:, j], ps[:, j])
    # only proposta's classifier sees the structure block (codici_struttura): the other codes are unchanged
    altri = [i for i in range(len(CODICI)) if i != j]
    assert np.allclose(pc[:, altri], ps[:, altri])
    n = {c: con.classificatori_[c].n_features_in_ for c in ("ansia", "proposta")}
    assert n["proposta"] == n["ansia"] + len(NOMI_STRUTTURA)
    caricato = CodificatoreFrasi.carica(con.salva(tmp_path / "m.joblib"))
    assert caricato.info_["struttura"] == list(NOMI_STRUTTURA) and versione_compatibile(caricato)
    assert np.allclose(caricato.predict_proba(prova), con.predict_proba(prova))
    caricato.info_["struttura"] = list(NOMI_STRUTTURA[:-1])  # saved with other structure features: retrained
    assert not versione_compatibile(caricato)
