"""schema iniziale

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "associazioni",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nome", sa.String(length=200), nullable=False),
        sa.Column("tipo", sa.String(length=80), nullable=True),
        sa.Column("descrizione", sa.Text(), nullable=True),
        sa.Column("creata_il", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nome"),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quando", sa.DateTime(), nullable=False),
        sa.Column("chi", sa.String(length=80), nullable=False),
        sa.Column("azione", sa.String(length=80), nullable=False),
        sa.Column("oggetto", sa.String(length=120), nullable=True),
        sa.Column("dettagli", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_quando"), ["quando"], unique=False)

    op.create_table(
        "consensi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("versione", sa.String(length=40), nullable=False),
        sa.Column("testo", sa.Text(), nullable=False),
        sa.Column("testo_citazione", sa.Text(), nullable=True),
        sa.Column("valido_dal", sa.Date(), nullable=False),
        sa.Column("creato_il", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("versione"),
    )
    op.create_table(
        "esecuzioni",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("iniziata_il", sa.DateTime(), nullable=False),
        sa.Column("finita_il", sa.DateTime(), nullable=True),
        sa.Column("comando", sa.String(length=80), nullable=False),
        sa.Column("config_hash", sa.String(length=64), nullable=False),
        sa.Column("stadi", sa.JSON(), nullable=False),
        sa.Column("modello", sa.JSON(), nullable=True),
        sa.Column("versioni", sa.JSON(), nullable=False),
        sa.Column("stato", sa.String(length=20), nullable=False),
        sa.Column("elaborati", sa.JSON(), nullable=False),
        sa.Column("errore", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "utenti",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nome_utente", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("ruolo", sa.String(length=20), nullable=False),
        sa.Column("attivo", sa.Boolean(), nullable=False),
        sa.Column("creato_il", sa.DateTime(), nullable=False),
        sa.Column("ultimo_accesso", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nome_utente"),
    )
    op.create_table(
        "racconti",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("codice", sa.String(length=40), nullable=False),
        sa.Column("fonte", sa.String(length=200), nullable=True),
        sa.Column("id_esterno", sa.String(length=200), nullable=True),
        sa.Column("titolo", sa.String(length=300), nullable=True),
        sa.Column("associazione_id", sa.Integer(), nullable=True),
        sa.Column("associazione_altra", sa.String(length=200), nullable=True),
        sa.Column("quartiere", sa.String(length=120), nullable=True),
        sa.Column("fascia_eta", sa.String(length=20), nullable=True),
        sa.Column("ruolo", sa.String(length=40), nullable=True),
        sa.Column("periodo", sa.String(length=40), nullable=True),
        sa.Column("data_racconto", sa.Date(), nullable=True),
        sa.Column("canale", sa.String(length=20), nullable=False),
        sa.Column("inviato_il", sa.DateTime(), nullable=False),
        sa.Column("consenso_id", sa.Integer(), nullable=False),
        sa.Column("consenso_citazione", sa.Boolean(), nullable=False),
        sa.Column("ricevuta_hash", sa.String(length=128), nullable=True),
        sa.Column("impronta", sa.String(length=64), nullable=False),
        sa.Column("autovalutazione", sa.JSON(), nullable=True),
        sa.Column("parole", sa.Integer(), nullable=False),
        sa.Column("testo_anon", sa.Text(), nullable=True),
        sa.Column("stato_anon", sa.String(length=20), nullable=False),
        sa.Column("visibile", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["associazione_id"], ["associazioni.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["consenso_id"],
            ["consensi.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("codice"),
        sa.UniqueConstraint("fonte", "id_esterno", name="uq_racconti_fonte_id"),
        sa.UniqueConstraint("ricevuta_hash"),
    )
    with op.batch_alter_table("racconti", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_racconti_impronta"), ["impronta"], unique=False)
        batch_op.create_index(batch_op.f("ix_racconti_visibile"), ["visibile"], unique=False)

    op.create_table(
        "temi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("esecuzione_id", sa.Integer(), nullable=True),
        sa.Column("indice", sa.Integer(), nullable=False),
        sa.Column("etichetta", sa.String(length=200), nullable=False),
        sa.Column("etichetta_manuale", sa.Boolean(), nullable=False),
        sa.Column("termini", sa.JSON(), nullable=False),
        sa.Column("prevalenza", sa.Float(), nullable=False),
        sa.Column("attivo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["esecuzione_id"], ["esecuzioni.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "assegnazioni_tema",
        sa.Column("racconto_id", sa.Integer(), nullable=False),
        sa.Column("tema_id", sa.Integer(), nullable=False),
        sa.Column("peso", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["racconto_id"], ["racconti.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tema_id"], ["temi.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("racconto_id", "tema_id"),
    )
    op.create_table(
        "entita",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("racconto_id", sa.Integer(), nullable=False),
        sa.Column("inizio", sa.Integer(), nullable=False),
        sa.Column("fine", sa.Integer(), nullable=False),
        sa.Column("etichetta", sa.String(length=40), nullable=False),
        sa.Column("segnaposto", sa.String(length=60), nullable=False),
        sa.Column("punteggio", sa.Float(), nullable=False),
        sa.Column("fonte", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["racconto_id"], ["racconti.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("entita", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entita_racconto_id"), ["racconto_id"], unique=False)

    op.create_table(
        "frasi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("racconto_id", sa.Integer(), nullable=False),
        sa.Column("indice", sa.Integer(), nullable=False),
        sa.Column("inizio", sa.Integer(), nullable=False),
        sa.Column("fine", sa.Integer(), nullable=False),
        sa.Column("testo", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["racconto_id"], ["racconti.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("racconto_id", "indice", name="uq_frasi_racconto_indice"),
    )
    op.create_table(
        "revisioni",
        sa.Column("racconto_id", sa.Integer(), nullable=False),
        sa.Column("motivi", sa.JSON(), nullable=False),
        sa.Column("stato", sa.String(length=20), nullable=False),
        sa.Column("creata_il", sa.DateTime(), nullable=False),
        sa.Column("revisore", sa.String(length=80), nullable=True),
        sa.Column("rivista_il", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["racconto_id"], ["racconti.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("racconto_id"),
    )
    op.create_table(
        "stati_stadio",
        sa.Column("racconto_id", sa.Integer(), nullable=False),
        sa.Column("stadio", sa.String(length=80), nullable=False),
        sa.Column("versione", sa.Integer(), nullable=False),
        sa.Column("stato", sa.String(length=20), nullable=False),
        sa.Column("messaggio", sa.Text(), nullable=True),
        sa.Column("esecuzione_id", sa.Integer(), nullable=True),
        sa.Column("aggiornato_il", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["esecuzione_id"], ["esecuzioni.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["racconto_id"], ["racconti.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("racconto_id", "stadio"),
    )
    op.create_table(
        "testi_grezzi",
        sa.Column("racconto_id", sa.Integer(), nullable=False),
        sa.Column("testo_cifrato", sa.LargeBinary(), nullable=True),
        sa.Column("mappa_cifrata", sa.LargeBinary(), nullable=True),
        sa.Column("approvato_il", sa.DateTime(), nullable=True),
        sa.Column("eliminato_il", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["racconto_id"], ["racconti.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("racconto_id"),
    )
    op.create_table(
        "codici",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("frase_id", sa.Integer(), nullable=False),
        sa.Column("codice", sa.String(length=80), nullable=False),
        sa.Column("fonte", sa.String(length=20), nullable=False),
        sa.Column("probabilita", sa.Float(), nullable=True),
        sa.Column("valore", sa.Boolean(), nullable=False),
        sa.Column("autore", sa.String(length=120), nullable=False),
        sa.Column("creato_il", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["frase_id"], ["frasi.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("codici", schema=None) as batch_op:
        batch_op.create_index("ix_codici_codice_fonte", ["codice", "fonte"], unique=False)
        batch_op.create_index("ix_codici_frase", ["frase_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("codici", schema=None) as batch_op:
        batch_op.drop_index("ix_codici_frase")
        batch_op.drop_index("ix_codici_codice_fonte")

    op.drop_table("codici")
    op.drop_table("testi_grezzi")
    op.drop_table("stati_stadio")
    op.drop_table("revisioni")
    op.drop_table("frasi")
    with op.batch_alter_table("entita", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entita_racconto_id"))

    op.drop_table("entita")
    op.drop_table("assegnazioni_tema")
    op.drop_table("temi")
    with op.batch_alter_table("racconti", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_racconti_visibile"))
        batch_op.drop_index(batch_op.f("ix_racconti_impronta"))

    op.drop_table("racconti")
    op.drop_table("utenti")
    op.drop_table("esecuzioni")
    op.drop_table("consensi")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_quando"))

    op.drop_table("audit")
    op.drop_table("associazioni")
