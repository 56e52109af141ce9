"""Observed status changes and last known orders, per profile, in SQLite.

Written from a worker thread on its own connection (the UI never waits for a write); read on
another connection (WAL lets readers and the writer work at once). Card codes, tokens and
passwords are never stored: orders are saved with their card codes removed.

The schema carries its version in `PRAGMA user_version`; `MIGRATIONS[n]` takes a database
from version n - 1 to n, so a database written by any older version opens and upgrades.

sqlite3 and the order codec load when a store opens or reads, not with this module: the
tracker's screen imports it before its first frame.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from platformdirs import user_data_path

from kameng_tui.domain.book import ChangeSet
from kameng_tui.domain.order import Order, TimelineEvent, unstamped
from kameng_tui.domain.status import OrderStatus
from kameng_tui.store import files
from kameng_tui.store.files import is_disk_full

if TYPE_CHECKING:
    import sqlite3

# The `order_no` columns hold Order.key: the number, qualified by its shop where a profile
# reads several (a hub): the same as the number for every single shop.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE changes (
            profile TEXT NOT NULL,
            order_no TEXT NOT NULL,
            at TEXT NOT NULL,
            status TEXT NOT NULL,
            raw_status TEXT NOT NULL
        )""",
        "CREATE INDEX changes_by_order ON changes (profile, order_no, at)",
    ),
    2: (
        "ALTER TABLE changes ADD COLUMN label TEXT NOT NULL DEFAULT ''",
        """CREATE TABLE orders (
            profile TEXT NOT NULL,
            order_no TEXT NOT NULL,
            data TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (profile, order_no)
        )""",
    ),
    # The status last recorded, so an order seen again in the same state adds no change row.
    3: ("ALTER TABLE orders ADD COLUMN status TEXT NOT NULL DEFAULT ''",),
}
LAST_KNOWN_LIMIT = 5_000  # the most recently seen orders shown at start; the rest come by poll
SCHEMA_VERSION = max(MIGRATIONS)
# Retention (config: history_days, history_max_mb): pruned at start and every PRUNE_EVERY writes.
DEFAULT_DAYS = 90
DEFAULT_MAX_MB = 200
PRUNE_EVERY = 100
WAL_LIMIT = 4 * 1024 * 1024  # the -wal file is cut back to this after a checkpoint


class Retention(msgspec.Struct, frozen=True):
    days: int = DEFAULT_DAYS
    max_mb: float = DEFAULT_MAX_MB

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)


def default_path() -> Path:
    return user_data_path("kameng-tui") / "history.sqlite3"


class HistoryError(Exception):
    """The history database cannot be used (one line, for the header or stderr)."""


def _error_name(exc: sqlite3.Error) -> str:
    return str(getattr(exc, "sqlite_errorname", "") or "")


def is_damage(exc: BaseException) -> bool:
    """The file is not a sound database: it is moved aside and a fresh one started."""
    import sqlite3

    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    name = _error_name(exc)
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def is_full(exc: BaseException) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return _error_name(exc) == "SQLITE_FULL" or "disk is full" in str(exc).lower()
    return is_disk_full(exc)


def _damaged(problems: str) -> sqlite3.DatabaseError:
    """What PRAGMA quick_check found, as damage (named as SQLite names it); a function, not a
    subclass, so that sqlite3 need not load with this module."""
    import sqlite3

    error = sqlite3.DatabaseError(problems)
    error.sqlite_errorname = "SQLITE_CORRUPT"
    return error


def _connect(path: Path, *, new: bool = False) -> sqlite3.Connection:
    import sqlite3

    connection = sqlite3.connect(path, check_same_thread=False, timeout=5)
    if new:  # only before the first table: lets pruning give space back to the disk
        connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA busy_timeout=5000")
    connection.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
    return connection


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the schema up to SCHEMA_VERSION; the version it was at before."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise HistoryError(f"history database is from a newer kameng-tui (schema {version})")
    for step in range(version + 1, SCHEMA_VERSION + 1):
        with connection:
            for statement in MIGRATIONS[step]:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {step}")
    return int(version)


class HistoryStore:
    """The history database. Nothing it meets is fatal once open: a damaged file is moved
    aside (kept for the user) and a fresh one started; a full disk or a read-only file loses
    the writes, not the tracker. Each problem is said once: to `on_notice` when set (the app
    shows a toast), else kept in `notices` until someone takes them."""

    def __init__(self, path: Path | None = None, retention: Retention | None = None) -> None:
        self.path = path or default_path()
        self.retention = retention
        self.notices: list[str] = []
        self.on_notice: Callable[[str], None] | None = None
        self._said: set[str] = set()
        self._lock = threading.RLock()
        self._writes = 0
        self._closed = False
        if not self.path.is_absolute():
            # HOME unset: platformdirs gives a path relative to wherever the tracker started.
            raise HistoryError("no home directory for the history database (is HOME set?)")
        import sqlite3

        try:
            try:
                self._open()
            except sqlite3.DatabaseError as exc:
                if not is_damage(exc):
                    raise
                self._move_aside()
                self._open()
        except (sqlite3.Error, OSError) as exc:
            raise HistoryError(f"history database {self.path}: {_reason(exc)}") from None
        if retention is not None:
            self.prune()

    def _open(self) -> None:
        files.private_dir(self.path.parent)
        new = not self.path.exists() or self.path.stat().st_size == 0
        files.private_file(self.path)
        writer = _connect(self.path, new=new)
        try:
            if not new:
                problems = [row[0] for row in writer.execute("PRAGMA quick_check(5)")]
                if problems != ["ok"]:
                    raise _damaged("; ".join(str(p) for p in problems))
            migrate(writer)
            for suffix in ("-wal", "-shm"):
                sidecar = self.path.with_name(self.path.name + suffix)
                if sidecar.exists():
                    files.private_file(sidecar)
            reader = _connect(self.path)
        except BaseException:
            writer.close()
            raise
        self._writer, self._reader = writer, reader

    def _move_aside(self) -> Path:
        """Keep the damaged file (and its -wal, -shm) for the user, under a new name."""
        kept = files.move_aside(self.path)
        self._say(f"history database was damaged: kept as {kept}; started a fresh one")
        return kept

    def _say(self, message: str) -> None:
        if message in self._said:
            return
        self._said.add(message)
        callback = self.on_notice
        if callback is None:
            self.notices.append(message)
            return
        try:
            callback(message)
        except Exception:
            self.notices.append(message)

    def take_notices(self) -> list[str]:
        notices, self.notices = self.notices, []
        return notices

    def _trouble(self, exc: sqlite3.Error | OSError, connection: sqlite3.Connection) -> None:
        """A problem met while reading or writing: recover if the file is damaged, else say
        what was lost, once."""
        import sqlite3

        with self._lock:
            if self._closed:
                return
            if is_damage(exc):
                if connection is not self._writer and connection is not self._reader:
                    return  # another thread already started a fresh database
                for old in (self._writer, self._reader):
                    with contextlib.suppress(sqlite3.Error):
                        old.close()
                try:
                    self._move_aside()
                    self._open()
                except (sqlite3.Error, OSError) as again:
                    self._broken(again)
            elif is_full(exc):
                self._say("history not saved: the disk is full (the tracker goes on)")
            elif isinstance(exc, sqlite3.ProgrammingError):
                return  # a connection closed by a recovery on another thread
            else:
                self._say(f"history not saved: {_reason(exc)} (the tracker goes on)")

    def _broken(self, exc: BaseException) -> None:
        self._closed = True
        self._say(f"history off: {_reason(exc)}")

    def close(self) -> None:
        import sqlite3

        with self._lock:
            self._closed = True
            for connection in (self._writer, self._reader):
                with contextlib.suppress(sqlite3.Error):
                    connection.close()

    # -- retention ----------------------------------------------------------------------------

    def prune(self, now: datetime | None = None) -> int:
        """Forget what is older than the retention's days, then the oldest until the database
        fits its size. How many rows went."""
        import sqlite3

        retention = self.retention
        if retention is None:
            return 0
        connection = self._writer
        removed = 0
        try:
            with self._lock:
                if self._closed:
                    return 0
                connection = self._writer
                cutoff = ((now or datetime.now(UTC)) - timedelta(days=retention.days)).isoformat()
                with connection:
                    removed += connection.execute(
                        "DELETE FROM changes WHERE julianday(at) < julianday(?)", (cutoff,)
                    ).rowcount
                    removed += connection.execute(
                        "DELETE FROM orders WHERE julianday(seen_at) < julianday(?)", (cutoff,)
                    ).rowcount
                if self._used_bytes() > retention.max_bytes:
                    for _ in range(50):  # down to 90%: not pruning again at the next write
                        removed += self._drop_oldest()
                        if self._used_bytes() <= retention.max_bytes * 0.9:
                            break
                connection.execute("PRAGMA incremental_vacuum")
        except (sqlite3.Error, OSError) as exc:
            self._trouble(exc, connection)
        return removed

    def _used_bytes(self) -> int:
        pragma = self._writer.execute
        (pages,) = pragma("PRAGMA page_count").fetchone()
        (free,) = pragma("PRAGMA freelist_count").fetchone()
        (size,) = pragma("PRAGMA page_size").fetchone()
        return int((pages - free) * size)

    def _drop_oldest(self) -> int:
        """A tenth of the oldest change rows (the orders' last known data once none are left)."""
        connection = self._writer
        with connection:
            for table in ("changes", "orders"):
                (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
                if count:
                    return int(
                        connection.execute(
                            f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table}"
                            " ORDER BY rowid LIMIT ?)",
                            (max(count // 10, 1),),
                        ).rowcount
                    )
        return 0

    # -- writing (from a worker thread) -------------------------------------------------------

    def record(
        self, profile: str, changes: ChangeSet, observed_at: datetime, *, stamp: str = ""
    ) -> int:
        """Save what a refresh brought: new orders, status changes, last known data. Orders
        stamped with `stamp` (a merged view's) are saved as the profile's backend gave them,
        so the profile read alone finds them.

        Returns how many status changes were recorded."""
        import sqlite3

        if stamp:
            changes = ChangeSet(
                [unstamped(o) for o in changes.added],
                [(unstamped(a), unstamped(b)) for a, b in changes.changed],
                [unstamped(o) for o in changes.removed],
            )
        # First sight of an open order is worth a row; a settled one (a shop's long history)
        # is not news, and a first sync of 100,000 orders must stay cheap.
        # A stand-in for an order that could not be read is not the platform's data: never
        # saved, and it never replaces what was last read.
        added = [o for o in changes.added if o.status is not OrderStatus.UNREADABLE]
        changed = [(a, b) for a, b in changes.changed if b.status is not OrderStatus.UNREADABLE]
        rows = [_change_row(profile, o, o.updated_at) for o in added if not o.status.is_final]
        for old, new in changed:
            if old.status is not new.status or old.raw_status != new.raw_status:
                rows.append(_change_row(profile, new, observed_at))
        touched = [*added, *(new for _, new in changed)]
        if len(touched) > LAST_KNOWN_LIMIT:
            # Only the newest are ever shown at start: keep those, not a copy of the shop.
            touched.sort(key=lambda o: o.updated_at, reverse=True)
            touched = touched[:LAST_KNOWN_LIMIT]
        seen = observed_at.isoformat()
        connection = self._writer
        try:
            with self._lock:
                if self._closed:
                    return 0
                connection = self._writer  # a recovery may have opened a fresh one
                self._write(connection, profile, rows, touched, changes.removed, seen)
                self._writes += 1
                retention = self.retention
                # Age every PRUNE_EVERY writes; size at every write (three cheap pragmas).
                if retention is not None and (
                    self._writes % PRUNE_EVERY == 0 or self._used_bytes() > retention.max_bytes
                ):
                    self.prune()
        except (sqlite3.Error, OSError) as exc:
            self._trouble(exc, connection)
            return 0
        return len(rows)

    def _write(
        self,
        connection: sqlite3.Connection,
        profile: str,
        rows: list[tuple[str, ...]],
        touched: list[Order],
        removed: Iterable[Order],
        seen: str,
    ) -> None:
        dump = _dumper()
        with connection:
            # A change row only when the state differs from the last one recorded (an order
            # seen again on the next run, unchanged, is not news).
            connection.executemany(
                "INSERT INTO changes (profile, order_no, at, status, raw_status, label)"
                " SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM orders"
                " WHERE profile = ?1 AND order_no = ?2 AND status = ?4 || '|' || ?5)",
                rows,
            )
            connection.executemany(
                "INSERT OR REPLACE INTO orders (profile, order_no, data, seen_at, status)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    (profile, o.key, dump(o), seen, f"{o.status.value}|{o.raw_status}")
                    for o in touched
                ),
            )
            connection.executemany(
                "DELETE FROM orders WHERE profile = ? AND order_no = ?",
                ((profile, o.key) for o in removed),
            )

    # -- reading: a problem gives nothing (and is said once), never an exception ------------

    def _rows(self, sql: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]:
        import sqlite3

        connection = self._reader
        if self._closed:
            return []
        try:
            return connection.execute(sql, parameters).fetchall()
        except (sqlite3.Error, OSError) as exc:
            self._trouble(exc, connection)
            return []

    def last_orders(self, profile: str, limit: int = LAST_KNOWN_LIMIT) -> list[Order]:
        """The most recently seen orders as they were, to show at once (stale) on start."""
        rows = self._rows(
            "SELECT data FROM orders WHERE profile = ? ORDER BY rowid DESC LIMIT ?",
            (profile, limit),
        )
        return _load_all([row[0] for row in rows])

    def last_order(self, profile: str, order_no: str) -> Order | None:
        rows = self._rows(
            "SELECT data FROM orders WHERE profile = ? AND order_no = ?", (profile, order_no)
        )
        return next(iter(_load_all([row[0] for row in rows[:1]])), None)

    def observed(self, profile: str, order_no: str) -> list[TimelineEvent]:
        """Status changes this machine saw, oldest first; a row that cannot be read (a newer
        version's, or tampered with) is skipped."""
        rows = self._rows(
            "SELECT at, status, raw_status, label FROM changes"
            " WHERE profile = ? AND order_no = ? ORDER BY at",
            (profile, order_no),
        )
        events = []
        for at, status, raw, label in rows:
            try:
                when = datetime.fromisoformat(at)
                if when.tzinfo is None or not isinstance(raw, str) or not isinstance(label, str):
                    continue
                events.append(TimelineEvent(when, OrderStatus(status), raw, label))
            except (ValueError, TypeError):
                continue
        return events


def merged_timeline(order: Order, observed: Iterable[TimelineEvent]) -> tuple[TimelineEvent, ...]:
    """The platform's events and the ones this machine observed, oldest first, without the
    observed ones that repeat a platform event (same status within a minute)."""
    events = list(order.timeline)
    for event in observed:
        if not any(
            e.status is event.status and abs((e.at - event.at).total_seconds()) < 60 for e in events
        ):
            events.append(event._replace(note=event.note or "observed"))
    events.sort(key=lambda e: e.at)
    return tuple(events)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _change_row(profile: str, order: Order, at: datetime) -> tuple[str, ...]:
    label = order.label.text if order.label else ""
    return (profile, order.key, at.isoformat(), order.status.value, order.raw_status, label)


def _dumper() -> Callable[[Order], str]:
    """Order -> the text saved for it (the codec imported once per write, not per order)."""
    from kameng_tui.api.wire import encode_one_order

    def dump(order: Order) -> str:
        # Never store card codes: they are as good as money.
        return encode_one_order(order._replace(card_codes=())).decode()

    return dump


def _load_all(texts: list[str]) -> list[Order]:
    if not texts:
        return []  # a first start: the codec need not load
    from kameng_tui.api.wire import WireError, decode_order_json

    orders = []
    for text in texts:
        try:
            orders.append(decode_order_json(text))
        except (WireError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            continue  # unreadable or tampered with: skip it, keep the rest
    return orders
