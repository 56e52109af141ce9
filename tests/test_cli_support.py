"""The command line for a support desk: ports, local times, Excel's CSV, names in any case or
in Chinese, order numbers in any case, aligned history."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import socket
import sys
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from rich.cells import cell_len

from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.cli import main
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock

TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv, environ={})
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.rstrip("\n")


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    """The CLI's clock stands still at FIXED_EPOCH (2026-11-25 10:30:00 UTC)."""
    clock = ManualClock(FIXED_EPOCH)
    monkeypatch.setattr("kameng_tui.cli._clock", lambda: clock)
    return clock


@pytest.fixture
def beijing_time() -> Iterator[None]:
    """This machine's zone is UTC+8 (a POSIX rule: no tz database needed)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "CST-8"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


# -- ports --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["serve", "demo-server"])
@pytest.mark.parametrize("port", ["70000", "-1", "0", "65536", "http"])
def test_a_port_out_of_range_is_one_line_and_exit_2(
    command: str, port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        main([command, "--port", port], environ={})
    assert exit.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert one_line(err).startswith("kameng-tui: error: argument --port: ")
    assert "65535" in err or "not a port number" in err


def test_a_busy_port_for_serve_is_one_line_and_exit_2(
    busy_port: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []

    def fake_serve(*args: object, **kwargs: object) -> int:
        started.append(args)
        return 0

    monkeypatch.setattr("kameng_tui.serve.serve", fake_serve)
    code, out, err = run_cli(["serve", "--demo", "--port", str(busy_port)], capsys)
    assert (code, out, started) == (2, "", [])
    assert one_line(err) == (
        f"kameng-tui: port {busy_port} is in use on 127.0.0.1 (choose another with --port)"
    )


def test_a_port_taken_while_serve_starts_is_one_line_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def taken(*args: object, **kwargs: object) -> int:
        raise OSError(errno.EADDRINUSE, "error while attempting to bind: address already in use")

    monkeypatch.setattr("kameng_tui.serve.serve", taken)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    code, out, err = run_cli(["serve", "--demo", "--port", str(free)], capsys)
    assert (code, out) == (2, "")
    assert (
        one_line(err)
        == f"kameng-tui: port {free} is in use on 127.0.0.1 (choose another with --port)"
    )


def test_a_busy_port_for_demo_server_is_one_line_and_exit_2(
    busy_port: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("served on a busy port")

    monkeypatch.setattr(uvicorn.Server, "run", never)
    code, out, err = run_cli(["demo-server", "--port", str(busy_port)], capsys)
    assert (code, out) == (2, "")  # no banner announcing a server that is not there
    assert one_line(err) == (
        f"kameng-tui: port {busy_port} is in use on 127.0.0.1 (choose another with --port)"
    )


def test_an_unknown_host_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["demo-server", "--host", "no-such-host.invalid"], capsys)
    assert (code, out) == (2, "")
    assert one_line(err) == "kameng-tui: cannot listen on no-such-host.invalid: unknown address"


# -- times in tables are local, to the second; JSON and CSV stay ISO 8601 ------------------------


def test_the_orders_table_shows_local_times_json_and_csv_keep_iso(
    fixed_clock: ManualClock, beijing_time: None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["orders", "--demo", "--demo-orders", "20"]
    _, out, _ = run_cli([*argv, "--format", "json"], capsys)
    records = json.loads(out)
    newest = records[0]["updated_at"]
    assert newest.startswith("2026-11-25T10:") and newest.endswith("+00:00")
    _, out, _ = run_cli(argv, capsys)
    header, first, *_ = out.splitlines()
    assert "UPDATED_AT" in header
    local = datetime.fromisoformat(newest).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert local.startswith("2026-11-25 18:")  # 10:xx UTC is 18:xx in UTC+8
    assert TIME.findall(first) == [local]
    assert "+00:00" not in out and "T10:" not in out
    _, out, _ = run_cli([*argv, "--format", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["updated_at"] == newest  # CSV: ISO 8601 with the offset


def test_show_table_shows_local_times(
    fixed_clock: ManualClock, beijing_time: None, capsys: pytest.CaptureFixture[str]
) -> None:
    platform = DemoPlatform(orders=20, clock=ManualClock(FIXED_EPOCH))
    order = platform.orders()[0]
    _, out, _ = run_cli(["show", order.order_no, "--demo", "--demo-orders", "20"], capsys)
    fields = dict(line.split(None, 1) for line in out.splitlines() if len(line.split()) > 1)
    created = order.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert fields["created_at"] == created and created.startswith("2026-11-2")
    hour = int(created[11:13])
    assert hour == (order.created_at.hour + 8) % 24  # UTC+8
    argv = ["show", order.order_no, "--demo", "--demo-orders", "20", "--format", "json"]
    _, out, _ = run_cli(argv, capsys)
    assert json.loads(out)["created_at"] == order.created_at.isoformat()


# -- --bom ---------------------------------------------------------------------------------------


def test_csv_with_bom_for_excel(
    fixed_clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["orders", "--demo", "--demo-orders", "5", "--format", "csv"]
    _, plain, _ = run_cli(argv, capsys)
    code, out, _ = run_cli([*argv, "--bom"], capsys)
    assert code == 0 and out.startswith("\ufeffprofile,shop,order_no,")
    assert out == "\ufeff" + plain and not plain.startswith("\ufeff")
    assert out.encode("utf-8")[:3] == b"\xef\xbb\xbf"


def test_bom_is_only_for_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["orders", "--demo", "--bom"], capsys)
    assert (code, out) == (2, "") and "--bom is for --format csv" in one_line(err)


# -- --status and --type: any case, and the Chinese names ----------------------------------------


def numbers(argv: list[str], capsys: pytest.CaptureFixture[str]) -> set[str]:
    code, out, err = run_cli(["orders", "--demo", "--format", "json", *argv], capsys)
    assert code == 0, err
    return {r["order_no"] for r in json.loads(out)}


@pytest.mark.parametrize(
    ("names", "canonical"),
    [
        (["PAID"], ["paid"]),
        (["Paid"], ["paid"]),
        (["已支付/待处理"], ["paid"]),
        (["待处理"], ["paid"]),
        (["已完成", "发货失败"], ["completed", "failed"]),
        (["Pending-Payment"], ["pending_payment"]),
        (["pending payment"], ["pending_payment"]),
        (["待支付"], ["pending_payment"]),
        (["发货中"], ["delivering"]),
        (["已退款", "REFUNDED"], ["refunded"]),
    ],
)
def test_status_by_any_name(
    names: list[str], canonical: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    given = numbers([a for n in names for a in ("--status", n)], capsys)
    expected = numbers([a for n in canonical for a in ("--status", n)], capsys)
    assert given == expected and given


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("PHONE_TOPUP", "phone_topup"),
        ("话费充值", "phone_topup"),
        ("Phone top-up", "phone_topup"),
        ("游戏点卡", "game_card"),
        ("Game-Card", "game_card"),
        ("虚拟服务", "virtual_service"),
        ("其他", "other"),
    ],
)
def test_type_by_any_name(name: str, canonical: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert numbers(["--type", name], capsys) == numbers(["--type", canonical], capsys)


def test_an_unknown_name_still_says_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["orders", "--demo", "--type", "点卡卡"], capsys)
    assert code == 2 and "--type '点卡卡': one of game_card, phone_topup" in one_line(err)


# -- order numbers in any case ------------------------------------------------------------------


def test_show_finds_an_order_number_in_any_case(
    fixed_clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    order = DemoPlatform(orders=30, clock=ManualClock(FIXED_EPOCH)).orders()[3]
    argv = ["--demo", "--demo-orders", "30", "--format", "json"]
    code, out, err = run_cli(["show", order.order_no.lower(), *argv], capsys)
    assert code == 0, err
    assert json.loads(out)["order_no"] == order.order_no
    code, out, err = run_cli(["show", "km-nope", *argv], capsys)
    assert (code, out) == (1, "") and err == "kameng-tui: demo: no order 'km-nope'\n"


def remember(orders: int = 50) -> list[object]:
    from kameng_tui.domain.book import OrderBook
    from kameng_tui.store.history import HistoryStore

    clock = ManualClock(FIXED_EPOCH)
    platform = DemoPlatform(orders=orders, clock=clock)
    book = OrderBook()
    store = HistoryStore()  # the private test home's data directory
    store.record("demo", book.apply(platform.orders()), clock.now())
    store.close()
    return list(book)


def test_history_finds_an_order_number_in_any_case(capsys: pytest.CaptureFixture[str]) -> None:
    from kameng_tui.domain.order import Order

    book = [o for o in remember() if isinstance(o, Order)]
    order = next(o for o in book if len(o.timeline) >= 2)
    code, exact, _ = run_cli(["history", order.order_no, "--demo"], capsys)
    assert code == 0 and exact
    code, out, err = run_cli(["history", order.order_no.lower(), "--demo"], capsys)
    assert (code, out) == (0, exact), err
    code, out, err = run_cli(["history", "km-never", "--demo"], capsys)
    assert (code, out) == (1, "") and "no history of 'km-never'" in err


def test_history_columns_line_up_by_display_width(capsys: pytest.CaptureFixture[str]) -> None:
    from kameng_tui.domain.order import Order

    book = [o for o in remember(300) if isinstance(o, Order)]
    # raw statuses of different widths (待支付 six cells, 失败 four) and notes after them
    order = next(
        o for o in book if len({cell_len(e.raw_status) for e in o.timeline}) > 1
        and all(e.note for e in o.timeline)
    )  # fmt: skip
    code, out, _ = run_cli(["history", order.order_no, "--demo"], capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(order.timeline)
    starts = {
        cell_len(line) - cell_len(e.note) for line, e in zip(lines, order.timeline, strict=True)
    }
    assert len(starts) == 1  # every note starts in the same column
    assert all(line.endswith(e.note) for line, e in zip(lines, order.timeline, strict=True))
    assert [line.split()[2] for line in lines] == [e.status.value for e in order.timeline]


# -- commands whose extra is not installed --------------------------------------------------------


def test_serve_without_its_extra_names_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "kameng_tui.serve", raising=False)
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # import fails: not installed
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    code, out, err = run_cli(["serve", "--demo"], capsys)
    assert (code, out) == (2, "")
    assert one_line(err) == (
        "kameng-tui: serve needs the 'serve' extra: pip install 'kameng-tui[serve]'"
    )


def test_demo_server_without_its_extra_names_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    code, out, err = run_cli(["demo-server"], capsys)
    assert (code, out) == (2, "")
    assert one_line(err) == (
        "kameng-tui: demo-server needs the 'server' extra: pip install 'kameng-tui[server]'"
    )
