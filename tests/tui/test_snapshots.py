"""Snapshots of the main views at 80x24 and 120x40, in both languages.

Deterministic: fixed clock, seeded demo, no animation. Regenerate only on purpose:
`pytest tests/tui/test_snapshots.py --snapshot-update`, then look at the report.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tests.helpers import AppFactory

SIZES = [(80, 24), (120, 40)]
LANGS = ["en", "zh"]

# view name: keys pressed once the first poll is on screen
VIEWS: dict[str, list[str]] = {
    "main": [],
    # the first order that needs attention: label, reason, who acts, next steps
    "detail": ["a", "j"],
    "help": ["question_mark"],
    # counts, delivery-time percentiles, failure reasons, orders per hour
    "stats": ["t"],
    # the actions an unpaid order allows, and the confirmation before cancelling it
    "actions": ["j", "A"],
    "confirm": ["j", "A", "down", "down", "enter"],
    # the appeal asks for its message
    "prompt": ["j", "A", "down", "enter"],
    # `b` toggles the sidebar: shown at 80 columns (hidden there by default), hidden at 120
    "sidebar": ["b", "j", "j"],
}


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", list(VIEWS))
def test_view(
    snap_compare: Any, make_app: AppFactory, view: str, lang: str, size: tuple[int, int]
) -> None:
    app = make_app(lang=lang)
    assert snap_compare(app, press=VIEWS[view], terminal_size=size, run_before=_settle)


def test_wide_layout_puts_details_beside_the_list(snap_compare: Any, make_app: AppFactory) -> None:
    assert snap_compare(make_app(), press=["j"], terminal_size=(180, 45), run_before=_settle)
