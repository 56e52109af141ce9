"""The hostile corpus in every screen and dialog (issue items 6 and 14): as order numbers in the
actions menu (`A`), its prompt and confirmation, the toasts after, the watch prompt (`w`), the
"go to order" palette entries, stats (`t`) and help (`?`); as profile names in the header, the
profile switcher (`P`), the palette's "switch profile" entries and the toast after a switch.

Each step asserts the app still runs, nothing raw (ESC, C1, BEL, bidi, zero-width, tags) is on
screen or in what would be written to the terminal, every line is exactly as wide as the screen,
and markup in a number or a name is shown as typed.
"""

from __future__ import annotations

import re
from typing import Any

from textual._compositor import LayoutUpdate
from textual.command import CommandInput, CommandList, CommandPalette
from textual.content import Content
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, OptionList

from kameng_tui.backends.base import BackendError
from kameng_tui.config import parse
from kameng_tui.domain.actions import Action
from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.text import clean
from kameng_tui.profiles import Profiles
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.help import HelpScreen
from kameng_tui.tui.screens.orders import OrdersScreen
from kameng_tui.tui.screens.profiles import (
    ChoiceScreen,
    ConfirmScreen,
    ProfilesScreen,
    PromptScreen,
)
from kameng_tui.tui.screens.stats import StatsScreen
from tests.hostile.corpus import SHORT_TEXTS, TEXTS, hostile_order, raw_controls
from tests.hostile.test_views import Stub, frame, settle

# The issue's own cases first, then every short text of the corpus.
NUMBERS = {"issue_markup": "KM[/b]MARKUP1", "issue_osc": "KM\x1b]0;pwned\x07", **SHORT_TEXTS}
# Each kind of them, for the longer walks (a walk takes about a second a number).
KINDS = ("issue_markup", "issue_osc", "markup_close", "markup_action", "markup_variable",
         "markup_escaped", "osc52_clipboard", "c1_csi", "bel", "newlines", "nel_ls_ps", "bidi",
         "lone_surrogate", "zwj_leading", "zero_width_all", "bidi_marks", "bidi_embed", "tags",
         "cjk_zwj", "emoji_flag_tags", "cjk_wide", "empty")  # fmt: skip
SIZE = (100, 30)  # the dialogs are 60 cells wide; a smaller screen renders quicker
# What Textual writes besides the text: cursor moves and colours (CSI ... final byte).
_CSI = re.compile(r"\x1b\[[0-9;:?<>=]*[ -/]*[@-~]")


def terminal_output(app: KamengApp) -> str:
    """What a full repaint of the current screen (and the screens under a modal) writes."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    assert isinstance(update, LayoutUpdate)
    written: str = update.render_segments(app.console)
    return written


def assert_safe(app: KamengApp, context: object) -> str:
    """No crash, nothing raw on screen or on the wire, every line as wide as the screen.
    Returns the screen's text."""
    assert app.is_running, context
    strips = frame(app)
    for strip in strips:
        assert not raw_controls(strip.text), (context, raw_controls(strip.text))
        assert strip.cell_length == app.size.width, context
    written = _CSI.sub("", terminal_output(app))
    assert not raw_controls(written), (context, raw_controls(written))
    return "\n".join(strip.text for strip in strips)


def title_of(widget: Widget) -> str:
    title = widget._border_title
    return "" if title is None else title.plain


def first_line(prompt: object) -> str:
    """A palette entry's title (its help is on the next line)."""
    assert isinstance(prompt, Content)  # never a markup string
    return prompt.plain.split("\n")[0]


async def wait_for_hits(pilot: Pilot[None], hits: CommandList, at_least: int = 1) -> None:
    for _ in range(500):  # the palette searches in a worker: wait for its hits, bounded
        if hits.option_count >= at_least:
            return
        await pilot.pause(0.01)


class ActionStub(Stub):
    """Every action supported; performing one answers the order, or fails with hostile text."""

    supported_actions = frozenset(Action)

    def __init__(self, orders: list[Order], profile: str = "demo") -> None:
        super().__init__(orders, profile)
        self.performed: list[tuple[str, Action, str | None]] = []
        self.fail_with: str | None = None
        self.watch: list[str] = []

    async def perform(self, order_no: str, action: Action, text: str | None = None) -> Order:
        self.performed.append((order_no, action, text))
        if self.fail_with is not None:
            raise BackendError(self.fail_with)
        return next(o for o in self.orders if o.order_no == order_no)


async def choose(app: KamengApp, pilot: Pilot[None], action: Action) -> None:
    """Open the actions menu on the selected order and choose `action`."""
    await pilot.press("A")
    await pilot.pause()
    assert isinstance(app.screen, ChoiceScreen)
    options = app.screen.query_one(OptionList)
    index = next(i for i in range(options.option_count)
                 if options.get_option_at_index(i).id == action.value)  # fmt: skip
    options.highlighted = index
    await pilot.press("enter")
    await pilot.pause()


async def test_order_dialogs_and_toasts_show_hostile_numbers_literally(clock: ManualClock) -> None:
    orders = [hostile_order(i, text) for i, text in enumerate(NUMBERS.values())]
    backend = ActionStub(orders)
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await settle(app, pilot)
        t = app.messages
        appeal, refund = t("action.appeal"), t("action.refund")
        for order, name in zip(orders, NUMBERS, strict=True):
            number = clean(order.order_no, limit=64)
            title = t("actions.title", no=number)
            app.clear_notifications()
            assert screen.order_list.select_order(order.order_no), name
            await pilot.pause()

            # The actions menu: its title holds the number.
            await pilot.press("A")
            await pilot.pause()
            assert isinstance(app.screen, ChoiceScreen), name
            dialog = app.screen.query_one("#profiles-dialog")
            assert title_of(dialog) == title, name
            shown = assert_safe(app, (name, "actions menu"))
            assert title[:40] in shown, name
            await pilot.press("escape")
            await pilot.pause()
            if name not in KINDS:
                continue

            # An action that asks for text: the prompt, then the toast with the number.
            await choose(app, pilot, Action.APPEAL)
            assert isinstance(app.screen, PromptScreen), name
            assert_safe(app, (name, "prompt"))
            typed = order.product_name if order.product_name.strip() else "x"  # hostile too
            app.screen.query_one(Input).value = typed
            await pilot.pause()
            assert_safe(app, (name, "prompt, typed"))
            await pilot.press("enter")
            await pilot.pause()
            # Every action that changes anything asks y/n, naming the order and the note.
            assert isinstance(app.screen, ConfirmScreen), name
            assert_safe(app, (name, "appeal confirm"))
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert backend.performed[-1][:2] == (order.order_no, Action.APPEAL), name
            messages = [n.message for n in app._notifications]
            assert t("actions.done", action=appeal, no=number) in messages, (name, messages)
            assert_safe(app, (name, "done toast"))

            # An action that asks for confirmation: the question holds the number.
            await choose(app, pilot, Action.REFUND)
            assert isinstance(app.screen, ConfirmScreen), name
            question = app.screen.question
            assert number in question and refund in question, (name, question)
            shown = assert_safe(app, (name, "confirm"))
            assert number[:12] in shown, name  # the question wraps
            backend.fail_with = f"HTTP 409: {order.order_no} \x1b[2J[/b]"
            await pilot.press("y")
            await app.workers.wait_for_complete()
            await pilot.pause()
            backend.fail_with = None
            assert_safe(app, (name, "failed toast"))
            assert any("␛[2J[/b]" in n.message for n in app._notifications), name
        assert app.is_running


async def test_palette_go_to_order_entries_show_hostile_numbers_literally(
    clock: ManualClock,
) -> None:
    orders = [hostile_order(i, text) for i, text in enumerate(NUMBERS.values())]
    app = KamengApp(ActionStub(orders), clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(app, pilot)
        for index, (order, name) in enumerate(zip(orders, NUMBERS, strict=True)):
            if name not in KINDS:
                continue
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette), name
            await pilot.press(*f"H{index:03d}")
            hits = app.screen.query_one(CommandList)
            await wait_for_hits(pilot, hits)
            await pilot.pause()
            prompts = [hits.get_option_at_index(i).prompt for i in range(hits.option_count)]
            goto = [p.plain for p in prompts if isinstance(p, Content) and "Go to order" in p.plain]
            assert any(f"Go to order {clean(order.order_no)}" in p for p in goto), (name, goto)
            assert_safe(app, (name, "palette"))
            hits.highlighted = next(i for i, p in enumerate(prompts) if "Go to" in first_line(p))
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen_stack[-1] is screen, name
            assert screen.order_list.selected_key == order.order_no, name
            assert_safe(app, (name, "after go to order"))


class WatchProfiles(Profiles):
    """Profiles whose watch list lives in memory (any platform, here the stub)."""

    watched: list[str]

    def watch_list(self, name: str) -> list[str] | None:
        return list(getattr(self, "watched", []))

    def set_watch_list(self, name: str, orders: list[str]) -> Any:
        self.watched = list(orders)
        return orders


async def test_watch_prompt_stats_and_help_with_hostile_text(clock: ManualClock) -> None:
    orders = [hostile_order(i, text) for i, text in enumerate(NUMBERS.values())]
    backend = ActionStub(orders, profile="[/b]\x1b]0;pwned\x07")
    config = parse({"profiles": {"[/b]\x1b]0;pwned\x07": {"platform": "demo"}}})
    profiles = WatchProfiles(config, {}, clock, config.profiles["[/b]\x1b]0;pwned\x07"])
    app = KamengApp(backend, clock=clock, profiles=profiles)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await settle(app, pilot)
        assert "[/b]␛]0;pwned␇" in assert_safe(app, "header")
        for name, text in NUMBERS.items():
            app.clear_notifications()
            await pilot.press("w")
            await pilot.pause()
            assert isinstance(app.screen, PromptScreen), name
            assert_safe(app, (name, "watch prompt"))
            app.screen.query_one(Input).value = text or "x"
            await pilot.pause()
            assert_safe(app, (name, "watch prompt, typed"))
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.screen_stack[-1] is screen, name
            assert_safe(app, (name, "watching toast"))
            if text.strip():
                watching = f"Watching {clean(clean(text).strip(), limit=64)}"
                assert watching in [n.message for n in app._notifications], name
        for key, kind in (("t", StatsScreen), ("question_mark", HelpScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, kind)
            assert_safe(app, kind.__name__)
            await pilot.press("escape")
            await pilot.pause()
        assert app.is_running


# Profile names: every short text of the corpus that a TOML table key can be.
PROFILE_NAMES = {"issue_markup": "[/b]", "issue_osc": "shop\x1b]0;pwned\x07", **SHORT_TEXTS}


async def test_profile_switcher_palette_and_toast_show_hostile_names_literally(
    clock: ManualClock,
) -> None:
    names = sorted(set(PROFILE_NAMES.values()) | {"demo"})
    config = parse({"profiles": {name: {"platform": "demo", "orders": 3} for name in names}})
    profiles = Profiles(config, {}, clock, config.profiles["demo"])
    app = KamengApp(profiles.open("demo"), clock=clock, profiles=profiles)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)

        # The palette lists every "switch to profile" entry when nothing is typed yet.
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        hits = app.screen.query_one(CommandList)
        await wait_for_hits(pilot, hits, len(names) - 1)
        await pilot.pause()
        assert_safe(app, "palette, discovery")
        prompts = [hits.get_option_at_index(i).prompt for i in range(hits.option_count)]
        shown = {first_line(p) for p in prompts}
        for name in names:
            if name != "demo":
                assert f"Switch to profile {clean(name, limit=64)}" in shown, repr(name)
        # ...and when searched for: choose the one named "[/b]".
        app.screen.query_one(CommandInput).value = "Switch to profile [/b]"
        for _ in range(500):  # the palette searches in a worker: wait for the search's hits
            prompts = [hits.get_option_at_index(i).prompt for i in range(hits.option_count)]
            if "Switch to profile [/b]" in [first_line(p) for p in prompts]:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        assert_safe(app, "palette, search")
        prompts = [hits.get_option_at_index(i).prompt for i in range(hits.option_count)]
        target = next(i for i, p in enumerate(prompts)
                      if first_line(p) == "Switch to profile [/b]")  # fmt: skip
        hits.highlighted = target
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert profiles.current == "[/b]"
        assert "Profile [/b]" in [n.message for n in app._notifications]
        assert "[/b]" in app.orders_screen.header.render().plain
        assert_safe(app, "switched by the palette")

        # The switcher (`P`) lists them all; to each kind of name in turn: the header, the toast.
        for name in ["demo", *(PROFILE_NAMES[kind] for kind in KINDS if kind in PROFILE_NAMES)]:
            app.clear_notifications()
            await pilot.press("P")
            await pilot.pause()
            assert isinstance(app.screen, ProfilesScreen), repr(name)
            assert_safe(app, ("switcher", name))
            options = app.screen.query_one(OptionList)
            options.highlighted = names.index(name)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, OrdersScreen), repr(name)
            assert profiles.current == name
            text = assert_safe(app, ("switched", name))
            if name != "demo":
                assert f"Profile {clean(name, limit=64)}" in [n.message for n in app._notifications]
                assert clean(name)[:10] in text, repr(name)
        assert app.is_running


def test_config_check_shows_hostile_profile_names_literally(
    tmp_path: Any, capsys: Any, monkeypatch: Any
) -> None:
    from kameng_tui.cli import main

    names = [TEXTS["osc0_title"], TEXTS["bidi"], TEXTS["zwj_leading"], TEXTS["tags"], "[/b]"]
    lines = ["[profiles]"]
    for name in names:
        lines += [f"[profiles.{_toml_key(name)}]", 'platform = "demo"']
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
    code = main(["config", "check", "--config", str(path)], {})
    out = capsys.readouterr().out
    assert code == 0, out
    assert not raw_controls(out.replace("\n", ""))
    for name in names:
        assert clean(name) in out


def _toml_key(name: str) -> str:
    escaped = "".join(
        ch if ch.isprintable() and ch not in '"\\' and ord(ch) < 0x10000 else _toml_escape(ch)
        for ch in name
    )
    return f'"{escaped}"'


def _toml_escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04X}" if code < 0x10000 else f"\\U{code:08X}"
