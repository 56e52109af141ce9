"""The team hub end to end: `kameng-tui watch --serve` polls two shops; two trackers and a
script read it, and the shops see the hub's requests only."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.backends.http import HttpSettings
from kameng_tui.backends.kameng import KamengBackend
from kameng_tui.domain.actions import Action, allowed
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.status import OrderStatus
from kameng_tui.server.app import ServerOptions, create_app
from kameng_tui.tui.app import KamengApp
from tests.servers import free_port, serve, wait_for_port
from tests.tui.test_app import settle

TOKEN = "hub-s3cret"
FAST = HttpSettings(connect_timeout=5, read_timeout=10, retries=0, backoff=0.01, max_wait=0.05)


class Counted:
    """Counts the requests that reach a shop."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


@pytest.fixture
def shops() -> Iterator[tuple[list[Counted], list[str]]]:
    """Two demo shops over HTTP, with the same seed: the same order numbers in both."""
    apps = [
        Counted(
            create_app(DemoPlatform(orders=300, clock=ManualClock(FIXED_EPOCH)), ServerOptions())
        )
        for _ in range(2)
    ]
    with serve(apps[0]) as first, serve(apps[1]) as second:
        yield apps, [first, second]


@pytest.fixture
def hub(tmp_path: Path, shops: tuple[list[Counted], list[str]]) -> Iterator[str]:
    """`kameng-tui watch --serve` over both shops, polling each once an hour: after its first
    poll, whatever the clients do, a shop hears nothing from it but forwarded actions."""
    _, urls = shops
    config = tmp_path / "config.toml"
    config.write_text(
        "".join(
            f'[profiles.{name}]\nplatform = "kameng"\nbase_url = "{url}"\ninterval = 3600\n\n'
            for name, url in zip(["north", "south"], urls, strict=True)
        ),
        encoding="utf-8",
    )
    port = free_port()
    log = tmp_path / "hub.log"
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "KAMENG_TUI_CONFIG": str(config),
        "KAMENG_TUI_HUB_TOKEN": TOKEN,
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kameng_tui", "watch", "--profile", "north", "--profile",
             "south", "--serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        try:
            wait_for_port(port, process, log, timeout=20)
            url = f"http://127.0.0.1:{port}"
            wait_for_orders(url, 600, process, log)
            yield url
        finally:
            process.terminate()
            assert process.wait(timeout=10) == 0, log.read_text()


def wait_for_orders(url: str, count: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the hub's first poll of every shop is in (a condition, polled)."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for _ in range(400):
        answer = httpx.get(f"{url}/api/v1/orders", headers=headers, timeout=5)
        if answer.status_code == 200 and answer.json()["total"] == count:
            return
        assert process.poll() is None, log.read_text()
        time.sleep(0.05)
    raise AssertionError(f"the hub never held {count} orders: {log.read_text()}")


async def test_two_trackers_and_a_script_read_one_poller(
    hub: str, shops: tuple[list[Counted], list[str]], tmp_path: Path
) -> None:
    counted, _ = shops
    before = [len(shop.requests) for shop in counted]
    assert all(n >= 1 for n in before)

    async def tracker() -> KamengApp:
        backend = KamengBackend("hub", hub, TOKEN, settings=FAST)
        app = KamengApp(backend, clock=ManualClock(FIXED_EPOCH))
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settle(app, pilot)
            assert len(screen.book) == 600  # 300 numbers, each in both shops
            assert {o.shop for o in screen.book} == {"north", "south"}
            assert "600 of 600 orders" in screen.header.render().plain
            header = screen.order_list.render_line(0).text
            assert "Shop" in header  # the hub's shops, named in a column
        await backend.aclose()
        return app

    await asyncio.gather(tracker(), tracker())

    config = hub_config(tmp_path, hub)
    env = {**os.environ, "HOME": str(tmp_path), "KAMENG_TUI_CONFIG": str(config)}
    env["HUB_TOKEN"] = TOKEN
    script = subprocess.run(
        [sys.executable, "-m", "kameng_tui", "orders", "--format", "json"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert script.returncode == 0, script.stderr
    rows = json.loads(script.stdout)
    assert len(rows) == 600 and {row["shop"] for row in rows} == {"north", "south"}

    # Three clients read everything; the shops heard nothing more.
    assert [len(shop.requests) for shop in counted] == before

    # An action goes to the shop that holds the order, and only there.
    every = frozenset(Action)
    backend = KamengBackend("hub", hub, TOKEN, settings=FAST)
    try:
        page = await backend.fetch_changes(None)
        target = next(
            o for o in page.orders
            if o.shop == "south" and Action.REFUND in allowed(o, staff=True, supported=every)
        )  # fmt: skip
        done = await backend.act(target, Action.REFUND, "goodwill")
    finally:
        await backend.aclose()
    assert done.shop == "south" and done.status is OrderStatus.REFUNDED
    assert counted[0].requests[before[0] :] == []
    assert [r for r in counted[1].requests[before[1] :] if r.startswith("POST")] == [
        f"POST /api/v1/orders/{target.order_no}/actions"
    ]


def hub_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "client.toml"
    path.write_text(
        f'[profiles.hub]\nplatform = "kameng"\nbase_url = "{url}"\ntoken_env = "HUB_TOKEN"\n',
        encoding="utf-8",
    )
    return path
