"""The poll loop: pages, never two polls at once, errors with backoff, pause and resume."""

from __future__ import annotations

import asyncio

import pytest

from kameng_tui.backends.base import Backend, BackendError, SyncResult
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import ManualClock
from kameng_tui.sync import MAX_BACKOFF, RefreshMode, Syncer
from tests.domain.factory import make_order


class FakeBackend(Backend):
    platform = "fake"
    profile = "test"

    def __init__(self, results: list[SyncResult | Exception]) -> None:
        self.results = results
        self.cursors: list[str | None] = []
        self.gate: asyncio.Event | None = None

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        self.cursors.append(cursor)
        if self.gate is not None:
            await self.gate.wait()
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


def page(numbers: range, cursor: str, *, more: bool = False, total: int = 0) -> SyncResult:
    return SyncResult([make_order(n) for n in numbers], cursor, total or len(numbers), more=more)


def syncer(backend: Backend, clock: ManualClock, interval: float = 5) -> Syncer:
    return Syncer(backend, OrderBook(), clock, interval)


async def test_pages_load_one_after_another_then_wait_for_the_interval(
    clock: ManualClock,
) -> None:
    backend = FakeBackend([page(range(3), "a", more=True, total=5), page(range(3, 5), "b")])
    sync = syncer(backend, clock)
    assert sync.due()
    changes = await sync.poll()
    assert changes is not None and len(changes.added) == 3
    assert sync.more and sync.due() and sync.state().mode is RefreshMode.LOADING
    assert sync.total == 5 and sync.polls == 0
    await sync.poll()
    assert backend.cursors == [None, "a"]
    assert len(sync.book) == 5 and not sync.more and sync.polls == 1
    assert sync.state().mode is RefreshMode.AUTO and not sync.due()
    assert sync.seconds_until_due() == 5
    clock.advance(5)
    assert sync.due()


async def test_never_two_polls_at_once(clock: ManualClock) -> None:
    backend = FakeBackend([page(range(2), "a")])
    backend.gate = asyncio.Event()
    sync = syncer(backend, clock)
    first = asyncio.create_task(sync.poll())
    await asyncio.sleep(0)  # let the first poll reach the backend
    assert sync.state().mode is RefreshMode.REFRESHING and not sync.due()
    assert await sync.poll() is None
    backend.gate.set()
    assert (await first) is not None
    assert backend.cursors == [None]


async def test_errors_back_off_and_keep_the_data(clock: ManualClock) -> None:
    backend = FakeBackend(
        [
            page(range(2), "a"),
            BackendError("HTTP 503"),
            BackendError("HTTP 503"),
            BackendError("HTTP 503", retry_after=30),
            ValueError("bad json\nline two"),
            page(range(2, 3), "b"),
        ]
    )
    sync = syncer(backend, clock, interval=4)
    await sync.poll()
    waits = []
    for _ in range(4):
        clock.advance(sync.seconds_until_due())
        assert await sync.poll() is None
        state = sync.state()
        assert state.mode is RefreshMode.ERROR and len(sync.book) == 2
        waits.append(state.retry_in)
    assert waits == [4, 8, 30, 32]  # doubling, at least Retry-After
    assert sync.error == "ValueError: bad json"  # one line, never a traceback
    clock.advance(sync.seconds_until_due())
    await sync.poll()
    assert sync.error is None and sync.failures == 0 and len(sync.book) == 3
    assert backend.cursors[-1] == "a"  # a failed poll does not lose the cursor


@pytest.mark.parametrize("failures", [10])
async def test_backoff_is_capped(clock: ManualClock, failures: int) -> None:
    sync = syncer(FakeBackend([BackendError("down")] * failures), clock, interval=5)
    for _ in range(failures):
        clock.advance(sync.seconds_until_due())
        await sync.poll()
    assert sync.state().retry_in == MAX_BACKOFF


async def test_pause_resume_and_refresh_now(clock: ManualClock) -> None:
    sync = syncer(FakeBackend([page(range(1), "a"), page(range(1), "a")]), clock)
    await sync.poll()
    assert sync.toggle_pause()
    assert sync.state().mode is RefreshMode.PAUSED
    clock.advance(60)
    assert not sync.due()
    assert not sync.toggle_pause()
    assert sync.due()
    await sync.poll()
    assert not sync.due()
    sync.request_now()
    assert sync.due()
