"""Which orders need a person, and why: every rule at its boundary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kameng_tui.domain.attention import (
    DEFAULT_POLICY,
    Attention,
    AttentionPolicy,
    attention_reasons,
    needs_attention,
    overdue,
    pay_window_closed,
    pay_window_closing,
    stalled,
    waiting_on_customer,
    waiting_on_support,
)
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import FINAL_STATUSES, LabelCode, OrderStatus
from tests.domain.factory import NOW, ago, label, make_order

S = OrderStatus
SECOND = timedelta(seconds=1)


def unpaid(**overrides: Any) -> Order:
    fields: dict[str, Any] = {
        "status": S.PENDING_PAYMENT,
        "raw_status": "待支付",
        "paid_at": None,
        "promised_by": None,
        "updated_at": NOW,
    }
    fields.update(overrides)
    return make_order(**fields)


def test_default_policy() -> None:
    assert DEFAULT_POLICY.pay_window_warning == timedelta(minutes=3)
    assert DEFAULT_POLICY.stalled_after == timedelta(minutes=10)


# -- pay window ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "closing"),
    [
        (timedelta(minutes=10), False),
        (timedelta(minutes=3) + SECOND, False),
        (timedelta(minutes=3), True),  # the boundary is inclusive
        (timedelta(minutes=3) - SECOND, True),
        (SECOND, True),  # the last second inside the window
        (timedelta(0), False),  # the deadline: closed (below)
        (-timedelta(minutes=1), False),
    ],
)
def test_pay_window_closing_boundary(left: timedelta, closing: bool) -> None:
    order = unpaid(pay_deadline=NOW + left)
    assert pay_window_closing(order, NOW) is closing
    assert (Attention.PAY_WINDOW_CLOSING in attention_reasons(order, NOW)) is closing
    assert needs_attention(order, NOW) is (closing or left <= timedelta(0))


@pytest.mark.parametrize(
    ("left", "closed"),
    [
        (SECOND, False),
        (timedelta(0), True),  # at the deadline the window is closed
        (-timedelta(minutes=1), True),
        (-timedelta(days=2), True),  # the platform never cancelled it
    ],
)
def test_pay_window_closed_is_not_closing(left: timedelta, closed: bool) -> None:
    order = unpaid(pay_deadline=NOW + left)
    assert pay_window_closed(order, NOW) is closed
    reasons = attention_reasons(order, NOW)
    assert (Attention.PAY_WINDOW_CLOSED in reasons) is closed
    if closed:  # one or the other, never both
        assert reasons == (Attention.PAY_WINDOW_CLOSED,)
        assert needs_attention(order, NOW)


def test_pay_window_closed_wording_says_it_is_closed_and_unpaid() -> None:
    from kameng_tui.domain.playbook import next_step_keys
    from kameng_tui.i18n import Lang, Messages

    en, zh = Messages(Lang.EN), Messages(Lang.ZH)
    assert en("attention.pay_window_closed") == (
        "Payment window closed, still unpaid (callback lost?)"
    )
    assert zh("attention.pay_window_closed") == "支付时限已过仍未支付（回调丢失？）"
    assert "closing" not in en("attention.pay_window_closed").casefold()
    assert "closing" in en("attention.pay_window_closing").casefold()
    order = unpaid(pay_deadline=ago(5))
    keys = next_step_keys(order, attention_reasons(order, NOW))
    assert keys == ["next.pay_window_closed"]
    assert "callback" in en(keys[0])


def test_pay_window_closed_needs_an_unpaid_order_with_a_deadline() -> None:
    assert not pay_window_closed(unpaid(pay_deadline=None), NOW)
    for status in S:
        if status is not S.PENDING_PAYMENT:
            assert not pay_window_closed(make_order(status=status, pay_deadline=ago(60)), NOW)


def test_pay_window_needs_an_unpaid_order_with_a_deadline() -> None:
    assert not pay_window_closing(unpaid(pay_deadline=None), NOW)
    for status in S:
        if status is not S.PENDING_PAYMENT:
            assert not pay_window_closing(make_order(status=status, pay_deadline=NOW), NOW)


def test_pay_window_warning_follows_the_policy() -> None:
    order = unpaid(pay_deadline=NOW + timedelta(minutes=5))
    assert not pay_window_closing(order, NOW)
    wide = AttentionPolicy(pay_window_warning=timedelta(minutes=5))
    assert pay_window_closing(order, NOW, wide)
    assert attention_reasons(order, NOW, wide) == (Attention.PAY_WINDOW_CLOSING,)


# -- overdue ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.PAID, S.DELIVERING])
def test_overdue_only_strictly_after_the_promise(status: OrderStatus) -> None:
    order = make_order(status=status, promised_by=NOW, updated_at=NOW)
    assert not overdue(order, NOW - SECOND)
    assert not overdue(order, NOW)
    assert overdue(order, NOW + timedelta(microseconds=1))
    assert attention_reasons(order, NOW + SECOND) == (Attention.OVERDUE,)
    assert attention_reasons(order, NOW) == ()
    assert not needs_attention(order, NOW)
    assert needs_attention(order, NOW + timedelta(microseconds=1))


@pytest.mark.parametrize("status", [s for s in S if not s.in_progress])
def test_overdue_needs_a_paid_order(status: OrderStatus) -> None:
    assert not overdue(make_order(status=status, promised_by=ago(60)), NOW)


def test_overdue_without_a_promise_never() -> None:
    assert not overdue(make_order(promised_by=None), NOW + timedelta(days=30))


# -- stalled ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.PAID, S.DELIVERING])
def test_stalled_at_exactly_ten_minutes(status: OrderStatus) -> None:
    order = make_order(status=status, updated_at=NOW, promised_by=None)
    assert not stalled(order, NOW + timedelta(minutes=10) - timedelta(microseconds=1))
    assert stalled(order, NOW + timedelta(minutes=10))
    assert attention_reasons(order, NOW + timedelta(minutes=10)) == (Attention.STALLED,)
    assert not needs_attention(order, NOW + timedelta(minutes=9, seconds=59))
    assert needs_attention(order, NOW + timedelta(minutes=10))


@pytest.mark.parametrize("status", [s for s in S if not s.in_progress])
def test_only_paid_orders_stall(status: OrderStatus) -> None:
    assert not stalled(make_order(status=status, updated_at=ago(600)), NOW)


def test_stalled_follows_the_policy() -> None:
    order = make_order(updated_at=ago(3), promised_by=None)
    assert not stalled(order, NOW)
    assert stalled(order, NOW, AttentionPolicy(stalled_after=timedelta(minutes=3)))


# -- waiting on someone -------------------------------------------------------------------------


def test_waiting_on_customer_by_label() -> None:
    account = make_order(status=S.FAILED, label=label(LabelCode.ACCOUNT_INVALID))
    assert waiting_on_customer(account)
    assert not waiting_on_support(account)
    assert attention_reasons(account, NOW) == (Attention.WAITING_CUSTOMER,)
    # An unpaid order has the customer as actor, but without a label it is not "waiting".
    assert not waiting_on_customer(unpaid(pay_deadline=None))


@pytest.mark.parametrize("code", [LabelCode.OUT_OF_STOCK, LabelCode.CALLBACK_LOST, LabelCode.OTHER])
def test_waiting_on_support_by_label(code: LabelCode) -> None:
    order = unpaid(label=label(code), pay_deadline=None)
    assert waiting_on_support(order) and not waiting_on_customer(order)
    assert attention_reasons(order, NOW) == (Attention.WAITING_SUPPORT,)


def test_abnormal_waits_on_support_even_without_a_label() -> None:
    order = make_order(status=S.ABNORMAL, updated_at=NOW)
    assert waiting_on_support(order)
    assert attention_reasons(order, NOW) == (Attention.WAITING_SUPPORT,)


@pytest.mark.parametrize("code", [LabelCode.MAINTENANCE, LabelCode.CARRIER_ERROR])
def test_labels_nobody_acts_on_need_nothing_by_themselves(code: LabelCode) -> None:
    order = make_order(label=label(code), updated_at=NOW)
    assert not waiting_on_support(order) and not waiting_on_customer(order)
    assert attention_reasons(order, NOW) == ()
    assert not needs_attention(order, NOW)
    # ...but the clock still applies to them.
    assert Attention.STALLED in attention_reasons(order, NOW + timedelta(minutes=10))


def test_a_failed_order_without_a_label_needs_nothing() -> None:
    order = make_order(status=S.FAILED, updated_at=ago(600), promised_by=ago(600))
    assert attention_reasons(order, NOW) == ()
    assert not needs_attention(order, NOW)


# -- final orders and the order of reasons ------------------------------------------------------


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
@pytest.mark.parametrize("code", [None, *LabelCode])
def test_final_orders_need_nothing_whatever_else_holds(
    status: OrderStatus, code: LabelCode | None
) -> None:
    order = make_order(
        status=status,
        label=None if code is None else label(code),
        updated_at=ago(600),
        promised_by=ago(500),
        pay_deadline=NOW,
    )
    assert attention_reasons(order, NOW) == ()
    assert not needs_attention(order, NOW)
    assert not waiting_on_customer(order) and not waiting_on_support(order)


def test_reasons_are_ordered_most_urgent_first() -> None:
    assert list(Attention) == [
        Attention.WAITING_SUPPORT,
        Attention.OVERDUE,
        Attention.STALLED,
        Attention.PAY_WINDOW_CLOSED,
        Attention.WAITING_CUSTOMER,
        Attention.PAY_WINDOW_CLOSING,
    ]
    everything = make_order(
        status=S.PAID, label=label(LabelCode.OTHER), updated_at=ago(11), promised_by=ago(1)
    )
    assert attention_reasons(everything, NOW) == (
        Attention.WAITING_SUPPORT,
        Attention.OVERDUE,
        Attention.STALLED,
    )
    customer = everything._replace(label=label(LabelCode.ACCOUNT_INVALID))
    assert attention_reasons(customer, NOW) == (
        Attention.OVERDUE,
        Attention.STALLED,
        Attention.WAITING_CUSTOMER,
    )
    lost = unpaid(label=label(LabelCode.CALLBACK_LOST), pay_deadline=NOW + SECOND)
    assert attention_reasons(lost, NOW) == (
        Attention.WAITING_SUPPORT,
        Attention.PAY_WINDOW_CLOSING,
    )
    assert attention_reasons(lost, NOW + SECOND) == (
        Attention.WAITING_SUPPORT,
        Attention.PAY_WINDOW_CLOSED,
    )


def test_reasons_never_repeat_and_follow_the_enum_order() -> None:
    rank = {reason: i for i, reason in enumerate(Attention)}
    order = make_order(label=label(LabelCode.OUT_OF_STOCK), updated_at=ago(30), promised_by=ago(9))
    reasons = attention_reasons(order, NOW)
    assert len(set(reasons)) == len(reasons)
    assert [rank[r] for r in reasons] == sorted(rank[r] for r in reasons)


minutes = st.one_of(st.none(), st.integers(-30, 30))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(list(S)),
    st.one_of(st.none(), st.sampled_from(list(LabelCode))),
    st.integers(-5, 30),
    minutes,
    minutes,
    st.integers(0, 15),
    st.integers(1, 15),
)
def test_the_fast_check_agrees_with_the_reasons(
    status: OrderStatus,
    code: LabelCode | None,
    updated_ago: int,
    promised_in: int | None,
    deadline_in: int | None,
    warning: int,
    stall: int,
) -> None:
    policy = AttentionPolicy(timedelta(minutes=warning), timedelta(minutes=stall))
    order = make_order(
        status=status,
        label=None if code is None else label(code),
        updated_at=ago(updated_ago),
        promised_by=None if promised_in is None else NOW + timedelta(minutes=promised_in),
        pay_deadline=None if deadline_in is None else NOW + timedelta(minutes=deadline_in),
    )
    reasons = attention_reasons(order, NOW, policy)
    assert needs_attention(order, NOW, policy) == bool(reasons)
    if status.is_final:
        assert reasons == ()
