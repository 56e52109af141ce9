"""Pure rules that say which orders need a person's attention, and why."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import msgspec

from kameng_tui.domain.order import Order
from kameng_tui.domain.status import FINAL_STATUSES, Actor, OrderStatus


class Attention(StrEnum):
    """Reasons an order needs attention, most urgent first."""

    WAITING_SUPPORT = "waiting_support"
    OVERDUE = "overdue"
    STALLED = "stalled"
    # Unpaid past the pay deadline and not cancelled by the platform: if the customer paid,
    # the payment callback may be lost.
    PAY_WINDOW_CLOSED = "pay_window_closed"
    WAITING_CUSTOMER = "waiting_customer"
    PAY_WINDOW_CLOSING = "pay_window_closing"  # unpaid, and the deadline is near


class AttentionPolicy(msgspec.Struct, frozen=True):
    pay_window_warning: timedelta = timedelta(minutes=3)
    stalled_after: timedelta = timedelta(minutes=10)


DEFAULT_POLICY = AttentionPolicy()


def pay_window_closing(
    order: Order, now: datetime, policy: AttentionPolicy = DEFAULT_POLICY
) -> bool:
    """Unpaid, still inside its pay window, and the window closes within the warning time."""
    if order.status is not OrderStatus.PENDING_PAYMENT or order.pay_deadline is None:
        return False
    return now < order.pay_deadline and order.pay_deadline - now <= policy.pay_window_warning


def pay_window_closed(order: Order, now: datetime) -> bool:
    """Unpaid, and its pay window has closed (the deadline itself counts as closed), yet the
    platform has not cancelled it: the customer may have paid and the callback been lost."""
    if order.status is not OrderStatus.PENDING_PAYMENT or order.pay_deadline is None:
        return False
    return now >= order.pay_deadline


def overdue(order: Order, now: datetime) -> bool:
    """Paid, but past the time the platform promised to deliver by."""
    return order.status.in_progress and order.promised_by is not None and now > order.promised_by


def stalled(order: Order, now: datetime, policy: AttentionPolicy = DEFAULT_POLICY) -> bool:
    """In progress with no update for too long."""
    return order.status.in_progress and now - order.updated_at >= policy.stalled_after


def waiting_on_customer(order: Order) -> bool:
    return (
        not order.status.is_final
        and order.label is not None
        and (order.label.actor is Actor.CUSTOMER)
    )


def waiting_on_support(order: Order) -> bool:
    if order.status.is_final:
        return False
    if order.status is OrderStatus.ABNORMAL:
        return True
    return order.label is not None and order.label.actor is Actor.SUPPORT


def attention_reasons(
    order: Order, now: datetime, policy: AttentionPolicy = DEFAULT_POLICY
) -> tuple[Attention, ...]:
    """Every reason the order needs attention, most urgent first; empty when it needs none."""
    if order.status.is_final:
        return ()
    reasons: list[Attention] = []
    if waiting_on_support(order):
        reasons.append(Attention.WAITING_SUPPORT)
    if overdue(order, now):
        reasons.append(Attention.OVERDUE)
    if stalled(order, now, policy):
        reasons.append(Attention.STALLED)
    if pay_window_closed(order, now):
        reasons.append(Attention.PAY_WINDOW_CLOSED)
    if waiting_on_customer(order):
        reasons.append(Attention.WAITING_CUSTOMER)
    if pay_window_closing(order, now, policy):
        reasons.append(Attention.PAY_WINDOW_CLOSING)
    return tuple(reasons)


def needs_attention(order: Order, now: datetime, policy: AttentionPolicy = DEFAULT_POLICY) -> bool:
    """Whether `attention_reasons` would give any: the same rules, stopping at the first that
    holds (this runs over every open order on every refresh)."""
    status = order.status
    if status in FINAL_STATUSES:
        return False
    label = order.label
    if status is OrderStatus.ABNORMAL or (label is not None and label.actor is not Actor.NOBODY):
        return True  # waiting on support or on the customer
    if status is OrderStatus.PAID or status is OrderStatus.DELIVERING:
        if order.promised_by is not None and now > order.promised_by:
            return True
        return now - order.updated_at >= policy.stalled_after
    if status is OrderStatus.PENDING_PAYMENT and order.pay_deadline is not None:
        return order.pay_deadline - now <= policy.pay_window_warning  # closing or closed
    return False
