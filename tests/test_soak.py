"""`make soak` in short: the tool still runs end to end and its figures stay well-formed.

The soak's thresholds (memory growth, duration) are the tool's business, not the test's: a few
seconds of polling say nothing about them. What must hold even then: every figure is there with
its type, the app and the server survive a flaky shop, and the exit status follows the figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[1] / "tools" / "soak.py"


def test_short_soak_prints_its_figures_and_nothing_escapes() -> None:
    done = subprocess.run(
        [sys.executable, str(SOAK), "--seconds", "4"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip(), done.stderr
    figures = json.loads(done.stdout)

    for key in ("polls", "polls_ok", "errors_handled", "unhandled", "orders"):
        assert isinstance(figures[key], int) and figures[key] >= 0, key
    for key in ("minutes", "interval_s", "fault_rate", "rss_warm_mb", "rss_end_mb", "growth_mb"):
        assert isinstance(figures[key], int | float), key
    assert figures["interval_s"] == 0.2 and figures["fault_rate"] == 0.2
    assert figures["rss_warm_mb"] > 0 and figures["rss_end_mb"] > 0
    # Each figure is rounded on its own: growth may differ from end - warm by one last digit.
    growth = figures["rss_end_mb"] - figures["rss_warm_mb"]
    assert abs(figures["growth_mb"] - growth) <= 0.1 + 1e-9
    # At most one poll can still be in flight when the soak stops.
    assert 0 <= figures["polls"] - figures["polls_ok"] - figures["errors_handled"] <= 1
    assert figures["polls_ok"] >= 1  # the first sync came through the faults
    assert figures["orders"] >= 300  # the demo shop's orders, and any that arrived
    assert sum(figures["errors"].values()) == figures["errors_handled"]

    assert figures["unhandled"] == 0, done.stderr
    assert "unhandled:" not in done.stderr
    # The exit status follows the figures: 1 only for memory growth once nothing escaped.
    assert done.returncode == (1 if figures["growth_mb"] >= 10 else 0), done.stderr
