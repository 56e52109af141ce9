"""The Textual application: wires a backend, a clock and a language to the order screen."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from kameng_tui.backends.base import Backend
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import Clock, SystemClock
from kameng_tui.i18n import Lang, Messages
from kameng_tui.sync import Syncer
from kameng_tui.tui.screens.help import HelpScreen, binding_text, describe_bindings
from kameng_tui.tui.screens.orders import OrdersScreen, SearchInput
from kameng_tui.tui.widgets.order_list import OrderList


class KamengApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "kameng-tui"
    # Details go beside the list only where both keep enough room; below it otherwise.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (170, "-wide")]  # noqa: RUF012 (Textual API)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(
        self,
        backend: Backend,
        *,
        lang: Lang = Lang.EN,
        interval: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.clock: Clock = clock or SystemClock()
        self.messages = Messages(lang)
        self.syncer = Syncer(backend, OrderBook(), self.clock, interval)
        self.orders_screen = OrdersScreen(self.syncer, self.messages)
        self._localize()

    def on_mount(self) -> None:
        self.push_screen(self.orders_screen)

    async def on_unmount(self) -> None:
        await self.backend.aclose()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        t = self.messages
        groups: list[tuple[str, list[BindingType]]] = [
            (t("help.general"), self.BINDINGS),
            (t("help.orders"), OrdersScreen.BINDINGS),
            (t("help.list"), OrderList.BINDINGS),
            (t("help.search"), SearchInput.BINDINGS),
            (t("help.focus"), [Binding("tab", "focus_next", "", id="app.focus_next")]),
        ]
        sections = describe_bindings(groups, t, self.get_key_display)
        mouse = [(t("help.click"), t("help.click_desc")), (t("help.wheel"), t("help.wheel_desc"))]
        sections.append((t("help.mouse"), mouse))
        self.push_screen(HelpScreen(t, sections))

    def toggle_lang(self) -> None:
        lang = Lang.ZH if self.messages.lang is Lang.EN else Lang.EN
        self.messages = Messages(lang)
        self._localize()
        self.orders_screen.set_messages(self.messages)
        self.refresh_bindings()

    def _localize(self) -> None:
        for node in (self, self.orders_screen, self.orders_screen.order_list):
            localize_bindings(node, self.messages)


def localize_bindings(node: DOMNode, messages: Messages) -> None:
    """Give a node's bindings their descriptions in the current language (footer and help)."""
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=binding_text(b, messages)) if b.id else b for b in bindings
        ]
