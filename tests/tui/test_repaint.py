"""A refresh repaints only what changed on screen: over SSH every repainted line is bytes.

`make bench` (tools/termbytes.py) measures the bytes of a poll changing 3 of 300 orders; these
tests pin down which lines such a poll repaints: the changed rows where they are (a re-sort
that would move rows on screen waits for the user's next move), the title line's "↑ N
updated", the sidebar counts that changed, the change bar, and nothing else.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot

from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen
from kameng_tui.tui.widgets.sidebar import Entry, FilterList
from tests.tui.shop import ShopBackend, list_lines, poll_again, screen_text, settled
from tests.tui.test_quiet import Repaints


def still_shop(clock: ManualClock) -> tuple[KamengApp, ShopBackend]:
    """300 demo orders that change only when a test changes them."""
    orders = DemoPlatform(seed=7, orders=300, clock=ManualClock(FIXED_EPOCH)).orders()
    backend = ShopBackend(orders)
    app = KamengApp(backend, interval=5.0, clock=clock)
    app.animation_level = "none"
    return app, backend


def change(backend: ShopBackend, orders: list[Order], clock: ManualClock) -> None:
    """These orders fail now: in the default sort (newest update first) they go to the top."""
    changed = {o.key: o._replace(status=OrderStatus.FAILED, updated_at=clock.now()) for o in orders}
    backend.orders = [changed.get(o.key, o) for o in backend.orders]


def shown(screen: OrdersScreen) -> list[str]:
    """The order numbers on the list's lines, as painted."""
    order_list = screen.order_list
    lines = [order_list.render_line(y).text for y in range(1, order_list.size.height)]
    return [next(w for w in line.split() if w.startswith("KM")) for line in lines if "KM" in line]


def lines_of(repaints: Repaints) -> list[int]:
    """The lines a widget's refresh calls asked for; fails on a whole-widget refresh."""
    assert all(repaints.calls), "the whole widget was repainted"
    regions = [r for regions in repaints.calls for r in regions]
    assert all(r.height == 1 for r in regions)
    return sorted({r.y for r in regions})


async def held_refresh(
    app: KamengApp, backend: ShopBackend, pilot: Pilot[None], clock: ManualClock
) -> tuple[OrdersScreen, Order, list[Order]]:
    """A poll that fails one order on screen (the 6th row) and two far below it."""
    screen = await settled(app, pilot)
    rows = screen.view.rows
    visible, hidden = rows[5], [rows[100], rows[200]]
    assert all(o.status is not OrderStatus.FAILED for o in [visible, *hidden])
    change(backend, [visible, *hidden], clock)
    return screen, visible, hidden


async def test_a_refresh_repaints_the_changed_rows_in_place_and_nothing_else(
    clock: ManualClock,
) -> None:
    app, backend = still_shop(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, visible, hidden = await held_refresh(app, backend, pilot, clock)
        order_list = screen.order_list
        before = shown(screen)
        selected = order_list.selected_key
        repaints = {
            "list": Repaints(order_list),
            "header": Repaints(screen.header),
            "details": Repaints(screen.detail),
            "statuses": Repaints(screen.sidebar.status_list),
            "types": Repaints(screen.sidebar.type_list),
            "change bar": Repaints(screen.change_bar),
            "list scroll bar": Repaints(order_list.vertical_scrollbar),
        }
        await poll_again(app, pilot)

        # The re-sort would bring all three to the top and shift every row below them: the
        # rows stay where they are, the one on screen repainted in place.
        assert {o.key for o in screen.view.rows[:3]} == {visible.key, *(o.key for o in hidden)}
        assert shown(screen) == before
        assert order_list.selected_key == selected
        line = before.index(visible.order_no) + 1
        assert "FAILED" in order_list.render_line(line).text
        # Its line, and the title line saying what the hold leaves out.
        assert lines_of(repaints["list"]) == [0, line]
        assert order_list.updated_above == {o.key for o in hidden}
        assert "↑ 2 updated" in order_list.render_line(0).text
        # Three statuses went one way: a few counts, each its own line.
        status_lines = lines_of(repaints["statuses"])
        assert 2 <= len(status_lines) <= 5
        assert repaints["types"].calls == []  # no type count changed
        assert len(repaints["change bar"].calls) == 1
        for quiet in ("header", "details", "list scroll bar"):
            assert repaints[quiet].calls == [], quiet


async def test_the_next_move_shows_the_view(clock: ManualClock) -> None:
    app, backend = still_shop(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, _, _ = await held_refresh(app, backend, pilot, clock)
        order_list = screen.order_list
        first = order_list.selected_key
        await poll_again(app, pilot)
        assert order_list.cursor == 0 and order_list.selected_key == first
        await pilot.press("j")
        await pilot.pause()
        # At the top of the list the newest come first again; j went to the order below.
        view = [o.order_no for o in screen.view.rows]
        assert shown(screen) == view[: len(shown(screen))]
        index = screen.view.index_of(first or "")
        assert index == 3
        assert order_list.selected_key == screen.view.rows[4].key
        assert not order_list.updated_above
        assert "updated" not in order_list.render_line(0).text


async def test_a_click_on_a_held_row_selects_the_order_shown_there(clock: ManualClock) -> None:
    app, backend = still_shop(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, _, _ = await held_refresh(app, backend, pilot, clock)
        await poll_again(app, pilot)
        on_line_4 = shown(screen)[3]
        await pilot.click(screen.order_list, offset=(20, 4))
        await pilot.pause()
        assert screen.order_list.selected is not None
        assert screen.order_list.selected.order_no == on_line_4


async def test_scrolling_away_from_held_rows_follows_the_view(clock: ManualClock) -> None:
    app, backend = still_shop(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, _, _ = await held_refresh(app, backend, pilot, clock)
        await poll_again(app, pilot)
        order_list = screen.order_list
        order_list.scroll_to(y=10, animate=False, immediate=True)  # the mouse wheel's way
        await pilot.pause()
        view = [o.order_no for o in screen.view.rows]
        assert shown(screen) == view[10 : 10 + len(shown(screen))]
        selected = order_list.selected_key
        assert selected is not None and order_list.cursor == screen.view.index_of(selected)


async def test_a_poll_that_moves_nothing_on_screen_repaints_only_its_rows(
    clock: ManualClock,
) -> None:
    app, backend = still_shop(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        order_list = screen.order_list
        # Orders changed without a newer update time keep their place in the default sort.
        rows = screen.view.rows
        failed = {o.key: o._replace(status=OrderStatus.FAILED) for o in (rows[2], rows[7])}
        assert all(o.status is not OrderStatus.FAILED for o in (rows[2], rows[7]))
        backend.orders = [failed.get(o.key, o) for o in backend.orders]
        list_repaints = Repaints(order_list)
        await poll_again(app, pilot)
        assert order_list._held is None  # nothing to hold: the lines follow the view
        assert lines_of(list_repaints) == [3, 8]


async def test_a_layout_elsewhere_leaves_the_list_scroll_bar_alone(clock: ManualClock) -> None:
    app, _ = still_shop(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        scroll_bar = Repaints(screen.order_list.vertical_scrollbar)
        screen.detail.refresh(layout=True)  # as when the details grow by a line
        await pilot.pause()
        assert scroll_bar.calls == []
        # Rows coming or going still move it.
        screen.apply_changes(screen.book.apply([], removed=[screen.view.rows[-1].key]))
        await pilot.pause()
        assert scroll_bar.calls


async def test_rows_coming_move_the_scroll_bar_without_a_layout(clock: ManualClock) -> None:
    # A page of a first sync adds rows below the screen: only the list's scroll bar changes
    # size, so the screen is not laid out again (at 100,000 orders each layout repainted every
    # widget). The screen must look as a full layout would leave it.
    app, _ = still_shop(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        order_list = screen.order_list
        layouts: list[bool] = []
        original = screen._refresh_layout

        def spy(*args: object, **kwargs: object) -> None:
            layouts.append(True)
            original(*args, **kwargs)  # type: ignore[arg-type]

        screen._refresh_layout = spy  # type: ignore[method-assign]
        oldest = screen.view.rows[-1].updated_at
        older = [
            o._replace(order_no=f"KM9{n:013d}", updated_at=oldest - timedelta(minutes=n + 1))
            for n, o in enumerate(screen.view.rows[:200])
        ]
        scroll_bar = Repaints(order_list.vertical_scrollbar)
        screen.apply_changes(screen.book.apply(older), from_poll=False)
        await pilot.pause()
        assert layouts == []
        assert scroll_bar.calls
        assert order_list.vertical_scrollbar.window_virtual_size == 501
        assert order_list.virtual_size.height == 501
        painted = screen_text(app)
        screen.refresh(layout=True)
        await pilot.pause()
        assert layouts and screen_text(app) == painted
        # The new end is reachable.
        await pilot.press("G")
        await pilot.pause()
        assert (
            order_list.scroll_offset.y
            == order_list.max_scroll_y
            == 501 - (order_list.scrollable_content_region.height)
        )
        assert f"KM9{199:013d}" in list_lines(screen)[-1]
        # Down to a screenful: the scroll bar goes, through a layout.
        layouts.clear()
        keep = {o.key for o in screen.view.rows[:10]}
        gone = [o.key for o in screen.book if o.key not in keep]
        screen.apply_changes(screen.book.apply([], removed=gone), from_poll=False)
        await pilot.pause()
        assert layouts and not order_list.show_vertical_scrollbar
        assert order_list.scroll_offset.y == 0


async def test_a_paging_sync_moves_the_scroll_bar_a_few_times_a_second(
    clock: ManualClock,
) -> None:
    app, _ = still_shop(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        order_list = screen.order_list
        bar = order_list.vertical_scrollbar
        oldest = screen.view.rows[-1].updated_at

        async def page(n: int, *, paging: bool = True) -> None:
            older = [
                o._replace(order_no=f"KM8{n:04d}{i:09d}", updated_at=oldest - timedelta(hours=n))
                for i, o in enumerate(screen.view.rows[:50])
            ]
            changes = screen.book.apply(older)
            screen.view.apply(changes)
            order_list.rows_changed(changes.touched, mark=False, paging=paging)
            await pilot.pause()

        await page(1)
        assert bar.window_virtual_size == 351
        await page(2)  # within PAGING_BAR_EVERY of the last: the bar waits
        assert order_list.virtual_size.height == 401 and bar.window_virtual_size == 351
        await page(3, paging=False)  # the last page: it catches up
        assert bar.window_virtual_size == 451
        clock.advance(1)
        await page(4)
        assert bar.window_virtual_size == 501
        await page(5)
        assert bar.window_virtual_size == 501
        order_list.tick()  # a sync that stopped early: the next tick catches up
        assert bar.window_virtual_size == 551
        await pilot.press("G")
        await pilot.pause()
        assert order_list.scroll_offset.y == order_list.max_scroll_y > 0


class Filters(App[None]):
    def compose(self) -> ComposeResult:
        yield FilterList("Entries", *(Entry(f"e{n}", Text(f"entry {n}")) for n in range(6)))


async def test_a_new_prompt_repaints_its_own_line_only() -> None:
    app = Filters()
    async with app.run_test(size=(40, 10)) as pilot:
        options = app.query_one(FilterList)
        repaints = Repaints(options)
        options.replace_option_prompt("e3", Text("entry three"))
        await pilot.pause()
        # Under the title line: the fourth entry's line, alone.
        assert repaints.calls == [(Region(0, 4, max(options.size.width, 1), 1),)]
        assert "entry three" in options.render_line(4).text
        assert "entry 4" in options.render_line(5).text
        assert "Entries" in options.render_line(0).text
