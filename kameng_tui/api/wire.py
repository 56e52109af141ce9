"""Orders as JSON on kameng-tui's own API (docs/api.md), both ways.

Decoding treats every payload as untrusted: a wrong type, a bad decimal or date, a number or
time out of any plausible range, or a missing field is a `WireError` naming the field, never a
crash further up. Texts are cut to `FIELD_LIMIT` characters, card codes and timeline events to
`LIST_LIMIT` (the newest events kept).

msgspec reads the JSON into the structs of structs.py (the shape: types, required fields);
this module then checks what the values mean and builds `Order`s. A page is read in one pass:
the envelope with each order left as raw JSON, then order by order, so one bad order is left
out with its reason and the rest kept. What msgspec refuses goes a slower way with the same
outcome as ever: JSON only Python's json module reads (NaN, a byte-order mark, lone
surrogates) through `page_of`, and an order that does not fit the structs exactly (a null
where a field has a default, a bad event older than the newest LIST_LIMIT) through
`decode_order`'s lenient reading, which also words every refusal.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from sys import intern
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from kameng_tui.api import structs
from kameng_tui.api.structs import MAX_QUANTITY as MAX_QUANTITY
from kameng_tui.domain.order import (
    Order,
    PackedTimeline,
    Refund,
    StatusLabel,
    Timeline,
    TimelineEvent,
    step_index,
)
from kameng_tui.domain.status import LABEL_ACTOR, Actor, LabelCode, OrderStatus, ProductType
from kameng_tui.domain.text import FIELD_LIMIT, LIST_LIMIT, bounded, clean

API_PREFIX = "/api/v1"
# Beyond these an amount or a time is garbage, and near year 1 or 9999 date arithmetic and
# local-time conversion overflow: such values are refused where they enter.
MAX_AMOUNT_DIGITS = 15  # a trillion yuan a thousand times over
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def plausible_time(value: datetime) -> bool:
    """An aware time an order can carry: between 1970 and 3000."""
    # Its year settles it but within a day of either end (offsets are under a day), and
    # comparing aware times of different offsets is slow: 0.8 µs, nine times an order.
    return 1970 < value.year < 2999 or EARLIEST <= value < LATEST


def plausible_amount(value: Decimal) -> bool:
    """A finite amount under 10**15, judged by its exponent (abs() of 1e999999999 overflows)."""
    return value.is_finite() and (value.is_zero() or value.adjusted() < MAX_AMOUNT_DIGITS)


class WireError(ValueError):
    """A payload that does not follow the API; the message names the field."""


# -- encoding ---------------------------------------------------------------------------------


def encode_order(order: Order) -> dict[str, Any]:
    """The order as JSON-ready values (times as RFC 3339 strings, money as decimal strings)."""
    encoded: dict[str, Any] = msgspec.to_builtins(_native(order))
    return encoded


def encode_page(orders: Iterable[Order], cursor: str | None, more: bool, total: int) -> bytes:
    """A page of orders as the list endpoint's JSON body. msgspec writes times, decimals and
    enums itself, in C: about 5 times quicker than json.dumps of `encode_order`'s values,
    which matters to a server answering 2,000 orders a page on its event loop."""
    page = {"data": [_native(o) for o in orders], "cursor": cursor, "more": more, "total": total}
    return msgspec.json.encode(page)


def encode_one_order(order: Order) -> bytes:
    """The order alone as JSON (as the history saves it)."""
    return msgspec.json.encode(_native(order))


def encode_one(order: Order) -> bytes:
    """The one-order envelope's JSON body."""
    return msgspec.json.encode({"data": _native(order)})


def _native(order: Order) -> dict[str, Any]:
    """The wire's fields with Python's values: msgspec writes times as RFC 3339 (UTC as "Z"),
    Decimal as a string and a StrEnum as its value."""
    label = order.label
    refund = order.refund
    return {
        "order_no": order.order_no,
        "product_name": order.product_name,
        "product_type": order.product_type,
        "merchant": order.merchant,
        "merchant_verified": order.merchant_verified,
        "quantity": order.quantity,
        "amount": order.amount,
        "currency": order.currency,
        "account": order.account,
        "status": order.status,
        "raw_status": order.raw_status,
        "label": None
        if label is None
        else {"text": label.text, "code": label.code, "actor": label.actor},
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "paid_at": order.paid_at,
        "delivered_at": order.delivered_at,
        "pay_deadline": order.pay_deadline,
        "promised_by": order.promised_by,
        "card_codes": order.card_codes,
        "refund": None
        if refund is None
        else {"amount": refund.amount, "at": refund.at, "reason": refund.reason},
        "timeline": _events(order.timeline),
        **({"shop": order.shop} if order.shop else {}),
    }


class _Event(msgspec.Struct, gc=False):
    """An event as the wire writes it (structs.TimelineEvent, with Python's values)."""

    at: datetime
    status: OrderStatus
    raw_status: str
    note: str


def _events(timeline: Timeline) -> list[_Event]:
    if isinstance(timeline, PackedTimeline):  # straight from the packed form: twice as quick
        base = timeline.base
        return [
            _Event(datetime.fromtimestamp(base + t, UTC), *step) for t, step in timeline.steps()
        ]
    return [_Event(*e) for e in timeline]


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one error envelope every endpoint answers with."""
    return {"error": {"code": code, "message": message}}


# -- decoding: a page -------------------------------------------------------------------------


class Page(msgspec.Struct, frozen=True):
    """A list answer, read."""

    orders: list[Order]
    skipped: list[str]  # one WireError text for each order left out
    cursor: str | None  # None: the answer gave none
    more: bool
    total: int | None  # None: the answer gave none


class _Frame(msgspec.Struct, gc=False):
    """The list envelope with its orders still raw; the rest as the JSON said it (a cursor or
    total of the wrong type is ignored, never the page)."""

    data: list[msgspec.Raw]
    cursor: Any = None
    more: Any = None
    total: Any = None


_FRAME = msgspec.json.Decoder(_Frame)
_ORDER = msgspec.json.Decoder(structs.Order)


def decode_page(body: bytes | bytearray) -> Page:
    """A list answer's bytes, parsed and checked in one pass.

    Raises ValueError (msgspec's errors are ValueErrors) or RecursionError when the bytes are
    not JSON msgspec reads, or not a list envelope: `page_of`, given what Python's json module
    makes of them, then says what is wrong, or reads them as it always did."""
    frame = _FRAME.decode(body)
    orders: list[Order] = []
    skipped: list[str] = []
    quick, quickly = _QUICK_ORDER.decode, _quick_order
    with _collector_paused():
        for index, raw in enumerate(frame.data):
            # Order by order, not the page's structs at once: what one order makes stays in
            # the processor's cache while it is built (a third quicker over 100,000).
            try:
                orders.append(quickly(quick(raw)))
                continue
            except (msgspec.DecodeError, RecursionError, _NotQuick, WireError):
                pass  # not clean: the careful way keeps what it can and says why
            path = f"data[{index}]"
            try:
                try:
                    wire = _ORDER.decode(raw)
                except msgspec.DecodeError:
                    orders.append(decode_order(_loads(raw), path))
                else:
                    orders.append(_order(wire, path, _cut))
            except WireError as exc:
                skipped.append(str(exc))
    return _page(orders, skipped, frame.cursor, frame.more, frame.total)


def page_of(value: object) -> Page:
    """A list answer already parsed: the same outcome as `decode_page`'s."""
    if not isinstance(value, dict) or not isinstance(value.get("data"), list):
        raise WireError("no order list")
    orders: list[Order] = []
    skipped: list[str] = []
    with _collector_paused():
        for index, item in enumerate(value["data"]):
            try:
                orders.append(decode_order(item, f"data[{index}]"))
            except WireError as exc:
                skipped.append(str(exc))
    return _page(orders, skipped, value.get("cursor"), value.get("more"), value.get("total"))


def _page(orders: list[Order], skipped: list[str], cursor: Any, more: Any, total: Any) -> Page:
    return Page(
        orders,
        skipped,
        cursor if isinstance(cursor, str) else None,
        more is True,
        total if isinstance(total, int) else None,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a page's orders are built: the allocations of a
    big page run it hundreds of times, and its oldest generation scans every object the
    tracker holds, for nothing (orders hold no cycles): half the time of a page, measured.
    Only resumed if it was running: a second page read at once may resume it early, which
    costs time, never memory (it runs again at the next allocations)."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def _loads(raw: msgspec.Raw) -> Any:
    """One order's raw JSON as Python values."""
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:  # a number msgspec will not hold (1e400): json makes it inf
        return json.loads(bytes(raw))


# -- decoding: a clean order, quickly -----------------------------------------------------------
#
# Nearly every order a shop sends is clean: well shaped, every text and list within its limit,
# every time RFC 3339 with an offset. msgspec reads such an order, times included, in C, and
# it is then built with few Python steps; its timeline is packed (`PackedTimeline`) straight
# from the decoded events, never made into event tuples, which the cycle collector would scan
# (with them, a 100,000-order sync spent 0.3 s in full collections, each a frozen frame).
# Anything else (a text over the limit, a null, an unknown shape, a value out of range) goes
# the careful way, which keeps what it can and words every refusal: the outcome is the same
# either way, only slower.

_Text = Annotated[str, msgspec.Meta(max_length=FIELD_LIMIT)]
_Time = Annotated[datetime, msgspec.Meta(tz=True)]


class _QuickLabel(msgspec.Struct, kw_only=True, gc=False):
    text: _Text
    code: str = LabelCode.OTHER.value
    actor: str | UnsetType = UNSET


class _QuickRefund(msgspec.Struct, kw_only=True, gc=False):
    amount: str
    at: _Time | None = None
    reason: _Text = ""


class _QuickEvent(msgspec.Struct, kw_only=True, gc=False):
    at: _Time
    status: _Text
    raw_status: _Text | UnsetType = UNSET
    note: _Text = ""


class _QuickOrder(msgspec.Struct, kw_only=True, gc=False):
    """structs.Order with its times read as times and its limits as constraints (a test
    keeps the two alike)."""

    order_no: _Text
    product_name: _Text = ""
    product_type: str = ProductType.OTHER.value
    merchant: _Text = ""
    merchant_verified: bool = False
    quantity: structs.Quantity = 1
    amount: str
    currency: _Text = "CNY"
    account: _Text = ""
    status: _Text
    raw_status: _Text = ""
    label: _QuickLabel | None = None
    created_at: _Time
    updated_at: _Time
    paid_at: _Time | None = None
    delivered_at: _Time | None = None
    pay_deadline: _Time | None = None
    promised_by: _Time | None = None
    card_codes: Annotated[list[_Text], msgspec.Meta(max_length=LIST_LIMIT)] = []
    refund: _QuickRefund | None = None
    timeline: Annotated[list[_QuickEvent], msgspec.Meta(max_length=LIST_LIMIT)] = []
    shop: _Text = ""


_EARLIEST_TS = EARLIEST.timestamp()
_LATEST_TS = LATEST.timestamp()


class _NotQuick(Exception):
    """An order the quick way cannot take as it is: read it the careful way."""


_QUICK_ORDER = msgspec.json.Decoder(_QuickOrder)


def decode_order_json(text: str | bytes) -> Order:
    """One order's JSON (as `encode_order` wrote it, e.g. in the history), the quick way when
    it is clean; WireError, or ValueError when it is not JSON, as `decode_order` would say."""
    try:
        return _quick_order(_QUICK_ORDER.decode(text))
    except (msgspec.DecodeError, _NotQuick, WireError, RecursionError):
        return decode_order(json.loads(text))


class _StepsSent(dict[tuple[str, str | UnsetType, str], int]):
    """Each event's (status, raw status, note) as sent, to its index in the shared table."""

    def __missing__(self, key: tuple[str, str | UnsetType, str]) -> int:
        status_text, raw, note = key
        status = _STATUSES.get(status_text, OrderStatus.ABNORMAL)
        step = (status, intern(status_text if raw is msgspec.UNSET else raw), intern(note))
        index = step_index(step)
        if index is None:  # the shared table is full: events as tuples, the careful way
            raise _NotQuick
        if len(self) >= _MAX_STEPS_SENT:  # the shop's free texts: start again, never grow
            self.clear()
        self[key] = index
        return index


_MAX_STEPS_SENT = 1 << 17
_STEPS_SENT = _StepsSent()
# C all the way for each event (no Python frame per event): a third of the time of a page.
_AT = attrgetter("at")
_STEP_SENT = attrgetter("status", "raw_status", "note")
_TIMESTAMP = datetime.timestamp


def _quick_order(w: _QuickOrder) -> Order:
    events = w.timeline
    timeline: Timeline = ()
    if events:
        offsets = list(map(_TIMESTAMP, map(_AT, events)))
        if min(offsets) < _EARLIEST_TS or max(offsets) >= _LATEST_TS:
            raise _NotQuick
        steps = list(map(_STEPS_SENT.__getitem__, map(_STEP_SENT, events)))
        timeline = PackedTimeline.of_steps(0.0, offsets, steps)
    times = (w.created_at, w.updated_at, w.paid_at, w.delivered_at, w.pay_deadline, w.promised_by)
    for moment in times:
        if moment is not None and not 1970 < moment.year < 2999:
            raise _NotQuick  # or near either end: `plausible_time` decides, the careful way
    label = None if w.label is None else _label(w.label.text, w.label.code, w.label.actor)
    refund = None
    if w.refund is not None:
        at = w.refund.at
        if at is not None and not 1970 < at.year < 2999:
            raise _NotQuick
        refund = Refund(_decimal(w.refund.amount, "", ""), at, intern(w.refund.reason))
    return Order(
        w.order_no,
        intern(w.product_name),
        _PRODUCT_TYPES.get(w.product_type, ProductType.OTHER),
        intern(w.merchant),
        w.merchant_verified,
        w.quantity,
        _decimal(w.amount, "", ""),
        intern(w.currency),
        w.account,
        _ORDER_STATUSES.get(w.status, OrderStatus.ABNORMAL),
        intern(w.raw_status or w.status),
        label,
        w.created_at,
        w.updated_at,
        w.paid_at,
        w.delivered_at,
        w.pay_deadline,
        w.promised_by,
        tuple(w.card_codes),
        refund,
        timeline,
        intern(_shop(w.shop)) if w.shop else "",
    )


# -- decoding: one order ----------------------------------------------------------------------


def decode_order(value: object, path: str = "order") -> Order:
    """An order already parsed from JSON (`path` names it in errors)."""
    try:
        wire = msgspec.convert(value, structs.Order)
    except (msgspec.ValidationError, UnicodeEncodeError):  # the latter: see _lenient
        wire = _lenient(value, path)
    return _order(wire, path, bounded)


def _shape(
    struct: type[msgspec.Struct], null_refused: str = ""
) -> tuple[frozenset[str], frozenset[str]]:
    """A struct's field names, and those where a null stands for the default."""
    fields = msgspec.structs.fields(struct)
    names = frozenset(f.name for f in fields)
    return names, frozenset(f.name for f in fields if not f.required and f.name != null_refused)


# A null where a field has a default is that default, as clients have always read it; except
# a null quantity, which has always been refused.
_SHAPES = {
    None: _shape(structs.Order, null_refused="quantity"),
    "label": _shape(structs.Label),
    "refund": _shape(structs.Refund),
    "timeline": _shape(structs.TimelineEvent),
}
# The order's fields whose JSON is not a string (every nested one is).
_NOT_TEXT = ("merchant_verified", "quantity", "label", "refund", "card_codes", "timeline")
_TIMES = frozenset(
    {"created_at", "updated_at", "paid_at", "delivered_at", "pay_deadline", "promised_by", "at"}
)


def _lenient(value: object, path: str) -> structs.Order:
    """An order that msgspec's strict reading refused, read the lenient way clients always
    have (nulls as defaults, events older than the newest LIST_LIMIT not looked at); if it
    still does not fit, a WireError naming the field."""
    if not isinstance(value, Mapping):
        raise WireError(f"{path}: expected an object")
    data = _known(value, None)
    for key in ("label", "refund"):
        if key in data:
            data[key] = _known(data[key], key)
    # A text where JSON of another type belongs: msgspec.convert would try to read it as that
    # type and fail on a lone surrogate. Any text gets the same refusal.
    for key in _NOT_TEXT:
        if isinstance(data.get(key), str):
            data[key] = ""
    events = data.get("timeline")
    skipped = 0
    if isinstance(events, list):
        skipped = max(len(events) - LIST_LIMIT, 0)
        data["timeline"] = [
            "" if isinstance(e, str) else _known(e, "timeline") for e in events[skipped:]
        ]
    try:
        return msgspec.convert(data, structs.Order)
    except msgspec.ValidationError as exc:
        raise _complaint(str(exc), path, skipped) from None


def _known(value: Any, key: str | None) -> Any:
    """A JSON object with only the struct's fields (another's key may not even encode), and
    without the nulls that stand for a default."""
    if not isinstance(value, Mapping):
        return value
    names, nullable = _SHAPES[key]
    return {k: v for k, v in value.items() if k in names and (v is not None or k not in nullable)}


def _complaint(message: str, path: str, skipped_events: int) -> WireError:
    """msgspec's "Expected `str`, got `int` - at `$.label.text`" in this module's words."""
    what, _, where = message.partition(" - at `$")
    where = where.removesuffix("`")
    field = where.rpartition(".")[2]
    if what.startswith("Object missing required field `"):
        where = f"{where}.{what.split('`')[1]}"
        said = "missing"
    elif where.startswith(".card_codes["):
        where, said = ".card_codes", "expected strings"
    elif field in _TIMES:
        said = "missing" if what.endswith("got `null`") else "expected an ISO 8601 time"
    elif what.startswith("Expected `object"):
        said = "expected an object"
    elif what.startswith("Expected `array"):
        said = "expected an array"
    elif what.startswith("Expected `str"):
        said = "expected a string"
    elif what.startswith("Expected `bool"):
        said = "expected true or false"
    elif what.startswith("Expected `int`, got"):
        said = "expected an integer"
    elif what.startswith("Expected `int`") or "out of range" in what:
        said = "out of range"
    else:
        said = clean(what, limit=100)
    if skipped_events and where.startswith(".timeline["):
        index, _, rest = where.removeprefix(".timeline[").partition("]")
        where = f".timeline[{int(index) + skipped_events}]{rest}"
    return WireError(f"{path}{where}: {said}")


_STATUSES = {s.value: s for s in OrderStatus}
# "unreadable" is the tracker's own stand-in, never a shop's status (events keep it as sent).
_ORDER_STATUSES = {v: s for v, s in _STATUSES.items() if s is not OrderStatus.UNREADABLE}
_PRODUCT_TYPES = {t.value: t for t in ProductType}
_LABEL_CODES = {c.value: c for c in LabelCode}
_ACTORS = {a.value: a for a in Actor}


def _cut(text: str) -> str:
    """`bounded` for a text msgspec decoded: it holds no lone surrogate (msgspec refuses them),
    so only the length is left to bound."""
    return text if len(text) <= FIELD_LIMIT else text[:FIELD_LIMIT] + "…"


def _order(w: structs.Order, path: str, text: Callable[[str], str]) -> Order:
    """What the values of a well-shaped order mean, checked; `text` bounds each text."""
    status_text = text(w.status)
    # A status this client does not know yet: keep the platform's words, and have a person look.
    status = _ORDER_STATUSES.get(status_text, OrderStatus.ABNORMAL)
    label = None if w.label is None else _label(text(w.label.text), w.label.code, w.label.actor)
    refund = None
    if w.refund is not None:
        refund = Refund(
            _decimal(w.refund.amount, path, "refund.amount"),
            _optional_time(w.refund.at, path, "refund.at"),
            intern(text(w.refund.reason)),
        )
    events = w.timeline
    first = max(len(events) - LIST_LIMIT, 0)
    timeline = [
        _event(e, f"{path}.timeline[{i}]", text) for i, e in enumerate(events[first:], first)
    ]
    return Order(
        order_no=text(w.order_no),
        # Texts that repeat over a shop's orders (products, merchants, statuses, notes) are
        # interned: one string each, not one per order of 100,000.
        product_name=intern(text(w.product_name)),
        product_type=_PRODUCT_TYPES.get(w.product_type, ProductType.OTHER),
        merchant=intern(text(w.merchant)),
        merchant_verified=w.merchant_verified,
        quantity=w.quantity,
        amount=_decimal(w.amount, path, "amount"),
        currency=intern(text(w.currency)),
        account=text(w.account),
        status=status,
        raw_status=intern(text(w.raw_status) or status_text),
        label=label,
        created_at=_when(w.created_at, path, "created_at"),
        updated_at=_when(w.updated_at, path, "updated_at"),
        paid_at=_optional_time(w.paid_at, path, "paid_at"),
        delivered_at=_optional_time(w.delivered_at, path, "delivered_at"),
        pay_deadline=_optional_time(w.pay_deadline, path, "pay_deadline"),
        promised_by=_optional_time(w.promised_by, path, "promised_by"),
        card_codes=tuple(map(text, w.card_codes[:LIST_LIMIT])),
        refund=refund,
        timeline=tuple(timeline),
        shop=intern(_shop(text(w.shop))),
    )


def _label(text: str, code_sent: str, actor_sent: str | UnsetType) -> StatusLabel:
    """A label as sent: an unknown code is OTHER, an unknown or absent actor the code's own."""
    code = _LABEL_CODES.get(code_sent, LabelCode.OTHER)
    default = LABEL_ACTOR[code]
    actor = default if actor_sent is msgspec.UNSET else _ACTORS.get(actor_sent, default)
    return _shared_label(text, code, actor)


_LABELS: dict[tuple[str, LabelCode, Actor], StatusLabel] = {}
_MAX_LABELS = 4096  # texts are the shop's: past this many, start again rather than grow


def _shared_label(text: str, code: LabelCode, actor: Actor) -> StatusLabel:
    """One StatusLabel for each (text, code, actor): a shop's few labels, on thousands of
    orders. (A race between two decoding threads makes two equal labels: harmless.)"""
    key = (text, code, actor)
    label = _LABELS.get(key)
    if label is None:
        if len(_LABELS) >= _MAX_LABELS:
            _LABELS.clear()
        label = _LABELS[key] = StatusLabel(intern(text), code, actor)
    return label


def _event(e: structs.TimelineEvent, path: str, text: Callable[[str], str]) -> TimelineEvent:
    status = text(e.status)
    raw = e.raw_status
    return TimelineEvent(
        _when(e.at, path, "at"),
        _STATUSES.get(status, OrderStatus.ABNORMAL),
        intern(status if raw is msgspec.UNSET else text(raw)),
        intern(text(e.note)),
    )


def _decimal(value: str, path: str, key: str) -> Decimal:
    text = bounded(value)
    try:
        amount = Decimal(text) if len(text) <= 64 else None
    except InvalidOperation:
        amount = None
    if amount is None:
        raise WireError(f"{path}.{key}: not a decimal: {text[:40]!r}")
    if not amount.is_finite():
        raise WireError(f"{path}.{key}: not a finite decimal")
    if not plausible_amount(amount):
        raise WireError(f"{path}.{key}: out of range")
    return amount


def _when(value: str, path: str, key: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise WireError(f"{path}.{key}: not an ISO 8601 time: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise WireError(f"{path}.{key}: time without a timezone")
    if not plausible_time(parsed):
        raise WireError(f"{path}.{key}: out of range: {value[:40]!r}")
    return parsed


def _optional_time(value: str | None, path: str, key: str) -> datetime | None:
    return None if value is None else _when(value, path, key)


def _shop(name: str) -> str:
    """A hub's shop name; one holding the key separator is kept visible instead."""
    return name.replace("\x1f", "\u241f")


def decode_error(value: object) -> tuple[str, str] | None:
    """(code, message) of an error envelope, or None if `value` is not one."""
    if isinstance(value, Mapping) and isinstance(value.get("error"), Mapping):
        error = value["error"]
        code, message = error.get("code"), error.get("message")
        if isinstance(code, str) and isinstance(message, str):
            return code, message
    return None
