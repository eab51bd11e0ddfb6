"""The dashboard's pages (Streamlit). ``dashboard.py`` is only the router; the shared pieces, one module each:
``registro.py`` says which role may open which page (one table), ``sessione.py`` checks the session on the
server at every run, ``risorse.py`` holds the cached settings and store, ``filtri.py`` the filters sidebar,
``visualizza.py`` safe rendering (HTML, Markdown, charts), ``scaricamenti.py`` audited downloads and ``dati.py``
the cached loaders and their warm-up.

Login: our own, on the store, not streamlit-authenticator — password hashes stay in the database (argon2),
never in a YAML file beside the app; failed logins are rate-limited and every login, export and review is
an audit row in the store; roles are read from the database at every page run and every download, so a
deactivated user or a changed role takes effect at once. See ``sessione.py``.
"""
