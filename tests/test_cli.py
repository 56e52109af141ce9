"""The command line: version, help, one-line errors with exit 2, and what the app gets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kameng_tui import __version__
from kameng_tui.cli import main
from kameng_tui.i18n import Lang
from kameng_tui.tui.app import KamengApp


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.strip() == f"kameng-tui {__version__}"


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for option in ("--demo", "--demo-orders", "--seed", "--interval", "--lang"):
        assert option in out


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--nope"], "unrecognized arguments: --nope"),
        (["--demo-orders", "0"], "between 1 and 100,000"),
        (["--demo-orders", "100001"], "between 1 and 100,000"),
        (["--demo-orders", "many"], "not a whole number"),
        (["--interval", "0"], "--interval"),
        (["--lang", "fr"], "invalid choice"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kameng-tui: error:")
    assert complaint in err


class Ran(Exception):
    """Stands in for the TUI: records the app main() built, without a terminal."""


@pytest.fixture
def ran_apps(monkeypatch: pytest.MonkeyPatch) -> list[KamengApp]:
    apps: list[KamengApp] = []

    def fake_run(self: KamengApp, *args: object, **kwargs: object) -> None:
        apps.append(self)

    monkeypatch.setattr(KamengApp, "run", fake_run)
    return apps


def test_demo_options_reach_the_app(ran_apps: list[KamengApp]) -> None:
    assert main(["--demo", "--demo-orders", "42", "--seed", "3", "--interval", "2"]) == 0
    (app,) = ran_apps
    assert app.backend.platform == "demo"
    assert app.backend.demo.initial == 42 and app.backend.demo.seed == 3  # type: ignore[attr-defined]
    assert app.syncer.interval == 2


def test_language_from_locale_unless_given(
    ran_apps: list[KamengApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    main([])
    main(["--lang", "en"])
    assert [app.messages.lang for app in ran_apps] == [Lang.ZH, Lang.EN]


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kameng_tui", "--nope"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kameng-tui: error: unrecognized arguments: --nope (see --help)"
    ]
