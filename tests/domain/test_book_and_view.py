"""The order book keeps real changes only; the view follows it in order, filtered, fast."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus, ProductType
from kameng_tui.domain.view import SORT_KEYS, Filter, OrderView, SortColumn
from tests.domain.factory import NOW, ago, make_order

S = OrderStatus


def sample(n: int = 40, seed: int = 1) -> list[Order]:
    rng = random.Random(seed)
    statuses, types = list(S), list(ProductType)
    return [
        make_order(
            i,
            status=rng.choice(statuses),
            product_type=rng.choice(types),
            product_name=rng.choice(["中国移动 话费 50元", "腾讯Q币 100元", "Steam 礼品卡"]),
            account=rng.choice(["", "13800001234", "happyfox@example.com"]),
            updated_at=ago(rng.randrange(0, 120)),
        )
        for i in range(n)
    ]


def test_book_applies_only_real_changes_and_counts() -> None:
    book = OrderBook()
    first = sample(10)
    changes = book.apply(first)
    assert len(changes.added) == 10 and not changes.changed
    assert sum(book.by_status.values()) == 10 == sum(book.by_type.values())
    assert not book.apply(first)  # the same again: nothing changed
    assert all(book.version(o.order_no) == 1 for o in first)

    moved = first[0]._replace(status=S.COMPLETED, updated_at=NOW)
    changes = book.apply([moved, first[1]])
    assert changes.changed == [(first[0], moved)]
    assert changes.touched == {moved.order_no}
    assert book.version(moved.order_no) == 2 and book.version(first[1].order_no) == 1
    assert changes.status_changes() == (
        [(first[0], moved)] if first[0].status is not S.COMPLETED else []
    )
    for status in S:
        assert book.by_status[status] == sum(1 for o in book if o.status is status)

    gone = book.apply([], removed=[first[2].order_no, "KM-unknown"])
    assert [o.order_no for o in gone.removed] == [first[2].order_no]
    assert first[2].order_no not in book and len(book) == 9


def test_attention_set_looks_at_open_orders() -> None:
    book = OrderBook()
    stuck = make_order(1, updated_at=ago(30))
    fine = make_order(2, updated_at=ago(1))
    done = make_order(3, status=S.COMPLETED, updated_at=ago(300))
    book.apply([stuck, fine, done])
    assert book.attention_set(NOW) == {stuck.order_no}
    assert book.attention_set(NOW - timedelta(minutes=25)) == set()
    book.apply([stuck._replace(status=S.COMPLETED)])
    assert book.attention_set(NOW) == set()


def expected_rows(book: OrderBook, view: OrderView) -> list[str]:
    flt = view.filter
    rows = [
        o
        for o in book
        if (flt.status is None or o.status is flt.status)
        and (flt.product_type is None or o.product_type is flt.product_type)
        and (not flt.attention or o.order_no in view.attention)
        and (
            not flt.search
            or flt.search.casefold() in f"{o.order_no} {o.product_name} {o.account}".casefold()
        )
    ]
    rows.sort(key=SORT_KEYS[view.sort], reverse=view.descending)
    return [o.order_no for o in rows]


def test_default_sort_is_newest_update_first() -> None:
    book = OrderBook()
    book.apply(sample())
    view = OrderView(book)
    updated = [o.updated_at for o in view.rows]
    assert updated == sorted(updated, reverse=True)


def test_every_sort_column_both_ways() -> None:
    book = OrderBook()
    book.apply(sample())
    view = OrderView(book)
    for column in SortColumn:
        for descending in (False, True):
            view.set_sort(column, descending)
            assert [o.order_no for o in view.rows] == expected_rows(book, view), column


def test_filters_and_search() -> None:
    book = OrderBook()
    book.apply(sample(200))
    view = OrderView(book)
    view.attention = {o.order_no for o in list(book)[::7]}
    for flt in (
        Filter(status=S.PAID),
        Filter(product_type=ProductType.PHONE_TOPUP),
        Filter(status=S.DELIVERING, product_type=ProductType.GAME_CARD),
        Filter(attention=True),
        Filter(search="话费"),
        Filter(search="HAPPYFOX"),  # case-insensitive
        Filter(search="km00000012"),  # order numbers too
        Filter(status=S.FAILED, search="1380000"),
    ):
        view.set_filter(flt)
        assert [o.order_no for o in view.rows] == expected_rows(book, view), flt
    view.set_filter(Filter())
    assert len(view) == 200


def test_index_of_finds_shown_orders_only() -> None:
    book = OrderBook()
    orders = sample(100)
    book.apply(orders)
    view = OrderView(book)
    for flt in (Filter(), Filter(status=S.PAID), Filter(search="话费")):
        view.set_filter(flt)
        shown = {o.order_no for o in view.rows}
        for index, order in enumerate(view.rows):
            assert view.index_of(order.order_no) == index
        for order in orders:
            if order.order_no not in shown:
                assert view.index_of(order.order_no) is None
    assert view.index_of("KM-nope") is None


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 59), st.sampled_from(list(S)), st.integers(0, 300)),
        max_size=12,
    ),
    st.sampled_from(list(SortColumn)),
    st.booleans(),
    st.sampled_from([Filter(), Filter(status=S.PAID), Filter(product_type=ProductType.OTHER)]),
)
def test_small_refreshes_keep_the_view_equal_to_a_fresh_one(
    edits: list[tuple[int, OrderStatus, int]],
    column: SortColumn,
    descending: bool,
    flt: Filter,
) -> None:
    book = OrderBook()
    book.apply(sample(60))
    view = OrderView(book, sort=column, descending=descending, filter=flt)
    new = [
        make_order(number, status=status, updated_at=NOW + timedelta(seconds=second))
        for number, status, second in edits
    ]
    new.append(make_order(1000 + len(edits), status=S.PAID))  # and one new order
    view.apply(book.apply(new))
    fresh = OrderView(book, sort=column, descending=descending, filter=flt)
    assert [o.order_no for o in view.rows] == [o.order_no for o in fresh.rows]
    assert [o.order_no for o in view.rows] == expected_rows(book, view)


def test_a_big_batch_rebuilds_and_stays_right() -> None:
    book = OrderBook()
    book.apply(sample(20))
    view = OrderView(book, filter=Filter(status=S.COMPLETED))
    more = [o._replace(order_no=f"KX{i}", status=S.COMPLETED) for i, o in enumerate(sample(80, 2))]
    view.apply(book.apply(more))
    assert [o.order_no for o in view.rows] == expected_rows(book, view)


def test_urgency_puts_the_most_urgent_first_and_follows_the_clock() -> None:
    book = OrderBook()
    orders = [
        make_order(1, status=S.DELIVERING, updated_at=ago(30), promised_by=ago(20)),  # overdue
        make_order(2, status=S.ABNORMAL, updated_at=ago(50)),  # waiting on support
        make_order(3, status=S.COMPLETED, updated_at=ago(1)),
        make_order(4, status=S.DELIVERING, updated_at=ago(2), promised_by=NOW),
        make_order(5, status=S.PENDING_PAYMENT, paid_at=None, promised_by=None,
                   pay_deadline=NOW + timedelta(minutes=1), updated_at=ago(3)),
    ]  # fmt: skip
    book.apply(orders)
    view = OrderView(book, sort=SortColumn.URGENCY)
    ranks = book.attention_ranks(NOW)
    assert ranks == {"KM00000002": 0, "KM00000001": 1, "KM00000005": 4}
    view.set_attention(set(ranks), ranks)
    assert [o.order_no[-1] for o in view.rows] == ["2", "1", "5", "3", "4"]
    assert all(view.index_of(o.order_no) == i for i, o in enumerate(view.rows))
    view.set_sort(SortColumn.URGENCY, descending=False)
    assert [o.order_no[-1] for o in view.rows] == ["4", "3", "5", "1", "2"]
    # Time passes: order 4 goes past its promise and joins the urgent ones.
    later = book.attention_ranks(NOW + timedelta(minutes=1))
    view.set_sort(SortColumn.URGENCY, descending=True)
    view.set_attention(set(later), later)
    assert [o.order_no[-1] for o in view.rows][:3] == ["2", "4", "1"]
