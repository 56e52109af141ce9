"""What to do next for an order: the article's stuck-order playbook as message keys."""

from __future__ import annotations

from kameng_tui.domain.attention import Attention
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus, ReadProblem

_PROBLEMS = frozenset(p.value for p in ReadProblem)


def next_step_keys(order: Order, reasons: tuple[Attention, ...] = ()) -> list[str]:
    """Catalogue keys of the hints for this order, most specific first, without repeats."""
    if order.status is OrderStatus.UNREADABLE:
        # A stand-in row: its raw status is why it could not be read; its label is the
        # adapter's detail line, not a platform's reason, so the label hints do not apply.
        if order.raw_status in _PROBLEMS:
            return [f"next.problem.{order.raw_status}"]
        return ["next.unreadable"]
    keys: list[str] = []
    labelled = order.label is not None and not order.status.is_final
    if order.label is not None and labelled:
        keys.append(f"next.{order.label.code.value}")
    if Attention.OVERDUE in reasons:
        keys.append("next.overdue")
    elif Attention.STALLED in reasons:
        keys.append("next.stalled")
    if Attention.PAY_WINDOW_CLOSED in reasons and not labelled:
        # Past the deadline "waiting for payment" no longer holds: was it paid after all?
        keys.append("next.pay_window_closed")
        return keys
    # The label's hint is specific to what went wrong; the status's generic one would
    # contradict it (a lost payment callback is not "waiting for payment").
    if not labelled:
        if order.status is OrderStatus.FAILED and order.refund is not None:
            keys.append("next.refunded")
        else:
            keys.append(f"next.{order.status.value}")
    return list(dict.fromkeys(keys))
