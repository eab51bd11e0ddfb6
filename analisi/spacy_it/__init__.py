"""The Italian spaCy pipeline shipped with Narrazioni, ``it_narrazioni``: its components, training and
evaluation, and the fitted pipeline itself (``it_narrazioni/``). Loaded only through ``analisi.lingua.carica_italiano``.
"""
