"""History on a real machine: damaged pages, a full disk, an unwritable home, retention."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.domain.book import ChangeSet, OrderBook
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.store import history as history_module
from kameng_tui.store.history import HistoryError, HistoryStore, Retention


def fill(store: HistoryStore, orders: int = 300, minutes: int = 10) -> OrderBook:
    clock = ManualClock(FIXED_EPOCH)
    platform = DemoPlatform(orders=orders, clock=clock)
    book = OrderBook()
    result = platform.changes_since(None)
    store.record("demo", book.apply(result.orders), clock.now())
    for _ in range(minutes):
        clock.advance(60)
        result = platform.changes_since(result.cursor)
        store.record("demo", book.apply(result.orders), clock.now())
    return book


def damage_pages(path: Path) -> None:
    """Overwrite the pages after the first two with junk, the header left intact."""
    size = path.stat().st_size
    assert size > 16 * 4096
    with path.open("r+b") as file:
        file.seek(2 * 4096)
        file.write(b"\xa5" * (size - 3 * 4096))


def checkpointed(path: Path) -> Path:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path


def kept_copies(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if ".damaged-" in p.name)


# -- item 8: a damaged database is moved aside, never fatal ------------------------------------


def test_damaged_pages_at_start_move_the_database_aside_and_start_fresh(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path)
    fill(store)
    store.close()
    damage_pages(checkpointed(path))
    store = HistoryStore(path)  # raised "database disk image is malformed" before
    assert store.last_orders("demo") == []
    [kept] = [p for p in kept_copies(path) if not p.name.endswith(("-wal", "-shm"))]
    assert kept.read_bytes()[:16] == b"SQLite format 3\x00"  # kept for the user, as it was
    [notice] = store.take_notices()
    assert "damaged" in notice and str(kept) in notice and "fresh" in notice
    fill(store, orders=20, minutes=1)  # the fresh one works
    assert store.last_orders("demo")
    store.close()


def test_a_file_that_is_not_a_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(os.urandom(8192))
    store = HistoryStore(path)
    assert store.last_orders("demo") == [] and len(kept_copies(path)) == 1
    assert "damaged" in store.take_notices()[0]
    store.close()


def test_damage_met_while_running_is_said_once_and_the_store_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path)
    book = fill(store)
    said: list[str] = []
    store.on_notice = said.append
    # Another process (or the disk) damages the file under the running tracker.
    with sqlite3.connect(path) as other:
        other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage_pages(path)
    order = next(iter(book))
    assert store.observed("demo", order.order_no) == []  # raised DatabaseError before
    assert store.last_orders("demo") == []
    assert store.record("demo", ChangeSet(added=[order]), FIXED_EPOCH) >= 0
    assert len(said) == 1 and "damaged" in said[0]
    assert [o.order_no for o in store.last_orders("demo")] == [order.order_no]
    store.close()


def test_tampered_rows_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path)
    book = fill(store, orders=50, minutes=3)
    order = next(iter(book))
    with sqlite3.connect(path) as other:
        other.execute("UPDATE orders SET data = '[[[[' || data WHERE rowid % 2 = 0")
        other.execute("UPDATE orders SET data = 42 WHERE rowid % 3 = 0")
        other.execute("UPDATE orders SET data = ? WHERE rowid % 5 = 0", ("[" * 100_000,))
        other.executemany(
            "INSERT INTO changes (profile, order_no, at, status, raw_status, label)"
            " VALUES ('demo', ?, ?, ?, ?, ?)",
            [
                (order.order_no, "2024-01-01T00:00:00", "paid", "x", ""),  # no time zone
                (order.order_no, 12345, "paid", "x", ""),
                (order.order_no, "2024-01-01T00:00:00+00:00", "paid", 7, ""),
                (order.order_no, "2024-01-01T00:00:00+00:00", "no-such", "x", ""),
                (order.order_no, b"\xff", "paid", "x", b"\x00"),
            ],
        )
    left = store.last_orders("demo")
    assert 0 < len(left) < len(book)
    observed = store.observed("demo", order.order_no)
    assert all(e.at.tzinfo is not None and isinstance(e.raw_status, str) for e in observed)
    history_module.merged_timeline(order, observed)  # naive times used to raise TypeError
    store.close()


# -- item 9: an unwritable home, a full disk ---------------------------------------------------


def test_an_unwritable_data_directory_is_a_one_line_history_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the directory should be")  # fails as root too
    with pytest.raises(HistoryError, match="history database"):
        HistoryStore(blocker / "kameng-tui" / "history.sqlite3")


def test_a_read_only_file_system_is_a_one_line_history_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(HistoryError, match="read-only file system"):
        HistoryStore(tmp_path / "new" / "history.sqlite3")


def test_home_unset_gives_no_history_rather_than_a_file_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history_module, "default_path", lambda: Path("~/history.sqlite3"))
    # platformdirs with HOME unset and no passwd entry: "~/…", relative to where it started.
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    with pytest.raises(HistoryError, match="HOME"):
        HistoryStore()
    assert list((tmp_path / "cwd").iterdir()) == []


def test_a_full_disk_loses_history_and_says_so_once(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path)
    fill(store, orders=20, minutes=1)
    said: list[str] = []
    store.on_notice = said.append
    (pages,) = store._writer.execute("PRAGMA page_count").fetchone()
    store._writer.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL, as on a full disk
    platform = DemoPlatform(orders=2_000, seed=3, clock=ManualClock(FIXED_EPOCH))
    for _ in range(3):  # raised "database or disk is full" before
        assert store.record("other", OrderBook().apply(platform.orders()), FIXED_EPOCH) == 0
    assert said == ["history not saved: the disk is full (the tracker goes on)"]
    assert store.last_orders("demo")  # what was saved is still read
    store.close()


# -- item 13: retention and file modes ----------------------------------------------------------


def test_old_rows_are_pruned_by_age(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path)
    fill(store, orders=100, minutes=3)
    store.retention = Retention(days=90)
    assert store.prune(now=FIXED_EPOCH + timedelta(days=30)) == 0
    assert store.last_orders("demo")
    assert store.prune(now=FIXED_EPOCH + timedelta(days=91)) > 0
    assert store.last_orders("demo") == []
    store.close()


def test_retention_prunes_at_start(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path)
    fill(store, orders=100, minutes=3)
    store.close()
    store = HistoryStore(path, Retention(days=1))  # FIXED_EPOCH is days ago
    assert store.last_orders("demo") == []
    store.close()


def test_a_flapping_shop_is_held_to_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path, Retention(days=36_500, max_mb=1))
    clock = ManualClock(FIXED_EPOCH)
    book = OrderBook()
    orders = list(DemoPlatform(orders=200, clock=clock).orders())
    book.apply(orders)
    statuses = [o.status for o in orders]
    for step in range(history_module.PRUNE_EVERY * 3):  # each write: 200 status flips
        clock.advance(1)
        flipped = [o._replace(raw_status=f"flap {step}", updated_at=clock.now()) for o in orders]
        store.record("demo", book.apply(flipped), clock.now())
    assert statuses
    used = store._used_bytes()
    assert used <= 1.2 * 1024 * 1024, used
    assert os.path.getsize(path) < 3 * 1024 * 1024
    newest = store.observed("demo", orders[0].order_no)
    assert newest and newest[-1].raw_status == f"flap {history_module.PRUNE_EVERY * 3 - 1}"
    store.close()


def test_history_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "kameng-tui" / "history.sqlite3"
    store = HistoryStore(path)
    fill(store, orders=20, minutes=1)
    for name in ("history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm"):
        assert stat.S_IMODE((path.parent / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    store.close()


def test_the_tracker_starts_without_history_when_the_data_directory_is_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kameng_tui import cli

    blocker = tmp_path / "share"
    blocker.write_text("")  # a file where the data directory should be: fails as root too
    monkeypatch.setattr(history_module, "default_path", lambda: blocker / "kt" / "h.sqlite3")
    notices: list[str] = []
    assert cli._history(None, notices) is None  # raised NotADirectoryError before
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "going on without history" in err
    assert notices and "going on without history" in notices[0]
