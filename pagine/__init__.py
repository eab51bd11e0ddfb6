"""The dashboard's pages (Streamlit). ``dashboard.py`` is only the router; ``comune.py`` says which role may
open which page (one table), checks the session on the server at every run and holds the shared widgets.

Login: our own, on the store, not streamlit-authenticator — password hashes stay in the database (argon2),
never in a YAML file beside the app; failed logins are rate-limited and every login, export and review is
an audit row in the store; roles are read from the database at every page run and every download, so a
deactivated user or a changed role takes effect at once. See ``comune.py``.
"""
