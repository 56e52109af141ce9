"""kameng-tui's own API end to end: the demo server (a real uvicorn on 127.0.0.1) and the
`kameng` backend, including auth and every kind of fault."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from msgspec.structs import replace

from kameng_tui.api.wire import Page, WireError, decode_order, encode_order, encode_page
from kameng_tui.backends import kameng as kameng_module
from kameng_tui.backends.base import BackendError
from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.backends.http import OFF_LOOP_BYTES, HttpSettings, JsonHttp, retry_after_seconds
from kameng_tui.backends.kameng import KamengBackend
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.status import OrderStatus
from kameng_tui.server.app import ACTIONS, FAULTS, Faults, ServerOptions, create_app
from tests.servers import serve

FAST = HttpSettings(connect_timeout=2, read_timeout=2, retries=2, backoff=0.01, max_wait=0.05)
UNSPACED = replace(FAST, page_spacing=0.0)  # as a kameng profile reads: pages not spaced


def demo(orders: int = 300) -> tuple[DemoPlatform, ManualClock]:
    clock = ManualClock(FIXED_EPOCH)
    return DemoPlatform(orders=orders, clock=clock, page_size=100, max_page=200), clock


@pytest.fixture
def server() -> Iterator[tuple[str, DemoPlatform, ManualClock]]:
    platform, clock = demo()
    with serve(create_app(platform, ServerOptions(token="s3cret"))) as url:
        yield url, platform, clock


def backend(url: str, token: str | None = "s3cret") -> KamengBackend:
    return KamengBackend("test", url, token, settings=FAST)


def test_wire_round_trip_keeps_every_field() -> None:
    platform, clock = demo()
    clock.advance(3600)
    for order in platform.orders():
        assert decode_order(json.loads(json.dumps(encode_order(order)))) == order


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"amount": "12,5"}, "order.amount: not a decimal"),
        ({"amount": 12.5}, "order.amount: expected a string"),
        ({"updated_at": "yesterday"}, "order.updated_at: not an ISO 8601 time"),
        ({"updated_at": "2026-11-25T10:00:00"}, "order.updated_at: time without a timezone"),
        ({"order_no": None}, "order.order_no: expected a string"),
        ({"timeline": [{"status": "paid"}]}, "order.timeline[0].at: missing"),
        ({"card_codes": [1]}, "order.card_codes: expected strings"),
        ({"label": "late"}, "order.label: expected an object"),
    ],
)
def test_malformed_orders_name_the_field(change: dict[str, object], complaint: str) -> None:
    platform, _ = demo()
    data = {**encode_order(platform.orders()[0]), **change}
    with pytest.raises(WireError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        decode_order(data)


def test_unknown_status_is_kept_raw_and_flagged() -> None:
    platform, _ = demo()
    data = {**encode_order(platform.orders()[0]), "status": "on_hold", "raw_status": ""}
    order = decode_order(data)
    assert order.status.value == "abnormal" and order.raw_status == "on_hold"


async def test_sync_pages_then_only_changes(server: tuple[str, DemoPlatform, ManualClock]) -> None:
    url, platform, clock = server
    client = backend(url)
    pages = [await client.fetch_changes(None)]
    while pages[-1].more:
        pages.append(await client.fetch_changes(pages[-1].cursor))
    assert len(pages) > 1
    numbers = [o.order_no for page in pages for o in page.orders]
    assert len(numbers) == len(set(numbers)) == 300
    assert {o.order_no: o for p in pages for o in p.orders} == {
        o.order_no: o for o in platform.orders()
    }
    idle = await client.fetch_changes(pages[-1].cursor)
    assert idle.orders == [] and not idle.more  # an idle poll moves almost nothing
    clock.advance(120)
    changed = await client.fetch_changes(pages[-1].cursor)
    assert changed.orders and all(platform.get(o.order_no) == o for o in changed.orders)
    one = changed.orders[0]
    assert await client.get_order(one.order_no) == one
    assert await client.get_order("KM-nope") is None
    await client.aclose()


async def test_token_required(server: tuple[str, DemoPlatform, ManualClock]) -> None:
    url, _, _ = server
    for token in (None, "wrong"):
        client = backend(url, token)
        with pytest.raises(BackendError, match="unauthorized"):
            await client.fetch_changes(None)
        await client.aclose()
    raw = httpx.get(f"{url}/api/v1/orders")
    assert raw.status_code == 401 and raw.json()["error"]["code"] == "unauthorized"
    assert raw.headers["WWW-Authenticate"] == "Bearer"


def test_server_errors_use_one_envelope(server: tuple[str, DemoPlatform, ManualClock]) -> None:
    url, _, _ = server
    auth = {"Authorization": "Bearer s3cret"}
    cases = [
        httpx.get(f"{url}/api/v1/orders/KM-nope", headers=auth),
        httpx.get(f"{url}/api/v1/orders", params={"since": "garbage"}, headers=auth),
        httpx.get(f"{url}/api/v1/nothing", headers=auth),
        httpx.post(f"{url}/api/v1/orders/KM1/actions", json={"action": "explode"}, headers=auth),
    ]
    assert [r.status_code for r in cases] == [404, 400, 404, 422]
    for response in cases:
        assert set(response.json()["error"]) == {"code", "message"}


async def test_every_fault_kind_is_survived_or_reported_in_one_line() -> None:
    platform, _ = demo()
    app = create_app(platform, ServerOptions(fault_rate=0.5, fault_seed=3, slow_seconds=3))
    faults = app
    assert isinstance(faults, Faults)
    with serve(app) as url:
        client = backend(url, None)
        cursor, ok, errors = None, 0, Counter[str]()
        for _ in range(40):
            try:
                result = await client.fetch_changes(cursor)
            except BackendError as exc:
                message = str(exc)
                assert "\n" not in message and "Traceback" not in message
                errors[message.split(":")[0]] += 1
                continue
            ok += 1
            cursor = result.cursor
        await client.aclose()
    assert set(faults.injected) == set(FAULTS)  # every kind happened
    assert ok > 10  # quick retries ride out most faults
    assert errors, "and some polls still fail, in one line each"


async def test_retry_after_is_honoured_and_passed_up() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    def handler(request: httpx.Request) -> httpx.Response:
        if len(waits) < 1:
            return httpx.Response(503, headers={"Retry-After": "0"}, json={})
        if request.url.path == "/slow":
            return httpx.Response(503, headers={"Retry-After": "120"}, json={})
        return httpx.Response(200, json={"ok": True})

    http = JsonHttp("http://shop", FAST, transport=httpx.MockTransport(handler), sleep=sleep)
    answer = await http.request("GET", "/orders")
    assert answer.status == 200 and answer.body == {"ok": True} and waits == [0.0]
    with pytest.raises(BackendError) as error:
        await http.request("GET", "/slow")
    assert error.value.retry_after == 120  # too long to wait inside a poll: the syncer waits
    await http.aclose()
    assert retry_after_seconds("7") == 7 and retry_after_seconds("soon") is None


async def test_non_json_answers_are_errors_not_crashes() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, text="<html>订单不存在</html>", headers={"content-type": "text/html"}
        )

    client = KamengBackend(
        "t",
        "http://shop",
        "x",
        http=JsonHttp("http://shop", FAST, transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(BackendError, match=r"HTTP 200: not JSON \(text/html\)"):
        await client.fetch_changes(None)


def test_money_stays_decimal_on_the_wire() -> None:
    platform, _ = demo()
    order = platform.orders()[0]
    data = encode_order(order)
    assert isinstance(data["amount"], str) and Decimal(data["amount"]) == order.amount


def test_the_openapi_file_matches_the_server_and_the_wire() -> None:
    spec = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text("utf-8"))
    platform, _ = demo()
    order = encode_order(platform.orders()[0])
    schemas = spec["components"]["schemas"]
    schema = schemas["Order"]
    assert set(order) <= set(schema["properties"]) <= {*order, "shop"}  # shop: only on a hub
    assert set(schema["required"]) <= set(order)
    statuses = schema["properties"]["status"]["enum"]
    # The lifecycle: "unreadable" is the tracker's own stand-in, never on the wire.
    assert statuses == [s.value for s in OrderStatus if s is not OrderStatus.UNREADABLE]
    app: object = create_app(platform)
    while not hasattr(app, "routes"):  # through the middlewares to the Starlette app
        app = app.app  # type: ignore[attr-defined]
    routes = {route.path for route in app.routes}
    assert routes == set(spec["paths"])
    body = spec["paths"]["/api/v1/orders/{order_no}/actions"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    assert schemas[ref.rpartition("/")[2]]["properties"]["action"]["enum"] == list(ACTIONS)


def test_pages_of_the_kameng_api_come_without_a_pause() -> None:
    """`more: true` means the next page is ready now (docs/api.md): no spacing, unlike the
    platforms whose pages are read as a person's browser would."""
    from kameng_tui.backends.factory import make_backend
    from kameng_tui.config import Profile
    from kameng_tui.domain.clock import SystemClock
    from kameng_tui.sync import WireLimits

    kameng = make_backend(
        Profile("k", "kameng", {"base_url": "http://127.0.0.1:9"}), {}, SystemClock()
    )
    next_admin = make_backend(
        Profile("n", "dujiao-next", {"base_url": "http://127.0.0.1:9", "orders": ["D1"]}),
        {},
        SystemClock(),
    )
    assert WireLimits.of(kameng).page_spacing == 0.0 and WireLimits.of(kameng).fetch_ahead
    assert WireLimits.of(next_admin).page_spacing > 0 and not WireLimits.of(next_admin).fetch_ahead


def pages_transport(
    platform: DemoPlatform, asked: list[str | None], then: Callable[[], None] = lambda: None
) -> httpx.MockTransport:
    """The demo platform's pages, as the demo server writes them, noting each `since`."""

    def handler(request: httpx.Request) -> httpx.Response:
        since = request.url.params.get("since")
        asked.append(since)
        then()
        result = platform.changes_since(since)
        body = encode_page(result.orders, result.cursor, result.more, result.total)
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(handler)


async def test_the_next_page_is_asked_for_while_this_one_is_decoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As a page's bytes arrive, the next page its envelope names is asked for at once: the
    server makes it while this one is decoded, instead of after."""
    platform, _ = demo(orders=600)
    asked: list[str | None] = []
    second_asked = threading.Event()
    reader = kameng_module.PAGE_READER

    def raw(body: bytearray) -> Page:
        if not asked[1:]:  # the first page: decoded only once the second was asked for
            assert second_asked.wait(10), "the next page was not asked for during decoding"
        return reader.raw(body)

    monkeypatch.setattr(kameng_module, "PAGE_READER", replace(reader, raw=raw))

    def noting() -> None:
        if len(asked) == 2:
            second_asked.set()

    http = JsonHttp(
        "http://shop.test", UNSPACED, transport=pages_transport(platform, asked, noting)
    )
    client = KamengBackend("test", "http://shop.test", None, http=http)
    try:
        pages = [await client.fetch_changes(None)]
        assert len(encode_page(pages[0].orders, "", True, 0)) > OFF_LOOP_BYTES  # a thread's
        while pages[-1].more:
            pages.append(await client.fetch_changes(pages[-1].cursor))
    finally:
        await client.aclose()
    numbers = [o.order_no for page in pages for o in page.orders]
    assert len(numbers) == len(set(numbers)) == 600
    # Each page asked for once, in order: none twice, none past the last.
    assert asked == [None, *(page.cursor for page in pages[:-1])]


async def test_a_page_asked_for_early_is_not_used_for_another_cursor() -> None:
    platform, _ = demo()
    asked: list[str | None] = []
    http = JsonHttp("http://shop.test", UNSPACED, transport=pages_transport(platform, asked))
    client = KamengBackend("test", "http://shop.test", None, http=http)
    try:
        first = await client.fetch_changes(None)
        assert first.more and client._next is not None  # the second page, asked for early
        again = await client.fetch_changes(None)  # a new pass from the start instead
        assert again.orders == first.orders and again.cursor == first.cursor
        await client.aclose()
        assert client._next is None  # closed: nothing left in flight
    finally:
        await client.aclose()
    assert asked[0] is None and asked.count(None) == 2


@pytest.mark.parametrize("spacing", [0.0, 0.2])
async def test_no_page_is_asked_for_early_where_the_syncer_or_the_spacing_says_no(
    spacing: float,
) -> None:
    """Paused with p (the syncer's say), or pages spaced as a person reads them: the next page
    only when asked for."""
    platform, _ = demo()
    asked: list[str | None] = []
    settings = replace(FAST, page_spacing=spacing)
    http = JsonHttp("http://shop.test", settings, transport=pages_transport(platform, asked))
    client = KamengBackend("test", "http://shop.test", None, http=http)
    allowed = spacing == 0.0
    client.read_ahead_while(lambda: not allowed)  # the unspaced one: paused
    try:
        first = await client.fetch_changes(None)
        assert first.more and client._next is None and asked == [None]
    finally:
        await client.aclose()


async def test_the_syncer_says_when_a_page_may_be_asked_for_early() -> None:
    """p pauses a poll between its pages: the backend asks for none early meanwhile."""
    from kameng_tui.domain.book import OrderBook
    from kameng_tui.sync import Syncer

    platform, clock = demo()
    asked: list[str | None] = []
    http = JsonHttp("http://shop.test", UNSPACED, transport=pages_transport(platform, asked))
    client = KamengBackend("test", "http://shop.test", None, http=http)
    syncer = Syncer(client, OrderBook(), clock, 5)
    try:
        syncer.halted = True
        await client.fetch_changes(None)
        assert client._next is None
        syncer.halted = False
        await client.fetch_changes(None)
        assert client._next is not None
    finally:
        await client.aclose()
