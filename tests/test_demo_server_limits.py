"""`kameng-tui demo-server`: its token comes from the environment, never the command line (which
every user of the machine can read), and request bodies are capped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.cli import main
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.server.app import ServerOptions, create_app
from tests.servers import free_port, wait_for_port

SCRIPT = Path(sys.executable).parent / "kameng-tui"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "kameng_tui"]
TOKEN = "env-only-s3cret-token"


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*COMMAND, "demo-server", "--port", str(port), "--token-env", "KT_DEMO_TOKEN"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "KT_DEMO_TOKEN": TOKEN},
        )
    try:
        wait_for_port(port, server, log_path, timeout=20)
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    assert TOKEN not in log_path.read_text(errors="replace")


def test_the_token_is_read_from_the_environment_not_argv(
    demo_server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, server = demo_server
    cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes()
    assert b"KT_DEMO_TOKEN" in cmdline and TOKEN.encode() not in cmdline
    orders = f"{url}/api/v1/orders"
    assert httpx.get(orders, timeout=10).status_code == 401
    assert httpx.get(orders, headers={"Authorization": "Bearer nope"}).status_code == 401
    answer = httpx.get(orders, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert answer.status_code == 200 and answer.json()["total"] == 300

    # A body over 64 KB is refused from its Content-Length, before it is read.
    action = f"{url}/api/v1/orders/KM1/actions"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    big = b'{"action": "note", "text": "' + b"x" * 100_000 + b'"}'
    refused = httpx.post(action, content=big, headers=auth, timeout=10)
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "too_large"
    small = httpx.post(action, json={"action": "nonsense"}, headers=auth, timeout=10)
    assert small.status_code == 422  # an ordinary body is still read


def test_the_token_option_is_gone_and_an_unset_variable_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo-server", "--token", "s3cret"], environ={}) == 2
    err = capsys.readouterr().err
    assert "--token is not accepted" in err and "--token-env" in err and "s3cret" not in err
    assert main(["serve", "--demo", "--token", "s3cret"], environ={}) == 2
    assert "s3cret" not in capsys.readouterr().err
    assert main(["demo-server", "--token-env", "KT_UNSET"], environ={}) == 2
    assert "KT_UNSET is not set" in capsys.readouterr().err


async def test_a_body_without_length_is_cut_off_at_the_limit() -> None:
    platform = DemoPlatform(orders=5, clock=ManualClock(FIXED_EPOCH))
    app = create_app(platform, ServerOptions(token="t", max_body=1024))
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:  # a chunked upload with no Content-Length
        nonlocal sent
        yield b'{"action": "note", "text": "'
        for _ in range(1000):
            sent += 512
            yield b"x" * 512

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
        order = await client.get("/api/v1/orders", headers={"Authorization": "Bearer t"})
        order_no = order.json()["data"][0]["order_no"]
        answer = await client.post(
            f"/api/v1/orders/{order_no}/actions",
            content=chunks(),
            headers={"Authorization": "Bearer t"},
        )
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"
    assert sent < 10 * 1024  # refused once past the limit, not read whole
