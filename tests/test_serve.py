"""`kameng-tui serve`: the installed command serves the page, and the tracker over a websocket."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest

from kameng_tui.cli import main
from kameng_tui.serve import GuardedServer, child_command, is_loopback, public_url, serve
from tests.servers import free_port, wait_for_port

# The installed command, as staff run it; `python -m` where the script is not beside python.
SCRIPT = Path(sys.executable).parent / "kameng-tui"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "kameng_tui"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [*COMMAND, "serve", "--demo", "--port", str(port), "--lang", "en", "--read-only"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "TEXTUAL_ANIMATIONS": "none"},
    )
    wait_for_port(port, server, tmp_path / "serve.log", timeout=30)
    try:
        yield f"127.0.0.1:{port}", server
    finally:
        if server.poll() is None:  # Ctrl+C, which also ends the tabs' trackers; else kill it
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        log.close()


async def read_frames(address: str, until: bytes, timeout: float = 60) -> bytes:
    """Open the websocket as the page's script does and read the app's output until `until`."""
    seen = b""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(
            f"ws://{address}/ws?width=120&height=40", headers={"Origin": f"http://{address}"}
        ) as ws,
    ):
        await ws.send_json(["resize", {"width": 120, "height": 40}])
        async with asyncio.timeout(timeout):
            while until not in seen:
                message = await ws.receive()
                if message.type is aiohttp.WSMsgType.BINARY:
                    seen += message.data
                elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    break
        await ws.send_json(["stdin", "q"])  # quit the tracker, as a user would
    return seen


def test_page_and_a_frame_over_the_websocket(
    served: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    address, server = served
    page = httpx.get(f"http://{address}/", timeout=10)
    assert page.status_code == 200
    assert f"ws://{address}/ws" in page.text  # the page's script connects back here
    assert "textual.js" in page.text

    frames = asyncio.run(read_frames(address, b"300 of 300 orders"))
    assert b"300 of 300 orders" in frames  # the tracker's header, rendered for the browser
    assert b"kameng-tui" in frames

    server.send_signal(signal.SIGINT)  # Ctrl+C stops it cleanly
    assert server.wait(timeout=15) == 0
    log = (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")
    assert f"http://{address}" in log  # the URL is announced
    assert "Traceback" not in log and "failed to start" not in log


async def handshake(address: str, headers: dict[str, str]) -> int:
    """The HTTP status of a websocket handshake (101: connected)."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(f"ws://{address}/ws", headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def test_other_web_sites_cannot_drive_the_tracker(
    served: tuple[str, subprocess.Popen[bytes]],
) -> None:
    """Any page in the staff member's browser may open a websocket to 127.0.0.1."""
    address, _ = served
    port = address.rsplit(":", 1)[1]
    evil = f"evil.example:{port}"
    assert asyncio.run(handshake(address, {"Origin": "http://evil.example"})) == 403
    assert asyncio.run(handshake(address, {"Origin": "null"})) == 403
    # DNS rebinding: a name of the attacker's that now resolves to 127.0.0.1
    assert asyncio.run(handshake(address, {"Origin": f"http://{evil}", "Host": evil})) == 403
    assert httpx.get(f"http://{address}/", headers={"Host": evil}, timeout=10).status_code == 403

    # The page follows the address the browser used, and its own origin may connect.
    local = f"localhost:{port}"
    page = httpx.get(f"http://{address}/", headers={"Host": local}, timeout=10)
    assert f'"ws://{local}/ws"' in page.text
    headers = {"Origin": f"http://{local}", "Host": local}
    assert asyncio.run(handshake(address, headers)) == 101


def test_child_command_is_this_installation_without_secrets() -> None:
    command = child_command(["--config", "/tmp/my shop.toml", "--profile", "shop"])
    assert command.startswith(sys.executable)
    assert "-m kameng_tui" in command and "'/tmp/my shop.toml'" in command


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False),
     ("192.168.1.5", False), ("shop.example.com", False)],
)  # fmt: skip
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_public_url_never_points_at_a_wildcard() -> None:
    assert public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert public_url("::1", 8000) == "http://[::1]:8000"
    assert "0.0.0.0" not in public_url("0.0.0.0", 8000)


def test_serve_passes_options_and_warns_off_loopback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    calls: list[tuple[str, int, list[str], str | None]] = []

    def fake_serve(
        host: str, port: int, app_args: list[str], *, url: str | None, read_only: bool
    ) -> int:
        calls.append((host, port, list(app_args), url))
        return 0

    monkeypatch.setattr("kameng_tui.serve.serve", fake_serve)
    argv = ["serve", "--demo", "--demo-orders", "50", "--lang", "zh", "--interval", "2"]
    assert main(argv, environ={}) == 0
    host, port, app_args, url = calls[-1]
    assert (host, port, url) == ("127.0.0.1", 8000, None)
    assert app_args == ["--demo", "--demo-orders", "50", "--interval", "2.0", "--lang", "zh"]

    config = tmp_path / "c.toml"
    config.write_text('[profiles.shop]\nplatform = "demo"\n', encoding="utf-8")
    assert main(["serve", "--config", str(config), "--profile", "nope"], environ={}) == 2
    assert "no profile 'nope'" in capsys.readouterr().err  # checked before serving


def test_serve_off_loopback_warns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[GuardedServer] = []
    monkeypatch.setattr(GuardedServer, "serve", lambda self, debug=False: started.append(self))
    assert serve("0.0.0.0", 8000, ["--demo"]) == 0
    err = capsys.readouterr().err
    assert "anyone who can reach port 8000" in err and "--read-only" in err
    assert "0.0.0.0" not in started[-1].public_url
    assert serve("127.0.0.1", 8000, ["--demo"], url="https://t.example.com") == 0
    assert capsys.readouterr().err == ""  # loopback: nothing to warn about
    assert started[-1].public_url == "https://t.example.com"


def test_serve_checks_secrets_first_and_never_puts_them_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    served: list[list[str]] = []

    def fake_serve(host: str, port: int, app_args: list[str], **options: object) -> int:
        served.append(list(app_args))
        return 0

    monkeypatch.setattr("kameng_tui.serve.serve", fake_serve)
    monkeypatch.setattr("kameng_tui.cli._start_log", lambda path, debug: None)  # the server's own
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "c.toml"
    config.write_text(
        '[profiles.shop]\nplatform = "kameng"\nbase_url = "http://127.0.0.1:9"\n'
        'token_env = "SHOP_TOKEN"\n',
        encoding="utf-8",
    )
    argv = ["--log", "kt.log", "--debug", "serve", "--config", str(config), "--profile", "shop"]
    assert main(argv, environ={}) == 2
    assert "SHOP_TOKEN is not set" in capsys.readouterr().err  # before any browser connects
    assert served == []

    assert main(argv, environ={"SHOP_TOKEN": "s3cret-token"}) == 0
    command = child_command(served[-1])
    assert "s3cret-token" not in command  # the child reads it from the inherited environment
    assert f"--log {tmp_path / 'kt.log'}" in command and "--debug" in command
