"""Tables of the coding and Piano di Zona mapping (issue 5). Migration: ``0004_codifica``.

Sentence codes themselves live in ``codici`` (archivio/tabelle.py); this module adds where a proposal
sentence goes in the Piano di Zona: area and scheda, from the model (with a score) or from a person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from archivio.tabelle import Base
from archivio.tempo import adesso


class PianoFrase(Base):
    """Area and scheda of the Piano di Zona for a proposal sentence (model or person)."""

    __tablename__ = "piano_frasi"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    frase_id: Mapped[int] = mapped_column(ForeignKey("frasi.id", ondelete="CASCADE"))
    area: Mapped[str] = mapped_column(String(40))
    scheda: Mapped[str | None] = mapped_column(String(40))
    punteggio: Mapped[float | None] = mapped_column(Float)  # the model's calibrated confidence in ``area``
    seconda_area: Mapped[str | None] = mapped_column(String(40))  # the model's runner-up (migration 0007)
    punteggio_seconda: Mapped[float | None] = mapped_column(Float)
    fonte: Mapped[str] = mapped_column(String(20))  # modello | umano
    autore: Mapped[str] = mapped_column(String(120))  # username or mapper name@taxonomy version
    creato_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)

    __table_args__ = (
        Index("ix_piano_frasi_frase", "frase_id"),
        Index("ix_piano_frasi_area_fonte", "area", "fonte"),
    )
