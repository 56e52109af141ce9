"""The sidebar's filter lists: a title, then entries whose highlight is the filter chosen; keys,
clicks and the mouse pointer move it, and it stays in view under the title."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult

import kameng_tui.tui
from kameng_tui.tui.widgets.sidebar import Entry, FilterList


class Filters(App[None]):
    CSS_PATH = Path(kameng_tui.tui.__file__).parent / "app.tcss"  # the lists' looks
    CSS = "FilterList { height: 6; }"  # the title and five of the twelve entries

    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[int | None] = []

    def compose(self) -> ComposeResult:
        entries = FilterList("Kinds", *(Entry(f"e{n}", Text(f"entry {n}")) for n in range(12)))
        entries.changed = lambda: self.chosen.append(entries.highlighted)
        yield entries


async def test_keys_move_the_highlight_and_it_stays_in_view_under_the_title() -> None:
    app = Filters()
    async with app.run_test(size=(30, 10)) as pilot:
        entries = app.query_one(FilterList)
        entries.focus()
        entries.highlighted = 0
        await pilot.press("j", "down", "down")
        assert entries.highlighted == 3 and app.chosen == [0, 1, 2, 3]
        await pilot.press("end")
        await pilot.pause()
        assert entries.highlighted == 11
        assert "Kinds" in entries.render_line(0).text  # the title stays on top
        assert "entry 11" in entries.render_line(5).text  # the last line shows the last entry
        await pilot.press("home", "k")
        await pilot.pause()
        assert entries.highlighted == 0 and "entry 0" in entries.render_line(1).text
        await pilot.press("pagedown")
        assert entries.highlighted == 5  # a page is the lines under the title


async def test_a_click_chooses_and_the_pointer_highlights() -> None:
    app = Filters()
    async with app.run_test(size=(30, 10)) as pilot:
        entries = app.query_one(FilterList)
        entries.highlighted = 0
        await pilot.pause()
        plain = entries.render_line(3)._segments[0].style
        await pilot.hover(FilterList, offset=(2, 3))  # entry 2, under the title
        await pilot.pause()
        hovered = entries.render_line(3)._segments[0].style
        assert hovered is not None and plain is not None and hovered.bgcolor != plain.bgcolor
        await pilot.click(FilterList, offset=(2, 3))
        await pilot.pause()
        assert entries.highlighted == 2 and app.chosen[-1] == 2
        chosen = entries.render_line(3)._segments[0].style
        assert chosen is not None and chosen.bgcolor not in (plain.bgcolor, hovered.bgcolor)


async def test_the_highlight_looks_different_with_the_focus() -> None:
    app = Filters()
    async with app.run_test(size=(30, 10)) as pilot:
        entries = app.query_one(FilterList)
        entries.highlighted = 1
        app.screen.set_focus(None)  # it took the focus as the only focusable widget
        await pilot.pause()
        blurred = entries.render_line(2)._segments[0].style
        entries.focus()
        await pilot.pause()
        focused = entries.render_line(2)._segments[0].style
        assert blurred is not None and focused is not None
        assert focused.bgcolor != blurred.bgcolor
