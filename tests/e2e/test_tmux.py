"""End to end: the installed `kameng-tui --demo` in a real terminal (tmux), driven by keys."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.servers import free_port, wait_for_port

pytestmark = pytest.mark.e2e

COMMAND = Path(sys.executable).parent / "kameng-tui"


class Tmux:
    """One tmux server on a private socket, running one command in a pane of a given size."""

    def __init__(self, width: int, height: int) -> None:
        self.socket = f"kameng-e2e-{uuid.uuid4().hex[:8]}"
        self.width, self.height = width, height

    def run(self, *args: str) -> str:
        # A UTF-8 locale for tmux itself, or it may mangle the Chinese it types and reads.
        env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        result = subprocess.run(
            ["tmux", "-u", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            env=env,
        )
        return result.stdout

    def start(self, command: list[str], env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        # COLUMNS / LINES would override the pane's real size (shutil.get_terminal_size), and
        # the colours must follow TERM (and NO_COLOR) alone, whatever the outer terminal says.
        unset = "-u COLUMNS -u LINES -u COLORTERM -u NO_COLOR"
        line = f"env {unset} {exports} {' '.join(command)}"
        self.run(
            "new-session", "-d", "-s", "e2e", "-x", str(self.width), "-y", str(self.height), line
        )

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "e2e")

    def styled_screen(self) -> str:
        """The screen with its colours and attributes as SGR sequences."""
        return self.run("capture-pane", "-p", "-e", "-t", "e2e")

    def resize(self, width: int, height: int) -> None:
        self.run("resize-window", "-t", "e2e", "-x", str(width), "-y", str(height))
        self.width, self.height = width, height

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "e2e", *(["-l"] if literal else []), *keys)

    def alive(self) -> bool:
        return (
            subprocess.run(
                ["tmux", "-L", self.socket, "has-session", "-t", "e2e"], capture_output=True
            ).returncode
            == 0
        )

    def wait_for(self, check: Callable[[str], bool], what: str, timeout: float = 20) -> str:
        """Poll the screen until `check` holds (a condition, not a fixed sleep)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; screen was:\n{screen}")

    def kill(self) -> None:
        self.run("kill-server")


@pytest.fixture
def tmux() -> Iterator[Callable[[int, int], Tmux]]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing: .ci/run should have installed it")
        pytest.skip("tmux is not installed")
    assert COMMAND.exists(), f"{COMMAND} is not installed: run `make test`"
    made: list[Tmux] = []

    def factory(width: int, height: int) -> Tmux:
        made.append(Tmux(width, height))
        return made[-1]

    yield factory
    for t in made:
        t.kill()


COUNTS = re.compile(r"([\d,]+) of ([\d,]+) orders")


def shown_and_total(screen: str) -> tuple[int, int] | None:
    match = COUNTS.search(screen)
    if match is None:
        return None
    return int(match[1].replace(",", "")), int(match[2].replace(",", ""))


def shows_all(screen: str) -> bool:
    counts = shown_and_total(screen)
    return counts is not None and counts[0] == counts[1]


def shows_some(screen: str) -> bool:
    counts = shown_and_total(screen)
    return counts is not None and 0 < counts[0] < counts[1]


ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color", "TZ": "UTC"}


def test_demo_in_a_real_terminal(tmux: Callable[[int, int], Tmux]) -> None:
    term = tmux(100, 30)
    term.start([str(COMMAND), "--demo", "--lang", "en", "--interval", "1"], ENV)
    screen = term.wait_for(lambda s: "300 of 300 orders" in s, "the first frame with orders")
    assert "Order no." in screen and "Needs attention" in screen
    assert re.search(r"auto every 1s|refreshing", screen)

    # The list moves, help opens and closes, the sidebar hides, search filters.
    term.keys("?")
    term.wait_for(lambda s: "Esc or ? closes this screen" in s, "the help screen")
    term.keys("Escape")
    term.wait_for(lambda s: "Esc or ? closes this screen" not in s, "help to close")

    term.keys("b")
    term.wait_for(lambda s: "Needs attention" not in s, "the sidebar to hide")

    term.keys("/")
    term.wait_for(lambda s: "Search: words" in s, "the search box")  # as a person would
    term.keys("话费", literal=True)
    screen = term.wait_for(shows_some, "the search to filter")
    assert "话费" in screen

    term.keys("Escape")
    term.wait_for(shows_all, "the search to clear")

    # Live: with a 1 s interval the header keeps saying how fresh the data is.
    term.wait_for(lambda s: re.search(r"updated (just now|\ds ago)", s) is not None, "freshness")

    term.keys("p")
    term.wait_for(lambda s: "paused" in s, "pause")

    term.keys("q")
    deadline = time.monotonic() + 10
    while term.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not term.alive(), "q quits the app"


def test_80x24_in_chinese(tmux: Callable[[int, int], Tmux]) -> None:
    term = tmux(80, 24)
    term.start([str(COMMAND), "--demo"], {**ENV, "LANG": "zh_CN.UTF-8", "LC_ALL": ""})
    screen = term.wait_for(
        lambda s: "共 300 单" in s or "每 5 秒自动刷新" in s, "the zh first frame"
    )
    assert "订单号" in screen
    assert_fits(screen, 80, 24)
    term.keys("q")


# Private Use Area code points: the icons of patched "Nerd" fonts, boxes anywhere else.
PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
SGR = re.compile(r"\x1b\[([\d;]*)m")


def assert_fits(screen: str, width: int, height: int) -> None:
    """Every line within the terminal, no Nerd Font glyph, and the footer on the last line."""
    lines = screen.rstrip("\n").split("\n")
    assert len(lines) <= height
    assert all(cell_len(line) <= width for line in lines), "a line runs past the edge"
    assert not PRIVATE_USE.search(screen), "a glyph that needs a Nerd Font"


def colours(styled: str) -> set[tuple[str, ...]]:
    """The colours named in a styled capture: ("256", n), ("rgb", r, g, b) or ("16", code)."""
    found: set[tuple[str, ...]] = set()
    for params in SGR.findall(styled):
        codes = params.split(";")
        i = 0
        while i < len(codes):
            code = codes[i]
            if code in ("38", "48") and i + 1 < len(codes):
                if codes[i + 1] == "5":
                    found.add(("256", codes[i + 2]))
                    i += 3
                    continue
                if codes[i + 1] == "2":
                    found.add(("rgb", *codes[i + 2 : i + 5]))
                    i += 5
                    continue
            if code.isdigit() and (
                30 <= int(code) <= 37 or 40 <= int(code) <= 47 or 90 <= int(code) <= 107
            ):
                found.add(("16", code))
            i += 1
    return found


def is_grey(colour: tuple[str, ...]) -> bool:
    kind, *values = colour
    if kind == "rgb":
        return len(set(values)) == 1
    if kind == "256":
        n = int(values[0])
        if n >= 232 or n in (0, 7, 8, 15, 16, 231):
            return True
        if 16 <= n <= 231:
            n -= 16
            return n // 36 == (n // 6) % 6 == n % 6  # equal red, green and blue steps
        return False
    return values[0] in ("30", "37", "40", "47", "90", "97", "100", "107")


TERMINALS = {
    # id: (width, height, extra environment)
    "80x24": (80, 24, {}),
    "200x60": (200, 60, {}),
    "xterm-16-colours": (120, 40, {"TERM": "xterm"}),
    "no-color": (120, 40, {"NO_COLOR": "1"}),
}


@pytest.mark.parametrize("kind", list(TERMINALS))
def test_terminal_kinds(tmux: Callable[[int, int], Tmux], kind: str) -> None:
    width, height, extra = TERMINALS[kind]
    term = tmux(width, height)
    term.start([str(COMMAND), "--demo", "--lang", "en"], {**ENV, **extra})
    # The whole first frame: the header's count and the footer on the last line (under load
    # the footer can be painted a frame after the list).
    screen = term.wait_for(
        lambda s: shows_all(s) and "q Quit" in s.splitlines()[-1],
        f"the first frame at {width}x{height} with the footer on the last line",
    )
    assert_fits(screen, width, height)
    assert "Order no." in screen and re.search(r"KM\d{14}", screen)
    if width >= 170:  # wide: the details sit beside the list, on the same lines
        assert any("KM" in line and "Who must act" in line for line in screen.splitlines())
    found = colours(term.styled_screen())
    if kind == "xterm-16-colours":
        assert found and all(c[0] == "16" for c in found), "TERM=xterm has 16 colours"
    elif kind == "no-color":
        assert all(is_grey(c) for c in found), (
            f"NO_COLOR shows colour: {found - {c for c in found if is_grey(c)}}"
        )
    else:
        assert any(not is_grey(c) for c in found), "a 256-colour terminal shows colours"
    term.keys("j", "j")  # the cursor still moves and the app still answers
    term.keys("q")
    deadline = time.monotonic() + 10
    while term.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not term.alive()


def test_resize_while_running(tmux: Callable[[int, int], Tmux]) -> None:
    term = tmux(120, 40)
    term.start([str(COMMAND), "--demo", "--lang", "en", "--interval", "1"], ENV)
    screen = term.wait_for(shows_all, "the first frame")
    assert "Needs attention" in screen  # the sidebar shows from 100 columns

    term.resize(80, 24)
    screen = term.wait_for(
        lambda s: "Needs attention" not in s and shows_all(s) and len(s.split("\n")[0]) <= 80,
        "the narrow layout",
    )
    assert_fits(screen, 80, 24)

    term.resize(200, 60)
    screen = term.wait_for(
        lambda s: any("KM" in line and "Who must act" in line for line in s.splitlines()),
        "the wide layout, details beside the list",
    )
    assert_fits(screen, 200, 60)
    assert "Needs attention" in screen
    term.keys("q")


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[str]:
    """`kameng-tui demo-server` as installed, with a token and some faults."""
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [
            *(str(COMMAND), "demo-server", "--port", str(port), "--token-env", "E2E_TOKEN"),
            *("--orders", "2000", "--fault-rate", "0.2"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "E2E_TOKEN": "e2e-token"},
    )
    wait_for_port(port, server, tmp_path / "server.log", timeout=20)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_tracker_on_the_demo_server_with_faults(
    tmux: Callable[[int, int], Tmux], demo_server: str, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'default_profile = "shop"\n\n[profiles.shop]\nplatform = "kameng"\n'
        f'base_url = "{demo_server}"\ntoken_env = "SHOP_TOKEN"\ninterval = 1\n',
        encoding="utf-8",
    )
    term = tmux(120, 30)
    env = {**ENV, "KAMENG_TUI_CONFIG": str(config), "SHOP_TOKEN": "e2e-token"}
    term.start([str(COMMAND)], env)
    screen = term.wait_for(lambda s: "2,000 of 2,000 orders" in s, "every order over HTTP", 60)
    assert "kameng API · shop" in screen
    assert "e2e-token" not in screen
    # With a fifth of the answers failing, errors come and go; the data stays on screen.
    term.wait_for(lambda s: "auto every 1s" in s and "2,000 of 2,000" in s, "a healthy poll", 60)
    term.keys("q")


def test_several_shops_in_one_view(tmux: Callable[[int, int], Tmux], tmp_path: Path) -> None:
    """`--profile desk`: two demo shops and one that cannot be reached, as one list."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[profiles.north]\nplatform = "demo"\norders = 120\nseed = 1\n\n'
        '[profiles.south]\nplatform = "demo"\norders = 80\nseed = 2\n\n'
        '[profiles.faka]\nplatform = "kameng"\nbase_url = "http://127.0.0.1:9"\ntimeout = 2\n\n'
        '[views.desk]\nprofiles = ["north", "south", "faka"]\n',
        encoding="utf-8",
    )
    term = tmux(120, 30)
    env = {**ENV, "KAMENG_TUI_CONFIG": str(config), "HOME": str(tmp_path)}
    term.start([str(COMMAND), "--profile", "desk", "--lang", "en"], env)
    screen = term.wait_for(lambda s: "1 failing: faka" in s, "the failing shop said once")
    assert re.search(r"north\s+1[2-9]\d ✓", screen) and re.search(r"south\s+\d+ ✓", screen)
    assert re.search(r"faka\s+0 ✗", screen)
    assert "Shop" in screen and " north " in screen and " south " in screen

    term.keys("o")  # each shop's polling and last error
    screen = term.wait_for(lambda s: "Shops (3)" in s, "the shops view")
    assert "connection refused" in screen
    term.keys("Escape")
    term.wait_for(lambda s: "Shops (3)" not in s, "the shops view to close")
    term.keys("q")
