"""The alerts' durable outbox, and what the watcher last saw of each order (SQLite, 0600).

An alert is written here before it is sent, under its dedup key (UNIQUE): a transition seen
twice (a restart, a poll read again) is queued once. It stays pending until every channel of
its rule took it, tried again with backoff while a channel is down, across restarts. Alerts of
one group (a burst in one poll, or a rule's quiet hours) go out as one digest.

`seen` holds each order's status and attention reasons as last evaluated, per profile;
`baselines` the profiles whose first poll is done: an order already in a state when the
watcher first met its shop is not announced.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import msgspec
from platformdirs import user_data_path

from kameng_tui.alerts.rules import Alert, state_of
from kameng_tui.domain.attention import Attention
from kameng_tui.domain.status import OrderStatus
from kameng_tui.store import files
from kameng_tui.store.history import is_damage

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS alerts (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        rule TEXT NOT NULL,
        profile TEXT NOT NULL,
        order_no TEXT NOT NULL,
        transition TEXT NOT NULL,
        grp TEXT NOT NULL,
        line TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at TEXT NOT NULL,
        done_channels TEXT NOT NULL DEFAULT '',
        last_error TEXT NOT NULL DEFAULT '',
        sent_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS alerts_due ON alerts (state, next_at)",
    """CREATE TABLE IF NOT EXISTS seen (
        profile TEXT NOT NULL,
        order_no TEXT NOT NULL,
        status TEXT NOT NULL,
        reasons TEXT NOT NULL,
        PRIMARY KEY (profile, order_no)
    )""",
    "CREATE TABLE IF NOT EXISTS baselines (profile TEXT PRIMARY KEY, at TEXT NOT NULL)",
)
FIRST_RETRY = 30.0  # seconds after the first failed try; doubling up to MAX_RETRY
MAX_RETRY = 900.0
MAX_ATTEMPTS = 60  # about 14 hours of a channel down: then `failed`, listed by `alerts --failed`
KEEP_SENT = timedelta(days=30)


def default_path() -> Path:
    return user_data_path("kameng-tui") / "alerts.sqlite3"


def retry_after(attempts: int) -> float:
    return float(min(MAX_RETRY, FIRST_RETRY * 2.0 ** min(attempts - 1, 20)))


class OutboxError(Exception):
    """The outbox cannot be used (one line)."""


class Row(msgspec.Struct, frozen=True):
    id: int
    created_at: datetime
    rule: str
    profile: str
    order_no: str
    transition: str
    group: str
    line: str
    title: str
    body: str
    state: str
    attempts: int
    next_at: datetime
    done_channels: frozenset[int]
    last_error: str


_COLUMNS = (
    "id, created_at, rule, profile, order_no, transition, grp, line, title, body, state, "
    "attempts, next_at, done_channels, last_error"
)


def _row(values: Sequence[object]) -> Row:
    done = str(values[13])
    return Row(
        int(str(values[0])),
        datetime.fromisoformat(str(values[1])),
        str(values[2]),
        str(values[3]),
        str(values[4]),
        str(values[5]),
        str(values[6]),
        str(values[7]),
        str(values[8]),
        str(values[9]),
        str(values[10]),
        int(str(values[11])),
        datetime.fromisoformat(str(values[12])),
        frozenset(int(i) for i in done.split(",") if i),
        str(values[14]),
    )


class Outbox:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.notices: list[str] = []
        if not self.path.is_absolute():
            raise OutboxError("no home directory for the alerts database (is HOME set?)")
        try:
            try:
                self._db = self._open()
            except sqlite3.DatabaseError as exc:
                if not is_damage(exc):
                    raise
                kept = files.move_aside(self.path)
                self.notices.append(f"alerts database was damaged: kept as {kept}")
                self._db = self._open()
        except (sqlite3.Error, OSError) as exc:
            raise OutboxError(f"alerts database {self.path}: {exc}") from None

    def _open(self) -> sqlite3.Connection:
        files.private_dir(self.path.parent)
        files.private_file(self.path)
        db = sqlite3.connect(self.path, timeout=5)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=5000")
            problems = [row[0] for row in db.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError("malformed: " + "; ".join(map(str, problems)))
            with db:
                for statement in SCHEMA:
                    db.execute(statement)
            for suffix in ("-wal", "-shm"):
                sidecar = self.path.with_name(self.path.name + suffix)
                if sidecar.exists():
                    files.private_file(sidecar)
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    # -- what the watcher saw ---------------------------------------------------------------

    def has_baseline(self, profile: str) -> bool:
        row = self._db.execute("SELECT 1 FROM baselines WHERE profile = ?", (profile,))
        return row.fetchone() is not None

    def seen(self, profile: str) -> dict[str, tuple[OrderStatus, frozenset[Attention]]]:
        known: dict[str, tuple[OrderStatus, frozenset[Attention]]] = {}
        rows = self._db.execute(
            "SELECT order_no, status, reasons FROM seen WHERE profile = ?", (profile,)
        )
        for order_no, status, reasons in rows:
            try:
                known[order_no] = state_of(
                    OrderStatus(status), (Attention(r) for r in str(reasons).split(",") if r)
                )
            except ValueError:
                continue  # written by another version: seen afresh
        return known

    # -- writing ------------------------------------------------------------------------------

    def commit_poll(
        self,
        profile: str,
        seen: Iterable[tuple[str, OrderStatus, frozenset[Attention]]],
        alerts: Iterable[tuple[Alert, str, datetime]],
        now: datetime,
    ) -> int:
        """In one transaction: the orders' new states, the alerts (alert, group, due) not
        queued before, and the profile's baseline. How many alerts were new."""
        added = 0
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?)",
                (
                    (profile, no, status.value, ",".join(sorted(r.value for r in reasons)))
                    for no, status, reasons in seen
                ),
            )
            for alert, group, due in alerts:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO alerts (key, created_at, rule, profile, order_no, "
                    "transition, grp, line, title, body, next_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        alert.key,
                        now.isoformat(),
                        alert.rule,
                        alert.profile,
                        alert.order_no,
                        alert.transition,
                        group,
                        alert.line,
                        alert.title,
                        alert.body,
                        due.isoformat(),
                    ),
                )
                added += cursor.rowcount
            self._db.execute(
                "INSERT OR IGNORE INTO baselines VALUES (?, ?)", (profile, now.isoformat())
            )
        return added

    def due(self, now: datetime) -> list[list[Row]]:
        """Pending alerts due now, grouped: each group is one message."""
        rows = [
            _row(r)
            for r in self._db.execute(
                f"SELECT {_COLUMNS} FROM alerts WHERE state = 'pending' ORDER BY id"
            )
        ]
        groups: dict[str, list[Row]] = {}
        for row in rows:
            if row.next_at <= now:
                groups.setdefault(row.group or f"#{row.id}", []).append(row)
        return list(groups.values())

    def next_due(self) -> datetime | None:
        row = self._db.execute("SELECT MIN(next_at) FROM alerts WHERE state = 'pending'").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def sent(self, ids: Sequence[int], now: datetime) -> None:
        with self._db:
            self._db.executemany(
                "UPDATE alerts SET state = 'sent', sent_at = ?, attempts = attempts + 1, "
                "last_error = '' WHERE id = ?",
                ((now.isoformat(), i) for i in ids),
            )
            self._db.execute(
                "DELETE FROM alerts WHERE state = 'sent' AND sent_at < ?",
                ((now - KEEP_SENT).isoformat(),),
            )

    def failed(self, ids: Sequence[int], done: frozenset[int], error: str, now: datetime) -> None:
        """A try that did not reach every channel: `done` are the channels that took it."""
        with self._db:
            for alert_id in ids:
                (attempts,) = self._db.execute(
                    "SELECT attempts FROM alerts WHERE id = ?", (alert_id,)
                ).fetchone()
                attempts = int(attempts) + 1
                state = "failed" if attempts >= MAX_ATTEMPTS else "pending"
                next_at = now + timedelta(seconds=retry_after(attempts))
                self._db.execute(
                    "UPDATE alerts SET attempts = ?, state = ?, next_at = ?, done_channels = ?, "
                    "last_error = ? WHERE id = ?",
                    (
                        attempts,
                        state,
                        next_at.isoformat(),
                        ",".join(str(i) for i in sorted(done)),
                        error[:300],
                        alert_id,
                    ),
                )

    def recent(self, *, failed_only: bool = False, limit: int = 100) -> list[Row]:
        """The newest alerts first; with failed_only, those given up on or still failing."""
        where = "WHERE state = 'failed' OR last_error != ''" if failed_only else ""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM alerts {where} ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_row(r) for r in rows]
