"""The stats view's numbers."""

from __future__ import annotations

from datetime import timedelta

from kameng_tui.domain.stats import compute, percentile
from kameng_tui.domain.status import LabelCode, OrderStatus, ProductType
from tests.domain.factory import NOW, ago, label, make_order


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert [percentile(values, p) for p in (50, 90, 99)] == [50.0, 90.0, 99.0]
    assert percentile([7.0], 99) == 7.0


def test_counts_delivery_times_reasons_and_hours() -> None:
    orders = [
        make_order(1, status=OrderStatus.COMPLETED, paid_at=ago(10), delivered_at=ago(8),
                   created_at=ago(11)),
        make_order(2, status=OrderStatus.COMPLETED, paid_at=ago(10), delivered_at=ago(4),
                   created_at=ago(90)),
        make_order(3, status=OrderStatus.FAILED, label=label(LabelCode.ACCOUNT_INVALID),
                   product_type=ProductType.PHONE_TOPUP, created_at=ago(60 * 30)),
        make_order(4, status=OrderStatus.ABNORMAL, label=label(LabelCode.OUT_OF_STOCK),
                   created_at=ago(30)),
        make_order(5, status=OrderStatus.DELIVERING, label=label(LabelCode.OUT_OF_STOCK),
                   created_at=ago(5)),
    ]  # fmt: skip
    stats = compute(orders, NOW)
    assert stats.total == 5
    assert stats.by_status[OrderStatus.COMPLETED] == 2 and stats.by_status[OrderStatus.PAID] == 0
    assert stats.by_type[ProductType.PHONE_TOPUP] == 1
    count, values = stats.delivery[ProductType.GAME_CARD]
    assert count == 2 and values[50] == 2.0 and values[99] == 6.0
    assert stats.reasons == [(LabelCode.OUT_OF_STOCK, 2), (LabelCode.ACCOUNT_INVALID, 1)]
    assert sum(stats.per_hour) == 4  # order 3 is older than a day
    assert stats.per_hour[-1] == 3 and stats.per_hour[-2] == 1
    assert compute([], NOW + timedelta(hours=1)).per_hour == [0] * 24


def test_stand_ins_count_by_status_but_not_as_reasons_or_new_orders() -> None:
    from kameng_tui.domain.order import stand_in
    from kameng_tui.domain.status import ReadProblem

    row = stand_in("TYPO", ReadProblem.NOT_FOUND, "no such order", NOW, None)
    assert row is not None
    stats = compute([row], NOW + timedelta(minutes=1))
    assert stats.by_status[OrderStatus.UNREADABLE] == 1
    assert stats.reasons == [] and sum(stats.per_hour) == 0
