"""`[keymap]` in the config file: the user's keys work, show in help and the footer, and
`config check` refuses ids the app does not have and keys that would clash."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from kameng_tui.backends.demo import DemoBackend, DemoPlatform
from kameng_tui.cli import main
from kameng_tui.config import parse
from kameng_tui.domain.clock import ManualClock
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.keymap import binding_ids, keymap_problems
from kameng_tui.tui.screens.help import HelpScreen
from kameng_tui.tui.screens.orders import OrdersScreen
from kameng_tui.tui.widgets.footer import KeyFooter

README = Path(__file__).resolve().parents[2] / "README.md"
KEYMAP = {"orders.refresh": "f5", "orders.search": "slash,ctrl+s"}


def keyed_app(clock: ManualClock, keymap: dict[str, str]) -> KamengApp:
    platform = DemoPlatform(seed=7, orders=300, clock=clock)
    app = KamengApp(DemoBackend(platform), clock=clock, keymap=keymap)
    app.animation_level = "none"
    return app


async def settled(app: KamengApp) -> OrdersScreen:
    await app.workers.wait_for_complete()
    screen = app.orders_screen
    screen.ticker.pause()
    return screen


async def test_a_remapped_key_works_and_the_default_no_longer_does(clock: ManualClock) -> None:
    app = keyed_app(clock, KEYMAP)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app)
        await pilot.pause()
        polls = screen.syncer.polls
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.syncer.polls == polls  # r is nothing now
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.syncer.polls == polls + 1
        await pilot.press("ctrl+s")  # the second key of a list works too
        await pilot.pause()
        assert app.focused is screen.search


async def test_help_and_footer_show_the_users_keys(clock: ManualClock) -> None:
    app = keyed_app(clock, KEYMAP)
    async with app.run_test(size=(160, 40)) as pilot:
        await settled(app)
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        active = app.screen.active_bindings
        assert active["f5"].binding.action == "refresh" and "r" not in active
        labels = footer.render_line(0).text
        assert "f5 Refresh" in labels and "r Refresh" not in labels
        assert "/ Search" in labels  # one key an action: the first of the user's
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {description: key for key, description in app.screen.keys}
        assert keys["Refresh now"].lower() == "f5"
        assert keys[next(d for d in keys if d.startswith("Search"))] == "/ ^s"


async def test_without_a_keymap_help_shows_the_defaults(clock: ManualClock) -> None:
    app = keyed_app(clock, {})
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert {d: k for k, d in app.screen.keys}["Refresh now"] == "r"


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str], keymap: str) -> tuple[int, str]:
    path = tmp_path / "config.toml"
    path.write_text(f"[keymap]\n{keymap}\n", encoding="utf-8")
    code = main(["config", "check", "--config", str(path)], environ={})
    out, err = capsys.readouterr()
    return code, out + err


def test_config_check_accepts_a_good_keymap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = check(
        tmp_path, capsys, '"orders.refresh" = "f5"\n"orders.search" = "slash,ctrl+s"'
    )
    assert code == 0 and "ok" in text
    # Swapping two keys is no clash: neither keeps the other's.
    code, text = check(tmp_path, capsys, '"orders.sort" = "S"\n"orders.sort_reverse" = "s"')
    assert code == 0, text


def test_config_check_rejects_an_unknown_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = check(tmp_path, capsys, '"orders.nope" = "f5"')
    assert code == 2 and text.count("\n") == 1 and "'orders.nope'" in text


def test_config_check_rejects_a_clash_naming_both_ids_and_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = check(tmp_path, capsys, '"orders.refresh" = "s"')
    assert code == 2 and text.count("\n") == 1
    assert "'orders.refresh'" in text and "'orders.sort'" in text and "'s'" in text
    # The list's keys are active with the screen's: j already moves down.
    code, text = check(tmp_path, capsys, '"orders.refresh" = "j"')
    assert code == 2 and "'list.cursor_down'" in text and "'j'" in text
    # Textual's own keys count too; and `?` is `question_mark` whichever is written.
    assert keymap_problems({"orders.sort": "tab"})
    assert keymap_problems({"orders.refresh": "?"})


def test_defaults_overlapping_on_purpose_are_no_clash() -> None:
    assert keymap_problems({}) == []
    assert keymap_problems({"orders.refresh": "r"}) == []  # the default, written out


def test_the_readme_lists_every_binding_id() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Your keys", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", section))
    assert set(binding_ids()) <= listed
    assert listed <= set(binding_ids())


def test_the_readme_example_passes_the_check() -> None:
    text = README.read_text(encoding="utf-8").split("### Your keys", 1)[1]
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    keymap = parse(tomllib.loads(example)).keymap
    assert keymap and keymap_problems(keymap) == []


def test_the_tui_gets_the_config_files_keymap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps: list[KamengApp] = []
    monkeypatch.setattr(KamengApp, "run", lambda self, *a, **k: apps.append(self))
    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"orders.refresh" = "f5"\n', encoding="utf-8")
    assert main(["--demo", "--config", str(path)], environ={}) == 0
    assert apps and apps[0]._keymap == {"orders.refresh": "f5"}
