"""secrets shared by the processes of a service (the form's CSRF key for several workers)

Revision ID: 0008_guida
Revises: 0007_campi
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_guida"
down_revision = "0007_campi"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "segreti_servizio",
        sa.Column("nome", sa.String(length=40), nullable=False),
        sa.Column("valore", sa.LargeBinary(), nullable=False),
        sa.Column("creato_il", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nome"),
    )


def downgrade() -> None:
    op.drop_table("segreti_servizio")
