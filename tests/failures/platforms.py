"""Platforms that fail every way the issue lists, on 127.0.0.1, switched off and on at run time.

- The shop: the demo server (a real uvicorn) behind its Faults middleware. A forced fault makes
  every answer fail one way: 401, 403, 404, 429, 500, 503, an HTML page, truncated JSON, a body
  cut short, or an answer slower than the client waits.
- Raw TCP servers for what HTTP cannot say: a port that refuses, a server that never answers,
  one that resets the connection mid-body, and one whose accept queue is full, so that the
  connection itself times out.
- DNS: a `.invalid` host (RFC 6761), answered "no such name" without asking the network (the
  `no_dns` fixture in conftest.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.backends.http import HttpSettings, JsonHttp
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.server.app import Faults, ServerOptions, create_app
from tests.servers import serve

TOKEN = "s3cret-t0ken-never-shown"
RETRY_AFTER = 7  # seconds, what the shop's 429 and 503 ask for
TIMEOUT = 0.5  # connect and read timeouts of every client here: a healthy answer is far quicker
SLOW = 1.5  # the slow fault's delay: longer than TIMEOUT
DEAD_HOST = "shop.invalid"
HOST = r"127\.0\.0\.1:\d+"


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    message: str  # what the one-line error must say: a regular expression for re.fullmatch
    retryable: bool  # may pass by itself: retried at once, and sooner by the sync loop
    fault: str | None = None  # forced on the shop
    target: str = "shop"  # or one of the raw servers: refused, dns, backlog, silent, reset
    retry_after: float | None = None  # the platform's Retry-After, passed up


CASES = [
    Case("refused", f"cannot connect to {HOST}: connection refused", True, target="refused"),
    Case("dns", r"unknown host shop\.invalid \(DNS lookup failed\)", False, target="dns"),
    Case(
        "connect_timeout",
        rf"timed out connecting to {HOST} \(no answer in {TIMEOUT:g} s\)",
        True,
        target="backlog",
    ),
    Case(
        "read_timeout",
        rf"timed out: {HOST} sent no answer in {TIMEOUT:g} s",
        True,
        target="silent",
    ),
    Case("slow", rf"timed out: {HOST} sent no answer in {TIMEOUT:g} s", True, fault="slow"),
    Case("http_401", r"unauthorized: check the profile's token", False, fault="http_401"),
    Case("http_403", r"HTTP 403 Forbidden: this token may not read orders", False, "http_403"),
    Case("http_404", r"HTTP 404 Not Found", False, fault="http_404"),
    Case(
        "http_429",
        rf"rate limited by {HOST} \(HTTP 429\)",
        True,
        "http_429",
        retry_after=RETRY_AFTER,
    ),
    Case("http_500", r"HTTP 500 Internal Server Error", True, fault="http_500"),
    Case("http_503", r"HTTP 503 Service Unavailable", True, "http_503", retry_after=RETRY_AFTER),
    Case("html", r"HTTP 200: not JSON \(text/html\)", False, fault="html"),
    Case("truncated_json", r"HTTP 200: malformed JSON \(cut short\)", False, "malformed_json"),
    Case(
        "cut_mid_body",
        f"{HOST} closed the connection before the answer was complete",
        True,
        fault="connection_cut",
    ),
    Case("reset_mid_body", f"the connection to {HOST} was reset", True, target="reset"),
]
CASE_IDS = [case.id for case in CASES]


def case(name: str) -> Case:
    return next(c for c in CASES if c.id == name)


def settings(retries: int = 0) -> HttpSettings:
    """Quick timeouts; retries wait 10 ms at most (a test's sleep may not even wait that)."""
    return HttpSettings(
        connect_timeout=TIMEOUT, read_timeout=TIMEOUT, retries=retries, backoff=0.01, max_wait=0.01
    )


class RawServers:
    """TCP servers that misbehave below HTTP, on an event loop in their own thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.writers: set[asyncio.StreamWriter] = set()
        self.handlers: set[asyncio.Task[Any]] = set()
        self.servers: list[asyncio.Server] = []
        # Bound but not listening: a connection is refused (RST) at once, and no other
        # process can take the port meanwhile.
        self.refusing = socket.socket()
        self.refusing.bind(("127.0.0.1", 0))
        # Listening with a backlog of 0, never accepting, and that one place taken: Linux drops
        # further connection requests, so connecting times out.
        self.full = socket.socket()
        self.full.bind(("127.0.0.1", 0))
        self.full.listen(0)
        self.fillers: list[socket.socket] = []
        for _ in range(2):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(self.full.getsockname())
            self.fillers.append(filler)
        self.urls: dict[str, str] = {
            "refused": _url(self.refusing.getsockname()),
            "backlog": _url(self.full.getsockname()),
            "dns": f"http://{DEAD_HOST}",
        }

    def start(self) -> None:
        self.thread.start()
        started = asyncio.run_coroutine_threadsafe(self._start(), self.loop)
        started.result(timeout=10)

    async def _start(self) -> None:
        for name, handler in (("silent", self._silent), ("reset", self._reset)):
            server = await asyncio.start_server(handler, "127.0.0.1", 0)
            self.servers.append(server)
            self.urls[name] = _url(server.sockets[0].getsockname())

    async def _silent(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Reads the request and never answers, until the client gives up and hangs up."""
        self._track(writer)
        await reader.read()  # EOF: the client timed out and closed
        writer.close()

    async def _reset(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Starts a 200 answer, then resets the connection (RST) half way through the body."""
        self._track(writer)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                b"content-length: 4096\r\n\r\n" + b'{"data": [{"order_no": "KM'
            )
            await writer.drain()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # closing with a zero linger sends RST

    def _track(self, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)

    def stop(self) -> None:
        async def close() -> None:
            for server in self.servers:
                server.close()
            for writer in self.writers:
                writer.transport.abort()  # wakes any silent handler still reading
            await asyncio.gather(*self.handlers, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
        for sock in (self.refusing, self.full, *self.fillers):
            sock.close()


def _url(address: tuple[str, int]) -> str:
    return f"http://{address[0]}:{address[1]}"


class Platforms:
    """The shop and the raw servers; `fail(case, http)` points a client at the failure,
    `heal(http)` back at the healthy shop."""

    def __init__(self, shop_url: str, faults: Faults, platform: DemoPlatform, raw: RawServers):
        self.shop_url = shop_url
        self.faults = faults
        self.platform = platform
        self.raw = raw
        self.order_no = platform.orders()[0].order_no  # read before any request runs

    def url(self, case: Case) -> str:
        """Where a fresh client meets the failure (the shop's fault is forced by `fail`)."""
        return self.shop_url if case.target == "shop" else self.raw.urls[case.target]

    def fail(self, case: Case, http: JsonHttp | None = None) -> None:
        self.faults.force(case.fault)
        if http is not None:
            http.client.base_url = self.url(case)

    def heal(self, http: JsonHttp | None = None) -> None:
        self.faults.force(None)
        if http is not None:
            http.client.base_url = self.shop_url


@contextlib.contextmanager
def running_platforms() -> Iterator[Platforms]:
    platform = DemoPlatform(
        orders=300, clock=ManualClock(FIXED_EPOCH), page_size=1_000
    )  # one page, as served
    options = ServerOptions(token=TOKEN, slow_seconds=SLOW, retry_after=RETRY_AFTER)
    app = create_app(platform, options)
    assert isinstance(app, Faults)
    raw = RawServers()
    raw.start()
    try:
        with serve(app) as url:
            yield Platforms(url, app, platform, raw)
    finally:
        raw.stop()


def assert_one_clean_line(message: str) -> None:
    """Fit for the header and stderr: one short line, no traceback, no library class names, no
    secret, no URL (a query string or a base_url's user info can carry a password)."""
    assert message and "\n" not in message and "\r" not in message and len(message) <= 200
    for leak in ("Traceback", "httpx", "httpcore", "Errno", "Error(", TOKEN, "http://", "?"):
        assert leak not in message, (leak, message)
