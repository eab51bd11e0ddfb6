"""The dashboard's store, split by noun (each module is the home of its queries; import from there):

- :mod:`archivio.cruscotto.filtri`: :class:`Filtri`, their SQL conditions and values, the codes/areas/themes that hold
- :mod:`archivio.cruscotto.indice_testo`: the full-text query parsed into terms and its SQL condition (FTS5/tsquery)
- :mod:`archivio.cruscotto.ricerca`: the stories a search finds (KWIC and excerpts: ``analisi.ricerca``)
- :mod:`archivio.cruscotto.citazioni`: a story with its coded sentences, the coded sentences to quote
- :mod:`archivio.cruscotto.aggregati`: counts over the filtered stories, per-story aggregates
- :mod:`archivio.cruscotto.revisioni`: the anonymisation review queue (decrypt, audit, approve)
- :mod:`archivio.cruscotto.coda_frasi`: the coding-review queue
- users, roles, retention, audit trail: :mod:`archivio.utenti`

Import from those modules; the package itself exports nothing.
"""
