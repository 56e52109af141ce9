"""`kameng-tui orders` and `kameng-tui show N` against each failing platform: exit 1, nothing on
stdout, and exactly one line on stderr, with no traceback and nothing secret."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kameng_tui.backends import http
from kameng_tui.cli import main
from tests.failures.platforms import (
    CASE_IDS,
    CASES,
    TOKEN,
    Case,
    Platforms,
    assert_one_clean_line,
    case,
    settings,
)

PREFIX = "kameng-tui: shop: "


def write_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[profiles.shop]\nplatform = "kameng"\nbase_url = "{url}"\ntoken_env = "SHOP_TOKEN"\n',
        encoding="utf-8",
    )
    return path


def argv(command: str, platforms: Platforms, config: Path) -> list[str]:
    number = [platforms.order_no] if command == "show" else []
    return [command, *number, "--config", str(config), "--profile", "shop"]


def assert_failed_in_one_line(case: Case, code: int, out: str, err: str) -> None:
    assert (code, out) == (1, "")
    assert err.endswith("\n") and err.count("\n") == 1, err
    line = err.removesuffix("\n")
    assert line.startswith(PREFIX), line
    assert re.fullmatch(case.message, line.removeprefix(PREFIX)), line
    assert_one_clean_line(line)


@pytest.fixture(autouse=True)
def quick_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's clients: short timeouts and no quick retries (the retries are the backend
    tests' business), so every case takes at most a timeout."""
    monkeypatch.setattr(http, "DEFAULT_SETTINGS", settings(retries=0))


@pytest.mark.parametrize("command", ["orders", "show"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_each_failure_exits_1_with_one_line(
    case: Case,
    command: str,
    platforms: Platforms,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    platforms.fail(case)
    config = write_config(tmp_path, platforms.url(case))
    code = main(argv(command, platforms, config), environ={"SHOP_TOKEN": TOKEN})
    out, err = capsys.readouterr()
    assert_failed_in_one_line(case, code, out, err)


@pytest.mark.parametrize("command", ["orders", "show"])
def test_the_same_commands_succeed_against_the_healthy_shop(
    command: str, platforms: Platforms, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, platforms.shop_url)
    code = main(argv(command, platforms, config), environ={"SHOP_TOKEN": TOKEN})
    out, err = capsys.readouterr()
    assert (code, err) == (0, "") and platforms.order_no in out


@pytest.mark.parametrize("name", ["http_403", "refused"])
def test_the_installed_command_exits_1_with_one_line(
    name: str, platforms: Platforms, tmp_path: Path
) -> None:
    """The real entry point, in its own process, with its default timeouts and retries."""
    failure = case(name)
    platforms.fail(failure)
    config = write_config(tmp_path, platforms.url(failure))
    command = Path(sys.executable).with_name("kameng-tui")
    done = subprocess.run(
        [str(command), *argv("orders", platforms, config)],
        capture_output=True,
        text=True,
        env={**os.environ, "SHOP_TOKEN": TOKEN},
        timeout=60,
        check=False,
    )
    assert_failed_in_one_line(failure, done.returncode, done.stdout, done.stderr)
