"""Statuses, who acts, and the rules that say an order needs a person."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kameng_tui.domain.attention import (
    Attention,
    AttentionPolicy,
    attention_reasons,
    needs_attention,
    overdue,
    pay_window_closing,
    stalled,
    waiting_on_customer,
    waiting_on_support,
)
from kameng_tui.domain.status import (
    FINAL_STATUSES,
    LABEL_ACTOR,
    PRODUCT_TYPE_ZH,
    STATUS_ZH,
    Actor,
    LabelCode,
    OrderStatus,
    ProductType,
)
from tests.domain.factory import NOW, ago, label, make_order

S = OrderStatus


def test_chinese_names_are_the_articles() -> None:
    assert [STATUS_ZH[s] for s in S] == [
        "待支付", "已支付/待处理", "发货中", "已完成", "已取消", "发货失败", "异常", "已退款",
    ]  # fmt: skip
    assert [PRODUCT_TYPE_ZH[t] for t in ProductType] == ["游戏点卡", "话费充值", "虚拟服务", "其他"]


def test_final_and_in_progress() -> None:
    assert {S.COMPLETED, S.CANCELLED, S.REFUNDED} == FINAL_STATUSES
    assert {s for s in S if s.is_final} == FINAL_STATUSES
    assert {s for s in S if s.in_progress} == {S.PAID, S.DELIVERING}
    assert not S.FAILED.is_final and not S.ABNORMAL.is_final  # someone still has to act


def test_who_acts_per_label_and_status() -> None:
    assert LABEL_ACTOR[LabelCode.MAINTENANCE] is Actor.NOBODY
    assert LABEL_ACTOR[LabelCode.CARRIER_ERROR] is Actor.NOBODY
    assert LABEL_ACTOR[LabelCode.ACCOUNT_INVALID] is Actor.CUSTOMER
    assert LABEL_ACTOR[LabelCode.OUT_OF_STOCK] is Actor.SUPPORT
    assert LABEL_ACTOR[LabelCode.CALLBACK_LOST] is Actor.SUPPORT
    assert set(LABEL_ACTOR) == set(LabelCode)
    abnormal = make_order(status=S.ABNORMAL)
    assert abnormal.actor is Actor.SUPPORT
    assert make_order(status=S.PENDING_PAYMENT).actor is Actor.CUSTOMER
    assert make_order(status=S.DELIVERING).actor is Actor.NOBODY
    assert abnormal._replace(label=label(LabelCode.ACCOUNT_INVALID)).actor is Actor.CUSTOMER


def test_pay_window_closing_within_three_minutes() -> None:
    pending = make_order(status=S.PENDING_PAYMENT, paid_at=None, promised_by=None)
    assert pay_window_closing(pending._replace(pay_deadline=NOW + timedelta(minutes=3)), NOW)
    assert not pay_window_closing(
        pending._replace(pay_deadline=NOW + timedelta(minutes=3, seconds=1)), NOW
    )
    assert not pay_window_closing(pending._replace(pay_deadline=None), NOW)
    assert not pay_window_closing(make_order(pay_deadline=NOW), NOW)  # already paid


def test_overdue_just_after_the_promise() -> None:
    order = make_order(promised_by=NOW)
    assert not overdue(order, NOW)
    assert overdue(order, NOW + timedelta(seconds=1))
    assert not overdue(order._replace(status=S.COMPLETED), NOW + timedelta(hours=1))
    assert not overdue(order._replace(promised_by=None), NOW + timedelta(hours=1))


def test_stalled_at_exactly_ten_minutes_in_progress() -> None:
    assert stalled(make_order(updated_at=ago(10)), NOW)
    assert not stalled(make_order(updated_at=ago(9.99)), NOW)
    assert not stalled(make_order(updated_at=ago(60), status=S.PENDING_PAYMENT), NOW)
    strict = AttentionPolicy(stalled_after=timedelta(minutes=2))
    assert stalled(make_order(updated_at=ago(2)), NOW, strict)


def test_waiting_on_customer_or_support() -> None:
    account = make_order(status=S.FAILED, label=label(LabelCode.ACCOUNT_INVALID))
    assert waiting_on_customer(account) and not waiting_on_support(account)
    stock = make_order(status=S.ABNORMAL, label=label(LabelCode.OUT_OF_STOCK))
    assert waiting_on_support(stock) and not waiting_on_customer(stock)
    assert waiting_on_support(make_order(status=S.ABNORMAL))
    lost = make_order(status=S.PENDING_PAYMENT, label=label(LabelCode.CALLBACK_LOST))
    assert waiting_on_support(lost)
    maintenance = make_order(label=label(LabelCode.MAINTENANCE))
    assert not waiting_on_support(maintenance) and not waiting_on_customer(maintenance)
    assert not waiting_on_customer(account._replace(status=S.REFUNDED))


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_final_orders_need_nothing(status: OrderStatus) -> None:
    order = make_order(
        status=status,
        label=label(LabelCode.OUT_OF_STOCK),
        updated_at=ago(600),
        promised_by=ago(500),
    )
    assert attention_reasons(order, NOW) == ()
    assert not needs_attention(order, NOW)


def test_reasons_come_most_urgent_first() -> None:
    order = make_order(
        status=S.DELIVERING,
        label=label(LabelCode.OTHER),
        updated_at=ago(30),
        promised_by=ago(20),
    )
    assert attention_reasons(order, NOW) == (
        Attention.WAITING_SUPPORT,
        Attention.OVERDUE,
        Attention.STALLED,
    )


def test_needs_attention_agrees_with_the_reasons() -> None:
    """The fast check and the full list of reasons must never disagree."""
    policy = AttentionPolicy()

    def at(minutes: int | None) -> datetime | None:
        return None if minutes is None else NOW + timedelta(minutes=minutes)

    for status in S:
        for code in (None, *LabelCode):
            for updated in (0, 5, 10, 60):
                for promised in (None, -10, 10):
                    for deadline in (None, -1, 2, 10):
                        order = make_order(
                            status=status,
                            label=None if code is None else label(code),
                            updated_at=ago(updated),
                            promised_by=None
                            if promised is None
                            else NOW + timedelta(minutes=promised),
                            pay_deadline=None
                            if deadline is None
                            else NOW + timedelta(minutes=deadline),
                        )
                        assert needs_attention(order, NOW, policy) == bool(
                            attention_reasons(order, NOW, policy)
                        ), order
