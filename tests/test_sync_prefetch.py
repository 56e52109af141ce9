"""The first page asked for before the screen is there (Syncer.prefetch): the first poll takes
it, a slow one does not hold the caller past its wait, a failing one fails that poll."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from kameng_tui.backends.base import BackendError, SyncResult
from kameng_tui.domain.clock import ManualClock
from kameng_tui.sync import WireLimits
from tests.test_sync import FakeBackend, page, syncer

AHEAD = WireLimits(fetch_ahead=True)


async def test_the_first_poll_takes_the_prefetched_page(clock: ManualClock) -> None:
    backend = FakeBackend([page(range(3), "a")])
    sync = syncer(backend, clock)
    sync.prefetch()
    sync.prefetch()  # once
    assert await sync.wait_first_page(5.0) and sync.first_page_ready
    changes = await sync.poll()
    assert changes is not None and len(changes.added) == 3
    assert backend.cursors == [None] and sync.polls == 1 and not sync.first_page_ready
    sync.prefetch()  # after a poll: nothing
    assert backend.cursors == [None] and not await sync.wait_first_page(5.0)


async def test_a_slow_first_page_lets_the_caller_go_after_its_wait(clock: ManualClock) -> None:
    backend = FakeBackend([page(range(3), "a")])
    backend.gate = asyncio.Event()
    sync = syncer(backend, clock)
    sync.prefetch()
    assert not await sync.wait_first_page(0.01)  # the screen shows without it
    poll = asyncio.ensure_future(sync.poll())
    await asyncio.sleep(0)
    assert not poll.done()
    backend.gate.set()
    assert await poll is not None and len(sync.book) == 3
    assert backend.cursors == [None]  # the page asked for once, by the prefetch


async def test_a_failing_prefetch_is_the_first_polls_failure(clock: ManualClock) -> None:
    backend = FakeBackend([BackendError("shop down", retryable=True), page(range(3), "a")])
    sync = syncer(backend, clock)
    sync.prefetch()
    assert await sync.wait_first_page(5.0)
    assert await sync.poll() is None
    assert sync.error == "shop down" and sync.failures == 1 and sync.next_at is not None
    sync.request_now()
    assert await sync.poll() is not None and sync.error is None and len(sync.book) == 3


async def test_the_page_after_a_prefetched_one_waits_to_be_asked_for(clock: ManualClock) -> None:
    backend = FakeBackend(
        [
            page(range(0, 2), "p1", more=True),
            page(range(2, 4), "p2", more=True),
            page(range(4, 6), "p3"),
        ]
    )
    sync = syncer(backend, clock)
    sync.limits = AHEAD
    sync.prefetch()
    assert await sync.poll() is not None
    await asyncio.sleep(0)  # what the app does meanwhile: paint the first page
    assert backend.cursors == [None]  # page 2 not asked for yet: it would slow that paint
    assert await sync.poll() is not None
    await asyncio.sleep(0)
    assert backend.cursors == [None, "p1", "p2"]  # later pages are fetched ahead as before
    assert await sync.poll() is not None
    assert len(sync.book) == 6 and sync.full_syncs == 1


async def test_no_prefetch_while_paused(clock: ManualClock) -> None:
    backend = FakeBackend([page(range(3), "a")])
    sync = syncer(backend, clock)
    sync.toggle_pause()
    sync.prefetch()
    assert backend.cursors == [] and not await sync.wait_first_page(5.0)


async def test_a_first_page_still_arriving_as_the_poll_waits_brings_no_early_page(
    clock: ManualClock,
) -> None:
    # A slow shop: the poll starts waiting before the prefetched page's body is in. When it
    # arrives the backend may not ask for the next page yet (the first frame is still to come).
    class Gated(FakeBackend):
        allowed: Callable[[], bool] = staticmethod(lambda: True)
        seen: list[bool]

        def read_ahead_while(self, allowed: Callable[[], bool]) -> None:
            self.allowed = allowed

        async def fetch_changes(self, cursor: str | None) -> SyncResult:
            result = await super().fetch_changes(cursor)
            self.seen.append(self.allowed())  # where a body's arrival may ask for the next
            return result

    backend = Gated([page(range(0, 2), "p1", more=True), page(range(2, 4), "p2")])
    backend.seen = []
    backend.gate = asyncio.Event()
    sync = syncer(backend, clock)
    sync.limits = AHEAD
    sync.prefetch()
    assert not await sync.wait_first_page(0.01)
    poll = asyncio.ensure_future(sync.poll())
    await asyncio.sleep(0)
    backend.gate.set()
    assert await poll is not None
    assert backend.seen == [False]  # not while the first page was arriving
    assert backend.allowed()  # the pages after it are asked for early as before


async def test_a_first_page_dropped_by_a_pause_leaves_early_pages_allowed(
    clock: ManualClock,
) -> None:
    backend = FakeBackend([page(range(3), "a")])
    backend.gate = asyncio.Event()
    sync = syncer(backend, clock)
    sync.limits = AHEAD
    sync.prefetch()
    assert not sync._reads_ahead()  # the first frame first
    sync.toggle_pause()  # p before the first page came: it is dropped
    sync.toggle_pause()
    assert sync._reads_ahead()
