"""Each failing platform under the poll loop (the headless Syncer, on a manual clock): the last
good orders and their age stay, the state says what is wrong and counts down to the next try,
the tries back off up to the interval, and the first try after the platform is back succeeds,
at most one interval later (or when its Retry-After said).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kameng_tui.backends.kameng import KamengBackend
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import ManualClock
from kameng_tui.sync import RefreshMode, Syncer
from tests.failures.platforms import (
    CASE_IDS,
    CASES,
    TOKEN,
    Case,
    Platforms,
    assert_one_clean_line,
    settings,
)

INTERVAL = 4.0


def expected_delays(case: Case) -> list[float]:
    """The documented rule (sync.py, README): a quarter interval, half, then the interval for
    trouble that may pass; the interval for the rest; at least what Retry-After asks."""
    if case.retry_after is not None:
        return [case.retry_after] * 3  # 1, 2, 4 s, each raised to the 7 s the platform asked
    if case.retryable:
        return [1.0, 2.0, 4.0]
    return [INTERVAL] * 3


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
async def test_the_poll_loop_keeps_the_data_backs_off_and_recovers(
    case: Case, platforms: Platforms, clock: ManualClock
) -> None:
    backend = KamengBackend("shop", platforms.shop_url, TOKEN, settings=settings(retries=0))
    sync = Syncer(backend, OrderBook(), clock, INTERVAL)
    try:
        assert await sync.poll() is not None and len(sync.book) == 300
        good = {o.order_no: o for o in sync.book}
        synced_at = sync.last_success
        assert synced_at is not None

        platforms.fail(case, backend.http)
        delays = []
        for _ in range(3):
            clock.advance(sync.seconds_until_due())
            assert sync.due()
            assert await sync.poll() is None
            state = sync.state()
            assert state.mode is RefreshMode.ERROR and state.error is not None
            assert re.fullmatch(case.message, state.error), state.error
            assert_one_clean_line(state.error)
            # The last good orders stay, and so does the time they were good at (their age).
            assert {o.order_no: o for o in sync.book} == good
            assert state.last_success == synced_at < clock.now()
            delays.append(state.retry_in)
        assert delays == expected_delays(case)

        # The countdown runs with the clock, and nothing is tried before it ends.
        clock.advance(0.5)
        assert sync.state().retry_in == delays[-1] - 0.5 and not sync.due()

        # The platform is back: the next try, at most one interval away (unless Retry-After
        # said more), succeeds, and the loop is back to normal by itself.
        platforms.heal(backend.http)
        wait = sync.seconds_until_due()
        assert wait <= max(INTERVAL, case.retry_after or 0) - 0.5
        clock.advance(wait)
        assert sync.due()
        assert await sync.poll() is not None
        state = sync.state()
        assert state.mode is RefreshMode.AUTO and state.error is None and sync.failures == 0
        assert state.last_success == clock.now() and len(sync.book) == 300
        assert sync.seconds_until_due() == INTERVAL
        assert sync.next_at == clock.now() + timedelta(seconds=INTERVAL)
    finally:
        await backend.aclose()
