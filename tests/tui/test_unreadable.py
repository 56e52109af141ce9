"""Watched orders that could not be read: their stand-in rows in the list, details and stats."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from rich.cells import cell_len
from rich.console import Console

from kameng_tui.backends.base import Unreadable
from kameng_tui.domain.attention import attention_reasons, needs_attention
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import stand_in
from kameng_tui.domain.playbook import next_step_keys
from kameng_tui.domain.status import OrderStatus, ReadProblem
from kameng_tui.domain.view import SortColumn
from kameng_tui.i18n import Lang, Messages
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.cells import fit
from kameng_tui.tui.screens.orders import OrdersScreen
from tests.domain.factory import make_order
from tests.helpers import AppFactory
from tests.tui.shop import ShopBackend, list_lines, poll_again, screen_text, settled

EN, ZH = Messages(Lang.EN), Messages(Lang.ZH)
READ = "DJ20261125103000000001"
MISSING = "DJ20261125103000123456"
REFUSED = "DJ20261125103000654321"
GARBLED = "DJ20261125103000999999"
WAITING = "DJ20261125103000555555"
# One English line from the adapter: untrusted, so markup in it must show as typed.
GARBLED_DETAIL = "HTTP 200 but [/b] no JSON [red]x[/red] \x1b[2J"


def problems() -> list[Unreadable]:
    return [
        Unreadable(MISSING, ReadProblem.NOT_FOUND, "the shop has no order with this number"),
        Unreadable(REFUSED, ReadProblem.NOT_YOURS, "HTTP 403 for this order"),
        Unreadable(GARBLED, ReadProblem.UNREADABLE, GARBLED_DETAIL),
        Unreadable(WAITING, ReadProblem.RATE_LIMITED, "waiting for its turn: 60 a minute", 30.0),
    ]


def shop_app(clock: ManualClock, lang: Lang = Lang.EN) -> KamengApp:
    backend = ShopBackend([make_order(order_no=READ)], problems())
    app = KamengApp(backend, lang=lang, clock=clock)
    app.animation_level = "none"
    return app


def label_cell(screen: OrdersScreen, order_no: str) -> str:
    """The label cell of an order's row, as painted (cut by cells: wide characters count two)."""
    order_list = screen.order_list
    assert order_list.select_order(order_no)
    index = screen.view.index_of(order_no)
    assert index is not None
    strip = order_list.render_line(index - int(order_list.scroll_offset.y) + 1)
    assert order_no in strip.text
    x = 2
    for column, width in order_list._columns:
        if column.sort is SortColumn.LABEL:
            return strip.crop(x, x + width).text
        x += width + 1
    raise AssertionError("no label column")


def plain(renderable: object, width: int = 100) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    console.print(renderable)
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


# -- the list ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(Lang))
async def test_a_stand_in_row_says_unreadable_and_why(clock: ManualClock, lang: Lang) -> None:
    t = Messages(lang)
    app = shop_app(clock, lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        assert len(screen.view) == 5
        for item in problems():
            order = screen.book.get(item.order_no)
            assert order is not None and order.status is OrderStatus.UNREADABLE
            cell = label_cell(screen, item.order_no)
            assert cell == fit(t(f"problem.{item.problem.value}"), cell_len(cell))
        text = screen_text(app)
        assert t("badge.unreadable") in text
        assert "\x1b" not in text


async def test_the_reason_is_shown_whole_where_the_label_column_has_room(
    clock: ManualClock,
) -> None:
    app = shop_app(clock)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await settled(app, pilot)
        await pilot.press("b", "d")  # no sidebar, no details: the list has the width
        await pilot.pause()
        assert EN("problem.not_found") in label_cell(screen, MISSING)
        assert EN("problem.rate_limited") in label_cell(screen, WAITING)
        # Never the adapter's English line in the list: it belongs in the details.
        assert "the shop has no order" not in "\n".join(list_lines(screen))


async def test_switching_language_translates_the_reason(clock: ManualClock) -> None:
    app = shop_app(clock)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await settled(app, pilot)
        await pilot.press("b", "d")
        await pilot.pause()
        assert EN("problem.not_yours") in label_cell(screen, REFUSED)
        await pilot.press("L")
        await pilot.pause()
        assert ZH("problem.not_yours") in label_cell(screen, REFUSED)
        assert ZH("badge.unreadable") in screen_text(app)


# -- the details ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(Lang))
async def test_details_give_the_reason_the_detail_line_and_what_to_do(
    clock: ManualClock, lang: Lang
) -> None:
    t = Messages(lang)
    app = shop_app(clock, lang)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        for number in (MISSING, REFUSED, GARBLED, WAITING):
            assert screen.order_list.select_order(number)
            await pilot.pause()
            order = screen.detail.order
            assert order is not None and order.order_no == number
            body = plain(screen.detail.build(order), width=400)  # wide: nothing wraps
            problem = order.raw_status
            assert t(f"problem.{problem}") in body
            assert t("detail.not_read") in body
            assert t(f"next.problem.{problem}") in body
            # Not the generic "unclear state" hint of an OTHER label, nor a raw status line.
            assert t("next.other") not in body
            assert t("detail.raw_status", raw=problem) not in body
            title = screen.detail._title_text(order).plain
            assert t("status.unreadable") in title and number in title


async def test_the_untrusted_detail_line_shows_as_text(clock: ManualClock) -> None:
    app = shop_app(clock)
    async with app.run_test(size=(180, 50)) as pilot:  # wide: details beside the list
        screen = await settled(app, pilot)
        assert screen.order_list.select_order(GARBLED)
        await pilot.pause()
        await pilot.pause()
        order = screen.detail.order
        assert order is not None and order.order_no == GARBLED
        body = plain(screen.detail.build(order), width=200)
        assert "HTTP 200 but [/b] no JSON [red]x[/red] ␛[2J" in body
        text = screen_text(app)
        assert "[/b] no JSON" in text and "\x1b" not in text
        assert "Not read because the shop's page for it cannot" in text  # wrapped after


async def test_not_found_points_at_removing_it_from_the_watch_list(clock: ManualClock) -> None:
    order = stand_in(MISSING, ReadProblem.NOT_FOUND, "gone", FIXED_EPOCH, None)
    assert order is not None
    assert next_step_keys(order) == ["next.problem.not_found"]
    assert " x " in EN("next.problem.not_found") and "x " in ZH("next.problem.not_found")


async def test_what_was_read_before_stays_in_the_details(clock: ManualClock) -> None:
    known = make_order(order_no=MISSING, product_name="腾讯Q币 [b]100元", amount=Decimal("98.00"))
    backend = ShopBackend([known])
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        backend.orders = []
        backend.unreadable = [Unreadable(MISSING, ReadProblem.NOT_FOUND, "no such order")]
        clock.advance(60)
        await poll_again(app, pilot)
        order = screen.book.get(MISSING)
        assert order is not None and order.status is OrderStatus.UNREADABLE
        body = plain(screen.detail.build(order))
        assert "腾讯Q币 [b]100元" in body and "¥98.00" in body
        assert "no such order" in body


# -- attention ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "attention"),
    [
        (ReadProblem.NOT_FOUND, True),
        (ReadProblem.NOT_YOURS, True),
        (ReadProblem.UNREADABLE, True),
        (ReadProblem.RATE_LIMITED, False),  # it is read on a later poll by itself
    ],
)
def test_which_stand_ins_need_attention(problem: ReadProblem, attention: bool) -> None:
    order = stand_in(MISSING, problem, "detail", FIXED_EPOCH, None)
    assert order is not None
    assert needs_attention(order, FIXED_EPOCH) is attention
    assert bool(attention_reasons(order, FIXED_EPOCH)) is attention


async def test_attention_filter_lists_the_stand_ins_that_need_someone(
    clock: ManualClock,
) -> None:
    app = shop_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        await pilot.press("a")
        await pilot.pause()
        numbers = {o.order_no for o in screen.view.rows}
        assert {MISSING, REFUSED, GARBLED} <= numbers
        assert WAITING not in numbers


# -- sidebar and stats ---------------------------------------------------------------------------


def sidebar_ids(screen: OrdersScreen) -> list[str]:
    options = screen.sidebar.status_list.options
    return [o.id.split(":", 1)[1] for o in options if o.id is not None]


async def test_the_sidebar_lists_unreadable_only_while_there_are_some(
    clock: ManualClock,
) -> None:
    backend = ShopBackend([make_order(order_no=READ)], problems())
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        assert sidebar_ids(screen)[-1] == "unreadable"
        prompt = screen.sidebar.status_list.options[-1].prompt
        assert "Unreadable" in str(prompt) and "4" in str(prompt)
        screen.sidebar.choose(status="unreadable")
        await pilot.pause()
        assert {o.status for o in screen.view.rows} == {OrderStatus.UNREADABLE}
        assert len(screen.view) == 4

        # All read again: the entry stays while it is the chosen filter, then goes.
        backend.orders = [make_order(order_no=n) for n in (READ, MISSING, REFUSED, GARBLED)]
        backend.orders.append(make_order(order_no=WAITING))
        backend.unreadable = []
        clock.advance(60)
        await poll_again(app, pilot)
        assert screen.book.by_status[OrderStatus.UNREADABLE] == 0
        assert sidebar_ids(screen)[-1] == "unreadable" and len(screen.view) == 0
        await pilot.press("escape")  # clears the filters
        await pilot.pause()
        assert "unreadable" not in sidebar_ids(screen)
        assert len(screen.view) == 5


async def test_the_demo_sidebar_and_stats_have_no_unreadable_entry(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        assert "unreadable" not in sidebar_ids(screen)
        assert len(sidebar_ids(screen)) == 3 + len(OrderStatus) - 1  # all, attention, followed
        await pilot.press("t")
        await pilot.pause()
        assert "Unreadable" not in screen_text(app)


async def test_stats_count_the_unreadable(clock: ManualClock) -> None:
    app = shop_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        await pilot.press("t")
        await pilot.pause()
        text = screen_text(app)
        assert "Unreadable" in text
