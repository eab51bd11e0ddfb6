"""Piano di Zona: the model's second likeliest area and its confidence (top-2 shown in exports and pages)

Revision ID: 0010_esporta
Revises: 0009_ritiro
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_esporta"
down_revision = "0009_ritiro"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("piano_frasi", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seconda_area", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("punteggio_seconda", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("piano_frasi", schema=None) as batch_op:
        batch_op.drop_column("punteggio_seconda")
        batch_op.drop_column("seconda_area")
