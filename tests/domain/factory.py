"""Hand-made orders for domain tests: sensible defaults, override what the test is about."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from kameng_tui.domain.clock import FIXED_EPOCH
from kameng_tui.domain.order import Order, StatusLabel
from kameng_tui.domain.status import LabelCode, OrderStatus, ProductType

NOW = FIXED_EPOCH


def ago(minutes: float) -> Any:
    return NOW - timedelta(minutes=minutes)


def make_order(number: int = 1, **overrides: Any) -> Order:
    fields: dict[str, Any] = {
        "order_no": f"KM{number:08d}",
        "product_name": "腾讯Q币 100元",
        "product_type": ProductType.GAME_CARD,
        "merchant": "星辰卡盟",
        "merchant_verified": True,
        "quantity": 1,
        "amount": Decimal("98.00"),
        "currency": "CNY",
        "account": "",
        "status": OrderStatus.DELIVERING,
        "raw_status": "处理中",
        "label": None,
        "created_at": ago(5),
        "updated_at": ago(1),
        "paid_at": ago(4),
        "pay_deadline": ago(5) + timedelta(minutes=15),
        "promised_by": ago(4) + timedelta(minutes=5),
    }
    fields.update(overrides)
    return Order(**fields)


def label(code: LabelCode, text: str = "label") -> StatusLabel:
    return StatusLabel.of(code, text)
