"""Orders as JSON on kameng-tui's own API (docs/api.md), both ways.

Decoding treats every payload as untrusted: a wrong type, a bad decimal or date, a number or
time out of any plausible range, or a missing field is a `WireError` naming the field, never a
crash further up. Texts are cut to `FIELD_LIMIT` characters, card codes and timeline events to
`LIST_LIMIT` (the newest events kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kameng_tui.domain.order import Order, Refund, StatusLabel, TimelineEvent
from kameng_tui.domain.status import LABEL_ACTOR, Actor, LabelCode, OrderStatus, ProductType
from kameng_tui.domain.text import LIST_LIMIT, bounded

API_PREFIX = "/api/v1"
# Beyond these an amount or a time is garbage, and near year 1 or 9999 date arithmetic and
# local-time conversion overflow: such values are refused where they enter.
MAX_AMOUNT_DIGITS = 15  # a trillion yuan a thousand times over
MAX_QUANTITY = 10**9
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


def plausible_time(value: datetime) -> bool:
    """An aware time an order can carry: between 1970 and 3000."""
    return EARLIEST <= value < LATEST


def plausible_amount(value: Decimal) -> bool:
    """A finite amount under 10**15, judged by its exponent (abs() of 1e999999999 overflows)."""
    return value.is_finite() and (value.is_zero() or value.adjusted() < MAX_AMOUNT_DIGITS)


class WireError(ValueError):
    """A payload that does not follow the API; the message names the field."""


# -- encoding ---------------------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def encode_order(order: Order) -> dict[str, Any]:
    label = order.label
    refund = order.refund
    return {
        "order_no": order.order_no,
        "product_name": order.product_name,
        "product_type": order.product_type.value,
        "merchant": order.merchant,
        "merchant_verified": order.merchant_verified,
        "quantity": order.quantity,
        "amount": str(order.amount),
        "currency": order.currency,
        "account": order.account,
        "status": order.status.value,
        "raw_status": order.raw_status,
        "label": None
        if label is None
        else {"text": label.text, "code": label.code.value, "actor": label.actor.value},
        "created_at": _time(order.created_at),
        "updated_at": _time(order.updated_at),
        "paid_at": _time(order.paid_at),
        "delivered_at": _time(order.delivered_at),
        "pay_deadline": _time(order.pay_deadline),
        "promised_by": _time(order.promised_by),
        "card_codes": list(order.card_codes),
        "refund": None
        if refund is None
        else {"amount": str(refund.amount), "at": _time(refund.at), "reason": refund.reason},
        "timeline": [
            {
                "at": _time(e.at),
                "status": e.status.value,
                "raw_status": e.raw_status,
                "note": e.note,
            }
            for e in order.timeline
        ],
        **({"shop": order.shop} if order.shop else {}),
    }


def error_body(code: str, message: str) -> dict[str, Any]:
    """The one error envelope every endpoint answers with."""
    return {"error": {"code": code, "message": message}}


# -- decoding ---------------------------------------------------------------------------------


class _Fields:
    """Typed access to one JSON object, with the path for error messages."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, Mapping):
            raise WireError(f"{path}: expected an object")
        self.data = value
        self.path = path

    def _get(self, key: str, required: bool) -> object:
        if key not in self.data:
            if required:
                raise WireError(f"{self.path}.{key}: missing")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self._get(key, required)
        if value is None and not required:
            return default
        if not isinstance(value, str):
            raise WireError(f"{self.path}.{key}: expected a string")
        return bounded(value)

    def integer(self, key: str) -> int:
        value = self._get(key, True)
        if not isinstance(value, int) or isinstance(value, bool):
            raise WireError(f"{self.path}.{key}: expected an integer")
        if not 0 <= value <= MAX_QUANTITY:
            raise WireError(f"{self.path}.{key}: out of range")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise WireError(f"{self.path}.{key}: expected true or false")
        return value

    def decimal(self, key: str) -> Decimal:
        text = self.text(key)
        try:
            value = Decimal(text) if len(text) <= 64 else None
        except InvalidOperation:
            value = None
        if value is None:
            raise WireError(f"{self.path}.{key}: not a decimal: {text[:40]!r}")
        if not value.is_finite():
            raise WireError(f"{self.path}.{key}: not a finite decimal")
        if not plausible_amount(value):
            raise WireError(f"{self.path}.{key}: out of range")
        return value

    def time(self, key: str, *, required: bool = False) -> datetime | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise WireError(f"{self.path}.{key}: expected an ISO 8601 time")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise WireError(f"{self.path}.{key}: not an ISO 8601 time: {value[:40]!r}") from None
        if parsed.tzinfo is None:
            raise WireError(f"{self.path}.{key}: time without a timezone")
        if not plausible_time(parsed):
            raise WireError(f"{self.path}.{key}: out of range: {value[:40]!r}")
        return parsed

    def required_time(self, key: str) -> datetime:
        value = self.time(key, required=True)
        if value is None:  # present, but null
            raise WireError(f"{self.path}.{key}: missing")
        return value

    def items(self, key: str) -> list[object]:
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise WireError(f"{self.path}.{key}: expected an array")
        return value

    def obj(self, key: str) -> _Fields | None:
        value = self._get(key, False)
        return None if value is None else _Fields(value, f"{self.path}.{key}")


def _enum_or(enum: type[Any], value: str, fallback: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        return fallback


def decode_order(value: object, path: str = "order") -> Order:
    f = _Fields(value, path)
    raw_status = f.text("raw_status", required=False)
    status_text = f.text("status")
    # A status this client does not know yet: keep the platform's words, and have a person look.
    status = _enum_or(OrderStatus, status_text, OrderStatus.ABNORMAL)
    if status is OrderStatus.UNREADABLE:  # the tracker's own stand-in, never a shop's status
        status = OrderStatus.ABNORMAL
    if status is OrderStatus.ABNORMAL and status_text != OrderStatus.ABNORMAL.value:
        raw_status = raw_status or status_text
    label_fields = f.obj("label")
    label = None
    if label_fields is not None:
        code = _enum_or(LabelCode, label_fields.text("code", required=False), LabelCode.OTHER)
        actor = _enum_or(Actor, label_fields.text("actor", required=False), LABEL_ACTOR[code])
        label = StatusLabel(label_fields.text("text"), code, actor)
    refund_fields = f.obj("refund")
    refund = None
    if refund_fields is not None:
        refund = Refund(
            refund_fields.decimal("amount"),
            refund_fields.time("at"),
            refund_fields.text("reason", required=False),
        )
    codes = f.items("card_codes")
    if not all(isinstance(c, str) for c in codes):
        raise WireError(f"{path}.card_codes: expected strings")
    timeline = []
    events = f.items("timeline")
    first = max(len(events) - LIST_LIMIT, 0)
    for index, item in enumerate(events[first:], first):
        event = _Fields(item, f"{path}.timeline[{index}]")
        event_status = event.text("status")
        timeline.append(
            TimelineEvent(
                event.required_time("at"),
                _enum_or(OrderStatus, event_status, OrderStatus.ABNORMAL),
                event.text("raw_status", required=False, default=event_status),
                event.text("note", required=False),
            )
        )
    return Order(
        order_no=f.text("order_no"),
        product_name=f.text("product_name", required=False),
        product_type=_enum_or(
            ProductType, f.text("product_type", required=False), ProductType.OTHER
        ),
        merchant=f.text("merchant", required=False),
        merchant_verified=f.flag("merchant_verified"),
        quantity=f.integer("quantity") if "quantity" in f.data else 1,
        amount=f.decimal("amount"),
        currency=f.text("currency", required=False, default="CNY"),
        account=f.text("account", required=False),
        status=status,
        raw_status=raw_status or status_text,
        label=label,
        created_at=f.required_time("created_at"),
        updated_at=f.required_time("updated_at"),
        paid_at=f.time("paid_at"),
        delivered_at=f.time("delivered_at"),
        pay_deadline=f.time("pay_deadline"),
        promised_by=f.time("promised_by"),
        card_codes=tuple(bounded(c) for c in codes[:LIST_LIMIT] if isinstance(c, str)),
        refund=refund,
        timeline=tuple(timeline),
        shop=_shop(f.text("shop", required=False)),
    )


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
