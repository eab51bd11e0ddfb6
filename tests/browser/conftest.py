"""Browser fixtures: Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from scripts.browser_locale import ARGOMENTI_CHROMIUM, CHROMIUM


# Module scope: sync Playwright keeps an event loop running in this thread, which would break
# asyncio.run() in the non-browser tests that follow.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("NARRAZIONI_CI"):
            pytest.fail("Debian's chromium is missing (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGOMENTI_CHROMIUM, headless=True)
        yield b
        b.close()
