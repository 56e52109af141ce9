"""The poll loop's state: when to poll next, what the header says, and applying results.

Pure Python on purpose: the TUI drives it from a worker and a timer, tests drive it directly.

A shop's paging is untrusted too: `more: true` for ever (a cursor that never moves, empty
pages, a page count past what `total` allows, or simply too many orders) is caught by
`Paging`, the one check that both the tracker (`Syncer`) and `kameng-tui orders`
(`read_all`) use; pages of one poll are spaced, and each page has a deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

import msgspec

from kameng_tui.backends.base import Backend, BackendError, ReadProblem, SyncResult, Unreadable
from kameng_tui.domain.book import ChangeSet, OrderBook
from kameng_tui.domain.clock import Clock
from kameng_tui.domain.order import order_key, profile_of, stamped, stand_in
from kameng_tui.domain.text import clean

if TYPE_CHECKING:
    from kameng_tui.domain.order import Order

# After a failed poll. The rule: a failing platform is tried again at least once per interval,
# so once it is back the tracker notices within one interval, by itself. Within that bound it
# backs off: trouble that may pass (a timeout, a dropped connection, 429, 5xx) is tried again
# after a quarter interval, then half, then every interval; trouble that will not pass by
# itself (401, 403, a wrong URL, an HTML page) waits the whole interval. Only Retry-After
# (429, 503) makes it wait longer: the platform has said it is not back before then.
FIRST_RETRY_SHARE = 0.25  # of the interval
MIN_RETRY = 0.5  # seconds, unless the interval itself is shorter
MAX_RETRY_AFTER = 3600.0  # a longer Retry-After is a bug, not a plan
log = logging.getLogger("kameng_tui.sync")


def retry_delay(
    interval: float, failures: int, *, retryable: bool, retry_after: float | None = None
) -> float:
    """Seconds from the `failures`-th failed poll in a row to the next try."""
    delay = interval
    if retryable:
        grown = interval * FIRST_RETRY_SHARE * 2 ** min(failures - 1, 30)
        delay = min(interval, max(MIN_RETRY, grown))
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


class WireLimits(msgspec.Struct, frozen=True):
    """How a poll treats one shop: pages spaced by `page_spacing` seconds, at most
    `max_orders` orders, each page (every request it makes) within `poll_deadline` seconds;
    `fetch_ahead`: the next page is asked for while this one is applied (HTTP without spacing:
    the network and the shop work meanwhile; in process there is nothing to overlap)."""

    page_spacing: float = 0.0
    max_orders: int = 200_000
    poll_deadline: float = 60.0
    fetch_ahead: bool = False

    @classmethod
    def of(cls, backend: Backend) -> WireLimits:
        """The limits of the backend's HTTP settings (the profile's `timeout`, `max_orders`);
        a backend without HTTP (the offline demo) is not paced."""
        http = getattr(backend, "http", None)
        if http is None:  # the offline demo: never loads the HTTP stack (httpx) for this
            return cls()
        from kameng_tui.backends import http as http_module  # already loaded by the backend

        settings = http.settings if isinstance(http, http_module.JsonHttp) else None
        s = settings or http_module.DEFAULT_SETTINGS
        spacing = s.page_spacing if settings else 0.0
        return cls(spacing, s.max_orders, s.poll_deadline, fetch_ahead=spacing <= 0)


class Stop(msgspec.Struct, frozen=True):
    """Why a poll asks for no further page although the shop says there is one."""

    message: str
    cap: bool = False  # max_orders reached (what was read is good); else the paging is broken


class Paging:
    """One pass over a shop's pages, from a first page to the one without `more`: whether
    the shop's paging still gets anywhere. Each page must move the cursor somewhere new and
    bring orders not seen in this pass, and no more pages may come than `total` allows."""

    def __init__(self, max_orders: int) -> None:
        self.max_orders = max_orders
        self.pages = 0
        self.cursors: set[str] = set()
        self.seen: set[str] = set()

    def stop(self, sent: str | None, result: SyncResult, held: int) -> Stop | None:
        """After the page asked for with cursor `sent`, holding `held` orders in all: why
        not to ask for the next page the result offers (None: ask for it)."""
        self.pages += 1
        page = self.pages
        numbers = {o.order_no for o in result.orders} | {u.order_no for u in result.unreadable}
        fresh = bool(numbers - self.seen)
        self.seen |= numbers
        if not result.more:
            return None
        if held >= self.max_orders:
            return Stop(
                f"stopped at {held:,} orders, the most read from one shop (max_orders): "
                "the rest were not read",
                cap=True,
            )
        endless = "the shop's paging never ends"
        cursor = result.cursor
        if cursor is None or cursor == sent or cursor in self.cursors:
            return Stop(f"{endless}: page {page} points back to a page already read")
        self.cursors.add(cursor)
        if not numbers and not result.removed:
            return Stop(f"{endless}: page {page} is empty, yet more are said to follow")
        if numbers and not fresh:
            return Stop(f"{endless}: page {page} only repeats orders already read")
        if page > max(result.total, 1):
            return Stop(f"{endless}: page {page}, with more to follow, of {result.total:,} orders")
        return None


async def fetch_page(backend: Backend, cursor: str | None, deadline: float) -> SyncResult:
    """One page, within `deadline` seconds for everything it takes; BackendError past that."""
    timer = asyncio.timeout(deadline)
    try:
        async with timer:
            return await backend.fetch_changes(cursor)
    except TimeoutError:
        if not timer.expired():
            raise
        raise BackendError(
            f"timed out: the shop took longer than {deadline:g} s", retryable=True
        ) from None


def _quiet(task: asyncio.Future[SyncResult]) -> None:
    """Mark a page fetched ahead as looked at: one that is dropped must not log "exception
    never retrieved"."""
    if not task.cancelled():
        task.exception()


async def space(last: float | None, spacing: float) -> None:
    """Wait until `spacing` seconds have passed since `last` (time.monotonic()), if need be."""
    if last is None or spacing <= 0:
        return
    wait = spacing - (time.monotonic() - last)
    if wait > 0:
        await asyncio.sleep(wait)


# How long `orders` waits, in all, for a platform's request budget to read every watched order.
CLI_BUDGET_WAIT = 30.0


class Fetched(msgspec.Struct):
    """What one profile gave: the orders it could read, and one line per order it could not."""

    orders: list[Order] = msgspec.field(default_factory=list)
    problems: list[str] = msgspec.field(default_factory=list)


async def read_all(
    backend: Backend, *, limits: WireLimits | None = None, budget_wait: float = CLI_BUDGET_WAIT
) -> Fetched:
    """Every order the backend gives, page after page (headless: `kameng-tui orders`).

    Raises BackendError when a page fails or the paging gets nowhere; reaching max_orders
    keeps what was read, with one line saying so."""
    limits = limits or WireLimits.of(backend)
    orders: dict[str, Order] = {}
    skipped: list[str] = []
    unreadable: dict[str, Unreadable] = {}
    cursor: str | None = None
    paging = Paging(limits.max_orders)
    last: float | None = None
    waited = 0.0
    while True:
        if cursor is not None:
            await space(last, limits.page_spacing)
        result = await fetch_page(backend, cursor, limits.poll_deadline)
        last = time.monotonic()
        orders.update((o.key, o) for o in result.orders)
        skipped += result.skipped
        for item in result.unreadable:
            unreadable[item.order_no] = item
        for order in result.orders:
            unreadable.pop(order.key, None)
        stop = paging.stop(cursor, result, len(orders))
        if stop is not None:
            if not stop.cap:
                raise BackendError(stop.message)
            skipped.append(stop.message)
            break
        if result.more:
            cursor = result.cursor
            continue
        # Orders the platform's rate limit held back: wait for them, up to a point.
        waits = [
            u.retry_after or 0.0
            for u in unreadable.values()
            if u.problem is ReadProblem.RATE_LIMITED
        ]
        if not waits or waited + min(waits) > budget_wait:
            break
        pause = min(max(waits), budget_wait - waited)
        await asyncio.sleep(pause)
        waited += pause
        cursor = None
        paging = Paging(limits.max_orders)
    problems = [f"{clean(u.order_no, limit=64)}: {u.detail}" for u in unreadable.values()]
    return Fetched(list(orders.values()), skipped + problems)


class RefreshMode(StrEnum):
    AUTO = "auto"
    PAUSED = "paused"
    REFRESHING = "refreshing"
    LOADING = "loading"  # the first sync is still bringing in pages
    ERROR = "error"


class RefreshState(msgspec.Struct, frozen=True):
    mode: RefreshMode
    interval: float
    last_success: datetime | None
    error: str | None = None
    retry_in: float = 0.0


def combined_state(syncers: list[Syncer]) -> tuple[datetime | None, RefreshState, list[int]]:
    """Several shops' polls as one header says them: the stalest success of the shops that
    are fine, the state (an error while any fails, with the first one's countdown), and the
    indexes of the failing ones."""
    states = [s.state() for s in syncers]
    # Failing until a poll succeeds: a retry under way does not make a shop fine.
    failing = [i for i, s in enumerate(syncers) if s.error is not None]
    modes = {state.mode for state in states}
    if failing:
        mode = RefreshMode.ERROR
    elif RefreshMode.LOADING in modes:
        mode = RefreshMode.LOADING
    elif RefreshMode.REFRESHING in modes:
        mode = RefreshMode.REFRESHING
    elif modes == {RefreshMode.PAUSED}:
        mode = RefreshMode.PAUSED
    else:
        mode = RefreshMode.AUTO
    fine = [s.last_success for i, s in enumerate(syncers) if i not in failing]
    known = [at for at in fine if at is not None]
    last = min(known) if known and len(known) == len(fine) else None
    first = states[failing[0]] if failing else None
    state = RefreshState(
        mode,
        min(s.interval for s in syncers),
        last,
        first.error if first else None,
        first.retry_in if first else 0.0,
    )
    return last, state, failing


class Syncer:
    """Polls one backend into one order book, never two polls at once.

    With a `stamp` (the profile's name, where several profiles share one book), every order
    is stamped with it (domain.order.stamped), so numbers of different shops never collide."""

    def __init__(
        self,
        backend: Backend,
        book: OrderBook,
        clock: Clock,
        interval: float,
        limits: WireLimits | None = None,
        *,
        stamp: str = "",
    ) -> None:
        self.backend = backend
        self.stamp = stamp
        self.limits = limits or WireLimits.of(backend)
        self.book = book
        self.clock = clock
        self.interval = interval
        self.paused = False
        self.running = False
        self.cursor: str | None = None
        self.total = 0
        self.last_success: datetime | None = None
        self.error: str | None = None
        self.failures = 0
        self.next_at: datetime | None = None  # None: due now
        self.polls = 0
        self.more = False  # the backend has another page ready
        self.received: set[str] = set()  # order keys of the sync that started from scratch
        self.full_syncs = 0  # syncs from no cursor that have completed
        self.skipped: list[str] = []  # malformed orders the last page left out, one line each
        self.unreadable: list[Unreadable] = []  # watched orders the last poll could not read
        # Pausing stops a poll between its pages (no further request); r lifts it.
        self.halted = False
        self._paging: Paging | None = None  # the pass the pages of this poll belong to
        self._pass_cursor: str | None = None  # where that pass started
        self._last_page: float | None = None  # time.monotonic() when the last page ended
        # The next page, asked for while this one is applied: (its cursor, the request); or
        # the first page asked for before the screen was there (prefetch: cursor None).
        self._ahead: tuple[str | None, asyncio.Future[SyncResult]] | None = None
        self._prefetching = False  # the first page asked for early: the next waits for paint
        backend.read_ahead_while(self._reads_ahead)

    def _reads_ahead(self) -> bool:
        """Whether the backend may ask for the next page as this one arrives: as the syncer's
        own fetch-ahead would (not paused with p, not before the first frame is painted)."""
        return self.limits.fetch_ahead and not self.halted and not self._prefetching

    def state(self) -> RefreshState:
        now = self.clock.now()
        if self.paused and not self.running:
            mode = RefreshMode.PAUSED  # no retry is coming: the pause is what matters
        elif self.error is not None and not self.running:
            mode = RefreshMode.ERROR
        elif self.more:
            mode = RefreshMode.LOADING
        elif self.running:
            mode = RefreshMode.REFRESHING
        elif self.error is not None:
            mode = RefreshMode.ERROR
        elif self.paused:
            mode = RefreshMode.PAUSED
        else:
            mode = RefreshMode.AUTO
        retry_in = 0.0
        if self.error is not None and self.next_at is not None:
            retry_in = max((self.next_at - now).total_seconds(), 0.0)
        return RefreshState(mode, self.interval, self.last_success, self.error, retry_in)

    def due(self) -> bool:
        """Whether the scheduler should start a poll now."""
        if self.running or self.paused:
            return False  # paused means no traffic; r still polls on request
        return self.next_at is None or self.clock.now() >= self.next_at

    def seconds_until_due(self) -> float:
        if self.next_at is None:
            return 0.0
        return max((self.next_at - self.clock.now()).total_seconds(), 0.0)

    def request_now(self) -> None:
        self.next_at = None
        self.halted = False

    def toggle_pause(self) -> bool:
        self.paused = not self.paused
        self.halted = self.paused
        if self.halted:
            self.drop_ahead()
        if not self.paused:
            self.next_at = None
        return self.paused

    def prefetch(self) -> None:
        """Ask for the first page now, before anything polls: the first poll takes it (a
        failure is its failure). Nothing if a poll already ran or is running, or paused."""
        if (
            self.polls
            or self.running
            or self.paused
            or self.cursor is not None
            or self.last_success is not None
            or self.error is not None
            or self._ahead is not None
        ):
            return
        task = asyncio.ensure_future(fetch_page(self.backend, None, self.limits.poll_deadline))
        task.add_done_callback(_quiet)  # an error is raised where the page is awaited
        self._ahead = (None, task)
        self._prefetching = True

    @property
    def first_page_ready(self) -> bool:
        """The prefetched first page has arrived (or failed): poll() will not wait for it."""
        return self._ahead is not None and self._ahead[0] is None and self._ahead[1].done()

    async def wait_first_page(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the prefetched first page: whether it is there."""
        if self._ahead is None or self._ahead[0] is not None:
            return False
        await asyncio.wait([self._ahead[1]], timeout=timeout)  # neither raises nor cancels
        return self.first_page_ready

    async def poll(self) -> ChangeSet | None:
        """One page of a poll: the changes applied, or None if a poll was already running, it
        was paused, or it failed. When `more` is then true, the caller should poll again at
        once (this waits the pages' spacing itself)."""
        if self.running or (self.halted and self.more):
            return None  # halted: not the next page of a poll that p paused
        self.running = True
        sent = self.cursor
        ahead, self._ahead = self._ahead, None
        prefetched = False
        try:
            # Cursor None: the first page, prefetched; else fetched while the last page was
            # being applied.
            if ahead is not None and ahead[0] == sent and (self.more or sent is None):
                prefetched = sent is None
                result = await ahead[1]
            else:
                if ahead is not None:
                    ahead[1].cancel()
                    self._prefetching = False
                if self.more:
                    await space(self._last_page, self.limits.page_spacing)
                    if self.halted:
                        return None  # paused while waiting: not one more request
                result = await fetch_page(self.backend, sent, self.limits.poll_deadline)
        except BackendError as error:
            self._failed(str(error), error.retry_after, retryable=error.retryable)
            return None
        except Exception as error:  # a backend bug must not take the screen down
            # Its traceback goes to the log file (--log / --debug), never to the screen.
            log.error(
                "%s/%s: backend bug", self.backend.platform, self.backend.profile, exc_info=True
            )
            message = f"{type(error).__name__}: {error}".splitlines()[0][:200]
            self._failed(message, None, retryable=False)
            return None
        finally:
            self.running = False
            self._last_page = time.monotonic()
            if prefetched:  # in: the next page is asked for by whom polls next
                self._prefetching = False
        # After a prefetched first page the caller asks for the next once that page is painted:
        # fetched now, it would compete with the first frame for the one core.
        if not prefetched:
            self._fetch_ahead(sent, result)
        if self._paging is None or not self.more:  # this page starts a pass
            self._paging = Paging(self.limits.max_orders)
            self._pass_cursor = sent
        from_scratch = self.cursor is None
        if from_scratch and not self.more:
            self.received = set()
        orders, removed = result.orders, result.removed
        if self.stamp:
            stamp = self.stamp
            orders = [stamped(o, stamp) for o in orders]
            removed = [order_key(stamp, key) for key in removed]
        if from_scratch or self.more:
            self.received.update(o.key for o in orders)
        now = self.clock.now()
        stand_ins = []
        for problem in result.unreadable:
            key = order_key(self.stamp, problem.order_no)
            row = stand_in(problem.order_no, problem.problem, problem.detail, now,
                           self.book.get(key))  # fmt: skip
            if row is not None:
                stand_ins.append(stamped(row, self.stamp) if self.stamp and not row.shop else row)
            if from_scratch or self.more:
                self.received.add(key)  # known to the platform's list still
        self.unreadable = result.unreadable
        for item in result.unreadable:
            log.info(
                "%s/%s order %s not read: %s",
                self.backend.platform,
                self.backend.profile,
                clean(item.order_no, limit=64),
                clean(item.detail, limit=200),
            )
        changes = self.book.apply([*orders, *stand_ins], removed)
        held = self.book.by_shop[self.stamp] if self.stamp else len(self.book)
        stop = self._paging.stop(sent, result, held)
        more = result.more and stop is None
        if not more:
            self.drop_ahead()
        if (from_scratch or self.more) and not result.more:
            self.full_syncs += 1
        self.cursor = result.cursor if stop is None else self._pass_cursor
        self.total = result.total
        self.more = more
        self.skipped = result.skipped
        for line in result.skipped:
            log.warning(
                "%s/%s order left out: %s", self.backend.platform, self.backend.profile, line
            )
        self.last_success = self.clock.now()
        if not more:
            self._paging = None
        if stop is not None:
            # What was read stays; the pass did not end, so nothing can be said gone, and the
            # next poll starts it again (after the interval: the shop will not have changed).
            mine = self.stamp
            self.received |= {o.key for o in self.book if not mine or profile_of(o) == mine}
            self.polls += 1
            self._failed(stop.message, None, retryable=False)
            return changes
        self.failures = 0
        self.error = None
        if result.more:
            self.next_at = None
        else:
            self.polls += 1
            self.next_at = self.last_success + timedelta(seconds=self.interval)
        return changes

    def _fetch_ahead(self, sent: str | None, result: SyncResult) -> None:
        """Where pages need no spacing (the kameng API: `more` means the next one is ready),
        ask for the next page at once, while this one is applied and painted: the shop, the
        network and the decoding thread work meanwhile. Dropped if this page ends the pass
        or p halts it."""
        cursor = result.cursor
        if (
            result.more
            and cursor is not None
            and cursor != sent
            and self.limits.fetch_ahead
            and not self.halted
        ):
            task = asyncio.ensure_future(
                fetch_page(self.backend, cursor, self.limits.poll_deadline)
            )
            task.add_done_callback(_quiet)  # an error is raised where the page is awaited
            self._ahead = (cursor, task)

    def drop_ahead(self) -> None:
        """Forget a page asked for ahead (the pass stopped, or the shop is closing)."""
        if self._ahead is not None:
            self._ahead[1].cancel()
            self._ahead = None
        self._prefetching = False  # nothing asked for early now

    def _failed(self, message: str, retry_after: float | None, *, retryable: bool) -> None:
        log.warning("%s/%s poll failed: %s", self.backend.platform, self.backend.profile, message)
        self.failures += 1
        self.error = message
        delay = retry_delay(
            self.interval, self.failures, retryable=retryable, retry_after=retry_after
        )
        self.next_at = self.clock.now() + timedelta(seconds=delay)
