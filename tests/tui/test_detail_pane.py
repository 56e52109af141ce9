"""The detail pane draws its own lines: the title line, then the body, rendered once per order
and width; a body taller than the pane scrolls, fitted to the width its scroll bar leaves."""

from __future__ import annotations

import io

from rich.cells import cell_len
from rich.console import Console

from kameng_tui.tui.widgets.detail import DetailPane
from tests.helpers import AppFactory
from tests.tui.test_app import settle
from tests.tui.test_quiet import Repaints


def plain(renderable: object, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    console.print(renderable)
    out = console.file
    assert isinstance(out, io.StringIO)
    return [line.rstrip() for line in out.getvalue().splitlines()]


async def test_a_tall_body_scrolls_and_wraps_to_the_width_its_scroll_bar_leaves(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(app, pilot)
        pane = screen.detail
        order = pane.order
        assert isinstance(pane, DetailPane) and order is not None
        width = pane.scrollable_content_region.width
        assert pane.show_vertical_scrollbar and width < pane.content_region.width
        # Every line fills the width left beside the scroll bar, and the body reads as the
        # body rendered at that width.
        assert {line.cell_length for line in pane._lines} == {width}
        assert pane.body_text().splitlines() == plain(pane.build(order), width)
        assert order.order_no in pane.title_text()
        # Scrolled, it draws the lines further down.
        pane.focus()
        await pilot.press("end")
        await pilot.pause()
        assert pane.scroll_offset.y == pane.max_scroll_y > 0
        last = pane.render_line(pane.scrollable_content_region.height - 1).text.rstrip()
        assert last == pane._lines[-1].text.rstrip() and cell_len(last) <= width


async def test_the_same_order_again_repaints_nothing_and_another_repaints_the_pane(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        pane = screen.detail
        repaints = Repaints(pane)
        pane.show(pane.order)
        assert repaints.calls == []
        await pilot.press("j")
        await pilot.pause()
        assert repaints.calls and pane.order is not None
        assert pane.order.order_no in pane.title_text()
