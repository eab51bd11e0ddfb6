"""The built-in pipeline stages, one module each, registered like plugins under versioned names.

The runner (:mod:`analisi.pipeline`) imports them by name (``MODULI_STADI``); nothing else in ``analisi``
imports this package (import-linter). Each stage is a :class:`~analisi.pipeline.StadioBase` that declares
the tables it reads (``legge``) and writes (``scrive``); ``elabora`` is pure, ``salva`` writes through the
store's functions in one transaction per batch.

- ``anonimizza.v1`` (:mod:`.anonimizza`): every new story; reads the decrypted raw text and fields; writes the
  anonymised text and fields, placeholders, the encrypted raw spans, review reasons.
- ``frasi.v1`` (:mod:`.frasi`): visible stories; anonymised text → sentences.
- ``codifica.v1`` (:mod:`.codifica`): sentences → model codes.
- ``piano.v1`` (:mod:`.piano`): proposal sentences and confirmed areas → model areas.
- ``temi.v1`` (:mod:`.temi`): anonymised text and the theme model → themes, assignments, quotes, model files.
"""
