"""A big book stays small: orders are compact, untracked by the cycle collector, and share what
repeats; the demo keeps settled orders as their snapshots alone; the view's indexes keep no keys.
Each test fails if the compaction it names breaks (none measures time)."""

from __future__ import annotations

import gc
import json
import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kameng_tui.api.wire import decode_page, encode_order
from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.domain import sortedindex
from kameng_tui.domain.actions import Action
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order, PackedTimeline, TimelineEvent
from kameng_tui.domain.sortedindex import LOAD, SortedOrders, build
from kameng_tui.domain.status import OrderStatus
from kameng_tui.domain.view import SORT_KEYS, OrderView, SortColumn
from tests.domain.factory import NOW, make_order

S = OrderStatus


def demo(orders: int = 2_000) -> tuple[DemoPlatform, ManualClock]:
    clock = ManualClock(FIXED_EPOCH)
    return DemoPlatform(orders=orders, clock=clock), clock


# -- orders -------------------------------------------------------------------------------------


def test_orders_and_packed_timelines_are_not_tracked_by_the_cycle_collector() -> None:
    platform, _ = demo(300)
    orders = platform.orders()
    assert not any(gc.is_tracked(o) for o in orders)
    assert all(isinstance(o.timeline, PackedTimeline) for o in orders)
    assert not any(gc.is_tracked(o.timeline) for o in orders)


def test_a_packed_timeline_is_the_tuple_of_its_events() -> None:
    at = NOW.timestamp()
    events = [
        (0.0, S.PENDING_PAYMENT, "待支付", "订单已创建"),
        (31.5, S.PAID, "待处理", "支付成功"),
        (95.123457, S.COMPLETED, "已完成", "发货成功"),
    ]
    packed = PackedTimeline.pack(at, events)
    expected = tuple(
        TimelineEvent(NOW + timedelta(seconds=t), s, raw, note) for t, s, raw, note in events
    )
    assert isinstance(packed, PackedTimeline)
    assert tuple(packed) == expected and packed == expected and expected == packed
    assert not packed != expected and hash(packed) == hash(expected)  # noqa: SIM202
    assert packed != list(expected)  # as a tuple is not a list
    assert len(packed) == 3 and packed[0] == expected[0] and packed[-1] == expected[-1]
    assert packed[1:] == expected[1:] and list(reversed(packed)) == list(reversed(expected))
    with pytest.raises(IndexError):
        packed[3]
    assert packed.entries() == events
    # Packed from another base, the same moments: equal too.
    again = PackedTimeline.pack(at - 10, [(t + 10, s, raw, note) for t, s, raw, note in events])
    assert again == packed and hash(again) == hash(packed)
    order = make_order(1, timeline=packed)
    assert order == make_order(1, timeline=expected)
    assert not order != order._replace()  # noqa: SIM202 (a Struct's != is its own)


def test_replace_copies_with_changes() -> None:
    order = make_order(1)
    changed = order._replace(status=S.PAID, quantity=3)
    assert (changed.status, changed.quantity, changed.order_no) == (S.PAID, 3, order.order_no)
    assert changed != order and order.status is S.DELIVERING
    assert isinstance(changed, Order) and not gc.is_tracked(changed)


def test_demo_orders_share_their_repeated_texts_and_amounts() -> None:
    platform, _ = demo()
    orders = platform.orders()
    for field in ("product_name", "merchant", "currency", "raw_status", "label"):
        values = [getattr(o, field) for o in orders if getattr(o, field) is not None]
        assert len({id(v) for v in values}) == len(set(values)), field
    amounts: dict[tuple[str, str, int], set[int]] = {}
    for o in orders:
        amounts.setdefault((o.product_name, o.merchant, o.quantity), set()).add(id(o.amount))
    assert all(len(ids) == 1 for ids in amounts.values())


def test_the_demo_keeps_a_settled_order_as_its_snapshot_alone() -> None:
    platform, _ = demo()
    orders = platform.orders()
    settled = sum(1 for o in orders if o.status.is_final)
    assert settled > len(orders) * 0.8
    # What it holds of a settled order is the very order it gave: no simulation state beside.
    held = {id(e) for e in platform._sims if isinstance(e, Order)}
    assert sum(1 for o in orders if id(o) in held) >= settled * 0.95


def test_an_action_on_a_settled_demo_order_keeps_the_rest_of_it() -> None:
    platform, clock = demo()
    orders = platform.orders()
    refunded = next(o for o in orders if o.status is S.REFUNDED and o.refund is not None)
    completed = next(o for o in orders if o.status is S.COMPLETED and o.card_codes)
    clock.advance(60)
    for before, action, note in (
        (refunded, Action.APPEAL, "订单申诉：why"),
        (completed, Action.CONFIRM_RECEIPT, "已确认收货"),
    ):
        after = platform.perform(before.order_no, action, "why")
        assert after.timeline[-1].note == note
        assert tuple(after.timeline)[:-1] == tuple(before.timeline)
        same = after._replace(timeline=before.timeline, updated_at=before.updated_at)
        assert same == before  # paid, delivered, promised, refund and codes as they were
        assert platform.get(before.order_no) == after


def test_the_demo_finds_every_order_by_number_and_no_other() -> None:
    platform, clock = demo(500)
    platform.orders()
    clock.advance(1200)  # arrivals too
    orders = platform.orders()
    assert len(orders) > 500
    assert all(platform.get(o.order_no) == o for o in orders)
    number = orders[0].order_no
    wrong_day = number[:2] + "000101" + number[8:]
    assert platform.get(wrong_day) is None and platform.get(number.lower()) is None
    assert platform.get(number[:-1]) is None and platform.get("KM" + "9" * 14) is None


def test_decoded_orders_share_their_repeated_texts_and_labels() -> None:
    platform, _ = demo(300)
    orders = platform.orders()
    body = json.dumps({"data": [encode_order(o) for o in orders], "cursor": "1", "more": False})
    decoded = decode_page(body.encode()).orders
    assert decoded == orders
    for field in ("product_name", "merchant", "currency", "raw_status", "label"):
        values = [getattr(o, field) for o in decoded if getattr(o, field) is not None]
        assert len({id(v) for v in values}) == len(set(values)), field
    notes = [e.note for o in decoded for e in o.timeline]
    assert len({id(n) for n in notes}) == len(set(notes))


# -- the book and the view ----------------------------------------------------------------------


def test_the_book_keeps_a_version_only_for_orders_that_changed() -> None:
    platform, clock = demo()
    book = OrderBook()
    book.apply(platform.orders())
    assert book._versions == {}  # one entry per order is what it saves
    clock.advance(3600)
    changes = book.apply(platform.orders())
    assert changes.changed
    assert len(book._versions) == len(changes.changed)
    assert all(book.version(new.key) == 2 for _, new in changes.changed)


def test_sorted_orders_match_a_sorted_list_through_adds_and_removes() -> None:
    rng = random.Random(5)
    key = SORT_KEYS[SortColumn.UPDATED]
    pool = [
        make_order(n, updated_at=NOW - timedelta(seconds=rng.randrange(5_000)))
        for n in range(1, 8 * LOAD)
    ]
    index = SortedOrders(key)
    held: list[Order] = []
    for _ in range(3):
        rng.shuffle(pool)
        for order in pool[: 3 * LOAD]:
            if order not in held:
                index.add(order)
                held.append(order)
        for order in rng.sample(held, len(held) * 2 // 3):
            index.remove(order)
            held.remove(order)
        held.sort(key=key)
        assert list(index) == held and list(reversed(index)) == held[::-1]
        assert index.ordered() == held and index.ordered(reverse=True) == held[::-1]
        assert len(index) == len(held)
    with pytest.raises(ValueError):
        index.remove(next(o for o in pool if o not in held))
    for order in held:
        index.remove(order)
    assert len(index) == 0 and list(index) == []


def test_an_index_holds_orders_and_no_keys() -> None:
    orders = [make_order(n, status=S.PAID if n % 3 else S.FAILED) for n in range(1, 3 * LOAD)]
    index, buckets = build(orders, SORT_KEYS[SortColumn.ORDER_NO], lambda o: o.status)
    assert list(index) == sorted(orders, key=SORT_KEYS[SortColumn.ORDER_NO])
    assert set(buckets) == {S.PAID, S.FAILED} and len(buckets[S.FAILED]) == LOAD - 1
    assert not hasattr(index, "_keys")  # one key per sublist, for the search
    assert len(index._maxes) == len(index._lists) == 3
    view = OrderView(OrderBook())
    assert isinstance(view._index, SortedOrders)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 300), unique=True, max_size=60),
    st.lists(st.lists(st.integers(0, 300), max_size=80), max_size=5),
)
def test_a_batch_update_matches_a_sorted_list(start: list[int], batches: list[list[int]]) -> None:
    # Sublists of 4 orders: small batches land before, after, inside and across many of
    # them, and split them.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sortedindex, "LOAD", 4)
        check_batch_updates(start, batches, load=4)


def check_batch_updates(start: list[int], batches: list[list[int]], load: int) -> None:
    key = SORT_KEYS[SortColumn.UPDATED]

    def order(n: int) -> Order:  # numbers as update times (and order numbers)
        return make_order(n + 1, updated_at=NOW - timedelta(seconds=n))

    start_orders = set(map(order, start))
    index = SortedOrders(key, sorted(start_orders, key=key))
    evens = SortedOrders(key)  # fed the even orders of each sorted batch, as presorted
    held = {n: order(n) for n in start}
    expected = sorted(held.values(), key=key)
    for batch in batches:
        new = {n: order(n) for n in batch if n not in held}
        ordered = index.update(new.values())
        assert ordered == sorted(new.values(), key=key)
        evens.update([o for o in ordered if o.updated_at.second % 2 == 0], presorted=True)
        held.update(new)
        expected = sorted(held.values(), key=key)
        even = [o for o in expected if o.updated_at.second % 2 == 0 and o not in start_orders]
        assert list(evens) == even
        assert list(index) == expected and list(reversed(index)) == expected[::-1]
        assert index.ordered() == expected and index.ordered(reverse=True) == expected[::-1]
        assert len(index) == len(expected)
        assert all(len(sub) <= 2 * load for sub in index._lists)
        assert index._maxes == [key(sub[-1]) for sub in index._lists]
    for o in list(held.values())[::3]:  # still searchable: each order is found again
        index.remove(o)
        expected.remove(o)
    assert list(index) == expected


def test_a_big_batch_update_matches_a_sorted_list() -> None:
    rng = random.Random(3)
    numbers = rng.sample(range(40 * LOAD), 12 * LOAD)
    start, rest = numbers[: 3 * LOAD], numbers[3 * LOAD :]
    # Older orders paging in, a batch all over the index, one past its end, a few.
    rest.sort(reverse=True)
    batches = [rest[: 2 * LOAD], rng.sample(rest[2 * LOAD :], 4 * LOAD), [40 * LOAD], rest[-5:]]
    check_batch_updates(start, batches, load=LOAD)
