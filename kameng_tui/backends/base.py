"""The interface every platform backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from kameng_tui.domain.actions import Action
from kameng_tui.domain.order import Order


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


class MalformedOrder(BackendError):
    """One order the platform sent cannot be read. A batch leaves it out and goes on: one bad
    row must not stop every other order from updating (nor an incremental cursor moving)."""


@dataclass(frozen=True, slots=True)
class SyncResult:
    """Orders that are new or changed since the cursor the caller passed."""

    orders: list[Order]
    cursor: str | None
    total: int  # orders the platform knows of in all
    removed: list[str] = field(default_factory=list)
    more: bool = False  # another page is ready: ask again with `cursor` at once
    skipped: list[str] = field(default_factory=list)  # one line per malformed order left out


class Backend(ABC):
    """One platform, as seen by one profile."""

    platform: str  # e.g. "demo"; the catalogue has "platform.<name>"
    profile: str
    supported_actions: frozenset[Action] = frozenset()

    async def perform(self, order_no: str, action: Action, text: str | None = None) -> Order:
        """Do `action` on the order; the order as it is afterwards. BackendError when the
        platform refuses or fails (one line)."""
        raise BackendError(f"{self.platform} does not offer {action.value}")

    @abstractmethod
    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        """Everything when `cursor` is None, else what changed since it."""

    async def fetch_watched(self, numbers: list[str]) -> SyncResult:
        """For watch-list platforms: each watched order; the ones the platform does not know
        come back as removed."""
        orders, missing, skipped = [], [], []
        for order_no in numbers:
            try:
                order = await self.get_order(order_no)
            except MalformedOrder as exc:
                skipped.append(f"{order_no}: {exc}")
                continue
            if order is None:
                missing.append(order_no)
            else:
                orders.append(order)
        raise_if_all_malformed(len(orders) + len(missing), skipped)
        return SyncResult(orders, None, len(orders), removed=missing, skipped=skipped)

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


def raise_if_all_malformed(good: int, skipped: list[str]) -> None:
    """Nothing readable at all is no longer one bad row but a bad answer: say so as an error."""
    if skipped and not good:
        raise BackendError(
            skipped[0] if len(skipped) == 1 else f"{skipped[0]} (+{len(skipped) - 1} more)"
        )
