"""Orders of several shops in one book: the same number in two shops is two orders."""

from __future__ import annotations

from pathlib import Path

import pytest

from kameng_tui.api.wire import decode_order, encode_order
from kameng_tui.config import ConfigError, parse
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.order import order_key
from kameng_tui.domain.status import OrderStatus
from kameng_tui.domain.view import Filter, OrderView, SortColumn
from kameng_tui.store.history import HistoryStore
from tests.domain.factory import NOW, make_order


def test_a_single_shops_key_is_its_number() -> None:
    order = make_order(1)
    assert order.shop == ""
    assert order.key == order.order_no


def test_the_first_separator_ends_the_shop_whatever_the_number_holds() -> None:
    tricky = make_order(1, order_no="x\x1fy", shop="a")
    assert tricky.key == "a\x1fx\x1fy" == order_key("a", "x\x1fy")
    assert tricky.key.split("\x1f", 1) == ["a", "x\x1fy"]
    # ...which holds because no shop name holds one.
    with pytest.raises(ConfigError, match="U\\+001F"):
        parse({"profiles": {"a\x1fx": {"platform": "demo"}}})


def test_one_number_in_two_shops_is_two_orders_in_the_book_and_the_view() -> None:
    book = OrderBook()
    a = make_order(7, shop="a")
    b = make_order(7, shop="b", status=OrderStatus.FAILED)
    changes = book.apply([a, b])
    assert len(changes.added) == 2 and len(book) == 2
    assert book.get(a.key) == a and book.get(b.key) == b
    assert book.get(a.order_no) is None  # a bare number names no order of a shop
    assert changes.touched == {a.key, b.key}

    for sort in SortColumn:
        view = OrderView(book, sort=sort)
        assert {view.index_of(a.key), view.index_of(b.key)} == {0, 1}, sort
    view = OrderView(book, filter=Filter(only=frozenset({b.key})))
    assert view.rows == [b]

    # One shop's order changes; the other's stays as it was.
    moved = b._replace(status=OrderStatus.REFUNDED)
    changes = book.apply([moved], removed=[a.key])
    assert [new for _, new in changes.changed] == [moved]
    assert changes.removed == [a]
    assert list(book) == [moved]


def test_the_wire_carries_the_shop_and_keeps_it_visible() -> None:
    order = make_order(3, shop="faka")
    assert decode_order(encode_order(order)) == order
    assert "shop" not in encode_order(make_order(3))  # a single shop's answer is unchanged
    data = encode_order(order) | {"shop": "a\x1fb"}
    assert decode_order(data).shop == "a\u241fb"


def test_history_keeps_both_shops_orders(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.sqlite3")
    a, b = make_order(5, shop="a"), make_order(5, shop="b", status=OrderStatus.FAILED)
    changes = OrderBook().apply([a, b])
    store.record("hub", changes, NOW)
    assert {o.key for o in store.last_orders("hub")} == {a.key, b.key}
    assert store.last_order("hub", b.key) == b
    assert [e.status for e in store.observed("hub", b.key)] == [OrderStatus.FAILED]
