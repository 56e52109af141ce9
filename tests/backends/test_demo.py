"""DemoPlatform and DemoBackend: determinism, lifecycle, the article's labels, paging, cursors."""

from __future__ import annotations

import asyncio
import functools
import itertools
import statistics
import sys
import threading
import time
from collections.abc import Coroutine, Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest

from kameng_tui.backends.base import BackendError, SyncResult
from kameng_tui.backends.demo import (
    CATALOGUE,
    FIRST_PAGE,
    LABELS,
    MAX_ORDERS,
    PAY_WINDOW,
    RAW,
    DemoBackend,
    DemoPlatform,
)
from kameng_tui.domain.actions import Action
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import Actor, LabelCode, OrderStatus, ProductType

CODES_BY_NAME = {product.name: product.codes for product in CATALOGUE}
LABEL_TEXTS = {
    LabelCode.MAINTENANCE: "延迟发货：系统维护中",
    LabelCode.CARRIER_ERROR: "充值失败：运营商接口异常",
    LabelCode.ACCOUNT_INVALID: "账号信息有误",
    LabelCode.OUT_OF_STOCK: "库存不足",
    LabelCode.CALLBACK_LOST: "支付回调丢失：已付款未确认",
}
RAW_ZH = {"待支付", "待处理", "处理中", "已完成", "已取消", "失败", "异常", "已退款"}
RUN_MINUTES = 60
RUN_STEP = 30.0


def make(
    orders: int = 300, seed: int = 7, page_size: int = 1_000
) -> tuple[DemoPlatform, ManualClock]:
    clock = ManualClock(FIXED_EPOCH)
    return DemoPlatform(seed=seed, orders=orders, clock=clock, page_size=page_size), clock


def drain(platform: DemoPlatform, cursor: str | None) -> tuple[list[SyncResult], str | None]:
    """Every page of one sync, asking again while the platform says `more`."""
    pages = [platform.changes_since(cursor)]
    while pages[-1].more:
        pages.append(platform.changes_since(pages[-1].cursor))
    return pages, pages[-1].cursor


@functools.cache
def run() -> tuple[tuple[Order, ...], tuple[Order, ...]]:
    """Seed 7 polled every 30 s for an hour, then 30 quiet minutes more so late steps land.

    Returns every version of every order seen while polling, and every order at the very end.
    Cached: several tests read the same run, and orders are immutable.
    """
    platform, clock = make()
    pages, cursor = drain(platform, None)
    seen = [order for page in pages for order in page.orders]
    for _ in range(int(RUN_MINUTES * 60 / RUN_STEP)):
        clock.advance(RUN_STEP)
        result = platform.changes_since(cursor)
        assert not result.more
        cursor = result.cursor
        seen.extend(result.orders)
    clock.advance(30 * 60)
    final = platform.orders()
    return tuple(seen), tuple(final)


def labels_of(orders: Iterable[Order]) -> dict[LabelCode, list[Order]]:
    by_code: dict[LabelCode, list[Order]] = {}
    for order in orders:
        if order.label is not None:
            by_code.setdefault(order.label.code, []).append(order)
    return by_code


def final_by_no() -> dict[str, Order]:
    return {order.order_no: order for order in run()[1]}


# -- determinism ---------------------------------------------------------------------------


def test_same_seed_and_clock_give_identical_orders() -> None:
    first, first_clock = make(seed=7)
    second, second_clock = make(seed=7)
    assert first.orders() == second.orders()
    first_clock.advance(300)
    second_clock.advance(300)
    assert first.orders() == second.orders()


def test_different_seeds_give_different_orders() -> None:
    seven = make(seed=7)[0].orders()
    eight = make(seed=8)[0].orders()
    assert seven != eight
    assert {o.order_no for o in seven}.isdisjoint({o.order_no for o in eight})
    assert [o.product_name for o in seven] != [o.product_name for o in eight]


@pytest.mark.parametrize("poll", ["advance", "changes_since"])
def test_state_does_not_depend_on_clock_step_size(poll: str) -> None:
    big, big_clock = make()
    small, small_clock = make()
    start = big.orders()
    assert start == small.orders()
    big_clock.advance(600)
    cursor = small.changes_since(None).cursor
    for _ in range(120):
        small_clock.advance(5)
        if poll == "advance":
            small.advance()
        else:
            result = small.changes_since(cursor)
            cursor = result.cursor
    after = big.orders()
    assert after == small.orders()
    assert after != start  # ten minutes did change something: the check is not vacuous
    assert big.total == small.total > 300


# -- defaults, statuses, labels ------------------------------------------------------------


def test_defaults_hold_300_orders_of_every_status_and_type() -> None:
    clock = ManualClock(FIXED_EPOCH)
    platform = DemoPlatform(clock=clock)
    assert (platform.seed, platform.initial) == (7, 300)
    orders = platform.orders()
    assert len(orders) == 300 == platform.total
    assert {o.status for o in orders} == set(OrderStatus) - {OrderStatus.UNREADABLE}
    assert {o.product_type for o in orders} == set(ProductType)


def test_raw_statuses_are_the_platforms_chinese_words() -> None:
    assert set(RAW.values()) == RAW_ZH
    assert set(RAW) == set(OrderStatus) - {OrderStatus.UNREADABLE}  # a stand-in, not a state
    seen, final = run()
    for order in (*seen, *final):
        assert order.raw_status == RAW[order.status]
        assert all(event.raw_status == RAW[event.status] for event in order.timeline)


def test_label_table_has_the_articles_texts_and_actors() -> None:
    assert set(LABELS) == set(LABEL_TEXTS)
    for code, label in LABELS.items():
        assert label.code is code
        assert label.text == LABEL_TEXTS[code]
    assert LABELS[LabelCode.MAINTENANCE].actor is Actor.NOBODY
    assert LABELS[LabelCode.CARRIER_ERROR].actor is Actor.NOBODY
    assert LABELS[LabelCode.ACCOUNT_INVALID].actor is Actor.CUSTOMER
    assert LABELS[LabelCode.OUT_OF_STOCK].actor is Actor.SUPPORT
    assert LABELS[LabelCode.CALLBACK_LOST].actor is Actor.SUPPORT


def test_every_label_shows_up_within_an_hour_of_running() -> None:
    seen, final = run()
    labelled = labels_of((*seen, *final))
    assert set(labelled) == set(LABEL_TEXTS)
    for code, orders in labelled.items():
        assert {o.label.text for o in orders if o.label is not None} == {LABEL_TEXTS[code]}
    # The timelines tell the same story in the platform's words.
    notes = {event.note for order in (*seen, *final) for event in order.timeline}
    assert set(LABEL_TEXTS.values()) <= notes


# -- bounds --------------------------------------------------------------------------------


@pytest.mark.parametrize("orders", [0, MAX_ORDERS + 1])
def test_order_count_out_of_bounds_is_refused(orders: int) -> None:
    assert MAX_ORDERS == 100_000
    with pytest.raises(ValueError, match="100,000"):
        DemoPlatform(orders=orders, clock=ManualClock(FIXED_EPOCH))


@pytest.mark.parametrize("orders", [1, MAX_ORDERS])
def test_order_count_bounds_are_accepted(orders: int) -> None:
    platform = DemoPlatform(orders=orders, clock=ManualClock(FIXED_EPOCH))
    assert platform.initial == orders
    assert platform.total == orders  # lazy: no order is built to answer this


def test_a_single_order_platform_works() -> None:
    platform, _ = make(orders=1)
    pages, _ = drain(platform, None)
    assert len(pages) == 1 and len(pages[0].orders) == 1
    assert pages[0].orders == platform.orders()


# -- lifecycle -----------------------------------------------------------------------------


def test_new_orders_arrive_as_the_clock_advances() -> None:
    platform, clock = make()
    first = platform.changes_since(None)
    known = {o.order_no for o in first.orders}
    assert first.total == 300
    clock.advance(600)
    later = platform.changes_since(first.cursor)
    new = [o for o in later.orders if o.order_no not in known]
    assert len(new) >= 20  # about one every 12 s
    assert later.total == platform.total == 300 + len(new)
    assert len(platform.orders()) == later.total
    for order in new:
        assert FIXED_EPOCH < order.created_at <= clock.now()
        assert platform.get(order.order_no) == order
    assert platform.get("KM-no-such-order") is None


def test_unpaid_orders_are_cancelled_once_the_pay_window_closes() -> None:
    platform, clock = make()
    platform.orders()
    clock.advance(5 * 60)
    waiting = [
        o.order_no
        for o in platform.orders()
        if o.created_at > FIXED_EPOCH and o.status is OrderStatus.PENDING_PAYMENT
    ]
    assert waiting
    clock.advance(PAY_WINDOW + 60)
    window = timedelta(seconds=PAY_WINDOW)
    expired = []
    for order_no in waiting:
        order = platform.get(order_no)
        assert order is not None
        assert order.pay_deadline == order.created_at + window
        if order.paid_at is None and order.label is None:
            # Never paid and no lost callback: the window closed and the platform cancelled it.
            assert order.status is OrderStatus.CANCELLED and order.raw_status == "已取消"
            expired.append(order)
    assert any(o.updated_at == o.created_at + window for o in expired)
    # Nobody anywhere is still unpaid past the window, except a payment whose callback was lost.
    for order in platform.orders():
        deadline = order.pay_deadline
        if order.status is OrderStatus.PENDING_PAYMENT and deadline and deadline < clock.now():
            assert order.label is not None
            assert order.label.code is LabelCode.CALLBACK_LOST


def test_paid_orders_are_promised_by_product_kind() -> None:
    seen, final = run()
    paid = [o for o in (*seen, *final) if o.paid_at is not None]
    kinds = set()
    for order in paid:
        assert order.paid_at is not None and order.promised_by is not None
        codes = CODES_BY_NAME[order.product_name]
        kinds.add(codes)
        minutes = 5 if codes else 15
        assert order.promised_by - order.paid_at == timedelta(minutes=minutes)
    assert kinds == {True, False}
    for order in (*seen, *final):
        if order.paid_at is None:
            assert order.promised_by is None


def test_completed_orders_have_a_delivery_time_and_codes_only_for_card_products() -> None:
    seen, final = run()
    completed = [o for o in (*seen, *final) if o.status is OrderStatus.COMPLETED]
    assert any(CODES_BY_NAME[o.product_name] for o in completed)
    assert any(not CODES_BY_NAME[o.product_name] for o in completed)
    for order in completed:
        assert order.delivered_at is not None and order.paid_at is not None
        assert order.paid_at <= order.delivered_at <= order.updated_at
        if CODES_BY_NAME[order.product_name]:
            assert len(order.card_codes) == order.quantity >= 1
            assert all(code.strip() for code in order.card_codes)
            assert order.account == ""
        else:
            assert order.card_codes == ()
            assert order.quantity == 1 and order.account != ""
    for order in (*seen, *final):
        if order.status is not OrderStatus.COMPLETED:
            assert order.card_codes == () and order.delivered_at is None


def test_card_codes_are_stable_between_platforms() -> None:
    def codes() -> dict[str, tuple[str, ...]]:
        return {o.order_no: o.card_codes for o in make()[0].orders() if o.card_codes}

    first = codes()
    assert first and first == codes()


def test_phone_top_ups_take_longer_than_card_codes() -> None:
    orders = make(orders=3_000)[0].orders()

    def mean_minutes(wanted: bool) -> float:
        spans = [
            (o.delivered_at - o.paid_at).total_seconds() / 60
            for o in orders
            if o.status is OrderStatus.COMPLETED
            and o.delivered_at is not None
            and o.paid_at is not None
            and (
                CODES_BY_NAME[o.product_name]
                if wanted
                else o.product_type is ProductType.PHONE_TOPUP
            )
        ]
        assert len(spans) > 100
        return statistics.mean(spans)

    cards, top_ups = mean_minutes(True), mean_minutes(False)
    assert top_ups > cards * 1.5


# -- failures, refunds, who acts -----------------------------------------------------------


def test_carrier_failures_are_refunded_in_full() -> None:
    seen, _ = run()
    final = final_by_no()
    failed = {
        o.order_no
        for o in seen
        if o.status is OrderStatus.FAILED
        and o.label is not None
        and o.label.code is LabelCode.CARRIER_ERROR
    }
    assert failed
    for order_no in failed:
        order = final[order_no]
        assert order.status is OrderStatus.REFUNDED and order.raw_status == "已退款"
        assert order.refund is not None
        assert order.refund.amount == order.amount > 0
        assert order.refund.at is not None and order.refund.at == order.updated_at
        statuses = [event.status for event in order.timeline]
        assert statuses.index(OrderStatus.FAILED) < statuses.index(OrderStatus.REFUNDED)
    # While the platform is still retrying, nobody has to act.
    retrying = [
        o for o in labels_of(seen)[LabelCode.CARRIER_ERROR] if o.status is OrderStatus.DELIVERING
    ]
    assert retrying and all(o.actor is Actor.NOBODY for o in retrying)


def test_every_refund_matches_the_amount_paid() -> None:
    seen, final = run()
    refunded = [o for o in (*seen, *final) if o.status is OrderStatus.REFUNDED]
    assert refunded
    for order in refunded:
        assert order.refund is not None and order.refund.at == order.updated_at
        assert order.refund.amount == order.amount
        assert order.paid_at is not None and order.paid_at < order.updated_at
    assert all(o.refund is None for o in (*seen, *final) if o.status is not OrderStatus.REFUNDED)


def test_a_wrong_account_waits_on_the_customer() -> None:
    seen, final = run()
    failed = [
        o
        for o in (*seen, *final)
        if o.status is OrderStatus.FAILED
        and o.label is not None
        and o.label.code is LabelCode.ACCOUNT_INVALID
    ]
    assert failed
    for order in failed:
        assert order.label is not None and order.label.actor is Actor.CUSTOMER
        assert order.actor is Actor.CUSTOMER and order.raw_status == "失败"
        assert order.account != ""


def test_out_of_stock_is_abnormal_and_waits_on_support() -> None:
    seen, final = run()
    short = [o for o in labels_of((*seen, *final))[LabelCode.OUT_OF_STOCK] if not o.status.is_final]
    assert short
    for order in short:
        assert order.status is OrderStatus.ABNORMAL and order.raw_status == "异常"
        assert order.actor is Actor.SUPPORT
        assert CODES_BY_NAME[order.product_name]


def test_lost_payment_callback_stays_pending_and_waits_on_support() -> None:
    seen, final = run()
    lost = [o for o in labels_of((*seen, *final))[LabelCode.CALLBACK_LOST] if not o.status.is_final]
    assert lost
    for order in lost:
        assert order.status is OrderStatus.PENDING_PAYMENT and order.raw_status == "待支付"
        assert order.label is not None and order.label.actor is Actor.SUPPORT
        assert order.actor is Actor.SUPPORT
        assert order.paid_at is None


def test_failed_orders_carry_a_failure_label() -> None:
    seen, final = run()
    failed = [o for o in (*seen, *final) if o.status is OrderStatus.FAILED]
    assert failed
    codes = {LabelCode.CARRIER_ERROR, LabelCode.ACCOUNT_INVALID}
    assert all(o.label is not None and o.label.code in codes for o in failed)


# -- timelines -----------------------------------------------------------------------------


def test_timelines_start_at_creation_and_end_at_the_current_state() -> None:
    seen, final = run()
    for order in (*seen, *final):
        assert order.timeline
        first, last = order.timeline[0], order.timeline[-1]
        assert first.status is OrderStatus.PENDING_PAYMENT and first.at == order.created_at
        times = [event.at for event in order.timeline]
        assert all(a <= b for a, b in itertools.pairwise(times))
        assert last.at == order.updated_at
        assert last.status is order.status
        if order.paid_at is not None:
            assert order.paid_at in times
        if order.delivered_at is not None:
            assert order.delivered_at in times


def test_a_settled_orders_timeline_survives_later_reads() -> None:
    platform, clock = make()
    before = {o.order_no: o for o in platform.orders()}
    clock.advance(3600)
    for order in platform.orders():
        old = before.get(order.order_no)
        if old is not None and old.status.is_final:
            assert order == old and order.timeline


# -- paging and cursors --------------------------------------------------------------------


def test_the_first_page_is_small_and_pages_then_double() -> None:
    platform = DemoPlatform(orders=100_000, clock=ManualClock(FIXED_EPOCH))
    sizes = []
    cursor = None
    for _ in range(4):
        page = platform.changes_since(cursor)
        sizes.append(len(page.orders))
        cursor = page.cursor
    assert sizes == [FIRST_PAGE, FIRST_PAGE, 2 * FIRST_PAGE, 4 * FIRST_PAGE]


def test_first_sync_is_paged_without_gaps_or_repeats_then_incremental() -> None:
    platform, clock = make(orders=5_000, page_size=1_000)
    pages, cursor = drain(platform, None)
    assert len(pages[0].orders) == 1_000 and pages[0].more
    assert all(page.more for page in pages[:-1]) and not pages[-1].more
    assert all(page.total == 5_000 for page in pages)
    numbers = [o.order_no for page in pages for o in page.orders]
    assert len(numbers) == len(set(numbers)) == 5_000
    everything = platform.orders()
    assert set(numbers) == {o.order_no for o in everything}
    assert len({o.order_no for o in everything}) == len(everything)
    # Newest first: the first page is the most recent history.
    assert min(o.created_at for o in pages[0].orders) >= max(o.created_at for o in pages[-1].orders)

    quiet = platform.changes_since(cursor)
    assert quiet.orders == [] and not quiet.more and quiet.total == 5_000

    before = {o.order_no: o for o in everything}
    clock.advance(60)
    changed = platform.changes_since(cursor)
    assert changed.orders and not changed.more
    assert len({o.order_no for o in changed.orders}) == len(changed.orders)
    for order in changed.orders:
        assert before.get(order.order_no) != order  # new, or a new version
    now = {o.order_no: o for o in platform.orders()}
    missed = [no for no, o in now.items() if before.get(no) != o]
    assert {o.order_no for o in changed.orders} == set(missed)
    assert changed.total == len(now)


@pytest.mark.parametrize("cursor", ["abc", "1", "99999999:0"])
def test_malformed_cursor_is_a_backend_error(cursor: str) -> None:
    platform, _ = make()
    platform.changes_since(None)
    with pytest.raises(BackendError, match="invalid cursor"):
        platform.changes_since(cursor)


def test_a_full_sync_after_time_has_passed_returns_every_order() -> None:
    platform, clock = make()
    platform.changes_since(None)  # another client started the platform
    clock.advance(600)
    pages, _ = drain(platform, None)  # a new client asks for everything
    numbers = {o.order_no for page in pages for o in page.orders}
    assert numbers == {o.order_no for o in platform.orders()}
    assert len(numbers) == pages[-1].total


# -- the backend interface -----------------------------------------------------------------


async def test_backend_fetches_changes_off_the_event_loop() -> None:
    platform, clock = make()
    backend = DemoBackend(platform)
    assert (backend.platform, backend.profile) == ("demo", "demo")
    assert backend.demo is platform
    first = await backend.fetch_changes(None)
    assert len(first.orders) == 300 and not first.more and first.total == 300
    assert first.orders == platform.orders()
    clock.advance(120)
    second = await backend.fetch_changes(first.cursor)
    assert second.orders and second.total > 300
    assert len({o.order_no for o in second.orders}) == len(second.orders)
    with pytest.raises(BackendError):
        await backend.fetch_changes("abc")
    await backend.aclose()


class RacingClock:
    """A clock that moves on a minute at every reading and gives way to other threads while
    read, so concurrent calls interleave inside the platform as badly as they can."""

    def __init__(self) -> None:
        self._now = FIXED_EPOCH
        self._guard = threading.Lock()

    def now(self) -> datetime:
        time.sleep(0.0005)  # another thread runs here
        with self._guard:
            self._now += timedelta(minutes=1)
            return self._now


async def test_concurrent_calls_from_worker_threads_are_safe() -> None:
    """DemoBackend runs perform, changes_since and get in to_thread workers, many at once."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        platform = DemoPlatform(seed=3, orders=200, clock=RacingClock(), page_size=50)
        backend = DemoBackend(platform)
        first = await backend.fetch_changes(None)
        numbers = [o.order_no for o in first.orders]
        for _ in range(5):
            calls: list[Coroutine[Any, Any, object]] = []
            for n in range(24):
                calls.append(backend.fetch_changes(None if n % 3 == 0 else first.cursor))
                calls.append(backend.get_order(numbers[n % len(numbers)]))
                calls.append(backend.perform(numbers[n % len(numbers)], Action.SYNC))
            await asyncio.gather(*calls)
    finally:
        sys.setswitchinterval(old)
    orders = platform.orders()
    assert len(orders) == platform.total
    assert len({o.order_no for o in orders}) == len(orders), "an order number made twice"
    final, cursor = drain(platform, None)
    assert cursor is not None
    assert len({o.order_no for page in final for o in page.orders}) == platform.total
