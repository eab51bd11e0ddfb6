"""Counts follow the store at the next click, with no "Aggiorna i dati": an approval made elsewhere (the
CLI, another session) and a withdrawal change every number the pages show, together."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from analisi.anonimizzazione.revisione import approva_revisione
from archivio import ricevute
from archivio.cruscotto.revisioni import coda_revisione
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
        voce = coda_revisione(s)[0]
        approva_revisione(s, voce.racconto_id, [], ambiente.cifrario, ruolo="amministratore", chi="ada",
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


def test_versione_dati_cambia_con_l_elaborazione(ambiente: Ambiente) -> None:
    """A processing run (a code on a sentence, then the run's end) moves the fingerprint each time."""
    from sqlalchemy import select

    from archivio import esecuzioni
    from archivio.tabelle import Codice, Frase

    with ambiente.archivio.lettura() as s:
        prima = ricevute.versione_dati(s)
    with ambiente.archivio.transazione() as s:
        eid = esecuzioni.apri(s, "elabora", "h", ["codifica.v1"], {})
    with ambiente.archivio.lettura() as s:
        aperta = ricevute.versione_dati(s)
    assert aperta != prima
    with ambiente.archivio.transazione() as s:
        frase = s.scalars(select(Frase.id)).first()
        s.add(Codice(frase_id=frase, codice="ansia", fonte="modello", probabilita=0.8, autore="m@1"))
    with ambiente.archivio.lettura() as s:
        codificata = ricevute.versione_dati(s)
    assert codificata != aperta
    with ambiente.archivio.transazione() as s:
        esecuzioni.chiudi(s, eid, {"codifica.v1": 1})
    with ambiente.archivio.lettura() as s:
        assert ricevute.versione_dati(s) != codificata
