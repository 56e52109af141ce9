"""The hostile corpus through every adapter, over httpx's MockTransport (no sockets).

An adapter either gives orders whose texts are the platform's (bounded, lone surrogates
replaced) and whose times and amounts are plausible, or raises a one-line `BackendError`.
Nothing else escapes, whatever the platform sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from kameng_tui.api.wire import EARLIEST, LATEST, encode_order
from kameng_tui.backends.base import BackendError
from kameng_tui.backends.dujiao_next import DujiaoNextBackend, parse_order
from kameng_tui.backends.dujiaoka import DujiaokaBackend, parse_detail
from kameng_tui.backends.http import HttpSettings, JsonHttp
from kameng_tui.backends.kameng import KamengBackend
from kameng_tui.domain.actions import Action
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus
from kameng_tui.domain.text import FIELD_LIMIT, LIST_LIMIT, bounded
from tests.backends.fake_dujiao_next import envelope
from tests.backends.fake_dujiao_next import order as next_order
from tests.backends.fake_dujiaoka import THEMES, FakeOrder, render_order
from tests.hostile.corpus import (
    AMOUNTS,
    DATES,
    MEGABYTE,
    STATUSES,
    TEXTS,
    WRONG_TYPES,
    hostile_order,
    raw_controls,
)

NO_RETRY = HttpSettings(connect_timeout=1, read_timeout=1, retries=0, backoff=0, max_wait=0)
Handler = Callable[[httpx.Request], httpx.Response]


def short(value: object) -> str:
    """A test id: the start of the value's repr."""
    return repr(value)[:30]


def http(handler: Handler) -> JsonHttp:
    return JsonHttp("http://shop.test", NO_RETRY, transport=httpx.MockTransport(handler))


def json_response(body: Any, status: int = 200) -> httpx.Response:
    # allow_nan: a platform may well send NaN or Infinity, and Python's json reads them.
    text = json.dumps(body, allow_nan=True)
    return httpx.Response(
        status, content=text.encode(), headers={"content-type": "application/json"}
    )


def assert_one_line(error: BaseException) -> None:
    message = str(error)
    assert message and "\n" not in message and len(message) < 300, message
    assert not raw_controls(message), message
    assert "Traceback" not in message


def assert_sane(order: Order) -> None:
    """What every view relies on: bounded texts, plausible times, bounded lists."""
    for text in (order.order_no, order.product_name, order.merchant, order.account,
                 order.raw_status, order.currency, *order.card_codes):  # fmt: skip
        assert len(text) <= FIELD_LIMIT + 16  # cut, then maybe " +2" (more items) added
        assert not any(0xD800 <= ord(ch) < 0xE000 for ch in text)
    if order.label is not None:
        assert len(order.label.text) <= FIELD_LIMIT + 1
    times = [order.created_at, order.updated_at, order.paid_at, order.delivered_at,
             order.pay_deadline, order.promised_by, *(e.at for e in order.timeline)]  # fmt: skip
    for when in times:
        if when is not None:
            assert when.tzinfo is not None and EARLIEST <= when < LATEST
            when.astimezone()  # the views show local time: must not overflow
    assert order.amount.is_finite() and abs(order.amount) < Decimal(10) ** 15
    assert len(order.card_codes) <= LIST_LIMIT and len(order.timeline) <= LIST_LIMIT
    assert len(str(order.quantity)) < 20


# -- kameng (kameng-tui's own API) ---------------------------------------------------------------


def kameng_payload(change: dict[str, Any], text: str = "plain") -> dict[str, Any]:
    return {**encode_order(hostile_order(1, text)), **change}


async def kameng_fetch(orders: list[Any], **body: Any) -> list[Order]:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response({"data": orders, "cursor": "c1", "total": len(orders), **body})

    backend = KamengBackend("p", "http://shop.test", "tok", http=http(handler))
    try:
        return (await backend.fetch_changes(None)).orders
    finally:
        await backend.aclose()


@pytest.mark.parametrize("name", sorted(TEXTS))
async def test_kameng_keeps_hostile_text_as_data(name: str) -> None:
    text = TEXTS[name]
    [order] = await kameng_fetch([kameng_payload({}, text)])
    assert_sane(order)
    assert order.product_name == bounded(text)
    assert order.label is not None and order.label.text == bounded(text)
    assert order.card_codes[0] == bounded(text)
    assert order.timeline[0].note == bounded(text)


KAMENG_FIELDS = ["order_no", "status", "raw_status", "amount", "quantity", "created_at",
                 "updated_at", "paid_at", "label", "card_codes", "timeline", "refund",
                 "product_type", "merchant_verified", "currency"]  # fmt: skip


@pytest.mark.parametrize("field", KAMENG_FIELDS)
@pytest.mark.parametrize("value", WRONG_TYPES, ids=short)
async def test_kameng_wrong_types_are_a_one_line_error_or_a_sane_order(
    field: str, value: Any
) -> None:
    try:
        orders = await kameng_fetch([kameng_payload({field: value})])
    except BackendError as exc:
        assert_one_line(exc)
        assert "malformed answer" in str(exc)
    else:
        assert_sane(orders[0])


@pytest.mark.parametrize("name", sorted(DATES))
async def test_kameng_times_outside_iso_8601_are_refused(name: str) -> None:
    value = DATES[name]
    try:
        [order] = await kameng_fetch([kameng_payload({"updated_at": value})])
    except BackendError as exc:
        assert_one_line(exc)
    else:
        assert name == "nanoseconds"  # the one valid ISO 8601 time of the lot
        assert_sane(order)


@pytest.mark.parametrize("value", STATUSES, ids=short)
async def test_kameng_unknown_statuses_are_flagged_not_fatal(value: Any) -> None:
    try:
        [order] = await kameng_fetch([kameng_payload({"status": value, "raw_status": ""})])
    except BackendError as exc:
        assert_one_line(exc)
        assert not isinstance(value, str)
    else:
        assert order.status is OrderStatus.ABNORMAL
        assert order.raw_status == bounded(value)


@pytest.mark.parametrize("value", AMOUNTS, ids=short)
async def test_kameng_amounts(value: Any) -> None:
    try:
        [order] = await kameng_fetch([kameng_payload({"amount": value})])
    except BackendError as exc:
        assert_one_line(exc)
    else:
        assert_sane(order)
        assert value in ("-0", "１２")


async def test_kameng_caps_lists_and_keeps_the_newest_events() -> None:
    payload = kameng_payload({})
    event = payload["timeline"][0]
    payload["card_codes"] = [f"C{i}" for i in range(5000)]
    payload["timeline"] = [{**event, "note": str(i)} for i in range(5000)]
    [order] = await kameng_fetch([payload])
    assert_sane(order)
    assert order.card_codes[-1] == f"C{LIST_LIMIT - 1}"
    assert order.timeline[-1].note == "4999"


MALFORMED_ENVELOPES: list[Any] = [None, [], "text", 7, {"data": {}}, {"data": "x"}]
MALFORMED_ENVELOPES += [{"data": [1]}, {"data": [None]}]
MALFORMED_ENVELOPES += [{"data": [], "cursor": ["x"], "total": "many", "more": "yes"}]


@pytest.mark.parametrize("body", MALFORMED_ENVELOPES, ids=short)
async def test_kameng_malformed_envelopes(body: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(body)

    backend = KamengBackend("p", "http://shop.test", "tok", http=http(handler))
    try:
        result = await backend.fetch_changes(None)
    except BackendError as exc:
        assert_one_line(exc)
    else:
        assert result.orders == [] and result.total == 0 and not result.more


@pytest.mark.parametrize("name", ["osc0_title", "markup_mixed", "megabyte", "newlines"])
async def test_kameng_error_messages_from_the_platform_are_cleaned(name: str) -> None:
    text = TEXTS[name]

    def handler(request: httpx.Request) -> httpx.Response:
        return json_response({"error": {"code": "refused", "message": text}}, 409)

    backend = KamengBackend("p", "http://shop.test", "tok", http=http(handler))
    with pytest.raises(BackendError) as caught:
        await backend.perform("KM1", Action.URGE)
    assert_one_line(caught.value)
    with pytest.raises(BackendError) as caught:
        await backend.get_order("KM1")
    assert_one_line(caught.value)


@pytest.mark.parametrize("name", ["osc0_title", "markup_close", "nul", "bidi", "emoji"])
async def test_order_numbers_are_one_path_segment(name: str) -> None:
    number = "../x?y#z/" + TEXTS[name]
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return json_response({"error": {"code": "not_found", "message": "no"}}, 404)

    backend = KamengBackend("p", "http://shop.test", "tok", http=http(handler))
    assert await backend.get_order(number) is None
    [url] = seen
    raw = url.raw_path  # path and query, still escaped
    assert raw.startswith(b"/api/v1/orders/") and raw.count(b"/") == 4 and b"?" not in raw
    assert url.path == f"/api/v1/orders/{number}"


# Transport-level garbage: JsonHttp's business (backends/http.py), checked here through an
# adapter because it is where a hostile platform's bytes enter.
GARBAGE_BODIES = {
    "html": b"<html><body>502 Bad Gateway</body></html>",
    "invalid_utf8": b'{"data": ["\xff\xfe"]}',
    "truncated": b'{"data": [',
    "nan_only": b"NaN",
}


@pytest.mark.parametrize("name", sorted(GARBAGE_BODIES))
async def test_garbage_bodies_are_one_line_errors(name: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=GARBAGE_BODIES[name])

    backend = KamengBackend("p", "http://shop.test", "tok", http=http(handler))
    with pytest.raises(BackendError) as caught:
        await backend.fetch_changes(None)
    assert_one_line(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply_nested"),
        pytest.param(b'{"total": ' + b"9" * 5000 + b"}", id="5000_digit_integer"),
    ],
)
async def test_json_that_python_cannot_read_is_a_one_line_error(content: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content)

    backend = KamengBackend("p", "http://shop.test", "tok", http=http(handler))
    with pytest.raises(BackendError) as caught:
        await backend.fetch_changes(None)
    assert_one_line(caught.value)


# -- Dujiao-Next -------------------------------------------------------------------------------


def next_hostile(text: str, **extra: Any) -> dict[str, Any]:
    return next_order(
        "DJ1",
        "delivered",
        guest_email=text,
        currency=text,
        items=[{"title": {"zh-CN": text}, "quantity": 1}, {"title": text, "quantity": 2}],
        fulfillment={"payload": f"{text}\nCODE-2", "delivered_at": "2026-11-25T10:32:00+08:00"},
        **extra,
    )


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_dujiao_next_keeps_hostile_text_as_data(name: str) -> None:
    text = TEXTS[name]
    order = parse_order(next_hostile(text))
    assert_sane(order)
    assert order.account == bounded(text)
    assert order.product_name.startswith(bounded(text)) and order.product_name.endswith(" +1")
    assert order.quantity == 3
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert order.card_codes == (*(bounded(line) for line in lines), "CODE-2")[:LIST_LIMIT]


NEXT_FIELDS = ["order_no", "status", "total_amount", "refunded_amount", "created_at",
               "paid_at", "canceled_at", "expires_at", "items", "fulfillment", "currency",
               "guest_email"]  # fmt: skip


@pytest.mark.parametrize("field", NEXT_FIELDS)
@pytest.mark.parametrize("value", WRONG_TYPES, ids=short)
def test_dujiao_next_wrong_types_are_a_one_line_error_or_a_sane_order(
    field: str, value: Any
) -> None:
    data = {**next_order("DJ1", "paid"), field: value}
    try:
        order = parse_order(data)
    except BackendError as exc:
        assert_one_line(exc)
    else:
        assert_sane(order)


@pytest.mark.parametrize("value", [*WRONG_TYPES, "x" * MEGABYTE, {"zh-CN": ["x"]}], ids=short)
def test_dujiao_next_item_fields_of_the_wrong_type(value: Any) -> None:
    for item in ({"title": value, "quantity": 1}, {"title": "t", "quantity": value}, value):
        order = parse_order(next_order("DJ1", "paid", items=[item, item]))
        assert_sane(order)
        assert order.quantity >= 1


CST = timezone(timedelta(hours=8))
EXPECTED_TIMES: dict[str, datetime | None] = {
    "slashes": datetime(2026, 11, 25, 10, 0, tzinfo=CST),
    "space": datetime(2026, 11, 25, 10, 0, tzinfo=CST),
    "naive_iso": datetime(2026, 11, 25, 10, 0, tzinfo=CST),
    "date_only": datetime(2026, 11, 25, tzinfo=CST),
    "nanoseconds": datetime(2026, 11, 25, 10, 30, 0, 123456, tzinfo=CST),
    "epoch_s": datetime(2025, 11, 25, 2, 0, tzinfo=UTC),
    "epoch_ms": datetime(2025, 11, 25, 2, 0, tzinfo=UTC),
    "epoch_float": datetime(2025, 11, 25, 2, 0, 0, 500000, tzinfo=UTC),
    "epoch_text": datetime(2025, 11, 25, 2, 0, tzinfo=UTC),
    "empty": None,
    "null": None,
    "go_zero": None,
}


@pytest.mark.parametrize("name", sorted(DATES))
def test_dujiao_next_times_in_other_formats(name: str) -> None:
    """Common formats are read; an unset time is None; anything else is a one-line error."""
    value = DATES[name]
    try:
        order = parse_order(next_order("DJ1", "paid", paid_at=value))
    except BackendError as exc:
        assert name not in EXPECTED_TIMES
        assert_one_line(exc)
        assert "paid_at" in str(exc)
    else:
        assert name in EXPECTED_TIMES
        assert order.paid_at == EXPECTED_TIMES[name]
        assert_sane(order)


@pytest.mark.parametrize("name", sorted(DATES))
def test_dujiao_next_created_at_is_required(name: str) -> None:
    try:
        order = parse_order(next_order("DJ1", "paid", created_at=DATES[name]))
    except BackendError as exc:
        assert_one_line(exc)
        assert EXPECTED_TIMES.get(name, "error") is None or name not in EXPECTED_TIMES
    else:
        assert order.created_at == EXPECTED_TIMES[name]


@pytest.mark.parametrize("value", STATUSES, ids=short)
def test_dujiao_next_unknown_statuses_are_shown_raw_and_flagged(value: Any) -> None:
    order = parse_order(next_order("DJ1", value))
    assert_sane(order)
    assert order.status is OrderStatus.ABNORMAL
    if isinstance(value, str):
        assert order.raw_status == bounded(value, 64)
    elif value is not None:
        assert order.raw_status == str(value)


@pytest.mark.parametrize("value", AMOUNTS, ids=short)
def test_dujiao_next_amounts(value: Any) -> None:
    try:
        order = parse_order(next_order("DJ1", "paid", total_amount=value))
    except BackendError as exc:
        assert_one_line(exc)
    else:
        assert_sane(order)
        assert value in (None, "", "-0", "１２", 1.5)


def test_dujiao_next_numeric_order_numbers_and_many_codes() -> None:
    payload = "\n".join(f"C{i}" for i in range(5000))
    data = next_order("-", "delivered", fulfillment={"payload": payload, "delivered_at": None})
    order = parse_order({**data, "order_no": 12345})
    assert order.order_no == "12345"
    assert len(order.card_codes) == LIST_LIMIT


@pytest.fixture
def next_shop() -> Iterator[dict[str, Any]]:
    """Answers for a MockTransport Dujiao-Next: set `orders` and `pagination`."""
    yield {"orders": [], "pagination": {}, "msg": "success"}


def next_backend(shop: dict[str, Any], mode: str) -> DujiaoNextBackend:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/admin/login":
            return json_response(envelope({"token": "t"}))
        if request.url.path == "/api/v1/admin/orders":
            return json_response(envelope(shop["orders"], pagination=shop["pagination"]))
        if shop["msg"] != "success":
            return json_response({"status_code": 50001, "msg": shop["msg"], "data": None}, 500)
        return json_response(envelope(shop["orders"][0] if shop["orders"] else None))

    return DujiaoNextBackend(
        "next", "http://shop.test", mode=mode, watch=["DJ1"], guest_email="a@b.c",
        guest_password="pw", username="admin", password="pw", http=http(handler),
    )  # fmt: skip


@pytest.mark.parametrize("name", ["osc0_title", "megabyte", "lone_surrogate", "markup_mixed"])
async def test_dujiao_next_guest_and_admin_end_to_end(next_shop: dict[str, Any], name: str) -> None:
    next_shop["orders"] = [next_hostile(TEXTS[name])]
    for mode in ("guest", "admin"):
        backend = next_backend(next_shop, mode)
        result = await backend.fetch_changes(None)
        [order] = result.orders
        assert_sane(order)
        assert order.account == bounded(TEXTS[name])


@pytest.mark.parametrize("value", WRONG_TYPES, ids=short)
async def test_dujiao_next_admin_pagination_of_the_wrong_type(
    next_shop: dict[str, Any], value: Any
) -> None:
    next_shop["orders"] = [next_order("DJ1", "paid")]
    next_shop["pagination"] = {"total": value, "total_page": value, "page": value}
    result = await next_backend(next_shop, "admin").fetch_changes(None)
    assert len(result.orders) == 1 and 0 <= result.total <= 10**9


@pytest.mark.parametrize("name", ["osc0_title", "megabyte", "markup_close", "newlines"])
async def test_dujiao_next_error_messages_are_cleaned(next_shop: dict[str, Any], name: str) -> None:
    next_shop["orders"] = [next_order("DJ1", "paid")]
    next_shop["msg"] = TEXTS[name]
    with pytest.raises(BackendError) as caught:
        await next_backend(next_shop, "guest").fetch_changes(None)
    assert_one_line(caught.value)


# -- dujiaoka (HTML pages) ---------------------------------------------------------------------


def dujiaoka_backend(page: str, code: Any = 200) -> DujiaokaBackend:
    def handler(request: httpx.Request) -> httpx.Response:
        if "status" in request.url.path:
            return json_response({"msg": "x", "code": code})
        # surrogatepass: bytes no UTF-8 decoder accepts, as a broken page would send
        content = page.encode("utf-8", "surrogatepass")
        return httpx.Response(200, content=content, headers={"content-type": "text/html"})

    return DujiaokaBackend(
        "faka", "http://shop.test", watch=["ABCDEFGH12345678"], clock=ManualClock(FIXED_EPOCH),
        http=http(handler),
    )  # fmt: skip


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("name", sorted(TEXTS))
async def test_dujiaoka_pages_with_hostile_text(theme: str, name: str) -> None:
    text = TEXTS[name]
    page = render_order(theme, "zh_CN", FakeOrder(5, goods=text, info=text), "ABCDEFGH12345678")
    result = await dujiaoka_backend(page).fetch_changes(None)
    [order] = result.orders
    assert_sane(order)
    assert order.status is OrderStatus.FAILED
    if order.label is not None:
        assert len(order.label.text) <= 201


HOSTILE_PAGES = {
    "marked_section": "<![foo[ x ]]><b>已完成</b><textarea>CODE</textarea>",
    "bad_marked_section": "<![ <b>已完成</b>",
    "doctype_subset": "<!DOCTYPE x [ <!ELEMENT %> ]><p>已完成</p><textarea>CODE</textarea>",
    "unclosed_textarea": "<p>已完成</p><textarea>CODE-1\nCODE-2",
    "many_codes": "<p>已完成</p><textarea>" + "C\n" * 100_000 + "</textarea>",
    "megabyte_label_text": "<p>" + "已完成" * 300_000 + "</p>",
    "nul_bytes": "<p>已\x00完成</p>\x00<textarea>\x00</textarea>",
    "huge_amount": "<p>已完成</p><p>金额：" + "9" * 10_000 + "</p>",
    "script_only": "<script>document.write('已完成')</script>",
    "not_found": "<div>订单不存在</div>",
    "empty": "",
    "binary": "\ufffd\ufffd<\x01\x02>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_PAGES))
async def test_dujiaoka_hostile_pages(name: str) -> None:
    page = HOSTILE_PAGES[name]
    assert parse_detail(page) is None or parse_detail(page) == parse_detail(page)
    try:
        result = await dujiaoka_backend(page).fetch_changes(None)
    except BackendError as exc:
        assert_one_line(exc)
    else:
        for order in result.orders:
            assert_sane(order)
        if name == "not_found":  # the error page's own message, alone in its element
            assert [u.problem.value for u in result.unreadable] == ["not_found"]


@pytest.mark.parametrize("code", [*WRONG_TYPES, 400001, 400000], ids=short)
async def test_dujiaoka_status_codes_of_the_wrong_type(code: Any) -> None:
    page = HOSTILE_PAGES["marked_section"]
    try:
        result = await dujiaoka_backend(page, code).fetch_changes(None)
    except BackendError as exc:
        assert_one_line(exc)
    else:
        for order in result.orders:
            assert_sane(order)
