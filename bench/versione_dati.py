"""Time ricevute.versione_dati (the fingerprint the dashboard reads at every click) on a store with 10 000
stories and 300 000 sentences and codes (synthetic rows, SQLite).

    PYTHONPATH=. python bench/versione_dati.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from archivio import ricevute
from archivio.db import Archivio, migra
from archivio.impostazioni import carica_impostazioni
from raccolta.consenso import registra_consenso

RACCONTI = ("insert into racconti (codice, canale, consenso_id, consenso_citazione, impronta, parole, testo_anon, "
            "stato_anon, visibile, inviato_il) values (?, 'modulo', ?, 0, ?, 300, ?, 'approvato', 1, '2026-01-01')")
FRASI = "insert into frasi (racconto_id, indice, inizio, fine, testo) values (?, ?, 0, 10, 'una frase qualsiasi')"
CODICI = ("insert into codici (frase_id, codice, fonte, probabilita, valore, autore, creato_il) "
          "values (?, 'ansia', 'modello', 0.9, 1, 'm', '2026-01-01')")


def main() -> None:
    cartella = Path(tempfile.mkdtemp())
    url = f"sqlite:///{cartella / 'n.db'}"
    archivio = Archivio(url)
    migra(archivio)
    imp = carica_impostazioni(archivio={"cartella_dati": cartella, "database_url": url})
    registra_consenso(archivio, imp.modulo.versione_consenso)
    with archivio.engine.begin() as c:
        consenso = c.exec_driver_sql("select id from consensi").scalar()
        c.exec_driver_sql(RACCONTI, [(f"R-{i}", consenso, f"h{i}", "parola " * 300) for i in range(10_000)])
        c.exec_driver_sql(FRASI, [(1 + i // 30, i % 30) for i in range(300_000)])
        c.exec_driver_sql(CODICI, [(1 + i,) for i in range(300_000)])
    tempi = []
    for _ in range(50):
        inizio = time.perf_counter()
        with archivio.lettura() as s:
            ricevute.versione_dati(s)
        tempi.append(time.perf_counter() - inizio)
    tempi.sort()
    print(f"versione_dati: median {1000 * tempi[25]:.2f} ms, max {1000 * tempi[-1]:.2f} ms over 50 reads "
          "(10 000 stories, 300 000 sentences and codes)")


if __name__ == "__main__":
    main()
