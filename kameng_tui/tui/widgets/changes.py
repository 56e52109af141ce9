"""Status changes, said without covering anything: one line above the footer, and a log.

Toasts covered the details and half the list at 80x24. Here a refresh's status changes become
one line ("3 orders changed: 腾讯Q币 100元 → Completed, …") in a bar that always takes one row,
so nothing moves when it fills or empties. The line is highlighted for a few seconds; then the
bar says, dimmed, when the last change came and that `l` opens the log of the last 500.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import ClassVar

import msgspec
from rich.text import Text
from textual.timer import Timer
from textual.widget import Widget

from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus
from kameng_tui.domain.text import clean
from kameng_tui.i18n import Messages

KEEP = 500  # changes the log holds
SHOWN_FOR = 8.0  # seconds the bar stays highlighted after a change
PRODUCT_CELLS = 24  # a product name in the bar is cut here


class Change(msgspec.Struct, frozen=True):
    at: datetime
    order_no: str
    product: str
    old: OrderStatus
    new: OrderStatus
    key: str = ""  # Order.key: where the change log leads

    @classmethod
    def of(cls, at: datetime, old: Order, new: Order) -> Change:
        return cls(at, new.order_no, new.product_name, old.status, new.status, new.key)


class ChangeLog:
    """The last KEEP status changes, oldest first."""

    def __init__(self, keep: int = KEEP) -> None:
        self._changes: deque[Change] = deque(maxlen=keep)

    def __len__(self) -> int:
        return len(self._changes)

    def __iter__(self) -> Iterator[Change]:
        return iter(self._changes)

    def add(self, changes: Iterable[Change]) -> None:
        self._changes.extend(changes)

    def newest_first(self) -> list[Change]:
        return list(reversed(self._changes))

    @property
    def last(self) -> Change | None:
        return self._changes[-1] if self._changes else None


def summary(t: Messages, changes: list[Change]) -> str:
    """One line naming each order's product and new status."""
    items = ", ".join(
        t(
            "changes.one",
            product=clean(c.product, limit=PRODUCT_CELLS),
            status=t.enum("status", c.new),
        )
        for c in changes[:20]
    )
    return t("changes.line", n=len(changes), items=items)


class ChangeBar(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"change-bar--active", "change-bar--idle"}

    def __init__(self, messages: Messages, log: ChangeLog, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.t = messages
        self.changes = log
        self.text: str = ""  # the highlighted line, "" when idle
        self._timer: Timer | None = None

    def show(self, changes: list[Change]) -> None:
        text = summary(self.t, changes)
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SHOWN_FOR, self.clear)
        if text != self.text:  # the same line again only stays highlighted for longer
            self.text = text
            self.refresh()

    def clear(self) -> None:
        self._timer = None
        if self.text:
            self.text = ""
            self.refresh()

    def set_messages(self, messages: Messages) -> None:
        self.t = messages
        self.refresh()

    def render(self) -> Text:
        if self.text:
            style = self.get_component_rich_style("change-bar--active", partial=False)
            line = Text(f" {self.text}", style=style, no_wrap=True, overflow="ellipsis")
        else:
            last = self.changes.last
            if last is None:
                idle = self.t("changes.idle")
            else:
                at = last.at.astimezone().strftime("%H:%M:%S")
                idle = self.t("changes.idle_last", at=at, n=len(self.changes))
            style = self.get_component_rich_style("change-bar--idle", partial=False)
            line = Text(f" {idle}", style=style, no_wrap=True, overflow="ellipsis")
        line.truncate(max(self.size.width, 1), overflow="ellipsis")
        return line
