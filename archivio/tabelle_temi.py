"""Tables for themes beyond ``temi`` and ``assegnazioni_tema`` (archivio/tabelle.py): the fitted model
files and the representative sentences of each theme. Migration 0005."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archivio.tabelle import Base
from archivio.tempo import adesso


class ModelloTemiRiga(Base):
    """A fitted theme model: the file in the data directory and what it was fitted with.

    ``temi_ids`` lists the ``temi`` rows of this model by theme index. One model is ``attivo`` at a time:
    new stories are assigned to its themes.
    """

    __tablename__ = "modelli_temi"

    id: Mapped[int] = mapped_column(primary_key=True)
    creato_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)
    percorso: Mapped[str] = mapped_column(String(500))
    impronta: Mapped[str] = mapped_column(String(64))  # SHA-256 of the file: a swapped file is refused
    algoritmo: Mapped[str] = mapped_column(String(40))
    k: Mapped[int] = mapped_column(Integer)
    random_state: Mapped[int] = mapped_column(Integer)
    n_racconti: Mapped[int] = mapped_column(Integer)
    parametri: Mapped[dict[str, Any]] = mapped_column(JSON)
    metriche: Mapped[dict[str, Any]] = mapped_column(JSON)
    temi_ids: Mapped[list[Any]] = mapped_column(JSON)
    attivo: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    autore: Mapped[str | None] = mapped_column(String(120))


class CitazioneTema(Base):
    """A representative sentence of a theme: offsets into ``racconti.testo_anon`` plus the snippet.

    Deleted with the story (withdrawal) or the theme.
    """

    __tablename__ = "citazioni_tema"

    id: Mapped[int] = mapped_column(primary_key=True)
    tema_id: Mapped[int] = mapped_column(ForeignKey("temi.id", ondelete="CASCADE"), index=True)
    racconto_id: Mapped[int] = mapped_column(ForeignKey("racconti.id", ondelete="CASCADE"), index=True)
    rango: Mapped[int] = mapped_column(Integer)
    inizio: Mapped[int] = mapped_column(Integer)
    fine: Mapped[int] = mapped_column(Integer)
    testo: Mapped[str] = mapped_column(Text)
    peso: Mapped[float] = mapped_column(Float)
