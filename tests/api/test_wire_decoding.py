"""Decoding the kameng wire format with msgspec (kameng_tui/api/wire.py, structs.py): every
refusal a WireError naming the field, the lenient readings clients always had, one bad order
of a page left out with its reason, and bytes msgspec will not read given the outcome Python's
json module gives them."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kameng_tui.api import structs
from kameng_tui.api.wire import (
    WireError,
    decode_order,
    decode_page,
    encode_order,
    error_body,
    page_of,
)
from kameng_tui.domain.status import Actor, LabelCode, OrderStatus, ProductType
from kameng_tui.domain.text import FIELD_LIMIT, LIST_LIMIT
from tests.hostile.corpus import hostile_order
from tests.hostile.test_properties import json_values

ORDER = encode_order(hostile_order(1, "plain"))
EVENT = ORDER["timeline"][0]


def page(*items: Any, **envelope: Any) -> bytes:
    body = {"data": list(items), "cursor": "c2", "more": False, "total": len(items), **envelope}
    return json.dumps(body, allow_nan=True).encode()


def refusal(value: object) -> str:
    with pytest.raises(WireError) as error:
        decode_order(value)
    return str(error.value)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"order_no": 7}, "order.order_no: expected a string"),
        ({"status": None}, "order.status: expected a string"),
        ({"raw_status": ["x"]}, "order.raw_status: expected a string"),
        ({"product_name": True}, "order.product_name: expected a string"),
        ({"shop": 1}, "order.shop: expected a string"),
        ({"amount": "x"}, "order.amount: not a decimal: 'x'"),
        ({"amount": "1" * 65}, "order.amount: not a decimal"),
        ({"amount": "NaN"}, "order.amount: not a finite decimal"),
        ({"amount": "1e15"}, "order.amount: out of range"),
        ({"amount": None}, "order.amount: expected a string"),
        ({"quantity": None}, "order.quantity: expected an integer"),
        ({"quantity": 2.0}, "order.quantity: expected an integer"),
        ({"quantity": True}, "order.quantity: expected an integer"),
        ({"quantity": "1"}, "order.quantity: expected an integer"),
        ({"quantity": -1}, "order.quantity: out of range"),
        ({"quantity": 10**9 + 1}, "order.quantity: out of range"),
        ({"quantity": 10**30}, "order.quantity: out of range"),
        ({"merchant_verified": 1}, "order.merchant_verified: expected true or false"),
        ({"created_at": None}, "order.created_at: missing"),
        ({"created_at": 1}, "order.created_at: expected an ISO 8601 time"),
        ({"updated_at": "soon"}, "order.updated_at: not an ISO 8601 time: 'soon'"),
        ({"paid_at": "2026-11-25T10:00:00"}, "order.paid_at: time without a timezone"),
        ({"paid_at": "1969-12-31T00:00:00+00:00"}, "order.paid_at: out of range"),
        ({"promised_by": "3000-01-01T00:00:00+00:00"}, "order.promised_by: out of range"),
        ({"pay_deadline": []}, "order.pay_deadline: expected an ISO 8601 time"),
        ({"card_codes": "A-1"}, "order.card_codes: expected an array"),
        ({"card_codes": ["A-1", None]}, "order.card_codes: expected strings"),
        ({"timeline": {}}, "order.timeline: expected an array"),
        ({"timeline": [EVENT, 5]}, "order.timeline[1]: expected an object"),
        ({"timeline": [{"status": "paid"}]}, "order.timeline[0].at: missing"),
        ({"timeline": [{**EVENT, "at": None}]}, "order.timeline[0].at: missing"),
        ({"timeline": [{**EVENT, "at": "x"}]}, "order.timeline[0].at: not an ISO 8601 time"),
        ({"timeline": [{**EVENT, "status": 3}]}, "order.timeline[0].status: expected a string"),
        ({"timeline": [{**EVENT, "note": 3}]}, "order.timeline[0].note: expected a string"),
        ({"label": "late"}, "order.label: expected an object"),
        ({"label": {"code": "other"}}, "order.label.text: missing"),
        ({"label": {"text": None}}, "order.label.text: expected a string"),
        ({"label": {"text": "t", "actor": 1}}, "order.label.actor: expected a string"),
        ({"refund": []}, "order.refund: expected an object"),
        ({"refund": {"at": None}}, "order.refund.amount: missing"),
        ({"refund": {"amount": "1,5"}}, "order.refund.amount: not a decimal: '1,5'"),
        ({"refund": {"amount": "1", "at": "x"}}, "order.refund.at: not an ISO 8601 time"),
        ({"refund": {"amount": "1", "reason": 0}}, "order.refund.reason: expected a string"),
    ],
)
def test_every_refusal_names_the_field(change: dict[str, Any], complaint: str) -> None:
    said = refusal({**ORDER, **change})
    assert said.startswith(complaint), said
    # The same from bytes, as one order of a page: left out with the same reason.
    result = decode_page(page(ORDER, {**ORDER, **change}))
    assert len(result.orders) == 1
    assert result.skipped == [said.replace("order", "data[1]", 1)]


@pytest.mark.parametrize("key", ["order_no", "amount", "status", "created_at", "updated_at"])
def test_a_required_field_missing_is_named(key: str) -> None:
    assert refusal({k: v for k, v in ORDER.items() if k != key}) == f"order.{key}: missing"


@pytest.mark.parametrize("value", [None, 5, "order", [ORDER], "x\ud800"])
def test_anything_but_an_object_is_refused(value: object) -> None:
    assert refusal(value) == "order: expected an object"


def test_a_null_stands_for_the_default_where_a_field_has_one() -> None:
    required = ("order_no", "amount", "status", "created_at", "updated_at", "quantity")
    nulls = {key: None for key in ORDER if key not in required}
    label = {"text": "t", "code": None, "actor": None}
    event = {**EVENT, "raw_status": None, "note": None}
    order = decode_order({**ORDER, **nulls, "label": label, "timeline": [event]})
    assert (order.product_name, order.merchant, order.account, order.shop) == ("", "", "", "")
    assert order.product_type is ProductType.OTHER and order.currency == "CNY"
    assert order.merchant_verified is False and order.card_codes == () and order.refund is None
    assert order.label is not None and order.label.code is LabelCode.OTHER
    assert order.label.actor is Actor.SUPPORT  # the code's own
    assert order.timeline[0].raw_status == EVENT["status"] and order.timeline[0].note == ""
    # Absent is the same as null.
    bare = {k: ORDER[k] for k in required[:-1]}
    assert decode_order(bare).quantity == 1


def test_unknown_words_are_kept_and_flagged() -> None:
    order = decode_order(
        {
            **ORDER,
            "status": "on_hold",
            "raw_status": "",
            "product_type": "gift",
            "label": {"text": "t", "code": "new_code", "actor": "robot"},
            "timeline": [{**EVENT, "status": "unreadable", "raw_status": ""}],
        }
    )
    assert order.status is OrderStatus.ABNORMAL and order.raw_status == "on_hold"
    assert order.product_type is ProductType.OTHER
    assert order.label is not None and order.label.code is LabelCode.OTHER
    assert order.label.actor is Actor.SUPPORT
    # In the timeline a shop's "unreadable" is kept as it was (it always has been).
    assert order.timeline[0].status is OrderStatus.UNREADABLE
    assert order.timeline[0].raw_status == ""
    # "unreadable" is the tracker's own stand-in: from a shop it is abnormal.
    flagged = decode_order({**ORDER, "status": "unreadable", "raw_status": ""})
    assert flagged.status is OrderStatus.ABNORMAL and flagged.raw_status == "unreadable"


def test_texts_are_bounded_both_ways() -> None:
    long = "長" * (FIELD_LIMIT + 10)
    value = {**ORDER, "product_name": long, "card_codes": ["x\ud800"], "shop": "a\x1fb"}
    for order in (decode_order(value), *page_of({"data": [value]}).orders):
        assert order.product_name == "長" * FIELD_LIMIT + "…"
        assert order.card_codes == ("x\ufffd",)
        assert order.shop == "a\u241fb"
    [order] = decode_page(page({**ORDER, "product_name": long, "shop": "a\x1fb"})).orders
    assert order.product_name == "長" * FIELD_LIMIT + "…" and order.shop == "a\u241fb"


def test_lists_keep_their_limit_and_the_newest_events() -> None:
    events = [{**EVENT, "note": str(i)} for i in range(LIST_LIMIT + 5)]
    value = {**ORDER, "timeline": events, "card_codes": ["c"] * (LIST_LIMIT + 5)}
    order = decode_order(value)
    assert len(order.card_codes) == LIST_LIMIT
    assert [e.note for e in order.timeline] == [str(i) for i in range(5, LIST_LIMIT + 5)]
    # Events older than those kept are not looked at, as before...
    events[0] = {"garbage": True}
    assert decode_order(value).timeline == order.timeline
    assert decode_page(page(value)).orders == [order]
    # ...and a bad one among those kept is named by its place in what the shop sent.
    events[-1] = {"status": "paid"}
    assert refusal(value) == f"order.timeline[{LIST_LIMIT + 4}].at: missing"


def test_one_bad_order_is_left_out_with_its_reason() -> None:
    items = [ORDER, {**ORDER, "amount": "x"}, 5, {**ORDER, "order_no": "KM2"}]
    for result in (decode_page(page(*items)), page_of(json.loads(page(*items)))):
        assert [o.order_no for o in result.orders] == [ORDER["order_no"], "KM2"]
        assert result.skipped == [
            "data[1].amount: not a decimal: 'x'",
            "data[2]: expected an object",
        ]


def test_the_envelope_is_read_as_before() -> None:
    result = decode_page(page(ORDER, cursor=5, more="yes", total="9"))
    assert (result.cursor, result.more, result.total) == (None, False, None)
    result = decode_page(page(ORDER, cursor="", more=True, total=9))
    assert (result.cursor, result.more, result.total) == ("", True, 9)
    for body in (b'{"data": {}}', b'{"cursor": "c"}', b"[]", b'"data"'):
        with pytest.raises(ValueError):
            decode_page(body)  # JsonHttp then parses it with json, and page_of says why
        with pytest.raises(WireError, match="no order list"):
            page_of(json.loads(body))


@pytest.mark.parametrize(
    "odd",
    [
        {"note": float("nan")},  # NaN and Infinity: Python's json reads them
        {"note": float("inf")},
        {"product_name": "x\ud800y"},  # a lone surrogate
        {"x\udc00": 1},  # ...even in a key no one reads
        {"unused": 1e400},  # a number msgspec will not hold
    ],
)
def test_json_only_python_reads_gives_the_same_outcome(odd: dict[str, Any]) -> None:
    body = page(ORDER, {**ORDER, **odd})
    try:
        result = decode_page(body)
    except ValueError:  # the whole page: JsonHttp falls back to json and page_of
        result = page_of(json.loads(body))
    assert len(result.orders) == 2 and not result.skipped
    assert result.orders[1].product_name in (ORDER["product_name"], "x\ufffdy")


def test_a_byte_order_mark_is_for_json_to_read() -> None:
    body = b"\xef\xbb\xbf" + page(ORDER)
    with pytest.raises(ValueError):
        decode_page(body)
    assert len(page_of(json.loads(body)).orders) == 1


def test_what_the_server_sends_fits_the_structs_exactly() -> None:
    """The structs are the format the OpenAPI file documents: the demo server's own answers
    must fit them strictly, without the client's lenient reading."""
    order = hostile_order(1, "plain", shop="hub-a")
    data = encode_order(order)
    wire = msgspec.convert(data, structs.Order)
    assert wire.shop == "hub-a"
    assert decode_order(data) == order
    body = json.dumps({"data": [data], "cursor": "c", "more": False, "total": 1})
    assert msgspec.json.decode(body, type=structs.OrderPage).data == [wire]
    assert msgspec.convert({"data": data}, structs.OrderAnswer).data == wire
    assert msgspec.convert(error_body("order_not_found", "no"), structs.Error).error.code == (
        "order_not_found"
    )


QUICK = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(st.lists(st.one_of(json_values, st.just(ORDER)), max_size=4), json_values)
def test_bytes_and_parsed_json_agree(items: list[Any], cursor: Any) -> None:
    """decode_page (msgspec) and page_of (Python's json): the same page, or decode_page
    refuses the bytes (JsonHttp then takes page_of's outcome)."""
    body = page(*items, cursor=cursor)
    expected = page_of(json.loads(body))
    try:
        result = decode_page(body)
    except ValueError:
        return
    assert result == expected
