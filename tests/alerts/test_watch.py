"""The watcher over the demo platform, which evolves with its clock; and the CLI."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kameng_tui.alerts.deliver import Outcome
from kameng_tui.alerts.outbox import Outbox, default_path
from kameng_tui.alerts.rules import parse_rule
from kameng_tui.backends.demo import DemoBackend, DemoPlatform
from kameng_tui.cli import main
from kameng_tui.config import Profile
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.status import OrderStatus
from kameng_tui.watch import Watcher
from tests.alerts.helpers import URL_ENV, FakeDelivery, ScriptedBackend, watcher
from tests.domain.factory import make_order

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def test_watch_the_demo_alerts_on_what_changes(tmp_path: Path) -> None:
    clock = ManualClock(FIXED_EPOCH)
    backend = DemoBackend(DemoPlatform(seed=7, orders=300, clock=clock))
    rule = parse_rule(
        0,
        {
            "name": "all",
            "to_env": URL_ENV,
            "statuses": ["paid", "delivering", "completed", "failed", "abnormal", "refunded"],
            "burst": 1000,
        },
    )
    delivery = FakeDelivery()
    lines: list[str] = []
    watcher = Watcher(
        [(Profile("demo", "demo"), backend)],
        [rule],
        Outbox(tmp_path / "a.db"),
        delivery,
        clock,
        environ={URL_ENV: "json://127.0.0.1:9/x"},
        say=lines.append,
    )
    await watcher.once()
    assert delivery.sent == []  # the baseline
    clock.advance(600)
    await watcher.once()
    assert delivery.sent, "ten minutes of the demo changed some order"
    rows = watcher.outbox.recent(limit=1000)
    assert len(rows) == len(delivery.sent)
    assert len({(r.order_no, r.transition) for r in rows}) == len(rows)
    assert all("demo" in title for title, _ in delivery.sent)
    await watcher.once()  # nothing new without time passing
    assert len(watcher.outbox.recent(limit=1000)) == len(rows)
    watcher.outbox.close()


def test_cli_watch_once_demo_then_alerts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[alerts]]\nname = "bad"\nto_env = "{URL_ENV}"\nstatuses = ["failed"]\n',
        encoding="utf-8",
    )
    env = {URL_ENV: "json://127.0.0.1:9/x", "LANG": "C"}
    assert main(["watch", "--once", "--demo", "--config", str(config)], env) == 0
    assert default_path().exists()
    assert default_path().stat().st_mode & 0o777 == 0o600
    box = Outbox()
    assert box.has_baseline("demo")
    box.close()
    capsys.readouterr()
    assert main(["alerts"], env) == 0
    assert main(["alerts", "--failed"], env) == 0
    assert "json://" not in capsys.readouterr().out


def test_cli_config_check_validates_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[alerts]]\nname = "bad"\nto_env = "{URL_ENV}"\nstatuses = ["lost"]\n',
        encoding="utf-8",
    )
    assert main(["config", "check", "--config", str(config)], {URL_ENV: "json://x/y"}) == 2
    assert "lost" in capsys.readouterr().err
    config.write_text(f'[[alerts]]\nname = "ok"\nto_env = "{URL_ENV}"\n', encoding="utf-8")
    assert main(["config", "check", "--config", str(config)], {}) == 2
    assert f"{URL_ENV} is not set" in capsys.readouterr().err
    assert main(["config", "check", "--config", str(config)], {URL_ENV: "json://x/y"}) == 0


async def test_a_stop_lets_the_message_being_sent_finish_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    """SIGTERM sets the stop event: the delivery under way completes and is recorded as sent;
    the next message waits in the outbox for the next start."""
    clock = ManualClock(START)
    shop = ScriptedBackend()
    shop.set(make_order(1), make_order(2))
    stop = asyncio.Event()

    class StoppedWhileSending(FakeDelivery):
        def send(self, urls: Sequence[str], title: str, body: str, skip: frozenset[int]) -> Outcome:
            stop.set()  # the signal arrives while this message is on its way
            return super().send(urls, title, body, skip)

    delivery = StoppedWhileSending()
    rule = parse_rule(0, {"name": "f", "to_env": URL_ENV, "statuses": ["failed"], "burst": 5})
    w = watcher(shop, [rule], tmp_path / "a.db", clock, delivery)
    await w.once()  # the baseline
    clock.advance(30)
    shop.set(*(make_order(n, status=OrderStatus.FAILED, updated_at=clock.now()) for n in (1, 2)))
    await w.run(stop)  # one pass: polls, delivers one message, sees the stop, returns
    assert len(delivery.sent) == 1
    states = sorted(row.state for row in w.outbox.recent(failed_only=False))
    assert states == ["pending", "sent"]
    w.outbox.close()


def test_cli_watch_stops_cleanly_on_sigterm_and_sigint(tmp_path: Path) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        home = tmp_path / signum.name
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
            "KAMENG_TUI_CONFIG": str(home / "none"),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "kameng_tui", "watch", "--demo", "--interval", "1"],
            stderr=subprocess.PIPE, env=env, text=True,
        )  # fmt: skip
        assert process.stderr is not None
        # Its first line comes once it runs (no rules: it says so), then the first poll.
        assert "no [[alerts]] rules" in process.stderr.readline()
        outbox = home / "data" / "kameng-tui" / "alerts.sqlite3"
        for _ in range(400):  # a condition, polled: the first poll's baseline is written
            if outbox.exists() and has_baseline(outbox):
                break
            time.sleep(0.05)
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0, signum
        assert process.stderr.read() == ""  # no traceback, nothing more to say


def has_baseline(path: Path) -> bool:
    box = Outbox(path)
    try:
        return box.has_baseline("demo")
    finally:
        box.close()
