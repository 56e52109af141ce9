"""The history store: what it records, what it never stores, and old databases."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.status import OrderStatus
from kameng_tui.store.history import (
    MIGRATIONS,
    SCHEMA_VERSION,
    HistoryError,
    HistoryStore,
    merged_timeline,
    migrate,
)


def run_demo(store: HistoryStore, minutes: int = 20) -> tuple[OrderBook, ManualClock]:
    clock = ManualClock(FIXED_EPOCH)
    platform = DemoPlatform(orders=200, clock=clock)
    book = OrderBook()
    result = platform.changes_since(None)
    store.record("demo", book.apply(result.orders), clock.now())
    cursor = result.cursor
    for _ in range(minutes):
        clock.advance(60)
        result = platform.changes_since(cursor)
        cursor = result.cursor
        store.record("demo", book.apply(result.orders), clock.now())
    return book, clock


def test_records_changes_and_last_known_orders_per_profile(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    book, _ = run_demo(store)
    last = {o.order_no: o for o in store.last_orders("demo")}
    assert set(last) == {o.order_no for o in book}
    assert store.last_orders("other-profile") == []
    moved = next(o for o in book if len(o.timeline) >= 3 and o.created_at >= FIXED_EPOCH)
    observed = store.observed("demo", moved.order_no)
    assert observed[0].status is OrderStatus.PENDING_PAYMENT
    assert len(observed) >= 2 and observed[-1].status is moved.status
    assert [e.at for e in observed] == sorted(e.at for e in observed)
    store.close()


def test_no_card_code_is_ever_stored(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    book, _ = run_demo(store, minutes=5)
    codes = [code for o in book for code in o.card_codes]
    assert codes
    store.close()
    raw = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("h.sqlite3-*"))
    for code in codes[:50]:
        assert code.encode() not in raw
    assert all(o.card_codes == () for o in HistoryStore(path).last_orders("demo"))


def test_a_database_from_the_first_version_upgrades_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    for statement in MIGRATIONS[1]:
        old.execute(statement)
    old.execute("PRAGMA user_version = 1")
    old.execute(
        "INSERT INTO changes VALUES ('shop', 'KM1', ?, 'paid', '待处理')",
        ((FIXED_EPOCH - timedelta(hours=1)).isoformat(),),
    )
    old.commit()
    old.close()
    store = HistoryStore(path)
    (version,) = store._reader.execute("PRAGMA user_version").fetchone()
    assert version == SCHEMA_VERSION
    (event,) = store.observed("shop", "KM1")
    assert event.status is OrderStatus.PAID and event.raw_status == "待处理" and event.note == ""
    store.close()


def test_migrations_run_once_and_a_newer_database_is_refused(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "m.sqlite3")
    assert migrate(connection) == 0
    assert migrate(connection) == SCHEMA_VERSION  # already current: nothing to do
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match="newer kameng-tui"):
        migrate(connection)


def test_merged_timeline_adds_only_what_the_platform_did_not_say(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    book, clock = run_demo(store, minutes=10)
    order = next(o for o in book if len(o.timeline) >= 3)
    merged = merged_timeline(order, store.observed("demo", order.order_no))
    assert len(merged) == len(order.timeline)  # every observed change was on the platform
    extra = order.timeline[-1]._replace(at=clock.now() + timedelta(hours=1), note="")
    merged = merged_timeline(order, [extra])
    assert merged[-1].note == "observed" and len(merged) == len(order.timeline) + 1
    store.close()


def test_seeing_the_same_orders_again_adds_no_change_rows(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    clock = ManualClock(FIXED_EPOCH)
    orders = DemoPlatform(orders=100, clock=clock).orders()
    open_orders = sum(not o.status.is_final for o in orders)
    assert (
        store.record("demo", OrderBook().apply(orders), clock.now()) == open_orders
    )  # settled: not news
    (count,) = store._reader.execute("SELECT count(*) FROM changes").fetchone()
    store.record("demo", OrderBook().apply(orders), clock.now())  # a second run, same states
    assert store._reader.execute("SELECT count(*) FROM changes").fetchone() == (count,)
    assert len(store.last_orders("demo", limit=10)) == 10
    store.close()
