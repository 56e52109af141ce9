"""Request budgets: a platform's own limit is never reached, whatever the poll interval."""

from __future__ import annotations

from collections import deque

import pytest

from kameng_tui.backends.budget import RateLimit, RequestBudget
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock

# Dujiao-Next guest reads and acg-faka's buyer query, as their sources set them.
GUEST = RateLimit(requests=120, window=60, blocked_for=60)
QUERY = RateLimit(requests=30, window=600, burst=1, share=1.0)


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of requests in any span of `window` seconds."""
    inside: deque[float] = deque()
    most = 0
    for at in times:
        inside.append(at)
        while inside[0] <= at - window:
            inside.popleft()
        most = max(most, len(inside))
    return most


@pytest.mark.parametrize("limit", [GUEST, QUERY], ids=["guest", "query"])
@pytest.mark.parametrize("step", [0.1, 1.0, 5.0, 30.0])
def test_a_greedy_client_never_passes_the_limit(limit: RateLimit, step: float) -> None:
    clock = ManualClock(FIXED_EPOCH)
    budget = RequestBudget(limit, clock)
    sent: list[float] = []
    elapsed = 0.0
    while elapsed < limit.window * 6:
        while budget.take():
            sent.append(elapsed)
        clock.advance(step)
        elapsed += step
    assert most_in_any_window(sent, limit.window) <= limit.usable <= limit.requests
    # ... and it is not starved either: close to the whole share over a long run.
    assert len(sent) >= limit.usable * 6 // 2


def test_acg_faka_query_budget_is_one_lookup_per_twenty_seconds_at_most() -> None:
    clock = ManualClock(FIXED_EPOCH)
    budget = RequestBudget(QUERY, clock)
    assert budget.take()
    assert not budget.take()
    assert 20 <= budget.wait() <= 21
    clock.advance(budget.wait())
    assert budget.take()


def test_a_refusal_holds_everything_for_the_block_time() -> None:
    clock = ManualClock(FIXED_EPOCH)
    budget = RequestBudget(GUEST, clock)
    budget.hold()
    assert budget.available() == 0 and not budget.take()
    assert budget.wait() >= 60
    clock.advance(59)
    assert not budget.take()
    clock.advance(1)
    assert not budget.take()  # the bucket starts empty after the hold
    clock.advance(1 / GUEST.rate)
    assert budget.take()


def test_a_given_wait_overrides_the_block_time() -> None:
    clock = ManualClock(FIXED_EPOCH)
    budget = RequestBudget(GUEST, clock)
    budget.hold(5)
    clock.advance(5 + 1 / GUEST.rate)
    assert budget.take()


def test_describe_names_the_platform_limit() -> None:
    assert GUEST.describe() == "120 requests per 1 min"
    assert QUERY.describe() == "30 requests per 10 min"
