"""The filter sidebar: status (with "needs attention") and product type, each with live counts;
and, where several shops show as one, the shops with their counts and how each one's polling
goes (choosing one shows its orders only).

Moving the highlight applies the filter at once, so the highlight is always the active filter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import ClassVar

import msgspec
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from kameng_tui.domain.status import OrderStatus, ProductType
from kameng_tui.domain.text import clean
from kameng_tui.i18n import Messages
from kameng_tui.tui.cells import fit

ALL = "all"
ATTENTION = "attention"
FOLLOWED = "followed"  # the orders followed with `f` (★)
# Listed only while some order has it, or while it is the chosen filter: most profiles never
# have an order that could not be read. It is the last status, so it comes and goes at the end.
OCCASIONAL = OrderStatus.UNREADABLE.value


# How each Shop.health shows beside a shop's count.
_HEALTH = {"ok": ("✓", "green"), "stale": ("…", "yellow"), "error": ("✗", "red")}


class Entry(msgspec.Struct):
    """One entry of a FilterList: what choosing it filters by (`id`), and what it shows."""

    id: str
    prompt: Text


class _Moves(ScrollView):
    # The arrows and their kin, in a base class: Textual merges these with FilterList's own,
    # while the help and the keymap list FilterList.BINDINGS (j and k, with ids), as they did
    # when the arrows were OptionList's.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "Down", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
    ]


class FilterList(_Moves, can_focus=True):
    """A titled list of filter entries whose highlight is the current choice.

    It calls `changed` right when the highlight moves: a message would go through two more
    queues, and a frame or two, before the list got filtered.

    Drawn line by line (the Line API): the title, then an entry a line. An OptionList and a
    Label per section cost the first frame their styles, component classes and layouts, and a
    new count redrew the whole list; here a count that changes repaints its own line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "filter-list--title",
        "filter-list--highlighted",
        "filter-list--hover",
    }
    # As in the order list (and vim): j and k move too.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="sidebar.sidebar_down"),
        Binding("k", "cursor_up", "Up", show=False, id="sidebar.sidebar_up"),
    ]

    highlighted: reactive[int | None] = reactive(None, always_update=False, repaint=False)
    changed: Callable[[], None] | None = None

    def __init__(self, title: str, *entries: Entry, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._entries = list(entries)
        self._hover: int | None = None  # the entry under the mouse pointer
        self._styles: dict[str, Style] = {}  # as drawn, until the next style update

    # -- entries (as much of OptionList's interface as the sidebar and its tests use) ---------

    @property
    def options(self) -> list[Entry]:
        return list(self._entries)

    @property
    def option_count(self) -> int:
        return len(self._entries)

    @property
    def highlighted_option(self) -> Entry | None:
        index = self.highlighted
        return self._entries[index] if index is not None and index < len(self._entries) else None

    def get_option_index(self, option_id: str) -> int:
        for index, entry in enumerate(self._entries):
            if entry.id == option_id:
                return index
        raise KeyError(option_id)

    def get_option(self, option_id: str) -> Entry:
        return self._entries[self.get_option_index(option_id)]

    def get_option_at_index(self, index: int) -> Entry:
        return self._entries[index]

    def add_option(self, entry: Entry) -> None:
        self._entries.append(entry)
        self._resized()

    def remove_option(self, option_id: str) -> None:
        index = self.get_option_index(option_id)
        del self._entries[index]
        if self.highlighted is not None and self.highlighted >= len(self._entries):
            self.highlighted = len(self._entries) - 1 if self._entries else None
        self._resized()

    def replace_option_prompt(self, option_id: str, prompt: Text) -> None:
        """A new prompt: its own line repaints, nothing else."""
        index = self.get_option_index(option_id)
        self._entries[index].prompt = prompt
        self.refresh_line(index + 1)

    def set_title(self, title: str) -> None:
        self._title = title
        self.refresh(Region(0, 0, self.size.width, 1))  # it stays on top when scrolled

    # -- the highlight ---------------------------------------------------------------------

    def validate_highlighted(self, highlighted: int | None) -> int | None:
        if highlighted is None or not self._entries:
            return None
        return max(0, min(highlighted, len(self._entries) - 1))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for index in (old, new):
            if index is not None:
                self.refresh_line(index + 1)
        if new is not None:
            self._scroll_to_entry(new)
            if self.changed is not None:
                self.changed()

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_first(self) -> None:
        self.highlighted = 0

    def action_last(self) -> None:
        self.highlighted = len(self._entries) - 1

    def action_page_down(self) -> None:
        self._move(max(self._page, 1))

    def action_page_up(self) -> None:
        self._move(-max(self._page, 1))

    def _move(self, by: int) -> None:
        self.highlighted = 0 if self.highlighted is None else self.highlighted + by

    @property
    def _page(self) -> int:
        return self.scrollable_content_region.height - 1  # under the title

    def _scroll_to_entry(self, index: int) -> None:
        top, page = int(self.scroll_offset.y), self._page
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif page > 0 and index >= top + page:
            self.scroll_to(y=index - page + 1, animate=False, immediate=True)

    # -- mouse -------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        index = event.style.meta.get("entry")
        if isinstance(index, int):
            self.highlighted = index

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index = event.style.meta.get("entry")
        self._set_hover(index if isinstance(index, int) else None)

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, index: int | None) -> None:
        if index != self._hover:
            for line in (self._hover, index):
                if line is not None:
                    self.refresh_line(line + 1)
            self._hover = index

    # -- drawing -----------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def on_focus(self) -> None:
        self.refresh()  # the highlight's focused colours

    def on_blur(self) -> None:
        self.refresh()

    def on_mount(self) -> None:
        self._resized()

    def _resized(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._entries) + 1)
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._entries) + 1

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._style("")
        if y == 0:
            return self._strip(Text(f" {self._title}"), width, self._style("filter-list--title"))
        index = y - 1 + int(self.scroll_offset.y)
        if index >= len(self._entries):
            return Strip.blank(width, base)
        style = base
        if index == self.highlighted:
            style = base + self._style("filter-list--highlighted")
        elif index == self._hover:
            style = base + self._style("filter-list--hover")
        return self._strip(self._entries[index].prompt, width, style, {"entry": index})

    def _strip(
        self, text: Text, width: int, style: Style, meta: dict[str, object] | None = None
    ) -> Strip:
        if meta is not None:
            style = style + Style.from_meta(meta)  # the padding answers a click too
        # Under the text's own spans (a bold count); Text.render leaves its base style out.
        segments = text.render(self.app.console, end="")
        return Strip(segments).apply_style(style).crop(0, width).adjust_cell_length(width, style)

    def _style(self, name: str) -> Style:
        """The list's own style (""), or a component's worked out against its background."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = (
                self.get_component_rich_style(name) if name else self.rich_style
            )
        return style


class Sidebar(Vertical):
    class FilterChanged(Message):
        def __init__(
            self,
            status: OrderStatus | None,
            attention: bool,
            product_type: ProductType | None,
            followed: bool = False,
            shop: str | None = None,
        ) -> None:
            super().__init__()
            self.status = status
            self.attention = attention
            self.product_type = product_type
            self.followed = followed
            self.shop = shop

    def __init__(
        self,
        messages: Messages,
        *,
        on_filter: Callable[[Sidebar.FilterChanged], None] | None = None,
        shops: Sequence[str] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._shops = list(shops)  # several shops as one: their section, in this order
        self._shop_states: dict[str, tuple[int, str]] = {}  # name -> (count, Shop.health)
        self.t = messages
        self._on_filter = on_filter
        self._status_ids = [ALL, ATTENTION, FOLLOWED, *(s.value for s in OrderStatus)]
        self._type_ids = [ALL, *(p.value for p in ProductType)]
        self._counts: dict[str, int] = {}
        assert self._status_ids[-1] == OCCASIONAL
        self._occasional_shown = False
        self.status_list = FilterList(
            self.t("sidebar.statuses"),
            *self._entry_options("status", self._status_ids[:-1]),
            id="status-filter",
        )
        self.type_list = FilterList(
            self.t("sidebar.types"), *self._entry_options("type", self._type_ids), id="type-filter"
        )
        self.status_list.changed = self.type_list.changed = self._changed
        self.shop_list = FilterList(
            self.t("sidebar.shops"),
            *(Entry(f"shop:{s}", self._shop_prompt(s)) for s in [ALL, *self._shops]),
            id="shop-filter",
        )
        self.shop_list.changed = self._changed

    def compose(self) -> Iterator[Widget]:
        if self._shops:
            yield self.shop_list
        yield self.status_list
        yield self.type_list

    def on_mount(self) -> None:
        self.status_list.highlighted = 0
        self.type_list.highlighted = 0
        if self._shops:
            self.shop_list.highlighted = 0

    # -- state ---------------------------------------------------------------------------------

    def current(self) -> tuple[OrderStatus | None, bool, ProductType | None]:
        status_id = self._highlighted_id(self.status_list) or ALL
        type_id = self._highlighted_id(self.type_list) or ALL
        status = None if status_id in (ALL, ATTENTION, FOLLOWED) else OrderStatus(status_id)
        ptype = None if type_id == ALL else ProductType(type_id)
        return status, status_id == ATTENTION, ptype

    def followed_chosen(self) -> bool:
        return self._highlighted_id(self.status_list) == FOLLOWED

    def shop_chosen(self) -> str | None:
        if not self._shops:
            return None
        chosen = self._highlighted_id(self.shop_list)
        return None if chosen in (None, ALL) else chosen

    def update_shops(self, states: Mapping[str, tuple[int, str]]) -> None:
        """Each shop's order count and health ("ok", "stale", "error": Shop.health)."""
        changed = [name for name, state in states.items() if self._shop_states.get(name) != state]
        if not changed:
            return
        self._shop_states.update(states)
        for name in changed:
            if name in self._shops:
                self.shop_list.replace_option_prompt(f"shop:{name}", self._shop_prompt(name))
        total = sum(self._shop_states[name][0] for name in self._shops if name in self._shop_states)
        self._shop_states[ALL] = (total, "")
        self.shop_list.replace_option_prompt(f"shop:{ALL}", self._shop_prompt(ALL))

    def choose(
        self,
        *,
        status: str | None = None,
        product_type: str | None = None,
        shop: str | None = None,
    ) -> None:
        """Highlight an entry by id (e.g. "attention", "paid", "game_card", a shop's name or
        "all"), which applies it."""
        if shop is not None and self._shops:
            self.shop_list.highlighted = [ALL, *self._shops].index(shop)
        if status is not None:
            if status == OCCASIONAL:
                self._show_occasional(True)
            self.status_list.highlighted = self._status_ids.index(status)
        if product_type is not None:
            self.type_list.highlighted = self._type_ids.index(product_type)

    def update_counts(
        self,
        *,
        total: int,
        attention: int,
        by_status: Mapping[OrderStatus, int],
        by_type: Mapping[ProductType, int],
        followed: int | None = None,
    ) -> None:
        counts = {f"status:{ALL}": total, f"status:{ATTENTION}": attention, f"type:{ALL}": total}
        if followed is not None:
            counts[f"status:{FOLLOWED}"] = followed
        elif f"status:{FOLLOWED}" in self._counts:
            counts[f"status:{FOLLOWED}"] = self._counts[f"status:{FOLLOWED}"]
        counts.update({f"status:{s.value}": by_status.get(s, 0) for s in OrderStatus})
        counts.update({f"type:{p.value}": by_type.get(p, 0) for p in ProductType})
        changed = {key for key, n in counts.items() if self._counts.get(key) != n}
        if not changed:
            return
        self._counts = counts
        self._fit_occasional()
        self._relabel(changed)  # a list repaints whole: leave alone the one that did not change

    def set_messages(self, messages: Messages) -> None:
        self.t = messages
        self.status_list.set_title(messages("sidebar.statuses"))
        self.type_list.set_title(messages("sidebar.types"))
        self.shop_list.set_title(messages("sidebar.shops"))
        self._relabel()
        if self._shops:
            self.shop_list.replace_option_prompt(f"shop:{ALL}", self._shop_prompt(ALL))

    # -- events --------------------------------------------------------------------------------

    def _changed(self) -> None:
        status, attention, ptype = self.current()
        message = self.FilterChanged(
            status, attention, ptype, self.followed_chosen(), self.shop_chosen()
        )
        if self._on_filter is not None:
            self._on_filter(message)  # at once, in this frame
        else:
            self.post_message(message)
        self._fit_occasional()  # moved off an entry kept only because it was chosen

    # -- internals -----------------------------------------------------------------------------

    def _highlighted_id(self, option_list: FilterList) -> str | None:
        option = option_list.highlighted_option
        return None if option is None else option.id.split(":", 1)[1]

    def _entry_name(self, kind: str, entry: str) -> str:
        if entry == ALL:
            return self.t("sidebar.all")
        if entry == ATTENTION:
            return self.t("sidebar.attention")
        if entry == FOLLOWED:
            return self.t("sidebar.followed")
        return self.t(f"{kind}.{entry}")

    def _entry_prompt(self, kind: str, entry: str) -> Text:
        count = self._counts.get(f"{kind}:{entry}")
        count_text = "" if count is None else f"{count:,}"
        width = 20
        name = fit(self._entry_name(kind, entry), width - cell_len(count_text) - 1)
        text = Text(name)
        text.append(" ")
        text.append(count_text, style="bold" if entry == ATTENTION and count else "")
        return text

    def _shop_prompt(self, name: str) -> Text:
        """ "faka   1,204 ✗": the name, the count and, but for "all", the state's mark."""
        count, state = self._shop_states.get(name, (0, ""))
        count_text = f"{count:,}" if name in self._shop_states else ""
        mark, style = _HEALTH.get(state, (" ", "")) if name != ALL else ("", "")
        label = self.t("sidebar.all") if name == ALL else clean(name, limit=40)
        room = 20 - cell_len(count_text) - (2 if mark else 0) - 1
        text = Text(fit(label, room))
        text.append(" ")
        text.append(count_text)
        if mark:
            text.append(" ")
            text.append(mark, style=style)
        return text

    def _entry_options(self, kind: str, entries: list[str]) -> list[Entry]:
        return [Entry(f"{kind}:{e}", self._entry_prompt(kind, e)) for e in entries]

    def _fit_occasional(self) -> None:
        count = self._counts.get(f"status:{OCCASIONAL}", 0)
        chosen = self._highlighted_id(self.status_list) == OCCASIONAL
        self._show_occasional(count > 0 or chosen)

    def _show_occasional(self, show: bool) -> None:
        if show == self._occasional_shown:
            return
        self._occasional_shown = show
        key = f"status:{OCCASIONAL}"
        if show:
            self.status_list.add_option(Entry(key, self._entry_prompt("status", OCCASIONAL)))
        else:
            self.status_list.remove_option(key)

    def _relabel(self, only: set[str] | None = None) -> None:
        for kind, entries, option_list in (
            ("status", self._status_ids, self.status_list),
            ("type", self._type_ids, self.type_list),
        ):
            for entry in entries:
                key = f"{kind}:{entry}"
                if key == f"status:{OCCASIONAL}" and not self._occasional_shown:
                    continue
                if only is None or key in only:
                    option_list.replace_option_prompt(key, self._entry_prompt(kind, entry))
