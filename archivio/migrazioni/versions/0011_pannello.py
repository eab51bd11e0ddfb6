"""Dashboard sessions that survive a reload: hashed cookie tokens, revoked on logout

Revision ID: 0011_pannello
Revises: 0010_esporta
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_pannello"
down_revision = "0010_esporta"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessioni",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nome_utente", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("consegna_hash", sa.String(length=64), nullable=True),
        sa.Column("consegna_scade", sa.DateTime(), nullable=True),
        sa.Column("creata_il", sa.DateTime(), nullable=False),
        sa.Column("ultima_attivita", sa.DateTime(), nullable=False),
        sa.Column("scade_il", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("consegna_hash"),
    )
    with op.batch_alter_table("sessioni", schema=None) as batch_op:
        batch_op.create_index("ix_sessioni_nome_utente", ["nome_utente"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sessioni", schema=None) as batch_op:
        batch_op.drop_index("ix_sessioni_nome_utente")
    op.drop_table("sessioni")
