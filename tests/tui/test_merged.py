"""Several shops in one view: one book keyed by shop and number, each shop polled on its own,
one failing or slow shop changing nothing about the others but its own line."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from kameng_tui.backends.base import Backend, BackendError, SyncResult
from kameng_tui.backends.demo import DemoBackend, DemoPlatform
from kameng_tui.config import Profile
from kameng_tui.domain.actions import Action
from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus
from kameng_tui.i18n import Lang
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen
from kameng_tui.tui.screens.shops import ShopsScreen
from tests.domain.factory import make_order
from tests.tui.shop import screen_text


class Scripted(Backend):
    """A shop whose answers the test decides: its orders, a failure, or a wait."""

    platform = "kameng"

    def __init__(self, name: str, orders: list[Order]) -> None:
        self.profile = name
        self.orders = {o.order_no: o for o in orders}
        self.error: str | None = None
        self.gate: asyncio.Event | None = None  # set: the next answer waits for it
        self.calls = 0
        self.acted: list[tuple[str, Action]] = []
        supported_actions = frozenset(Action)
        self.supported_actions = supported_actions

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise BackendError(self.error)
        return SyncResult(list(self.orders.values()), None, len(self.orders))

    async def perform(self, order_no: str, action: Action, text: str | None = None) -> Order:
        self.acted.append((order_no, action))
        order = self.orders[order_no]._replace(status=OrderStatus.CANCELLED)
        self.orders[order_no] = order
        return order


def merged_app(clock: ManualClock, *backends: Backend, lang: Lang = Lang.EN) -> KamengApp:
    shops = [(Profile(b.profile, "demo" if isinstance(b, DemoBackend) else "kameng"), b)
             for b in backends]  # fmt: skip
    app = KamengApp(backends[0], clock=clock, lang=lang, shops=shops, title="desk")
    app.animation_level = "none"
    return app


async def until(pilot: Pilot[None], done: Any, what: str) -> None:
    """Let the app run until `done()` (a condition, polled between frames)."""
    for _ in range(500):
        if done():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never: {what}")


async def test_one_number_in_two_shops_is_two_rows_each_routed_to_its_shop(
    clock: ManualClock,
) -> None:
    north = Scripted("north", [make_order(1, status=OrderStatus.PENDING_PAYMENT), make_order(2)])
    south = Scripted("south", [make_order(1, status=OrderStatus.PENDING_PAYMENT)])
    app = merged_app(clock, north, south)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.orders_screen
        assert isinstance(screen, OrdersScreen)
        screen.ticker.pause()
        assert len(screen.book) == 3 and screen.book.by_shop == {"north": 2, "south": 1}
        text = screen_text(app)
        assert "2 shops" in text or "desk" in text
        assert "Shop" in text and "north" in text and "south" in text

        # South's KM00000001, not north's: the action goes to south alone.
        south_key = next(o.key for o in screen.book if o.shop == "south")
        assert screen.order_list.select_order(south_key)
        screen._perform(screen.book.get(south_key), Action.CANCEL, None)  # as after y/n
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert south.acted == [("KM00000001", Action.CANCEL)] and north.acted == []
        assert screen.book.get(south_key).status is OrderStatus.CANCELLED  # type: ignore[union-attr]
        north_one = next(o for o in screen.book if o.shop == "north" and o.order_no == "KM00000001")
        assert north_one.status is OrderStatus.PENDING_PAYMENT

        # The sidebar's Shops section filters to one shop; search takes shop: too.
        screen._set_filter(shop="south")
        assert {o.shop for o in screen.view.rows} == {"south"}
        screen._set_filter(shop=None, search="shop:nor")
        assert {o.shop for o in screen.view.rows} == {"north"}


async def test_a_failing_and_a_slow_shop_change_nothing_for_the_fine_one(
    clock: ManualClock,
) -> None:
    fine = DemoBackend(DemoPlatform(seed=3, orders=40, clock=clock))
    fine.profile = "fine"
    slow = Scripted("slow", [make_order(n) for n in range(5)])
    down = Scripted("down", [make_order(n) for n in range(7)])
    slow.gate = asyncio.Event()
    app = merged_app(clock, fine, slow, down)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.orders_screen
        assert isinstance(screen, OrdersScreen)
        await until(pilot, lambda: screen.book.by_shop["fine"] == 40
                    and screen.book.by_shop["down"] == 7, "fine and down read")  # fmt: skip
        screen.ticker.pause()
        fine_syncer, slow_syncer, down_syncer = (s.syncer for s in screen.shops)
        assert slow_syncer.running and screen.book.by_shop["slow"] == 0

        # Down starts failing; its last data stays. Fine polls again on its own interval,
        # while slow's first poll is still waiting.
        down.error = "cannot connect to shop.example: connection refused"
        fine_polls = fine_syncer.polls
        clock.advance(60)
        screen._tick()
        await until(pilot, lambda: down_syncer.error is not None
                    and fine_syncer.polls > fine_polls, "down failed, fine polled")  # fmt: skip
        assert screen.book.by_shop["down"] == 7  # kept, marked stale in the sidebar
        header = screen.header.render().plain
        assert "1 failing: down" in header and "connection refused" in header
        assert fine_syncer.error is None and slow_syncer.running
        shops = screen.sidebar.shop_list
        prompts = [shops.get_option_at_index(i).prompt for i in range(shops.option_count)]
        marks = {str(p).split()[0]: str(p).split()[-1] for p in prompts[1:]}
        assert marks == {"fine": "✓", "slow": "…", "down": "✗"}

        # The shops view: one line each, and down's last error whole.
        await pilot.press("o")
        assert isinstance(app.screen, ShopsScreen)
        text = screen_text(app)
        assert "connection refused" in text and "fine" in text and "slow" in text
        await pilot.press("escape")

        # Slow answers at last; down comes back: every shop fine, nothing lost.
        slow.gate.set()
        down.error = None
        clock.advance(60)
        screen._tick()
        await until(pilot, lambda: screen.book.by_shop["slow"] == 5
                    and down_syncer.error is None, "slow read, down back")  # fmt: skip
        counts = screen.book.by_shop
        assert counts["slow"] == 5 and counts["down"] == 7 and counts["fine"] >= 40  # it sells on
        assert "failing" not in screen.header.render().plain


async def test_the_palette_finds_an_order_number_in_every_shop(clock: ManualClock) -> None:
    north = Scripted("north", [make_order(41), make_order(2)])
    south = Scripted("south", [make_order(41)])
    app = merged_app(clock, north, south)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.orders_screen
        screen.sidebar.choose(shop="north")  # the Shops section: hides south's
        await pilot.pause()
        assert {o.shop for o in screen.view.rows} == {"north"}
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"00000041")
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        hits = palette.query_one(CommandList)
        await until(pilot, lambda: hits.option_count == 2, "a hit in each shop")
        helps = sorted(str(hits.get_option_at_index(i).prompt) for i in range(2))
        assert "north ·" in helps[0] and "south ·" in helps[1]
        south_hit = next(
            i for i in range(2) if "south ·" in str(hits.get_option_at_index(i).prompt)
        )
        hits.highlighted = south_hit
        await pilot.press("enter")
        await pilot.pause()
        selected = screen.book.get(screen.order_list.selected_key or "")
        assert (
            selected is not None and selected.shop == "south" and selected.order_no == "KM00000041"
        )
