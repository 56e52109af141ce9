"""`kameng-tui watch --serve`: what it refuses before it polls anything."""

from __future__ import annotations

import socket

import pytest

from kameng_tui.cli import EXIT_USAGE, main


def test_the_hub_never_runs_without_a_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--demo", "--serve", "--port", "1"], {}) == EXIT_USAGE
    assert "set KAMENG_TUI_HUB_TOKEN" in capsys.readouterr().err
    code = main(["watch", "--demo", "--serve", "--token-env", "MY_HUB"], {"MY_HUB": ""})
    assert code == EXIT_USAGE
    assert "set MY_HUB" in capsys.readouterr().err


def test_the_hub_is_not_a_one_shot(capsys: pytest.CaptureFixture[str]) -> None:
    env = {"KAMENG_TUI_HUB_TOKEN": "t"}
    assert main(["watch", "--demo", "--serve", "--once"], env) == EXIT_USAGE
    assert "cannot be used with --once" in capsys.readouterr().err


def test_a_busy_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"KAMENG_TUI_HUB_TOKEN": "t"}
        assert main(["watch", "--demo", "--serve", "--port", str(port)], env) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"port {port} is in use" in err and len(err.strip().splitlines()) == 1
