"""Alembic environment: the engine comes from the caller (archivio.db.migra), never from a config file."""

from __future__ import annotations

from alembic import context

from archivio.tabelle import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic revision --autogenerate` run by a developer
    from archivio.db import crea_engine

    engine = crea_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///sviluppo.db")

with engine.connect() as conn:
    context.configure(connection=conn, target_metadata=Base.metadata,
                      render_as_batch=conn.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
    conn.commit()
