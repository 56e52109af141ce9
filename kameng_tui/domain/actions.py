"""What a person can do about an order, and when: the article's tools as actions."""

from __future__ import annotations

from enum import StrEnum

from kameng_tui.domain.order import Order
from kameng_tui.domain.status import LabelCode, OrderStatus


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
# Anything that moves money or delivery asks for confirmation first.
NEEDS_CONFIRMATION = frozenset(
    {Action.FIX_ACCOUNT, Action.CANCEL, Action.RETRY_DELIVERY, Action.REFUND, Action.MARK_PAID}
)
# Actions that carry text: the appeal's message, the new account, the staff note.
NEEDS_TEXT = frozenset({Action.APPEAL, Action.FIX_ACCOUNT, Action.MARK_PAID})

S = OrderStatus


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
