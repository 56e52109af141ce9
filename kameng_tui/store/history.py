"""Observed status changes and last known orders, per profile, in SQLite.

Written from a worker thread on its own connection (the UI never waits for a write); read on
another connection (WAL lets readers and the writer work at once). Card codes, tokens and
passwords are never stored: orders are saved with their card codes removed.

The schema carries its version in `PRAGMA user_version`; `MIGRATIONS[n]` takes a database
from version n - 1 to n, so a database written by any older version opens and upgrades.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from platformdirs import user_data_path

from kameng_tui.api.wire import WireError, decode_order, encode_order
from kameng_tui.domain.book import ChangeSet
from kameng_tui.domain.order import Order, TimelineEvent
from kameng_tui.domain.status import OrderStatus

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


def default_path() -> Path:
    return user_data_path("kameng-tui") / "history.sqlite3"


class HistoryError(Exception):
    """The history database cannot be used (one line, for the header or stderr)."""


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, check_same_thread=False, timeout=5)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA busy_timeout=5000")
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
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = _connect(self.path)
            migrate(self._writer)
            self._reader = _connect(self.path)
        except sqlite3.Error as exc:
            raise HistoryError(f"history database {self.path}: {exc}") from None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._writer.close()
            self._reader.close()

    # -- writing (from a worker thread) -------------------------------------------------------

    def record(self, profile: str, changes: ChangeSet, observed_at: datetime) -> int:
        """Save what a refresh brought: new orders, status changes, last known data.

        Returns how many status changes were recorded."""
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
        with self._lock, self._writer:
            # A change row only when the state differs from the last one recorded (an order
            # seen again on the next run, unchanged, is not news).
            self._writer.executemany(
                "INSERT INTO changes (profile, order_no, at, status, raw_status, label)"
                " SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM orders"
                " WHERE profile = ?1 AND order_no = ?2 AND status = ?4 || '|' || ?5)",
                rows,
            )
            self._writer.executemany(
                "INSERT OR REPLACE INTO orders (profile, order_no, data, seen_at, status)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    (profile, o.order_no, _dump(o), seen, f"{o.status.value}|{o.raw_status}")
                    for o in touched
                ),
            )
            self._writer.executemany(
                "DELETE FROM orders WHERE profile = ? AND order_no = ?",
                ((profile, o.order_no) for o in changes.removed),
            )
        return len(rows)

    # -- reading ------------------------------------------------------------------------------

    def last_orders(self, profile: str, limit: int = LAST_KNOWN_LIMIT) -> list[Order]:
        """The most recently seen orders as they were, to show at once (stale) on start."""
        cursor = self._reader.execute(
            "SELECT data FROM orders WHERE profile = ? ORDER BY rowid DESC LIMIT ?",
            (profile, limit),
        )
        return list(_load_all(row[0] for row in cursor))

    def last_order(self, profile: str, order_no: str) -> Order | None:
        row = self._reader.execute(
            "SELECT data FROM orders WHERE profile = ? AND order_no = ?", (profile, order_no)
        ).fetchone()
        if row is None:
            return None
        return next(iter(_load_all([row[0]])), None)

    def observed(self, profile: str, order_no: str) -> list[TimelineEvent]:
        """Status changes this machine saw, oldest first."""
        cursor = self._reader.execute(
            "SELECT at, status, raw_status, label FROM changes"
            " WHERE profile = ? AND order_no = ? ORDER BY at",
            (profile, order_no),
        )
        events = []
        for at, status, raw, label in cursor:
            try:
                events.append(
                    TimelineEvent(datetime.fromisoformat(at), OrderStatus(status), raw, label)
                )
            except ValueError:
                continue  # a row this version cannot read: skip it, keep the rest
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


def _change_row(profile: str, order: Order, at: datetime) -> tuple[str, ...]:
    label = order.label.text if order.label else ""
    return (profile, order.order_no, at.isoformat(), order.status.value, order.raw_status, label)


def _dump(order: Order) -> str:
    # Never store card codes: they are as good as money.
    return json.dumps(encode_order(order._replace(card_codes=())), ensure_ascii=False)


def _load_all(texts: Iterable[str]) -> Iterable[Order]:
    for text in texts:
        try:
            yield decode_order(json.loads(text))
        except (WireError, json.JSONDecodeError):
            continue
