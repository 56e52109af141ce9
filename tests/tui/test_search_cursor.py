"""Issue 12 in the tracker: the cursor stays on screen, the query search, Enter, `:`, `u`, the
palette's commands, the help screen's keys, the localized quit hint and palette label, and j/k
in the sidebar."""

from __future__ import annotations

import itertools

from textual.command import CommandPalette
from textual.pilot import Pilot

from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus
from kameng_tui.domain.view import SortColumn
from kameng_tui.tui.screens.help import HelpScreen
from kameng_tui.tui.screens.order_detail import OrderDetailScreen
from kameng_tui.tui.screens.orders import OrdersScreen
from tests.helpers import AppFactory
from tests.tui.test_app import screen_text, settle


def assert_cursor_on_screen(screen: OrdersScreen) -> None:
    """The cursor is a shown row, it is in view, and the details describe that row."""
    lst = screen.order_list
    rows = screen.view.rows
    if not rows:
        assert lst.selected_key is None
        assert screen.detail.order is None
        return
    assert 0 <= lst.cursor < len(rows)
    assert lst.selected_key == rows[lst.cursor].order_no
    top = int(lst.scroll_offset.y)
    assert top <= lst.cursor < top + lst._page_height, (top, lst.cursor)
    assert screen.detail.order is not None
    assert screen.detail.order.order_no == lst.selected_key


def current(app: object) -> object:
    """The screen on top now (a call: type checkers do not narrow it across key presses)."""
    return app.screen  # type: ignore[attr-defined]


async def type_search(pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash", *text)
    await pilot.pause()


async def test_cursor_goes_to_the_first_row_when_the_selection_is_filtered_out(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("end")  # the last order, scrolled far down
        await pilot.pause()
        last = screen.order_list.selected_key
        assert screen.order_list.cursor == 299
        # A search that leaves out the selected order: the cursor goes to the first row.
        target = next(o for o in screen.view.rows[:50] if o.account)
        await type_search(pilot, target.order_no[-8:])
        assert [o.order_no for o in screen.view.rows] == [target.order_no]
        assert screen.order_list.cursor == 0 and int(screen.order_list.scroll_offset.y) == 0
        assert screen.order_list.selected_key == target.order_no != last
        assert_cursor_on_screen(screen)
        # Esc: the full list again, scrolled to the selected order.
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.view) == 300
        assert screen.order_list.selected_key == target.order_no
        assert_cursor_on_screen(screen)
        # `a`: only orders needing attention; the selected one may not be among them.
        await pilot.press("end")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert screen.view.filter.attention
        assert_cursor_on_screen(screen)
        # A status filter from the sidebar that hides the selection.
        await pilot.press("a")
        await pilot.press("end")
        await pilot.pause()
        selected = screen.order_list.selected
        assert selected is not None
        counts = screen.book.by_status
        other = next(s for s in OrderStatus if s is not selected.status and counts.get(s))
        screen.sidebar.choose(status=other.value)
        await pilot.pause()
        await pilot.pause()
        assert screen.order_list.cursor == 0
        assert_cursor_on_screen(screen)


async def test_query_search_in_the_tracker_and_its_error_line(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        await type_search(pilot, "status:failed")
        assert screen.view.rows
        assert all(o.status is OrderStatus.FAILED for o in screen.view.rows)
        failed = len(screen.view)
        screen.search.value = "status:failed age:>1"  # no unit: cannot be read
        screen.search.cursor_position = len(screen.search.value)
        await pilot.pause()
        assert screen.search_error.display
        assert "age:>1" in str(screen.search_error.render())
        assert len(screen.view) == failed  # the last readable query stays
        await pilot.press("d")
        await pilot.pause()
        assert not screen.search_error.display
        assert_cursor_on_screen(screen)
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.search_error.display and len(screen.view) == 300


async def test_search_matches_merchant_and_label(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        labelled: Order = next(o for o in screen.view.rows if o.label is not None)
        assert labelled.label is not None
        await type_search(pilot, labelled.label.text[:6])
        assert labelled.order_no in {o.order_no for o in screen.view.rows}
        await pilot.press("escape")
        merchant = screen.view.rows[0].merchant
        screen.search.value = f"merchant:{merchant}"
        await pilot.pause()
        assert screen.view.rows and all(merchant in o.merchant for o in screen.view.rows)


async def test_enter_opens_the_details_full_screen_and_escape_returns(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("j", "j")
        await pilot.pause()
        selected = screen.order_list.selected_key
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OrderDetailScreen)
        assert app.screen.pane.order is not None and app.screen.pane.order.order_no == selected
        assert app.screen.pane.size.width >= 110  # the whole width
        assert selected is not None and selected in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert current(app) is screen
        assert screen.order_list.selected_key == selected


async def test_u_sorts_by_urgency_in_one_key(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        assert screen.view.sort is SortColumn.URGENCY and screen.view.descending
        urgency = screen.view.urgency
        urgent = [o for o in screen.view.rows if o.order_no in urgency]
        assert urgent == screen.view.rows[: len(urgent)]
        ranks = [urgency[o.order_no] for o in urgent]
        assert ranks == sorted(ranks)
        for first, second in itertools.pairwise(urgent):
            if urgency[first.order_no] == urgency[second.order_no]:
                assert first.updated_at <= second.updated_at  # the oldest first
        assert_cursor_on_screen(screen)
        # What the key is for: the most urgent order under the cursor, at the top.
        assert screen.order_list.selected_key == urgent[0].order_no
        assert screen.order_list.scroll_y == 0


async def test_colon_opens_the_palette_with_stats_sorts_and_language(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        titles = [c.title for c in app.get_system_commands(screen)]
        titles += [c.title for c in screen.palette_commands()]
        assert "Stats" in titles and "Language" in titles
        for column in ("Updated", "Order no.", "Amount", "Status", "Urgency"):
            assert f"Sort by {column}" in titles
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"sort by amount")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert current(app) is screen
        assert screen.view.sort is SortColumn.AMOUNT


async def test_help_lists_ctrl_p_ctrl_q_and_the_new_keys(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = " ".join(key for key, _ in app.screen.keys)
        for key in ("^p", "^q", "u", "⏎", ":", "j", "k"):
            assert key in keys.split(), key
        descriptions = " ".join(d for _, d in app.screen.keys)
        assert "Urgent" in descriptions or "urgency" in descriptions


async def test_quit_hint_and_palette_label_in_chinese(make_app: AppFactory) -> None:
    app = make_app(lang="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        texts = [str(n.message) + str(n.title) for n in app._notifications]
        assert any("退出" in text for text in texts), texts
        assert not any("to quit" in text for text in texts)
        footer = screen_text(app).splitlines()[-1]
        assert "命令" in footer and "palette" not in footer


async def test_j_and_k_move_in_the_sidebar(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        screen.sidebar.status_list.focus()
        await pilot.pause()
        status_list = screen.sidebar.status_list
        assert status_list.highlighted == 0
        await pilot.press("j")
        await pilot.pause()
        assert status_list.highlighted == 1
        assert screen.view.filter.attention  # All → Needs attention
        await pilot.press("j", "j")
        await pilot.pause()
        assert status_list.highlighted == 3
        await pilot.press("k", "k", "k")
        await pilot.pause()
        assert status_list.highlighted == 0
        assert not screen.view.filter.attention and screen.view.filter.status is None
        assert_cursor_on_screen(screen)
