"""Processing runs: configuration hash, stages, model and package versions, start and end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archivio.tabelle import Esecuzione
from archivio.tempo import adesso


def apri(s: Session, comando: str, config_hash: str, stadi: list[str], versioni: dict[str, str],
         modello: dict[str, Any] | None = None) -> int:
    e = Esecuzione(comando=comando, config_hash=config_hash, stadi=stadi, versioni=versioni, modello=modello)
    s.add(e)
    s.flush()
    return e.id


def chiudi(s: Session, esecuzione_id: int, elaborati: dict[str, int], errore: str | None = None) -> None:
    e = s.get(Esecuzione, esecuzione_id)
    if e is None:
        return
    e.finita_il = adesso()
    e.elaborati = elaborati
    e.stato = "fallita" if errore else "finita"
    e.errore = errore


def imposta_modello(s: Session, esecuzione_id: int, modello: dict[str, Any]) -> None:
    e = s.get(Esecuzione, esecuzione_id)
    if e is not None:
        e.modello = modello


def ultime(s: Session, limite: int = 20) -> list[Esecuzione]:
    return list(s.scalars(select(Esecuzione).order_by(Esecuzione.id.desc()).limit(limite)))
