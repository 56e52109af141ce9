"""The poll loop: pages, never two polls at once, errors with backoff, pause and resume."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from kameng_tui.backends.base import Backend, BackendError, ReadProblem, SyncResult, Unreadable
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.status import OrderStatus
from kameng_tui.sync import MIN_RETRY, RefreshMode, Syncer, retry_delay
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
            BackendError("HTTP 503", retryable=True),
            BackendError("HTTP 503", retryable=True),
            BackendError("HTTP 503", retry_after=30, retryable=True),
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
    # Growing up to the interval, at least Retry-After; a backend bug waits the interval.
    assert waits == [1, 2, 30, 4]
    assert sync.error == "ValueError: bad json"  # one line, never a traceback
    clock.advance(sync.seconds_until_due())
    await sync.poll()
    assert sync.error is None and sync.failures == 0 and len(sync.book) == 3
    assert backend.cursors[-1] == "a"  # a failed poll does not lose the cursor


@pytest.mark.parametrize("failures", [10])
async def test_backoff_is_capped(clock: ManualClock, failures: int) -> None:
    errors: list[SyncResult | Exception] = [BackendError("down", retryable=True)] * failures
    sync = syncer(FakeBackend(errors), clock, interval=5)
    for _ in range(failures):
        clock.advance(sync.seconds_until_due())
        await sync.poll()
    assert sync.state().retry_in == 5  # never longer than the interval


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


# -- more of the poll loop: every page, every error, every state ------------------------------


def test_a_new_syncer_is_due_at_once_and_waits_for_nothing(clock: ManualClock) -> None:
    sync = syncer(FakeBackend([]), clock)
    assert sync.due() and sync.next_at is None and sync.seconds_until_due() == 0
    state = sync.state()
    assert state.mode is RefreshMode.AUTO and state.error is None and state.last_success is None
    assert state.interval == 5 and state.retry_in == 0


async def test_first_poll_applies_everything_and_the_cursor_is_carried(
    clock: ManualClock,
) -> None:
    moved = make_order(1)._replace(status=OrderStatus.COMPLETED)
    backend = FakeBackend(
        [
            page(range(4), "c1"),
            SyncResult([make_order(0), moved], "c2", 4),  # one unchanged, one changed
            SyncResult([], None, 3, removed=["KM00000002"]),  # no new cursor: keep asking same
            SyncResult([], "c3", 3),
        ]
    )
    sync = syncer(backend, clock, interval=2)
    first = await sync.poll()
    assert first is not None and len(first.added) == 4 and not first.changed
    assert len(sync.book) == 4 and sync.cursor == "c1" and sync.total == 4
    assert sync.last_success == clock.now() and sync.polls == 1 and sync.full_syncs == 1
    assert sync.received == {f"KM{n:08d}" for n in range(4)}
    assert sync.next_at == clock.now() + timedelta(seconds=2)

    clock.advance(2)
    second = await sync.poll()
    assert (
        second is not None and second.added == [] and [new for _, new in second.changed] == [moved]
    )
    assert sync.book.get(moved.order_no) == moved and sync.cursor == "c2"

    clock.advance(2)
    third = await sync.poll()
    assert third is not None and [o.order_no for o in third.removed] == ["KM00000002"]
    assert "KM00000002" not in sync.book and sync.total == 3
    assert sync.cursor is None  # the backend's answer is taken as it is

    clock.advance(2)
    await sync.poll()
    assert backend.cursors == [None, "c1", "c2", None]
    assert sync.polls == 4


async def test_paging_stays_loading_and_due_until_the_last_page(clock: ManualClock) -> None:
    backend = FakeBackend(
        [
            page(range(0, 2), "p1", more=True, total=6),
            page(range(2, 4), "p2", more=True, total=6),
            page(range(4, 6), "p3", total=6),
        ]
    )
    backend.gate = asyncio.Event()
    backend.gate.set()
    sync = syncer(backend, clock, interval=5)
    await sync.poll()
    for expected_cursor in ("p1", "p2"):
        assert sync.more and sync.next_at is None and sync.due()
        assert sync.state().mode is RefreshMode.LOADING
        assert sync.cursor == expected_cursor and sync.polls == 0 and sync.full_syncs == 0
        # While the next page is on its way, the header still says loading, not refreshing.
        backend.gate.clear()
        running = asyncio.create_task(sync.poll())
        await asyncio.sleep(0)
        assert sync.running and sync.state().mode is RefreshMode.LOADING and not sync.due()
        backend.gate.set()
        assert await running is not None
    assert not sync.more and sync.polls == 1 and sync.full_syncs == 1
    assert len(sync.book) == 6 and sync.total == 6
    assert sync.received == {f"KM{n:08d}" for n in range(6)}
    assert backend.cursors == [None, "p1", "p2"]
    assert sync.state().mode is RefreshMode.AUTO and sync.seconds_until_due() == 5


async def test_a_poll_while_one_is_awaiting_returns_none_and_does_not_call_the_backend(
    clock: ManualClock,
) -> None:
    backend = FakeBackend([page(range(3), "a"), page(range(3, 4), "b")])
    backend.gate = asyncio.Event()
    sync = syncer(backend, clock)
    first = asyncio.create_task(sync.poll())
    await asyncio.sleep(0)
    assert sync.running
    assert [await sync.poll() for _ in range(3)] == [None, None, None]
    assert backend.cursors == [None]  # only the first reached the backend
    sync.request_now()
    assert not sync.due()  # even asked to, it does not start a second one
    backend.gate.set()
    changes = await first
    assert changes is not None and len(changes.added) == 3 and not sync.running
    sync.request_now()
    assert sync.due()
    assert await sync.poll() is not None and backend.cursors == [None, "a"]


@pytest.mark.parametrize("interval", [1.0, 5.0, 7.5, 45.0, 120.0])
async def test_backoff_doubles_from_a_quarter_interval_up_to_the_interval(
    clock: ManualClock, interval: float
) -> None:
    errors: list[SyncResult | Exception] = [BackendError("HTTP 502", retryable=True)] * 8
    sync = syncer(FakeBackend(errors), clock, interval=interval)
    for failures in range(1, 9):
        clock.advance(sync.seconds_until_due())
        assert sync.due()
        assert await sync.poll() is None
        state = sync.state()
        assert state.mode is RefreshMode.ERROR and state.error == "HTTP 502"
        assert sync.failures == failures
        expected = min(interval, max(MIN_RETRY, interval / 4 * 2 ** (failures - 1)))
        assert state.retry_in == pytest.approx(expected) and state.retry_in <= interval
        assert sync.next_at == clock.now() + timedelta(seconds=expected)
        assert not sync.due()
    assert retry_delay(interval, 3, retryable=True) == interval  # the third retry on


@pytest.mark.parametrize("interval", [0.05, 2.0, 5.0, 3600.0])
def test_errors_that_will_not_pass_by_themselves_wait_one_interval(interval: float) -> None:
    for failures in (1, 2, 10, 10_000):
        assert retry_delay(interval, failures, retryable=False) == interval
        assert retry_delay(interval, failures, retryable=True) <= interval


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [(None, 5.0), (1.0, 5.0), (20.0, 20.0), (45.0, 45.0), (300.0, 300.0), (1e30, 3600.0)],
)
async def test_retry_after_is_honoured_when_longer(
    clock: ManualClock, retry_after: float | None, expected: float
) -> None:
    backend = FakeBackend(
        [
            BackendError("busy", retryable=True),
            BackendError("HTTP 429", retry_after=retry_after, retryable=True),
        ]
    )
    sync = syncer(backend, clock, interval=10)
    await sync.poll()
    clock.advance(sync.seconds_until_due())
    await sync.poll()  # the second failure: 10 / 4 * 2 = 5 s unless the platform asks for more
    assert sync.state().retry_in == expected and sync.error == "HTTP 429"


async def test_the_retry_counts_down_with_the_clock(clock: ManualClock) -> None:
    sync = syncer(FakeBackend([BackendError("down")]), clock, interval=8)
    await sync.poll()
    assert sync.state().retry_in == 8
    clock.advance(3)
    assert sync.state().retry_in == 5 and sync.seconds_until_due() == 5 and not sync.due()
    clock.advance(10)
    assert sync.state().retry_in == 0 and sync.due()


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ValueError("bad json\nTraceback (most recent call last):"), "ValueError: bad json"),
        (KeyError("data"), "KeyError: 'data'"),
        (RuntimeError(), "RuntimeError: "),
        (ZeroDivisionError("x" * 500), "ZeroDivisionError: " + "x" * 181),
    ],
)
async def test_any_other_exception_becomes_a_one_line_error(
    clock: ManualClock, error: Exception, message: str
) -> None:
    sync = syncer(FakeBackend([error]), clock, interval=3)
    assert await sync.poll() is None
    assert not sync.running
    assert sync.error == message and "\n" not in sync.error and len(sync.error) <= 200
    state = sync.state()
    assert state.mode is RefreshMode.ERROR and state.error == message and state.retry_in == 3


async def test_success_clears_the_error_and_restarts_the_backoff(clock: ManualClock) -> None:
    backend = FakeBackend(
        [
            BackendError("a", retryable=True),
            BackendError("b", retryable=True),
            BackendError("c", retryable=True),
            page(range(1), "x"),
            BackendError("d", retryable=True),
        ]
    )
    sync = syncer(backend, clock, interval=2)
    for _ in range(3):
        clock.advance(sync.seconds_until_due())
        await sync.poll()
    assert sync.state().retry_in == 2 and sync.last_success is None  # 0.5, 1, then 2
    clock.advance(sync.seconds_until_due())
    assert await sync.poll() is not None
    assert sync.error is None and sync.failures == 0 and sync.state().retry_in == 0
    assert sync.last_success == clock.now() and sync.state().mode is RefreshMode.AUTO
    clock.advance(sync.seconds_until_due())
    await sync.poll()
    assert sync.failures == 1 and sync.state().retry_in == 0.5  # from the first step again
    assert sync.state().last_success is not None  # the last good time is kept


async def test_an_error_mid_paging_keeps_the_page_cursor(clock: ManualClock) -> None:
    backend = FakeBackend(
        [
            page(range(0, 2), "p1", more=True, total=4),
            BackendError("timeout"),
            page(range(2, 4), "p2", total=4),
        ]
    )
    sync = syncer(backend, clock, interval=5)
    await sync.poll()
    assert await sync.poll() is None
    assert sync.state().mode is RefreshMode.ERROR and sync.more and not sync.due()
    clock.advance(sync.seconds_until_due())
    await sync.poll()
    assert backend.cursors == [None, "p1", "p1"]
    assert len(sync.book) == 4 and not sync.more and sync.full_syncs == 1
    assert sync.received == {f"KM{n:08d}" for n in range(4)}


async def test_cancelling_a_poll_does_not_leave_it_running(clock: ManualClock) -> None:
    backend = FakeBackend([page(range(1), "a")])
    backend.gate = asyncio.Event()
    sync = syncer(backend, clock)
    task = asyncio.create_task(sync.poll())
    await asyncio.sleep(0)
    assert sync.running
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not sync.running and sync.error is None and sync.due()


async def test_pause_stops_polling_and_resume_polls_at_once(clock: ManualClock) -> None:
    sync = syncer(FakeBackend([page(range(2), "a")]), clock, interval=5)
    assert sync.toggle_pause() is True and sync.paused
    assert not sync.due()  # even the very first poll waits
    assert sync.state().mode is RefreshMode.PAUSED
    clock.advance(3600)
    assert not sync.due()
    sync.request_now()
    assert not sync.due()  # "refresh now" does not override a pause
    assert sync.toggle_pause() is False and not sync.paused
    assert sync.due() and sync.next_at is None
    await sync.poll()
    assert sync.state().mode is RefreshMode.AUTO and not sync.due()
    sync.toggle_pause()
    sync.toggle_pause()
    assert sync.due()  # resuming always polls at once


async def test_paused_means_no_retries_either(clock: ManualClock) -> None:
    sync = syncer(FakeBackend([BackendError("down"), page(range(1), "a")]), clock, interval=4)
    await sync.poll()
    sync.toggle_pause()
    assert sync.state().mode is RefreshMode.PAUSED  # no retry is coming while paused
    clock.advance(60)
    assert not sync.due()
    await sync.poll()  # r polls on request, paused or not
    assert sync.error is None and sync.state().mode is RefreshMode.PAUSED and not sync.due()


async def test_request_now_makes_it_due_before_the_interval(clock: ManualClock) -> None:
    sync = syncer(FakeBackend([page(range(1), "a"), page(range(1), "a")]), clock, interval=30)
    await sync.poll()
    clock.advance(1)
    assert not sync.due() and sync.seconds_until_due() == 29
    sync.request_now()
    assert sync.due() and sync.seconds_until_due() == 0
    changes = await sync.poll()
    assert changes is not None and not changes  # the same order again: no change
    assert sync.seconds_until_due() == 30


# -- watched orders that cannot be read ---------------------------------------------------------


def watched(orders: list[int], problems: dict[int, ReadProblem]) -> SyncResult:
    unreadable = [
        Unreadable(make_order(n).order_no, problem, f"why {n}") for n, problem in problems.items()
    ]
    return SyncResult([make_order(n) for n in orders], None, 0, unreadable=unreadable)


async def test_an_order_never_read_gets_a_row_saying_why(clock: ManualClock) -> None:
    sync = syncer(FakeBackend([watched([1], {2: ReadProblem.NOT_FOUND})]), clock)
    await sync.poll()
    row = sync.book.get(make_order(2).order_no)
    assert row is not None and row.status is OrderStatus.UNREADABLE
    assert row.raw_status == "not_found" and row.label is not None and row.label.text == "why 2"
    assert sync.error is None  # one order's trouble is not the shop's


@pytest.mark.parametrize(
    "problem", [ReadProblem.RATE_LIMITED, ReadProblem.UNREADABLE, ReadProblem.NOT_YOURS]
)
async def test_what_was_read_stays_until_the_shop_says_the_order_is_gone(
    clock: ManualClock, problem: ReadProblem
) -> None:
    backend = FakeBackend(
        [watched([1, 2], {}), watched([1], {2: problem}), watched([1], {2: ReadProblem.NOT_FOUND})]
    )
    sync = syncer(backend, clock)
    await sync.poll()
    read = sync.book.get(make_order(2).order_no)
    clock.advance(5)
    changes = await sync.poll()
    assert changes is not None and not changes  # kept as read, no change
    assert sync.book.get(make_order(2).order_no) == read
    clock.advance(5)
    changes = await sync.poll()
    row = sync.book.get(make_order(2).order_no)
    assert row is not None and row.status is OrderStatus.UNREADABLE
    assert row.product_name == make_order(2).product_name  # what it was, for the person
    assert changes is not None and not changes.removed  # a row, not a silent deletion


async def test_the_same_problem_twice_is_no_change(clock: ManualClock) -> None:
    problem = {2: ReadProblem.UNREADABLE}
    sync = syncer(FakeBackend([watched([1], problem), watched([1], problem)]), clock)
    await sync.poll()
    clock.advance(5)
    changes = await sync.poll()
    assert changes is not None and not changes


def test_the_demo_tracker_does_not_load_the_http_stack() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from kameng_tui.backends.demo import DemoBackend, DemoPlatform\n"
        "from kameng_tui.domain.book import OrderBook\n"
        "from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock\n"
        "from kameng_tui.sync import Syncer, WireLimits\n"
        "clock = ManualClock(FIXED_EPOCH)\n"
        "backend = DemoBackend(DemoPlatform(orders=5, clock=clock))\n"
        "Syncer(backend, OrderBook(), clock, 5)\n"
        "WireLimits.of(backend)\n"
        "print('httpx' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
