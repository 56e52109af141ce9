"""Shared pieces of the alert tests: a scripted backend, a fake channel, a watcher."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kameng_tui.alerts.deliver import Delivery, Outcome
from kameng_tui.alerts.outbox import Outbox
from kameng_tui.alerts.rules import Rule
from kameng_tui.backends.base import Backend, SyncResult
from kameng_tui.config import Profile
from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.watch import Watcher

URL_ENV = "KT_ALERT_URLS"


class ScriptedBackend(Backend):
    """Each poll gives the whole shop as set in `orders` (one page)."""

    platform = "fake"

    def __init__(self, name: str = "shop") -> None:
        self.profile = name
        self.orders: dict[str, Order] = {}

    def set(self, *orders: Order) -> None:
        for order in orders:
            self.orders[order.order_no] = order

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        orders = list(self.orders.values())
        return SyncResult(orders, None, len(orders))


class FakeDelivery:
    """Records what it is given; `down` makes every channel fail."""

    def __init__(self) -> None:
        self.down = False
        self.sent: list[tuple[str, str]] = []

    def send(self, urls: Sequence[str], title: str, body: str, skip: frozenset[int]) -> Outcome:
        if self.down:
            return Outcome(skip, "channel 1 (json): not delivered")
        self.sent.append((title, body))
        return Outcome(frozenset(range(len(urls))))


def watcher(
    backend: Backend,
    rules: Sequence[Rule],
    path: Path,
    clock: ManualClock,
    delivery: Delivery,
    lines: list[str] | None = None,
) -> Watcher:
    said = lines if lines is not None else []
    return Watcher(
        [(Profile(backend.profile, "fake"), backend)],
        rules,
        Outbox(path),
        delivery,
        clock,
        environ={URL_ENV: "json://127.0.0.1:9/x"},
        interval=10.0,
        say=said.append,
        tz=None,
    )
