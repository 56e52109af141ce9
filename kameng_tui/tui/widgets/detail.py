"""The detail pane: everything about the selected order, and what to do about it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from kameng_tui.domain.attention import DEFAULT_POLICY, attention_reasons
from kameng_tui.domain.order import Order, TimelineEvent
from kameng_tui.domain.playbook import next_step_keys
from kameng_tui.domain.status import OrderStatus
from kameng_tui.domain.text import clean
from kameng_tui.i18n import Messages
from kameng_tui.store.history import merged_timeline
from kameng_tui.tui.cells import money, problem_text

MASK = "••••-••••-••••-••••"
CODES_SHOWN_FOR = 30.0  # seconds before revealed card codes mask themselves again


class DetailPane(ScrollView, can_focus=True):
    """Scrollable details of one order. Every platform value goes on screen as plain `Text`.

    Drawn line by line: the title line (status, number, age), then the body `build` makes,
    rendered once per order and width. Two Statics in a scrolling container cost the first
    frame their styles and layouts, and rendered the body two or three times (its height for
    the layout, then its paint)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "detail--heading",
        "detail--key",
        "detail--hint",
        "detail--muted",
        "detail--attention",
        *(f"status--{status.value}" for status in OrderStatus),
    }

    def __init__(self, messages: Messages, now: Callable[[], datetime], *, id: str | None = None):
        super().__init__(id=id)
        self.t = messages
        self._now = now
        self.order: Order | None = None
        self.policy = DEFAULT_POLICY
        # Status changes this machine saw (the history store), merged into the timeline.
        self.observed: Callable[[Order], list[TimelineEvent]] | None = None
        self.codes_shown = False  # card codes stay masked until asked for, for one order
        self._mask_timer: Timer | None = None
        # What a tick may change, as last shown: the title's age, and the attention reasons.
        self._age = ""
        self._reasons: tuple[object, ...] = ()
        self._lines: list[Strip] = []  # the title line, then the body's, as drawn
        self._width = 0  # what they were drawn for

    def on_mount(self) -> None:
        self._repaint()

    def on_resize(self, event: events.Resize) -> None:
        if self.scrollable_content_region.width != self._width:
            self._repaint()

    def show(self, order: Order | None) -> None:
        """Show `order` (or the empty hint); keeps the scroll position when it is the same order."""
        same = order is not None and self.order is not None and order.key == self.order.key
        self.order = order
        if not same:
            self.codes_shown = False
        self._repaint()
        if not same:
            self.scroll_home(animate=False)

    def toggle_codes(self) -> bool:
        """Show or mask the card codes of the order shown; whether they are now shown.

        Shown codes mask again after CODES_SHOWN_FOR seconds, or when another order shows."""
        self.codes_shown = not self.codes_shown and bool(self.order and self.order.card_codes)
        if self._mask_timer is not None:
            self._mask_timer.stop()
            self._mask_timer = None
        if self.codes_shown:
            self._mask_timer = self.set_timer(CODES_SHOWN_FOR, self.mask_codes)
        self._repaint()
        return self.codes_shown

    def mask_codes(self) -> None:
        if self.codes_shown:
            self.codes_shown = False
            self._repaint()

    def tick(self) -> None:
        order = self.order
        if order is None:
            return
        if tuple(attention_reasons(order, self._now(), self.policy)) != self._reasons:
            self._repaint()
        elif self._age_text(order.updated_at) != self._age and self._lines:
            self._lines[0] = self._draw(self._title_text(order), self._width)[0]
            self.refresh_line(0)  # the age: one line

    def set_messages(self, messages: Messages) -> None:
        self.t = messages
        self._repaint()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self._repaint()

    def title_text(self) -> str:
        """The title line as shown."""
        return self._lines[0].text if self._lines else ""

    def body_text(self) -> str:
        """The body as shown, a line each."""
        return "\n".join(line.text.rstrip() for line in self._lines[1:])

    def render_line(self, y: int) -> Strip:
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if index < len(self._lines):
            return self._lines[index].crop(self.scroll_offset.x, self.scroll_offset.x + width)
        return Strip.blank(width, self.rich_style)

    def _repaint(self) -> None:
        """Draw the lines again; repaint those that changed (all when their number did)."""
        if not self.is_mounted:
            return
        region = self.content_region
        if not region.width:
            return
        order = self.order
        title: RenderableType = "" if order is None else self._title_text(order)
        body: RenderableType = (
            Text(self.t("detail.none"), style=self._style("detail--muted"))
            if order is None
            else self.build(order)
        )
        width = region.width
        lines = self._draw(title, width)[:1] + self._draw(body, width)
        if len(lines) > region.height:  # a scroll bar takes its columns: fit the rest
            width = max(width - self.styles.scrollbar_size_vertical, 1)
            lines = self._draw(title, width)[:1] + self._draw(body, width)
        old, self._lines, self._width = self._lines, lines, width
        if len(old) != len(lines) or width != self.virtual_size.width:
            self.virtual_size = Size(width, len(lines))
            self.refresh()
            return
        for y, (before, after) in enumerate(zip(old, lines, strict=True)):
            if before != after:
                self.refresh_line(y)

    def _draw(self, renderable: RenderableType, width: int) -> list[Strip]:
        console = self.app.console
        options = self.app.console_options.update(width=width, height=None, highlight=False)
        base = self.rich_style
        pad = Style(bgcolor=base.bgcolor)  # as Textual pads a line: the background alone
        return [
            Strip(line).adjust_cell_length(width, pad)
            for line in console.render_lines(renderable, options, style=base, pad=False)
        ]

    def _style(self, name: str) -> Style:
        """A component's look, its colours worked out against this pane's background.

        The partial style alone leaves `auto` and translucent colours unresolved ($text-muted
        is "auto 60%"): field names came out white, unreadable in light themes. The background
        is kept only where the component sets one (a status badge)."""
        full = self.get_component_rich_style(name)
        partial = self.get_component_rich_style(name, partial=True)
        background = full.bgcolor if partial.bgcolor is not None else None
        return full.without_color + Style(color=full.color, bgcolor=background)

    def _title_text(self, order: Order) -> Text:
        """Status, order number and how long ago it last changed, on one line."""
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(
            f" {self.t.enum('status', order.status)} ",
            self._style(f"status--{order.status.value}"),
        )
        title.append("  ")
        title.append(clean(order.order_no), self._style("detail--heading"))
        self._age = self._age_text(order.updated_at)
        title.append(f"  {self._age}", self._style("detail--muted"))
        return title

    def build(self, order: Order) -> RenderableType:
        """Everything below the title line."""
        t = self.t
        now = self._now()
        heading = self._style("detail--heading")
        parts: list[RenderableType] = []
        if order.status is OrderStatus.UNREADABLE:
            return self._build_stand_in(order, now)

        parts.append(
            Text(t("detail.raw_status", raw=clean(order.raw_status)), self._style("detail--muted"))
        )

        reasons = attention_reasons(order, now, self.policy)
        self._reasons = tuple(reasons)
        if reasons:
            line = Text("! ", self._style("detail--attention"))
            line.append(
                " · ".join(t.enum("attention", r) for r in reasons),
                self._style("detail--attention"),
            )
            parts.append(line)

        parts.append(Text())
        if order.label is not None:
            parts.append(
                self._fields(
                    [
                        (t("detail.label"), Text(clean(order.label.text))),
                        (t("detail.reason"), Text(t.enum("reason", order.label.code))),
                        (t("detail.who"), Text(t.enum("actor", order.label.actor))),
                    ]
                )
            )
        else:
            parts.append(self._fields([(t("detail.who"), Text(t.enum("actor", order.actor)))]))

        parts.append(Text(t("detail.next"), heading))
        hint_style = self._style("detail--hint")
        for key in next_step_keys(order, reasons):
            parts.append(Text(f"› {t(key)}", hint_style))

        parts.append(Text())
        parts.append(Text(t("detail.fields"), heading))
        verified = t("field.verified") if order.merchant_verified else t("field.unverified")
        shop = [(t("field.shop"), Text(clean(order.shop)))] if order.shop else []
        parts.append(
            self._fields(
                [
                    *shop,
                    (t("field.product"), Text(clean(order.product_name))),
                    (t("field.type"), Text(t.enum("type", order.product_type))),
                    (t("field.merchant"), Text(f"{clean(order.merchant)} ({verified})")),
                    (t("field.quantity"), Text(str(order.quantity))),
                    (t("field.amount"), Text(money(order.amount, clean(order.currency)))),
                    (t("field.account"), Text(clean(order.account) or t("field.none"))),
                    (t("field.created"), Text(t.timestamp(order.created_at))),
                    (t("field.pay_deadline"), Text(t.timestamp(order.pay_deadline))),
                    (t("field.paid"), Text(t.timestamp(order.paid_at))),
                    (t("field.promised"), Text(t.timestamp(order.promised_by))),
                    (t("field.delivered"), Text(t.timestamp(order.delivered_at))),
                    (t("field.updated"), Text(t.timestamp(order.updated_at))),
                ]
            )
        )
        if order.refund is not None:
            refund = Text(money(order.refund.amount, clean(order.currency)))
            refund.append(f"  {t.timestamp(order.refund.at)}")
            if order.refund.reason:
                refund.append(f"  {clean(order.refund.reason)}")
            parts.append(self._fields([(t("field.refund"), refund)]))

        if order.card_codes:
            parts.append(Text())
            parts.append(Text(t("detail.codes"), heading))
            shown = self.codes_shown
            note = t(
                "detail.codes_shown" if shown else "detail.codes_masked", n=len(order.card_codes)
            )
            parts.append(Text(note, self._style("detail--muted")))
            for code in order.card_codes:
                parts.append(Text(f"  {clean(code) if shown else MASK}"))

        timeline = order.timeline
        if self.observed is not None:
            timeline = merged_timeline(order, self.observed(order))
        if timeline:
            parts.append(Text())
            parts.append(Text(t("detail.timeline"), heading))
            for event in timeline:
                line = Text(f"{t.timestamp(event.at)}  ")
                line.append(
                    f" {t.enum('status', event.status)} ",
                    self._style(f"status--{event.status.value}"),
                )
                if event.note:
                    line.append(f"  {clean(event.note)}")
                parts.append(line)
        return Group(*parts)

    def _build_stand_in(self, order: Order, now: datetime) -> RenderableType:
        """A watched order that could not be read: why, the adapter's own words, what to do.

        Its raw status is the read problem; its label text is one English line from the
        adapter, untrusted like any platform text, so it goes on screen as plain `Text`."""
        t = self.t
        heading = self._style("detail--heading")
        reasons = attention_reasons(order, now, self.policy)
        self._reasons = tuple(reasons)
        parts: list[RenderableType] = []
        if reasons:
            line = Text("! ", self._style("detail--attention"))
            line.append(
                " · ".join(t.enum("attention", r) for r in reasons),
                self._style("detail--attention"),
            )
            parts.append(line)
            parts.append(Text())
        rows = [(t("detail.not_read"), Text(problem_text(t, order)))]
        if order.label is not None:
            if order.label.text:
                rows.append((t("detail.shop_said"), Text(clean(order.label.text))))
            rows.append((t("detail.who"), Text(t.enum("actor", order.label.actor))))
        parts.append(self._fields(rows))
        parts.append(Text())
        parts.append(Text(t("detail.next"), heading))
        hint_style = self._style("detail--hint")
        for key in next_step_keys(order, reasons):
            parts.append(Text(f"› {t(key)}", hint_style))
        # What was read of it before, if anything: a never-read order has no product yet.
        fields: list[tuple[str, Text]] = []
        if order.product_name:
            fields += [
                (t("field.product"), Text(clean(order.product_name))),
                (t("field.amount"), Text(money(order.amount, clean(order.currency)))),
            ]
        fields.append((t("field.updated"), Text(t.timestamp(order.updated_at))))
        parts += [Text(), Text(t("detail.fields"), heading), self._fields(fields)]
        return Group(*parts)

    def _age_text(self, when: datetime) -> str:
        return self.t.age((self._now() - when).total_seconds())

    def _fields(self, rows: list[tuple[str, Text]]) -> Table:
        table = Table.grid(padding=(0, 1))
        table.add_column(style=self._style("detail--key"), no_wrap=True)
        table.add_column(overflow="fold")
        for key, value in rows:
            table.add_row(Text(key), value)
        return table
