"""The staff guide (docs/guida/): every picture it shows exists, and the script regenerates all of them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RADICE

GUIDA = RADICE / "docs" / "guida"
IMMAGINE = re.compile(r"!\[[^\]]+\]\((img/[^)]+\.png)\)")


def _citate() -> list[str]:
    return IMMAGINE.findall((GUIDA / "README.md").read_text(encoding="utf-8"))


def test_la_guida_cita_solo_immagini_prodotte_dallo_script() -> None:
    sys.path.insert(0, str(RADICE / "scripts"))
    try:
        import screenshot_guida
    finally:
        sys.path.remove(str(RADICE / "scripts"))
    citate = _citate()
    assert len(citate) == len(set(citate)) >= 10
    assert {Path(c).stem for c in citate} == set(screenshot_guida.SCHERMATE)
    registrate = {p.name for p in (GUIDA / "img").glob("*.png")}
    assert registrate == {Path(c).name for c in citate}  # no stale or missing picture in the repository
    for c in citate:
        assert (GUIDA / c).stat().st_size < 200_000


def test_collegamenti_interni_della_guida() -> None:
    testo = (GUIDA / "README.md").read_text(encoding="utf-8")
    titoli = {re.sub(r"[^\w\- ]", "", t.strip().lower()).replace(" ", "-")
              for t in re.findall(r"^#+ (.+)$", testo, flags=re.M)}
    for ancora in re.findall(r"\]\(#([^)]+)\)", testo):
        assert ancora in titoli, ancora
    for relativo in re.findall(r"\]\((\.\./[^)#]+)", testo):
        assert (GUIDA / relativo).resolve().exists(), relativo


@pytest.mark.lento
@pytest.mark.browser
def test_lo_script_rigenera_ogni_immagine(tmp_path: Path) -> None:
    from PIL import Image

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed")
    uscita = tmp_path / "img"
    r = subprocess.run([sys.executable, str(RADICE / "scripts" / "screenshot_guida.py"), "--uscita", str(uscita),
                        "--dati", str(tmp_path / "dati")], cwd=tmp_path, capture_output=True, text=True,
                       timeout=1500)
    assert r.returncode == 0, r.stderr[-3000:]
    for citata in _citate():
        prodotta = uscita / Path(citata).name
        assert prodotta.is_file(), citata
        with Image.open(prodotta) as immagine:
            assert immagine.size == (1280, 800)
            colori = immagine.convert("RGB").getcolors(maxcolors=256 * 256)
            assert colori is not None and len(colori) > 8  # a real page, not a blank or an error screen
