"""The key footer: one widget drawing the screen's keys on one line, whole keys only, the
command palette's on the right; a click presses a key, the pointer highlights it."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from rich.style import Style
from textual.pilot import Pilot

from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen
from kameng_tui.tui.widgets.footer import Key, KeyFooter, Keys, Placed, place, row_text
from tests.helpers import AppFactory
from tests.tui.test_app import screen_text, settle
from tests.tui.test_quiet import Repaints

KEYS = " / Search  s Sort  r Refresh  p Pause  b Sidebar  A Actions  q Quit  ? Help "
PALETTE = "▏^p Commands "


def footer_line(app: KamengApp) -> str:
    """The last line as painted."""
    return screen_text(app).splitlines()[-1]


def footer_styles(app: KamengApp) -> list[Style]:
    """The style of each cell of the last line as painted."""
    strip = app.screen._compositor.render_strips()[-1]
    return [style or Style() for text, style, _ in strip for _ in range(len(text))]


def placed_key(footer: KeyFooter, key: str) -> Placed:
    return next(p for p in footer.placed if p.key.key == key)


async def started(app: KamengApp, pilot: Pilot[None]) -> tuple[OrdersScreen, KeyFooter]:
    screen = await settle(app, pilot)
    return screen, screen.query_one(KeyFooter)


async def test_the_keys_at_120x40_with_the_palette_key_on_the_right(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(app, pilot)
        assert footer_line(app) == KEYS + " " * (120 - len(KEYS) - len(PALETTE)) + PALETTE


@pytest.mark.parametrize(
    ("width", "shown"),
    [
        # "q Quit" loses only its trailing space to the separator, as Footer drew it
        (80, " / Search  s Sort  r Refresh  p Pause  b Sidebar  A Actions  q Quit"),
        # "q Quit" would lose a letter: it goes, and nothing is cut
        (75, " / Search  s Sort  r Refresh  p Pause  b Sidebar  A Actions   "),
    ],
)
async def test_a_narrow_footer_drops_whole_keys_and_keeps_the_palette_key(
    make_app: AppFactory, width: int, shown: str
) -> None:
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await started(app, pilot)
        assert footer_line(app) == shown + PALETTE


def test_at_any_width_the_keys_drawn_are_whole_and_in_order() -> None:
    row = tuple(
        Key(k, k, description, True, "")
        for k, description in [("a", "Alpha"), ("b", "B"), ("c", "宽字符"), ("d", ""), ("e", "E")]
    )

    def cells(key: Key) -> int:
        return sum(cell_len(text) for text in row_text(key))

    for keys in (Keys(row, Key("ctrl+p", "^p", "Commands", True, "")), Keys(row, None)):
        for width in range(60):
            placed = place(keys, width)
            drawn = [p for p in placed if not p.palette]
            assert [p.key for p in drawn] == list(row[: len(drawn)])
            room = width
            if keys.palette is not None:
                (right,) = [p for p in placed if p.palette]
                assert right.x + right.width == width  # on the right edge, however narrow
                room = right.x
            x = 0
            for p in drawn:  # at most its trailing space is cut, by the palette's separator
                assert p.x == x and p.width >= cells(p.key) - 1 and p.x + p.width <= room
                x += cells(p.key)
            if len(drawn) < len(row):  # the next would not have fitted
                assert x + cells(row[len(drawn)]) - 1 > room


async def test_a_click_on_a_key_presses_it(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen, footer = await started(app, pilot)
        assert screen.sidebar.display  # shown at 120 columns
        b = placed_key(footer, "b")
        assert footer_line(app)[b.x : b.x + b.width] == " b Sidebar "
        await pilot.click(KeyFooter, offset=(b.x + b.width - 2, 0))
        await pilot.pause()
        assert not screen.sidebar.display
        await pilot.click(KeyFooter, offset=(b.x, 0))
        await pilot.pause()
        assert screen.sidebar.display


async def test_a_click_on_a_disabled_key_only_rings_the_bell(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    check = OrdersScreen.check_action

    def sidebar_disabled(
        screen: OrdersScreen, action: str, parameters: tuple[object, ...]
    ) -> bool | None:
        return None if action == "toggle_sidebar" else check(screen, action, parameters)

    app = make_app()
    bells = 0

    def bell() -> None:
        nonlocal bells
        bells += 1

    async with app.run_test(size=(120, 40)) as pilot:
        screen, footer = await started(app, pilot)
        monkeypatch.setattr(app, "bell", bell)
        monkeypatch.setattr(OrdersScreen, "check_action", sidebar_disabled)
        screen.refresh_bindings()
        await pilot.pause()
        b = placed_key(footer, "b")
        assert not b.key.enabled
        styles = footer_styles(app)  # dimmed: the key in a colour nearer the background
        assert styles[b.x + 1].color != styles[placed_key(footer, "s").x + 1].color
        await pilot.click(KeyFooter, offset=(b.x + 1, 0))
        await pilot.pause()
        assert bells == 1 and screen.sidebar.display


async def test_the_key_under_the_pointer_is_highlighted(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        _, footer = await started(app, pilot)
        b, s = placed_key(footer, "b"), placed_key(footer, "s")
        plain = footer_styles(app)
        await pilot.hover(KeyFooter, offset=(b.x + 4, 0))
        hovered = footer_styles(app)
        assert {hovered[x].bgcolor for x in range(b.x, b.x + b.width)} != {plain[b.x].bgcolor}
        assert len({hovered[x].bgcolor for x in range(b.x, b.x + b.width)}) == 1
        assert hovered[s.x : s.x + s.width] == plain[s.x : s.x + s.width]
        repaints = Repaints(footer)
        await pilot.hover(KeyFooter, offset=(b.x + 5, 0))  # the same key: nothing to redraw
        assert repaints.calls == []
        await pilot.hover(KeyFooter, offset=(s.x, 0))
        moved = footer_styles(app)
        assert moved[b.x : b.x + b.width] == plain[b.x : b.x + b.width]
        assert moved[s.x].bgcolor == hovered[b.x].bgcolor
        # The palette key's tooltip says what it does; the pointer off the keys clears it.
        palette = next(p for p in footer.placed if p.palette)
        await pilot.hover(KeyFooter, offset=(palette.x, 0))
        assert footer.tooltip == palette.key.tooltip == "Open the command palette"
        await pilot.hover(KeyFooter, offset=(palette.x - 2, 0))
        assert footer.tooltip is None and footer_styles(app) == plain
