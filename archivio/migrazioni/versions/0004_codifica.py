"""Piano di Zona area and scheda of proposal sentences

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "piano_frasi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("frase_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("scheda", sa.String(length=40), nullable=True),
        sa.Column("punteggio", sa.Float(), nullable=True),
        sa.Column("fonte", sa.String(length=20), nullable=False),
        sa.Column("autore", sa.String(length=120), nullable=False),
        sa.Column("creato_il", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["frase_id"], ["frasi.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("piano_frasi", schema=None) as batch_op:
        batch_op.create_index("ix_piano_frasi_frase", ["frase_id"], unique=False)
        batch_op.create_index("ix_piano_frasi_area_fonte", ["area", "fonte"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("piano_frasi", schema=None) as batch_op:
        batch_op.drop_index("ix_piano_frasi_area_fonte")
        batch_op.drop_index("ix_piano_frasi_frase")
    op.drop_table("piano_frasi")
