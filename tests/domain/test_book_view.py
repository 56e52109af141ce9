"""The order book keeps real changes and live counts; the view shows them filtered and sorted."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kameng_tui.domain.attention import Attention
from kameng_tui.domain.book import ChangeSet, OrderBook
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import LabelCode, OrderStatus, ProductType
from kameng_tui.domain.view import Filter, OrderView, SortColumn
from tests.domain.factory import NOW, ago, label, make_order

S = OrderStatus
T = ProductType


def numbers(orders: list[Order]) -> list[str]:
    return [o.order_no for o in orders]


def book_of(orders: list[Order]) -> OrderBook:
    book = OrderBook()
    book.apply(orders)
    return book


def counts_agree(book: OrderBook) -> None:
    for status in S:
        assert book.by_status[status] == sum(1 for o in book if o.status is status), status
    for ptype in T:
        assert book.by_type[ptype] == sum(1 for o in book if o.product_type is ptype), ptype
    assert {o.order_no for o in book.active()} == {
        o.order_no for o in book if not o.status.is_final
    }


# -- the book -----------------------------------------------------------------------------------


def test_new_orders_are_added_at_version_one() -> None:
    book = OrderBook()
    orders = [make_order(1), make_order(2, status=S.PAID), make_order(3, status=S.COMPLETED)]
    changes = book.apply(orders)
    assert changes.added == orders and changes.changed == [] and changes.removed == []
    assert bool(changes) and len(changes) == 3
    assert len(book) == 3 and list(book) == orders
    assert "KM00000002" in book and "KM00000009" not in book
    assert book.get("KM00000002") == orders[1] and book.get("KM00000009") is None
    assert [book.version(o.order_no) for o in orders] == [1, 1, 1]
    assert book.version("KM00000009") == 0
    assert book.by_status == {S.DELIVERING: 1, S.PAID: 1, S.COMPLETED: 1}
    assert book.by_type[T.GAME_CARD] == 3
    counts_agree(book)


def test_an_identical_resend_changes_nothing() -> None:
    book = book_of([make_order(1), make_order(2)])
    again = book.apply([make_order(1), make_order(2)])  # equal values, new objects
    assert not again and len(again) == 0
    assert again.touched == set() and again.status_changes() == []
    assert book.version("KM00000001") == 1
    assert book.by_status[S.DELIVERING] == 2
    counts_agree(book)


def test_a_change_bumps_the_version_and_moves_the_counts() -> None:
    first = make_order(1, status=S.PAID, updated_at=ago(5))
    book = book_of([first, make_order(2)])
    delivering = first._replace(status=S.DELIVERING, updated_at=ago(2))
    changes = book.apply([delivering, make_order(2)])
    assert changes.added == [] and changes.changed == [(first, delivering)]
    assert changes.touched == {"KM00000001"}
    assert changes.status_changes() == [(first, delivering)]
    assert book.version("KM00000001") == 2 and book.version("KM00000002") == 1
    assert book.get("KM00000001") is delivering
    assert book.by_status[S.PAID] == 0 and book.by_status[S.DELIVERING] == 2
    counts_agree(book)

    # Not every change is a status change; the version still moves.
    noted = delivering._replace(raw_status="处理中(2)", updated_at=ago(1))
    changes = book.apply([noted])
    assert changes.changed == [(delivering, noted)] and changes.status_changes() == []
    assert book.version("KM00000001") == 3
    counts_agree(book)

    # The product type can change too (a platform re-classifying a product).
    retyped = noted._replace(product_type=T.PHONE_TOPUP)
    book.apply([retyped])
    assert book.by_type[T.GAME_CARD] == 1 and book.by_type[T.PHONE_TOPUP] == 1
    counts_agree(book)


def test_counts_follow_a_whole_lifecycle() -> None:
    order = make_order(1, status=S.PENDING_PAYMENT)
    book = book_of([order])
    for status in (S.PAID, S.DELIVERING, S.FAILED, S.REFUNDED):
        order = order._replace(status=status)
        book.apply([order])
        assert book.by_status[status] == 1
        assert sum(book.by_status.values()) == 1
        assert all(count >= 0 for count in book.by_status.values())
        counts_agree(book)
    assert book.version(order.order_no) == 5


def test_removal() -> None:
    orders = [make_order(1), make_order(2, status=S.COMPLETED), make_order(3)]
    book = book_of(orders)
    book.apply([orders[0]._replace(status=S.PAID)])
    changes = book.apply([], removed=["KM00000001", "KM00000002", "KM-unknown"])
    assert [o.order_no for o in changes.removed] == ["KM00000001", "KM00000002"]
    assert changes.removed[0].status is S.PAID  # the last known version
    assert changes.touched == set()  # removed orders are not "touched"
    assert len(changes) == 2 and bool(changes)
    assert list(book) == [orders[2]]
    assert book.version("KM00000001") == 0
    assert book.by_status[S.PAID] == 0 and book.by_status[S.COMPLETED] == 0
    counts_agree(book)
    # Removing what is gone is nothing; coming back starts again at version 1.
    assert not book.apply([], removed=["KM00000001"])
    book.apply([orders[0]])
    assert book.version("KM00000001") == 1
    counts_agree(book)


def test_attention_set_only_looks_at_open_orders() -> None:
    stuck = make_order(1, updated_at=ago(30), promised_by=None)
    fresh = make_order(2, updated_at=ago(1), promised_by=None)
    abnormal = make_order(3, status=S.ABNORMAL, updated_at=NOW)
    done = make_order(4, status=S.COMPLETED, updated_at=ago(300), label=label(LabelCode.OTHER))
    book = book_of([stuck, fresh, abnormal, done])
    assert book.attention_set(NOW) == {"KM00000001", "KM00000003"}
    assert book.attention_set(NOW + timedelta(minutes=9)) == {
        "KM00000001",
        "KM00000002",
        "KM00000003",
    }
    assert {o.order_no for o in book.active()} == {"KM00000001", "KM00000002", "KM00000003"}
    # Finishing an order takes it out; reopening it brings it back.
    book.apply([abnormal._replace(status=S.REFUNDED)])
    assert book.attention_set(NOW) == {"KM00000001"}
    book.apply([abnormal])
    assert book.attention_set(NOW) == {"KM00000001", "KM00000003"}
    book.apply([], removed=["KM00000001"])
    assert book.attention_set(NOW) == {"KM00000003"}


def test_attention_ranks_give_the_most_urgent_reason() -> None:
    rank = {reason: i for i, reason in enumerate(Attention)}
    book = book_of(
        [
            make_order(1, updated_at=ago(30), promised_by=ago(1)),  # overdue and stalled
            make_order(2, status=S.PENDING_PAYMENT, paid_at=None, pay_deadline=NOW),
            make_order(3, status=S.FAILED, label=label(LabelCode.ACCOUNT_INVALID)),
            make_order(4, updated_at=NOW, promised_by=None),  # fine
        ]
    )
    assert book.attention_ranks(NOW) == {
        "KM00000001": rank[Attention.OVERDUE],
        "KM00000002": rank[Attention.PAY_WINDOW_CLOSED],  # the deadline is now: closed
        "KM00000003": rank[Attention.WAITING_CUSTOMER],
    }
    assert set(book.attention_ranks(NOW)) == book.attention_set(NOW)


def test_changeset_queries() -> None:
    a, b, c = make_order(1), make_order(2), make_order(3)
    b2 = b._replace(status=S.COMPLETED)
    c2 = c._replace(raw_status="x")
    changes = ChangeSet(added=[a], changed=[(b, b2), (c, c2)], removed=[make_order(4)])
    assert len(changes) == 4 and bool(changes)
    assert changes.touched == {"KM00000001", "KM00000002", "KM00000003"}
    assert changes.status_changes() == [(b, b2)]
    assert not ChangeSet() and len(ChangeSet()) == 0


# -- the view: sorting --------------------------------------------------------------------------

# The expected orders, written out here rather than taken from the code's SORT_KEYS.
STATUS_ORDER = list(S)
TYPE_ORDER = list(T)
EXPECTED_KEYS: dict[SortColumn, Callable[[Order], Any]] = {
    SortColumn.UPDATED: lambda o: (o.updated_at, o.order_no),
    SortColumn.ORDER_NO: lambda o: o.order_no,
    SortColumn.PRODUCT: lambda o: (o.product_name, o.order_no),
    SortColumn.TYPE: lambda o: (TYPE_ORDER.index(o.product_type), o.order_no),
    SortColumn.AMOUNT: lambda o: (o.amount, o.order_no),
    SortColumn.STATUS: lambda o: (STATUS_ORDER.index(o.status), o.order_no),
    SortColumn.LABEL: lambda o: (o.label.text if o.label else "", o.order_no),
    SortColumn.URGENCY: lambda o: (o.updated_at, o.order_no),  # without any urgency set
    SortColumn.SHOP: lambda o: (o.shop, o.updated_at, o.order_no),
}


def sample(n: int = 60, seed: int = 3) -> list[Order]:
    """Orders with many ties in every column, so the tie-break shows."""
    rng = random.Random(seed)
    orders = [
        make_order(
            rng.randrange(1, 10 * n),
            status=rng.choice(list(S)),
            product_type=rng.choice(list(T)),
            product_name=rng.choice(["中国移动 话费 50元", "腾讯Q币 100元", "Steam Gift Card"]),
            amount=rng.choice([Decimal("9.90"), Decimal("50"), Decimal("50.00"), Decimal("100")]),
            account=rng.choice(["", "13800001234", "HappyFox@example.com"]),
            label=rng.choice(
                [
                    None,
                    label(LabelCode.MAINTENANCE, "延迟发货：系统维护中"),
                    label(LabelCode.OUT_OF_STOCK, "库存不足"),
                ]
            ),
            updated_at=ago(rng.randrange(0, 6)),
        )
        for _ in range(n)
    ]
    return list({o.order_no: o for o in orders}.values())


def test_the_default_is_newest_update_first() -> None:
    orders = [
        make_order(1, updated_at=ago(5)),
        make_order(2, updated_at=ago(1)),
        make_order(3, updated_at=ago(3)),
        make_order(4, updated_at=ago(1)),  # ties with 2: the higher number first, descending
    ]
    view = OrderView(book_of(orders))
    assert view.sort is SortColumn.UPDATED and view.descending
    assert view.filter == Filter() and view.filter.is_trivial
    assert numbers(view.rows) == ["KM00000004", "KM00000002", "KM00000003", "KM00000001"]
    assert len(view) == 4


@pytest.mark.parametrize("column", list(SortColumn))
@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_both_ways_with_ties_by_order_number(
    column: SortColumn, descending: bool
) -> None:
    orders = sample()
    book = book_of(orders)
    view = OrderView(book, sort=column, descending=descending)
    expected = sorted(orders, key=EXPECTED_KEYS[column], reverse=descending)
    assert numbers(view.rows) == numbers(expected)
    # The same when switching to it from another column.
    other = OrderView(book)
    other.set_sort(column, descending)
    assert numbers(other.rows) == numbers(expected)


def test_concrete_orders_per_column() -> None:
    orders = [
        make_order(3, status=S.FAILED, product_type=T.OTHER, amount=Decimal(5),
                   product_name="b", label=label(LabelCode.OTHER, "z")),
        make_order(1, status=S.PAID, product_type=T.PHONE_TOPUP, amount=Decimal(5),
                   product_name="a", label=None),
        make_order(2, status=S.PENDING_PAYMENT, product_type=T.GAME_CARD, amount=Decimal(1),
                   product_name="b", label=label(LabelCode.OTHER, "a")),
    ]  # fmt: skip
    view = OrderView(book_of(orders))

    def shown(column: SortColumn, descending: bool = False) -> list[str]:
        view.set_sort(column, descending)
        return [o.order_no[-1] for o in view.rows]

    assert shown(SortColumn.ORDER_NO) == ["1", "2", "3"]
    assert shown(SortColumn.ORDER_NO, True) == ["3", "2", "1"]
    assert shown(SortColumn.PRODUCT) == ["1", "2", "3"]  # b, b tie: by number
    assert shown(SortColumn.PRODUCT, True) == ["3", "2", "1"]
    assert shown(SortColumn.TYPE) == ["2", "1", "3"]  # game card, top-up, other
    assert shown(SortColumn.AMOUNT) == ["2", "1", "3"]  # 1, then 5 and 5 by number
    assert shown(SortColumn.AMOUNT, True) == ["3", "1", "2"]
    assert shown(SortColumn.STATUS) == ["2", "1", "3"]  # lifecycle order, not alphabetical
    assert shown(SortColumn.LABEL) == ["1", "2", "3"]  # no label first, then "a", "z"


def test_urgency_sort_puts_attention_first() -> None:
    orders = [make_order(n, updated_at=ago(n)) for n in range(1, 6)]
    view = OrderView(book_of(orders), sort=SortColumn.URGENCY)
    assert [o.order_no[-1] for o in view.rows] == ["1", "2", "3", "4", "5"]
    ranks = {"KM00000004": 0, "KM00000002": 1, "KM00000005": 0}
    assert view.set_attention(set(ranks), ranks)
    # Within a reason the one waiting longest (the oldest update) first; the rest newest first.
    assert [o.order_no[-1] for o in view.rows] == ["5", "4", "2", "1", "3"]
    assert [view.index_of(o.order_no) for o in view.rows] == [0, 1, 2, 3, 4]
    view.set_sort(SortColumn.URGENCY, descending=False)
    assert [o.order_no[-1] for o in view.rows] == ["3", "1", "2", "4", "5"]


# -- the view: filters --------------------------------------------------------------------------


def expected_rows(orders: list[Order], view: OrderView) -> list[str]:
    flt = view.filter
    rows = [
        o
        for o in orders
        if (flt.status is None or o.status is flt.status)
        and (flt.product_type is None or o.product_type is flt.product_type)
        and (not flt.attention or o.order_no in view.attention)
        and (
            not flt.search
            or any(
                flt.search.casefold() in field.casefold()
                for field in (o.order_no, o.product_name, o.account)
            )
        )
    ]
    return numbers(sorted(rows, key=EXPECTED_KEYS[view.sort], reverse=view.descending))


@pytest.mark.parametrize(
    "flt",
    [
        Filter(product_type=T.PHONE_TOPUP),
        Filter(status=S.PAID),
        Filter(status=S.ABNORMAL, product_type=T.GAME_CARD),
        Filter(attention=True),
        Filter(attention=True, status=S.DELIVERING),
        Filter(search="steam"),  # product, other case
        Filter(search="HAPPYFOX@"),  # account, other case
        Filter(search="km0000"),  # order number, other case
        Filter(search="1380000", product_type=T.OTHER),
        Filter(search="no such thing"),
    ],
    ids=str,
)
def test_filters(flt: Filter) -> None:
    orders = sample(120, seed=5)
    view = OrderView(book_of(orders))
    view.attention = {o.order_no for o in orders[::4]}
    view.set_filter(flt)
    assert not flt.is_trivial
    assert numbers(view.rows) == expected_rows(orders, view)
    view.set_filter(Filter())
    assert len(view) == len(orders)


def test_search_matches_each_field_case_insensitively() -> None:
    orders = [
        make_order(1, product_name="Steam Gift Card", account=""),
        make_order(2, product_name="腾讯Q币", account="Player@QQ.com"),
        make_order(3, product_name="话费", account="13800001234"),
    ]
    view = OrderView(book_of(orders))
    for needle, shown in [
        ("gift", ["KM00000001"]),
        ("q币", ["KM00000002"]),
        ("player@qq", ["KM00000002"]),
        ("00001234", ["KM00000003"]),
        ("km00000003", ["KM00000003"]),
        ("话费", ["KM00000003"]),
        ("", ["KM00000003", "KM00000002", "KM00000001"]),
    ]:
        view.update_filter(search=needle)
        assert sorted(numbers(view.rows)) == sorted(shown), needle


def test_update_filter_combines_with_the_current_one() -> None:
    orders = sample(80, seed=9)
    view = OrderView(book_of(orders))
    view.update_filter(status=S.DELIVERING)
    view.update_filter(product_type=T.GAME_CARD)
    assert view.filter == Filter(product_type=T.GAME_CARD, status=S.DELIVERING)
    assert numbers(view.rows) == expected_rows(orders, view)
    view.update_filter(status=None, product_type=None)
    assert view.filter.is_trivial and len(view) == len(orders)


def test_set_attention_rederives_only_when_it_matters() -> None:
    orders = [make_order(n) for n in range(1, 5)]
    view = OrderView(book_of(orders))
    assert not view.set_attention({"KM00000001"})  # no attention filter: rows cannot differ
    assert view.attention == {"KM00000001"}
    view.set_filter(Filter(attention=True))
    assert numbers(view.rows) == ["KM00000001"]
    assert view.set_attention({"KM00000001", "KM00000003"})
    assert numbers(view.rows) == ["KM00000003", "KM00000001"]
    assert not view.set_attention({"KM00000001", "KM00000003"})


# -- the view: index_of -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flt",
    [Filter(), Filter(status=S.PAID), Filter(search="话费"), Filter(attention=True)],
    ids=str,
)
@pytest.mark.parametrize("column", list(SortColumn))
@pytest.mark.parametrize("descending", [False, True])
def test_index_of_every_shown_order_and_none_for_hidden(
    flt: Filter, column: SortColumn, descending: bool
) -> None:
    orders = sample(80, seed=11)
    view = OrderView(book_of(orders), sort=column, descending=descending)
    view.attention = {o.order_no for o in orders[::3]}
    view.set_filter(flt)
    shown = set(numbers(view.rows))
    for index, order in enumerate(view.rows):
        assert view.index_of(order.order_no) == index
    for order in orders:
        if order.order_no not in shown:
            assert view.index_of(order.order_no) is None
    assert view.index_of("KM-unknown") is None


def test_index_of_an_empty_view() -> None:
    view = OrderView(OrderBook())
    assert view.rows == [] and view.index_of("KM00000001") is None


# -- the view follows the book ------------------------------------------------------------------


def assert_like_fresh(view: OrderView, book: OrderBook) -> None:
    fresh = OrderView(book, sort=view.sort, descending=view.descending, filter=view.filter)
    fresh.attention, fresh.urgency = view.attention, view.urgency
    fresh.set_sort(view.sort, view.descending)
    assert numbers(view.rows) == numbers(fresh.rows)
    for index, order in enumerate(view.rows):
        assert view.index_of(order.order_no) == index


edit = st.tuples(
    st.integers(1, 40),  # order number: existing ones are 1..30
    st.sampled_from(["change", "remove", "same"]),
    st.sampled_from(list(S)),
    st.integers(-120, 120),  # seconds from NOW
    st.sampled_from(["腾讯Q币 100元", "中国移动 话费 50元"]),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(edit, max_size=7, unique_by=lambda e: e[0]),
    st.sampled_from(list(SortColumn)),
    st.booleans(),
    st.sampled_from(
        [
            Filter(),
            Filter(status=S.PAID),
            Filter(product_type=T.PHONE_TOPUP),
            Filter(search="话费"),
            Filter(attention=True),
        ]
    ),
)
def test_small_change_sets_leave_the_view_as_a_fresh_one(
    edits: list[tuple[int, str, OrderStatus, int, str]],
    column: SortColumn,
    descending: bool,
    flt: Filter,
) -> None:
    base = [
        make_order(n, status=list(S)[n % 8], product_type=list(T)[n % 4], updated_at=ago(n))
        for n in range(1, 31)
    ]
    book = book_of(base)
    view = OrderView(book, sort=column, descending=descending, filter=flt)
    view.attention = {o.order_no for o in base[::2]}
    view.set_filter(Filter())  # build the search blobs once, as a search would
    view.update_filter(search="x")
    view.set_filter(flt)
    orders: list[Order] = []
    removed: list[str] = []
    for number, kind, status, seconds, product in edits:
        if kind == "remove":
            removed.append(f"KM{number:08d}")
        elif kind == "change":
            orders.append(
                make_order(
                    number,
                    status=status,
                    product_type=list(T)[number % 4],
                    updated_at=NOW + timedelta(seconds=seconds),
                    product_name=product,
                )
            )
        elif (known := book.get(f"KM{number:08d}")) is not None:
            orders.append(known)  # sent again unchanged
    changes = book.apply(orders, removed)
    assert len(changes) <= len(base) // 4  # the incremental path, not a rebuild
    attention = book.attention_set(NOW) | {o.order_no for o in orders[::2]}
    view.apply(changes, attention)
    assert view.attention == attention
    assert_like_fresh(view, book)
    assert numbers(view.rows) == expected_rows(list(book), view)


def count_rebuilds(view: OrderView, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    rebuilds: list[int] = []
    real = view._rebuild

    def counted() -> None:
        rebuilds.append(1)
        real()

    monkeypatch.setattr(view, "_rebuild", counted)
    return rebuilds


def test_up_to_a_quarter_of_the_book_is_applied_incrementally(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = book_of([make_order(n, updated_at=ago(n)) for n in range(1, 41)])
    view = OrderView(book)
    rebuilds = count_rebuilds(view, monkeypatch)
    view.apply(book.apply([make_order(5, updated_at=NOW, status=S.COMPLETED)]))
    assert rebuilds == []
    assert view.rows[0].order_no == "KM00000005"
    assert_like_fresh(view, book)
    # 10 changes in a book of 40: still one by one.
    view.apply(book.apply([make_order(n, status=S.PAID) for n in range(11, 21)]))
    assert rebuilds == []
    assert_like_fresh(view, book)


def test_a_big_batch_rebuilds_and_stays_right(monkeypatch: pytest.MonkeyPatch) -> None:
    book = book_of([make_order(n, updated_at=ago(n)) for n in range(1, 41)])
    view = OrderView(book, filter=Filter(status=S.COMPLETED))
    rebuilds = count_rebuilds(view, monkeypatch)
    # 11 changes in a book of 40: more than a quarter, one sort beats 11 inserts.
    batch = [make_order(n, status=S.COMPLETED, updated_at=NOW) for n in range(35, 46)]
    view.apply(book.apply(batch))
    assert rebuilds == [1]
    assert numbers(view.rows) == expected_rows(list(book), view)
    assert len(view) == 11
    assert_like_fresh(view, book)


def test_the_first_load_into_an_empty_view() -> None:
    book = OrderBook()
    view = OrderView(book, filter=Filter(search="km"))
    assert view.rows == []
    view.apply(book.apply(sample(30)))
    assert len(view) == len(book) and view.filter.search == "km"
    assert_like_fresh(view, book)


def test_a_status_nobody_had_at_the_last_rebuild_gets_an_index() -> None:
    book = book_of([make_order(n, status=S.PAID) for n in range(1, 21)])
    view = OrderView(book, filter=Filter(status=S.ABNORMAL))
    assert view.rows == []
    view.apply(book.apply([make_order(3, status=S.ABNORMAL)]))
    assert numbers(view.rows) == ["KM00000003"]
    view.set_filter(Filter(status=S.PAID))
    assert len(view) == 19


def test_a_batch_with_an_order_twice_keeps_the_view_right() -> None:
    book = book_of([make_order(n) for n in range(1, 21)])
    view = OrderView(book)
    first = make_order(100)
    second = first._replace(status=S.PAID, updated_at=NOW)
    view.apply(book.apply([first, second]))
    assert book.get("KM00000100") == second
    assert_like_fresh(view, book)


def test_a_batch_that_adds_and_removes_an_order_keeps_the_view_right() -> None:
    book = book_of([make_order(n) for n in range(1, 21)])
    view = OrderView(book)
    view.apply(book.apply([make_order(100)], removed=["KM00000100"]))
    assert "KM00000100" not in book
    assert_like_fresh(view, book)


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
    assert ranks == {"KM00000002": 0, "KM00000001": 1, "KM00000005": 5}
    view.set_attention(set(ranks), ranks)
    assert [o.order_no[-1] for o in view.rows] == ["2", "1", "5", "3", "4"]
    assert all(view.index_of(o.order_no) == i for i, o in enumerate(view.rows))
    view.set_sort(SortColumn.URGENCY, descending=False)
    assert [o.order_no[-1] for o in view.rows] == ["4", "3", "5", "1", "2"]
    # Time passes: order 4 goes past its promise and joins the urgent ones.
    later = book.attention_ranks(NOW + timedelta(minutes=1))
    view.set_sort(SortColumn.URGENCY, descending=True)
    view.set_attention(set(later), later)
    assert [o.order_no[-1] for o in view.rows][:3] == ["2", "1", "4"]  # 1 waited longer


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(
                st.tuples(st.integers(1, 30), st.sampled_from(OrderStatus), st.integers(0, 2))
            ),
            st.lists(st.integers(1, 30), max_size=5),
        ),
        max_size=6,
    )
)
def test_the_book_counts_what_it_holds(
    steps: list[tuple[list[tuple[int, OrderStatus, int]], list[int]]],
) -> None:
    """Counts by status, type and shop, and the active orders, follow every batch (they are
    taken once per batch)."""
    book = OrderBook()
    types = list(ProductType)
    for batch, removed in steps:
        orders = [
            make_order(
                n,
                status=status,
                product_type=types[n % len(types)],
                shop=f"p{shop}\x1fs" if shop else "",
            )
            for n, status, shop in batch
        ]
        book.apply(
            orders,
            removed=[o.key for o in book if o.order_no[-2:] in {f"{r:02d}" for r in removed}],
        )
        held = list(book)
        assert +book.by_status == Counter(o.status for o in held)
        assert +book.by_type == Counter(o.product_type for o in held)
        assert +book.by_shop == Counter(o.shop.partition("\x1f")[0] for o in held if o.shop)
        assert {o.key for o in book.active()} == {o.key for o in held if not o.status.is_final}
