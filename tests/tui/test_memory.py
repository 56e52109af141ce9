"""A tracker left running all day does not grow: screens and widgets that go are let go.

`make soak` measures the memory; these tests pin down the leaks it found.
"""

from __future__ import annotations

import gc
import weakref

from kameng_tui.tui.screens.help import HelpScreen
from kameng_tui.tui.widgets.footer import KeyFooter
from tests.helpers import AppFactory
from tests.tui.test_app import settle
from tests.tui.test_quiet import Repaints


async def test_the_footer_draws_its_keys_without_widgets(make_app: AppFactory) -> None:
    # Textual's Footer built a widget per key on every redraw, and issue #6666 kept the old ones
    # alive; KeyFooter draws its one line itself.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        footer = screen.query_one(KeyFooter)
        assert footer.render_line(0).text.startswith(" / Search  s Sort ")
        for _ in range(4):
            await pilot.press("L")  # another language: every description changes
            await pilot.pause()
        assert footer.redraws >= 4
        assert not footer.children and footer.render_line(0).text.startswith(" / Search ")


async def test_footer_redraws_only_when_its_keys_change(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        footer = screen.query_one(KeyFooter)
        before = footer.redraws
        repaints = Repaints(footer)
        keys = [placed.key.key for placed in footer.placed]
        for _ in range(5):  # the cursor moves, the keys on offer stay the same
            await pilot.press("j")
            screen.refresh_bindings()  # as Textual does on a focus move: maybe changed
            await pilot.pause()
        assert footer.redraws == before and repaints.calls == []
        await pilot.press("L")  # another language: every description changes
        await pilot.pause()
        assert footer.redraws == before + 1 and len(repaints.calls) == 1
        relabelled = footer.render_line(0).text
        assert " / 搜索  s 排序 " in relabelled and "▏^p 命令 " in relabelled
        assert [placed.key.key for placed in footer.placed] == keys  # in other words


async def test_closed_screens_let_their_rendered_lines_go(make_app: AppFactory) -> None:
    # Textual's StylesCache.get_inner_outer kept the render caches of up to 1,024 widgets long
    # gone (issue #6665); kameng_tui.tui.textual_fixes keys it on the colours alone.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert sum(len(w._styles_cache._cache) for w in help_screen.query("*"))  # drew lines
        caches = [weakref.ref(w._styles_cache) for w in help_screen.query("*")]
        del help_screen
        await pilot.press("escape")
        await pilot.pause()
        gc.collect()
        assert [ref for ref in caches if ref() is not None] == []
