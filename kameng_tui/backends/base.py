"""The interface every platform backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from itertools import count

import msgspec

from kameng_tui.backends.budget import RequestBudget
from kameng_tui.domain.actions import Action
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import ReadProblem

__all__ = ["ReadProblem"]  # re-exported: adapters name problems from here


class BackendError(Exception):
    """A platform could not be reached or answered something unusable. The message is one line
    fit for the header or stderr: never a secret, never a traceback.

    `retryable`: the trouble may pass by itself soon (a timeout, a dropped connection, 429,
    5xx), so the next try comes sooner; otherwise (401, 403, a wrong URL, an HTML page) only
    a change on the platform or in the profile helps, and it is tried once per interval."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, retryable: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.retryable = retryable


class RateLimited(BackendError):
    """The platform refused for now (HTTP 429 or its own words for it): wait `retry_after`."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after, retryable=True)


class OrderProblem(BackendError):
    """One order cannot be read, for a reason that concerns that order alone (see
    ReadProblem). A watch list shows it as a row saying why and goes on with the others."""

    problem = ReadProblem.UNREADABLE

    def __init__(self, message: str, problem: ReadProblem | None = None) -> None:
        super().__init__(message)
        if problem is not None:
            self.problem = problem


class MalformedOrder(OrderProblem):
    """One order the platform sent cannot be read. A batch leaves it out and goes on: one bad
    row must not stop every other order from updating (nor an incremental cursor moving)."""


class Unreadable(msgspec.Struct, frozen=True):
    """One order the platform would not show this time, and why (the others still count).

    `detail` is one line in English for the log, stderr and the row that stands in for it:
    never a secret. Only NOT_FOUND, said clearly by the platform, means the order is gone; the
    other problems keep what was last read of it."""

    order_no: str
    problem: ReadProblem
    detail: str = ""
    retry_after: float | None = None  # RATE_LIMITED: when the platform will answer again


class SyncResult(msgspec.Struct, frozen=True):
    """Orders that are new or changed since the cursor the caller passed."""

    orders: list[Order]
    cursor: str | None
    total: int  # orders the platform knows of in all
    removed: list[str] = msgspec.field(default_factory=list)
    more: bool = False  # another page is ready: ask again with `cursor` at once
    skipped: list[str] = msgspec.field(
        default_factory=list
    )  # one line per malformed order left out
    unreadable: list[Unreadable] = msgspec.field(
        default_factory=list
    )  # watched orders not read now


class Backend(ABC):
    """One platform, as seen by one profile."""

    platform: str  # e.g. "demo"; the catalogue has "platform.<name>"
    profile: str
    supported_actions: frozenset[Action] = frozenset()

    async def perform(self, order_no: str, action: Action, text: str | None = None) -> Order:
        """Do `action` on the order; the order as it is afterwards. BackendError when the
        platform refuses or fails (one line)."""
        raise BackendError(f"{self.platform} does not offer {action.value}")

    async def act(self, order: Order, action: Action, text: str | None = None) -> Order:
        """`perform` on this order: where the tracker acts. A backend that reads several
        shops (a hub) routes by the order's shop."""
        return await self.perform(order.order_no, action, text)

    @abstractmethod
    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        """Everything when `cursor` is None, else what changed since it."""

    def read_ahead_while(self, allowed: Callable[[], bool]) -> None:
        """A backend that asks for a poll's next page before it is asked (the kameng API's)
        does so only while `allowed()`: its syncer's say (not paused with p, pages unspaced,
        the first frame painted). Others have nothing to do."""
        return None

    async def fetch_watched(
        self, numbers: Sequence[str], budget: RequestBudget | None = None, cost: int = 1
    ) -> SyncResult:
        """For watch-list platforms: each watched order by `get_order`, as many as `budget`
        allows (`cost` requests each), those read longest ago first; the others wait for a
        later poll as RATE_LIMITED (what was read of them before stays on screen).

        One order's problem (not found, not yours, unreadable) is that order's row; a refusal
        (429) stops this poll's requests; any other error is the whole poll's."""
        # Backends set no state of the base class in __init__: the rotation is made on first use.
        rotation: _Rotation = self.__dict__.setdefault("_watch_rotation", _Rotation())
        queue = rotation.order(numbers)
        orders: list[Order] = []
        unreadable: list[Unreadable] = []
        refused: RateLimited | None = None
        for position, order_no in enumerate(queue):
            if refused is None and budget is not None and not budget.take(cost):
                wait = budget.wait(cost)
                detail = f"waiting for its turn: the shop allows {budget.limit.describe()}"
                unreadable += [
                    Unreadable(no, ReadProblem.RATE_LIMITED, detail, wait)
                    for no in queue[position:]
                ]
                break
            if refused is not None:
                problem = ReadProblem.RATE_LIMITED
                unreadable.append(Unreadable(order_no, problem, str(refused), refused.retry_after))
                continue
            try:
                order = await self.get_order(order_no)
            except RateLimited as exc:
                if budget is not None:
                    budget.hold(exc.retry_after)
                refused = exc
                unreadable.append(
                    Unreadable(order_no, ReadProblem.RATE_LIMITED, str(exc), exc.retry_after)
                )
                continue
            except OrderProblem as exc:
                unreadable.append(Unreadable(order_no, exc.problem, str(exc)))
            else:
                if order is None:
                    detail = "the shop has no order with this number"
                    unreadable.append(Unreadable(order_no, ReadProblem.NOT_FOUND, detail))
                else:
                    orders.append(order)
            rotation.asked(order_no)
        if refused is not None and not orders and len(unreadable) == len(queue):
            raise refused  # nothing at all this time: the header says so, with the wait
        return SyncResult(orders, None, len(queue), unreadable=unreadable)

    async def get_order(self, order_no: str) -> Order | None:
        """One order as the platform sees it now; None when it does not know it.

        The generic way reads everything; platforms with a per-order endpoint override it."""
        cursor: str | None = None
        while True:
            result = await self.fetch_changes(cursor)
            for order in result.orders:
                if order.order_no == order_no:
                    return order
            if not result.more:
                return None
            cursor = result.cursor

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


class _Rotation:
    """Which watched orders were asked longest ago, so a small budget still reaches them all."""

    def __init__(self) -> None:
        self._asked: dict[str, int] = {}
        self._counter: Iterator[int] = count()

    def order(self, numbers: Sequence[str]) -> list[str]:
        asked = self._asked
        return sorted(dict.fromkeys(numbers), key=lambda no: asked.get(no, -1))

    def asked(self, order_no: str) -> None:
        self._asked[order_no] = next(self._counter)


def raise_if_all_malformed(good: int, skipped: list[str]) -> None:
    """Nothing readable at all is no longer one bad row but a bad answer: say so as an error."""
    if skipped and not good:
        raise BackendError(
            skipped[0] if len(skipped) == 1 else f"{skipped[0]} (+{len(skipped) - 1} more)"
        )
