"""free-text fields: raw form encrypted, anonymised form in racconti; import file names hashed

- ``testi_grezzi.campi_cifrati``: the raw title, zone, "other association" and import file name, encrypted
  like the raw text. ``racconti.titolo``, ``quartiere`` and ``associazione_altra`` now hold the anonymised
  form, written by the anonymisation stage (PostgreSQL: TEXT, a placeholder may be longer than a word).
- Stories stored before this revision have those fields in clear: the anonymisation stage is reset for
  the ones whose raw text is still kept, so the next ``narrazioni elabora`` anonymises text and fields
  together, encrypts the raw fields and overwrites the clear ones.
- ``racconti.fonte`` and the ``importa`` audit entries held the import file's name (it may name a person):
  both now hold a hash of it (the same as ``archivio.racconti.impronta_fonte``).

Revision ID: 0007_campi
Revises: 0006
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath

import sqlalchemy as sa
from alembic import op

revision = "0007_campi"
down_revision = "0006"
branch_labels = None
depends_on = None

_PREFISSO = "file:"


def _impronta_fonte(nome: str) -> str:
    # keep in step with archivio.racconti.impronta_fonte (a migration does not import the live code)
    return _PREFISSO + hashlib.sha256(("narrazioni-fonte:" + nome).encode("utf-8")).hexdigest()[:40]


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:  # overwrite, do not just unlink, the clear values replaced below
        op.execute("PRAGMA secure_delete=ON")
    op.add_column("testi_grezzi", sa.Column("campi_cifrati", sa.LargeBinary(), nullable=True))
    if not sqlite:  # SQLite ignores VARCHAR lengths
        for colonna in ("titolo", "associazione_altra", "quartiere"):
            op.alter_column("racconti", colonna, type_=sa.Text(), existing_nullable=True)

    racconti = sa.table("racconti", sa.column("id", sa.Integer), sa.column("fonte", sa.String),
                        sa.column("titolo", sa.Text), sa.column("quartiere", sa.Text),
                        sa.column("associazione_altra", sa.Text))
    grezzi = sa.table("testi_grezzi", sa.column("racconto_id", sa.Integer),
                      sa.column("testo_cifrato", sa.LargeBinary))
    stati = sa.table("stati_stadio", sa.column("racconto_id", sa.Integer), sa.column("stadio", sa.String))
    audit = sa.table("audit", sa.column("id", sa.Integer), sa.column("azione", sa.String),
                     sa.column("oggetto", sa.String))

    da_rifare = sa.select(racconti.c.id).join(grezzi, grezzi.c.racconto_id == racconti.c.id).where(
        grezzi.c.testo_cifrato.is_not(None),
        sa.or_(racconti.c.titolo.is_not(None), racconti.c.quartiere.is_not(None),
               racconti.c.associazione_altra.is_not(None)))
    bind.execute(sa.delete(stati).where(stati.c.stadio == "anonimizza", stati.c.racconto_id.in_(da_rifare)))

    for rid, fonte in bind.execute(sa.select(racconti.c.id, racconti.c.fonte).where(
            racconti.c.fonte.is_not(None), racconti.c.fonte != "testo",
            sa.not_(racconti.c.fonte.startswith(_PREFISSO)))).all():
        bind.execute(sa.update(racconti).where(racconti.c.id == rid).values(fonte=_impronta_fonte(fonte)))
    for aid, oggetto in bind.execute(sa.select(audit.c.id, audit.c.oggetto).where(
            audit.c.azione == "importa", audit.c.oggetto.is_not(None),
            sa.not_(audit.c.oggetto.startswith(_PREFISSO)))).all():
        bind.execute(sa.update(audit).where(audit.c.id == aid)
                     .values(oggetto=_impronta_fonte(PurePath(oggetto).stem[:200])))


def downgrade() -> None:
    # The clear fields are not restored (the raw ones stay encrypted); only the schema goes back.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("racconti", "titolo", type_=sa.String(300), existing_nullable=True)
        op.alter_column("racconti", "associazione_altra", type_=sa.String(200), existing_nullable=True)
        op.alter_column("racconti", "quartiere", type_=sa.String(120), existing_nullable=True)
    with op.batch_alter_table("testi_grezzi") as batch:
        batch.drop_column("campi_cifrati")
