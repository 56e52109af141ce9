"""A tracker left running all day does not grow: screens and widgets that go are let go.

`make soak` measures the memory; these tests pin down the leaks it found.
"""

from __future__ import annotations

import gc
import weakref

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from kameng_tui.tui.screens.help import HelpScreen
from kameng_tui.tui.widgets.footer import WATCHERS, KeyFooter
from tests.helpers import AppFactory
from tests.tui.test_app import settle


async def test_footer_redraws_let_old_keys_go(make_app: AppFactory) -> None:
    # Each redraw builds new keys; Textual issue #6666 kept the old ones alive through their
    # `compact` binding.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        footer = app.screen.query_one(Footer)
        old_keys = [weakref.ref(key) for key in footer.query(FooterKey)]
        for _ in range(4):
            await pilot.press("L")  # another language: every description changes
            await pilot.pause()
        keys = list(footer.query(FooterKey))
        bound = {id(node) for node, _ in getattr(footer, WATCHERS)["compact"]}
        # Every key binds `compact` but the command palette's.
        assert keys and bound == {id(k) for k in keys if not k.has_class("-command-palette")}
        gc.collect()
        assert old_keys and [ref for ref in old_keys if ref() is not None] == []


async def test_footer_redraws_only_when_its_keys_change(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        footer = screen.query_one(KeyFooter)
        before = footer.redraws
        described = [key.description for key in footer.query(FooterKey)]
        for _ in range(5):  # the cursor moves, the keys on offer stay the same
            await pilot.press("j")
            await pilot.pause()
        assert footer.redraws == before
        await pilot.press("L")  # another language: every description changes
        await pilot.pause()
        assert footer.redraws == before + 1
        relabelled = [key.description for key in footer.query(FooterKey)]
        assert len(relabelled) == len(described) and relabelled != described


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
