"""Ten shops as one view (issue 14): 10 shops x 10,000 orders.

- multi_first_frame_s: the real `kameng-tui --profile desk` (a view of ten demo profiles, each
  its own seed) in a pseudo-terminal, from process start to the first frame showing orders.
- multi_key_to_paint_s: in process (headless), cursor down and a filter switch, each until
  repainted; the worse median of the two, as `key_to_paint_s_100k` is measured.
- multi_refresh_s_fine / multi_refresh_s_one_failing: one shop's poll bringing 1% of its
  orders changed, applied until repainted; first with every shop fine, then with one shop
  failing every poll (it polls, and fails, just before each measured refresh). The ratio says
  what a failing shop costs the others (1.0: nothing).

Run alone: `python tools/multishop.py`; `make bench` includes it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import statistics
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/, when imported from elsewhere
from paintprobe import PaintProbe
from ptyterm import Terminal, kameng, private_home, terminal_env
from textual import events

from kameng_tui.backends.base import Backend, BackendError, SyncResult
from kameng_tui.backends.demo import DemoBackend, DemoPlatform
from kameng_tui.config import Profile
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order, stamped
from kameng_tui.domain.status import OrderStatus
from kameng_tui.i18n import Lang
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen

SHOPS = 10
EACH = 10_000
REPEAT = 5
SIZE = (120, 40)
ROW = re.compile(rb"KM\d{14}")


def first_frame(timeout: float = 90.0) -> float:
    home, home_env = private_home("kameng-multi-")
    config = os.path.join(home, "profiles.toml")
    names = [f"shop{i}" for i in range(SHOPS)]
    with open(config, "w", encoding="utf-8") as f:
        for i, name in enumerate(names):
            f.write(f'[profiles.{name}]\nplatform = "demo"\norders = {EACH}\nseed = {i + 1}\n\n')
        f.write(f"[views.desk]\nprofiles = {json.dumps(names)}\n")
    term = Terminal(kameng("--config", config, "--profile", "desk", "--lang", "en"),
                    terminal_env(home_env), SIZE)  # fmt: skip
    try:
        some = re.compile(rb"[1-9][\d,]* of [\d,]+ orders")
        return max(term.wait_for(some, timeout), term.wait_for(ROW, timeout))
    finally:
        term.read_for(0.3)
        term.close()


class Failing(Backend):
    platform = "kameng"
    profile = "down"

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        raise BackendError("cannot connect to shop.example: connection refused")


def changed(orders: list[Order], latest: datetime, step: int) -> list[Order]:
    """The first 1% of `orders` (the caller puts the shop's rows on screen first), updated
    after every other order (`latest`) with a new status: rows on screen repaint in place."""
    when = latest + timedelta(seconds=step)
    status = list(OrderStatus)[step % 4]  # a new badge: something to paint on every row
    return [
        o._replace(updated_at=when, status=status) for o in orders[: max(len(orders) // 100, 1)]
    ]


async def in_process(one_failing: bool) -> dict[str, float]:
    # The failing shop's poll problems go to the log; with no log, Python would print them.
    logging.getLogger("kameng_tui").addHandler(logging.NullHandler())
    clock = ManualClock(FIXED_EPOCH)
    shops: list[tuple[Profile, Backend]] = []
    for i in range(SHOPS - (1 if one_failing else 0)):
        backend = DemoBackend(DemoPlatform(seed=i + 1, orders=EACH, clock=clock))
        backend.profile = f"shop{i}"
        shops.append((Profile(backend.profile, "demo", {"interval": 3600}), backend))
    if one_failing:
        shops.append((Profile("down", "kameng", {"interval": 5}), Failing()))
    app = KamengApp(shops[0][1], lang=Lang.EN, clock=clock, shops=shops, title="desk")
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        while any(s.syncer.polls == 0 for s in screen.shops if s.name != "down"):
            await pilot.pause(0.05)
        probe = PaintProbe(screen)
        figures: dict[str, float] = {}
        down = screen.shops[-1]
        if one_failing:
            # The failing shop retries all along: the clock moves, its ticks poll it.
            clock.advance(1)
            screen._tick()
            while down.syncer.error is None:
                await pilot.pause(0.02)
        # The same keys in both runs, so both refreshes start from the same screen.
        order_list = screen.order_list
        cursor = []
        for _ in range(REPEAT):
            target = order_list.cursor + 1
            cursor.append(await probe.time(
                lambda: app.post_message(events.Key("down", None)),
                until=lambda target=target: order_list.cursor == target,  # type: ignore[misc]
            ))  # fmt: skip
            await pilot.pause()
        filters = []
        # As bench.py: down through every status filter, then every product type filter.
        for options, steps in ((screen.sidebar.status_list, 9), (screen.sidebar.type_list, 4)):
            options.focus()
            await pilot.pause()
            for _ in range(steps):
                before = screen.view.filter
                filters.append(await probe.time(
                    lambda: app.post_message(events.Key("down", None)),
                    until=lambda before=before: screen.view.filter != before,  # type: ignore[misc]
                ))  # fmt: skip
                await pilot.pause()
        screen.sidebar.choose(status="all", product_type="all")
        order_list.focus()
        await pilot.pause()
        if not one_failing:
            figures["multi_cursor_to_paint_s"] = statistics.median(cursor)
            figures["multi_filter_to_paint_s"] = statistics.median(filters)
            figures["multi_key_to_paint_s"] = max(
                statistics.median(cursor), statistics.median(filters)
            )
        first = screen.shops[0]
        mine = [o for o in screen.book if o.shop == first.name]
        latest = max(o.updated_at for o in screen.book)
        refresh = []
        for step in range(1, REPEAT + 1):
            if one_failing:  # the failing shop polls and fails again before each refresh
                failures = down.syncer.failures
                clock.advance(60)
                screen._tick()
                while down.syncer.failures == failures:
                    await pilot.pause(0.01)
                await pilot.pause()
            # Its rows on screen among them: a poll repaints the rows it changed where they are.
            top = int(screen.order_list.scroll_offset.y)
            shown = [o for o in screen.view.rows[top : top + 40] if o.shop == first.name]
            picked = {o.key: o for o in [*shown, *mine]}.values()
            new = [
                stamped(o._replace(shop=""), first.name)
                for o in changed(list(picked), latest, step)
            ]

            def apply(new: list[Order] = new) -> None:
                screen.apply_changes(screen.book.apply(new), shop=first)

            refresh.append(await probe.time(apply))
            await pilot.pause()
        key = "multi_refresh_s_one_failing" if one_failing else "multi_refresh_s_fine"
        figures[key] = statistics.median(refresh)
        return figures


def figures(frames: bool = True) -> dict[str, float]:
    result = {}
    if frames:
        result["multi_first_frame_s"] = statistics.median(first_frame() for _ in range(3))
    result.update(asyncio.run(in_process(one_failing=False)))
    result.update(asyncio.run(in_process(one_failing=True)))
    result["multi_failing_cost_ratio"] = (
        result["multi_refresh_s_one_failing"] / result["multi_refresh_s_fine"]
    )
    return result


def main() -> None:
    result = figures(frames="--no-frames" not in sys.argv)
    print(json.dumps({k: round(v, 4) for k, v in result.items()}, indent=2))


if __name__ == "__main__":
    main()
