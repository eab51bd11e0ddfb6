"""Time helpers: naive UTC datetimes everywhere in the store (SQLite has no time zones)."""

from __future__ import annotations

from datetime import UTC, datetime


def adesso() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
