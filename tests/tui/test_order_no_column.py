"""The order-number column fits the longest number loaded, and cuts its end only when narrow."""

from __future__ import annotations

import pytest

from kameng_tui.backends.base import Unreadable
from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.status import ReadProblem
from kameng_tui.domain.view import SortColumn
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.widgets.order_list import NUMBER_MAX, NUMBER_MIN, layout_columns, number_width
from tests.domain.factory import make_order
from tests.tui.shop import ShopBackend, list_lines, poll_again, settled

DUJIAO = "DJ20261125103000123456"  # Dujiao-Next: 22 characters
ACG = "202611251030001234"  # acg-faka: 18
SHORT = "KM00000001"


def widths(width: int, number: int, type_width: int = 9) -> dict[SortColumn, int]:
    return {column.sort: w for column, w in layout_columns(width, type_width, number)}


# -- the layout ----------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 200])
def test_sixteen_cell_numbers_lay_out_as_before(width: int) -> None:
    assert widths(width, NUMBER_MIN) == widths(width, 10)  # shorter numbers do not narrow it
    assert widths(width, NUMBER_MIN)[SortColumn.ORDER_NO] >= NUMBER_MIN


@pytest.mark.parametrize("width", [60, 85, 90, 100, 120, 200])
def test_a_long_number_is_whole_wherever_there_is_room(width: int) -> None:
    assert widths(width, len(DUJIAO))[SortColumn.ORDER_NO] == len(DUJIAO)
    assert widths(width, len(ACG))[SortColumn.ORDER_NO] == len(ACG)


def test_at_80_columns_the_number_narrows_and_no_column_goes() -> None:
    before = widths(80, NUMBER_MIN)
    after = widths(80, len(DUJIAO))
    assert after.keys() == before.keys()  # the amount stays on screen
    assert NUMBER_MIN <= after[SortColumn.ORDER_NO] < len(DUJIAO)


def test_the_whole_number_comes_before_the_type_column() -> None:
    assert SortColumn.TYPE in widths(94, NUMBER_MIN)
    at_94 = widths(94, len(DUJIAO))
    assert at_94[SortColumn.ORDER_NO] == len(DUJIAO) and SortColumn.TYPE not in at_94
    assert SortColumn.TYPE in widths(120, len(DUJIAO))


@pytest.mark.parametrize("width", [40, 80, 81, 100, 120, 133, 200])
@pytest.mark.parametrize("number", [NUMBER_MIN, 18, 22, NUMBER_MAX, 500])
def test_rows_fill_the_width(width: int, number: int) -> None:
    columns = layout_columns(width, 9, number)
    used = 2 + sum(w + 1 for _, w in columns)
    assert used == width if any(c.flex for c, _ in columns) else used <= width
    assert dict((c.sort, w) for c, w in columns)[SortColumn.ORDER_NO] <= NUMBER_MAX


def test_number_width_counts_cells_and_is_capped() -> None:
    assert number_width(DUJIAO) == 22 and number_width(ACG) == 18
    assert number_width("单号12345") == 9  # wide characters count two
    assert number_width("KM\x1b[2J") == len("KM␛[2J")  # as shown, control characters visible
    assert number_width("9" * 10_000) == NUMBER_MAX + 1


# -- in the app ----------------------------------------------------------------------------------


def number_cells(lines: list[str], x: int, width: int) -> list[str]:
    return [line[x : x + width] for line in lines[1:] if line.strip()]


async def test_the_column_shows_a_22_character_number_whole_at_120(clock: ManualClock) -> None:
    backend = ShopBackend([make_order(order_no=DUJIAO), make_order(2, order_no=SHORT)])
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        columns = dict((c.sort, w) for c, w in screen.order_list._columns)
        assert columns[SortColumn.ORDER_NO] == len(DUJIAO)
        lines = list_lines(screen)
        assert any(DUJIAO in line for line in lines)
        assert "…" not in "".join(line[: 2 + 9 + 1 + 22 + 1] for line in lines)


async def test_at_80_columns_a_22_character_number_still_fits(clock: ManualClock) -> None:
    backend = ShopBackend([make_order(order_no=DUJIAO)])
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(app, pilot)
        before = layout_columns(screen.order_list.scrollable_content_region.width, 9)
        columns = dict((c.sort, w) for c, w in screen.order_list._columns)
        assert columns.keys() == {c.sort for c, _ in before}  # no column gave way for it
        assert columns[SortColumn.ORDER_NO] == len(DUJIAO)
        assert DUJIAO in list_lines(screen)[1]


async def test_at_80_columns_a_longer_number_keeps_its_start(clock: ManualClock) -> None:
    long_no = "DJ2026112510300012345678901234"  # 30 characters
    backend = ShopBackend([make_order(order_no=long_no)])
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(app, pilot)
        width = dict((c.sort, w) for c, w in screen.order_list._columns)[SortColumn.ORDER_NO]
        assert len(DUJIAO) < width < len(long_no)
        row = list_lines(screen)[1]
        assert long_no[: width - 1] + "…" in row
        assert long_no not in row
        # The details still give it whole.
        order = screen.detail.order
        assert order is not None and long_no in screen.detail._title_text(order).plain
        # And the header row lines up with it: the next column starts where it did.
        header = list_lines(screen)[0]
        product = 2 + 9 + 1 + width + 1
        assert header[product:].startswith("Product")


async def test_the_column_follows_the_numbers_as_they_come_and_go(clock: ManualClock) -> None:
    backend = ShopBackend([make_order(order_no=SHORT)])
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)

        def number_column() -> int:
            return dict((c.sort, w) for c, w in screen.order_list._columns)[SortColumn.ORDER_NO]

        assert number_column() == NUMBER_MIN
        # A watched number the shop would not show widens it too: it is on screen.
        backend.unreadable = [Unreadable(DUJIAO, ReadProblem.NOT_FOUND, "no such order")]
        await poll_again(app, pilot)
        assert number_column() == len(DUJIAO)
        assert any(DUJIAO in line for line in list_lines(screen))
        screen.apply_changes(screen.book.apply([], removed=[DUJIAO]), from_poll=False)
        await pilot.pause()
        assert number_column() == NUMBER_MIN
        screen.apply_changes(screen.book.apply([make_order(3, order_no=ACG)]), from_poll=False)
        await pilot.pause()
        assert number_column() == len(ACG)
        assert any(ACG in line for line in list_lines(screen))
