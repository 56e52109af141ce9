"""The demo platform: deterministic, paged, and alive with the article's troubles."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from kameng_tui.backends.base import BackendError
from kameng_tui.backends.demo import (
    CATALOGUE,
    LABELS,
    MAX_ORDERS,
    PAY_WINDOW,
    RAW,
    DemoBackend,
    DemoPlatform,
)
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import Actor, LabelCode, OrderStatus, ProductType

CARD_PRODUCTS = {p.name for p in CATALOGUE if p.codes}


def platform(orders: int = 300, seed: int = 7, **kw: object) -> tuple[DemoPlatform, ManualClock]:
    clock = ManualClock(FIXED_EPOCH)
    return DemoPlatform(orders=orders, seed=seed, clock=clock, **kw), clock  # type: ignore[arg-type]


def run(orders: int = 300, minutes: int = 60, step: float = 30) -> list[Order]:
    """Every version of every order seen while the platform runs for `minutes`."""
    demo, clock = platform(orders)
    seen = demo.orders()
    cursor = demo.changes_since(None).cursor
    for _ in range(int(minutes * 60 / step)):
        clock.advance(step)
        result = demo.changes_since(cursor)
        cursor = result.cursor
        seen.extend(result.orders)
    return seen


def test_same_seed_same_data_and_different_seed_different_data() -> None:
    assert platform(seed=7)[0].orders() == platform(seed=7)[0].orders()
    assert platform(seed=7)[0].orders() != platform(seed=8)[0].orders()


def test_state_does_not_depend_on_how_often_the_clock_is_read() -> None:
    one, one_clock = platform()
    many, many_clock = platform()
    one.orders()
    many.orders()
    one_clock.advance(600)
    for _ in range(120):
        many_clock.advance(5)
        many.advance()
    assert one.orders() == many.orders()


def test_default_demo_covers_every_status_type_and_label() -> None:
    orders = platform()[0].orders()
    assert len(orders) == 300
    assert {o.status for o in orders} == set(OrderStatus)
    assert {o.product_type for o in orders} == set(ProductType)
    assert {o.raw_status for o in orders} <= set(RAW.values())
    labels = {o.label for o in run(minutes=20) if o.label is not None}
    assert {label.code for label in labels} == set(LABELS)
    assert {label.text for label in labels} == {
        "延迟发货：系统维护中",
        "充值失败：运营商接口异常",
        "账号信息有误",
        "库存不足",
        "支付回调丢失：已付款未确认",
    }


@pytest.mark.parametrize("orders", [0, MAX_ORDERS + 1, -5])
def test_order_count_out_of_range_is_refused(orders: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 100,000"):
        platform(orders)


def test_bounds_are_accepted_and_construction_is_lazy() -> None:
    assert platform(1)[0].total == 1
    assert platform(MAX_ORDERS)[0].total == MAX_ORDERS  # nothing built yet


def test_order_numbers_are_unique() -> None:
    orders = platform(5_000)[0].orders()
    assert len({o.order_no for o in orders}) == 5_000


def test_new_orders_arrive_as_time_passes() -> None:
    demo, clock = platform()
    first = demo.changes_since(None)
    clock.advance(600)
    later = demo.changes_since(first.cursor)
    known = {o.order_no for o in first.orders}
    new = [o for o in later.orders if o.order_no not in known]
    assert len(new) > 10  # an order every 12 s on average
    assert later.total == 300 + len(new)
    assert all(FIXED_EPOCH < o.created_at <= clock.now() for o in new)


def test_unpaid_orders_expire_after_the_pay_window() -> None:
    demo, clock = platform()
    clock.advance(PAY_WINDOW + 60)
    expired = [o for o in demo.orders() if o.paid_at is None and o.status is OrderStatus.CANCELLED]
    assert expired
    for order in expired:
        assert order.raw_status == "已取消"
        assert order.pay_deadline == order.created_at + timedelta(seconds=PAY_WINDOW)
    for order in demo.orders():
        # Nothing stays unpaid past its window, except a payment whose callback was lost.
        if order.status is OrderStatus.PENDING_PAYMENT and order.label is None:
            assert order.pay_deadline is not None and order.pay_deadline >= clock.now()


def test_promised_delivery_and_card_codes_by_product_kind() -> None:
    orders = platform(3_000)[0].orders()
    paid = [o for o in orders if o.paid_at is not None]
    assert paid
    for order in paid:
        assert order.promised_by is not None
        promise = order.promised_by - order.paid_at  # type: ignore[operator]
        expected = 5 if order.product_name in CARD_PRODUCTS else 15
        assert promise == timedelta(minutes=expected)
    for order in orders:
        if order.status is OrderStatus.COMPLETED:
            assert order.delivered_at is not None
            assert bool(order.card_codes) == (order.product_name in CARD_PRODUCTS)
            if order.card_codes:
                assert len(order.card_codes) == order.quantity
        else:
            assert not order.card_codes


def test_direct_top_ups_take_longer_than_card_codes() -> None:
    orders = platform(3_000)[0].orders()

    def median_minutes(pick: set[ProductType] | None, codes: bool) -> float:
        spans = [
            (o.delivered_at - o.paid_at).total_seconds() / 60
            for o in orders
            if o.delivered_at is not None
            and o.paid_at is not None
            and (o.product_name in CARD_PRODUCTS) == codes
            and o.label is None
            and (pick is None or o.product_type in pick)
        ]
        assert len(spans) > 50
        return statistics.median(spans)  # typical: a few orders stall or wait on support

    cards = median_minutes(None, codes=True)
    assert cards < 2
    assert median_minutes({ProductType.PHONE_TOPUP}, codes=False) > 3 * cards


def test_carrier_errors_retry_and_failures_are_refunded() -> None:
    seen = run(minutes=40)
    carrier = [o for o in seen if o.label and o.label.code is LabelCode.CARRIER_ERROR]
    assert carrier and all(o.label and o.label.actor is Actor.NOBODY for o in carrier)
    refunded = [o for o in seen if o.status is OrderStatus.REFUNDED and o.refund is not None]
    assert refunded
    for order in refunded:
        assert order.refund is not None
        assert order.refund.amount == order.amount and order.amount > Decimal(0)
        assert order.refund.at == order.updated_at
        assert order.raw_status == "已退款"
    # A failed carrier order later shows up refunded, with the refund in its timeline.
    failed = {o.order_no for o in carrier if o.status is OrderStatus.FAILED}
    final = {o.order_no: o for o in seen}
    assert any(final[no].status is OrderStatus.REFUNDED for no in failed)


def test_labels_put_the_right_person_on_the_hook() -> None:
    by_code: dict[LabelCode, list[Order]] = {}
    for order in run(minutes=20):
        if order.label is not None and not order.status.is_final:
            by_code.setdefault(order.label.code, []).append(order)
    for order in by_code[LabelCode.ACCOUNT_INVALID]:
        assert order.status is OrderStatus.FAILED and order.actor is Actor.CUSTOMER
    for order in by_code[LabelCode.OUT_OF_STOCK]:
        assert order.status is OrderStatus.ABNORMAL and order.actor is Actor.SUPPORT
    for order in by_code[LabelCode.CALLBACK_LOST]:
        assert order.status is OrderStatus.PENDING_PAYMENT and order.raw_status == "待支付"
        assert order.actor is Actor.SUPPORT
    for order in by_code[LabelCode.MAINTENANCE]:
        assert order.status.in_progress and order.actor is Actor.NOBODY


def test_timelines_are_ordered_and_end_at_the_current_state() -> None:
    for order in run(minutes=10):
        first, last = order.timeline[0], order.timeline[-1]
        assert first.status is OrderStatus.PENDING_PAYMENT and first.at == order.created_at
        assert [e.at for e in order.timeline] == sorted(e.at for e in order.timeline)
        assert last.at == order.updated_at and last.status is order.status
        assert all(e.raw_status == RAW[e.status] for e in order.timeline)


def test_first_sync_pages_newest_first_without_gaps_or_repeats() -> None:
    demo, clock = platform(5_000, page_size=1_000)
    pages = [demo.changes_since(None)]
    assert len(pages[0].orders) == 1_000 and pages[0].more and pages[0].total == 5_000
    while pages[-1].more:
        pages.append(demo.changes_since(pages[-1].cursor))
    numbers = [o.order_no for page in pages for o in page.orders]
    assert len(numbers) == len(set(numbers)) == 5_000
    assert set(numbers) == {o.order_no for o in demo.orders()}
    newest = max(o.created_at for o in pages[-1].orders)
    assert all(o.created_at >= newest for o in pages[0].orders)

    cursor = pages[-1].cursor
    assert demo.changes_since(cursor).orders == []  # nothing happened
    before = {o.order_no: o for o in demo.orders()}
    clock.advance(60)
    changed = demo.changes_since(cursor).orders
    assert changed
    assert all(before.get(o.order_no) != o for o in changed)


@pytest.mark.parametrize("cursor", ["abc", "1", "99999999:0", "0:99999", ":", "-1:0"])
def test_malformed_cursors_are_backend_errors(cursor: str) -> None:
    demo, _ = platform()
    demo.changes_since(None)
    with pytest.raises(BackendError, match="invalid cursor"):
        demo.changes_since(cursor)


async def test_backend_fetches_through_the_interface() -> None:
    demo, clock = platform()
    backend = DemoBackend(demo)
    assert (backend.platform, backend.profile) == ("demo", "demo")
    first = await backend.fetch_changes(None)
    assert len(first.orders) == 300 and not first.more
    clock.advance(120)
    second = await backend.fetch_changes(first.cursor)
    assert Counter(o.order_no for o in second.orders).most_common(1)[0][1] == 1
    await backend.aclose()
