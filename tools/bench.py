"""`make bench`: speed and memory of the tracker on the demo data, printed as one JSON object.

- first_frame_s_300 / first_frame_s_100k: the real `kameng-tui --demo` in a pseudo-terminal, from
  process start until the bytes of a frame showing orders arrive. The first sync pages in
  newest first, so at 100k that frame shows the newest orders while the rest load:
- full_load_s_100k: the same run, until the frame showing all 100,000.
- peak_rss_mb_100k: that 100k process's peak resident memory.
- refresh_1pct_s_100k: in process (headless), apply a refresh that changes 1% of 100,000 orders,
  until the screen has been repainted.
- key_to_paint_s_100k: cursor down, and a filter switch, each until repainted; the worse of the two.
- datatable_*: the built-in DataTable holding the same rows, for comparison.
- idle_bytes_per_min, refresh_1pct_bytes, ...: bytes written to the terminal while idle and for
  one refresh changing 1% of the orders (see tools/termbytes.py).

Targets (2-core machine): first frame at 100k < 1.5 s, 1% refresh < 0.1 s, key to paint < 0.05 s,
peak RSS < 300 MB, idle output < 2 KB per minute.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import random
import re
import resource
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from fcntl import ioctl
from typing import Any

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
# A private home for the run: the user's own history and settings must not change the figures
# (repetitions after the first do find the history the first one wrote, as a second start would).
_HOME = tempfile.mkdtemp(prefix="kameng-bench-")
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = os.path.join(_HOME, _var.lower())

from termbytes import figures as terminal_bytes  # noqa: E402 (tools/, beside this file)
from textual import events  # noqa: E402 (after the private home is set)

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


# -- process start to first frame, in a real pseudo-terminal -------------------------------------


def first_frame(orders: int, timeout: float = 60.0) -> tuple[float, float]:
    """Seconds from spawning `kameng-tui --demo` until (a) the first frame showing orders and
    (b) the frame showing all of them (the first sync pages in newest first)."""
    pid, fd = pty.fork()
    if pid == 0:  # child: become the app
        env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
        args = [sys.executable, "-m", "kameng_tui", "--demo", "--lang", "en"]
        os.execvpe(sys.executable, [*args, "--demo-orders", str(orders)], env)
    start = time.perf_counter()
    ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    # The header counts shown orders of the platform's total; rows carry order numbers.
    some = re.compile(rf"[1-9][\d,]* of {orders:,} orders".encode())
    row = re.compile(rb"KM\d{14}")
    every = re.compile(rf"{orders:,} of {orders:,} orders".encode())
    buffer = b""
    first = full = None
    while time.perf_counter() - start < timeout:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            break
        buffer += chunk
        if first is None and some.search(buffer) and row.search(buffer):
            first = time.perf_counter() - start
        if first is not None and every.search(buffer):
            full = time.perf_counter() - start
            break
    # Let it settle, exercise it a little, then quit politely.
    _drain(fd, 0.5)
    for key in (b"j", b"j", b"a", b"a", b"q"):
        os.write(fd, key)
        _drain(fd, 0.2)
    _wait_child(pid, fd)
    if first is None or full is None:
        raise RuntimeError(f"no frame with {orders} orders within {timeout}s")
    return first, full


def _drain(fd: int, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                os.read(fd, 1 << 16)
            except OSError:
                return


def _wait_child(pid: int, fd: int) -> None:
    for _ in range(100):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        _drain(fd, 0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)


# -- in-process measurements --------------------------------------------------------------------


class PaintProbe:
    """Records when the screen's compositor first repaints with a condition holding."""

    def __init__(self, screen: Any) -> None:
        self.painted = asyncio.Event()
        self.at = 0.0
        self.until: Callable[[], bool] = lambda: True
        original = screen._compositor_refresh

        def hooked() -> None:
            original()
            if not self.painted.is_set() and self.until():
                self.at = time.perf_counter()
                self.painted.set()

        screen._compositor_refresh = hooked

    async def time(
        self,
        action: Callable[[], Awaitable[None] | object],
        until: Callable[[], bool] = lambda: True,
    ) -> float:
        """Seconds from starting `action` to the first repaint after which `until()` holds."""
        self.until = until
        self.painted.clear()
        start = time.perf_counter()
        result = action()
        if isinstance(result, Awaitable):
            await result
        await asyncio.wait_for(self.painted.wait(), 10)
        return self.at - start


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
    figures: dict[str, float] = {}
    small = [first_frame(300) for _ in range(3)]
    figures["first_frame_s_300"] = statistics.median(f for f, _ in small)
    big = [first_frame(BIG) for _ in range(3)]
    figures["first_frame_s_100k"] = statistics.median(f for f, _ in big)
    figures["full_load_s_100k"] = statistics.median(f for _, f in big)
    figures["peak_rss_mb_100k"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures.update(asyncio.run(tracker_figures()))
    if "--no-datatable" not in sys.argv:
        figures.update(asyncio.run(datatable_figures()))
    figures.update(terminal_bytes())
    figures = {k: round(v, 4) for k, v in figures.items()}
    figures["machine"] = f"{os.cpu_count()} cores, python {sys.version.split()[0]}"  # type: ignore[assignment]
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
