"""rate-limit bookkeeping (failed logins, withdrawal attempts)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tentativi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tipo", sa.String(length=40), nullable=False),
        sa.Column("chiave", sa.String(length=128), nullable=False),
        sa.Column("quando", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tentativi", schema=None) as batch_op:
        batch_op.create_index("ix_tentativi_tipo_chiave_quando", ["tipo", "chiave", "quando"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tentativi", schema=None) as batch_op:
        batch_op.drop_index("ix_tentativi_tipo_chiave_quando")

    op.drop_table("tentativi")
