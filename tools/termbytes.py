"""Bytes the tracker writes to its terminal: idle (polls running, nothing changed) and per refresh.

Over SSH every byte counts. The real `kameng-tui` runs in a pseudo-terminal, polling a local
platform (kameng-tui's own API on 127.0.0.1) that holds still, so whatever the terminal
receives while idle is the app's own doing: clocks, ages, spinners. Then the platform changes
1% of its orders once, and the bytes of the next poll's repaint are counted.

The orders are a seeded demo platform read 30 minutes before the run starts: a shop where
nothing has happened for half an hour, whose recent orders' ages still tick over every minute
(`idle_bytes_per_min`). A second run reads it at the start (`idle_fresh_bytes_per_min`): the
minute right after activity, when stuck orders cross their attention thresholds and the
counts change, which is news rather than idling.

`refresh_3rows_bytes` (also under its first name, `refresh_1pct_bytes`) is that refresh: 3
of the 300 orders at 120x40. The pseudo-terminal is tools/ptyterm.py's, as for the rest of the
bench.

Run alone: `python tools/termbytes.py [--orders N] [--idle-seconds S]`; `make bench` includes it.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kameng_tui.api.wire import API_PREFIX, encode_order
from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/, when imported from elsewhere
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests/
from ptyterm import Terminal, kameng, private_home, terminal_env

from tests.servers import serve

INTERVAL = 2.0  # seconds between polls: idle output must stay small however often it polls


class StillPlatform:
    """Orders that change only when told to; cursors are version numbers."""

    def __init__(self, orders: list[Order]) -> None:
        self.orders = {o.order_no: o for o in orders}
        self.version = 0
        self.changed: dict[int, list[str]] = {}  # version -> orders changed in it
        self.polls = 0

    def change(self, fraction: float, seed: int = 1) -> int:
        """Change `fraction` of the orders now: new status, updated this instant."""
        rng = random.Random(seed)
        picked = rng.sample(sorted(self.orders), max(1, int(len(self.orders) * fraction)))
        now = datetime.now(UTC)
        statuses = [OrderStatus.DELIVERING, OrderStatus.COMPLETED, OrderStatus.FAILED]
        for order_no in picked:
            order = self.orders[order_no]
            self.orders[order_no] = order._replace(updated_at=now, status=rng.choice(statuses))
        self.version += 1
        self.changed[self.version] = picked
        return len(picked)

    def app(self) -> Starlette:
        async def list_orders(request: Request) -> JSONResponse:
            self.polls += 1
            since = request.query_params.get("since")
            if since is None:
                names = list(self.orders)
            else:
                seen = int(since)
                names = [n for v in range(seen + 1, self.version + 1) for n in self.changed[v]]
            return JSONResponse(
                {
                    "data": [encode_order(self.orders[n]) for n in dict.fromkeys(names)],
                    "cursor": str(self.version),
                    "more": False,
                    "total": len(self.orders),
                }
            )

        return Starlette(routes=[Route(f"{API_PREFIX}/orders", list_orders)])


def measure(
    orders: int = 300, idle_seconds: float = 60.0, quiet_minutes: float = 30
) -> dict[str, int]:
    """Bytes written while idle for `idle_seconds` (as a rate per minute), then for one refresh
    changing 1% of the orders; the platform's last activity was `quiet_minutes` ago."""
    home, home_env = private_home("kameng-bytes-")
    read_at = datetime.now(UTC) - timedelta(minutes=quiet_minutes)
    demo = DemoPlatform(seed=7, orders=orders, clock=ManualClock(read_at))
    platform = StillPlatform(demo.orders())
    try:
        with serve(platform.app()) as url:
            config = os.path.join(home, "profiles.toml")
            with open(config, "w", encoding="utf-8") as f:
                f.write(f'[profiles.still]\nplatform = "kameng"\nbase_url = "{url}"\n')
            args = ["--config", config, "--interval", f"{INTERVAL:g}", "--lang", "en"]
            term = Terminal(kameng(*args), terminal_env(home_env))
            try:
                term.wait_for(re.compile(rf"{orders:,} of {orders:,} orders".encode()))
                term.read_for(3.0)  # the first sync's aftermath: history saved, counts drawn
                polls = platform.polls
                idle = term.read_for(idle_seconds)
                idle_polls = platform.polls - polls
                changed = platform.change(0.01)
                refresh = term.read_for(INTERVAL + 1.5)  # the next poll and its repaint
            finally:
                term.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {
        "idle_bytes_per_min": round(idle * 60 / idle_seconds),
        "idle_polls_per_min": round(idle_polls * 60 / idle_seconds),
        "refresh_3rows_bytes": refresh,  # the name for it: 3 rows of the 300
        "refresh_1pct_bytes": refresh,  # its first name, kept for comparisons with older runs
        "refresh_1pct_rows": changed,
    }


def figures(orders: int = 300, idle_seconds: float = 60.0) -> dict[str, int]:
    settled = measure(orders, idle_seconds, quiet_minutes=30)
    fresh = measure(orders, idle_seconds, quiet_minutes=0)
    return {**settled, "idle_fresh_bytes_per_min": fresh["idle_bytes_per_min"]}


def main() -> None:
    orders = int(sys.argv[sys.argv.index("--orders") + 1]) if "--orders" in sys.argv else 300
    idle = 60.0
    if "--idle-seconds" in sys.argv:
        idle = float(sys.argv[sys.argv.index("--idle-seconds") + 1])
    print(json.dumps(figures(orders, idle), indent=2))


if __name__ == "__main__":
    main()
