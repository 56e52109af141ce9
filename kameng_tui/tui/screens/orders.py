"""The order tracker screen: header, filter sidebar, order list, detail pane, live refresh.

The screen owns the poll worker (so no result lands after the screen is gone) and holds direct
references to its widgets (a modal on top would otherwise answer `query_one`).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Coroutine, Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import ClassVar

from msgspec.structs import replace
from textual import events, on, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from kameng_tui.backends.base import BackendError
from kameng_tui.config import APP_NAME, ConfigError, Profile
from kameng_tui.domain.actions import (
    HOTKEYS,
    NEEDS_CONFIRMATION,
    NEEDS_TEXT,
    Action,
    allowed,
    check_account,
)
from kameng_tui.domain.attention import DEFAULT_POLICY, AttentionPolicy
from kameng_tui.domain.book import ChangeSet, OrderBook
from kameng_tui.domain.order import (
    Order,
    TimelineEvent,
    order_key,
    profile_of,
    stamped,
    unstamped,
)
from kameng_tui.domain.text import clean
from kameng_tui.domain.view import Filter, OrderView, SortColumn
from kameng_tui.i18n import Messages
from kameng_tui.settings import load_follows, save_follows
from kameng_tui.shops import Shop
from kameng_tui.store.history import HistoryStore
from kameng_tui.sync import Syncer, combined_state
from kameng_tui.tui import desktop
from kameng_tui.tui.alerting import TrackerAlerts
from kameng_tui.tui.cells import money
from kameng_tui.tui.textual_fixes import painted

# The dialogs (details, actions, stats, shops, changes) are imported when first opened: the first
# frame shows none of them.
from kameng_tui.tui.widgets.changes import Change, ChangeBar, ChangeLog
from kameng_tui.tui.widgets.detail import DetailPane
from kameng_tui.tui.widgets.footer import KeyFooter, localize_bindings
from kameng_tui.tui.widgets.header import StatusHeader
from kameng_tui.tui.widgets.inputs import CleanInput
from kameng_tui.tui.widgets.order_list import OrderList
from kameng_tui.tui.widgets.sidebar import Sidebar

# Natural first direction when a column becomes the sort column: newest / largest first.
_DESCENDING_FIRST = {SortColumn.UPDATED, SortColumn.AMOUNT, SortColumn.URGENCY}
_SORT_CYCLE = list(SortColumn)
_SINGLE_SHOP_SORTS: list[SortColumn] = [c for c in SortColumn if c is not SortColumn.SHOP]
HEAD_START = 0.5  # seconds the first shop of several polls alone at start, at most
# Seconds the screen waits, at most, for the first shop's first page before its first layout:
# that page then is the first frame (one layout and paint, not an empty one and then another).
# A first page in process or on a LAN takes 10-50 ms; 0.1 s is still below what reads as a
# delay, and a slow shop's screen (with the last run's orders) shows after it as before.
FIRST_PAGE_WAIT = 0.1
# Below this width the sidebar starts hidden: at 80 columns the list needs every cell.
SIDEBAR_MIN_WIDTH = 100
# While a first sync pages in, the header and the sidebar's counts are redrawn at most this
# often (seconds), and after its last page: at 100,000 orders redrawing them cost the event
# loop ~4 ms a page, 20 pages a second, for counts that change again before anyone reads them.
PAGING_CHROME_EVERY = 0.25


class SearchInput(CleanInput):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear", id="search.clear"),
        Binding("enter,down", "done", "Done", show=False, id="search.done"),
    ]

    def set_messages(self, messages: Messages) -> None:
        """The placeholder, and the footer's texts for these keys, in the current language."""
        self.placeholder = messages("search.placeholder")
        localize_bindings(self, messages)

    def action_clear(self) -> None:
        self.value = ""
        self.screen.action_focus_list()  # type: ignore[attr-defined]

    def action_done(self) -> None:
        self.screen.action_focus_list()  # type: ignore[attr-defined]


class SearchError(Static):
    """Under the search box: why the query typed cannot be read (the last one that could
    stays applied)."""

    DEFAULT_CSS = """
    SearchError {
        height: auto;
        max-height: 2;
        padding: 0 1;
        color: $error;
        background: $boost;
    }
    """


class OrdersScreen(Screen[None]):
    # The list takes the focus as the screen mounts: Textual's default (the first focusable, the
    # sidebar's list) focused the sidebar and then moved to the list, restyling both twice.
    AUTO_FOCUS = "#orders"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="orders.search"),
        Binding("escape", "clear_filters", "Clear", show=False, id="orders.clear"),
        Binding("enter", "open_detail", "Open", show=False, id="orders.open"),
        Binding("colon", "app.command_palette", "Commands", show=False, id="orders.palette"),
        Binding("s", "sort_next", "Sort", id="orders.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="orders.sort_reverse"),
        Binding("u", "sort_urgency", "Urgent first", show=False, id="orders.sort_urgency"),
        Binding("r", "refresh", "Refresh", id="orders.refresh"),
        Binding("p", "pause", "Pause", id="orders.pause"),
        Binding("a", "attention", "Attention", show=False, id="orders.attention"),
        Binding("b", "toggle_sidebar", "Sidebar", id="orders.sidebar"),
        Binding("d", "toggle_detail", "Details", show=False, id="orders.detail"),
        Binding("c", "toggle_codes", "Card codes", show=False, id="orders.codes"),
        Binding("y", "copy_order_no", "Copy no.", show=False, id="orders.copy_no"),
        Binding("Y", "copy_codes", "Copy codes", show=False, id="orders.copy_codes"),
        Binding("f", "pin", "Follow", show=False, id="orders.pin"),
        Binding("t", "stats", "Stats", show=False, id="orders.stats"),
        Binding("o", "shops", "Shops", show=False, id="orders.shops"),
        Binding("A", "actions", "Actions", id="orders.actions"),
        Binding("w", "watch", "Watch", id="orders.watch"),
        Binding("x", "unwatch", "Unwatch", show=False, id="orders.unwatch"),
        Binding("L", "toggle_lang", "Language", show=False, id="orders.lang"),
        Binding("l", "changes", "Changes", show=False, id="orders.changes"),
    ]

    def __init__(
        self,
        shops: Syncer | Sequence[Shop],
        messages: Messages,
        policy: AttentionPolicy = DEFAULT_POLICY,
        history: HistoryStore | None = None,
        *,
        title: str | None = None,
    ) -> None:
        """`shops`: the shops shown, sharing one book (a Syncer alone: one shop). `title`
        names a merged view in the header (its view name, or the profiles)."""
        super().__init__()
        if isinstance(shops, Syncer):
            backend = shops.backend
            shops = [Shop(Profile(backend.profile, backend.platform), shops)]
        self.shops: list[Shop] = list(shops)
        self._by_name = {shop.name: shop for shop in self.shops}
        syncer = self.shops[0].syncer
        self.policy = policy
        self.history = history
        self.profile_name = syncer.backend.profile
        # Shown from the last run, not yet confirmed by a poll: keys, by shop name.
        self._stale: dict[str, set[str]] = {}
        self._alerts: TrackerAlerts | None = None  # alerts_in_tracker: the [[alerts]] rules
        self._head_start: Timer | None = None  # the other shops wait for the first one's page
        self._hub_shops: set[str] = set()  # the shops a hub profile's orders came from
        self._saved_first_sync: set[str] = set()  # shops whose first full sync is saved
        self.book: OrderBook = syncer.book
        self.t = messages
        self.view = OrderView(self.book)
        now = syncer.clock.now
        self.view.now = now  # what `age:` in a search is measured against
        merged = len(self.shops) > 1
        platform = "merged" if merged else syncer.backend.platform
        where = title or (", ".join(s.name for s in self.shops) if merged else self.profile_name)
        self.header = StatusHeader(messages, platform, where, id="header")
        self.header.shop_count = len(self.shops)
        self.sidebar = Sidebar(
            messages,
            on_filter=self._filter_changed,
            shops=[shop.name for shop in self.shops] if merged else (),
            id="sidebar",
        )
        self._sidebar_chosen = False  # until `b`, the sidebar follows the terminal's width
        self._skipped_shown: set[str] = set()
        # Mounted when `/` first asks for it (action_search): an Input on the first screen cost its
        # first frame its styles, five component classes and a layout (~3 ms).
        self.search = SearchInput(placeholder=messages("search.placeholder"), id="search")
        self.search.set_messages(messages)  # its footer keys in this language
        self.search_error = SearchError(id="search-error", markup=False)
        self.search.display = self.search_error.display = False
        self.order_list = OrderList(self.view, messages, now, id="orders")
        self.order_list.policy = policy
        self.detail = DetailPane(messages, now, id="detail")
        self.detail.policy = policy
        if history is not None:
            self.detail.observed = self._observed
        self._detail_pending = False
        self._chrome_at = 0.0  # when the header was last drawn (time.monotonic)
        self._counts_late = False  # the sidebar's counts wait for the header's next drawing
        # Status changes: one line in the change bar, and the log `l` opens.
        self.change_log = ChangeLog()
        self.change_bar = ChangeBar(messages, self.change_log, id="change-bar")
        # Followed orders (`f`), saved per profile in the settings file (as its own keys).
        self._follows = {shop.name: load_follows(shop.name) for shop in self.shops}
        self.order_list.pinned = {
            order_key(shop.syncer.stamp, key)
            for shop in self.shops
            for key in self._follows[shop.name]
        }
        if merged:
            self.order_list.show_shops(sorted(self._by_name))
        self._resumed = False  # see on_screen_resume
        self._polling: set[str] = set()  # shops whose poll worker is under way (one each)
        # Acted on: order number -> the poll count after which the platform has answered.
        self._pending: dict[str, tuple[Shop, int]] = {}

    def compose(self) -> Iterator[Widget]:
        yield self.header
        with Horizontal(id="body"):
            yield self.sidebar
            with Vertical(id="main"):
                with Vertical(id="list-pane"):
                    yield self.order_list
                yield self.detail
        yield self.change_bar
        yield KeyFooter()

    async def on_mount(self) -> None:
        self._fit_sidebar(self.app.size.width)
        self.order_list.focus()
        interval = min(shop.syncer.interval for shop in self.shops)
        # Ages, marks and the next poll move on this tick (tests pause it and tick by hand).
        self.ticker = self.set_interval(min(1.0, max(interval / 2, 0.05)), self._tick)
        # After the first frame: reading 5,000 orders back competes with it for the one core
        # Python runs on, and a shop that answers quickly makes them moot.
        self.call_after_refresh(self._show_last_known)
        self._update_chrome()
        self._alerts = self._start_alerts()
        # The first shop first: its first page is the first frame. The others start when it
        # lands, or after HEAD_START seconds if it is slow (they would otherwise compete with
        # it for the one core Python code runs on, and nothing would show sooner).
        if len(self.shops) > 1:
            self._head_start = self.set_timer(HEAD_START, self._poll_the_rest)
        # The app asked for that page as it started (KamengApp.on_load): if it comes within
        # FIRST_PAGE_WAIT it is applied here, before the screen's first layout (which waits for
        # this handler), so the first frame is laid out and painted once, with its orders.
        first = self.shops[0]
        first.syncer.prefetch()  # unless the app did (a profile switch: this screen's own)
        if await first.syncer.wait_first_page(FIRST_PAGE_WAIT) and self.is_attached:
            self._polling.add(first.name)
            await self._poll_page(first)  # the page is there: nothing waits in this
            self._polling.discard(first.name)
            self._update_chrome()  # the header with this page, in the same first frame
            self._continue_poll(first)
        else:
            self.poll([first])

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # The first resume comes right after the mount, which styled every widget with the same
        # stylesheet: Textual restyled them all again (6-20 ms of the first frame). Later
        # resumes (back from a dialog, perhaps with another theme) restyle.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def _poll_the_rest(self) -> None:
        if self._head_start is not None:
            self._head_start.stop()
            self._head_start = None
            self.poll(self.shops[1:])

    def _start_alerts(self) -> TrackerAlerts | None:
        profiles = getattr(self.app, "profiles", None)
        if profiles is None:
            return None
        return TrackerAlerts.start(
            profiles.config,
            self.shops,
            profiles.environ,
            self.t.lang,
            lambda line: self.notify(line, severity="warning", timeout=8, markup=False),
        )

    def on_unmount(self) -> None:
        if self._alerts is not None:
            self._alerts.close()
            self._alerts = None

    @work(group="alerts", exclusive=True, exit_on_error=False)
    async def _deliver_alerts(self) -> None:
        if self._alerts is not None:
            await self._alerts.deliver()

    @work(group="history", exit_on_error=False)
    async def _show_last_known(self) -> None:
        """The last run's orders, marked stale, while the first poll runs (and if the platform
        is down, that is what there is). Read off the event loop; a shop's are dropped if its
        poll won."""
        history = self.history
        if history is None:
            return
        for shop in self.shops:
            if shop.syncer.last_success is not None:
                continue  # its poll won: nothing stale to show
            try:
                orders = await asyncio.to_thread(history.last_orders, shop.name)
            except Exception as exc:  # a damaged database must not keep the tracker closed
                message = clean(f"history: {exc}".splitlines()[0], limit=300)
                self.notify(message, severity="warning", markup=False)
                return
            if not orders or shop.syncer.last_success is not None or not self.is_attached:
                continue
            if shop.syncer.stamp:
                orders = [stamped(o, shop.syncer.stamp) for o in orders]
            self._stale[shop.name] = {o.key for o in orders}
            self.apply_changes(self.book.apply(orders), from_poll=False)
            self._update_chrome()

    def _observed(self, order: Order) -> list[TimelineEvent]:
        """What this machine saw of the order's status, from its profile's history."""
        assert self.history is not None
        shop = self.shop_of(order)
        own = unstamped(order) if shop.syncer.stamp else order
        return self.history.observed(shop.name, own.key)

    def shop_of(self, order: Order) -> Shop:
        """The shop an order belongs to: where its actions, follows and history go."""
        if len(self.shops) == 1:
            return self.shops[0]
        return self._by_name.get(profile_of(order), self.shops[0])

    @property
    def syncer(self) -> Syncer:
        """The first shop's (the only one, in a single-shop session)."""
        return self.shops[0].syncer

    # -- polling -------------------------------------------------------------------------------

    def poll(self, shops: Sequence[Shop] | None = None) -> None:
        """Poll these shops (all by default), each in its own worker: one shop slow or
        failing never holds the others' polls."""
        for shop in self.shops if shops is None else shops:
            if not shop.syncer.running and shop.name not in self._polling:
                self._run_poll(shop, self._poll(shop))

    def _run_poll(self, shop: Shop, poll: Coroutine[None, None, None]) -> None:
        self._polling.add(shop.name)
        group = f"poll:{self.shops.index(shop)}"
        self.run_worker(poll, group=group, exit_on_error=False)

    def _continue_poll(self, shop: Shop) -> None:
        """The rest of a poll whose first page on_mount applied: its next pages once that page
        is painted (asked for sooner, they would compete with the first frame), or its end."""
        self._run_poll(shop, self._poll(shop, after_paint=True))

    async def _poll(self, shop: Shop, *, after_paint: bool = False) -> None:
        """One poll of one shop, page after page; the tick starts the next when due, never
        two at once. Each page is applied as it lands, so the newest orders show while older
        ones load. `after_paint`: its first page is applied; the next once that is painted."""
        syncer = shop.syncer
        try:
            if after_paint and self._next_page(syncer):
                await painted(self)
            while self.is_attached and (not after_paint or self._next_page(syncer)):
                after_paint = False
                if syncer.running:
                    return
                await self._poll_page(shop)
                if not self._next_page(syncer):
                    break
            if not self.is_attached:
                return
        finally:
            self._polling.discard(shop.name)
        self._update_chrome()
        if self._alerts is not None:
            self._deliver_alerts()  # what this poll queued, and retries that are due

    @staticmethod
    def _next_page(syncer: Syncer) -> bool:
        # halted: p was pressed, so not one more page
        return syncer.more and syncer.error is None and not syncer.halted

    async def _poll_page(self, shop: Shop) -> None:
        """One page of a poll, applied."""
        syncer = shop.syncer
        if not self._chrome_may_wait(shop):
            self._update_chrome()
        changes = await syncer.poll()
        if not self.is_attached:
            return
        self._warn_skipped(shop)
        self._settle_pending()
        if changes:
            self.apply_changes(changes, shop=shop)
        if shop is self.shops[0] and self._head_start is not None:
            # Once the first page is painted: the others' first pages would delay it.
            self.call_after_refresh(self._poll_the_rest)
        if self._alerts is not None and changes is not None:
            self._alerts.polled(shop, changes, complete=not syncer.more)

    def _warn_skipped(self, shop: Shop) -> None:
        """Say once which malformed orders a poll left out (a watch list sends them again)."""
        skipped = set(shop.syncer.skipped)
        if skipped and not skipped <= self._skipped_shown:
            first = clean(shop.syncer.skipped[0], limit=160)
            message = self.t("toast.skipped", n=len(skipped), first=first)
            if len(self.shops) > 1:
                message = f"{clean(shop.name, limit=40)}: {message}"
            self.notify(message, severity="warning", timeout=8, markup=False)
        self._skipped_shown |= skipped

    @property
    def _loaded(self) -> bool:
        """Every shop's first full sync is in."""
        return all(shop.loaded for shop in self.shops)

    def apply_changes(
        self, changes: ChangeSet, *, from_poll: bool = True, shop: Shop | None = None
    ) -> None:
        """Bring the view, list, detail and counts up to date with one refresh's changes
        (a poll's or an action's are one shop's: `shop`)."""
        # A page of a first sync with more to come at once (see PAGING_CHROME_EVERY).
        paging = from_poll and shop is not None and not shop.loaded and shop.syncer.more
        ranks = self.book.attention_ranks(self._now(), self.policy)
        attention = set(ranks)
        self.view.urgency = ranks
        self.view.apply(changes, attention)
        self.order_list.attention = attention
        self.order_list.orders_changed(changes)
        touched = changes.touched
        # Pages of the first load are not news: mark changes only once it is complete.
        loaded = shop.loaded if shop is not None else self._loaded
        self.order_list.rows_changed(touched, mark=loaded, paging=paging)
        if loaded:
            self._announce(changes, shop)
        if from_poll and shop is not None:
            self._after_poll(shop, changes)
            syncer = shop.syncer
            shop.loaded = shop.loaded or (not syncer.more and syncer.polls > 0)
        selected = self.order_list.selected_key
        if selected is not None and selected in touched:
            self.detail.show(self.book.get(selected))
        if paging:
            self._counts_late = True  # drawn with the header (`_poll`, `_update_chrome`)
        else:
            self._update_counts(len(attention))
        if len(self.shops) == 1 and len(self.book.by_shop) > len(self._hub_shops):
            # A hub's orders carry their shops (`watch --serve`): name them in a column too.
            self._hub_shops = set(self.book.by_shop)
            self.order_list.show_shops(sorted(self._hub_shops))

    def _after_poll(self, shop: Shop, changes: ChangeSet) -> None:
        """Forget stale orders the platform no longer has; save what the poll brought."""
        syncer = shop.syncer
        stale = self._stale.get(shop.name)
        if stale and not syncer.more:
            gone = stale - syncer.received
            del self._stale[shop.name]
            if gone:
                self.apply_changes(self.book.apply([], removed=sorted(gone)), from_poll=False)
        if self.history is None or syncer.more:
            return  # a first sync still paging in is saved once, when complete
        if shop.name not in self._saved_first_sync:
            # Everything the first sync brought, once: the store keeps what it needs of it.
            self._saved_first_sync.add(shop.name)
            mine = self.book if len(self.shops) == 1 else self._orders_of(shop)
            self._save_history(shop, ChangeSet(added=list(mine)), self._now())
        elif changes:
            self._save_history(shop, changes, self._now())

    def _orders_of(self, shop: Shop) -> list[Order]:
        stamp = shop.syncer.stamp
        return [o for o in self.book if profile_of(o) == stamp]

    def _save_history(self, shop: Shop, changes: ChangeSet, at: datetime) -> None:
        # run_worker with a coroutine, not @work: @work puts repr() of every argument in the
        # worker's description, and the repr of 100,000 orders costs seconds and hundreds of MB.
        write = self._write_history(shop, changes, at)
        self.run_worker(write, group="history", exit_on_error=False)

    async def _write_history(self, shop: Shop, changes: ChangeSet, at: datetime) -> None:
        assert self.history is not None
        stamp = shop.syncer.stamp
        await asyncio.to_thread(self.history.record, shop.name, changes, at, stamp=stamp)

    def _tick(self) -> None:
        due = [shop for shop in self.shops if shop.syncer.due()]
        if due:
            self.poll(due)
        ranks = self.book.attention_ranks(self._now(), self.policy)
        attention = set(ranks)
        if attention != self.order_list.attention or ranks != self.view.urgency:
            crossed = attention ^ self.order_list.attention
            self.order_list.attention = attention
            if self.view.set_attention(attention, ranks):
                self.order_list.rows_changed(None)
            else:
                self.order_list.refresh_orders(crossed)  # only their markers changed
            self._update_counts(len(attention))
        self.order_list.tick()
        self.detail.tick()
        self._update_chrome()

    def _now(self) -> datetime:
        return self.syncer.clock.now()

    def _chrome_may_wait(self, shop: Shop) -> bool:
        """Whether the header and counts may wait after a page: the shop's first sync is
        paging in, the header already counts orders (the first frame with orders is drawn
        whole, at once), and they were drawn less than PAGING_CHROME_EVERY ago."""
        paging = not shop.loaded and shop.syncer.more and self.header.shown > 0
        return paging and time.monotonic() - self._chrome_at < PAGING_CHROME_EVERY

    def _update_chrome(self) -> None:
        self._chrome_at = time.monotonic()
        if self._counts_late:
            self._counts_late = False
            self._update_counts(len(self.order_list.attention))
        now = self._now()
        if len(self.shops) == 1:
            syncer = self.syncer
            last, state = syncer.last_success, syncer.state()
            # While the first sync is still paging in, the platform's count is the truth.
            total = max(len(self.book), syncer.total)
            error = syncer.error
        else:
            last, state, failing = combined_state([shop.syncer for shop in self.shops])
            total = len(self.book) + sum(
                max(s.syncer.total - self.book.by_shop[s.name], 0) for s in self.shops
            )
            error = None
            if failing:
                first = self.shops[failing[0]]
                error = self.t("header.failing", n=len(failing), shop=clean(first.name, limit=24),
                               error=clean(first.syncer.error or "", limit=200))  # fmt: skip
                state = replace(state, error=error)
            self.sidebar.update_shops(self._shop_lines(now))
        age = None if last is None else (now - last).total_seconds()
        self.header.set_read_only(bool(getattr(self.app, "read_only", False)))
        self.header.update(
            shown=len(self.view),
            total=total,
            age=age,
            state=state,
            stale=bool(self._stale) and all(s.syncer.last_success is None for s in self.shops),
        )
        # Nothing to show because the shop cannot be reached: say that, not "No orders match."
        empty = None
        if len(self.book) == 0 and error is not None:
            empty = self.t("list.unreachable", error=clean(error, limit=300))
        if empty != self.order_list.empty_text:
            self.order_list.empty_text = empty
            self.order_list.refresh()

    def _shop_lines(self, now: datetime) -> dict[str, tuple[int, str]]:
        """For the sidebar: each shop's orders and health (Shop.health)."""
        return {shop.name: (self.book.by_shop[shop.name], shop.health(now)) for shop in self.shops}

    def _update_counts(self, attention: int) -> None:
        self.sidebar.update_counts(
            total=len(self.book),
            attention=attention,
            by_status=self.book.by_status,
            by_type=self.book.by_type,
            followed=sum(1 for no in self.order_list.pinned if no in self.book),
        )

    # -- events --------------------------------------------------------------------------------

    @on(OrderList.SelectionChanged)
    def _selection_changed(self, event: OrderList.SelectionChanged) -> None:
        # The cursor paints first; the details (a heavier layout) follow in the next frame,
        # once however many moves came in meanwhile (a held key renders only where it stops).
        if not self._detail_pending:
            self._detail_pending = True
            self.call_after_refresh(self._show_selected)

    def _show_selected(self) -> None:
        self._detail_pending = False
        selected = self.order_list.selected_key
        self.detail.show(None if selected is None else self.book.get(selected))

    @on(OrderList.SortClicked)
    def _sort_clicked(self, event: OrderList.SortClicked) -> None:
        if event.column is self.view.sort:
            self._sort(event.column, not self.view.descending)
        else:
            self._sort(event.column, event.column in _DESCENDING_FIRST)

    def _filter_changed(self, event: Sidebar.FilterChanged) -> None:
        only = frozenset(self.order_list.pinned) if event.followed else None
        self._set_filter(
            status=event.status,
            attention=event.attention,
            product_type=event.product_type,
            only=only,
            shop=event.shop,
        )

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._set_filter(search=event.value.strip())
        self._show_query_error()

    def _show_query_error(self) -> None:
        """Say under the search box why the query cannot be read, in the chosen language."""
        error = self.view.query_error if self.search.value.strip() else None
        if error is None:
            self.search_error.display = False
            return
        params = {k: clean(v, limit=200) for k, v in error.params.items()}
        text = self.t("query.ignored", error=self.t(f"query.error.{error.code}", **params))
        self.search_error.update(text)
        self.search_error.display = True

    def _set_filter(self, **changes: object) -> None:
        before = self.view.filter
        self.view.update_filter(**changes)
        if self.view.filter == before or not self.is_mounted:
            return
        self.order_list.rows_changed(None)
        self._update_chrome()

    # -- actions -------------------------------------------------------------------------------

    def action_focus_list(self) -> None:
        if not self.search.value:
            self.search.display = False
            self.search_error.display = False
        self.order_list.focus()

    def action_open_detail(self) -> None:
        """Enter: the selected order's details on the whole screen; Esc comes back."""
        from kameng_tui.tui.screens.order_detail import OrderDetailScreen

        selected = self.order_list.selected_key
        if selected is None or self.book.get(selected) is None:
            return
        self.app.push_screen(
            OrderDetailScreen(
                self.t,
                self.book,
                selected,
                self.syncer.clock.now,
                self.policy,
                self.detail.observed,
            )
        )

    def action_search(self) -> None:
        if self.search.parent is None:
            pane = self.order_list.parent
            assert isinstance(pane, Widget)
            pane.mount(self.search, self.search_error, before=self.order_list)
        self.search.display = True
        self.set_focus(self.search)  # at once: Widget.focus would wait for a round trip

    def action_clear_filters(self) -> None:
        """Esc: clear the search first, then the sidebar filters."""
        if self.search.value or self.search.display:
            self.search.value = ""
            self.action_focus_list()
            return
        if self.view.filter != Filter():
            self.sidebar.choose(status="all", product_type="all", shop="all")

    # -- actions on orders -----------------------------------------------------------------------

    def allowed_actions(self) -> list[Action]:
        """What may be done to the selected order here: nothing on a read-only profile."""
        selected = self.order_list.selected_key
        order = None if selected is None else self.book.get(selected)
        if order is None or getattr(self.app, "read_only", False):
            return []
        shop = self.shop_of(order)
        if shop.setting("read_only", False):
            return []
        staff = bool(self._setting("staff", shop.backend.platform == "demo", shop))
        return allowed(order, staff=staff, supported=shop.backend.supported_actions)

    def action_actions(self) -> None:
        if getattr(self.app, "read_only", False):
            self.notify(self.t("actions.read_only"), timeout=3, markup=False)
            return
        actions = self.allowed_actions()
        selected = self.order_list.selected_key
        if not actions or selected is None:
            self.notify(self.t("actions.none"), timeout=3, markup=False)
            return
        from kameng_tui.tui.screens.profiles import ChoiceScreen

        choices = [(a.value, self.t(f"action.{a.value}"), "") for a in actions]
        hotkeys = {a.value: HOTKEYS[a] for a in actions}
        title = self.t("actions.title", no=clean(selected, limit=64))
        screen = ChoiceScreen(title, self.t("actions.footer_keys"), choices, hotkeys)
        self.app.push_screen(
            screen, lambda choice: self.start_action(Action(choice) if choice else None)
        )

    def start_action(self, action: Action | None) -> None:
        """Ask for the text and the confirmation the action needs, then do it.

        Every action that changes anything asks y/n, naming the order, its product and amount,
        and what was typed (the new account, the note)."""
        from kameng_tui.tui.screens.profiles import ConfirmScreen, PromptScreen

        selected = self.order_list.selected_key
        order = None if selected is None else self.book.get(selected)
        if action is None or order is None or action not in self.allowed_actions():
            return
        t = self.t
        name = t(f"action.{action.value}")

        def perform(yes: bool | None, text: str | None) -> None:
            if yes:
                self._perform(order, action, text)

        def with_text(text: str | None) -> None:
            if action in NEEDS_TEXT and not text:
                return  # cancelled with Esc: the prompt does not close on nothing typed
            if action in NEEDS_CONFIRMATION:
                question = self._question(action, order, text)
                dialog = ConfirmScreen(name, question, t("actions.confirm_keys"))
                self.app.push_screen(dialog, lambda yes: perform(yes, text))
            else:
                perform(True, text)

        if action is Action.FIX_ACCOUNT:
            prompt = PromptScreen(
                name,
                t("actions.text.fix_account"),
                keys=t("prompt.keys"),
                value=order.account,
                check=lambda value: self._account_problem(order, value),
                required=t("account.empty"),
            )
            self.app.push_screen(prompt, with_text)
        elif action in NEEDS_TEXT:
            prompt = PromptScreen(
                name,
                t(f"actions.text.{action.value}"),
                keys=t("prompt.keys"),
                required=t("prompt.required"),
            )
            self.app.push_screen(prompt, with_text)
        else:
            with_text(None)

    def _account_problem(self, order: Order, value: str) -> str | None:
        problem = check_account(order, value)
        return None if problem is None else self.t(f"account.{problem.value}")

    def _question(self, action: Action, order: Order, text: str | None) -> str:
        t = self.t
        question = t(
            "actions.question",
            action=t(f"action.{action.value}"),
            no=clean(order.order_no, limit=64),
            product=clean(order.product_name, limit=80),
            amount=money(order.amount, clean(order.currency, limit=8)),
        )
        if action is Action.FIX_ACCOUNT and text:
            old = clean(order.account, limit=64) or t("field.none")
            question += "\n" + t("actions.question_account", value=clean(text, limit=64), old=old)
        elif text:
            question += "\n" + t("actions.question_text", value=clean(text, limit=200))
        return question

    @work(group="action", exclusive=True, exit_on_error=False)
    async def _perform(self, target: Order, action: Action, text: str | None) -> None:
        name = self.t(f"action.{action.value}")
        key, order_no = target.key, target.order_no
        shop = self.shop_of(target)
        stamp = shop.syncer.stamp
        try:
            # The shop's backend gets the order as it gave it, and its answer is stamped.
            order = await shop.backend.act(unstamped(target) if stamp else target, action, text)
            order = stamped(order, stamp) if stamp else order
        except BackendError as exc:
            error = clean(str(exc), limit=160)
            self.notify(self.t("actions.failed", action=name, error=error), severity="error",
                        timeout=8, markup=False)  # fmt: skip
            return
        if not self.is_attached:
            return
        if action in NEEDS_CONFIRMATION:
            # "…pending" until a poll that started after this answer has come back.
            syncer = shop.syncer
            self._pending[key] = (shop, syncer.polls + (1 if syncer.running else 0))
            self.order_list.pending.add(key)
            self.order_list.refresh_orders({key})
        self.apply_changes(self.book.apply([order]), shop=shop, from_poll=False)
        self.detail.show(self.book.get(self.order_list.selected_key or key))
        self.notify(self.t("actions.done", action=name, no=clean(order_no, limit=64)), timeout=4,
                    markup=False)  # fmt: skip

    def _settle_pending(self) -> None:
        """Orders acted on stop showing "…pending" once the platform's next poll answered."""
        if not self._pending:
            return
        done = {key for key, (shop, after) in self._pending.items() if shop.syncer.polls > after}
        if done:
            for key in done:
                del self._pending[key]
            self.order_list.pending -= done
            self.order_list.refresh_orders(done)

    def action_shops(self) -> None:
        """Each shop's polling and last error (one shop down is one line)."""
        from kameng_tui.tui.screens.shops import ShopsScreen

        self.app.push_screen(ShopsScreen(self.t, self.shops, self.book, self._now()))

    def action_stats(self) -> None:
        from kameng_tui.domain.stats import compute
        from kameng_tui.tui.screens.stats import StatsScreen

        now = self._now()
        self.app.push_screen(StatsScreen(self.t, compute(self.book, now), now))

    def action_sort_urgency(self) -> None:
        """The most urgent orders, from the top: the cursor goes to the first of them."""
        self._sort(SortColumn.URGENCY, True)
        self.order_list.action_first()

    def palette_commands(self) -> Iterator[SystemCommand]:
        """Commands the palette adds for this screen (see tui.commands.SystemCommands):
        stats and every sort; language and profiles come from the app's own."""
        t = self.t
        yield SystemCommand(t("key.stats"), t("keyhelp.stats"), self.action_stats)
        for column in _SORT_CYCLE if len(self.shops) > 1 else _SINGLE_SHOP_SORTS:
            title = t("palette.sort", column=t(f"col.{column.value}"))
            help_key = (
                "keyhelp.sort_urgency" if column is SortColumn.URGENCY else "palette.sort_help"
            )
            yield SystemCommand(
                title, t(help_key), partial(self._sort, column, column in _DESCENDING_FIRST)
            )
        yield SystemCommand(
            t("key.sort_reverse"), t("keyhelp.sort_reverse"), self.action_sort_reverse
        )

    def action_sort_next(self) -> None:
        cycle = _SORT_CYCLE if len(self.shops) > 1 else _SINGLE_SHOP_SORTS
        column = cycle[(cycle.index(self.view.sort) + 1) % len(cycle)]
        self._sort(column, column in _DESCENDING_FIRST)

    def action_sort_reverse(self) -> None:
        self._sort(self.view.sort, not self.view.descending)

    def _sort(self, column: SortColumn, descending: bool) -> None:
        self.view.set_sort(column, descending)
        self.order_list.rows_changed(None)
        direction = self.t("sort.desc" if descending else "sort.asc")
        self.notify(
            self.t("toast.sorted", column=self.t(f"col.{column.value}"), direction=direction),
            timeout=2,
            markup=False,
        )

    def action_refresh(self) -> None:
        for shop in self.shops:
            shop.syncer.request_now()
        self.poll()

    def action_pause(self) -> None:
        paused = not self.syncer.paused  # every shop as the first: one key, one state
        for shop in self.shops:
            if shop.syncer.paused != paused:
                shop.syncer.toggle_pause()
        self.notify(self.t("toast.paused" if paused else "toast.resumed"), timeout=2, markup=False)
        self._update_chrome()

    def action_attention(self) -> None:
        _, attention, _ = self.sidebar.current()
        self.sidebar.choose(status="all" if attention else "attention")

    def on_resize(self, event: events.Resize) -> None:
        self._fit_sidebar(event.size.width)

    def _fit_sidebar(self, width: int) -> None:
        if not self._sidebar_chosen:
            self.sidebar.display = width >= SIDEBAR_MIN_WIDTH
            if not self.sidebar.display and self.sidebar.has_focus_within:
                self.order_list.focus()

    def action_toggle_sidebar(self) -> None:
        self._sidebar_chosen = True
        self.sidebar.display = not self.sidebar.display
        if not self.sidebar.display and self.sidebar.has_focus_within:
            self.order_list.focus()

    def action_toggle_detail(self) -> None:
        self.detail.display = not self.detail.display

    # -- following orders -----------------------------------------------------------------------

    def _setting(self, key: str, default: object, shop: Shop | None = None) -> object:
        """A setting of the shop's profile (the first shop's by default), as the profiles
        hold it now."""
        shop = shop or self.shops[0]
        profiles = getattr(self.app, "profiles", None)
        if profiles is None:
            return shop.setting(key, default)
        name = shop.name if len(self.shops) > 1 else profiles.current
        return profiles.get(name).get(key, default) if name in profiles.names else default

    def _announce(self, changes: ChangeSet, shop: Shop | None = None) -> None:
        """Status changes go to the change log, and one line in the change bar (of every order,
        or only of followed ones); followed orders also get a toast. Nothing covers the list."""
        moved = changes.status_changes()
        if not moved:
            return
        now = self._now()
        entries = [Change.of(now, old, new) for old, new in moved]
        self.change_log.add(entries)
        scope = self._setting("notify", "all", shop)
        pinned = self.order_list.pinned
        followed = [(old, new) for old, new in moved if new.key in pinned]
        shown = [] if scope == "none" else entries if scope == "all" else [
            e for e in entries if e.key in pinned
        ]  # fmt: skip
        if shown:
            self.change_bar.show(shown)
        elif not self.change_bar.text:
            self.change_bar.refresh()  # the idle line counts the log (a highlighted one hides it)
        if scope == "none" or not shown:
            return
        t = self.t
        toasts: list[str] = []
        if len(followed) > 3:
            toasts.append(t("toast.many_changed", n=len(followed)))
            self.notify(toasts[-1], timeout=4, markup=False)
        else:
            for old, new in followed:
                text = t(
                    "toast.status_changed",
                    no=clean(new.order_no, limit=64),
                    old=t.enum("status", old.status),
                    new=t.enum("status", new.status),
                )
                toasts.append(text)
                self.notify(text, timeout=5, markup=False)
        if toasts:  # the toasts again, as one desktop notification through the terminal
            mode = str(self._setting("desktop", "off", shop))
            desktop.send(self.app, APP_NAME, " · ".join(toasts), mode, os.environ)
        if self._setting("bell", False, shop):
            self.app.bell()

    def action_changes(self) -> None:
        from kameng_tui.tui.screens.changes import ChangeLogScreen

        screen = ChangeLogScreen(self.t, self.change_log.newest_first())

        def chosen(key: str | None) -> None:
            if key is not None and key in self.book:
                self.go_to_order(key)

        self.app.push_screen(screen, chosen)

    def action_pin(self) -> None:
        selected = self.order_list.selected_key
        order = None if selected is None else self.book.get(selected)
        if selected is None or order is None:
            return
        pinned = self.order_list.pinned
        no = clean(order.order_no, limit=64)
        shop = self.shop_of(order)
        own = unstamped(order).key if shop.syncer.stamp else selected  # as the profile saves it
        follows = self._follows[shop.name]
        if selected in pinned:
            pinned.discard(selected)
            self._follows[shop.name] = [f for f in follows if f != own]
            self.notify(self.t("toast.unpinned", no=no), timeout=3, markup=False)
        else:
            pinned.add(selected)
            self._follows[shop.name] = [*follows, own]
            self.notify(self.t("toast.pinned", no=no), timeout=3, markup=False)
        if not save_follows(shop.name, self._follows[shop.name]):
            self.notify(self.t("toast.follow_not_saved"), severity="warning", timeout=5,
                        markup=False)  # fmt: skip
        if self.view.filter.only is not None:  # the "Followed" filter is on: follow it
            self._set_filter(only=frozenset(pinned))
        self._update_counts(len(self.order_list.attention))
        self.order_list.refresh_orders({selected})

    # -- watch lists ----------------------------------------------------------------------------

    def _watch_shop(self) -> Shop | None:
        """Where `w` and `x` go: the selected order's shop if it keeps a watch list, else the
        first shop that does."""
        selected = self.order_list.selected_key
        order = None if selected is None else self.book.get(selected)
        first = [self.shop_of(order)] if order is not None else []
        for shop in [*first, *self.shops]:
            if hasattr(shop.backend, "watch"):
                return shop
        return None

    def _watch_list(self) -> list[str] | None:
        profiles = getattr(self.app, "profiles", None)
        shop = self._watch_shop()
        if profiles is None or shop is None or shop.name not in profiles.names:
            return None
        watched: list[str] | None = profiles.watch_list(shop.name)
        return watched

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("watch", "unwatch"):
            return self._watch_list() is not None
        return True  # `A` on a read-only profile says so, rather than nothing

    def action_watch(self) -> None:
        if self._watch_list() is None:
            self.notify(self.t("toast.not_watchable"), timeout=3, markup=False)
            return
        from kameng_tui.tui.screens.profiles import PromptScreen

        keys = self.t("prompt.keys")
        prompt = PromptScreen(self.t("watch.title"), self.t("watch.placeholder"), keys=keys)
        self.app.push_screen(prompt, self._add_watch)

    def _add_watch(self, order_no: str | None) -> None:
        watched = self._watch_list()
        if order_no is None or watched is None:
            return
        order_no = clean(order_no, limit=64)
        if order_no not in watched:
            self._save_watch([*watched, order_no])
        self.notify(self.t("toast.watching", no=order_no), timeout=3, markup=False)
        self.action_refresh()

    def action_unwatch(self) -> None:
        watched = self._watch_list()
        selected = self.order_list.selected_key
        order = None if selected is None else self.book.get(selected)
        if watched is None or selected is None or order is None:
            return
        if self._watch_shop() is not self.shop_of(order):
            return  # its shop keeps no watch list (another shop of a merged view does)
        self._save_watch([no for no in watched if no != order.order_no])
        self.apply_changes(self.book.apply([], removed=[selected]), from_poll=False)
        self._update_chrome()
        self.notify(
            self.t("toast.unwatched", no=clean(order.order_no, limit=64)), timeout=3, markup=False
        )

    def _save_watch(self, orders: list[str]) -> None:
        profiles = self.app.profiles  # type: ignore[attr-defined]
        shop = self._watch_shop()
        assert shop is not None  # _watch_list() found it
        shop.backend.watch = list(orders)  # type: ignore[attr-defined]
        try:
            profiles.set_watch_list(shop.name, orders)
        except ConfigError as exc:
            self.notify(clean(exc), severity="error", timeout=8, markup=False)

    def go_to_order(self, key: str) -> None:
        """Select an order (by key); clear the search and filters first if they hide it."""
        if self.view.index_of(key) is None:
            self.search.value = ""
            self.action_focus_list()
            self.sidebar.choose(status="all", product_type="all", shop="all")
            self._set_filter(search="", shop=None)
        self.order_list.select_order(key)
        self.order_list.focus()

    def action_copy_order_no(self) -> None:
        """Copy with OSC 52: the terminal's clipboard, over SSH and tmux too."""
        selected = self.order_list.selected_key
        order = None if selected is None else self.book.get(selected)
        if order is None:
            return
        # Cleaned: a pasted ESC could end a shell's bracketed paste and run the rest.
        self.app.copy_to_clipboard(clean(order.order_no))
        self.notify(
            self.t("toast.copied_no", no=clean(order.order_no, limit=64)), timeout=3, markup=False
        )

    def action_copy_codes(self) -> None:
        selected = self.order_list.selected_key
        order = None if selected is None else self.book.get(selected)
        if order is None or not order.card_codes:
            self.notify(self.t("toast.no_codes"), timeout=3, markup=False)
            return
        self.app.copy_to_clipboard("\n".join(clean(code) for code in order.card_codes))
        # Say what was copied, never the codes themselves.
        n = len(order.card_codes)
        self.notify(
            self.t("toast.copied_codes", n=n, no=clean(order.order_no, limit=64)),
            timeout=3,
            markup=False,
        )

    def action_toggle_codes(self) -> None:
        # `j` then `c` in one frame: reveal the order under the cursor, not the one the details
        # still show (its codes would mask again as soon as the details caught up).
        shown = self.detail.order
        if self.order_list.selected_key != (shown.key if shown else None):
            self._show_selected()
        self.detail.toggle_codes()

    def action_toggle_lang(self) -> None:
        self.app.toggle_lang()  # type: ignore[attr-defined]

    def set_messages(self, messages: Messages) -> None:
        self.t = messages
        self.header.set_messages(messages)
        self.sidebar.set_messages(messages)
        self.order_list.set_messages(messages)
        self.detail.set_messages(messages)
        self.change_bar.set_messages(messages)
        self.search.set_messages(messages)
        self._show_query_error()
