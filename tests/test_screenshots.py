"""The README's screenshots show today's screen: `make screenshots` renders them again, and a
screenshot that differs from a fresh render is older than the layout it shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_screenshot_matches_a_fresh_render(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "screenshots.py"), str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=ROOT,
        timeout=300,
    )
    fresh = sorted(p.name for p in tmp_path.glob("*.svg"))
    committed = sorted(p.name for p in (ROOT / "screenshots").glob("*.svg"))
    assert fresh == committed
    stale = [
        name
        for name in fresh
        if (tmp_path / name).read_bytes() != (ROOT / "screenshots" / name).read_bytes()
    ]
    assert not stale, f"run `make screenshots`: {stale} no longer show the screen"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"screenshots/{name}" in readme for name in fresh)
