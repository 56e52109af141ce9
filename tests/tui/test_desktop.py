"""Desktop notifications through the terminal (issue 13): OSC 9, OSC 777, tmux's passthrough,
untrusted text made harmless, the terminal picked by the environment, and the bytes a real
pseudo-terminal receives."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import tty
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from textual.app import App

from kameng_tui.config import ConfigError, load
from kameng_tui.domain.clock import ManualClock
from kameng_tui.profiles import Profiles
from kameng_tui.tui import desktop
from kameng_tui.tui.app import KamengApp
from tests.tui.shop import poll_again, settled
from tests.tui.test_changes import complete, shop

NO_ENV: dict[str, str] = {}
TMUX = {"TMUX": "/tmp/tmux-1000/default,123,0"}


# -- the sequences ------------------------------------------------------------------------------


def test_osc9_is_esc_bracket_9_text_bel() -> None:
    data = desktop.sequence("kameng-tui", "KM1: Delivering → Completed", "osc9", NO_ENV)
    assert data == "\x1b]9;kameng-tui: KM1: Delivering → Completed\x07"
    assert data.encode() == b"\x1b]9;kameng-tui: KM1: Delivering \xe2\x86\x92 Completed\x07"


def test_osc777_is_notify_title_body() -> None:
    data = desktop.sequence("kameng-tui", "KM1: 已完成", "osc777", NO_ENV)
    assert data == "\x1b]777;notify;kameng-tui;KM1: 已完成\x07"


def test_off_unknown_and_empty_send_nothing() -> None:
    assert desktop.sequence("t", "b", "off", NO_ENV) == ""
    assert desktop.sequence("t", "b", "osc52", NO_ENV) == ""
    assert desktop.sequence("t", "b", "auto", {"TERM": "xterm-256color"}) == ""
    assert desktop.sequence("", "\x1b\x07;", "osc9", NO_ENV) == ""
    assert desktop.sequence("\x00", "", "osc777", NO_ENV) == ""


def test_inside_tmux_the_sequence_is_passed_through_with_esc_doubled() -> None:
    inner = desktop.sequence("t", "b", "osc9", NO_ENV)
    assert desktop.tmux_wrap(inner) == "\x1bPtmux;\x1b\x1b]9;t: b\x07\x1b\\"
    assert desktop.sequence("t", "b", "osc9", TMUX) == "\x1bPtmux;\x1b\x1b]9;t: b\x07\x1b\\"
    wrapped = desktop.sequence("t", "b", "osc777", TMUX)
    assert wrapped == "\x1bPtmux;\x1b\x1b]777;notify;t;b\x07\x1b\\"
    # Exactly one ESC not doubled inside: the final ST.
    body = wrapped[len("\x1bPtmux;") : -2]
    assert body.replace("\x1b\x1b", "") == body.replace("\x1b", "")


HOSTILE = (
    "KM1\x1b]0;pwned\x07\x1b[2J\x9b31m\x9d8;;http://x\x9c\x90q\x00\x7f;x"
    "\u202eevil\u200b\u2028\u2029\ufeff\ud800\U000e0041\nnew\tline\r"
)


@pytest.mark.parametrize("mode", ["osc9", "osc777"])
def test_hostile_text_loses_every_control_and_semicolon(mode: str) -> None:
    data = desktop.sequence("ti\x1btle;x\x07", HOSTILE, mode, NO_ENV)
    head = "\x1b]9;" if mode == "osc9" else "\x1b]777;notify;"
    assert data.startswith(head) and data.endswith("\x07")
    payload = data[len(head) : -1]
    assert all(ord(ch) >= 0x20 and not 0x7F <= ord(ch) <= 0x9F for ch in payload)
    for bad in ("\u202e", "\u200b", "\u2028", "\u2029", "\ufeff", "\ud800", "\U000e0041"):
        assert bad not in payload
    if mode == "osc9":
        assert ";" not in payload
        assert payload == "titlex: KM1]0pwned[2J31m8http://xqxevil new line"
    else:
        title, body = payload.split(";")  # exactly the two fields
        assert title == "titlex"
        assert body == "KM1]0pwned[2J31m8http://xqxevil new line"
    data.encode("utf-8")  # no lone surrogate left


def test_text_is_bounded() -> None:
    data = desktop.sequence("T" * 1000, "B" * 100_000, "osc777", NO_ENV)
    _, _, title, body = data[2:-1].split(";")
    assert title == "T" * (desktop.TITLE_LIMIT - 1) + "…"
    assert body == "B" * (desktop.BODY_LIMIT - 1) + "…"
    osc9 = desktop.sequence("T" * 1000, "B" * 100_000, "osc9", NO_ENV)
    assert len(osc9) == len("\x1b]9;\x07") + desktop.BODY_LIMIT
    assert len(desktop.sequence("t", "中" * 10_000, "osc9", TMUX).encode()) < 1024


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WT_SESSION": "f3a1", "TERM": "xterm-256color"}, "osc9"),
        ({"KITTY_WINDOW_ID": "1", "TERM": "tmux-256color"}, "osc9"),
        ({"TERM": "xterm-kitty"}, "osc9"),
        ({"TERM": "xterm-ghostty"}, "osc9"),
        ({"TERM_PROGRAM": "ghostty"}, "osc9"),
        ({"GHOSTTY_RESOURCES_DIR": "/usr/share/ghostty"}, "osc9"),
        ({"TERM_PROGRAM": "iTerm.app"}, "osc9"),
        ({"LC_TERMINAL": "iTerm2", "TERM": "xterm-256color"}, "osc9"),  # iTerm2 over SSH
        ({"TERM_PROGRAM": "WezTerm"}, "osc777"),
        ({"WEZTERM_PANE": "0", "TERM_PROGRAM": "tmux"}, "osc777"),
        ({"TERM": "foot"}, "osc777"),
        ({"TERM": "foot-extra"}, "osc777"),
        ({"TERM": "rxvt-unicode-256color"}, "osc777"),
        ({"TERM": "xterm-256color"}, None),
        ({"TERM": "tmux-256color", "TERM_PROGRAM": "tmux", "TMUX": "x"}, None),
        ({"TERM_PROGRAM": "Apple_Terminal"}, None),
        ({}, None),
    ],
)
def test_auto_picks_by_the_environment(env: dict[str, str], expected: str | None) -> None:
    assert desktop.pick(env) == expected
    data = desktop.sequence("t", "b", "auto", env)
    if expected is None:
        assert data == ""
    else:
        assert ("]9;" in data) == (expected == "osc9")
        assert data.startswith("\x1bPtmux;") == ("TMUX" in env)


# -- writing ------------------------------------------------------------------------------------


class FakeDriver:
    def __init__(self, headless: bool = False) -> None:
        self.is_headless = headless
        self.written: list[str] = []

    def write(self, data: str) -> None:
        self.written.append(data)


def fake_app(driver: FakeDriver | None) -> App[Any]:
    headless = driver is not None and driver.is_headless
    return cast(App[Any], SimpleNamespace(_driver=driver, is_headless=headless))


def test_send_writes_through_the_driver() -> None:
    driver = FakeDriver()
    assert desktop.send(fake_app(driver), "t", "b", "osc9", NO_ENV)
    assert desktop.send(fake_app(driver), "t", "b", "osc777", TMUX)
    assert driver.written == [
        "\x1b]9;t: b\x07",
        "\x1bPtmux;\x1b\x1b]777;notify;t;b\x07\x1b\\",
    ]


def test_send_is_a_no_op_headless_without_driver_or_off() -> None:
    headless = FakeDriver(headless=True)
    assert not desktop.send(fake_app(headless), "t", "b", "osc9", NO_ENV)
    assert headless.written == []
    assert not desktop.send(fake_app(None), "t", "b", "osc9", NO_ENV)
    driver = FakeDriver()
    assert not desktop.send(fake_app(driver), "t", "b", "off", NO_ENV)
    assert not desktop.send(fake_app(driver), "t", "b", "auto", {"TERM": "dumb"})
    assert driver.written == []


SCRIPT = """
import os, sys
from kameng_tui.tui import desktop
class Out:
    def write(self, data):
        sys.stdout.buffer.write(data.encode())
        sys.stdout.buffer.flush()
ok = desktop.deliver(Out(), "kameng-tui", sys.argv[1], sys.argv[2], os.environ)
sys.exit(0 if ok else 3)
"""


def through_a_pty(body: str, mode: str, env: dict[str, str]) -> bytes:
    """What the terminal side of a pseudo-terminal reads when a child process writes it."""
    master, slave = os.openpty()
    tty.setraw(slave)
    child_env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TERM")}
    child_env |= env | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", SCRIPT, body, mode],
            stdin=slave,
            stdout=slave,
            env=child_env,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0
        got = b""
        while select.select([master], [], [], 0.5)[0]:
            chunk = os.read(master, 4096)
            if not chunk:
                break
            got += chunk
        return got
    finally:
        os.close(slave)
        os.close(master)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_the_terminal_receives_the_exact_bytes() -> None:
    body = "KM1\x1b]0;x\x07: 待发货 → 已完成"
    outside = through_a_pty(body, "osc9", {"TERM": "xterm-256color"})
    assert outside == "\x1b]9;kameng-tui: KM1]0x: 待发货 → 已完成\x07".encode()
    inside = through_a_pty(body, "auto", {"TERM": "foot", **TMUX})
    expected = "\x1bPtmux;\x1b\x1b]777;notify;kameng-tui;KM1]0x: 待发货 → 已完成\x07\x1b\\"
    assert inside == expected.encode()


# -- the option, and the app ---------------------------------------------------------------------

CONFIG = """
default_profile = "watch"

[profiles.watch]
platform = "demo"
desktop = "{mode}"
"""


def test_the_option_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    for mode in desktop.MODES:
        path.write_text(CONFIG.format(mode=mode), encoding="utf-8")
        assert load(path).profile(None).get("desktop") == mode
    path.write_text(CONFIG.format(mode="osc52"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"watch\.desktop"):
        load(path)


async def test_a_followed_change_sends_one_desktop_notification(
    tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, str, str]] = []
    send = desktop.send

    def record(app: App[Any], title: str, body: str, mode: str, env: Any) -> bool:
        sent.append((title, body, mode))
        assert not send(app, title, body, mode, env)  # headless: writes nothing
        return False

    monkeypatch.setattr(desktop, "send", record)
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(mode="osc9"), encoding="utf-8")
    config = load(path)
    profiles = Profiles(config, {}, clock, config.profile(None))
    backend = shop()
    app = KamengApp(backend, clock=clock, profiles=profiles)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        complete(backend, 1)  # not followed: no notification
        clock.advance(30)
        await poll_again(app, pilot)
        assert sent == []
        assert screen.order_list.select_order("KM00000002")
        await pilot.press("f")
        complete(backend, 2, 3)
        clock.advance(30)
        await poll_again(app, pilot)
        assert sent == [("kameng-tui", "KM00000002: Delivering → Completed", "osc9")]
