"""A shop broken or hostile on the wire (tests/hostile/wire_server.py): every request has a total
deadline, every answer a size cap, paging that gets nowhere stops with one clear error, redirects
never carry credentials elsewhere, and parsing stays linear. Checked through `kameng-tui orders`
(exit 1, one line, bounded time), the tracker (Pilot: it stays responsive) and the pieces."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import resource
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import kameng_tui
from kameng_tui.backends import http
from kameng_tui.backends.acg_faka import TRADE_NO
from kameng_tui.backends.base import Backend, BackendError, SyncResult
from kameng_tui.backends.dujiao_next import CHILD_NUMBER
from kameng_tui.backends.dujiaoka import parse_detail
from kameng_tui.backends.http import HttpSettings, JsonHttp
from kameng_tui.backends.kameng import KamengBackend
from kameng_tui.cli import main
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import ManualClock
from kameng_tui.output import _JSON_UNSAFE
from kameng_tui.serve import _HOST_HEADER
from kameng_tui.sync import RefreshMode, Syncer, WireLimits, read_all
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.help import HelpScreen
from tests.failures.platforms import assert_one_clean_line
from tests.hostile.wire_server import PAGE, WireServer, wire_servers
from tests.tui.test_app import settle

QUICK = HttpSettings(
    connect_timeout=2, read_timeout=5, retries=0, backoff=0.01, max_wait=0.01, total_timeout=1
)
HOST = r"127\.0\.0\.1:\d+"
PREFIX = "kameng-tui: shop: "


@pytest.fixture(scope="module")
def both() -> Iterator[list[WireServer]]:
    with wire_servers(2) as servers:
        yield servers


@pytest.fixture
def shop(both: list[WireServer]) -> WireServer:
    for server in both:
        server.reset("record")
    return both[0]


@pytest.fixture
def elsewhere(both: list[WireServer]) -> WireServer:
    return both[1]


@pytest.fixture(autouse=True)
def quick_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's clients: no retries, a 1 s deadline unless the profile says otherwise."""
    monkeypatch.setattr(http, "DEFAULT_SETTINGS", QUICK)


def kameng_config(tmp_path: Path, url: str, **extra: Any) -> Path:
    lines = [
        "[profiles.shop]",
        'platform = "kameng"',
        f'base_url = "{url}"',
        'token_env = "SHOP_TOKEN"',
        *(f"{key} = {json.dumps(value)}" for key, value in extra.items()),
    ]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def next_admin_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        '[profiles.shop]\nplatform = "dujiao-next"\nmode = "admin"\n'
        f'base_url = "{url}"\nusername = "admin"\npassword_env = "NEXT_PASSWORD"\n',
        encoding="utf-8",
    )
    return path


ENV = {"SHOP_TOKEN": "tok", "NEXT_PASSWORD": "pw-never-sent-elsewhere"}


def orders(
    config: Path, capsys: pytest.CaptureFixture[str], *more: str
) -> tuple[int, str, str, float]:
    started = time.perf_counter()
    code = main(["orders", "--config", str(config), "--profile", "shop", *more], environ=ENV)
    elapsed = time.perf_counter() - started
    out, err = capsys.readouterr()
    return code, out, err, elapsed


def one_line(code: int, out: str, err: str, pattern: str) -> str:
    assert (code, out) == (1, ""), (code, out, err)
    assert err.endswith("\n") and err.count("\n") == 1, err
    line = err.removesuffix("\n")
    assert line.startswith(PREFIX), line
    assert re.fullmatch(pattern, line.removeprefix(PREFIX)), line
    assert_one_clean_line(line)
    return line


# -- 2. a total deadline --------------------------------------------------------------------------


def test_a_server_dripping_a_byte_at_a_time_meets_the_total_deadline(
    shop: WireServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each read gets a byte well within the read timeout (5 s), so only a total deadline ends
    it: the profile's `timeout = 1`."""
    shop.reset("drip")
    code, out, err, elapsed = orders(kameng_config(tmp_path, shop.url, timeout=1), capsys)
    one_line(code, out, err, rf"timed out: {HOST} took longer than 1 s to answer")
    assert elapsed < 5, elapsed


async def test_a_poll_past_its_deadline_is_one_error_and_r_works_after(
    clock: ManualClock,
) -> None:
    class Stuck(Backend):
        platform, profile = "fake", "test"

        def __init__(self) -> None:
            self.stuck = True

        async def fetch_changes(self, cursor: str | None) -> SyncResult:
            if self.stuck:
                await asyncio.Event().wait()  # never set: only the deadline ends it
            return SyncResult([], None, 0)

    backend = Stuck()
    sync = Syncer(backend, OrderBook(), clock, 5, WireLimits(poll_deadline=0.2))
    assert await sync.poll() is None
    assert sync.error == "timed out: the shop took longer than 0.2 s" and not sync.running
    backend.stuck = False
    sync.request_now()  # r
    assert await sync.poll() is not None and sync.error is None


async def test_the_tracker_answers_keys_while_a_shop_drips_and_r_works_after(
    shop: WireServer, clock: ManualClock
) -> None:
    shop.reset("drip")
    backend = KamengBackend("shop", shop.url, "tok", settings=QUICK)
    app = KamengApp(backend, clock=clock, interval=5)
    async with app.run_test(size=(160, 40)) as pilot:
        assert await asyncio.to_thread(shop.arrived.wait, 10)
        screen = app.orders_screen
        assert screen.syncer.running  # the poll is on, byte by byte
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen) and screen.syncer.running
        await pilot.press("escape")
        screen = await settle(app, pilot)
        assert screen.syncer.state().mode is RefreshMode.ERROR
        assert re.fullmatch(
            rf"timed out: {HOST} took longer than 1 s to answer", str(screen.syncer.error)
        )
        shop.reset("malformed33")
        await pilot.press("r")
        await app.workers.wait_for_complete()
        assert screen.syncer.error is None and len(screen.book) == 2
    await backend.aclose()


# -- 4. a cap on the answer's size ----------------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_cap_in_bounded_memory(
    shop: WireServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """About 1 MB that unpacks to 1 GiB: unpacked only up to 64 MB (the default cap)."""
    shop.reset("bomb")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    code, out, err, _ = orders(kameng_config(tmp_path, shop.url, timeout=30), capsys)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    one_line(code, out, err, rf"answer too large \(over 64 MB\) from {HOST}")
    assert grown < 300 * 1024, f"peak memory grew by {grown / 1024:.0f} MB"


def test_an_endless_body_stops_at_the_cap(
    shop: WireServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop.reset("endless")
    code, out, err, _ = orders(kameng_config(tmp_path, shop.url, timeout=30), capsys)
    one_line(code, out, err, rf"answer too large \(over 64 MB\) from {HOST}")


async def test_the_cap_is_configurable_and_the_tracker_says_it(
    shop: WireServer, clock: ManualClock
) -> None:
    shop.reset("endless")
    settings = HttpSettings(retries=0, total_timeout=10, max_body=1024 * 1024)
    backend = KamengBackend("shop", shop.url, "tok", settings=settings)
    app = KamengApp(backend, clock=clock, interval=5)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await settle(app, pilot)
        assert re.fullmatch(
            rf"answer too large \(over 1 MB\) from {HOST}", str(screen.syncer.error)
        )
        assert str(screen.syncer.error) in screen.header.render().plain
    await backend.aclose()


# -- 3. paging that gets nowhere ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "message", "asked"),
    [
        (
            "same_cursor",
            r"the shop's paging never ends: page 2 points back to a page already read",
            2,
        ),
        (
            "empty_more",
            r"the shop's paging never ends: page 1 is empty, yet more are said to follow",
            1,
        ),
    ],
)
def test_orders_stops_paging_that_gets_nowhere(
    mode: str,
    message: str,
    asked: int,
    shop: WireServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shop.reset(mode)
    code, out, err, elapsed = orders(kameng_config(tmp_path, shop.url), capsys)
    one_line(code, out, err, message)
    assert len(shop.requests) == asked and elapsed < 5


def test_dujiao_next_admin_with_a_billion_pages_stops_at_the_first_repeat(
    shop: WireServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop.reset("next_admin")
    code, out, err, _ = orders(next_admin_config(tmp_path, shop.url), capsys)
    one_line(
        code, out, err, r"the shop's paging never ends: page 2 only repeats orders already read"
    )
    assert [r.path for r in shop.requests].count("/api/v1/admin/orders") == 2


def test_max_orders_stops_paging_and_keeps_what_was_read(
    shop: WireServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop.reset("pages")
    config = kameng_config(tmp_path, shop.url, max_orders=250)
    code, out, err, _ = orders(config, capsys, "--format", "json")
    assert code == 0 and len(json.loads(out)) == 3 * PAGE and len(shop.requests) == 3
    assert err == (
        "kameng-tui: shop: stopped at 300 orders, the most read from one shop (max_orders): "
        "the rest were not read\n"
    )


async def test_pages_of_one_poll_are_spaced(shop: WireServer) -> None:
    shop.reset("pages")
    backend = KamengBackend("shop", shop.url, "tok", settings=QUICK)
    try:
        fetched = await read_all(backend, limits=WireLimits(page_spacing=0.2, max_orders=400))
    finally:
        await backend.aclose()
    assert len(fetched.orders) == 4 * PAGE
    gaps = [b.at - a.at for a, b in itertools.pairwise(shop.requests)]
    assert len(gaps) == 3 and min(gaps) >= 0.19, gaps


async def test_the_tracker_stops_paging_that_gets_nowhere_in_one_error(
    shop: WireServer, clock: ManualClock
) -> None:
    """It once sent 360 requests in 10 s: now a pass stops at the first page that repeats, and
    the next pass comes only after the interval."""
    shop.reset("same_cursor")
    backend = KamengBackend("shop", shop.url, "tok", settings=QUICK)
    app = KamengApp(backend, clock=clock, interval=5)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await settle(app, pilot)
        error = "the shop's paging never ends: page 2 points back to a page already read"
        assert screen.syncer.error == error and len(shop.requests) == 2
        assert len(screen.book) == 1  # what was read stays
        assert not screen.syncer.due() and screen.syncer.seconds_until_due() == 5
        await pilot.press("r")  # r: one more pass, and again it stops
        await app.workers.wait_for_complete()
        assert screen.syncer.error == error and len(shop.requests) == 4
    await backend.aclose()


async def test_p_during_a_multi_page_poll_stops_further_pages(
    shop: WireServer, clock: ManualClock
) -> None:
    shop.reset("pages")
    shop.hold = 2  # the third page waits until the test lets it go
    backend = KamengBackend("shop", shop.url, "tok", settings=QUICK)
    app = KamengApp(backend, clock=clock, interval=5)
    async with app.run_test(size=(160, 40)) as pilot:
        assert await asyncio.to_thread(shop.holding.wait, 10)
        await pilot.press("p")
        shop.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.orders_screen
        assert len(shop.requests) == 3  # the one in flight when p was pressed, none after
        assert len(screen.book) == 3 * PAGE and screen.syncer.more
        assert screen.syncer.state().mode is RefreshMode.PAUSED
        screen._tick()  # paused: the tick starts nothing
        await app.workers.wait_for_complete()
        assert len(shop.requests) == 3
    await backend.aclose()


# -- 5. redirects -------------------------------------------------------------------------------


def test_a_login_redirected_elsewhere_is_an_error_naming_the_target(
    shop: WireServer, elsewhere: WireServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop.reset("login_307")
    shop.target = elsewhere.url
    code, out, err, _ = orders(next_admin_config(tmp_path, shop.url), capsys)
    line = one_line(code, out, err, rf"{HOST} redirects this request to {HOST}: not followed .*")
    assert f"to 127.0.0.1:{elsewhere.port}:" in line
    assert elsewhere.requests == []  # the password went nowhere else
    assert [r.path for r in shop.requests] == ["/api/v1/admin/login"]


def redirecting(location: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/final":
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(302, headers={"location": location})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("base", "location", "headers", "message"),
    [
        (
            "https://shop.test",
            "http://shop.test/final",
            {},
            r"shop\.test redirects to shop\.test over plain http: refused",
        ),
        (
            "http://shop.test",
            "http://evil.test:8080/final",
            {},
            r"shop\.test redirects to another site, evil\.test:8080: not followed \(check .*\)",
        ),
        (
            "http://shop.test",
            "/final",
            {"Authorization": "Bearer x"},
            r"shop\.test redirects this request to shop\.test: not followed .*",
        ),
    ],
    ids=["https_to_http", "cross_origin", "credentials"],
)
async def test_redirects_follow_the_rules(
    base: str, location: str, headers: dict[str, str], message: str
) -> None:
    client = JsonHttp(base, QUICK, transport=redirecting(location))
    try:
        with pytest.raises(BackendError) as error:
            await client.request("GET", "/start", headers=headers)
        assert re.fullmatch(message, str(error.value)), str(error.value)
        with pytest.raises(BackendError, match="redirects"):  # and never sends the body on
            await client.request("POST", "/login", json_body={"password": "x"})
    finally:
        await client.aclose()


async def test_a_plain_same_origin_redirect_is_followed() -> None:
    client = JsonHttp("https://shop.test", QUICK, transport=redirecting("/final"))
    try:
        assert (await client.request("GET", "/start")).body == {"ok": True}
    finally:
        await client.aclose()


# -- 6 (issue item 7). malformed orders are named ----------------------------------------------


def test_orders_names_each_malformed_order_on_stderr(
    shop: WireServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop.reset("malformed33")
    code, out, err, _ = orders(kameng_config(tmp_path, shop.url), capsys, "--format", "json")
    assert code == 0 and len(json.loads(out)) == 2
    lines = err.splitlines()
    assert len(lines) == 31 and all(
        line.startswith("kameng-tui: shop: malformed answer") for line in lines
    )


# -- 1. parsing in linear time ------------------------------------------------------------------


def hostile_page(kind: str, size: int) -> str:
    return {
        "spaces": "<div><span>订单状态</span>" + " " * size + "<span>已完成</span></div>",
        "colon_spaces": "<p>订单状态：" + " " * size + "已完成</p>",
        "textarea": "<p>订单状态：已完成</p><textarea>" + "CODE\n" * (size // 5),
        "nesting": "<div>" * (size // 5) + "订单状态",
        "comments": "<!--" * (size // 4),
        "declarations": "<!" * (size // 2),
        "instructions": "<?" * (size // 2),
        "end_tags": "</" * (size // 2),
        "tags": "<a" * (size // 2),
        "dashes": "<!-" * (size // 3),
        "doctypes": "<!doctype" * (size // 9),
    }[kind]


KINDS = ["spaces", "colon_spaces", "textarea", "nesting", "comments", "declarations",
         "instructions", "end_tags", "tags", "dashes", "doctypes"]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_a_hostile_order_page_parses_in_linear_time(kind: str) -> None:
    """100 KB, then 1 MB: ten times the page may take about ten times as long, never a hundred
    (html.parser searched the rest of the page once per unclosed "<!--": minutes for 1 MB)."""
    timings = []
    for size in (100_000, 1_000_000):
        page = hostile_page(kind, size)
        started = time.perf_counter()
        parse_detail(page)
        timings.append(time.perf_counter() - started)
        assert timings[0] < 1.0, f"100 KB took {timings[0]:.2f} s"
    small, big = timings
    assert big < 25 * max(small, 0.005), f"{kind}: 100 KB {small:.3f} s, 1 MB {big:.3f} s"


def test_a_megabyte_of_spaces_between_label_and_value_reads_at_once() -> None:
    page = hostile_page("spaces", 1_000_000)
    started = time.perf_counter()
    detail = parse_detail(page)
    assert time.perf_counter() - started < 0.1
    assert detail is not None and detail.label == "已完成"


def unsafe(parsed: Any) -> str | None:
    """Why a parsed pattern may backtrack badly on long input: an unbounded repeat inside
    another, or two unbounded repeats side by side (None: neither)."""
    from re import _constants as c  # type: ignore[attr-defined]

    repeats = (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT)

    def unbounded(item: Any) -> bool:
        op, av = item
        return op in repeats and av[1] == c.MAXREPEAT

    def has_unbounded(items: Any) -> bool:
        return any(unbounded(i) or any(has_unbounded(s) for s in children(i)) for i in items)

    def children(item: Any) -> list[Any]:
        op, av = item
        if op in repeats:
            return [av[2]]
        if op is c.SUBPATTERN:
            return [av[3]]
        if op is c.BRANCH:
            return list(av[1])
        if op in (c.ASSERT, c.ASSERT_NOT):
            return [av[1]]
        return []

    def walk(items: Any) -> str | None:
        items = list(items)
        for left, right in itertools.pairwise(items):
            if unbounded(left) and unbounded(right):
                return "adjacent unbounded repeats"
        for item in items:
            if unbounded(item) and has_unbounded(item[1][2]):
                return "nested unbounded repeats"
            for child in children(item):
                why = walk(child)
                if why:
                    return why
        return None

    return walk(parsed)


def package_patterns() -> dict[str, re.Pattern[str]]:
    """Every compiled pattern at the top of a module of the package, by module and name."""
    import importlib
    import pkgutil

    found = {}
    for module in pkgutil.walk_packages(kameng_tui.__path__, "kameng_tui."):
        if module.name.endswith("__main__"):
            continue
        loaded = importlib.import_module(module.name)
        for name, value in vars(loaded).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found[f"{module.name}.{name}"] = value
    return found


def inline_patterns() -> dict[str, str]:
    """Patterns written out in a call to a `re` function anywhere in the package."""
    import ast

    found = {}
    root = Path(kameng_tui.__file__).parent
    for source in root.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            call = node if isinstance(node, ast.Call) else None
            func = call.func if call else None
            if (
                call
                and isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "re"
                and call.args
                and isinstance(call.args[0], ast.Constant)
                and isinstance(call.args[0].value, str)
            ):
                found[f"{source.name}:{call.lineno}"] = call.args[0].value
    return found


def test_no_regex_in_the_package_can_backtrack_badly() -> None:
    """No nested or adjacent unbounded quantifiers in any pattern of the package, compiled at
    the top of a module or written out in a call (a new one is checked too)."""
    from re import _parser  # type: ignore[attr-defined]

    patterns = {name: (p.pattern, p.flags) for name, p in package_patterns().items()}
    patterns |= {name: (text, 0) for name, text in inline_patterns().items()}
    assert "kameng_tui.backends.dujiao_next.CHILD_NUMBER" in patterns
    for name, (text, flags) in patterns.items():
        assert unsafe(_parser.parse(text, flags)) is None, (name, text)
    assert unsafe(_parser.parse(r"(a+)+$")) == "nested unbounded repeats"
    assert unsafe(_parser.parse(r"\s*\w*x")) == "adjacent unbounded repeats"


def test_the_patterns_run_in_linear_time_on_their_worst_input() -> None:
    runs: dict[str, Callable[[int], object]] = {
        "child": lambda n: CHILD_NUMBER.match("DJ" + "a1" * n + "-"),
        "trade": lambda n: TRADE_NO.fullmatch("1" * n + "x"),
        "host": lambda n: _HOST_HEADER.fullmatch("a." * n + ":"),
        "host6": lambda n: _HOST_HEADER.fullmatch("[" + ":" * n),
        "json": lambda n: _JSON_UNSAFE.sub("?", "\u2028a" * n),
    }
    for name, run in runs.items():
        timings = []
        for n in (50_000, 500_000):
            started = time.perf_counter()
            run(n)
            timings.append(time.perf_counter() - started)
        assert timings[1] < 25 * max(timings[0], 0.002), (name, timings)


def test_the_limits_come_from_the_profile() -> None:
    from kameng_tui.backends.http import MB, http_settings
    from kameng_tui.config import ConfigError, parse

    table = {
        "platform": "kameng",
        "base_url": "https://shop.example.com",
        "timeout": 5,
        "max_orders": 1000,
        "max_answer_mb": 2,
    }
    profile = parse({"profiles": {"p": table}}).profiles["p"]
    settings = http_settings(profile)
    assert (settings.total_timeout, settings.max_orders, settings.max_body) == (5, 1000, 2 * MB)
    default = http_settings(
        parse({"profiles": {"p": {**table, "max_answer_mb": 64}}}).profiles["p"]
    )
    assert default.max_body == 64 * MB
    with pytest.raises(ConfigError, match="max_answer_mb"):
        parse({"profiles": {"p": {**table, "max_answer_mb": 0}}})
