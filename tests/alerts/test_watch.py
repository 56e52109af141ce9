"""The watcher over the demo platform, which evolves with its clock; and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from kameng_tui.alerts.outbox import Outbox, default_path
from kameng_tui.alerts.rules import parse_rule
from kameng_tui.backends.demo import DemoBackend, DemoPlatform
from kameng_tui.cli import main
from kameng_tui.config import Profile
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.watch import Watcher
from tests.alerts.helpers import URL_ENV, FakeDelivery


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
