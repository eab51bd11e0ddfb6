"""The one JSONL reader of the batch contracts: one Italian error naming the line."""

from __future__ import annotations

import pytest

from analisi.jsonl import ErroreRigaJsonl, Racconto, UnitaEtichettata, leggi_jsonl
from archivio.errori import ErroreDati


def test_righe_valide_vuote_saltate_campi_extra_ignorati() -> None:
    righe = ['{"id": "a", "text": "uno", "altro": 1}\n', "\n", '{"id": "b", "text": "due", "codes": ["ansia"]}\n']
    assert [(n, r.id, r.text) for n, r in leggi_jsonl(righe, Racconto)] == [(1, "a", "uno"), (3, "b", "due")]


@pytest.mark.parametrize("riga, motivo", [
    ("{non json", "JSON non valido"),
    ('"testo"', 'atteso un oggetto JSON {"id": ..., "text": ..., "codes": ...}'),
    ('{"id": "a", "text": 5, "codes": []}', 'campo "text" mancante o non stringa'),
    ('{"id": "a", "text": "x"}', 'campo "codes" mancante o non lista di stringhe'),
    ('{"id": "a", "text": "x", "codes": [1]}', 'campo "codes" mancante o non lista di stringhe'),
])
def test_riga_malformata(riga: str, motivo: str) -> None:
    righe = ['{"id": "z", "text": "ok", "codes": []}', riga]
    letti = []
    with pytest.raises(ErroreRigaJsonl) as info:
        letti.extend(leggi_jsonl(righe, UnitaEtichettata))
    assert [n for n, _ in letti] == [1]
    assert info.value.riga == 2 and str(info.value).startswith(f"riga 2: {motivo}")
    assert isinstance(info.value, ErroreDati) and isinstance(info.value, ValueError)
