"""dashboard: full-text index on the anonymised text, indexes for the dashboard's filters

SQLite: an FTS5 table over ``racconti.testo_anon`` (external content, so the text is stored once) kept in
sync by triggers, whoever writes the story (pipeline, review page, withdrawal). PostgreSQL: a GIN index on
``to_tsvector('italian', testo_anon)``, the expression the dashboard's search uses.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SQLITE = [
    # remove_diacritics 2: "perche" finds "perché"; Italian has no FTS5 stemmer, prefix queries cover it.
    "CREATE VIRTUAL TABLE racconti_fts USING fts5(testo_anon, content='racconti', content_rowid='id', "
    "tokenize=\"unicode61 remove_diacritics 2\")",
    "CREATE TRIGGER racconti_fts_ai AFTER INSERT ON racconti WHEN new.testo_anon IS NOT NULL BEGIN "
    "INSERT INTO racconti_fts(rowid, testo_anon) VALUES (new.id, new.testo_anon); END",
    "CREATE TRIGGER racconti_fts_ad AFTER DELETE ON racconti WHEN old.testo_anon IS NOT NULL BEGIN "
    "INSERT INTO racconti_fts(racconti_fts, rowid, testo_anon) VALUES ('delete', old.id, old.testo_anon); "
    "END",
    # ONE update trigger: SQLite does not promise an order between two triggers on the same event
    "CREATE TRIGGER racconti_fts_au AFTER UPDATE OF testo_anon ON racconti BEGIN "
    "INSERT INTO racconti_fts(racconti_fts, rowid, testo_anon) "
    "SELECT 'delete', old.id, old.testo_anon WHERE old.testo_anon IS NOT NULL; "
    "INSERT INTO racconti_fts(rowid, testo_anon) SELECT new.id, new.testo_anon "
    "WHERE new.testo_anon IS NOT NULL; "
    "END",
    "INSERT INTO racconti_fts(racconti_fts) VALUES ('rebuild')",
]

_POSTGRES = [
    "CREATE INDEX ix_racconti_testo_fts ON racconti "
    "USING gin (to_tsvector('italian', coalesce(testo_anon, '')))",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for istruzione in _SQLITE:
            op.execute(istruzione)
    else:
        for istruzione in _POSTGRES:
            op.execute(istruzione)
    # the dashboard filters stories by association and reads a sentence's codes by (sentence, code, source)
    op.create_index("ix_racconti_associazione_id", "racconti", ["associazione_id"])
    op.create_index("ix_codici_frase_codice_fonte", "codici", ["frase_id", "codice", "fonte"])
    op.create_index("ix_assegnazioni_tema_tema_id", "assegnazioni_tema", ["tema_id"])


def downgrade() -> None:
    op.drop_index("ix_assegnazioni_tema_tema_id", table_name="assegnazioni_tema")
    op.drop_index("ix_codici_frase_codice_fonte", table_name="codici")
    op.drop_index("ix_racconti_associazione_id", table_name="racconti")
    if op.get_bind().dialect.name == "sqlite":
        for nome in ("racconti_fts_ai", "racconti_fts_ad", "racconti_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {nome}")
        op.execute("DROP TABLE IF EXISTS racconti_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_racconti_testo_fts")
