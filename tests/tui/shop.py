"""A watch-list shop for Pilot tests: fixed orders, and the watched ones it would not show."""

from __future__ import annotations

from collections.abc import Iterable

from textual.pilot import Pilot

from kameng_tui.backends.base import Backend, SyncResult, Unreadable
from kameng_tui.domain.order import Order
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen


class ShopBackend(Backend):
    platform = "dujiao-next"
    profile = "shop"

    def __init__(self, orders: Iterable[Order] = (), unreadable: Iterable[Unreadable] = ()) -> None:
        self.orders = list(orders)
        self.unreadable = list(unreadable)

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        total = len(self.orders) + len(self.unreadable)
        return SyncResult(list(self.orders), None, total, unreadable=list(self.unreadable))


async def settled(app: KamengApp, pilot: Pilot[None]) -> OrdersScreen:
    """The screen after its first poll, with the ticker stopped (the tests move the clock)."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.orders_screen
    assert isinstance(screen, OrdersScreen)
    screen.ticker.pause()
    return screen


async def poll_again(app: KamengApp, pilot: Pilot[None]) -> None:
    await pilot.press("r")
    await app.workers.wait_for_complete()
    await pilot.pause()


def list_lines(screen: OrdersScreen) -> list[str]:
    """The order list's lines as painted, header first."""
    order_list = screen.order_list
    return [order_list.render_line(y).text for y in range(order_list.size.height)]


def screen_text(app: KamengApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
