"""ModelloTemi on the sample corpus: deterministic, k chosen, every story has a distribution, transform."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from analisi.temi.campione import carica_campione
from analisi.temi.misure import abbina_temi, etichetta_da_termini, jaccard_abbinato, npmi_finestre, npmi_temi
from analisi.temi.modello import ModelloTemi, carica_modello


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return carica_campione()


@pytest.fixture(scope="module")
def modello(corpus: list[dict]) -> ModelloTemi:
    return ModelloTemi().fit([r["testo"] for r in corpus], citabili=[r["citabile"] for r in corpus])


def _impronta(m: ModelloTemi) -> str:
    h = hashlib.sha256(m.components_.tobytes())
    h.update(m.pesi_documenti_.tobytes())
    h.update(json.dumps(m.riepilogo(), sort_keys=True).encode())
    return h.hexdigest()


def test_due_esecuzioni_danno_temi_identici(corpus: list[dict], modello: ModelloTemi) -> None:
    # The "done when": the theme model run twice on the sample corpus gives identical themes.
    di_nuovo = ModelloTemi().fit([r["testo"] for r in corpus], citabili=[r["citabile"] for r in corpus])
    assert _impronta(di_nuovo) == _impronta(modello)
    assert di_nuovo.etichette_ == modello.etichette_ and di_nuovo.termini_ == modello.termini_


@pytest.mark.lento
def test_scelta_di_k_in_processi_identica(corpus: list[dict], modello: ModelloTemi) -> None:
    # NARRAZIONI_ELABORAZIONE__PROCESSI reaches the choice of k (forked workers): the themes must not depend on it.
    in_processi = ModelloTemi(n_jobs=2).fit([r["testo"] for r in corpus], citabili=[r["citabile"] for r in corpus])
    assert in_processi.curva_k_ == modello.curva_k_ and in_processi.k_ == modello.k_
    assert (in_processi.components_ == modello.components_).all()
    assert (in_processi.pesi_documenti_ == modello.pesi_documenti_).all()
    assert in_processi.termini_ == modello.termini_


def test_k_scelto_nell_intervallo_con_criterio_documentato(modello: ModelloTemi) -> None:
    assert 4 <= modello.k_ <= 15
    # Coarse to fine: every other k of [4, 15], then the neighbours of the chosen and of the most stable k.
    calcolati = [c["k"] for c in modello.curva_k_]
    assert calcolati == sorted(calcolati) and set(range(4, 16, 2)) <= set(calcolati)
    piu_stabile = max(modello.curva_k_, key=lambda c: c["stabilita"])["k"]
    assert {v for c in (modello.k_, piu_stabile) for v in (c - 1, c + 1) if 4 <= v <= 15} <= set(calcolati)
    migliore_stabilita = max(c["stabilita"] for c in modello.curva_k_)
    candidati = [c for c in modello.curva_k_ if c["stabilita"] >= 0.9 * migliore_stabilita]
    assert [c["k"] for c in modello.curva_k_ if c["candidato"]] == [c["k"] for c in candidati]
    assert max(candidati, key=lambda c: (c["npmi"], -c["k"]))["k"] == modello.k_
    assert 0 < modello.stabilita_ <= 1 and modello.coerenza_media_ > 0


def test_ogni_racconto_ha_una_distribuzione(modello: ModelloTemi, corpus: list[dict]) -> None:
    pesi = modello.pesi_documenti_
    assert pesi.shape == (len(corpus), modello.k_)
    np.testing.assert_allclose(pesi.sum(axis=1), 1.0)
    assert np.isclose(modello.prevalenza_.sum(), 1.0)
    # no collapse into one bucket: every theme is the main theme of some story
    assert len(set(np.argmax(pesi, axis=1))) == modello.k_


def test_temi_hanno_etichetta_termini_e_dieci_frasi_citabili(modello: ModelloTemi, corpus: list[dict]) -> None:
    for j in range(modello.k_):
        assert modello.etichette_[j] and len(modello.termini_[j]) == 10
        citazioni = modello.citazioni_[j]
        assert 5 <= len(citazioni) <= 10
        for c in citazioni:
            racconto = corpus[c.documento]
            assert racconto["citabile"], "quotes come only from stories with quotation consent"
            assert racconto["testo"][c.inizio:c.fine] == c.testo
            assert len(c.testo) < 600  # a sentence, not a whole story
        assert max(sum(1 for c in citazioni if c.documento == d) for d in {c.documento for c in citazioni}) <= 2


def test_transform_assegna_senza_riadattare(modello: ModelloTemi, tmp_path: Path) -> None:
    prima = modello.components_.copy()
    nuovi = ["Cantavamo nel coro su Zoom ma le voci arrivavano in ritardo.", "", "[PERSONA_1] [TELEFONO_1]"]
    temi, pesi = modello.assegna(nuovi)
    np.testing.assert_array_equal(modello.components_, prima)
    assert temi[1] == -1 and temi[2] == -1 and temi[0] >= 0
    np.testing.assert_allclose(pesi.sum(axis=1), 1.0)
    assert "coro" in modello.termini_[temi[0]] or "cantare" in modello.termini_[temi[0]]
    percorso = modello.salva(tmp_path / "m.joblib")
    caricato = carica_modello(percorso)
    np.testing.assert_array_equal(caricato.transform(nuovi), modello.transform(nuovi))


def test_k_fisso_lda_e_non_adattato(corpus: list[dict]) -> None:
    testi = [r["testo"] for r in corpus]
    lda = ModelloTemi(k=6, algoritmo="lda").fit(testi)
    assert lda.k_ == 6 and lda.curva_k_ == [] and lda.components_.shape[0] == 6
    np.testing.assert_array_equal(lda.transform(testi[:3]), ModelloTemi(k=6, algoritmo="lda").fit(testi)
                                  .transform(testi[:3]))
    with pytest.raises(NotFittedError):
        ModelloTemi().transform(["testo"])
    with pytest.raises(ValueError, match="algoritmo"):
        ModelloTemi(algoritmo="bertopic").fit(testi)
    with pytest.raises(ValueError, match="semi"):
        ModelloTemi(algoritmo="lda", semi={"a": ["orto"]}).fit(testi)


def test_temi_guidati_dai_semi(corpus: list[dict]) -> None:
    semi = {"Salute e servizi": ["medico", "casa della salute", "servizi sociali", "assistente sociale"],
            "Caregiver": ["caregiver", "sollievo", "centro diurno", "parolainesistente"]}
    m = ModelloTemi(k=8, semi=semi).fit([r["testo"] for r in corpus])
    assert m.etichette_[:2] == ["Salute e servizi", "Caregiver"]
    assert {"medico", "assistente_sociale"} <= set(m.termini_[0])
    assert {"caregiver", "centro_diurno"} <= set(m.termini_[1])
    assert m.semi_ignorati_ == {"Caregiver": ["parolainesistente"]}


def test_corpus_piccolo_nessun_outlier() -> None:
    testi = ([f"Nel coro cantavamo insieme, le prove del coro il martedì {i}." for i in range(4)]
             + [f"Nell'orto ho piantato pomodori e zucchine, l'orto era bellissimo {i}." for i in range(4)]
             + [f"A scuola i ragazzi seguivano le lezioni online con la maestra {i}." for i in range(4)])
    m = ModelloTemi(k_min=2, k_max=5).fit(testi)
    temi, pesi = m.assegna(testi)
    assert (temi >= 0).all()
    np.testing.assert_allclose(pesi.sum(axis=1), 1.0)
    assert len(set(temi[:4])) == 1 and len(set(temi[4:8])) == 1 and temi[0] != temi[4] != temi[8]


def test_misure() -> None:
    presenze = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1]])
    vocab = {"a": 0, "b": 1, "c": 2}
    npmi = npmi_temi([["a", "b"], ["a", "c"]], presenze, vocab)
    assert npmi[0] > 0 and npmi[1] == -1.0
    # windows of 10 tokens: a and b adjacent (1 window of 4 shared), a and c never within 10 tokens
    documenti = [["a", "b"] + ["x"] * 10 + ["c"]] * 3
    assert npmi_finestre([["a", "b"], ["a", "c"]], documenti) == [0.5, -1.0]
    assert jaccard_abbinato([["a", "b"], ["c", "d"]], [["c", "d"], ["a", "b"]]) == 1.0
    assert jaccard_abbinato([["a", "b"]], [["c", "d"]]) == 0.0
    vecchi = [{"coro": 1.0, "cantare": 0.5}, {"orto": 1.0, "pomodoro": 0.3}]
    nuovi = [{"orto": 0.9, "zucchine": 0.2}, {"scuola": 1.0}, {"coro": 0.8, "voce": 0.1}]
    assert abbina_temi(vecchi, nuovi) == {0: 1, 2: 0}
    assert etichetta_da_termini(["fare_la_spesa", "spesa", "vicino", "anziano"]) == "Fare la spesa, vicino, anziano"


def test_diffusione_su_un_esempio_costruito() -> None:
    import math

    from analisi.temi.misure import diffusione_temi

    pesi = np.array([
        [1.0, 0.0, 0.5],  # A
        [1.0, 0.0, 0.5],  # A
        [0.0, 0.5, 0.5],  # B
        [0.0, 0.5, 0.5],  # C
        [0.0, 1.0, 0.0],  # no association: left out of the shares
    ])
    d = diffusione_temi(pesi, ["A", "A", "B", "C", None])
    assert d[0]["quota_principale"] == 1.0 and d[0]["entropia_normalizzata"] == 0.0
    assert d[0]["associazione_principale"] == "A" and d[0]["quote"] == {"A": 1.0, "B": 0.0, "C": 0.0}
    assert d[1]["quote"] == {"B": 0.5, "C": 0.5, "A": 0.0}  # ties by name
    assert d[1]["entropia_normalizzata"] == round(math.log(2) / math.log(3), 4)
    assert d[2]["quota_principale"] == 0.5 and d[2]["entropia_normalizzata"] == round(
        -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25)) / math.log(3), 4)
    assert all(x["n_associazioni"] == 3 for x in d)
    assert diffusione_temi(pesi, [None] * 5)[0]["quota_principale"] is None


def test_specificita_dei_termini() -> None:
    from analisi.temi.misure import specificita_termini

    # 3 associations of 5 stories; term 0 only in A, term 1 everywhere, term 2 in A and B, term 3 nowhere counted
    gruppi = ["A"] * 5 + ["B"] * 5 + ["C"] * 5 + [None]
    x = np.zeros((16, 4))
    x[:5, 0] = 1
    x[:15, 1] = 1
    x[:2, 2] = 1
    x[5:7, 2] = 1
    x[15, 3] = 1
    s = specificita_termini(x, gruppi)
    assert s[0] == 1.0 and abs(s[1] - 1 / 3) < 1e-12 and abs(s[2] - 0.5) < 1e-12 and s[3] == 0.0
    # an association with fewer stories than the minimum gives no evidence
    assert specificita_termini(x, ["A"] * 5 + ["B"] * 5 + ["C"] * 5 + ["D"], minimo_racconti=5).tolist() == s.tolist()
    assert specificita_termini(x, ["A"] * 16).tolist() == [0.0] * 4


def test_temi_trasversali_deterministici_e_senza_parole_di_una_associazione() -> None:
    from analisi.temi.campione import carica_campione

    storie = carica_campione()
    testi, associazioni = [r["testo"] for r in storie], [r["associazione"] for r in storie]
    nomi = sorted({a for a in associazioni if a})
    primo = ModelloTemi(k=7, random_state=3, nomi_da_ignorare=nomi).fit(testi, associazioni=associazioni)
    secondo = ModelloTemi(k=7, random_state=3, nomi_da_ignorare=nomi).fit(testi, associazioni=associazioni)
    a1, p1 = primo.assegna(testi)
    a2, p2 = secondo.assegna(testi)
    assert a1.tolist() == a2.tolist() and np.array_equal(p1, p2)
    assert max(d["quota_principale"] for d in primo.diffusione_) <= 0.4
    tolti = dict(primo.termini_specifici_)
    assert "coro" not in primo.termini_vocabolario_ and tolti["coro"] > 0.4
    assert primo.riepilogo()["temi"][0]["diffusione_associazioni"] == primo.diffusione_[0]
    # without associations: no filter, no spread
    senza = ModelloTemi(k=7, random_state=3, nomi_da_ignorare=nomi).fit(testi)
    assert senza.diffusione_ is None and not senza.termini_specifici_ and "coro" in senza.termini_vocabolario_


def test_etichetta_con_token_possessivo() -> None:
    assert etichetta_da_termini(["moglie", "aiutare", "mio_moglie", "spesa"]) == "Moglie, aiutare, spesa"
    assert etichetta_da_termini(["mio_madre", "madre", "casa"]) == "Madre, casa"


def test_sfoltisci_toglie_solo_i_valori_minimi_di_ogni_riga() -> None:
    from scipy import sparse

    from analisi.temi.calcolo import sfoltisci

    x = sparse.csr_matrix(np.array([[1.0, 0.01, 0.5], [0.0, 0.0, 0.0], [0.02, 0.0, 0.3]]))
    y = sfoltisci(x, 0.05)
    # row 0: 0.01 < 5 % of 1.0 goes; row 2: 0.02 >= 5 % of 0.3 stays; the empty row stays empty
    np.testing.assert_array_equal(y.toarray(), [[1.0, 0.0, 0.5], [0.0, 0.0, 0.0], [0.02, 0.0, 0.3]])
    assert y.nnz == 4 and x.nnz == 5  # a copy: the input is untouched
