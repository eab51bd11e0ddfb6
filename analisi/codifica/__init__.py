"""Sentence coding with the seed codebook (vita_quotidiana, ansia, preoccupazione_futuro, proposta).

Modules: ``codebook`` (codes), ``regole`` (Italian cue lexicons, mood and tense; rules-only baseline),
``modello`` (``CodificatoreFrasi``: rules + calibrated logistic regression; save/load; default model),
``accordo`` (Cohen's κ, Krippendorff's α), ``lotto`` (the ``narrazioni codifica IN OUT`` contract),
``addestra`` (retraining with human corrections), ``valuta`` (held-out evaluation), ``dati`` (corpus gold).
See ``MODEL_CARD.md``. Importing this package loads nothing.
"""
