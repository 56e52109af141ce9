"""Pages fetched ahead: where a shop's pages need no spacing (the kameng API), the next page is
asked for while this one is applied and painted."""

from __future__ import annotations

import asyncio

from kameng_tui.backends.base import BackendError
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import ManualClock
from kameng_tui.sync import Syncer, WireLimits
from tests.test_sync import FakeBackend, page

AHEAD = WireLimits(fetch_ahead=True)


async def test_the_next_page_is_on_its_way_before_it_is_asked_for(clock: ManualClock) -> None:
    backend = FakeBackend(
        [
            page(range(0, 2), "p1", more=True),
            page(range(2, 4), "p2", more=True),
            page(range(4, 6), "p3"),
        ]
    )
    sync = Syncer(backend, OrderBook(), clock, 5, AHEAD)
    assert await sync.poll() is not None
    await asyncio.sleep(0)  # what the app does meanwhile: apply, paint
    assert backend.cursors == [None, "p1"]  # page 2 requested without a second poll()
    while sync.more:
        assert await sync.poll() is not None
    assert backend.cursors == [None, "p1", "p2"]  # nothing asked twice, nothing past the end
    assert len(sync.book) == 6 and sync.full_syncs == 1


async def test_a_page_fetched_ahead_fails_where_it_is_awaited_and_a_pause_drops_it(
    clock: ManualClock,
) -> None:
    backend = FakeBackend([page(range(0, 2), "p1", more=True), BackendError("shop down")])
    sync = Syncer(backend, OrderBook(), clock, 5, AHEAD)
    await sync.poll()
    await asyncio.sleep(0)
    assert await sync.poll() is None and sync.error == "shop down"

    backend = FakeBackend([page(range(0, 2), "p1", more=True), page(range(2, 4), "p2")])
    backend.gate = asyncio.Event()
    backend.gate.set()
    sync = Syncer(backend, OrderBook(), clock, 5, AHEAD)
    await sync.poll()
    backend.gate.clear()
    sync.toggle_pause()  # p: no further page
    backend.gate.set()
    assert await sync.poll() is None and len(sync.book) == 2
