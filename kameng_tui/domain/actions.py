"""What a person can do about an order, and when: the article's tools as actions."""

from __future__ import annotations

import re
from enum import StrEnum

from kameng_tui.domain.order import Order
from kameng_tui.domain.status import LabelCode, OrderStatus, ProductType


class Action(StrEnum):
    SYNC = "sync"  # 状态刷新: force a status sync
    URGE = "urge"  # 催单
    APPEAL = "appeal"  # 订单申诉, with a message
    FIX_ACCOUNT = "fix_account"  # 修改账号并重新发货
    CONFIRM_RECEIPT = "confirm_receipt"  # 确认收货
    CANCEL = "cancel"  # cancel an unpaid order
    # staff only
    RETRY_DELIVERY = "retry_delivery"
    REFUND = "refund"
    MARK_PAID = "mark_paid"  # after checking the payment bill; a note is required


STAFF_ONLY = frozenset({Action.RETRY_DELIVERY, Action.REFUND, Action.MARK_PAID})
# Anything that changes something on the shop asks y/n first: every action but the status sync,
# which only reads (an urge, an appeal and a confirmed receipt cannot be taken back either).
NEEDS_CONFIRMATION = frozenset(set(Action) - {Action.SYNC})
# Actions that carry text: the appeal's message, the new account, the staff note.
NEEDS_TEXT = frozenset({Action.APPEAL, Action.FIX_ACCOUNT, Action.MARK_PAID})

# Each action's key inside the actions menu (`A`, then the key): the same key always does the
# same thing, whatever else the order allows. Shown in the menu.
HOTKEYS: dict[Action, str] = {
    Action.SYNC: "s",
    Action.URGE: "u",
    Action.APPEAL: "a",
    Action.FIX_ACCOUNT: "f",
    Action.CONFIRM_RECEIPT: "c",
    Action.CANCEL: "x",
    Action.RETRY_DELIVERY: "r",
    Action.REFUND: "m",  # money back
    Action.MARK_PAID: "p",
}

S = OrderStatus

PHONE = re.compile(r"1[0-9]{10}")
QQ = re.compile(r"[0-9]{5,11}")


class AccountProblem(StrEnum):
    """Why a new recharge account cannot be right for the order's product."""

    EMPTY = "empty"
    PHONE = "phone"  # 话费: an 11-digit mainland mobile number starting with 1
    QQ = "qq"  # QQ products: a QQ number, 5 to 11 digits
    SPACES = "spaces"


def is_qq_product(order: Order) -> bool:
    name = order.product_name.casefold()
    return "qq" in name or "q币" in name


def check_account(order: Order, value: str) -> AccountProblem | None:
    """None when `value` can be the recharge account of this order's product."""
    value = value.strip()
    if not value:
        return AccountProblem.EMPTY
    if order.product_type is ProductType.PHONE_TOPUP:
        return None if PHONE.fullmatch(value) else AccountProblem.PHONE
    if is_qq_product(order):
        return None if QQ.fullmatch(value) else AccountProblem.QQ
    if any(ch.isspace() for ch in value):
        return AccountProblem.SPACES
    return None


def allowed(order: Order, *, staff: bool, supported: frozenset[Action]) -> list[Action]:
    """The actions the order's state allows, that the platform supports, for this person."""
    status = order.status
    code = order.label.code if order.label is not None else None
    possible: list[Action] = [Action.SYNC]
    if status.in_progress or status is S.ABNORMAL:
        possible.append(Action.URGE)
    if status is not S.CANCELLED:
        possible.append(Action.APPEAL)
    if status is S.FAILED and code is LabelCode.ACCOUNT_INVALID:
        possible.append(Action.FIX_ACCOUNT)
    if status is S.COMPLETED:
        possible.append(Action.CONFIRM_RECEIPT)
    if status is S.PENDING_PAYMENT and code is not LabelCode.CALLBACK_LOST:
        possible.append(Action.CANCEL)
    if staff:
        if status in (S.FAILED, S.ABNORMAL):
            possible.append(Action.RETRY_DELIVERY)
        if status in (S.PAID, S.DELIVERING, S.FAILED, S.ABNORMAL):
            possible.append(Action.REFUND)
        if status is S.PENDING_PAYMENT:
            possible.append(Action.MARK_PAID)
    return [a for a in possible if a in supported and (staff or a not in STAFF_ONLY)]
