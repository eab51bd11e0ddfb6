"""additional receipts of a story (the same text sent again within the duplicate window)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only the receipt's hash and the story it withdraws: no time, no client, nothing else.
    op.create_table(
        "ricevute",
        sa.Column("ricevuta_hash", sa.String(length=128), nullable=False),
        sa.Column("racconto_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["racconto_id"], ["racconti.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ricevuta_hash"),
    )
    with op.batch_alter_table("ricevute", schema=None) as batch_op:
        batch_op.create_index("ix_ricevute_racconto_id", ["racconto_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ricevute", schema=None) as batch_op:
        batch_op.drop_index("ix_ricevute_racconto_id")
    op.drop_table("ricevute")
