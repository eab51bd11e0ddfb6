"""The audit log: one row per action, never the content of a story."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archivio.tabelle import Audit


def registra(s: Session, chi: str, azione: str, oggetto: str | None = None,
             dettagli: dict[str, Any] | None = None) -> None:
    s.add(Audit(chi=chi, azione=azione, oggetto=oggetto, dettagli=dettagli))


def ultime(s: Session, limite: int = 100) -> list[Audit]:
    return list(s.scalars(select(Audit).order_by(Audit.id.desc()).limit(limite)))
