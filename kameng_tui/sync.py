"""The poll loop's state: when to poll next, what the header says, and applying results.

Pure Python on purpose: the TUI drives it from a worker and a timer, tests drive it directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kameng_tui.backends.base import Backend, BackendError, Unreadable
from kameng_tui.domain.book import ChangeSet, OrderBook
from kameng_tui.domain.clock import Clock
from kameng_tui.domain.order import stand_in
from kameng_tui.domain.text import clean

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


class RefreshMode(StrEnum):
    AUTO = "auto"
    PAUSED = "paused"
    REFRESHING = "refreshing"
    LOADING = "loading"  # the first sync is still bringing in pages
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class RefreshState:
    mode: RefreshMode
    interval: float
    last_success: datetime | None
    error: str | None = None
    retry_in: float = 0.0


class Syncer:
    """Polls one backend into one order book, never two polls at once."""

    def __init__(self, backend: Backend, book: OrderBook, clock: Clock, interval: float) -> None:
        self.backend = backend
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
        self.received: set[str] = set()  # order numbers of the sync that started from scratch
        self.full_syncs = 0  # syncs from no cursor that have completed
        self.skipped: list[str] = []  # malformed orders the last page left out, one line each
        self.unreadable: list[Unreadable] = []  # watched orders the last poll could not read

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

    def toggle_pause(self) -> bool:
        self.paused = not self.paused
        if not self.paused:
            self.next_at = None
        return self.paused

    async def poll(self) -> ChangeSet | None:
        """One page of a poll: the changes applied, or None if a poll was already running or it
        failed. When `more` is then true, the caller should poll again at once."""
        if self.running:
            return None
        self.running = True
        try:
            result = await self.backend.fetch_changes(self.cursor)
        except BackendError as error:
            self._failed(str(error), error.retry_after, retryable=error.retryable)
            return None
        except Exception as error:  # a backend bug must not take the screen down
            message = f"{type(error).__name__}: {error}".splitlines()[0][:200]
            self._failed(message, None, retryable=False)
            return None
        finally:
            self.running = False
        from_scratch = self.cursor is None
        if from_scratch and not self.more:
            self.received = set()
        if from_scratch or self.more:
            self.received.update(o.order_no for o in result.orders)
        now = self.clock.now()
        stand_ins = []
        for problem in result.unreadable:
            old = self.book.get(problem.order_no)
            row = stand_in(problem.order_no, problem.problem, problem.detail, now, old)
            if row is not None:
                stand_ins.append(row)
            if from_scratch or self.more:
                self.received.add(problem.order_no)  # known to the platform's list still
        self.unreadable = result.unreadable
        for item in result.unreadable:
            log.info(
                "%s/%s order %s not read: %s",
                self.backend.platform,
                self.backend.profile,
                clean(item.order_no, limit=64),
                clean(item.detail, limit=200),
            )
        changes = self.book.apply([*result.orders, *stand_ins], result.removed)
        if (from_scratch or self.more) and not result.more:
            self.full_syncs += 1
        self.cursor = result.cursor
        self.total = result.total
        self.more = result.more
        self.failures = 0
        self.error = None
        self.last_success = self.clock.now()
        self.skipped = result.skipped
        for line in result.skipped:
            log.warning(
                "%s/%s order left out: %s", self.backend.platform, self.backend.profile, line
            )
        if result.more:
            self.next_at = None
        else:
            self.polls += 1
            self.next_at = self.last_success + timedelta(seconds=self.interval)
        return changes

    def _failed(self, message: str, retry_after: float | None, *, retryable: bool) -> None:
        log.warning("%s/%s poll failed: %s", self.backend.platform, self.backend.profile, message)
        self.failures += 1
        self.error = message
        delay = retry_delay(
            self.interval, self.failures, retryable=retryable, retry_after=retry_after
        )
        self.next_at = self.clock.now() + timedelta(seconds=delay)
