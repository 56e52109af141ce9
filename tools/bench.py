"""`make bench`: speed and memory of the tracker on the demo data, printed as one JSON object.

- first_frame_s_300 / first_frame_s_100k: the real `kameng-tui --demo` in a pseudo-terminal
  (tools/ptyterm.py), from process start until the bytes of a frame showing orders arrive. The
  first sync pages in newest first, so at 100k that frame shows the newest orders while the
  rest load:
- full_load_s_100k: the same run, until the frame showing all 100,000.
- textual_floor_first_frame_s: tools/floor_app.py, a Textual app showing one line, through the
  same harness: what any Textual app pays before its first frame.
- first_frame_ratio_to_floor: the worse of the two first frames above, over the floor.
- peak_rss_mb_100k: the 100k process's peak resident memory (the worst of its runs).
- http_sync_100k_s, http_sync_max_frame_gap_s: the first sync of 100,000 orders from a real
  `kameng-tui demo-server` over HTTP, and the longest a key typed every 100 ms meanwhile waited
  for its answer on the screen (see tools/httpsync.py).
- refresh_1pct_s_100k: in process (headless), apply a refresh that changes 1% of 100,000 orders,
  until the screen has been repainted.
- key_to_paint_s_100k: cursor down, and a filter switch, each until repainted; the worse of the two.
- datatable_*: the built-in DataTable holding the same rows, for comparison.
- idle_bytes_per_min, refresh_3rows_bytes, ...: bytes written to the terminal while idle and for
  one refresh changing 3 of 300 orders (see tools/termbytes.py).
- watch_peak_rss_mb_100k, watch_idle_cpu_pct: `kameng-tui watch` on a 100,000-order demo shop
  (see tools/watchidle.py).
- hub_idle_poll_ms, hub_first_sync_s: `kameng-tui watch --serve` over a 100,000-order demo
  shop: a client's idle incremental poll, and its first sync (see tools/hubidle.py).
- multi_*: ten shops of 10,000 orders as one view: first frame, key to paint, and one shop's
  refresh with every shop fine and with one failing every poll (see tools/multishop.py).

Targets (2-core machine): first frame within 1.5x the floor at 300 and at 100k orders,
http_sync_100k_s < 3 s, no frame gap over 0.1 s, peak_rss_mb_100k < 160 MB, refresh_3rows_bytes
< 3 KB, 1% refresh < 0.05 s, key to paint < 0.016 s, idle output < 2 KB per minute; watch at
100k: < 150 MB and < 2% of a core while idle.

`--no-datatable` leaves out the DataTable comparison (about 20 s).
"""

from __future__ import annotations

import asyncio
import atexit
import compileall
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
# A private home for the run: the user's own history and settings must not change the figures
# (repetitions after the first do find the history the first one wrote, as a second start would).
_HOME = tempfile.mkdtemp(prefix="kameng-bench-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ["HOME"] = _HOME
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = os.path.join(_HOME, _var.lower())
os.environ.pop("KAMENG_TUI_CONFIG", None)

# tools/, beside this file:
from floor_app import LINE as FLOOR_LINE  # noqa: E402
from httpsync import figures as http_sync  # noqa: E402
from hubidle import figures as hub_idle  # noqa: E402
from multishop import figures as multi_shop  # noqa: E402
from paintprobe import PaintProbe  # noqa: E402
from ptyterm import Terminal, kameng, terminal_env  # noqa: E402
from termbytes import figures as terminal_bytes  # noqa: E402
from textual import events  # noqa: E402 (after the private home is set)
from watchidle import figures as watch_idle  # noqa: E402

from kameng_tui.backends.demo import DemoBackend, DemoPlatform  # noqa: E402
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock  # noqa: E402
from kameng_tui.domain.order import Order  # noqa: E402
from kameng_tui.domain.status import OrderStatus  # noqa: E402
from kameng_tui.i18n import Lang, Messages  # noqa: E402
from kameng_tui.tui.app import KamengApp  # noqa: E402
from kameng_tui.tui.cells import money  # noqa: E402
from kameng_tui.tui.screens.orders import OrdersScreen  # noqa: E402

SIZE = (120, 40)
BIG = 100_000
REPEAT = 5
FLOOR_APP = Path(__file__).resolve().parent / "floor_app.py"
ROW = re.compile(rb"KM\d{14}")  # an order number: a row of the list


# -- process start to first frame, in a real pseudo-terminal -------------------------------------


def first_frame(orders: int, timeout: float = 60.0) -> tuple[float, float, float]:
    """Seconds from spawning `kameng-tui --demo` until (a) the first frame showing orders and
    (b) the frame showing all of them (the first sync pages in newest first); (c) its peak
    resident memory in MB."""
    args = ["--demo", "--lang", "en", "--demo-orders", str(orders)]
    term = Terminal(kameng(*args), terminal_env())
    try:
        # The header counts shown orders of the platform's total; rows carry order numbers.
        some = re.compile(rf"[1-9][\d,]* of {orders:,} orders".encode())
        first = max(term.wait_for(some, timeout), term.wait_for(ROW, timeout))
        full = term.wait_for(re.compile(rf"{orders:,} of {orders:,} orders".encode()), timeout)
        # Let it settle, exercise it a little, then quit politely.
        term.read_for(0.5)
        for key in (b"j", b"j", b"a", b"a"):
            term.write(key)
            term.read_for(0.2)
    finally:
        usage = term.close()
    return first, full, usage.ru_maxrss / 1024


def floor_first_frame(timeout: float = 30.0) -> float:
    """Seconds from spawning tools/floor_app.py (a Textual app showing one line) until that
    line arrives: what any Textual app pays before its first frame."""
    term = Terminal([sys.executable, str(FLOOR_APP)], terminal_env())
    try:
        return term.wait_for(re.compile(re.escape(FLOOR_LINE.encode())), timeout)
    finally:
        term.read_for(0.2)
        term.close()


# -- in-process measurements --------------------------------------------------------------------


def changed_copies(orders: list[Order], fraction: float, step: int) -> list[Order]:
    """A refresh's worth of changes: `fraction` of the orders with a new update time and status."""
    rng = random.Random(step)
    picked = rng.sample(orders, int(len(orders) * fraction))
    when = FIXED_EPOCH + timedelta(seconds=step)
    statuses = list(OrderStatus)
    return [o._replace(updated_at=when, status=rng.choice(statuses)) for o in picked]


async def tracker_figures() -> dict[str, float]:
    clock = ManualClock(FIXED_EPOCH)
    app = KamengApp(DemoBackend(DemoPlatform(orders=BIG, clock=clock)), lang=Lang.EN, clock=clock)
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OrdersScreen)
        probe = PaintProbe(screen)
        book = screen.book

        # Keys go in as the terminal would send them; each figure ends at the first repaint
        # that shows the result.
        order_list = screen.order_list
        cursor: list[float] = []
        for _ in range(REPEAT):
            target = order_list.cursor + 1
            cursor.append(
                await probe.time(
                    lambda: app.post_message(events.Key("down", None)),
                    until=lambda target=target: order_list.cursor == target,  # type: ignore[misc]
                )
            )
            await pilot.pause()
        filters: list[float] = []
        # Down through every status filter, then every product type filter.
        for options, steps in ((screen.sidebar.status_list, 9), (screen.sidebar.type_list, 4)):
            options.focus()
            await pilot.pause()
            for _ in range(steps):
                before = screen.view.filter
                filters.append(
                    await probe.time(
                        lambda: app.post_message(events.Key("down", None)),
                        until=lambda before=before: screen.view.filter != before,  # type: ignore[misc]
                    )
                )
                await pilot.pause()
        screen.sidebar.choose(status="all", product_type="all")
        order_list.focus()
        await pilot.pause()
        # Refreshes last, so they pay for every index the filters above made, as in use.
        refresh: list[float] = []
        for step in range(1, REPEAT + 1):
            new = changed_copies(list(book), 0.01, step)

            def apply(new: list[Order] = new) -> None:
                screen.apply_changes(book.apply(new))

            refresh.append(await probe.time(apply))
            await pilot.pause()

        return {
            "refresh_1pct_s_100k": statistics.median(refresh),
            "key_to_paint_s_100k": max(statistics.median(cursor), statistics.median(filters)),
            "cursor_to_paint_s_100k": statistics.median(cursor),
            "filter_to_paint_s_100k": statistics.median(filters),
            "filter_to_paint_worst_s_100k": max(filters),
        }


async def datatable_figures() -> dict[str, float]:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    clock = ManualClock(FIXED_EPOCH)
    orders = DemoPlatform(orders=BIG, clock=clock).orders()
    t = Messages(Lang.EN)

    def cells(o: Order) -> tuple[str, ...]:
        label = o.label.text if o.label else ""
        return (
            o.order_no,
            o.product_name,
            t.enum("type", o.product_type),
            money(o.amount, o.currency),
            t.enum("badge", o.status),
            "1m ago",
            label,
        )

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(id="table")

    app = TableApp()
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DataTable)
        for column in ("Order no.", "Product", "Type", "Amount", "Status", "Updated", "Label"):
            table.add_column(column, key=column)
        probe = PaintProbe(app.screen)
        rows = [cells(o) for o in orders]

        def load() -> None:
            for o, row in zip(orders, rows, strict=True):
                table.add_row(*row, key=o.order_no)

        first = await probe.time(load)
        await pilot.pause()
        picked = random.Random(1).sample(orders, BIG // 100)

        def update() -> None:
            for o in picked:
                table.update_cell(o.order_no, "Status", "DONE")
                table.update_cell(o.order_no, "Updated", "just now")

        refresh = await probe.time(update)
        return {"datatable_first_frame_s_100k": first, "datatable_refresh_1pct_s_100k": refresh}


def main() -> None:
    # As an installed copy runs: from bytecode compiled beforehand, not compiled at each start.
    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "kameng_tui"), quiet=1)
    figures: dict[str, float] = {}
    floor = statistics.median(floor_first_frame() for _ in range(5))
    small = [first_frame(300) for _ in range(3)]
    figures["first_frame_s_300"] = statistics.median(f for f, _, _ in small)
    big = [first_frame(BIG) for _ in range(3)]
    figures["first_frame_s_100k"] = statistics.median(f for f, _, _ in big)
    figures["textual_floor_first_frame_s"] = floor
    worse = max(figures["first_frame_s_300"], figures["first_frame_s_100k"])
    figures["first_frame_ratio_to_floor"] = worse / floor
    figures["full_load_s_100k"] = statistics.median(f for _, f, _ in big)
    figures["peak_rss_mb_100k"] = max(rss for _, _, rss in big)
    figures.update(http_sync())
    figures.update(asyncio.run(tracker_figures()))
    if "--no-datatable" not in sys.argv:
        figures.update(asyncio.run(datatable_figures()))
    # `watch` runs beside the bytes' idle minutes, in its own process and home: its figures are
    # its own CPU time and memory, theirs are bytes, neither depends on the other's CPU.
    with ThreadPoolExecutor(1) as beside:
        watch = beside.submit(watch_idle)
        figures.update(terminal_bytes())
        figures.update(watch.result())
    figures.update(hub_idle())
    figures.update(multi_shop())
    figures = {k: round(v, 4) for k, v in figures.items()}
    figures["machine"] = f"{os.cpu_count()} cores, python {sys.version.split()[0]}"  # type: ignore[assignment]
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
