"""The command line: version, help, one-line errors with exit 2, and what the app gets."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kameng_tui import __version__
from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.cli import build_parser, main
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.i18n import Lang
from kameng_tui.server.app import ServerOptions, create_app
from kameng_tui.tui.app import KamengApp
from tests.servers import serve


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


# -- scriptable output, config commands, real platforms ----------------------------------------


def run_cli(
    argv: list[str], capsys: pytest.CaptureFixture[str], **env: str
) -> tuple[int, str, str]:
    code = main(argv, environ=env)
    out, err = capsys.readouterr()
    return code, out, err


def test_orders_as_json_csv_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["orders", "--demo", "--format", "json"], capsys)
    assert code == 0
    records = json.loads(out)
    assert len(records) == 300
    for key in ("order_no", "status", "raw_status", "product_type", "product_name", "amount",
                "currency", "updated_at", "label"):  # fmt: skip
        assert key in records[0]
    assert all(isinstance(r["amount"], str) for r in records)
    assert [r["updated_at"] for r in records] == sorted(
        (r["updated_at"] for r in records), reverse=True
    )
    # Card codes are secrets: scripts get how many, never the codes.
    assert all(isinstance(r["card_codes"], int) for r in records)
    assert any(r["card_codes"] > 0 for r in records)
    assert {r["profile"] for r in records} == {"demo"}

    code, out, _ = run_cli(
        ["orders", "--demo", "--status", "failed", "--status", "abnormal", "--format", "csv"],
        capsys,
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and {r["status"] for r in rows} <= {"failed", "abnormal"}

    code, out, _ = run_cli(["orders", "--demo", "--type", "phone_topup"], capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:2] == ["ORDER_NO", "STATUS"]
    assert all("phone_topup" in line for line in lines[1:])


def test_show_one_order(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["orders", "--demo", "--format", "json"], capsys)
    first = json.loads(out)[0]
    code, out, _ = run_cli(["show", first["order_no"], "--demo", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["order_no"] == first["order_no"]
    code, out, err = run_cli(["show", "KM-nope", "--demo"], capsys)
    assert code == 1 and out == "" and err == "kameng-tui: demo: no order 'KM-nope'\n"


def test_bad_filters_and_config_are_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(["orders", "--demo", "--status", "lost"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--status 'lost'" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[profiles.x]\nplatform = "kameng"\n', encoding="utf-8")
    code, _, err = run_cli(["orders", "--config", str(bad)], capsys)
    assert code == 2 and err == f"kameng-tui: configuration: {bad} · profiles.x.base_url: missing\n"
    code, _, err = run_cli(["orders", "--config", str(tmp_path / "none.toml")], capsys)
    assert code == 2 and "no such file" in err


def test_config_path_init_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "k" / "config.toml"
    env = {"KAMENG_TUI_CONFIG": str(path)}
    assert run_cli(["config", "path"], capsys, **env)[1].strip() == str(path)
    assert run_cli(["config", "check"], capsys, **env)[0] == 2
    code, out, _ = run_cli(["config", "init"], capsys, **env)
    assert code == 0 and path.exists() and str(path) in out
    assert run_cli(["config", "init"], capsys, **env)[0] == 2  # never overwrites by surprise
    code, out, _ = run_cli(["config", "check"], capsys, **env)
    assert code == 0 and "ok" in out and "demo" in out


def test_orders_from_a_kameng_server_with_token_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    platform = DemoPlatform(orders=50, clock=ManualClock(FIXED_EPOCH), page_size=20, max_page=20)
    with serve(create_app(platform, ServerOptions(token="s3cret"))) as url:
        config = tmp_path / "c.toml"
        config.write_text(
            f'default_profile = "shop"\n[profiles.shop]\nplatform = "kameng"\n'
            f'base_url = "{url}"\ntoken_env = "SHOP_TOKEN"\n',
            encoding="utf-8",
        )
        env = {"KAMENG_TUI_CONFIG": str(config)}
        code, out, err = run_cli(["orders", "--format", "json"], capsys, SHOP_TOKEN="s3cret", **env)
        assert code == 0 and len(json.loads(out)) == 50
        assert "s3cret" not in out + err
        code, out, err = run_cli(["orders"], capsys, SHOP_TOKEN="wrong", **env)
        assert code == 1 and out == ""
        assert err == "kameng-tui: shop: unauthorized: check the profile's token\n"
        code, _, err = run_cli(["orders"], capsys, **env)
        assert code == 2 and "SHOP_TOKEN is not set" in err
    code, _, err = run_cli(["orders"], capsys, SHOP_TOKEN="s3cret", **env)  # server gone
    assert code == 1
    refused = r"kameng-tui: shop: cannot connect to 127\.0\.0\.1:\d+: connection refused\n"
    assert re.fullmatch(refused, err)


def test_history_prints_a_remembered_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    from kameng_tui.domain.book import OrderBook
    from kameng_tui.store.history import HistoryStore

    clock = ManualClock(FIXED_EPOCH)
    platform = DemoPlatform(orders=50, clock=clock)
    book = OrderBook()
    store = HistoryStore()  # the private test home's data directory
    store.record("demo", book.apply(platform.orders()), clock.now())
    store.close()
    order = next(o for o in book if len(o.timeline) >= 2)
    code, out, _ = run_cli(["history", order.order_no, "--demo"], capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(order.timeline)
    assert lines[0].split()[2] == "pending_payment" and order.timeline[-1].raw_status in lines[-1]
    code, out, err = run_cli(["history", "KM-never", "--demo"], capsys)
    assert code == 1 and out == "" and "no history of 'KM-never'" in err


# -- the parser on its own, bounds, and the language -------------------------------------------


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line main() prints for bad usage (asserting exit 2, nothing on stdout)."""
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("kameng-tui: error: ") and err.endswith(" (see --help)\n")
    return err.rstrip("\n")


def test_version_goes_to_stdout_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    out, err = capsys.readouterr()
    assert exit.value.code == 0 and err == ""
    assert out == f"kameng-tui {__version__}\n"


def test_help_is_usage_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    out, err = capsys.readouterr()
    assert exit.value.code == 0 and err == ""
    assert out.startswith("usage: kameng-tui")
    for command in ("orders", "show", "history", "demo-server", "config", "--version"):
        assert command in out


def test_subcommand_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["orders", "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: kameng-tui orders") and "--format" in out


def test_parser_defaults() -> None:
    args = build_parser().parse_args([])
    assert args.command is None and args.lang is None and args.interval is None
    assert args.demo is False and args.read_only is False
    assert args.demo_orders is None and args.seed is None and args.profile is None


def test_parser_values() -> None:
    args = build_parser().parse_args(
        ["--demo", "--demo-orders", "100000", "--interval", "0.05", "--lang", "zh", "--read-only"]
    )
    assert args.demo and args.demo_orders == 100_000 and args.interval == 0.05
    assert args.lang == "zh" and args.read_only
    assert build_parser().parse_args(["--demo-orders", "1", "--interval", "3600"]).interval == 3600
    orders = build_parser().parse_args(["orders", "--status", "paid", "--status", "failed"])
    assert orders.command == "orders" and orders.status == ["paid", "failed"]
    assert orders.format == "table"


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--nope"], "unrecognized arguments: --nope"),
        (["--demo-orders", "0"], "argument --demo-orders: must be between 1 and 100,000"),
        (["--demo-orders", "-5"], "must be between 1 and 100,000"),
        (["--demo-orders", "1.5"], "not a whole number: '1.5'"),
        (["--interval", "0"], "argument --interval: must be between 0.05 and 3600 seconds"),
        (["--interval", "0.04"], "must be between 0.05 and 3600 seconds"),
        (["--interval", "3600.5"], "must be between 0.05 and 3600 seconds"),
        (["--interval", "-1"], "must be between 0.05 and 3600 seconds"),
        (["--interval", "nan"], "must be between 0.05 and 3600 seconds"),
        (["--interval", "inf"], "must be between 0.05 and 3600 seconds"),
        (["--interval", "soon"], "not a number: 'soon'"),
        (["--interval"], "expected one argument"),
        (["--lang", "fr"], "invalid choice: 'fr'"),
        (["orders", "--format", "xml"], "invalid choice: 'xml'"),
        (["orders", "--demo-orders", "0"], "must be between 1 and 100,000"),
        (["show"], "ORDER_NO"),
        (["config", "delete"], "invalid choice: 'delete'"),
        (["demo-server", "--fault-rate", "2"], "must be between 0 and 1"),
        (["launch"], "invalid choice: 'launch'"),
    ],
)
def test_each_bad_usage_is_exactly_one_line_and_exit_2(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert complaint in usage_error(argv, capsys)


def test_a_bad_argument_with_a_newline_is_still_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "unrecognized arguments: --no␊pe" in usage_error(["--no\npe"], capsys)
    assert "\x1b" not in usage_error(["x\x1b[2J"], capsys)  # shown, not obeyed


@pytest.mark.parametrize(
    ("environ", "argv", "lang"),
    [
        ({}, [], Lang.EN),
        ({"LANG": "zh_CN.UTF-8"}, [], Lang.ZH),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, [], Lang.EN),
        ({"LANG": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, [], Lang.ZH),
        ({"LANG": "en_US.UTF-8"}, ["--lang", "zh"], Lang.ZH),
        ({"LANG": "zh_CN.UTF-8"}, ["--lang", "en"], Lang.EN),
    ],
)
def test_lang_defaults_from_the_environment(
    ran_apps: list[KamengApp],
    monkeypatch: pytest.MonkeyPatch,
    environ: dict[str, str],
    argv: list[str],
    lang: Lang,
) -> None:
    for var, value in environ.items():
        monkeypatch.setenv(var, value)
    assert main(["--demo", "--demo-orders", "5", *argv]) == 0
    (app,) = ran_apps
    assert app.messages.lang is lang


def test_lang_uses_the_environ_passed_to_main(
    ran_apps: list[KamengApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert main(["--demo", "--demo-orders", "5"], environ={"LANG": "zh_CN.UTF-8"}) == 0
    assert ran_apps[0].messages.lang is Lang.ZH


def test_interval_defaults_to_five_seconds(ran_apps: list[KamengApp]) -> None:
    assert main(["--demo", "--demo-orders", "5"]) == 0
    assert ran_apps[0].syncer.interval == 5.0


def test_info_names_every_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_cli(["info"], capsys, KAMENG_TUI_CONFIG=str(tmp_path / "c.toml"))
    assert code == 0
    keys = [line.split()[0] for line in out.splitlines()]
    assert keys == ["version", "python", "textual", "config", "history", "settings", "log"]
    assert str(tmp_path / "c.toml") in out and "(not there yet)" in out


def test_the_log_has_timings_and_errors_but_never_a_secret(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.backends.fake_dujiao_next import EMAIL, ORDER_PASSWORD, FakeDujiaoNext, order

    platform = DemoPlatform(orders=20, clock=ManualClock(FIXED_EPOCH))
    shop = FakeDujiaoNext(legacy=True)  # an older build: the password goes in the query
    shop.orders = {"DJ1": order("DJ1", "paid")}
    log = tmp_path / "k.log"
    with (
        serve(create_app(platform, ServerOptions(token="s3cret-token"))) as url,
        serve(shop.app()) as next_url,
    ):
        config = tmp_path / "c.toml"
        config.write_text(
            f'[profiles.shop]\nplatform = "kameng"\nbase_url = "{url}"\ntoken_env = "T"\n'
            f'[profiles.next]\nplatform = "dujiao-next"\nbase_url = "{next_url}"\n'
            f'mode = "guest"\nguest_email = "{EMAIL}"\nguest_password_env = "P"\n'
            'orders = ["DJ1"]\n',
            encoding="utf-8",
        )
        env = {"KAMENG_TUI_CONFIG": str(config), "T": "s3cret-token", "P": ORDER_PASSWORD}
        for profile in ("shop", "next"):
            code, out, _ = run_cli(
                ["--log", str(log), "orders", "--profile", profile, "--format", "json"],
                capsys,
                **env,
            )
            assert code == 0 and "CARD" not in out
        run_cli(["--log", str(log), "orders", "--profile", "shop"], capsys, **{**env, "T": "x"})
    text = log.read_text(encoding="utf-8")
    assert re.search(r"GET /api/v1/orders -> HTTP 200 in \d+ ms", text)
    assert "GET /api/v1/guest/orders/DJ1 -> HTTP 200" in text
    for secret in ("s3cret-token", ORDER_PASSWORD, "Bearer", "Guest "):
        assert secret not in text
