"""Counts follow the store at the next click, with no "Aggiorna i dati": an approval made elsewhere (the
CLI, another session) and a withdrawal change every number the pages show, together."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from archivio import cruscotto as cq
from archivio import ricevute
from tests.dashboard.conftest import Ambiente


def _metriche(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_approvazione_altrove_cambia_i_numeri_al_clic_successivo(app: Callable[[str | None], AppTest],
                                                                 ambiente: Ambiente) -> None:
    at = app("anna")
    prima = _metriche(at)
    assert (prima["Racconti visibili"], prima["In revisione"]) == ("24", "1")
    with ambiente.archivio.lettura() as s:
        versione = ricevute.versione_dati(s)
    # the administrator approves the held story in another process (not through this session)
    with ambiente.archivio.transazione() as s:
        voce = cq.coda_revisione(s)[0]
        cq.approva_revisione(s, voce.racconto_id, [], ambiente.cifrario, ruolo="amministratore", chi="ada",
                             base_grezza=False)
    with ambiente.archivio.lettura() as s:
        assert ricevute.versione_dati(s) != versione
    at.run()  # the next click, nothing pressed
    dopo = _metriche(at)
    assert (dopo["Racconti visibili"], dopo["In revisione"]) == ("25", "0")
    assert dopo["Racconti in archivio"] == prima["Racconti in archivio"]
    # the filter values and the tables of the other pages come from the same state
    at.switch_page("pagine/esplora.py").run()
    assert any("25 racconti" in c.value for c in at.caption), [c.value for c in at.caption]


def test_versione_dati_invariata_senza_modifiche(ambiente: Ambiente) -> None:
    with ambiente.archivio.lettura() as s:
        a = ricevute.versione_dati(s)
    with ambiente.archivio.lettura() as s:
        assert ricevute.versione_dati(s) == a
