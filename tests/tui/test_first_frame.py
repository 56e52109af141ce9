"""The first frame: the first shop's first page is asked for as the app starts and applied
before the orders screen's first layout, which is rendered once (nothing while Textual batches
its start, see textual_fixes), and the next page is asked for only once that frame is painted."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input

from kameng_tui.backends.base import Backend, SyncResult
from kameng_tui.backends.demo import DemoBackend, DemoPlatform
from kameng_tui.domain.clock import ManualClock
from kameng_tui.i18n import Lang
from kameng_tui.store.history import HistoryStore
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen
from tests.tui.test_app import settle


class Recording(DemoBackend):
    def __init__(self, platform: DemoPlatform, events: list[str]) -> None:
        super().__init__(platform)
        self.events = events

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        self.events.append(f"fetch {cursor}")
        return await super().fetch_changes(cursor)


async def test_the_first_layout_holds_the_first_page_and_the_next_waits_for_its_paint(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    platform = DemoPlatform(seed=7, orders=3000, clock=clock)  # pages of 250, 250, 500, ...
    app = KamengApp(Recording(platform, events), lang=Lang.EN, clock=clock)
    layout = OrdersScreen._refresh_layout
    display = App._display

    def laying_out(screen: OrdersScreen, *args: Any, **kwargs: Any) -> None:
        events.append(f"layout {len(screen.book)}")
        layout(screen, *args, **kwargs)

    def displaying(app: App[None], screen: Screen[Any], renderable: Any) -> None:
        if isinstance(screen, OrdersScreen) and renderable is not None:
            events.append(f"paint {len(screen.book)} batched={bool(app._batch_count)}")
        display(app, screen, renderable)

    monkeypatch.setattr(OrdersScreen, "_refresh_layout", laying_out)
    monkeypatch.setattr(App, "_display", displaying)
    async with app.run_test(size=(120, 40)) as pilot:
        # The app's first and only screen: not pushed over an empty one (two screens styled
        # and laid out for the first frame).
        assert app.screen_stack == [app.orders_screen]
        screen = await settle(app, pilot)
        assert len(screen.book) == 3000
    assert events[0] == "fetch None"
    layouts = [e for e in events if e.startswith("layout")]
    assert layouts[0] == "layout 250"  # laid out first with the first page, never empty
    paints = [e for e in events if e.startswith("paint")]
    assert paints[0] == "paint 250 batched=False"  # the first render is the one shown
    assert not [p for p in paints if "batched=True" in p]
    second = next(e for e in events if e.startswith("fetch") and e != "fetch None")
    assert events.index(paints[0]) < events.index(second)


async def test_a_slow_first_page_still_shows_the_screen_with_the_last_known_orders(
    clock: ManualClock, tmp_path: Path
) -> None:
    store = HistoryStore(tmp_path / "history.sqlite3")
    first = KamengApp(
        DemoBackend(DemoPlatform(seed=7, orders=300, clock=clock)), clock=clock, history=store
    )
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(first, pilot)
        await first.workers.wait_for_complete()

    gate = asyncio.Event()

    class Slow(Backend):
        platform = "demo"
        profile = "demo"

        async def fetch_changes(self, cursor: str | None) -> SyncResult:
            await gate.wait()
            return SyncResult([], "end", 0)

    store = HistoryStore(tmp_path / "history.sqlite3")
    app = KamengApp(Slow(), clock=clock, history=store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.orders_screen
        await screen._mounted_event.wait()  # after FIRST_PAGE_WAIT, without the page
        await pilot.pause()  # painted: the last run's orders are being read
        await asyncio.gather(*(w.wait() for w in app.workers if w.group == "history"))
        await pilot.pause()
        assert app.screen is screen and len(screen.book) == 300
        assert screen.syncer.running and screen.syncer.last_success is None
        assert "last known data (stale)" in screen.header.render().plain
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.syncer.last_success is not None


async def test_the_search_box_is_mounted_when_first_asked_for(clock: ManualClock) -> None:
    app = KamengApp(DemoBackend(DemoPlatform(seed=7, orders=300, clock=clock)), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        assert not screen.query(Input)  # not on the first screen: styled and laid out on `/`
        await pilot.press("slash")
        await pilot.pause()
        pane = screen.order_list.parent
        assert pane is not None and list(pane.children)[:3] == [
            screen.search,
            screen.search_error,
            screen.order_list,
        ]
        assert screen.search.has_focus
        await pilot.press("K", "M")
        await pilot.pause()
        assert screen.view.filter.search == "KM"
        await pilot.press("escape", "escape", "slash")  # hidden, then shown again: mounted once
        await pilot.pause()
        assert screen.search.has_focus and len(screen.query(Input)) == 1
