"""The shops view (`o`): each shop of the session, how its polling goes and its last error,
so one shop down is one line, never a mystery."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.text import clean
from kameng_tui.i18n import Messages
from kameng_tui.shops import Shop
from kameng_tui.tui.screens.dialog import Dialog
from kameng_tui.tui.screens.profiles import literal


class ShopsScreen(Dialog[None]):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"shops--ok", "shops--error", "shops--muted"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,o,q", "dismiss", "Close", id="shops.close"),
    ]

    def __init__(
        self, messages: Messages, shops: Sequence[Shop], book: OrderBook, now: datetime
    ) -> None:
        super().__init__()
        self.t = messages
        self.shops = list(shops)
        self.book = book
        self.now = now

    def compose(self) -> Iterator[Widget]:
        with VerticalScroll(id="shops-dialog") as dialog:
            dialog.border_title = literal(self.t("shops.title", n=len(self.shops)))
            dialog.border_subtitle = literal(self.t("shops.footer"))
            yield Static(self.build(), id="shops-body")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def build(self) -> Table:
        t = self.t
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
        for title, justify in (
            (t("shops.shop"), "left"),
            (t("shops.platform"), "left"),
            (t("shops.orders"), "right"),
            (t("shops.state"), "left"),
        ):
            table.add_column(title, justify=justify, no_wrap=True)  # type: ignore[arg-type]
        many = len(self.shops) > 1
        ok = self.get_component_rich_style("shops--ok", partial=True)
        bad = self.get_component_rich_style("shops--error", partial=True)
        muted = self.get_component_rich_style("shops--muted", partial=True)
        for shop in self.shops:
            syncer = shop.syncer
            count = self.book.by_shop[shop.name] if many else len(self.book)
            last = syncer.last_success
            age = (
                t("header.never")
                if last is None
                else t("header.updated", age=t.age((self.now - last).total_seconds()))
            )
            if syncer.error is not None:
                state = Text(t("shops.failing", n=round(syncer.seconds_until_due())), style=bad)
            elif syncer.paused:
                state = Text(t("refresh.paused"), style=muted)
            else:
                state = Text(t("refresh.auto", n=f"{syncer.interval:g}"), style=ok)
            state.append(f" · {age}", style=muted)
            table.add_row(
                Text(clean(shop.name, limit=40)),
                Text(t(f"platform.{shop.backend.platform}")),
                Text(f"{count:,}"),
                state,
            )
            if syncer.error is not None:  # the last error, whole, on its own line
                table.add_row(Text(f"  {clean(syncer.error, limit=500)}", style=bad), "", "", "")
        return table
