"""The phases of :class:`analisi.anonimizzazione.motore.Anonimizzatore`, one module each, in the order a
story goes through them (:meth:`Anonimizzatore._elabora` calls them):

- :mod:`.candidati`: the allow-list and placeholders already there (``_protetti``), filters of the
  candidates (``_filtra``, ``_scarta_incerti``, places the story names), names in e-mail addresses, and the
  second pass once the names found are masked (``_secondo_giro``);
- :mod:`.ner`: the NER windows around candidate words (``_frasi_per_ner``) and the model's spans cleaned
  (``_da_ner``, ``_pulisci_ner``);
- :mod:`.risoluzione`: overlaps resolved and names merged (``_risolvi``), epithets (``_epiteti``);
- :mod:`.esito`: placeholders and mapping (through :mod:`..segnaposto`), review reasons and risk (``_esito``).

Each phase is a mixin over :class:`.base.BaseAnonimizzatore` (the state they read); the candidates from the
rules come from :mod:`..nomi` and :mod:`..riconoscitori`.
"""
