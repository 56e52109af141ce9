"""Where pages are read: a big answer is parsed and checked off the event loop (JsonHttp's
thread), the kameng page in one msgspec pass; and JsonHttp's `Reader` keeps every error it had."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from kameng_tui.api.wire import Page, encode_order
from kameng_tui.backends import kameng as kameng_module
from kameng_tui.backends.base import BackendError
from kameng_tui.backends.dujiao_next import DujiaoNextBackend
from kameng_tui.backends.http import OFF_LOOP_BYTES, Answer, HttpSettings, JsonHttp, Reader
from kameng_tui.backends.kameng import KamengBackend
from tests.backends.fake_dujiao_next import envelope
from tests.backends.fake_dujiao_next import order as next_order
from tests.hostile.corpus import hostile_order
from tests.hostile.test_properties import json_values

FAST = HttpSettings(connect_timeout=1, read_timeout=1, retries=0, backoff=0, max_wait=0)
JSON = {"content-type": "application/json"}


def client(body: bytes, status: int = 200, headers: dict[str, str] = JSON) -> JsonHttp:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    return JsonHttp("http://shop.test", FAST, transport=httpx.MockTransport(handler))


def kameng_page(count: int, **extra: Any) -> bytes:
    orders = [{**encode_order(hostile_order(i, "plain")), **extra} for i in range(count)]
    return json.dumps({"data": orders, "cursor": "c", "more": False, "total": count}).encode()


class Threads:
    """A Reader that notes which thread each of its parts ran in."""

    def __init__(self, reader: Reader[Page]) -> None:
        self.raw: list[int] = []
        self.parsed: list[int] = []

        def raw(body: bytearray) -> Page:
            self.raw.append(threading.get_ident())
            return reader.raw(body)

        def parsed(value: Any) -> Page:
            self.parsed.append(threading.get_ident())
            return reader.parsed(value)

        self.reader = Reader(raw, parsed)


async def fetch(body: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Threads, list[str]]:
    threads = Threads(kameng_module.PAGE_READER)
    monkeypatch.setattr(kameng_module, "PAGE_READER", threads.reader)
    backend = KamengBackend("p", "http://shop.test", "t", http=client(body))
    try:
        result = await backend.fetch_changes(None)
    finally:
        await backend.aclose()
    return threads, [o.order_no for o in result.orders]


async def test_a_big_kameng_page_is_parsed_and_checked_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = kameng_page(200)
    assert len(body) > OFF_LOOP_BYTES
    threads, numbers = await fetch(body, monkeypatch)
    assert len(numbers) == 200
    loop = threading.get_ident()
    assert threads.raw and all(t != loop for t in threads.raw)
    assert threads.parsed == []  # one pass: never json, then msgspec


async def test_a_big_page_only_json_reads_is_read_off_the_event_loop_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = kameng_page(200, unused=float("nan"))  # NaN: Python's json reads it, msgspec not
    assert len(body) > OFF_LOOP_BYTES
    threads, numbers = await fetch(body, monkeypatch)
    assert len(numbers) == 200
    loop = threading.get_ident()
    assert threads.parsed and all(t != loop for t in threads.raw + threads.parsed)


async def test_a_small_page_is_read_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    threads, numbers = await fetch(kameng_page(2), monkeypatch)
    assert len(numbers) == 2 and threads.raw == [threading.get_ident()]


async def test_plain_json_of_a_big_answer_is_parsed_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the other adapters read (Dujiao-Next, acg-faka: plain JSON through JsonHttp)."""
    parse = JsonHttp._json
    seen: list[int] = []

    def noting(response: httpx.Response, body: bytearray) -> Any:
        seen.append(threading.get_ident())
        return parse(response, body)

    monkeypatch.setattr(JsonHttp, "_json", staticmethod(noting))  # where JsonHttp parses JSON
    items = [next_order(f"DJ{i:04d}", "delivered") for i in range(200)]
    body = json.dumps(envelope(items, pagination={"page": 1, "total_page": 1})).encode()
    assert len(body) > OFF_LOOP_BYTES

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/login"):
            return httpx.Response(200, json=envelope({"token": "t"}))
        return httpx.Response(200, content=body, headers=JSON)

    http = JsonHttp("http://shop.test", FAST, transport=httpx.MockTransport(handler))
    backend = DujiaoNextBackend("p", "http://shop.test", http=http, mode="admin",
                                username="u", password="pw")  # fmt: skip
    try:
        result = await backend.fetch_changes(None)
    finally:
        await backend.aclose()
    assert len(result.orders) == 200
    assert seen[-1] != threading.get_ident()  # the page (the login's answer is small)


def read_both() -> Reader[tuple[str, Any]]:
    return Reader(lambda body: ("raw", bytes(body)), lambda value: ("parsed", value))


async def request(body: bytes, status: int = 200, headers: dict[str, str] = JSON) -> Answer:
    http = client(body, status, headers)
    try:
        return await http.request("GET", "/x", read=read_both())
    finally:
        await http.aclose()


async def test_a_reader_reads_only_a_200_answer() -> None:
    assert (await request(b'{"a": 1}')).body == ("raw", b'{"a": 1}')
    assert (await request(b"")).body == ("parsed", None)
    answer = await request(b'{"error": {"code": "x", "message": "y"}}', status=404)
    assert answer.body == {"error": {"code": "x", "message": "y"}}


async def test_bytes_a_reader_refuses_keep_the_usual_errors() -> None:
    def refuse(body: bytearray) -> Any:
        raise ValueError("not for me")

    reader = Reader(refuse, lambda value: ("parsed", value))
    cases = [
        (b"<html>", {"content-type": "text/html"}, r"HTTP 200: not JSON \(text/html\)"),
        (b'{"data": [1,', JSON, r"HTTP 200: malformed JSON \(cut short\)"),
        (b"[" * 100_000, JSON, r"HTTP 200: malformed JSON \(does not parse\)"),
    ]
    for body, headers, error in cases:
        http = client(body, headers=headers)
        with pytest.raises(BackendError, match=error):
            await http.request("GET", "/x", read=reader)
        await http.aclose()
    http = client(b'{"a": NaN}')
    answer = await http.request("GET", "/x", read=reader)
    await http.aclose()
    assert answer.body[0] == "parsed" and answer.body[1]["a"] != answer.body[1]["a"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"data": {}}', "malformed answer: no order list"),
        (b"[]", "malformed answer: no order list"),
        (b"", "malformed answer: no order list"),
        (b'{"data": [1, 2]}', r"malformed answer: data\[0\]: expected an object \(\+1 more\)"),
        (b'{"data": [', r"HTTP 200: malformed JSON \(cut short\)"),
    ],
)
async def test_kameng_pages_that_cannot_be_read_are_one_line(body: bytes, error: str) -> None:
    backend = KamengBackend("p", "http://shop.test", "t", http=client(body))
    with pytest.raises(BackendError, match=error):
        await backend.fetch_changes(None)
    await backend.aclose()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_plain_json_is_read_as_pythons_json_module_reads_it(value: Any) -> None:
    """JsonHttp reads with msgspec first: the same values as json.loads gives, whatever the
    shop sends (what msgspec will not read goes to json.loads itself)."""
    body = json.dumps(value, allow_nan=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
    response = httpx.Response(200, headers=JSON)
    try:
        expected = json.loads(body)
    except ValueError:
        with pytest.raises(BackendError):
            JsonHttp._json(response, bytearray(body))
        return
    read = JsonHttp._json(response, bytearray(body))
    assert json.dumps(read, allow_nan=True) == json.dumps(expected, allow_nan=True)
