"""Property-based tests (hypothesis) for every parser of untrusted input.

Each parser, fed anything JSON can carry (or any text, for HTML and headers), gives a valid
value or its module's documented error: `WireError` (api/wire.py), `BackendError` (adapters),
`ConfigError` (config.py); never another exception. And `text.clean` never lets a control
character through. Kept quick: small example counts, no deadline.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kameng_tui.api.wire import EARLIEST, LATEST, WireError, decode_order, encode_order
from kameng_tui.backends import dujiao_next, dujiaoka
from kameng_tui.backends.base import BackendError
from kameng_tui.backends.http import retry_after_seconds
from kameng_tui.backends.kameng import KamengBackend
from kameng_tui.config import ConfigError, parse
from kameng_tui.domain.order import Order, Refund, StatusLabel, TimelineEvent
from kameng_tui.domain.status import Actor, LabelCode, OrderStatus, ProductType
from kameng_tui.domain.text import FIELD_LIMIT, bounded, clean
from kameng_tui.output import record, to_csv, to_json
from tests.backends.fake_dujiao_next import order as next_order
from tests.backends.fake_dujiaoka import THEMES, FakeOrder, render_order
from tests.hostile.corpus import DATES, SHORT_TEXTS, hostile_order, raw_controls
from tests.hostile.test_adapters import assert_sane, http, json_response

# The lifecycle a platform can send; "unreadable" is only the tracker's own stand-in.
WIRE_STATUSES = [s for s in OrderStatus if s is not OrderStatus.UNREADABLE]
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(sorted(SHORT_TEXTS.values())),
    st.sampled_from([v for v in DATES.values() if isinstance(v, str) and len(v) < 100]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

BASE = encode_order(hostile_order(1, "plain"))


def mutated(base: dict[str, Any], keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` with some of its fields replaced by anything, or removed."""
    missing = object()
    changes = st.dictionaries(
        st.sampled_from(keys), st.one_of(json_values, st.just(missing)), min_size=1, max_size=4
    )
    return changes.map(lambda c: {k: v for k, v in {**base, **c}.items() if v is not missing})


# -- the kameng wire format --------------------------------------------------------------------


@QUICK
@given(json_values)
def test_decode_order_of_anything(value: Any) -> None:
    try:
        order = decode_order(value)
    except WireError:
        return
    assert_sane(order)


@QUICK
@given(mutated(BASE, sorted(BASE)))
def test_decode_order_of_an_order_with_any_field_changed(value: dict[str, Any]) -> None:
    try:
        order = decode_order(value)
    except WireError as exc:
        assert "\n" not in str(exc)
        return
    assert_sane(order)


@QUICK
@given(mutated(BASE["timeline"][0], ["at", "status", "raw_status", "note"]))
def test_decode_timeline_events_of_anything(event: dict[str, Any]) -> None:
    try:
        order = decode_order({**BASE, "timeline": [event]})
    except WireError:
        return
    assert_sane(order)


# What `bounded` keeps as it is: anything but lone surrogates.
safe_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
aware_times = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1), timezones=st.just(UTC)
)
amounts = st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False)


events = st.builds(
    TimelineEvent, aware_times, st.sampled_from(WIRE_STATUSES), safe_text.filter(bool), safe_text
)


@st.composite
def orders(draw: st.DrawFn) -> Order:
    at = draw(aware_times)
    label = draw(st.none() | st.builds(StatusLabel, safe_text, st.sampled_from(LabelCode),
                                       st.sampled_from(Actor)))  # fmt: skip
    return Order(
        order_no=draw(safe_text),
        product_name=draw(safe_text),
        product_type=draw(st.sampled_from(ProductType)),
        merchant=draw(safe_text),
        merchant_verified=draw(st.booleans()),
        quantity=draw(st.integers(0, 10**9)),
        amount=draw(amounts),
        currency=draw(safe_text),
        account=draw(safe_text),
        status=draw(st.sampled_from(WIRE_STATUSES)),
        raw_status=draw(safe_text.filter(bool)),
        label=label,
        created_at=at,
        updated_at=at + timedelta(minutes=draw(st.integers(0, 10**5))),
        paid_at=draw(st.none() | aware_times),
        card_codes=tuple(draw(st.lists(safe_text, max_size=3))),
        refund=draw(st.none() | st.builds(Refund, amounts, st.none() | aware_times, safe_text)),
        timeline=tuple(draw(st.lists(events, max_size=3))),
    )


@QUICK
@given(orders())
def test_wire_round_trip(order: Order) -> None:
    """Whatever the text (markup, controls, emoji), the wire gives the order back unchanged."""
    assert decode_order(json.loads(json.dumps(encode_order(order)))) == order


@QUICK
@given(json_values)
def test_kameng_backend_with_any_answer(body: Any) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(body)

    async def fetch() -> None:
        backend = KamengBackend("p", "http://shop.test", "t", http=http(handler))
        try:
            result = await backend.fetch_changes(None)
        except BackendError:
            return
        finally:
            await backend.aclose()
        for order in result.orders:
            assert_sane(order)
        assert isinstance(result.total, int)

    asyncio.run(fetch())


# -- Dujiao-Next --------------------------------------------------------------------------------

NEXT_BASE = next_order(
    "DJ1",
    "delivered",
    paid_at="2026-11-25T10:31:00+08:00",
    fulfillment={"payload": "A\nB", "delivered_at": "2026-11-25T10:32:00+08:00"},
)


@QUICK
@given(json_values)
def test_dujiao_next_parse_order_of_anything(value: Any) -> None:
    try:
        order = dujiao_next.parse_order(value)
    except BackendError:
        return
    assert_sane(order)


@QUICK
@given(mutated(NEXT_BASE, sorted(NEXT_BASE)))
def test_dujiao_next_order_with_any_field_changed(value: dict[str, Any]) -> None:
    try:
        order = dujiao_next.parse_order(value)
    except BackendError as exc:
        assert "\n" not in str(exc) and not raw_controls(str(exc))
        return
    assert_sane(order)


@QUICK
@given(mutated(NEXT_BASE["items"][0], ["title", "quantity", "unit_price"]))
def test_dujiao_next_items_of_anything(item: dict[str, Any]) -> None:
    order = dujiao_next.parse_order({**NEXT_BASE, "items": [item, item]})
    assert_sane(order)


@QUICK
@given(st.one_of(json_values, st.integers(-(10**20), 10**20), st.floats()))
def test_dujiao_next_times_of_anything(value: Any) -> None:
    try:
        when = dujiao_next._time({"t": value}, "t")
    except BackendError as exc:
        assert not raw_controls(str(exc))
        return
    if when is not None:
        assert when.tzinfo is not None and EARLIEST <= when < LATEST
        when.astimezone()


@QUICK
@given(json_values)
def test_dujiao_next_money_of_anything(value: Any) -> None:
    try:
        amount = dujiao_next._money({"m": value}, "m")
    except BackendError:
        return
    assert amount.is_finite() and abs(amount) < Decimal(10) ** 15
    assert f"{amount:,.2f}"  # the list formats it: must be quick and must not raise


# -- dujiaoka (HTML) ---------------------------------------------------------------------------

MARKUP_BITS = [
    "<",
    ">",
    "</",
    "<!",
    "<![",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?",
    "<!DOCTYPE x [",
]
TAG_BITS = ["<textarea>", "</textarea>", "<script>", "</script>", "<style>", "=", '"', "'"]
TEXT_BITS = ["&", "&#", "&#x110000;", "&amp;", "\x00", "\n", " ", "已完成", "失败", "异常"]
LABEL_BITS = ["订单状态：", "金额：", "商品名称："]
HTML_BITS = [*MARKUP_BITS, *TAG_BITS, *TEXT_BITS, *LABEL_BITS]
html_bits = st.sampled_from(HTML_BITS)
html = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(html_bits, st.text(max_size=5)), max_size=40).map("".join),
)


@QUICK
@given(html)
def test_dujiaoka_parse_detail_of_anything(page: str) -> None:
    detail = dujiaoka.parse_detail(page)
    if detail is not None:
        assert detail.label is None or len(detail.label) <= 201
        assert detail.amount is None or detail.amount.is_finite()
        assert len(detail.product) <= FIELD_LIMIT + 1


@QUICK
@given(st.sampled_from(sorted(THEMES)), hostile_text, hostile_text, st.text(max_size=12))
def test_dujiaoka_themed_pages_with_any_values(
    theme: str, product: str, info: str, amount: str
) -> None:
    order = FakeOrder(5, goods=product, info=info, actual_price=amount)
    page = render_order(theme, "zh_CN", order, "ABCDEFGH12345678")
    detail = dujiaoka.parse_detail(page)
    if detail is not None:
        label = dujiaoka._label_for(OrderStatus.FAILED, detail.info)
        assert label is None or len(label.text) <= 201


# -- headers, texts, output ------------------------------------------------------------------


ODD_RETRY_AFTER = ["²", "Wed, 21 Oct 2015 07:28:00 -0000", "9" * 400, "Thu, 1 Jan 1970 0:0:0 GMT"]


@QUICK
@given(st.none() | st.text(max_size=40) | st.sampled_from(ODD_RETRY_AFTER))
def test_retry_after_of_anything(value: str | None) -> None:
    seconds = retry_after_seconds(value)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.booleans(), st.integers(1, 50))
def test_clean_never_lets_a_control_character_through(
    text: str, multiline: bool, limit: int
) -> None:
    shown = clean(text, multiline=multiline, limit=limit)
    assert not raw_controls(shown.replace("\n", "") if multiline else shown)
    if not multiline:
        assert len(shown.splitlines()) <= 1  # no line break of any kind
    shown.encode("utf-8")  # no lone surrogate: the terminal write cannot fail


@QUICK
@given(st.text(), st.integers(1, 50))
def test_bounded_keeps_texts_storable(text: str, limit: int) -> None:
    kept = bounded(text, limit)
    kept.encode("utf-8")
    assert len(kept) <= limit + 1
    if len(text) <= limit and text.encode("utf-8", "surrogatepass").decode("utf-8", "replace"):
        assert kept == text or any(0xD800 <= ord(ch) < 0xE000 for ch in text)


NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


@QUICK
@given(st.lists(hostile_text, min_size=1, max_size=5))
def test_output_formats_of_any_text(texts: list[str]) -> None:
    records = [record(hostile_order(i, text), NOW) for i, text in enumerate(texts)]
    out = to_json(records)
    out.encode("utf-8")
    assert not raw_controls(out) and json.loads(out) == records
    out = to_csv(records)
    out.encode("utf-8")
    assert not raw_controls(out) and out.count("\n") == len(records) + 1
    for row in csv.DictReader(io.StringIO(out)):
        assert not row["product_name"].startswith(("=", "+", "-", "@"))


# -- configuration (the user's file, but read from disk) --------------------------------------

config_options = st.dictionaries(
    st.sampled_from(["platform", "base_url", "token_env", "interval", "stalled_minutes", "orders",
                     "seed", "notify", "bell", "mode", "username", "password_env", "staff",
                     "read_only", "guest_email", "guest_password_env", "token"]),
    json_values,
    max_size=6,
)  # fmt: skip


@QUICK
@given(st.dictionaries(st.text(max_size=6), config_options, max_size=3), st.booleans())
@example({"x": {"platform": "demo", "stalled_minutes": math.inf}}, False)
@example({"x": {"platform": "demo", "interval": math.nan}}, True)
def test_config_parse_of_anything(tables: dict[str, Any], default: bool) -> None:
    data: dict[str, Any] = {"profiles": tables}
    if default and tables:
        data["default_profile"] = next(iter(tables))
    try:
        config = parse(data)
    except ConfigError as exc:
        assert "\n" not in str(exc)
        return
    for profile in config.profiles.values():
        profile.policy  # noqa: B018 - builds the attention policy from the file's numbers
        interval = profile.get("interval", 5)
        assert math.isfinite(interval) and interval > 0
