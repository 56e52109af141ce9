"""Pilot tests: drive the tracker by keyboard and mouse and check what it shows and keeps."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from kameng_tui.backends.base import Backend, BackendError, SyncResult
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus, ProductType
from kameng_tui.domain.view import SortColumn
from kameng_tui.i18n import Lang
from kameng_tui.settings import load_settings
from kameng_tui.store.history import HistoryStore
from kameng_tui.sync import RefreshMode
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.help import HelpScreen
from kameng_tui.tui.screens.orders import OrdersScreen
from kameng_tui.tui.widgets.detail import CODES_SHOWN_FOR, MASK
from tests.helpers import AppFactory


async def settle(app: KamengApp, pilot: Pilot[None]) -> OrdersScreen:
    """The screen after its first poll, with the real-time ticker stopped: tests move the
    clock and call `_tick` themselves, so no poll starts behind their back."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.orders_screen
    assert isinstance(screen, OrdersScreen)
    screen.ticker.pause()
    return screen


def row_numbers(screen: OrdersScreen) -> list[str]:
    return [o.order_no for o in screen.view.rows]


async def refresh_now(app: KamengApp, pilot: Pilot[None]) -> None:
    """Press r and wait until that poll is applied and painted."""
    await pilot.press("r")
    await app.workers.wait_for_complete()
    await pilot.pause()


def sort_of(screen: OrdersScreen) -> SortColumn:
    return screen.view.sort  # a call, so type checkers do not narrow it across key presses


def select_order_with_codes(screen: OrdersScreen) -> Order:
    """Put the cursor on the first listed order that has card codes; that order."""
    with_codes = next(o for o in screen.view.rows if o.card_codes)
    assert screen.order_list.select_order(with_codes.order_no)
    return with_codes


def screen_text(app: KamengApp) -> str:
    """Plain text of what is on screen now."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def test_first_poll_fills_list_header_and_detail(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        assert len(screen.view) == 300
        assert screen.header.shown == 300 and screen.header.total == 300
        updated = [o.updated_at for o in screen.view.rows]
        assert updated == sorted(updated, reverse=True)  # newest update first by default
        first = screen.view.rows[0]
        assert screen.order_list.selected_key == first.order_no
        assert screen.detail.order is not None and screen.detail.order.order_no == first.order_no
        assert screen.order_list.has_focus


async def test_status_filter_keeps_selection_and_counts(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        paid = next(o for o in screen.view.rows[5:] if o.status is OrderStatus.PAID)
        assert screen.order_list.select_order(paid.order_no)
        screen.sidebar.choose(status="paid")
        await pilot.pause()
        assert {o.status for o in screen.view.rows} == {OrderStatus.PAID}
        assert len(screen.view) == screen.book.by_status[OrderStatus.PAID]
        assert screen.order_list.selected_key == paid.order_no
        screen.sidebar.choose(product_type=paid.product_type.value)
        await pilot.pause()
        assert {o.product_type for o in screen.view.rows} == {paid.product_type}
        assert screen.order_list.selected_key == paid.order_no
        await pilot.press("escape")  # clears the sidebar filters
        await pilot.pause()
        assert len(screen.view) == 300
        assert screen.order_list.selected_key == paid.order_no


async def test_attention_key_filters_to_orders_needing_attention(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        expected = screen.book.attention_set(FIXED_EPOCH)
        assert expected, "the seeded demo has orders that need attention"
        await pilot.press("a")
        await pilot.pause()
        assert set(row_numbers(screen)) == expected
        await pilot.press("a")
        await pilot.pause()
        assert len(screen.view) == 300


async def test_search_as_you_type_and_escape_clears(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        target = screen.view.rows[42]
        await pilot.press("slash")
        assert screen.search.has_focus
        await pilot.press(*target.order_no[-8:])  # the unique tail of the number
        await pilot.pause()
        assert row_numbers(screen) == [target.order_no]
        assert screen.order_list.selected_key == target.order_no
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.view) == 300
        assert screen.order_list.has_focus
        assert screen.order_list.selected_key == target.order_no


async def test_search_matches_product_and_account(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        with_account = next(o for o in screen.view.rows if o.account)
        await pilot.press("slash", *with_account.account)
        await pilot.pause()
        assert with_account.order_no in row_numbers(screen)
        assert all(with_account.account in o.account for o in screen.view.rows)
        await pilot.press("escape")
        screen.search.value = "话费"
        await pilot.pause()
        assert screen.view.rows
        assert all("话费" in o.product_name for o in screen.view.rows)


async def test_sort_cycles_and_keeps_selection(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("j", "j", "j", "j", "j")
        selected = screen.order_list.selected_key
        await pilot.press("s")
        await pilot.pause()
        assert sort_of(screen) is SortColumn.ORDER_NO and not screen.view.descending
        assert row_numbers(screen) == sorted(row_numbers(screen))
        assert screen.order_list.selected_key == selected
        await pilot.press("S")
        await pilot.pause()
        assert row_numbers(screen) == sorted(row_numbers(screen), reverse=True)
        assert screen.order_list.selected_key == selected
        await pilot.press("s")  # product
        await pilot.pause()
        assert sort_of(screen) is SortColumn.PRODUCT
        assert screen.order_list.selected_key == selected


async def test_refresh_applies_changes_and_keeps_selection_and_scroll(
    make_app: AppFactory, clock: ManualClock
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("pagedown", "pagedown", "j", "j")
        selected = screen.order_list.selected_key
        offset = screen.order_list.cursor - int(screen.order_list.scroll_offset.y)
        version_before = {o.order_no: screen.book.version(o.order_no) for o in screen.book}
        clock.advance(120)
        await refresh_now(app, pilot)
        changed = [no for no, v in version_before.items() if screen.book.version(no) != v]
        assert changed, "two simulated minutes change some orders"
        assert screen.syncer.polls == 2
        assert screen.order_list.selected_key == selected
        new_offset = screen.order_list.cursor - int(screen.order_list.scroll_offset.y)
        assert new_offset == offset  # the selected row stays where it was on screen
        assert any(screen.order_list.is_marked_changed(no) for no in changed)
        clock.advance(10)
        screen.order_list.tick()
        assert not any(screen.order_list.is_marked_changed(no) for no in changed)


async def test_pause_and_resume(make_app: AppFactory, clock: ManualClock) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("p")
        assert screen.syncer.state().mode is RefreshMode.PAUSED
        assert "paused" in screen.header.render().plain
        clock.advance(60)
        assert not screen.syncer.due()
        await pilot.press("p")
        assert screen.syncer.state().mode is RefreshMode.AUTO
        assert screen.syncer.due()


async def test_auto_refresh_polls_when_due(make_app: AppFactory, clock: ManualClock) -> None:
    app = make_app(interval=5)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        assert screen.syncer.polls == 1
        clock.advance(5)
        screen._tick()
        await app.workers.wait_for_complete()
        assert screen.syncer.polls == 2


async def test_help_lists_every_key_and_closes(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {d for _, d in app.screen.keys}
        for text in ("Quit", "Help", "Refresh now", "Pause or resume auto refresh", "Down"):
            assert text in described
        assert not [d for d in described if d.startswith(("key.", "keyhelp."))]  # all translated
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)


async def test_sidebar_hides_and_list_takes_the_width(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        assert screen.sidebar.display
        width = screen.order_list.size.width
        await pilot.press("b")
        await pilot.pause()
        assert not screen.sidebar.display
        assert screen.order_list.size.width > width
        await pilot.press("b")
        await pilot.pause()
        assert screen.sidebar.display


async def test_80_columns_start_without_sidebar_and_keep_status_and_label(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(app, pilot)
        assert not screen.sidebar.display
        header = screen_text(app).splitlines()[1]
        for title in ("Order no.", "Status", "Updated", "Label"):
            assert title in header
        await pilot.press("b")
        await pilot.pause()
        assert screen.sidebar.display


async def test_narrow_puts_detail_below_and_wide_beside(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(app, pilot)
        assert screen.detail.region.y > screen.order_list.region.y
        assert screen.detail.region.x == screen.order_list.region.x
    app = make_app()
    async with app.run_test(size=(180, 45)) as pilot:
        screen = await settle(app, pilot)
        assert screen.detail.region.x > screen.order_list.region.x
        assert screen.detail.region.y <= screen.order_list.region.y
        assert screen.detail.region.right <= 180


async def test_mouse_click_selects_row_and_header_sorts(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        order_list = screen.order_list
        await pilot.click(order_list, offset=(20, 4))  # header is line 0: line 4 is the 4th row
        await pilot.pause()
        assert order_list.selected_key == screen.view.rows[3].order_no
        await pilot.click(order_list, offset=(14, 0))  # the order number header, after the age
        await pilot.pause()
        assert screen.view.sort is SortColumn.ORDER_NO


async def test_zh_interface(make_app: AppFactory) -> None:
    app = make_app(lang=Lang.ZH)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        header = screen.header.render().plain
        assert "共 300 单" in header
        text = screen_text(app)
        assert "订单号" in text and "商品类型" in text
        await pilot.press("L")
        await pilot.pause()
        assert "300 of 300 orders" in screen.header.render().plain


async def test_quit_key(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


class HostileBackend(Backend):
    platform = "demo"
    profile = "[red]evil[/red]"

    def __init__(self, order: Order) -> None:
        self.order = order

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        return SyncResult([self.order], "1", 1)


async def test_untrusted_text_is_shown_literally_and_never_crashes(
    make_app: AppFactory, clock: ManualClock
) -> None:
    base = make_app().syncer.backend
    demo_order = (await base.fetch_changes(None)).orders[0]
    hostile = demo_order._replace(
        product_name="ACME [/b] Ltd [red]x[/red] \x1b]52;c;aGk=\x07\x1b[2J",
        account="\x1b]0;pwned\x07",
        raw_status="[bold]???",
        product_type=ProductType.OTHER,
    )
    app = KamengApp(HostileBackend(hostile), clock=clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "ACME [/b] Ltd [red]x[/red]" in text
        assert "\x1b" not in text and "␛]52;c;aGk=␇" in text
        assert "[bold]???" in text
        assert "[red]evil[/red]" in text


async def test_backend_error_keeps_last_data_and_shows_retry(
    make_app: AppFactory, clock: ManualClock
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)

        async def broken(cursor: str | None) -> SyncResult:
            raise ValueError("malformed payload {not json")

        screen.syncer.backend.fetch_changes = broken  # type: ignore[method-assign]
        clock.advance(90)
        await refresh_now(app, pilot)
        assert len(screen.view) == 300  # last good data stays
        state = screen.syncer.state()
        assert state.mode is RefreshMode.ERROR and state.retry_in == 5
        header = screen.header.render().plain
        assert "malformed payload" in header and "retry in 5s" in header
        assert "updated 1m ago" in header  # the data's age, to the minute
        assert app.is_running


async def test_new_orders_arrive_over_time(make_app: AppFactory, clock: ManualClock) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        clock.advance(timedelta(minutes=10).total_seconds())
        await refresh_now(app, pilot)
        assert len(screen.book) > 300
        assert screen.header.total == len(screen.book)


async def test_card_codes_stay_masked_until_asked_and_mask_again_on_the_next_order(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(180, 60)) as pilot:
        screen = await settle(app, pilot)
        with_codes = select_order_with_codes(screen)
        await pilot.pause()
        code = with_codes.card_codes[0]
        assert code not in screen_text(app) and MASK in screen_text(app)
        await pilot.press("c")
        await pilot.pause()
        assert code in screen_text(app)
        await pilot.press("j")
        await pilot.press("k")
        await pilot.pause()
        assert screen.order_list.selected_key == with_codes.order_no
        assert code not in screen_text(app)


async def test_codes_asked_for_right_after_a_move_show_for_the_order_moved_to(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(180, 60)) as pilot:
        screen = await settle(app, pilot)
        with_codes = next(o for o in screen.view.rows if o.card_codes)
        # The details follow the cursor a frame later; `c` must not wait for them.
        assert screen.order_list.select_order(with_codes.order_no)
        screen.action_toggle_codes()
        await pilot.pause()
        assert screen.detail.order is not None
        assert screen.detail.order.order_no == with_codes.order_no
        assert screen.detail.codes_shown
        assert with_codes.card_codes[0] in screen_text(app)


async def test_shown_codes_mask_again_after_a_while(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(180, 60)) as pilot:
        screen = await settle(app, pilot)
        with_codes = select_order_with_codes(screen)
        await pilot.pause()
        await pilot.press("c")
        assert screen.detail.codes_shown
        timer = screen.detail._mask_timer
        assert timer is not None and timer._interval == CODES_SHOWN_FOR
        screen.detail.mask_codes()  # what the timer does when it fires
        await pilot.pause()
        assert not screen.detail.codes_shown
        assert with_codes.card_codes[0] not in screen_text(app)


async def test_copy_order_number_and_codes_with_osc52_without_showing_codes(
    make_app: AppFactory,
) -> None:
    app = make_app()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await settle(app, pilot)
        with_codes = select_order_with_codes(screen)
        await pilot.press("y")
        await pilot.press("Y")
        await pilot.pause()
        assert copied == [with_codes.order_no, "\n".join(with_codes.card_codes)]
        messages = [n.message for n in app._notifications]
        assert f"Copied order number {with_codes.order_no}" in messages
        assert any("card code(s) of" in m for m in messages)
        assert not any(code in m for m in messages for code in with_codes.card_codes)


async def test_status_changes_are_announced_and_followed_orders_marked(
    make_app: AppFactory, clock: ManualClock
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await settle(app, pilot)
        busy = next(o for o in screen.view.rows if o.status is OrderStatus.DELIVERING)
        assert screen.order_list.select_order(busy.order_no)
        await pilot.press("f")
        await pilot.pause()
        assert busy.order_no in screen.order_list.pinned
        assert "★" in screen_text(app)
        app._notifications.clear()
        clock.advance(600)
        await refresh_now(app, pilot)
        # Said in the change bar and the log (toasts only for followed orders).
        assert screen.change_log, "ten simulated minutes move some orders"
        assert "changed:" in screen.change_bar.text and "→" in screen.change_bar.text
        messages = [n.message for n in app._notifications]
        followed = [c for c in screen.change_log if c.order_no == busy.order_no]
        assert bool(followed) == any(m.startswith(f"{busy.order_no}:") for m in messages)
        assert all(m.startswith(f"{busy.order_no}:") for m in messages if "→" in m)
        await pilot.press("f")
        assert busy.order_no not in screen.order_list.pinned


async def test_changes_above_a_scrolled_view_are_counted_not_jumped_to(
    make_app: AppFactory, clock: ManualClock
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("pagedown", "pagedown", "pagedown")
        top = int(screen.order_list.scroll_offset.y)
        selected = screen.order_list.selected_key
        assert top > 0
        clock.advance(120)
        await refresh_now(app, pilot)
        above = screen.order_list.updated_above
        assert above, "orders updated since sort to the top, above the view"
        assert screen.order_list.selected_key == selected
        assert f"↑ {len(above)} updated" in screen_text(app).splitlines()[1]
        await pilot.press("home")
        await pilot.pause()
        assert not screen.order_list.updated_above


async def test_sort_by_urgency_from_the_keyboard(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        presses = 0
        while sort_of(screen) is not SortColumn.URGENCY:
            await pilot.press("s")
            presses += 1
            assert presses <= len(SortColumn)
        await pilot.pause()
        attention = screen.order_list.attention
        first = [o.order_no for o in screen.view.rows[: len(attention)]]
        assert set(first) == attention  # every order needing attention comes first
        # The marker column sorts.
        assert "▕!▼  Updated Order no." in screen_text(app).splitlines()[1]


async def test_last_known_orders_show_stale_and_stay_when_the_platform_is_down(
    make_app: AppFactory, clock: ManualClock, tmp_path: Path
) -> None:
    store = HistoryStore(tmp_path / "history.sqlite3")
    first = make_app()
    first.history = store
    first.orders_screen.history = store
    async with first.run_test(size=(120, 40)) as pilot:
        screen = await settle(first, pilot)
        await first.workers.wait_for_complete()
        remembered = {o.order_no for o in screen.book}
    store = HistoryStore(tmp_path / "history.sqlite3")  # the app closed its own on the way out
    assert {o.order_no for o in store.last_orders("demo")} == remembered
    store.close()

    class Down(Backend):
        platform = "demo"
        profile = "demo"

        async def fetch_changes(self, cursor: str | None) -> SyncResult:
            raise BackendError("cannot connect")

    store = HistoryStore(tmp_path / "history.sqlite3")
    app = KamengApp(Down(), clock=clock, history=store)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        assert {o.order_no for o in screen.book} == remembered
        header = screen.header.render().plain
        assert "last known data (stale)" in header and "cannot connect" in header


async def test_palette_jumps_to_an_order_by_number(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        target = screen.view.rows[-1]
        screen.sidebar.choose(status="attention")  # a filter that hides it
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*target.order_no[-8:])
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        hits = palette.query_one(CommandList)
        for _ in range(500):  # the palette searches in a worker: wait for its first hit
            if hits.option_count:
                break
            await pilot.pause(0.01)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.order_list.selected_key == target.order_no
        assert len(screen.view) == 300  # the filter that hid it was cleared


async def test_theme_choice_is_remembered(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.theme = "nord"
        await pilot.pause()
    assert load_settings()["theme"] == "nord"
    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(again, pilot)
        assert again.theme == "nord"


async def test_a_worker_still_closing_as_the_app_shuts_down_is_no_crash(
    make_app: AppFactory,
) -> None:
    # A poll whose HTTP request is still closing when its screen goes: cancelled, it takes a
    # few turns of the loop to end. Waiting for the last history write must not fail on it.
    async def slow_to_cancel() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.sleep(0.05)  # the connection closing
            raise

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.orders_screen.run_worker(slow_to_cancel(), group="poll", exit_on_error=False)
        await pilot.pause()
    assert app._exception is None and app.return_code in (None, 0)
