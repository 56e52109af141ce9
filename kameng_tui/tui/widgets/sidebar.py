"""The filter sidebar: status (with "needs attention") and product type, each with live counts;
and, where several shops show as one, the shops with their counts and how each one's polling
goes (choosing one shows its orders only).

Moving the highlight applies the filter at once, so the highlight is always the active filter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Self

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

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


class FilterList(OptionList):
    """An option list whose highlight is the current choice.

    It calls `changed` right when the highlight moves: a message would go through two more
    queues, and a frame or two, before the list got filtered."""

    # As in the order list (and vim): j and k move too.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="sidebar.sidebar_down"),
        Binding("k", "cursor_up", "Up", show=False, id="sidebar.sidebar_up"),
    ]

    changed: Callable[[], None] | None = None

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        if self.changed is not None and highlighted is not None:
            self.changed()

    def replace_option_prompt(self, option_id: str, prompt: VisualType) -> Self:
        """Replace an option's prompt, repainting only its own lines.

        OptionList (textual 8.2.8) drops every option's render and repaints the whole list
        for one new prompt: a poll that changes two counts wrote every line of the sidebar
        (~1 KB over SSH). A prompt as tall as the old one moves no other option, so only its
        renders and its lines are stale; a taller or shorter one takes the full path."""
        index = self.get_option_index(option_id)
        option = self.get_option_at_index(index)
        lines = self._line_cache
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        if (
            width <= padding.width  # hidden (b): nothing to measure, nor to repaint
            or index not in lines.index_to_line
            or option._divider
        ):
            return super().replace_option_prompt(option_id, prompt)
        height = lines.heights[index]
        option._set_prompt(prompt)
        styles: Any = self.styles  # as OptionList._update_lines passes them (typed: RulesMap)
        if self._get_visual(option).get_height(styles, width - padding.width) != height:
            self._clear_caches()  # what OptionList does: every line below moves
            return self
        cache = self._option_render_cache
        keys = cache.keys()  # LRUCache has no __iter__
        for key in [key for key in keys if key[0] is option]:
            cache.discard(key)
        self.refresh_lines(lines.index_to_line[index], height)
        return self


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
            *self._entry_options("status", self._status_ids[:-1]), id="status-filter"
        )
        self.type_list = FilterList(*self._entry_options("type", self._type_ids), id="type-filter")
        self.status_list.changed = self.type_list.changed = self._changed
        self._status_title = Label(self.t("sidebar.statuses"), classes="sidebar-title")
        self._type_title = Label(self.t("sidebar.types"), classes="sidebar-title")
        self._shop_title = Label(self.t("sidebar.shops"), classes="sidebar-title")
        self.shop_list = FilterList(
            *(Option(self._shop_prompt(s), id=f"shop:{s}") for s in [ALL, *self._shops]),
            id="shop-filter",
        )
        self.shop_list.changed = self._changed

    def compose(self) -> Iterator[Widget]:
        if self._shops:
            yield self._shop_title
            yield self.shop_list
        yield self._status_title
        yield self.status_list
        yield self._type_title
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
        self._status_title.update(messages("sidebar.statuses"))
        self._type_title.update(messages("sidebar.types"))
        self._shop_title.update(messages("sidebar.shops"))
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

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()  # handled through `_changed`

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()

    # -- internals -----------------------------------------------------------------------------

    def _highlighted_id(self, option_list: OptionList) -> str | None:
        option = option_list.highlighted_option
        if option is None or option.id is None:
            return None
        return option.id.split(":", 1)[1]

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

    def _entry_options(self, kind: str, entries: list[str]) -> list[Option]:
        return [Option(self._entry_prompt(kind, e), id=f"{kind}:{e}") for e in entries]

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
            self.status_list.add_option(Option(self._entry_prompt("status", OCCASIONAL), id=key))
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
