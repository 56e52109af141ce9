"""Watch lists: one order's problem is that order's row; a budget spreads the requests."""

from __future__ import annotations

import pytest

from kameng_tui.backends.base import (
    Backend,
    BackendError,
    OrderProblem,
    RateLimited,
    ReadProblem,
    SyncResult,
)
from kameng_tui.backends.budget import RateLimit, RequestBudget
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from tests.domain.factory import make_order


class Shop(Backend):
    """A watch-list platform whose answers a test sets per order number."""

    platform = "test"
    profile = "test"

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        return await self.fetch_watched(list(self.answers))

    async def get_order(self, order_no: str) -> Order | None:
        self.asked.append(order_no)
        answer = self.answers[order_no]
        if isinstance(answer, Exception):
            raise answer
        assert answer is None or isinstance(answer, Order)
        return answer


async def test_each_problem_is_its_own_row_and_the_others_are_read() -> None:
    shop = Shop(
        {
            "A": make_order(order_no="A"),
            "B": None,
            "C": OrderProblem("the page cannot be read"),
            "D": OrderProblem("another buyer's order", ReadProblem.NOT_YOURS),
            "E": make_order(order_no="E"),
        }
    )
    result = await shop.fetch_watched(list(shop.answers))
    assert [o.order_no for o in result.orders] == ["A", "E"]
    problems = {u.order_no: u.problem for u in result.unreadable}
    assert problems == {
        "B": ReadProblem.NOT_FOUND,
        "C": ReadProblem.UNREADABLE,
        "D": ReadProblem.NOT_YOURS,
    }
    assert result.removed == []  # nothing is deleted on a guess


async def test_a_platform_error_is_the_whole_polls() -> None:
    shop = Shop({"A": make_order(order_no="A"), "B": BackendError("connection refused")})
    with pytest.raises(BackendError, match="connection refused"):
        await shop.fetch_watched(list(shop.answers))


async def test_a_refusal_stops_the_polls_requests() -> None:
    shop = Shop(
        {
            "A": make_order(order_no="A"),
            "B": RateLimited("rate limited (HTTP 429)", retry_after=60),
            "C": make_order(order_no="C"),
        }
    )
    clock = ManualClock(FIXED_EPOCH)
    budget = RequestBudget(RateLimit(120, 60), clock)
    result = await shop.fetch_watched(["A", "B", "C"], budget)
    assert shop.asked == ["A", "B"]  # C is not asked after the refusal
    assert [o.order_no for o in result.orders] == ["A"]
    assert {u.order_no: u.retry_after for u in result.unreadable} == {"B": 60, "C": 60}
    assert not budget.take()  # held for the platform's wait


async def test_refused_before_anything_was_read_is_an_error_with_the_wait() -> None:
    shop = Shop({"A": RateLimited("rate limited (HTTP 429)", retry_after=60)})
    with pytest.raises(RateLimited) as raised:
        await shop.fetch_watched(["A"])
    assert raised.value.retry_after == 60


async def test_a_small_budget_reaches_every_order_in_turn() -> None:
    numbers = [f"N{i:02}" for i in range(40)]
    shop = Shop({no: make_order(order_no=no) for no in numbers})
    clock = ManualClock(FIXED_EPOCH)
    budget = RequestBudget(RateLimit(120, 60), clock)
    read_at: dict[str, int] = {}
    for poll in range(12):  # a minute at a 5 s interval
        result = await shop.fetch_watched(numbers, budget)
        for order in result.orders:
            read_at.setdefault(order.order_no, poll)
        waiting = [u for u in result.unreadable if u.problem is ReadProblem.RATE_LIMITED]
        assert len(result.orders) + len(waiting) == len(numbers)
        assert all("120 requests per 1 min" in u.detail for u in waiting)
        clock.advance(5)
    assert set(read_at) == set(numbers)
    assert len(shop.asked) <= 96  # the share of 120 a minute that a tracker may use
