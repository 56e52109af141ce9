"""The stats view (`t`): the shop at a glance, drawn as bars in the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from kameng_tui.domain.stats import PERCENTILES, Stats
from kameng_tui.domain.status import OrderStatus
from kameng_tui.i18n import Messages
from kameng_tui.tui.screens.dialog import Dialog
from kameng_tui.tui.screens.profiles import literal

BAR_WIDTH = 24
SPARK = "▁▂▃▄▅▆▇█"


def bar(value: int, largest: int, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a cell."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / largest * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[rest - 1] if rest else "")


def sparkline(values: list[int]) -> str:
    largest = max(values, default=0)
    if largest == 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(7, round(v / largest * 7))] for v in values)


class StatsScreen(Dialog[None]):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"stats--bar", "stats--bad", "stats--heading"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,t,q", "dismiss", "Close", id="stats.close"),
    ]

    def __init__(self, messages: Messages, stats: Stats, now: datetime) -> None:
        super().__init__()
        self.t = messages
        self.stats = stats
        self.now = now

    def compose(self) -> Iterator[Widget]:
        with VerticalScroll(id="stats-dialog") as dialog:
            dialog.border_title = literal(self.t("stats.title", n=f"{self.stats.total:,}"))
            dialog.border_subtitle = literal(self.t("stats.footer"))
            yield Static(self.build(), id="stats-body")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def _counts(self, title: str, rows: list[tuple[str, int, Style]]) -> RenderableType:
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        table.add_column(no_wrap=True)
        largest = max((n for _, n, _ in rows), default=0)
        for name, n, style in rows:
            table.add_row(Text(name), Text(f"{n:,}"), Text(bar(n, largest), style=style))
        return Group(Text(title, style=self._style("stats--heading")), table, Text())

    def build(self) -> RenderableType:
        t, s = self.t, self.stats
        bars, bad = self._style("stats--bar"), self._style("stats--bad")
        parts: list[RenderableType] = [
            self._counts(
                t("stats.by_status"),
                [
                    (t.enum("status", k), n, bars)
                    for k, n in s.by_status.items()
                    if n or k is not OrderStatus.UNREADABLE  # listed only when there are some
                ],
            ),
            self._counts(
                t("stats.by_type"), [(t.enum("type", k), n, bars) for k, n in s.by_type.items()]
            ),
        ]
        delivery = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
        delivery.add_column(t("stats.type"))
        delivery.add_column(t("stats.measured"), justify="right")
        for p in PERCENTILES:
            delivery.add_column(f"p{p}", justify="right")
        for product_type, (count, values) in s.delivery.items():
            delivery.add_row(
                t.enum("type", product_type),
                f"{count:,}",
                *(t("stats.minutes", n=f"{values[p]:.1f}") for p in PERCENTILES),
            )
        heading = self._style("stats--heading")
        parts += [Text(t("stats.delivery"), style=heading), delivery, Text()]
        if s.reasons:
            parts.append(
                self._counts(
                    t("stats.reasons"), [(t.enum("reason", c), n, bad) for c, n in s.reasons]
                )
            )
        parts += [
            Text(t("stats.per_hour"), style=heading),
            Text(sparkline(s.per_hour), style=bars),
            Text(t("stats.per_hour_axis", n=max(s.per_hour, default=0))),
        ]
        return Group(*parts)
