"""Numbers for the stats view: counts, delivery times, failure reasons, orders per hour."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

import msgspec

from kameng_tui.domain.order import Order
from kameng_tui.domain.status import LabelCode, OrderStatus, ProductType

PERCENTILES = (50, 90, 99)


class Stats(msgspec.Struct, frozen=True):
    total: int
    by_status: dict[OrderStatus, int]
    by_type: dict[ProductType, int]
    # per product type: (completed orders measured, {percentile: minutes from paid to delivered})
    delivery: dict[ProductType, tuple[int, dict[int, float]]]
    reasons: list[tuple[LabelCode, int]]  # labels on orders that failed or got stuck, most first
    per_hour: list[int]  # orders created in each of the last 24 hours, oldest first


def percentile(sorted_values: list[float], p: int) -> float:
    """Nearest-rank percentile of an already sorted, non-empty list."""
    rank = math.ceil(p / 100 * len(sorted_values))  # 1-based
    return sorted_values[max(0, min(len(sorted_values), rank) - 1)]


def compute(orders: Iterable[Order], now: datetime) -> Stats:
    by_status: Counter[OrderStatus] = Counter()
    by_type: Counter[ProductType] = Counter()
    times: dict[ProductType, list[float]] = {}
    reasons: Counter[LabelCode] = Counter()
    per_hour = [0] * 24
    start = now - timedelta(hours=24)
    total = 0
    for order in orders:
        total += 1
        by_status[order.status] += 1
        by_type[order.product_type] += 1
        if order.status is OrderStatus.COMPLETED and order.paid_at and order.delivered_at:
            minutes = (order.delivered_at - order.paid_at).total_seconds() / 60
            times.setdefault(order.product_type, []).append(minutes)
        if order.status is OrderStatus.UNREADABLE:
            continue  # a stand-in: its label and creation time are ours, not the platform's
        if order.label is not None and order.status is not OrderStatus.COMPLETED:
            reasons[order.label.code] += 1
        if start <= order.created_at < now:
            per_hour[int((order.created_at - start).total_seconds() // 3600)] += 1
    delivery = {}
    for product_type, values in times.items():
        values.sort()
        delivery[product_type] = (len(values), {p: percentile(values, p) for p in PERCENTILES})
    return Stats(
        total=total,
        by_status={s: by_status[s] for s in OrderStatus},
        by_type={t: by_type[t] for t in ProductType},
        delivery=delivery,
        reasons=reasons.most_common(),
        per_hour=per_hour,
    )
