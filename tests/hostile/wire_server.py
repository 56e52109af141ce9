"""A shop that is broken or hostile on the wire, on 127.0.0.1: raw asyncio TCP in its own thread,
so it can do what no well-behaved HTTP framework would (drip, bomb, never end).

`server.mode` picks the defect, one per test:
- drip: a 200 whose body comes one byte every DRIP seconds, for ever
- bomb: a gzip answer of about 1 MB that unpacks to 1 GiB of zeros
- endless: a JSON body that never ends (no length, no end)
- same_cursor / empty_more / pages: kameng API pages whose `more` is always true: the same
  cursor each time / no orders / new orders and a new cursor on each page
- malformed33: one kameng API page of 33 orders, 31 of them malformed
- next_admin: a Dujiao-Next admin whose listing has total_page 10^9 (the same orders each page)
- login_307: a Dujiao-Next admin login answered by a 307 to `server.target` (another origin)
- record: answers {} and keeps what it was sent (the other origin of login_307)

Every request is kept in `requests`; `arrived` is set on each one. In `pages`, the page numbered
`hold` waits for `release` before it is answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kameng_tui.api.wire import encode_order
from tests.backends.fake_dujiao_next import envelope
from tests.backends.fake_dujiao_next import order as next_order
from tests.hostile.corpus import hostile_order

DRIP = 0.2  # seconds between the drip's bytes: far within any read timeout
PAGE = 100  # orders per page in `pages`
GiB = 1024**3


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)


@cache
def gzip_bomb() -> tuple[bytes, bytes, int, bytes]:
    """(head, unit, units, tail): head + unit * units + tail is a gzip file of 1 GiB of
    zeros. After a full flush deflate starts afresh, so each further MiB compresses the same."""
    block = bytes(1024 * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    unit = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    assert unit == packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    units = GiB // len(block) - 1
    crc = 0
    for _ in range(GiB // len(block)):
        crc = zlib.crc32(block, crc)
    tail = packer.flush(zlib.Z_FINISH)[:-8] + struct.pack("<II", crc, GiB % 2**32)
    return head, unit, units, tail


def kameng_order(number: int) -> dict[str, Any]:
    return encode_order(hostile_order(number, "plain"))


class WireServer:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.mode = "record"
        self.target = ""  # login_307's redirect target (a base URL)
        self.requests: list[Seen] = []
        self.arrived = threading.Event()
        self.hold: int | None = None
        self.release = threading.Event()
        self.holding = threading.Event()  # the held page's request is in
        self.url = ""
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        self.release.set()

        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for writer in self._writers:
                writer.transport.abort()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    def reset(self, mode: str) -> None:
        self.mode = mode
        self.requests.clear()
        self.arrived.clear()
        self.hold = None
        self.release.clear()
        self.holding.clear()

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    # -- serving ----------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, OSError):
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            line, *lines = head.split("\r\n")
            method, target, _ = line.split(" ", 2)
            headers = {}
            for item in lines:
                if ":" in item:
                    name, _, value = item.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            parts = urlsplit(target)
            seen = Seen(method, parts.path, parse_qs(parts.query), headers, body)
            self.requests.append(seen)
            self.arrived.set()
            await self._answer(seen, writer)
        writer.transport.abort()
        self._writers.discard(writer)

    async def _answer(self, seen: Seen, writer: asyncio.StreamWriter) -> None:
        mode = self.mode
        if mode == "drip":
            writer.write(_head(200, {"content-type": "application/json", "content-length": "999"}))
            for _ in range(int(120 / DRIP)):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(DRIP)
        elif mode == "bomb":
            head, unit, units, tail = gzip_bomb()
            size = len(head) + len(unit) * units + len(tail)
            writer.write(
                _head(200, {"content-type": "application/json", "content-encoding": "gzip",
                            "content-length": str(size)}) + head
            )  # fmt: skip
            for _ in range(units):
                writer.write(unit)
                await writer.drain()
            writer.write(tail)
            await writer.drain()
        elif mode == "endless":
            writer.write(_head(200, {"content-type": "application/json"}) + b"[")
            chunk = b"0," * 32768
            for _ in range(GiB // len(chunk)):
                writer.write(chunk)
                await writer.drain()
        elif mode == "login_307":
            location = f"{self.target}/api/v1/admin/login"
            writer.write(_head(307, {"location": location, "content-length": "0"}))
        else:
            writer.write(_json(await self._json(seen)))
        await writer.drain()

    async def _json(self, seen: Seen) -> Any:
        mode = self.mode
        since = seen.query.get("since", [""])[0]
        if mode == "same_cursor":
            return {"data": [kameng_order(1)], "cursor": "c1", "more": True, "total": 10**6}
        if mode == "empty_more":
            return {"data": [], "cursor": f"c{len(self.requests)}", "more": True, "total": 10**6}
        if mode == "pages":
            page = int(since[1:]) if since.startswith("p") else 0
            if page == self.hold:
                self.holding.set()
                await asyncio.to_thread(self.release.wait, 30)
            orders = [kameng_order(page * PAGE + i) for i in range(PAGE)]
            return {"data": orders, "cursor": f"p{page + 1}", "more": True, "total": 10**6}
        if mode == "malformed33":
            bad = [{"order_no": f"BAD{i}", "status": "nonsense"} for i in range(31)]
            return {"data": [kameng_order(1), *bad, kameng_order(2)], "more": False, "total": 33}
        if mode == "next_admin":
            if seen.path.endswith("/admin/login"):
                return envelope({"token": "tok"})
            items = [next_order("DJ1", "delivered"), next_order("DJ2", "paid")]
            return envelope(items, pagination={"total_page": 10**9, "total": 10**9})
        return {}


def _head(status: int, headers: dict[str, str]) -> bytes:
    reason = {200: "OK", 307: "Temporary Redirect"}.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join([*lines, "connection: close"]) + "\r\n\r\n").encode("latin-1")


def _json(data: Any) -> bytes:
    body = json.dumps(data).encode()
    return _head(200, {"content-type": "application/json", "content-length": str(len(body))}) + body


@contextlib.contextmanager
def wire_servers(count: int = 2) -> Iterator[list[WireServer]]:
    servers = [WireServer() for _ in range(count)]
    for server in servers:
        server.start()
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()
