"""Start-up loads only what the first frame needs (issue 15): `kameng-tui --demo` imports no HTTP
stack, server, web serving, alerts or TOML writer, and none of them comes in by the first poll."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Never wanted by the demo tracker: a real shop's HTTP stack, the demo server, `serve`, alerts
# (only with alerts_in_tracker), and tomlkit (only to save a watch list).
NEVER = (
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "starlette",
    "uvicorn",
    "textual_serve",
    "aiohttp",
    "apprise",
    "tomlkit",
    "kameng_tui.server",
    "kameng_tui.serve",
    "kameng_tui.alerts",
    "kameng_tui.output",
    "kameng_tui.logfile",  # with --log or --debug only
    "logging.handlers",
)
# Not before the first frame: tomllib (no configuration file here), the order codec, which
# reads the history's orders in its worker thread (a first start has none), and the dialogs
# (help, details, actions, profiles, stats, shops, changes), imported when first opened.
NOT_AT_START = (
    "tomllib",
    "kameng_tui.api.wire",
    "kameng_tui.tui.screens.help",
    "kameng_tui.tui.screens.order_detail",
    "kameng_tui.tui.screens.profiles",
    "kameng_tui.tui.screens.stats",
    "kameng_tui.tui.screens.shops",
    "kameng_tui.tui.screens.changes",
    "kameng_tui.domain.stats",
)

# The tracker as `kameng-tui --demo` starts it, run headless until its first poll is in; which
# modules were loaded when the app started running and then, and how the collector stood.
SCRIPT = """
import asyncio, gc, sys
from textual.app import App

seen = {}

def run(self, *args, **kwargs):
    seen["start"] = sorted(sys.modules)
    seen["gc_at_start"] = [gc.isenabled(), gc.get_freeze_count() > 0]

    async def until_polled():
        async with self.run_test(size=(120, 40)) as pilot:
            for _ in range(400):
                await pilot.pause(0.05)
                if self.orders_screen.syncer.last_success is not None:
                    break
            seen["polled"] = sorted(sys.modules)
            seen["gc_polled"] = [gc.isenabled(), gc.get_freeze_count() > 0]
            seen["orders"] = len(self.orders_screen.book)
            gc.collect()  # a full pass: what start-up froze stays out of it
            seen["frozen_after_full"] = gc.get_freeze_count()

    asyncio.run(until_polled())

App.run = run
from kameng_tui.cli import main

callbacks = list(gc.callbacks)
code = main(["--demo", "--demo-orders", "50", "--lang", "en"])
seen["code"] = code
seen["gc_after"] = [gc.isenabled(), gc.get_freeze_count(), gc.callbacks == callbacks]
import json
print(json.dumps(seen))
"""


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


def test_the_demo_tracker_loads_only_what_its_first_frame_needs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "TZ": "UTC", "LANG": "C.UTF-8"},
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["code"] == 0 and seen["orders"] == 50  # it ran, and polled
    assert _loaded(seen["start"], NEVER + NOT_AT_START) == []
    assert _loaded(seen["polled"], NEVER) == []
    # The collector is off until the first frame is painted, then on, with start-up's objects
    # frozen even past a full pass (only a profile switch thaws them: tests/tui/test_profiles.py);
    # all as it was after.
    assert seen["gc_at_start"] == [False, False]
    assert seen["gc_polled"] == [True, True]
    assert seen["frozen_after_full"] > 0
    assert seen["gc_after"] == [True, 0, True]
