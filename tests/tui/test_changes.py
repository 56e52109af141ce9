"""Status changes are said in one line above the footer and kept in a log, never in toasts
that cover the list or the details (issue 12); followed orders may still raise a toast."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable

from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.changes import ChangeLogScreen
from kameng_tui.tui.screens.orders import OrdersScreen
from kameng_tui.tui.widgets.changes import Change, ChangeLog
from tests.domain.factory import make_order
from tests.tui.shop import ShopBackend, poll_again, screen_text, settled

PRODUCTS = ["腾讯Q币 100元", "王者荣耀 60点券", "移动话费 50元", "网易一卡通 30元", "Steam 钱包 50"]


def shop() -> ShopBackend:
    return ShopBackend([make_order(i, product_name=p) for i, p in enumerate(PRODUCTS, 1)])


def complete(backend: ShopBackend, *numbers: int) -> list[Order]:
    """The shop completes these orders (1-based, as numbered by `make_order`)."""
    done = []
    for index, order in enumerate(backend.orders):
        if index + 1 in numbers:
            backend.orders[index] = order._replace(
                status=OrderStatus.COMPLETED, updated_at=FIXED_EPOCH + timedelta(seconds=30)
            )
            done.append(backend.orders[index])
    return done


def toasts(app: KamengApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_changes_are_one_line_in_the_bar_not_toasts(clock: ManualClock) -> None:
    backend = shop()
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await settled(app, pilot)
        app._notifications.clear()
        complete(backend, 1, 2, 3)
        clock.advance(30)
        await poll_again(app, pilot)
        assert not [m for m in toasts(app) if "→" in m or "changed" in m]
        line = screen.change_bar.text
        assert line.startswith("3 order(s) changed: ")
        for product in PRODUCTS[:3]:
            assert f"{product} → Completed" in line
        assert PRODUCTS[3] not in line
        # The bar has its own row above the footer: the list and the details keep theirs.
        bar = screen.change_bar.region
        assert bar.height == 1 and bar.y == 40 - 2
        for widget in (screen.order_list, screen.detail):
            assert not widget.region.overlaps(bar)
        assert "3 order(s) changed" in screen_text(app).splitlines()[-2]
        # Short-lived: it goes back to a dim line that points at the log.
        screen.change_bar.clear()
        await pilot.pause()
        assert "l opens the change log (3)" in screen_text(app).splitlines()[-2]


async def test_the_change_log_lists_time_order_product_and_from_to(clock: ManualClock) -> None:
    backend = shop()
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        complete(backend, 2, 4)
        clock.advance(30)
        await poll_again(app, pilot)
        await pilot.press("l")
        await pilot.pause()
        log = app.screen
        assert isinstance(log, ChangeLogScreen)
        table = log.query_one(DataTable)
        assert table.row_count == 2
        cells = [str(c) for c in table.get_row_at(0)]
        assert cells[0].endswith("00:00:30") or ":" in cells[0]
        assert cells[1] in {"KM00000002", "KM00000004"}
        assert cells[2] in {PRODUCTS[1], PRODUCTS[3]}
        assert cells[3] == "Delivering → Completed"
        text = screen_text(app)
        assert "Delivering → Completed" in text
        await pilot.press("enter")  # goes to that order
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        assert screen.order_list.selected_key == cells[1]


async def test_at_80x24_the_bar_covers_nothing(clock: ManualClock) -> None:
    backend = shop()
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await settled(app, pilot)
        app._notifications.clear()
        complete(backend, 1, 2, 3, 4, 5)
        clock.advance(30)
        await poll_again(app, pilot)
        assert toasts(app) == []
        bar = screen.change_bar.region
        assert bar.y == 24 - 2
        assert not screen.order_list.region.overlaps(bar)
        assert not screen.detail.region.overlaps(bar)
        assert screen.change_bar.text.startswith("5 order(s) changed")


async def test_followed_orders_still_get_a_toast(clock: ManualClock) -> None:
    backend = shop()
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await settled(app, pilot)
        assert screen.order_list.select_order("KM00000002")
        await pilot.press("f")
        app._notifications.clear()
        complete(backend, 1, 2)
        clock.advance(30)
        await poll_again(app, pilot)
        assert toasts(app) == ["KM00000002: Delivering → Completed"]
        assert screen.change_bar.text.startswith("2 order(s) changed")


async def test_notify_followed_shows_only_followed_changes(clock: ManualClock) -> None:
    backend = shop()
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await settled(app, pilot)
        screen._setting = lambda key, default, shop=None: "followed" if key == "notify" else default  # type: ignore[method-assign]
        complete(backend, 1)
        clock.advance(30)
        await poll_again(app, pilot)
        assert screen.change_bar.text == ""  # not followed: logged only
        assert len(screen.change_log) == 1
        assert screen.order_list.select_order("KM00000003")
        await pilot.press("f")
        app._notifications.clear()
        complete(backend, 3)
        clock.advance(30)
        await poll_again(app, pilot)
        assert screen.change_bar.text == f"1 order(s) changed: {PRODUCTS[2]} → Completed"
        assert toasts(app) == ["KM00000003: Delivering → Completed"]


def test_the_log_keeps_the_last_500() -> None:
    log = ChangeLog()
    order = make_order(1)
    for second in range(600):
        at = FIXED_EPOCH + timedelta(seconds=second)
        log.add([Change.of(at, order, order._replace(status=OrderStatus.COMPLETED))])
    assert len(log) == 500
    newest = log.newest_first()
    assert newest[0].at == FIXED_EPOCH + timedelta(seconds=599)
    assert newest[-1].at == FIXED_EPOCH + timedelta(seconds=100)
