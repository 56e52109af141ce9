"""The kameng API's wire format (docs/api.md) as msgspec structs, named as the OpenAPI file
names them (tools/openapi.py generates docs/openapi.json from these).

They type what JSON can say: strings, numbers, arrays, objects. What a value means (a decimal,
a time, a known status) is checked in wire.py, so that an unknown status or label code can
still be kept and flagged rather than refused, and every refusal names its field as before.
The docstrings and descriptions become the schema's.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from kameng_tui.domain.actions import Action
from kameng_tui.domain.status import Actor, LabelCode, OrderStatus, ProductType

MAX_QUANTITY = 10**9


def _enum(values: list[str], description: str | None = None) -> Meta:
    # Documented, not enforced: a value this client does not know yet is kept (wire.py).
    return Meta(description=description, extra_json_schema={"enum": values})


# Money is a decimal string, never a JSON number (a float cannot hold 98.10 exactly). The
# pattern is documentation: wire.py reads it with Decimal and names what is wrong.
Money = Annotated[
    str,
    Meta(examples=["98.00"], extra_json_schema={"pattern": r"^-?\d+(\.\d+)?$"}),
]
Time = Annotated[
    str,
    Meta(
        description="ISO 8601 with an offset, between 1970 and 3000",
        extra_json_schema={"format": "date-time"},
    ),
]
# The lifecycle a shop sends: "unreadable" is the tracker's own stand-in, never on the wire.
Status = Annotated[str, _enum([s.value for s in OrderStatus if s is not OrderStatus.UNREADABLE])]
Quantity = Annotated[int, Meta(ge=0, le=MAX_QUANTITY)]


class Label(Struct, kw_only=True, gc=False):
    """A platform's explanation of a delay or failure."""

    text: Annotated[str, Meta(examples=["充值失败：运营商接口异常"])]
    code: Annotated[str, _enum([c.value for c in LabelCode])] = LabelCode.OTHER.value
    # Absent: the code's usual actor.
    actor: (
        Annotated[str, _enum([a.value for a in Actor], "who must act; absent: the code's own")]
        | UnsetType
    ) = UNSET


class Refund(Struct, kw_only=True, gc=False):
    amount: Money
    at: Time | None = None
    reason: str = ""


class TimelineEvent(Struct, kw_only=True, gc=False):
    """One step of the order's journey."""

    at: Time
    status: Status
    # Absent: the status itself.
    raw_status: Annotated[str, Meta(description="the shop's word; absent: status")] | UnsetType = (
        UNSET
    )
    note: str = ""


class Order(Struct, kw_only=True, gc=False):
    """One order. An unknown status is kept as the raw value and flagged for a person."""

    order_no: Annotated[str, Meta(description="the order number, unique in the shop")]
    product_name: str = ""
    product_type: Annotated[
        str,
        _enum(
            [t.value for t in ProductType],
            "game_card 游戏点卡, phone_topup 话费充值, virtual_service 虚拟服务, other",
        ),
    ] = ProductType.OTHER.value
    merchant: str = ""
    merchant_verified: Annotated[bool, Meta(description="verified by the platform")] = False
    quantity: Quantity = 1
    amount: Money
    currency: Annotated[str, Meta(examples=["CNY"])] = "CNY"
    account: Annotated[str, Meta(description='recharge account or contact; "" for card codes')] = ""
    status: Status
    raw_status: Annotated[str, Meta(description="the shop's own word for it, e.g. 处理中")] = ""
    label: Label | None = None
    created_at: Time
    updated_at: Time
    paid_at: Time | None = None
    delivered_at: Time | None = None
    pay_deadline: Time | None = None
    promised_by: Time | None = None
    card_codes: Annotated[list[str], Meta(description="delivered card codes (卡密)")] = []
    refund: Refund | None = None
    timeline: Annotated[list[TimelineEvent], Meta(description="oldest first")] = []
    shop: Annotated[
        str, Meta(description="the shop it belongs to, where one answer carries several")
    ] = ""


class OrderPage(Struct, kw_only=True, gc=False):
    """A page of GET /orders: send `cursor` back as `since`; `more` means ask again at once."""

    data: list[Order]
    cursor: Annotated[str, Meta(description="opaque: the next request's `since`")]
    more: bool
    total: Annotated[int, Meta(description="orders the shop holds in all")]


class OrderAnswer(Struct, kw_only=True, gc=False):
    """One order: GET /orders/{order_no}, and the answer to an action."""

    data: Order


class ErrorDetail(Struct, kw_only=True, gc=False):
    code: Annotated[str, Meta(examples=["order_not_found"])]
    message: str


class Error(Struct, kw_only=True, gc=False):
    """The one error envelope of every endpoint."""

    error: ErrorDetail


class ActionRequest(Struct, kw_only=True, gc=False):
    """The body of POST /orders/{order_no}/actions."""

    action: Annotated[str, _enum([a.value for a in Action])]
    text: (
        Annotated[
            str,
            Meta(
                description="the appeal's message, the new recharge account, or the staff "
                "note (mark_paid, refund)"
            ),
        ]
        | UnsetType
    ) = UNSET
