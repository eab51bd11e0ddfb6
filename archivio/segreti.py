"""Secrets that several processes of one service must share (e.g. the form's CSRF key), kept in the store.

Several form workers — on one machine or several, behind one proxy — read the same row, so a token signed by
one worker is accepted by another. The value is drawn once, by whichever process asks first.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from archivio.db import Archivio
from archivio.tabelle import Base
from archivio.tempo import adesso


class SegretoServizio(Base):
    """A random secret shared by the processes of a service, by name."""

    __tablename__ = "segreti_servizio"

    nome: Mapped[str] = mapped_column(String(40), primary_key=True)
    valore: Mapped[bytes] = mapped_column(LargeBinary)
    creato_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)


def segreto_condiviso(archivio: Archivio, nome: str, lunghezza: int = 32) -> bytes:
    """The secret ``nome``, created (``lunghezza`` random bytes) if no process has created it yet."""
    with archivio.lettura() as s:
        valore = s.scalar(select(SegretoServizio.valore).where(SegretoServizio.nome == nome))
    if valore is not None:
        return bytes(valore)
    try:
        with archivio.transazione() as s:
            s.add(SegretoServizio(nome=nome, valore=secrets.token_bytes(lunghezza)))
    except IntegrityError:
        pass  # another worker created it at the same moment: use theirs
    with archivio.lettura() as s:
        return bytes(s.scalars(select(SegretoServizio.valore).where(SegretoServizio.nome == nome)).one())
