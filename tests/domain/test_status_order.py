"""Canonical statuses, their Chinese names, product types, and who must act on an order."""

from __future__ import annotations

import pytest

from kameng_tui.domain.order import StatusLabel
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
from tests.domain.factory import label, make_order

S = OrderStatus


def test_final_statuses_are_completed_cancelled_refunded_only() -> None:
    assert {S.COMPLETED, S.CANCELLED, S.REFUNDED} == FINAL_STATUSES
    assert {s for s in S if s.is_final} == FINAL_STATUSES
    # Failed and abnormal orders still need a person: they are not final.
    for status in (S.PENDING_PAYMENT, S.PAID, S.DELIVERING, S.FAILED, S.ABNORMAL):
        assert not status.is_final, status


def test_in_progress_is_paid_or_delivering() -> None:
    assert {s for s in S if s.in_progress} == {S.PAID, S.DELIVERING}
    assert not any(s.in_progress and s.is_final for s in S)


def test_status_values_are_stable_wire_names() -> None:
    assert [s.value for s in S] == [
        "pending_payment",
        "paid",
        "delivering",
        "completed",
        "cancelled",
        "failed",
        "abnormal",
        "refunded",
        "unreadable",
    ]
    assert S("paid") is S.PAID


def test_status_chinese_names_are_exactly_the_articles() -> None:
    assert STATUS_ZH == {
        S.PENDING_PAYMENT: "待支付",
        S.PAID: "已支付/待处理",
        S.DELIVERING: "发货中",
        S.COMPLETED: "已完成",
        S.CANCELLED: "已取消",
        S.FAILED: "发货失败",
        S.ABNORMAL: "异常",
        S.REFUNDED: "已退款",
        S.UNREADABLE: "无法读取",  # ours: not a lifecycle step, a watched order not read
    }


def test_product_type_chinese_names() -> None:
    assert PRODUCT_TYPE_ZH == {
        ProductType.GAME_CARD: "游戏点卡",
        ProductType.PHONE_TOPUP: "话费充值",
        ProductType.VIRTUAL_SERVICE: "虚拟服务",
        ProductType.OTHER: "其他",
    }
    assert set(PRODUCT_TYPE_ZH) == set(ProductType)


def test_label_actor_table_covers_every_code() -> None:
    assert LABEL_ACTOR == {
        LabelCode.MAINTENANCE: Actor.NOBODY,
        LabelCode.CARRIER_ERROR: Actor.NOBODY,
        LabelCode.ACCOUNT_INVALID: Actor.CUSTOMER,
        LabelCode.OUT_OF_STOCK: Actor.SUPPORT,
        LabelCode.CALLBACK_LOST: Actor.SUPPORT,
        LabelCode.OTHER: Actor.SUPPORT,
    }


@pytest.mark.parametrize("code", list(LabelCode))
def test_status_label_of_takes_the_actor_from_the_table(code: LabelCode) -> None:
    made = StatusLabel.of(code, "延迟发货：系统维护中")
    assert made == StatusLabel("延迟发货：系统维护中", code, LABEL_ACTOR[code])


def test_a_bare_status_label_defaults_to_other_and_support() -> None:
    assert StatusLabel("?") == StatusLabel("?", LabelCode.OTHER, Actor.SUPPORT)


@pytest.mark.parametrize(
    ("status", "actor"),
    [
        (S.PENDING_PAYMENT, Actor.CUSTOMER),
        (S.PAID, Actor.NOBODY),
        (S.DELIVERING, Actor.NOBODY),
        (S.COMPLETED, Actor.NOBODY),
        (S.CANCELLED, Actor.NOBODY),
        (S.FAILED, Actor.NOBODY),
        (S.ABNORMAL, Actor.SUPPORT),
        (S.REFUNDED, Actor.NOBODY),
    ],
)
def test_actor_without_a_label_follows_the_status(status: OrderStatus, actor: Actor) -> None:
    assert make_order(status=status, label=None).actor is actor


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("code", list(LabelCode))
def test_the_labels_actor_wins_over_the_status(status: OrderStatus, code: LabelCode) -> None:
    expected = Actor.NOBODY if status.is_final else LABEL_ACTOR[code]  # a settled label is history
    assert make_order(status=status, label=label(code)).actor is expected


def test_a_label_with_an_explicit_actor_wins_over_its_code() -> None:
    odd = StatusLabel("账号信息有误", LabelCode.ACCOUNT_INVALID, Actor.SUPPORT)
    assert make_order(status=S.PENDING_PAYMENT, label=odd).actor is Actor.SUPPORT
    nobody = StatusLabel("系统维护中", LabelCode.MAINTENANCE, Actor.NOBODY)
    assert make_order(status=S.ABNORMAL, label=nobody).actor is Actor.NOBODY


def test_orders_copy_with_replace_and_compare_by_value() -> None:
    order = make_order(7)
    moved = order._replace(status=S.COMPLETED)
    assert moved.status is S.COMPLETED and order.status is S.DELIVERING
    assert moved != order
    assert moved._replace(status=S.DELIVERING) == order
    assert make_order(7) == order  # equal fields: equal orders
