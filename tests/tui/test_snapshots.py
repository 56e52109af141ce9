"""Snapshots of the main views at 80x24 and 120x40, in both languages.

Deterministic: fixed clock, seeded demo, no animation. Regenerate only on purpose:
`pytest tests/tui/test_snapshots.py --snapshot-update`, then look at the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

import pytest
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter
from textual.pilot import Pilot

from kameng_tui.backends.demo import DemoBackend, DemoPlatform
from kameng_tui.config import Profile
from kameng_tui.domain.clock import ManualClock
from kameng_tui.i18n import Lang
from kameng_tui.tui.app import KamengApp
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


class SixteenColours(LineFilter):
    """What a 16-colour terminal (TERM=xterm) shows: every colour downgraded the way Textual's
    console does it on output (rich's `Color.downgrade`). The screenshot console always renders
    truecolor and TEXTUAL_COLOR_SYSTEM only reaches the output console, so the downgrade is
    done here, as the last line filter."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text, _sixteen(style) if style is not None else None, control)
            for text, style, control in segments
        ]


@lru_cache(1024)
def _sixteen(style: Style) -> Style:
    color = style.color.downgrade(ColorSystem.STANDARD) if style.color else None
    bgcolor = style.bgcolor.downgrade(ColorSystem.STANDARD) if style.bgcolor else None
    return style + Style(color=color, bgcolor=bgcolor)


# theme, 16 colours
THEME_CASES: dict[str, tuple[str, bool]] = {
    "dark": ("textual-dark", False),
    "light": ("textual-light", False),
    "dark-16-colours": ("textual-dark", True),
    "light-16-colours": ("textual-light", True),
}


def _in_theme(theme: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        pilot.app.theme = theme
        await _settle(pilot)

    return run_before


@pytest.mark.parametrize("case", list(THEME_CASES))
def test_main_view_by_theme(snap_compare: Any, make_app: AppFactory, case: str) -> None:
    """The main view at 120x40 in a dark and a light theme, in truecolor and in 16 colours:
    every status badge its own colour, the cursor bar across the whole row."""
    theme, sixteen = THEME_CASES[case]
    app = make_app()
    if sixteen:
        app._filters.append(SixteenColours())
    assert snap_compare(app, terminal_size=(120, 40), run_before=_in_theme(theme))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_merged_shops(
    snap_compare: Any, clock: ManualClock, lang: str, size: tuple[int, int]
) -> None:
    """Two shops as one view: the Shop column, and (at 120) the Shops section of the sidebar."""
    shops = []
    for name, seed in (("north", 7), ("south", 8)):
        backend = DemoBackend(DemoPlatform(seed=seed, orders=150, clock=clock))
        backend.profile = name
        shops.append((Profile(name, "demo"), backend))
    app = KamengApp(shops[0][1], lang=Lang(lang), clock=clock, shops=shops, title="desk")
    app.animation_level = "none"
    assert snap_compare(app, terminal_size=size, run_before=_settle)
