"""`kameng-tui serve`: the installed command serves the page, and the tracker over a websocket,
to the token's holder only; in-process servers with a stand-in tracker (tests/serve_child.py)
test the limits: sessions, window sizes, a tab's process ending with its websocket."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import aiohttp
import httpx
import pytest
from aiohttp import web

from kameng_tui.cli import main
from kameng_tui.serve import (
    MAX_COLUMNS,
    MAX_ROWS,
    GuardedServer,
    _RedactTokens,
    child_command,
    clamp_size,
    cookie_name,
    is_loopback,
    public_url,
    serve,
    shell_command,
)
from tests.servers import free_port, wait_for_port

# The installed command, as staff run it; `python -m` where the script is not beside python.
SCRIPT = Path(sys.executable).parent / "kameng-tui"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "kameng_tui"]


Served = tuple[str, subprocess.Popen[bytes], str]  # address, server, token
FAKE_CHILD = Path(__file__).with_name("serve_child.py")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The installed command with its default authentication: a random token, in the URL."""
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [*COMMAND, "serve", "--demo", "--port", str(port), "--lang", "en", "--read-only"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "TEXTUAL_ANIMATIONS": "none"},
    )
    wait_for_port(port, server, tmp_path / "serve.log", timeout=30)
    printed = (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")
    found = re.search(rf"http://127\.0\.0\.1:{port}/\?token=([A-Za-z0-9_-]{{43}})\s", printed)
    assert found, printed  # printed before the port is open
    try:
        yield f"127.0.0.1:{port}", server, found[1]
    finally:
        if server.poll() is None:  # Ctrl+C, which also ends the tabs' trackers; else kill it
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        log.close()


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (the tabs' trackers of a server)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def wait_until(condition: object, what: str, timeout: float = 20) -> None:
    """Poll `condition` (a callable) until true, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


async def read_frames(
    address: str, until: bytes, *, cookie: str, quit: bool = True, timeout: float = 60
) -> bytes:
    """Open the websocket as the page's script does and read the app's output until `until`;
    then quit the tracker as a user would, or just close the tab."""
    seen = b""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(
            f"ws://{address}/ws?width=120&height=40",
            headers={"Origin": f"http://{address}", "Cookie": f"{cookie_of(address)}={cookie}"},
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
        if quit:
            await ws.send_json(["stdin", "q"])
    return seen


def cookie_of(address: str) -> str:
    return cookie_name(int(address.rsplit(":", 1)[1]))


@contextmanager
def log_in(address: str, token: str) -> Iterator[httpx.Client]:
    """A client holding the session cookie, as a browser has after opening the printed URL."""
    with httpx.Client(base_url=f"http://{address}", timeout=10) as client:
        first = client.get(f"/?token={token}&fontsize=18")
        assert first.status_code == 303 and first.headers["location"] == "/?fontsize=18"
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"{cookie_of(address)}=")
        assert token not in cookie  # the cookie is not the token
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        yield client


def test_page_and_a_frame_over_the_websocket(served: Served, tmp_path: Path) -> None:
    address, server, token = served
    with log_in(address, token) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert f"ws://{address}/ws" in page.text  # the page's script connects back here
        assert "textual.js" in page.text
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self' 'sha256-" in csp
        assert f"connect-src 'self' ws://{address}" in csp and "frame-ancestors 'none'" in csp
        assert client.get("/static/js/textual.js").status_code == 200
        cookie = client.cookies[cookie_of(address)]

    frames = asyncio.run(read_frames(address, b"300 of 300 orders", cookie=cookie))
    assert b"300 of 300 orders" in frames  # the tracker's header, rendered for the browser
    assert b"kameng-tui" in frames

    # A tab closed without quitting: its tracker ends with the websocket.
    asyncio.run(read_frames(address, b"300 of 300 orders", cookie=cookie, quit=False))
    wait_until(lambda: not children(server.pid), "the tabs' trackers end")

    server.send_signal(signal.SIGINT)  # Ctrl+C stops it cleanly
    assert server.wait(timeout=15) == 0
    log = (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")
    assert f"http://{address}" in log  # the URL is announced
    assert "Traceback" not in log and "failed to start" not in log
    assert log.count(token) == 1  # in the printed URL only, never in the access log


async def handshake(address: str, headers: dict[str, str], path: str = "/ws") -> int:
    """The HTTP status of a websocket handshake (101: connected)."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(f"ws://{address}{path}", headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def test_nothing_without_the_token(served: Served) -> None:
    address, _, token = served
    page = httpx.get(f"http://{address}/", timeout=10)
    assert page.status_code == 401 and "?token=" in page.text  # says what to do
    assert token not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    wrong = httpx.get(f"http://{address}/?token=guess", timeout=10)
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    for path in ("/static/js/textual.js", "/download/anything"):
        assert httpx.get(f"http://{address}{path}", timeout=10).status_code == 401
    origin = {"Origin": f"http://{address}"}
    assert asyncio.run(handshake(address, origin)) == 401
    name = cookie_of(address)
    assert asyncio.run(handshake(address, {**origin, "Cookie": f"{name}={token}"})) == 401
    assert asyncio.run(handshake(address, {**origin, "Cookie": f"{name}=x"})) == 401
    assert asyncio.run(handshake(address, {**origin, "Authorization": f"Bearer {token}"})) == 101
    with log_in(address, token) as client:
        headers = {**origin, "Cookie": f"{cookie_of(address)}={client.cookies[cookie_of(address)]}"}
    assert asyncio.run(handshake(address, headers)) == 101


def test_other_web_sites_cannot_drive_the_tracker(served: Served) -> None:
    """Any page in the staff member's browser may open a websocket to 127.0.0.1."""
    address, _, token = served
    with log_in(address, token) as client:
        cookie = {"Cookie": f"{cookie_of(address)}={client.cookies[cookie_of(address)]}"}
    port = address.rsplit(":", 1)[1]
    evil = f"evil.example:{port}"
    assert asyncio.run(handshake(address, {**cookie, "Origin": "http://evil.example"})) == 403
    assert asyncio.run(handshake(address, {**cookie, "Origin": "null"})) == 403
    # DNS rebinding: a name of the attacker's that now resolves to 127.0.0.1
    headers = {**cookie, "Origin": f"http://{evil}", "Host": evil}
    assert asyncio.run(handshake(address, headers)) == 403
    page = httpx.get(f"http://{address}/", headers={**cookie, "Host": evil}, timeout=10)
    assert page.status_code == 403

    # The page follows the address the browser used, and its own origin may connect.
    local = f"localhost:{port}"
    page = httpx.get(f"http://{address}/", headers={**cookie, "Host": local}, timeout=10)
    assert f'"ws://{local}/ws"' in page.text
    headers = {**cookie, "Origin": f"http://{local}", "Host": local}
    assert asyncio.run(handshake(address, headers)) == 101


# In-process servers, with the stand-in tracker


@asynccontextmanager
async def running(
    *, token: str | None = "t0ken", max_sessions: int = 4, stubborn: bool = False
) -> AsyncIterator[tuple[str, GuardedServer]]:
    argv = [sys.executable, str(FAKE_CHILD), *(["--stubborn"] if stubborn else [])]
    server = GuardedServer(
        shell_command(argv), "127.0.0.1", 0, None, token=token, max_sessions=max_sessions,
        grace=0.3,
    )  # fmt: skip
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"127.0.0.1:{port}", server
    finally:
        await runner.cleanup()


AUTH = {"Authorization": "Bearer t0ken"}


async def receive_text(ws: aiohttp.ClientWebSocketResponse, until: str) -> str:
    seen = ""
    async with asyncio.timeout(20):
        while until not in seen:
            message = await ws.receive()
            assert message.type is aiohttp.WSMsgType.BINARY, message
            seen += message.data.decode()
    return seen


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not gone(pid):  # a condition, polled: nothing tells when another process ends
        assert time.monotonic() < deadline, f"process {pid} still there"
        await asyncio.sleep(0.02)


async def test_sessions_are_capped() -> None:
    async with running(max_sessions=4) as (address, server), aiohttp.ClientSession() as session:
        tabs = []
        for _ in range(4):
            ws = await session.ws_connect(f"ws://{address}/ws", headers=AUTH)
            await receive_text(ws, "pid")
            tabs.append(ws)
        fifth = await session.ws_connect(f"ws://{address}/ws", headers=AUTH)
        closed = await fifth.receive()
        assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 1013  # try again later
        assert "all 4 sessions are in use" in str(closed.extra)
        assert len(server.children) == 4  # no fifth process
        page = await session.get(f"http://{address}/", headers=AUTH)
        assert page.status == 503 and "all 4 sessions" in await page.text()

        await tabs.pop().close()  # one tab closes: room again
        deadline = time.monotonic() + 10
        while server.sessions >= 4:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        again = await session.ws_connect(f"ws://{address}/ws", headers=AUTH)
        await receive_text(again, "pid")
        for ws in [*tabs, again]:
            await ws.close()


async def test_window_sizes_are_clamped() -> None:
    assert clamp_size(20000, 20000) == (MAX_COLUMNS, MAX_ROWS) == (500, 200)
    assert clamp_size("-3", 0) == (1, 1) and clamp_size("wide", 10) is None
    assert clamp_size(1e400, 10) is None  # an infinite float from JSON
    async with running() as (address, _), aiohttp.ClientSession() as session:
        url = f"ws://{address}/ws?width=20000&height=20000"
        async with session.ws_connect(url, headers=AUTH) as ws:
            assert "size 500x200" in await receive_text(ws, "size")  # the child's environment
            await ws.send_json(["resize", {"width": 20000, "height": 20000}])
            assert "size 500x200" in await receive_text(ws, "size")
            await ws.send_json(["resize", {"width": "x", "height": []}])  # ignored
            await ws.send_json(["resize", {"width": 100, "height": 30}])
            assert "size 100x30" in await receive_text(ws, "size")


@pytest.mark.parametrize("stubborn", [False, True])
async def test_the_process_ends_with_its_websocket(stubborn: bool) -> None:
    """A tracker that quits when asked ends at once; one that ignores quit and SIGTERM is killed
    after the grace periods."""
    async with running(stubborn=stubborn) as (address, server), aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"ws://{address}/ws", headers=AUTH)
        pid = int((await receive_text(ws, "size")).split()[1])
        assert not gone(pid)
        await ws.close()
        await wait_gone(pid)
        # The server learns of the end from the child watcher, a turn or two of the loop later.
        deadline = time.monotonic() + 10
        while server.children or server.sessions:
            assert time.monotonic() < deadline, "the ended process is still counted"
            await asyncio.sleep(0.02)


async def test_no_auth_and_the_login_form() -> None:
    async with running(token=None) as (address, _), aiohttp.ClientSession() as session:
        page = await session.get(f"http://{address}/")
        assert page.status == 200
        async with session.ws_connect(f"ws://{address}/ws") as ws:
            await receive_text(ws, "pid")

    async with (
        running() as (address, _),
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session,
    ):
        origin = {"Origin": f"http://{address}"}
        wrong = await session.post(f"http://{address}/login", data={"token": "x"}, headers=origin)
        assert wrong.status == 401
        page = await session.post(
            f"http://{address}/login", data={"token": "t0ken"}, headers=origin
        )
        assert page.status == 200 and page.url.path == "/"  # through the redirect, with the cookie
        async with session.ws_connect(f"ws://{address}/ws", headers=origin) as ws:
            await receive_text(ws, "pid")
        evil = {"Origin": "http://evil.example"}  # no logging in from another site
        assert (await session.post(f"http://{address}/login", headers=evil)).status == 403


async def test_security_headers_and_no_listing() -> None:
    async with running() as (address, _), aiohttp.ClientSession(headers=AUTH) as session:
        for path, status in [
            ("/", 200), ("/static/js/textual.js", 200), ("/static/", 404), ("/static/js/", 404),
            ("/static/js", 404), ("/static/nothing.js", 404), ("/nothing", 404),
        ]:  # fmt: skip
            response = await session.get(f"http://{address}{path}")
            assert response.status == status, path
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "no-referrer"
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
            assert "Index of" not in await response.text()
        page = await session.get(f"http://{address}/")
        csp = page.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert "'unsafe-hashes'" in csp  # the page's Start button: onClick="refresh()"


def test_tokens_are_not_logged() -> None:
    record = logging.LogRecord(
        "aiohttp.access", logging.INFO, "", 0, '1.2.3.4 "GET /?x=1&token=%s HTTP/1.1" 303',
        ("s3cret",), None,
    )  # fmt: skip
    assert _RedactTokens().filter(record)
    assert "s3cret" not in record.getMessage() and "token=…" in record.getMessage()


def test_child_command_is_this_installation_without_secrets() -> None:
    command = child_command(["--config", "/tmp/my shop.toml", "--profile", "shop"])
    assert command.startswith(f"exec {sys.executable}")  # the shell becomes the tracker
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


def test_serve_passes_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    calls: list[tuple[str, int, list[str], dict[str, object]]] = []

    def fake_serve(host: str, port: int, app_args: list[str], **options: object) -> int:
        calls.append((host, port, list(app_args), options))
        return 0

    monkeypatch.setattr("kameng_tui.serve.serve", fake_serve)
    # Whether 8000 is free on this machine is not this test's business (see the port tests).
    monkeypatch.setattr("kameng_tui.cli._listen", lambda host, port: socket.socket())
    argv = ["serve", "--demo", "--demo-orders", "50", "--lang", "zh", "--interval", "2"]
    assert main(argv, environ={}) == 0
    host, port, app_args, options = calls[-1]
    assert (host, port, options["url"]) == ("127.0.0.1", 8000, None)
    assert app_args == ["--demo", "--demo-orders", "50", "--interval", "2.0", "--lang", "zh"]
    assert options["token"] is None and options["no_auth"] is False  # a random token
    assert options["max_sessions"] == 4

    assert main(["serve", "--demo", "--no-auth", "--max-sessions", "2"], environ={}) == 0
    assert calls[-1][3]["no_auth"] is True and calls[-1][3]["max_sessions"] == 2
    assert main(["serve", "--demo", "--token-env", "KT_WEB"], environ={"KT_WEB": "pw"}) == 0
    assert calls[-1][3]["token"] == "pw" and calls[-1][3]["token_env"] == "KT_WEB"
    calls.clear()
    assert main(["serve", "--demo", "--token-env", "KT_WEB"], environ={}) == 2
    assert "KT_WEB is not set" in capsys.readouterr().err
    assert main(["serve", "--demo", "--max-sessions", "0"], environ={}) == 2
    with pytest.raises(SystemExit):
        main(["serve", "--demo", "--no-auth", "--token-env", "KT_WEB"], environ={})
    assert calls == []

    config = tmp_path / "c.toml"
    config.write_text('[profiles.shop]\nplatform = "demo"\n', encoding="utf-8")
    assert main(["serve", "--config", str(config), "--profile", "nope"], environ={}) == 2
    assert "no profile 'nope'" in capsys.readouterr().err  # checked before serving


def test_serve_warnings_and_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[GuardedServer] = []
    monkeypatch.setattr(GuardedServer, "serve", lambda self, debug=False: started.append(self))
    assert serve("0.0.0.0", 8000, ["--demo"], no_auth=True) == 0
    err = capsys.readouterr().err
    assert "--no-auth" in err and "anyone who can reach port 8000" in err and "--read-only" in err
    assert "0.0.0.0" not in started[-1].public_url and started[-1].token is None

    assert serve("0.0.0.0", 8000, ["--demo"]) == 0
    assert "in the clear" in capsys.readouterr().err  # a token over plain HTTP
    assert len(started[-1].token or "") >= 43 and started[-1].show_token
    assert serve("127.0.0.1", 8000, ["--demo"], url="https://t.example.com") == 0
    assert capsys.readouterr().err == ""  # loopback, with a token: nothing to warn about
    assert started[-1].public_url == "https://t.example.com"
    assert started[-2].token != started[-1].token  # a new one every time

    monkeypatch.setenv("KT_WEB", "pw")
    assert serve("127.0.0.1", 8000, ["--demo"], token="pw", token_env="KT_WEB") == 0
    assert started[-1].token == "pw" and not started[-1].show_token
    assert "KT_WEB" not in os.environ  # the tabs' processes do not inherit it


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
