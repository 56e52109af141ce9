"""The order list: a Line API widget that renders only the visible rows.

The built-in DataTable measures every cell when rows are added and drops its render caches on every
update, which takes seconds at 100,000 rows. This widget reads rows straight from an `OrderView`,
uses fixed column widths (the order number's follows the longest number loaded), and caches
one strip per (order, version, look).

Over SSH every repainted line costs a few hundred bytes, so a refresh repaints only the lines
whose content changed: each line remembers the cache key of what it last showed, and after a
change the lines are compared with what they would show now (`_repaint_changed_lines`).

A poll that re-sorts rows on screen (in the default sort every changed order jumps to the top,
shifting every row below it) would repaint the whole list: Textual writes every changed line in
full and never uses the terminal's line scrolling (no scroll regions or insert-line in textual
8.2.8), and a scroll region could not help anyway: DECSTBM scrolls whole terminal lines, the
sidebar's with the list's (left/right margins, DECSLRM, are xterm-only). So a poll keeps each
order on the line it is on, repainted in place when it changed; orders it would bring into
view are counted in the header ("↑ 3 updated"), and the user's next move, scroll or click lays
the lines out from the view again (`_hold`, `_release`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import ClassVar

import msgspec
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kameng_tui.domain.attention import DEFAULT_POLICY, attention_reasons
from kameng_tui.domain.book import ChangeSet
from kameng_tui.domain.order import Order, shop_label
from kameng_tui.domain.status import OrderStatus, ProductType
from kameng_tui.domain.text import clean
from kameng_tui.domain.view import OrderView, SortColumn
from kameng_tui.i18n import Messages
from kameng_tui.tui.cells import fit, money, problem_text

# How long a row stays marked after it changed.
CHANGED_MARK = timedelta(seconds=5)
# While a first sync pages in, the scroll bar follows the growing rows at most this often (and
# after the last page): each of its repaints renders a column of every widget behind it, ~3 ms
# of the event loop at 120x40, 20 pages a second.
PAGING_BAR_EVERY = timedelta(seconds=0.25)


class Column(msgspec.Struct, frozen=True):
    sort: SortColumn
    title_key: str
    width: int  # fixed width, or the minimum for a flexible column
    flex: int = 0  # share of the spare width
    right: bool = False


# Columns by importance: when the width runs short the last ones go first. The label (why an
# order is late) and its age matter more than what it cost.
_PRIORITY = (
    SortColumn.ORDER_NO,
    SortColumn.SHOP,  # only where several shops show as one
    SortColumn.STATUS,
    SortColumn.UPDATED,
    SortColumn.LABEL,
    SortColumn.PRODUCT,
    SortColumn.AMOUNT,
    SortColumn.TYPE,
)
_COLUMNS = {
    SortColumn.ORDER_NO: Column(SortColumn.ORDER_NO, "col.order_no", 16),
    SortColumn.PRODUCT: Column(SortColumn.PRODUCT, "col.product", 14, flex=3),
    SortColumn.TYPE: Column(SortColumn.TYPE, "col.type", 8),
    SortColumn.AMOUNT: Column(SortColumn.AMOUNT, "col.amount", 9, right=True),
    SortColumn.STATUS: Column(SortColumn.STATUS, "col.status", 11),  # " DELIVERING"
    SortColumn.UPDATED: Column(SortColumn.UPDATED, "col.updated", 9, right=True),
    SortColumn.LABEL: Column(SortColumn.LABEL, "col.label", 12, flex=2),
    SortColumn.SHOP: Column(SortColumn.SHOP, "col.shop", 4),  # as wide as the names need
}
SHOP_MAX = 12  # cells of a shop's name in its column
# The age comes first, as in a mail index: it is the default sort, and it is the one cell that
# changes by itself. Textual rewrites a changed span from the widget's left edge, so at the
# left edge an age ticking over costs a dozen cells, not the whole row.
_DISPLAY_ORDER = (
    SortColumn.UPDATED,
    SortColumn.SHOP,
    SortColumn.ORDER_NO,
    SortColumn.PRODUCT,
    SortColumn.TYPE,
    SortColumn.AMOUNT,
    SortColumn.STATUS,
    SortColumn.LABEL,
)
# Marker column, two cells: ★ followed, then ! needs attention, … action pending, ● changed;
# a followed order keeps its ★ beside the other mark ("★!"). The age column after it is right
# aligned and always has a cell to spare, so "★!" never touches the age.
GUTTER = 2
SEPARATOR = 1
# Order numbers are read out to customers: the column widens to the longest one loaded (up to
# a cap; past it, a value is cut anyway), and only when the width runs short is a number cut,
# at the end, so its start stays.
NUMBER_MIN = _COLUMNS[SortColumn.ORDER_NO].width
NUMBER_MAX = 32


def number_width(order_no: str) -> int:
    """Cells the order-number column needs for this number, as shown (at most NUMBER_MAX + 1)."""
    if len(order_no) <= NUMBER_MAX and order_no.isascii() and order_no.isprintable():
        return len(order_no)  # the usual case, several times quicker than measuring
    return min(cell_len(clean(order_no, limit=NUMBER_MAX + 1)), NUMBER_MAX + 1)


def layout_columns(
    width: int, type_width: int = 8, number: int = NUMBER_MIN, shop: int = 0
) -> list[tuple[Column, int]]:
    """Columns that fit in `width` cells, with their widths, in display order.

    `shop` is the Shop column's width; 0 leaves it out (a single shop).

    `number` is the width the longest order number needs. The order number comes first at its
    minimum width; what it needs beyond that comes after the amount and before the type, so
    a narrow terminal keeps today's columns and cuts the number's end, and a wider one shows
    it whole before it shows the type."""
    number = max(NUMBER_MIN, min(number, NUMBER_MAX))
    chosen: list[Column] = []
    used = GUTTER
    grown = 0  # cells the order number gets beyond its minimum
    fixed = {SortColumn.TYPE: type_width, SortColumn.SHOP: shop}
    for sort in _PRIORITY:
        column = _COLUMNS[sort]
        if sort is SortColumn.SHOP and not shop:
            continue
        if sort is SortColumn.TYPE:
            grown = max(min(number - NUMBER_MIN, width - used), 0)
            used += grown
        need = fixed.get(sort, column.width) + SEPARATOR
        if used + need <= width or not chosen:
            chosen.append(column)
            used += need
    spare = max(width - used, 0)
    flex_total = sum(c.flex for c in chosen) or 1
    widths: dict[SortColumn, int] = {}
    for column in chosen:
        base = fixed.get(column.sort, column.width)
        widths[column.sort] = base + spare * column.flex // flex_total
    widths[SortColumn.ORDER_NO] += grown
    # Hand rounding leftovers to the last flexible column so rows fill the width exactly.
    leftover = width - GUTTER - sum(widths.values()) - SEPARATOR * len(chosen)
    flexible = [c for c in chosen if c.flex]
    if flexible and leftover > 0:
        widths[flexible[-1].sort] += leftover
    return [(c, widths[c.sort]) for c in (_COLUMNS[s] for s in _DISPLAY_ORDER) if c in chosen]


class OrderList(ScrollView, can_focus=True):
    """Every order of an `OrderView`, one per line, under a fixed header."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "order-list--header",
        "order-list--header-sorted",
        "order-list--cursor",
        "order-list--cursor-blurred",
        "order-list--changed",
        "order-list--marker-changed",
        "order-list--marker-attention",
        "order-list--empty",
        "order-list--hint",
        "order-list--marker-pinned",
        "order-list--updated-above",
        *(f"status--{status.value}" for status in OrderStatus),
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.cursor_down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.cursor_up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("home,g", "first", "First order", show=False, id="list.first"),
        Binding("end,G", "last", "Last order", show=False, id="list.last"),
    ]

    class SelectionChanged(Message):
        """The highlighted order changed (or there is none)."""

        def __init__(self, key: str | None) -> None:
            super().__init__()
            self.key = key  # the order's key (Order.key)

    class SortClicked(Message):
        def __init__(self, column: SortColumn) -> None:
            super().__init__()
            self.column = column

    def __init__(
        self,
        view: OrderView,
        messages: Messages,
        now: Callable[[], datetime],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.view = view
        self.t = messages
        self._now = now
        self.cursor = 0
        self.selected_key: str | None = None
        # Orders by key (Order.key) from here on.
        self.attention: set[str] = set()
        self.policy = DEFAULT_POLICY
        self.pinned: set[str] = set()  # followed orders: marked, and their changes announced
        self.pending: set[str] = set()  # acted on; the platform's next answer not yet in
        self.empty_text: str | None = None  # said instead of "No orders match." (e.g. unreachable)
        self.updated_above: set[str] = set()  # changed out of sight, above the view
        self._changed_at: dict[str, datetime] = {}
        self._columns: list[tuple[Column, int]] = []
        # A few screens of rows (200x60 shows 58): what is on screen and just scrolled past. Each
        # strip also keeps the compositor's crops of it, so a bigger cache only holds memory.
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(256)
        # Styles as drawn, until the next style update: Textual works the list's own out from
        # every ancestor's at each call (~0.1 ms), once per row and badge of a first paint.
        self._styles: dict[str, Style] = {}
        # Screen line (0: the column titles) -> the key of what it last showed: a refresh
        # repaints only the lines whose key would differ now.
        self._painted: dict[int, tuple[object, ...]] = {}
        # The orders on lines 1.. while a poll's re-sort waits for the user; None: the lines
        # follow the view from the scroll offset.
        self._held: list[str] | None = None
        # The view's rows the lines were last laid out from: what was on screen before a
        # re-derive (the view replaces its list on every derive).
        self._laid_out: list[Order] = view.rows
        self._sized: tuple[Size, Size, Size] | None = None  # see _size_updated
        self._bar_at: datetime | None = None  # when rows last resized the scroll bar
        self._bar_late = False  # the scroll bar waits for the rows' size (PAGING_BAR_EVERY)
        # How many loaded orders need each order-number width: the column fits the longest
        # without a scan of every row (it changes only as orders come and go).
        self._number_widths: Counter[int] = Counter(number_width(o.order_no) for o in view.book)
        self._number = self._longest_number()
        self._shop = 0  # the Shop column's width; 0: a single shop, no such column
        self._sync_selection()

    # -- public API used by the screen ---------------------------------------------------------

    @property
    def selected(self) -> Order | None:
        if self.selected_key is None:
            return None
        return self.view.book.get(self.selected_key)

    def set_messages(self, messages: Messages) -> None:
        self.t = messages
        self._relayout()

    def show_shops(self, names: list[str]) -> None:
        """Several shops show as one: a Shop column as wide as their names need."""
        widest = max((cell_len(clean(name, limit=SHOP_MAX + 1)) for name in names), default=0)
        self._shop = max(4, min(widest, SHOP_MAX))
        if self.is_mounted:
            self._relayout()

    def orders_changed(self, changes: ChangeSet) -> None:
        """Orders came or went: widen or narrow the order-number column if the longest
        number changed. A changed order keeps its number, so only added and removed count."""
        widths = self._number_widths
        widths.update(number_width(order.order_no) for order in changes.added)  # counted in C
        for order in changes.removed:
            width = number_width(order.order_no)
            widths[width] -= 1
            if widths[width] <= 0:
                del widths[width]
        number = self._longest_number()
        if number != self._number:
            self._number = number
            self._relayout()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        if self._held is not None and round(old_value) != round(new_value):
            # Scrolled (the wheel, the scroll bar): the lines follow the view from here on,
            # all of them repainted by the scroll anyway, and the cursor is the view's index
            # of the selected order again (a scroll leaves it where it is).
            self._held = None
            self._laid_out = self.view.rows
            index = self.view.index_of(self.selected_key) if self.selected_key else None
            if index is not None:
                self.cursor = index
        super().watch_scroll_y(old_value, new_value)
        if new_value == 0 and self.updated_above:
            self.updated_above.clear()  # back at the top: everything new is in view
            self.refresh_lines(0)

    def rows_changed(
        self, touched: set[str] | None = None, *, mark: bool = True, paging: bool = False
    ) -> None:
        """The view was re-derived: keep the selection on the same order and the screen steady.

        `touched` are orders that changed in this refresh; they are marked for a few seconds.
        None means the rows were chosen anew (a search, a filter, a sort): then an order no
        longer shown gives the cursor to the first row, at the top. Either way the cursor
        ends on screen.

        `paging`: a page of a first sync, more coming at once (the scroll bar may wait).

        A refresh (`touched` given, and news: `mark`) that would move rows on screen keeps
        them where they are instead (see the module's docstring); only the lines whose
        content changed are repainted.
        """
        if mark and touched:
            stamp = self._now()
            for order_key in touched:
                self._changed_at[order_key] = stamp
        before = self._shown_keys()
        self._update_virtual_size(paging)
        if touched is not None and mark and self._hold(before, touched):
            return
        self._held = None
        self._follow_view(before, touched, anew=touched is None)

    def _shown_keys(self) -> list[str]:
        """The orders on lines 1.. as they were laid out (before a re-derive, the old ones)."""
        if self._held is not None:
            return list(self._held)
        top = int(self.scroll_offset.y)
        return [order.key for order in self._laid_out[top : top + self._page_height]]

    def _hold(self, before: list[str], touched: set[str]) -> bool:
        """Keep the orders of `before` on their lines if the view would move them; whether
        it did. Not when one of them left the view, nor when the cursor is off screen (the
        lines follow the view, back to the cursor), nor when every row fits on screen:
        there is nothing to scroll to find what a hold would leave out."""
        view = self.view
        selected = self.selected_key
        if not before or selected not in before or len(view) <= self._page_height:
            return False
        indices = [view.index_of(key) for key in before]
        if None in indices:
            return False
        top = int(self.scroll_offset.y)
        if indices == list(range(top, top + len(before))):
            return False  # nothing on screen moves: the lines may follow the view again
        self._held = before
        # The cursor is the row as shown (the rest of the app reads cursor - scroll offset
        # as its line); a move lets the lines follow the view first.
        self.cursor = top + before.index(selected)
        # What the view would bring onto the screen (or above it) is said in the header.
        bottom = top + self._page_height
        shown = set(before)
        self.updated_above.update(
            key
            for key in touched
            if key not in shown and (i := view.index_of(key)) is not None and i < bottom
        )
        self._laid_out = view.rows
        self._repaint_changed_lines()
        return True

    def _release(self) -> None:
        """The user moves: the lines follow the view again (one repaint, on their key)."""
        if self._held is not None:
            before, self._held = self._held, None
            self._follow_view(before, None, anew=False)

    def _follow_view(self, before: list[str], touched: set[str] | None, *, anew: bool) -> None:
        """Lay the lines out from the view: the selected order stays on its line, but at
        the top of the list, where new rows appear above it."""
        old_cursor, old_scroll = self.cursor, int(self.scroll_offset.y)
        selected = self.selected_key
        new_index = self.view.index_of(selected) if selected else None
        self._laid_out = self.view.rows
        if new_index is None:
            if anew:
                self.cursor = 0
                self._scroll_to_row(0)
            else:  # a refresh took it away: stay about where it was
                self.cursor = min(old_cursor, max(len(self.view) - 1, 0))
                self._ensure_cursor_visible()
            self._sync_selection()
            self.refresh()
            return
        self.cursor = new_index
        if old_scroll == 0 and new_index < self._page_height:
            target = 0  # at the top of a live list: new rows appear above the selection
        else:
            line = before.index(selected) if selected in before else old_cursor - old_scroll
            target = new_index - line
            if touched:
                # Scrolled away: say how many changed above, rather than moving the view.
                self.updated_above.update(
                    no for no in touched if (i := self.view.index_of(no)) is not None and i < target
                )
        self._scroll_to_row(target)
        self._ensure_cursor_visible()
        top = int(self.scroll_offset.y)
        if self.updated_above:  # only what is above the view now
            self.updated_above = {
                key
                for key in self.updated_above
                if (i := self.view.index_of(key)) is not None and i < top
            }
        if touched is None:
            self.refresh()
        else:
            self._repaint_changed_lines()

    def select_order(self, key: str) -> bool:
        index = self.view.index_of(key)
        if index is None:
            return False
        self._move_cursor(index)
        return True

    def tick(self) -> None:
        """Called every second: repaint only the lines whose relative time or mark expired
        (an age alone: only its cell)."""
        now = self._now()
        if self._changed_at:
            expired = [no for no, at in self._changed_at.items() if now - at >= CHANGED_MARK]
            for order_key in expired:
                del self._changed_at[order_key]
        if self._bar_late:  # a sync that stopped paging before its last page
            self._update_bar(now)
        self._repaint_changed_lines()

    def is_marked_changed(self, key: str, now: datetime | None = None) -> bool:
        at = self._changed_at.get(key)
        return at is not None and (now or self._now()) - at < CHANGED_MARK

    # -- actions -------------------------------------------------------------------------------

    # Each move first lets held rows follow the view: the cursor is then the view's index.

    def action_cursor_down(self) -> None:
        self._release()
        self._move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._release()
        self._move_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        self._release()
        self._move_cursor(self.cursor + self._page_height, page=True)

    def action_page_up(self) -> None:
        self._release()
        self._move_cursor(self.cursor - self._page_height, page=True)

    def action_first(self) -> None:
        self._move_cursor(0)

    def action_last(self) -> None:
        self._move_cursor(len(self.view) - 1)

    # -- rendering -----------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._styles.clear()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Every layout of the screen (the detail pane growing by a line) calls this with the
        # arrangement's virtual size, never our rows' (textual 8.2.8), and ScrollView then
        # repaints the scroll bar: 23 lines at 120x40, ~0.8 KB over SSH. Only a change of
        # size or of rows can move it.
        sized = (size, self.virtual_size, container_size)
        if sized == self._sized:
            return False
        self._sized = sized
        return super()._size_updated(size, virtual_size, container_size, layout)

    def on_focus(self) -> None:
        self._repaint_changed_lines()  # the cursor bar's colour

    def on_blur(self) -> None:
        self._repaint_changed_lines()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if not self._columns:
            self._columns = layout_columns(width, self._type_width(), self._number, self._shop)
        key, order = self._line(y, self._now())
        self._painted[y] = key
        if order is not None:
            return self._row_strip(key, order, width)
        if y == 0:
            return self._header_strip(key, width)
        if key[0] == "empty":
            return self._message_strip(self.empty_text or self.t("list.empty"), width)
        return Strip.blank(width, self._own_style)

    def _line(self, y: int, now: datetime) -> tuple[tuple[object, ...], Order | None]:
        """What line `y` shows now: the key its strip is cached under, and its order."""
        width = self.scrollable_content_region.width
        if y == 0:
            view = self.view
            above = len(self.updated_above)
            return ("header", width, view.sort, view.descending, self.t.lang, above), None
        order: Order | None
        if self._held is not None:
            held = self._held
            order = self.view.book.get(held[y - 1]) if y <= len(held) else None
        else:
            index = int(self.scroll_offset.y) + y - 1
            rows = self.view.rows
            if index >= len(rows):
                if index == 0:
                    return ("empty", width, self.empty_text, self.t.lang), None
                return ("blank", width), None
            order = rows[index]
        if order is None:
            return ("blank", width), None
        order_key = order.key
        attention = order_key in self.attention
        # Unlabelled orders that need attention say why in the label column, dimmed.
        hint = ""
        if attention and order.label is None:
            reasons = attention_reasons(order, now, self.policy)
            hint = self.t(f"hint.{reasons[0].value}") if reasons else ""
        row = int(self.scroll_offset.y) + y - 1  # as shown: the view's index, unless held
        age = self.t.age((now - order.updated_at).total_seconds())
        key = (
            "row",
            order_key,
            self.view.book.version(order_key),
            width,
            self.t.lang,
            row == self.cursor and (2 if self.has_focus else 1),
            self.is_marked_changed(order_key, now),
            attention,
            hint,
            order_key in self.pinned,
            order_key in self.pending,
            row,
            age,  # last: a line whose key differs only here repaints only its age cell
        )
        return key, order

    def _repaint_changed_lines(self) -> None:
        """Repaint the lines whose content differs from what they last showed; a row whose
        age alone changed only up to its age cell.

        Textual writes a refreshed span of a line from the widget's left edge to the span's
        end (ChopsUpdate.render_segments crops only the end), so the age comes first, and
        no span reaches the scroll bar, which repaints itself when it changes."""
        if not self.is_mounted:
            return
        now = self._now()
        width = self.scrollable_content_region.width
        for y in range(self.scrollable_content_region.height):
            key, _ = self._line(y, now)
            painted = self._painted.get(y)
            if key == painted:
                continue
            if (
                key[0] == "row"
                and painted is not None
                and len(painted) == len(key)
                and painted[:-1] == key[:-1]
            ):
                self._refresh_age(y)
            else:
                self.refresh(Region(0, y, width, 1))

    def _badge(self, above: int) -> str:
        return f" ↑ {self.t('list.updated_above', n=above)} "

    def _header_strip(self, key: tuple[object, ...], width: int) -> Strip:
        above = len(self.updated_above)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        style = self.get_component_rich_style("order-list--header")
        sorted_style = style + self.get_component_rich_style("order-list--header-sorted")
        urgency = self.view.sort is SortColumn.URGENCY
        gutter = ("!" + ("▼" if self.view.descending else "▲")) if urgency else " " * GUTTER
        by_urgency = Style.from_meta({"sort": SortColumn.URGENCY.value})  # a click sorts by it
        segments = [Segment(gutter, (sorted_style if urgency else style) + by_urgency)]
        for column, col_width in self._columns:
            title = self.t(column.title_key)
            is_sorted = column.sort is self.view.sort
            if is_sorted:
                title = f"{title}{'▼' if self.view.descending else '▲'}"
            cell = fit(title, col_width, right=column.right)
            cell_style = (sorted_style if is_sorted else style) + Style.from_meta(
                {"sort": column.sort.value}
            )
            segments.append(Segment(cell, cell_style))
            segments.append(Segment(" " * SEPARATOR, style))
        strip = Strip(segments).adjust_cell_length(width, style)
        if above:
            badge = self._badge(above)
            room = max(width - cell_len(badge), 0)
            badge_style = self.get_component_rich_style("order-list--updated-above")
            strip = Strip.join([strip.crop(0, room), Strip([Segment(badge, badge_style)])])
            strip = strip.adjust_cell_length(width, style)
        self._cache[key] = strip
        return strip

    def _message_strip(self, text: str, width: int) -> Strip:
        style = self.get_component_rich_style("order-list--empty")
        return Strip([Segment(fit(" " * GUTTER + text, width), style)], width)

    def _row_strip(self, key: tuple[object, ...], order: Order, width: int) -> Strip:
        """The row of `order`, drawn as its line key (from `_line`) says."""
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        _, _, _, _, _, is_cursor, changed, attention, hint, pinned, pending, row, age = key
        assert isinstance(hint, str) and isinstance(age, str)
        base = self._own_style
        if changed:
            base += self.get_component_rich_style("order-list--changed")
        if is_cursor:
            base += self.get_component_rich_style(
                "order-list--cursor" if is_cursor == 2 else "order-list--cursor-blurred"
            )
        meta = Style.from_meta({"row": row})
        marks: list[Segment] = []
        if pinned:
            marks.append(Segment("★", base + self._style("order-list--marker-pinned")))
        if pending:
            marks.append(Segment("…", base + self._style("order-list--marker-changed")))
        elif attention:
            marks.append(Segment("!", base + self._style("order-list--marker-attention")))
        elif changed:
            marks.append(Segment("●", base + self._style("order-list--marker-changed")))
        segments = [*marks, Segment(" " * (GUTTER - len(marks)), base)]
        for column, col_width in self._columns:
            text, style = self._cell(column.sort, order, age, hint, base)
            if pending and column.sort is SortColumn.STATUS:
                text = f" {self.t('actions.pending')}"  # the status's colour, until confirmed
            segments.append(Segment(fit(text, col_width, right=column.right), style))
            segments.append(Segment(" " * SEPARATOR, base))
        # Runs of one style become one segment: one colour code on the wire instead of many.
        strip = Strip(segments).adjust_cell_length(width, base).apply_style(meta).simplify()
        self._cache[key] = strip
        return strip

    @property
    def _own_style(self) -> Style:
        style = self._styles.get("")
        if style is None:
            style = self._styles[""] = self.rich_style
        return style

    def badge_style(self, status: OrderStatus) -> Style:
        """How a status badge looks, on any row."""
        name = f"status--{status.value}"
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self._own_style + self.get_component_rich_style(name)
        return style

    def _style(self, name: str) -> Style:
        """A component's colour and text style without its background, to lay over the row's.

        A component's full style carries the list's own background, which would punch a hole
        in the cursor bar or the changed-row tint wherever a marker or a hint sits."""
        style = self.get_component_rich_style(name)
        return style.without_color + Style(color=style.color)

    def _cell(
        self, sort: SortColumn, order: Order, age: str, hint: str, base: Style
    ) -> tuple[str, Style]:
        t = self.t
        if sort is SortColumn.ORDER_NO:
            return clean(order.order_no), base
        if sort is SortColumn.PRODUCT:
            return clean(order.product_name), base
        if sort is SortColumn.TYPE:
            return t.enum("type_short", order.product_type), base
        if sort is SortColumn.AMOUNT:
            return money(order.amount, clean(order.currency)), base
        if sort is SortColumn.STATUS:
            # The badge's own colours and text style, on the cursor row too: the cursor shows
            # on every other cell, and no badge takes the cursor's colour (app.tcss).
            return f" {t.enum('badge', order.status)}", self.badge_style(order.status)
        if sort is SortColumn.UPDATED:
            return age, base
        if sort is SortColumn.SHOP:
            return clean(shop_label(order.shop)), base
        if order.status is OrderStatus.UNREADABLE:
            return problem_text(t, order), base  # why it could not be read, in our words
        if order.label is not None:
            return clean(order.label.text), base
        return hint, base + self._style("order-list--hint")

    # -- mouse ---------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        if "sort" in meta:
            self.post_message(self.SortClicked(SortColumn(meta["sort"])))
        elif "row" in meta:
            row = int(meta["row"])
            if self._held is None:
                self._move_cursor(row)
            elif 0 <= (line := row - int(self.scroll_offset.y)) < len(self._held):
                self.select_order(self._held[line])  # the order clicked, wherever it goes

    # -- internals -----------------------------------------------------------------------------

    @property
    def _page_height(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _longest_number(self) -> int:
        """The order-number column's width: the longest number loaded, within its bounds."""
        return max(NUMBER_MIN, min(max(self._number_widths, default=0), NUMBER_MAX))

    def _type_width(self) -> int:
        return max(cell_len(self.t.enum("type_short", p)) for p in ProductType)

    def _relayout(self) -> None:
        self._release()  # another size or other columns: every line is redrawn anyway
        width = self.scrollable_content_region.width
        self._columns = layout_columns(width, self._type_width(), self._number, self._shop)
        self._cache.clear()
        self._update_virtual_size()
        self.refresh()

    def _update_virtual_size(self, paging: bool = False) -> None:
        size = Size(self.scrollable_content_region.width, len(self.view) + 1)
        old = self.virtual_size
        if size == old:
            if self._bar_late and not paging:
                self._update_bar()
            return
        # virtual_size is a layout reactive: setting it lays out and repaints the whole screen
        # (every page of a first sync did, ~16 ms at 120x40). When only the row count changes
        # and the vertical scroll bar shows before and after, nothing outside the list moves:
        # the scroll bar alone takes the new size (what Widget._size_updated does without a
        # layout). The list repaints its own changed lines (rows_changed).
        height = self.container_size.height - self.scrollbar_size_horizontal
        if (
            self.is_mounted
            and size.width == old.width
            and self.show_vertical_scrollbar
            and old.height > height
            and size.height > height
        ):
            self.set_reactive(OrderList.virtual_size, size)
            now = self._now()
            if (
                paging
                and size.height > old.height  # nothing to scroll back within: it can wait
                and self._bar_at is not None
                and now - self._bar_at < PAGING_BAR_EVERY
            ):
                self._bar_late = True
            else:
                self._update_bar(now)
            return
        self._bar_late = False  # the layout resizes it
        self.virtual_size = size

    def _update_bar(self, now: datetime | None = None) -> None:
        """The scroll bar takes the rows' size (Widget._scroll_update, without a layout)."""
        self._bar_late = False
        self._bar_at = now or self._now()
        self._scroll_update(self.virtual_size)

    def _sync_selection(self) -> None:
        rows = self.view.rows
        new_key = rows[self.cursor].key if 0 <= self.cursor < len(rows) else None
        if new_key != self.selected_key:
            self.selected_key = new_key
            self.post_message(self.SelectionChanged(new_key))

    def _move_cursor(self, index: int, *, page: bool = False) -> None:
        """Move to the view's row `index` (from `select_order`, a click: the lines follow
        the view again first)."""
        self._release()
        count = len(self.view)
        if count == 0:
            return
        index = max(0, min(index, count - 1))
        old = self.cursor
        self.cursor = index
        if page:
            self._scroll_to_row(int(self.scroll_offset.y) + index - old)
        self._ensure_cursor_visible()
        self._sync_selection()
        self._repaint_changed_lines()  # the old and new cursor lines

    def _scroll_to_row(self, top: int) -> None:
        top = max(0, min(top, max(len(self.view) - self._page_height, 0)))
        self.scroll_to(y=top, animate=False, immediate=True)

    def _ensure_cursor_visible(self) -> None:
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self._scroll_to_row(self.cursor)
        elif self.cursor >= top + self._page_height:
            self._scroll_to_row(self.cursor - self._page_height + 1)

    def refresh_orders(self, keys: set[str]) -> None:
        """Repaint the rows of these orders (by key), where they are on screen: their marks
        (followed, pending, attention) changed."""
        self._repaint_changed_lines()  # which compares every line's marks, theirs too

    def _refresh_age(self, y: int) -> None:
        """Repaint only the age cell of line `y`: ages tick by themselves, so over SSH this is
        most of what an idle tracker writes."""
        x = GUTTER
        for column, col_width in self._columns:
            if column.sort is SortColumn.UPDATED:
                self.refresh(Region(x, y, col_width, 1))
                return
            x += col_width + SEPARATOR
        self.refresh(Region(0, y, self.scrollable_content_region.width, 1))  # no age column
