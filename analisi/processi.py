"""The one count of usable CPU cores (the pipeline's worker processes, the themes' k search)."""

from __future__ import annotations

import os


def core_disponibili() -> int:
    """Cores this process may run on (its CPU affinity), not all the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
