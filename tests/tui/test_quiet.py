"""An idle tracker stays quiet: over SSH every repaint is bytes on the wire.

Time passing while the platform holds still may only move ages (the age cells, the detail's
title line) and attention markers; a routine poll must not repaint the header at all.
`make bench` measures the bytes; these tests pin down what is repainted.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Region
from textual.widget import Widget

from kameng_tui.backends.demo import DemoBackend, DemoPlatform
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.view import SortColumn
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.widgets.order_list import GUTTER
from tests.tui.test_app import refresh_now, settle


def still_app(clock: ManualClock) -> KamengApp:
    """The demo platform frozen at the start, while the app's clock moves on."""
    platform = DemoPlatform(seed=7, orders=300, clock=ManualClock(FIXED_EPOCH))
    app = KamengApp(DemoBackend(platform), interval=5.0, clock=clock)
    app.animation_level = "none"
    return app


class Repaints:
    """Records a widget's refresh calls: () for the whole widget, else the regions."""

    def __init__(self, widget: Widget) -> None:
        self.calls: list[tuple[Region, ...]] = []
        original = widget.refresh

        def spy(*regions: Region, **kwargs: Any) -> Widget:
            self.calls.append(regions)
            return original(*regions, **kwargs)

        widget.refresh = spy  # type: ignore[method-assign]


async def test_ages_ticking_over_repaint_only_their_cells(clock: ManualClock) -> None:
    app = still_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        columns = dict(screen.order_list._columns)
        age_width = next(w for c, w in columns.items() if c.sort is SortColumn.UPDATED)
        list_repaints = Repaints(screen.order_list)
        detail_repaints = Repaints(screen.detail)
        title_before = screen.detail.title_text()

        clock.advance(61)  # every "just now" on screen becomes "1m ago"
        screen._tick()
        await pilot.pause()

        # Markers may change too (orders turning stalled), but never the whole list at once.
        assert list_repaints.calls and all(regions for regions in list_repaints.calls)
        cells = [r for regions in list_repaints.calls for r in regions if r.width == age_width]
        assert cells and all(r.x == GUTTER and r.height == 1 for r in cells)
        # The detail's title line carries the age: that line alone.
        assert detail_repaints.calls == [(Region(0, 0, screen.detail.size.width, 1),)]
        assert screen.detail.title_text() != title_before
        assert "1m ago" in screen.detail.title_text()


async def test_a_routine_poll_leaves_the_header_alone(clock: ManualClock) -> None:
    app = still_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        header_repaints = Repaints(screen.header)
        for _ in range(3):
            clock.advance(5)
            await refresh_now(app, pilot)  # nothing changed on the platform
        assert screen.syncer.polls == 4
        assert header_repaints.calls == []
        assert "updated just now" in screen.header.render().plain


async def test_a_slow_poll_says_refreshing(clock: ManualClock) -> None:
    app = still_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        header = screen.header
        state = screen.syncer.state()
        running = type(state)(
            mode=type(state.mode).REFRESHING, interval=5.0, last_success=state.last_success
        )
        header.update(shown=300, total=300, age=0, state=running)
        assert "refreshing" not in header.render().plain  # a quick poll is not news
        header._busy_since = (header._busy_since or 0) - 2  # two seconds in flight
        header.update(shown=300, total=300, age=0, state=running)
        assert "refreshing" in header.render().plain
