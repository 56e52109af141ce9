"""Colours that survive a 16-colour terminal, in a dark and a light theme (issue 12, item 7).

With TERM=xterm Textual downgrades every truecolor to the 16 ANSI colours (rich's
`Color.downgrade(ColorSystem.STANDARD)`). These tests take the styles the app's stylesheet
gives the status badges, the cursor bar, the changed rows and the field names, downgrade them
the same way, and check that every status still has a look of its own.
"""

from __future__ import annotations

from itertools import combinations

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.style import Style
from textual.color import Color

from kameng_tui.domain.status import OrderStatus
from kameng_tui.tui.widgets.detail import DetailPane
from kameng_tui.tui.widgets.order_list import OrderList
from tests.helpers import AppFactory

# One built-in theme of each kind: the default dark one and its light twin.
THEMES = ["textual-dark", "textual-light"]
RED = {1, 9}  # ANSI red and bright red

Look = tuple[int | None, int | None, bool, bool, bool, bool]


def ansi(color: RichColor | None) -> int | None:
    """The ANSI colour number (0-15) a 16-colour terminal shows for this colour."""
    if color is None:
        return None
    number = color.downgrade(ColorSystem.STANDARD).number
    assert number is not None
    return number


def look(style: Style) -> Look:
    """(background, foreground, bold, italic, underline, strike) as a 16-colour terminal shows
    them; reverse video swaps the two colours, so it is folded into them."""
    background, foreground = ansi(style.bgcolor), ansi(style.color)
    if style.reverse:
        background, foreground = foreground, background
    return (
        background,
        foreground,
        bool(style.bold),
        bool(style.italic),
        bool(style.underline),
        bool(style.strike),
    )


def contrast(a: RichColor, b: RichColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(color: RichColor) -> float:
        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = color.get_truecolor()
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def detail_style(pane: DetailPane, name: str) -> Style:
    """The style the detail pane writes its text in, over the pane's background."""
    style: Style = pane._style(name)
    return pane.rich_style + style


@pytest.mark.parametrize("theme", THEMES)
async def test_every_status_has_its_own_look_in_16_colours(
    make_app: AppFactory, theme: str
) -> None:
    app = make_app(orders=20)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        app.theme = theme
        await pilot.pause()
        assert app.current_theme.dark is (theme == "textual-dark")
        order_list = app.screen.query_one(OrderList)
        pane = app.screen.query_one("#detail", DetailPane)
        list_background = ansi(order_list.rich_style.bgcolor)
        cursor = look(
            order_list.rich_style + order_list.get_component_rich_style("order-list--cursor")
        )
        for widget, badge in (
            ("list", order_list.badge_style),
            ("detail", lambda s: detail_style(pane, f"status--{s.value}")),
        ):
            looks = {status: look(badge(status)) for status in OrderStatus}
            assert len(looks) == 9
            for (a, look_a), (b, look_b) in combinations(looks.items(), 2):
                # Not just a different text colour or weight: a different background.
                assert look_a[0] != look_b[0], f"{theme} {widget}: {a} and {b} look alike"
                assert look_a != look_b
            for status, status_look in looks.items():
                # A badge stands out from the list, and from the cursor bar on the cursor row.
                assert status_look[0] != list_background, f"{theme} {widget}: {status}"
                assert status_look[0] != cursor[0], f"{theme} {widget}: {status} vs cursor"


@pytest.mark.parametrize("theme", THEMES)
async def test_cursor_bar_spans_the_row_and_keeps_the_badge(
    make_app: AppFactory, theme: str
) -> None:
    app = make_app(orders=20)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        app.theme = theme
        await pilot.pause()
        order_list = app.screen.query_one(OrderList)
        order_list.focus()
        await pilot.pause()
        width = order_list.scrollable_content_region.width
        cursor = order_list.rich_style + order_list.get_component_rich_style("order-list--cursor")
        for index, order in enumerate(order_list.view.rows[:8]):
            order_list.cursor = index
            strip = order_list.render_line(index + 1 - int(order_list.scroll_offset.y))
            assert strip.cell_length == width
            badge = order_list.badge_style(order.status).bgcolor
            backgrounds = [s.style.bgcolor for s in strip if s.style is not None]
            # Every cell carries the cursor's background, but the badge, which keeps its own:
            # no gap under an empty label, no hole under a marker.
            assert badge in backgrounds, order.status
            assert {b for b in backgrounds if b != badge} == {cursor.bgcolor}, order.status


@pytest.mark.parametrize("theme", THEMES)
async def test_changed_rows_are_not_washed_red(make_app: AppFactory, theme: str) -> None:
    app = make_app(orders=20)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        app.theme = theme
        await pilot.pause()
        order_list = app.screen.query_one(OrderList)
        changed = order_list.rich_style + order_list.get_component_rich_style("order-list--changed")
        marker = order_list.get_component_rich_style("order-list--marker-changed")
        assert ansi(changed.bgcolor) not in RED
        assert ansi(marker.color) not in RED
        assert changed.bgcolor is not None
        error = Color.parse(app.theme_variables["error"]).rich_color
        assert changed.bgcolor != error


@pytest.mark.parametrize("theme", THEMES)
async def test_field_names_are_readable(make_app: AppFactory, theme: str) -> None:
    app = make_app(orders=20)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        app.theme = theme
        await pilot.pause()
        pane = app.screen.query_one("#detail", DetailPane)
        for name in ("detail--key", "detail--muted"):
            style = detail_style(pane, name)
            assert style.color is not None and style.bgcolor is not None
            # WCAG AA for normal text.
            assert contrast(style.color, style.bgcolor) >= 4.5, (theme, name, style)
            assert ansi(style.color) != ansi(style.bgcolor), (theme, name)
