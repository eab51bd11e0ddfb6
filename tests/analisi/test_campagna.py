"""Learning a campaign's language: choosing units to label and adapting the coder to a person's labels."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from analisi.codifica.campagna import (
    CodificatoreAdattato,
    Esempio,
    carica_modello,
    incertezza,
    leggi_esempi,
    proba_unita,
    scegli_unita,
)
from analisi.codifica.codebook import CODICI
from analisi.codifica.lotto import ErroreIngresso
from analisi.codifica.modello import CodificatoreFrasi
from tests.conftest import RADICE

# A campaign whose proposals use a wording the base coder was not taught: "mozione:" lines.
PROPOSTE = [f"Mozione {i}: il centro civico apra la sala prove ai ragazzi del rione {i}." for i in range(12)]
ALTRE = [f"Il rione {i} ha una sala prove e un centro civico con le finestre blu." for i in range(12)]


@pytest.fixture(scope="module")
def base() -> CodificatoreFrasi:
    frasi = ["Servirebbe un punto di ascolto nel quartiere.", "Propongo di aprire la biblioteca la sera.",
             "Chiediamo al Comune più panchine.", "Bisognerebbe aiutare chi è solo.",
             "La mattina facevo la spesa.", "Avevo paura per mia madre.", "Non so se riapriremo a settembre.",
             "La sera guardavo la televisione.", "Mi sentivo sola in casa.", "Temo che il lavoro non torni.",
             "Sarebbe utile un servizio a domicilio.", "Ogni giorno cucinavo per i miei figli."]
    codici = [{"proposta"}] * 4 + [{"vita_quotidiana"}, {"ansia"}, {"preoccupazione_futuro"}, {"vita_quotidiana"},
                                   {"ansia"}, {"preoccupazione_futuro"}, {"proposta"}, {"vita_quotidiana"}]
    return CodificatoreFrasi(calibrazione=None, ngrammi_caratteri=None).fit(frasi * 2, codici * 2)


def test_adapted_coder_learns_the_campaign_wording(base: CodificatoreFrasi) -> None:
    esempi = [Esempio(f"p{i}", t, frozenset({"proposta"})) for i, t in enumerate(PROPOSTE[:8])]
    esempi += [Esempio(f"a{i}", t, frozenset()) for i, t in enumerate(ALTRE[:8])]
    nuove = PROPOSTE[8:] + ALTRE[8:]
    prima = base.predict_proba(nuove)[:, 3]
    adattato = CodificatoreAdattato(base=base).fit(esempi)
    dopo = adattato.predict_proba(nuove)[:, 3]
    assert (dopo[:4] >= 0.5).all() and (dopo[4:] < 0.5).all()
    assert dopo[:4].mean() > prima[:4].mean()
    # codes the person never labelled positive stay as the base says
    np.testing.assert_allclose(adattato.predict_proba(nuove)[:, 1], base.predict_proba(nuove)[:, 1])


def test_unit_of_several_sentences_lends_its_code_to_the_likeliest_sentence(base: CodificatoreFrasi) -> None:
    unita = Esempio("u", "Il rione ha una sala prove. Servirebbe un punto di ascolto nel quartiere.",
                    frozenset({"proposta"}))
    adattato = CodificatoreAdattato(base=base).fit([unita, *[Esempio(f"a{i}", t, frozenset())
                                                             for i, t in enumerate(ALTRE[:4])]])
    c = adattato.codifica(["Il rione ha una sala prove.", "Servirebbe un punto di ascolto nel quartiere."])
    assert "proposta" not in c[0].etichette and "proposta" in c[1].etichette


def test_adapted_coder_reweighs_the_base_features_and_picks_its_threshold(base: CodificatoreFrasi) -> None:
    esempi = [Esempio(f"p{i}", t, frozenset({"proposta"})) for i, t in enumerate(PROPOSTE[:8])]
    esempi += [Esempio(f"a{i}", t, frozenset()) for i, t in enumerate(ALTRE[:8])]
    adattato = CodificatoreAdattato(base=base, mescola=1.0).fit(esempi)  # the adaptation alone
    larghezza_base = base._matrice(["x"], adatta=False).shape[1]
    coef = adattato.classificatori_["proposta"].coef_
    assert coef.shape[1] == len(CODICI) + len(adattato.parole_.vocabulary_) + larghezza_base
    assert np.abs(coef[0, -larghezza_base:]).sum() > 0  # the base's own features are re-weighed
    # the cut comes from cross-validated predictions of the labels: a logit shift per learned code
    assert set(adattato.spostamenti_) == set(adattato.classificatori_)
    nuove = PROPOSTE[8:] + ALTRE[8:]
    z = adattato.classificatori_["proposta"].decision_function(
        adattato._caratteristiche(nuove, *adattato._base(nuove))) + adattato.spostamenti_["proposta"]
    np.testing.assert_allclose(adattato.predict_proba(nuove)[:, 3], 1 / (1 + np.exp(-z)))
    semplice = CodificatoreAdattato(base=base, usa_matrice_base=False, soglia_cv=False).fit(esempi)
    assert semplice.spostamenti_ == {}
    assert semplice.classificatori_["proposta"].coef_.shape[1] == len(CODICI) + len(semplice.parole_.vocabulary_)


def test_not_fitted_raises() -> None:
    with pytest.raises(NotFittedError):
        CodificatoreAdattato().predict_proba(["x"])


def test_scegli_prefers_uncertain_and_diverse_units(base: CodificatoreFrasi) -> None:
    unita = [(f"c{i}", "Servirebbe un punto di ascolto nel quartiere.") for i in range(5)]
    unita += [(f"d{i}", t) for i, t in enumerate(PROPOSTE[:5])]
    scelti = scegli_unita(unita, 4, base)
    assert len(scelti) == len(set(scelti)) == 4
    assert scelti == scegli_unita(unita, 4, base)  # deterministic
    # five identical confident proposals: at most one is worth a person's time
    assert sum(unita[i][0].startswith("c") for i in scelti) <= 1
    u = incertezza(proba_unita(base, [t for _, t in unita]))
    assert u[5:].mean() > u[:5].mean()


def test_leggi_esempi_rejects_unknown_codes() -> None:
    assert leggi_esempi(io.StringIO('{"id": "1", "text": "x", "codes": []}\n'))[0].codici == frozenset()
    with pytest.raises(ErroreIngresso, match="riga 1: codici sconosciuti"):
        leggi_esempi(io.StringIO('{"id": "1", "text": "x", "codes": ["desiderio"]}\n'))
    with pytest.raises(ErroreIngresso, match="riga 2"):
        leggi_esempi(io.StringIO('{"id": "1", "text": "x", "codes": []}\n{"id": "2", "text": "y"}\n'))


@pytest.mark.lento
def test_cli_scegli_addestra_codifica_round_trip(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(RADICE), "NARRAZIONI_ARCHIVIO__CARTELLA_DATI": str(tmp_path / "dati")}

    def cli(*a: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "narrazioni", *map(str, a)], env=env, capture_output=True,
                              text=True, timeout=300)

    pool = [{"id": f"p{i}", "text": t} for i, t in enumerate(PROPOSTE)] + \
        [{"id": f"a{i}", "text": t} for i, t in enumerate(ALTRE)]
    (tmp_path / "pool.jsonl").write_text("".join(json.dumps(r) + "\n" for r in pool), encoding="utf-8")
    r = cli("codifica", "scegli", tmp_path / "pool.jsonl", tmp_path / "scelti.jsonl", "--n", "10")
    assert r.returncode == 0, r.stderr
    scelti = [json.loads(x) for x in (tmp_path / "scelti.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(scelti) == 10 and {s["id"] for s in scelti} <= {p["id"] for p in pool}
    esempi = [{**s, "codes": ["proposta"] if s["id"].startswith("p") else []} for s in scelti]
    (tmp_path / "esempi.jsonl").write_text("".join(json.dumps(e) + "\n" for e in esempi), encoding="utf-8")
    r = cli("codifica", "addestra", "--esempi", tmp_path / "esempi.jsonl", "--modello", tmp_path / "m")
    assert r.returncode == 0, r.stderr
    assert isinstance(carica_modello(tmp_path / "m"), CodificatoreAdattato)
    r = cli("codifica", "scegli", tmp_path / "pool.jsonl", tmp_path / "s2.jsonl", "--n", "5", "--modello",
            tmp_path / "m")
    assert r.returncode == 0, r.stderr
    r = cli("codifica", tmp_path / "pool.jsonl", tmp_path / "out.jsonl", "--modello", tmp_path / "m")
    assert r.returncode == 0, r.stderr
    righe = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["id"] for r in righe} == {p["id"] for p in pool}
    r = cli("codifica", "addestra", "--esempi", tmp_path / "pool.jsonl", "--modello", tmp_path / "m2")
    assert r.returncode != 0 and r.stderr.startswith("errore:") and "Traceback" not in r.stderr
    r = cli("codifica", tmp_path / "pool.jsonl", tmp_path / "o.jsonl", "--modello", tmp_path / "vuota")
    assert r.returncode != 0 and r.stderr.startswith("errore:") and "Traceback" not in r.stderr


def test_model_saved_with_other_rule_features_is_not_compatible(base: CodificatoreFrasi) -> None:
    import sklearn

    from analisi.codifica.modello import versione_compatibile

    attuale = copy.deepcopy(base)
    attuale.info_["sklearn"] = sklearn.__version__  # as salva() records it
    assert versione_compatibile(attuale)
    vecchio = copy.deepcopy(attuale)
    vecchio.info_["regole"] = vecchio.info_["regole"][:-1]  # saved before a rule feature was added
    assert not versione_compatibile(vecchio)


def test_a_code_with_too_few_labels_to_check_stays_with_the_base(base: CodificatoreFrasi) -> None:
    esempi = [Esempio(f"p{i}", t, frozenset({"proposta"})) for i, t in enumerate(PROPOSTE[:8])]
    esempi += [Esempio(f"a{i}", t, frozenset()) for i, t in enumerate(ALTRE[:8])]
    esempi += [Esempio("x0", "Avevo tanta paura di uscire.", frozenset({"ansia"}))]
    nuove = ["Mi sentivo sola e avevo paura.", *ALTRE[8:]]
    adattato = CodificatoreAdattato(base=base).fit(esempi)
    # one anxious unit cannot show by cross-validation that the adaptation ranks better: the base decides
    assert "ansia" not in adattato.classificatori_ and "ansia" not in adattato.spostamenti_base_
    np.testing.assert_allclose(adattato.predict_proba(nuove)[:, 1], base.predict_proba(nuove)[:, 1])
    assert "proposta" in adattato.classificatori_
    senza = CodificatoreAdattato(base=base, verifica_cv=False).fit(esempi)
    assert "ansia" in senza.classificatori_


def test_stacked_model_learns_the_campaign_wording_on_top_of_the_base(base: CodificatoreFrasi) -> None:
    esempi = [Esempio(f"p{i}", t, frozenset({"proposta"})) for i, t in enumerate(PROPOSTE[:8])]
    esempi += [Esempio(f"a{i}", t, frozenset()) for i, t in enumerate(ALTRE[:8])]
    adattato = CodificatoreAdattato(base=base, impila=True, mescola=1.0).fit(esempi)
    assert set(adattato.impilati_) == {"proposta"} and adattato.classificatori_ == {}
    lr, peso, spostamento = adattato.impilati_["proposta"]
    assert peso > 0 and lr.C in (0.3, 1.0, 3.0, 10.0)
    nuove = PROPOSTE[8:] + ALTRE[8:]
    dopo = adattato.predict_proba(nuove)[:, 3]
    assert (dopo[:4] >= 0.5).all() and (dopo[4:] < 0.5).all()
    # the stacked score is the base's logit plus the weighted campaign model, shifted to the cut
    z = (np.log(base.predict_proba(nuove)[:, 3] / (1 - base.predict_proba(nuove)[:, 3]))
         + peso * lr.decision_function(adattato._campagna([t.lower() for t in nuove])) + spostamento)
    np.testing.assert_allclose(dopo, 1 / (1 + np.exp(-z)), rtol=1e-3)


def test_stacked_model_falls_back_to_the_base_when_cv_says_it_does_not_help() -> None:
    from analisi.codifica.campagna import _logit

    rng = np.random.default_rng(0)
    y = np.array([1] * 12 + [0] * 28)
    l_base = np.where(y == 1, 2.0, -2.0) + rng.normal(0, 0.1, len(y))  # the base already ranks the labels perfectly
    rumore = rng.random((len(y), 30))
    from scipy import sparse

    scelta = CodificatoreAdattato(impila=True)._impilato(y, l_base, sparse.csr_matrix(rumore), np.arange(len(y)))
    assert scelta is not None
    peso, _, spostamento = scelta
    assert peso == 0.0  # out of fold, words that are noise cannot beat the base: the base decides
    # with the cut re-fitted on the labels: the shifted base labels them all right
    assert ((l_base + spostamento >= _logit(np.array([0.5]))[0]) == y.astype(bool)).all()
    # too few positives to check: no choice at all (the caller keeps the base)
    assert CodificatoreAdattato(impila=True)._impilato(y[8:], l_base[8:], sparse.csr_matrix(rumore[8:]),
                                                       np.arange(32)) is None



def test_adapted_logit_is_mixed_with_the_base_logit(base: CodificatoreFrasi) -> None:
    """The final proposta logit is ``mescola`` × the adapted logit + (1 − mescola) × the base's (round 7)."""
    esempi = [Esempio(f"p{i}", t, frozenset({"proposta"})) for i, t in enumerate(PROPOSTE[:8])]
    esempi += [Esempio(f"a{i}", t, frozenset()) for i, t in enumerate(ALTRE[:8])]
    nuove = PROPOSTE[8:] + ALTRE[8:]
    solo = CodificatoreAdattato(base=base, mescola=1.0).fit(esempi)
    misto = CodificatoreAdattato(base=base).fit(esempi)
    assert misto.mescola == 0.5
    assert "proposta" in misto.classificatori_

    def logit(p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 1e-4, 1 - 1e-4)
        return np.asarray(np.log(p / (1 - p)))

    atteso = 0.5 * logit(solo.predict_proba(nuove)[:, 3]) + 0.5 * logit(base.predict_proba(nuove)[:, 3])
    np.testing.assert_allclose(logit(misto.predict_proba(nuove)[:, 3]), atteso, atol=1e-6)
    assert not np.allclose(misto.predict_proba(nuove)[:, 3], solo.predict_proba(nuove)[:, 3])
