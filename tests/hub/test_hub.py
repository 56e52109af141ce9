"""The team hub's API over the watcher's shops, in-process: paging, cursors, routing."""

from __future__ import annotations

from pathlib import Path

import pytest

from kameng_tui.alerts.outbox import Outbox
from kameng_tui.backends.base import BackendError
from kameng_tui.config import Profile
from kameng_tui.domain.actions import Action
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus
from kameng_tui.server import hub as hub_module
from kameng_tui.server.app import SourceError
from kameng_tui.server.hub import Hub
from kameng_tui.watch import Watcher
from tests.alerts.helpers import FakeDelivery, ScriptedBackend
from tests.domain.factory import make_order


class ActingBackend(ScriptedBackend):
    """A scripted shop that also acts: refunds on `refund`, refuses everything else."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.acted: list[tuple[str, Action, str | None]] = []

    async def perform(self, order_no: str, action: Action, text: str | None = None) -> Order:
        self.acted.append((order_no, action, text))
        if action is not Action.REFUND:
            raise BackendError("the shop will not do that now")
        order = self.orders[order_no]._replace(status=OrderStatus.REFUNDED)
        self.orders[order_no] = order
        return order


def two_shops(
    tmp_path: Path, read_only_b: bool = False
) -> tuple[Watcher, ActingBackend, ActingBackend]:
    a, b = ActingBackend("a"), ActingBackend("b")
    clock = ManualClock(FIXED_EPOCH)
    profile_b = Profile("b", "fake", {"read_only": True} if read_only_b else {})
    watcher = Watcher(
        [(Profile("a", "fake"), a), (profile_b, b)],
        [],
        Outbox(tmp_path / "outbox.sqlite3"),
        FakeDelivery(),
        clock,
        environ={},
        say=lambda line: None,
    )
    return watcher, a, b


async def poll_all(watcher: Watcher) -> None:
    for shop in watcher.shops:
        assert await watcher.poll(shop)


async def read_everything(hub: Hub) -> tuple[dict[tuple[str, str], Order], str, int]:
    """What a client reads on its first sync: every page; the cursor it ends with."""
    page = await hub.page(None)
    seen = {(o.shop, o.order_no): o for o in page.orders}
    pages = 1
    while page.more:
        page = await hub.page(page.cursor)
        seen.update({(o.shop, o.order_no): o for o in page.orders})
        pages += 1
    assert page.cursor is not None
    return seen, page.cursor, pages


async def test_a_first_sync_pages_every_shop_then_an_idle_poll_is_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "PAGE", 7)
    watcher, a, b = two_shops(tmp_path)
    a.set(*(make_order(n) for n in range(20)))
    b.set(*(make_order(n) for n in range(10, 25)))  # numbers 10..19 are in both shops
    hub = Hub(watcher.shops)
    watcher.listeners.append(hub.changed)
    await poll_all(watcher)

    seen, cursor, pages = await read_everything(hub)
    assert len(seen) == 35 and pages == 5  # 35 orders, 7 a page
    assert {shop for shop, _ in seen} == {"a", "b"}
    assert seen[("b", "KM00000012")].shop == "b"

    idle = await hub.page(cursor)
    assert idle.orders == [] and not idle.more and idle.total == 35 and idle.cursor == cursor

    # One order changes in shop b: the next poll brings it, and only it.
    b.set(make_order(12, status=OrderStatus.FAILED))
    await poll_all(watcher)
    page = await hub.page(cursor)
    assert [(o.shop, o.order_no, o.status) for o in page.orders] == [
        ("b", "KM00000012", OrderStatus.FAILED)
    ]


async def test_changes_during_a_first_sync_are_neither_lost_nor_doubled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "PAGE", 4)
    watcher, a, _ = two_shops(tmp_path)
    a.set(*(make_order(n) for n in range(12)))
    hub = Hub(watcher.shops)
    watcher.listeners.append(hub.changed)
    await poll_all(watcher)

    first = await hub.page(None)
    assert first.more
    # Between pages, an order not yet sent changes and a new one arrives.
    a.set(make_order(0, status=OrderStatus.FAILED), make_order(99))
    await poll_all(watcher)
    got = list(first.orders)
    page = first
    while page.more:
        page = await hub.page(page.cursor)
        got += page.orders
    page = await hub.page(page.cursor)  # the changes since the snapshot began
    got += page.orders
    numbers = [o.order_no for o in got]
    assert sorted(set(numbers)) == sorted(f"KM{n:08d}" for n in [*range(12), 99])
    assert numbers.count("KM00000000") == 1  # sent once, as it is now
    assert next(o for o in got if o.order_no == "KM00000000").status is OrderStatus.FAILED


async def test_a_cursor_of_an_earlier_run_starts_again_and_a_foreign_one_is_refused(
    tmp_path: Path,
) -> None:
    watcher, a, _ = two_shops(tmp_path)
    a.set(*(make_order(n) for n in range(3)))
    hub = Hub(watcher.shops)
    watcher.listeners.append(hub.changed)
    await poll_all(watcher)
    _, cursor, _ = await read_everything(hub)

    restarted = Hub(watcher.shops)  # a new run over the same books
    page = await restarted.page(cursor)
    assert len(page.orders) == 3 and page.cursor is not None
    assert page.cursor.startswith(restarted.run)
    for bad in ("x", "12", f"{hub.run}.", "a" * 40 + ".1", "\x1b[2J"):
        with pytest.raises(SourceError) as refused:
            await hub.page(bad)
        assert (refused.value.status, refused.value.code) == (400, "bad_cursor")


async def test_one_order_and_actions_go_to_the_shop_that_holds_it(tmp_path: Path) -> None:
    watcher, a, b = two_shops(tmp_path)
    a.set(make_order(1), make_order(2))
    b.set(make_order(2), make_order(3))
    hub = Hub(watcher.shops)
    watcher.listeners.append(hub.changed)
    await poll_all(watcher)
    _, cursor, _ = await read_everything(hub)

    assert (await hub.one("KM00000001", None)).shop == "a"
    assert (await hub.one("KM00000002", "b")).shop == "b"
    with pytest.raises(SourceError) as ambiguous:
        await hub.one("KM00000002", None)
    assert (ambiguous.value.status, ambiguous.value.code) == (409, "ambiguous")
    for number, shop, code in [
        ("KM9", None, "order_not_found"),
        ("KM00000001", "zz", "shop_not_found"),
    ]:
        with pytest.raises(SourceError) as missing:
            await hub.one(number, shop)
        assert (missing.value.status, missing.value.code) == (404, code)

    done = await hub.act("KM00000002", "a", Action.REFUND, "goodwill")
    assert done.shop == "a" and done.status is OrderStatus.REFUNDED
    assert a.acted == [("KM00000002", Action.REFUND, "goodwill")] and b.acted == []
    # Every client sees the result at its next poll, without waiting for the shop's.
    page = await hub.page(cursor)
    assert [(o.shop, o.status) for o in page.orders] == [("a", OrderStatus.REFUNDED)]
    # The shop's refusal is the client's, as 409 with the shop's words.
    with pytest.raises(SourceError) as refused:
        await hub.act("KM00000001", "a", Action.URGE, None)
    assert refused.value.status == 409 and "will not do that" in str(refused.value)


async def test_read_only_shops_and_hubs_refuse_actions(tmp_path: Path) -> None:
    watcher, a, b = two_shops(tmp_path, read_only_b=True)
    a.set(make_order(1))
    b.set(make_order(3))
    await poll_all(watcher)
    hub = Hub(watcher.shops)
    with pytest.raises(SourceError) as refused:
        await hub.act("KM00000003", None, Action.REFUND, None)
    assert (refused.value.status, refused.value.code) == (403, "read_only")
    assert (await hub.act("KM00000001", None, Action.REFUND, None)).status is OrderStatus.REFUNDED
    locked = Hub(watcher.shops, read_only=True)
    with pytest.raises(SourceError):
        await locked.act("KM00000001", None, Action.REFUND, None)
    assert b.acted == [] and len(a.acted) == 1
