"""themes: fitted model files and representative sentences

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "modelli_temi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creato_il", sa.DateTime(), nullable=False),
        sa.Column("percorso", sa.String(length=500), nullable=False),
        sa.Column("impronta", sa.String(length=64), nullable=False),
        sa.Column("algoritmo", sa.String(length=40), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("random_state", sa.Integer(), nullable=False),
        sa.Column("n_racconti", sa.Integer(), nullable=False),
        sa.Column("parametri", sa.JSON(), nullable=False),
        sa.Column("metriche", sa.JSON(), nullable=False),
        sa.Column("temi_ids", sa.JSON(), nullable=False),
        sa.Column("attivo", sa.Boolean(), nullable=False),
        sa.Column("autore", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("modelli_temi", schema=None) as batch_op:
        batch_op.create_index("ix_modelli_temi_attivo", ["attivo"], unique=False)
    op.create_table(
        "citazioni_tema",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tema_id", sa.Integer(), nullable=False),
        sa.Column("racconto_id", sa.Integer(), nullable=False),
        sa.Column("rango", sa.Integer(), nullable=False),
        sa.Column("inizio", sa.Integer(), nullable=False),
        sa.Column("fine", sa.Integer(), nullable=False),
        sa.Column("testo", sa.Text(), nullable=False),
        sa.Column("peso", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["racconto_id"], ["racconti.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tema_id"], ["temi.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("citazioni_tema", schema=None) as batch_op:
        batch_op.create_index("ix_citazioni_tema_tema_id", ["tema_id"], unique=False)
        batch_op.create_index("ix_citazioni_tema_racconto_id", ["racconto_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("citazioni_tema", schema=None) as batch_op:
        batch_op.drop_index("ix_citazioni_tema_racconto_id")
        batch_op.drop_index("ix_citazioni_tema_tema_id")
    op.drop_table("citazioni_tema")
    with op.batch_alter_table("modelli_temi", schema=None) as batch_op:
        batch_op.drop_index("ix_modelli_temi_attivo")
    op.drop_table("modelli_temi")
