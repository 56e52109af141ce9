"""Enter on an order: its details on the whole screen, kept up to date; Esc returns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from kameng_tui.domain.attention import DEFAULT_POLICY, AttentionPolicy
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.order import Order, TimelineEvent
from kameng_tui.i18n import Messages
from kameng_tui.tui.widgets.detail import DetailPane


class OrderDetailScreen(Screen[None]):
    """One order's details, full screen. The book is read again every tick, so a refresh
    that changes the order shows here too."""

    DEFAULT_CSS = """
    OrderDetailScreen #detail-full {
        height: 1fr;
        padding: 0 1;
        background: $surface;
    }
    OrderDetailScreen #detail-full-footer {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="detail.close"),
        Binding("c", "toggle_codes", "Card codes", id="detail.codes"),
    ]

    def __init__(
        self,
        messages: Messages,
        book: OrderBook,
        key: str,
        now: Callable[[], datetime],
        policy: AttentionPolicy = DEFAULT_POLICY,
        observed: Callable[[Order], list[TimelineEvent]] | None = None,
    ) -> None:
        super().__init__()
        self.t = messages
        self.book = book
        self.key = key  # Order.key
        self.pane = DetailPane(messages, now, id="detail-full")
        self.pane.policy = policy
        self.pane.observed = observed
        self._version = -1

    def compose(self) -> Iterator[Widget]:
        yield self.pane
        yield Static(self.t("detail.full_footer"), id="detail-full-footer", markup=False)

    def on_mount(self) -> None:
        self._follow()
        self.pane.focus()
        self.set_interval(1.0, self._tick)

    def _follow(self) -> None:
        """Show the order as the book has it now, if it changed (or is gone)."""
        version = self.book.version(self.key)
        if version != self._version:
            self._version = version
            self.pane.show(self.book.get(self.key))

    def _tick(self) -> None:
        self._follow()
        self.pane.tick()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_toggle_codes(self) -> None:
        self.pane.toggle_codes()
