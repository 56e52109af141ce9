"""Canonical order statuses, product types and who must act on a label."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    """The lifecycle every platform's raw status is mapped onto."""

    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    DELIVERING = "delivering"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    ABNORMAL = "abnormal"
    REFUNDED = "refunded"
    # Not a lifecycle step: a watched order the platform would not show this time (see
    # ReadProblem). Such a row stands in until the order can be read.
    UNREADABLE = "unreadable"

    @property
    def is_final(self) -> bool:
        """Nothing more will happen to the order without a person stepping in."""
        return self in FINAL_STATUSES

    @property
    def in_progress(self) -> bool:
        """Paid and on its way: the platform owes the customer the goods."""
        return self in (OrderStatus.PAID, OrderStatus.DELIVERING)


FINAL_STATUSES = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED})

# Chinese names from the source article; the message catalogue holds the display texts.
STATUS_ZH: dict[OrderStatus, str] = {
    OrderStatus.PENDING_PAYMENT: "待支付",
    OrderStatus.PAID: "已支付/待处理",
    OrderStatus.DELIVERING: "发货中",
    OrderStatus.COMPLETED: "已完成",
    OrderStatus.CANCELLED: "已取消",
    OrderStatus.FAILED: "发货失败",
    OrderStatus.ABNORMAL: "异常",
    OrderStatus.REFUNDED: "已退款",
    OrderStatus.UNREADABLE: "无法读取",
}


class ProductType(StrEnum):
    GAME_CARD = "game_card"
    PHONE_TOPUP = "phone_topup"
    VIRTUAL_SERVICE = "virtual_service"
    OTHER = "other"


PRODUCT_TYPE_ZH: dict[ProductType, str] = {
    ProductType.GAME_CARD: "游戏点卡",
    ProductType.PHONE_TOPUP: "话费充值",
    ProductType.VIRTUAL_SERVICE: "虚拟服务",
    ProductType.OTHER: "其他",
}


class Actor(StrEnum):
    """Who must act for a labelled order to move on."""

    NOBODY = "nobody"  # the platform retries or waits by itself
    CUSTOMER = "customer"
    SUPPORT = "support"


class LabelCode(StrEnum):
    """Machine-readable reason behind a status label (the article's examples)."""

    MAINTENANCE = "maintenance"  # 延迟发货：系统维护中
    CARRIER_ERROR = "carrier_error"  # 充值失败：运营商接口异常
    ACCOUNT_INVALID = "account_invalid"  # 账号信息有误
    OUT_OF_STOCK = "out_of_stock"  # 库存不足
    CALLBACK_LOST = "callback_lost"  # paid, but the payment callback never arrived
    OTHER = "other"


# Who acts, by reason: one table so the demo, adapters and the UI agree.
LABEL_ACTOR: dict[LabelCode, Actor] = {
    LabelCode.MAINTENANCE: Actor.NOBODY,
    LabelCode.CARRIER_ERROR: Actor.NOBODY,
    LabelCode.ACCOUNT_INVALID: Actor.CUSTOMER,
    LabelCode.OUT_OF_STOCK: Actor.SUPPORT,
    LabelCode.CALLBACK_LOST: Actor.SUPPORT,
    LabelCode.OTHER: Actor.SUPPORT,
}


class ReadProblem(StrEnum):
    """Why one order could not be read, while the others could."""

    NOT_FOUND = "not_found"  # the platform says clearly that no such order exists
    NOT_YOURS = "not_yours"  # it exists, but these credentials may not see it
    UNREADABLE = "unreadable"  # the platform's answer for it cannot be read
    RATE_LIMITED = "rate_limited"  # not asked this time: the platform's request budget is spent
