"""One placeholder grammar: the coder, the Piano di Zona mapping and the themes read placeholders with the
anonymiser's own pattern, and importing it does not load the anonymiser or the store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analisi.anonimizzazione import segnaposto as sg


def test_le_stanze_usano_la_grammatica_dei_segnaposti() -> None:
    from analisi import piano
    from analisi.codifica import regole
    from analisi.temi import preprocessa

    assert regole.SEGNAPOSTO_RE is sg.SEGNAPOSTO_RE
    assert piano.SEGNAPOSTO_RE is sg.SEGNAPOSTO_RE
    assert sg.SEGNAPOSTO_INTERO in preprocessa._TOKEN.pattern
    assert re.fullmatch(sg.SEGNAPOSTO_INTERO, "[PERSONA_12]") and re.compile(sg.SEGNAPOSTO_INTERO).groups == 0


@pytest.mark.parametrize("segnaposto", ["[PERSONA_12]", "[SCUOLA]", "[CODICE_FISCALE]", "[CF]", "[LUOGO_1]"])
def test_ogni_segnaposto_e_tolto_o_spezza_il_segmento(segnaposto: str) -> None:
    from analisi.codifica.regole import pulisci
    from analisi.temi.preprocessa import segmenti

    assert pulisci(f"Ho parlato con {segnaposto} ieri.") == "Ho parlato con ieri."
    assert segmenti(f"parlato con {segnaposto} ieri sera") == [["parlato", "con"], ["ieri", "sera"]]


def test_importare_la_grammatica_non_carica_anonimizzatore_ne_archivio() -> None:
    codice = (
        "import sys\n"
        "from analisi.anonimizzazione.segnaposto import SEGNAPOSTO_RE\n"
        "pesanti = [m for m in ('analisi.anonimizzazione.motore', 'analisi.anonimizzazione.flusso', "
        "'archivio.racconti', 'sqlalchemy', 'spacy') if m in sys.modules]\n"
        "print(','.join(pesanti))\n"
    )
    radice = Path(__file__).resolve().parents[2]
    ambiente = {**os.environ, "PYTHONPATH": str(radice)}
    uscita = subprocess.run([sys.executable, "-c", codice], capture_output=True, text=True, check=True, cwd=radice,
                            env=ambiente)
    assert uscita.stdout.strip() == ""


def test_il_pacchetto_espone_ancora_la_sua_api() -> None:
    import analisi.anonimizzazione as pacchetto
    from analisi.anonimizzazione.motore import Anonimizzatore

    assert pacchetto.Anonimizzatore is Anonimizzatore
    assert set(pacchetto.__all__) <= set(dir(pacchetto))
    with pytest.raises(AttributeError):
        _ = pacchetto.NonEsiste  # type: ignore[attr-defined]
