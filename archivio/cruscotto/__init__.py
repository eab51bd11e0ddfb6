"""The dashboard's store, split by noun (each module is the home of its queries; import from there):

- :mod:`archivio.cruscotto.filtri`: :class:`Filtri`, their SQL conditions and values, the codes/areas/themes that hold
- :mod:`archivio.cruscotto.indice_testo`: the full-text query parsed into terms and its SQL condition (FTS5/tsquery)
- :mod:`archivio.cruscotto.ricerca`: the stories a search finds (KWIC and excerpts: ``analisi.ricerca``)
- :mod:`archivio.cruscotto.citazioni`: a story with its coded sentences, the coded sentences to quote
- :mod:`archivio.cruscotto.aggregati`: counts over the filtered stories, per-story aggregates
- :mod:`archivio.cruscotto.revisioni`: the anonymisation review queue (decrypt, audit, approve)
- :mod:`archivio.cruscotto.coda_frasi`: the coding-review queue
- users, roles, retention, audit trail: :mod:`archivio.utenti`

This package re-exports those names for a short transition only (callers outside the repository); code in the
repository imports from the modules above.
"""

from __future__ import annotations

from archivio.cruscotto.aggregati import (
    aree_per_racconto,
    codici_per_data,
    codici_per_racconto,
    codici_per_racconto_tutti,
    conteggi_aree,
    conteggi_codice_associazione,
    conteggi_generali,
    frasi_di,
    frasi_per_racconto,
    quote_codici,
    racconti_filtrati,
    racconti_per_associazione,
    stato_elaborazione,
    temi_principali,
    testi_citabili,
    testi_visibili,
)
from archivio.cruscotto.citazioni import (
    FraseCodificata,
    FraseDaCitare,
    RaccontoCompleto,
    frasi_codificate,
    frasi_con_codici,
    racconto,
)
from archivio.cruscotto.coda_frasi import (
    CRITERI_CODIFICA,
    FraseInRevisione,
    avanzamento_codifica,
    coda_codifica,
    frase_in_revisione,
    testi_frasi,
)
from archivio.cruscotto.filtri import (
    CODICI_PRIMO_LIVELLO,
    NESSUNA_ASSOCIAZIONE,
    SOGLIA,
    Filtri,
    ValoriFiltri,
    condizioni,
    ids_filtrati,
    valori_filtri,
)
from archivio.cruscotto.indice_testo import Termine, analizza_ricerca, condizione_testo, ha_indice_testo
from archivio.cruscotto.revisioni import (
    DettaglioRevisione,
    InRevisione,
    coda_revisione,
    dettaglio_revisione,
    registra_approvazione,
    salva_mappa_revisione,
    testi_da_approvare,
)
from archivio.cruscotto.ricerca import RaccontoTrovato, testi_trovati, trovati
from archivio.errori import ErroreCruscotto, PermessoNegato
from archivio.utenti import (
    UtenteDettaglio,
    imposta_attivo,
    imposta_ruolo,
    stato_conservazione,
    stato_utente,
    ultimi_eventi,
    utenti,
)

__all__ = [
    "CODICI_PRIMO_LIVELLO",
    "CRITERI_CODIFICA",
    "NESSUNA_ASSOCIAZIONE",
    "SOGLIA",
    "DettaglioRevisione",
    "ErroreCruscotto",
    "Filtri",
    "FraseCodificata",
    "FraseDaCitare",
    "FraseInRevisione",
    "InRevisione",
    "PermessoNegato",
    "RaccontoCompleto",
    "RaccontoTrovato",
    "Termine",
    "UtenteDettaglio",
    "ValoriFiltri",
    "analizza_ricerca",
    "aree_per_racconto",
    "avanzamento_codifica",
    "coda_codifica",
    "coda_revisione",
    "codici_per_data",
    "codici_per_racconto",
    "codici_per_racconto_tutti",
    "condizione_testo",
    "condizioni",
    "conteggi_aree",
    "conteggi_codice_associazione",
    "conteggi_generali",
    "dettaglio_revisione",
    "frase_in_revisione",
    "frasi_codificate",
    "frasi_con_codici",
    "frasi_di",
    "frasi_per_racconto",
    "ha_indice_testo",
    "ids_filtrati",
    "imposta_attivo",
    "imposta_ruolo",
    "quote_codici",
    "racconti_filtrati",
    "racconti_per_associazione",
    "racconto",
    "registra_approvazione",
    "salva_mappa_revisione",
    "stato_conservazione",
    "stato_elaborazione",
    "stato_utente",
    "temi_principali",
    "testi_citabili",
    "testi_da_approvare",
    "testi_frasi",
    "testi_trovati",
    "testi_visibili",
    "trovati",
    "ultimi_eventi",
    "utenti",
    "valori_filtri",
]
