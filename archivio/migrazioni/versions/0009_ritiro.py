"""withdrawal that erases everywhere: a store generation counter, duplicate receipts that withdraw only
their own submission

- ``generazioni``: named counters bumped by every withdrawal; the dashboard's caches key on them, so a
  withdrawn story leaves every cached table at the next click.
- ``ricevute.completa``: an extra receipt withdraws the whole story only when the same sender sent the
  text again (a double click); a receipt got by someone else who re-sent a known text withdraws only
  their own submission. Existing extra receipts cannot tell: they become partial (nobody can erase
  another narrator's story).
- ``racconti.mittente``: HMAC of the form's CSRF token under the form process's secret, kept only for the
  duplicate window (cleared afterwards): it tells a double click from another sender.

Revision ID: 0009_ritiro
Revises: 0008_guida
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_ritiro"
down_revision = "0008_guida"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generazioni",
        sa.Column("nome", sa.String(length=40), nullable=False),
        sa.Column("valore", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("nome"),
    )
    op.execute("INSERT INTO generazioni (nome, valore) VALUES ('racconti', 0)")
    # plain ADD COLUMN (no table copy: the full-text triggers on racconti stay as they are)
    op.add_column("ricevute", sa.Column("completa", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("racconti", sa.Column("mittente", sa.String(length=64), nullable=True))
    # every form batch clears the senders older than the window: an index keeps that to the few recent rows
    op.create_index("ix_racconti_mittente", "racconti", ["mittente"])


def downgrade() -> None:
    op.drop_index("ix_racconti_mittente", table_name="racconti")
    if op.get_bind().dialect.name == "sqlite":
        # native DROP COLUMN (SQLite >= 3.35): alembic would copy the table and lose the full-text triggers
        op.execute("ALTER TABLE racconti DROP COLUMN mittente")
        op.execute("ALTER TABLE ricevute DROP COLUMN completa")
    else:
        op.drop_column("racconti", "mittente")
        op.drop_column("ricevute", "completa")
    op.drop_table("generazioni")
