"""`make soak`: the tracker polling a flaky shop for a long while, printed as one JSON object.

A real `kameng-tui demo-server` (a subprocess, free 127.0.0.1 port, bearer token, 20% faults:
500, 503 with Retry-After, slow answers, bad JSON, cut connections) and the real app, headless in
this process, configured like a user would (a kameng profile in a TOML file, interval 0.2 s). The
demo platform runs on the wall clock, so orders arrive and move while the soak runs. A key is
pressed every second (cursor, filters, sort, help, stats, language) so screens come and go.

Figures:
- polls / polls_ok / errors_handled: backend reads tried, succeeded, failed with a BackendError
  that the Syncer reported in the header and survived (HTTP retries inside one poll hide most
  faults: http_requests / http_faults count every request and the failed ones).
- unhandled: anything that escaped: the app crashing, a worker ending in ERROR, an exception
  reaching the event loop or a thread, an exception other than BackendError out of the backend
  (only the Syncer's last-resort net caught it), or the server dying. Details go to stderr.
- rss_warm_mb / rss_end_mb / growth_mb: resident memory after the warm-up (the first 10% of the
  run, at most 60 s, and not before the first full sync) and at the end, after a gc.

Exits 1 when unhandled > 0 or growth_mb >= --max-growth-mb (10). `--trace` also prints, to
stderr, which kinds of objects grew in number between the two samples (how the dead footer keys
and style caches were found) and where tracemalloc saw memory allocated; tracing slows the app
several times over and its own records count in the RSS figures, so a traced run's growth_mb
is not the soak's figure.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
# A private home: the user's configuration, history and settings stay untouched.
_HOME = tempfile.mkdtemp(prefix="kameng-soak-")
os.environ["HOME"] = _HOME
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = os.path.join(_HOME, _var.lower())
os.environ.pop("KAMENG_TUI_CONFIG", None)

from textual.message import Message  # noqa: E402 (after the private home is set)
from textual.worker import Worker, WorkerState  # noqa: E402

from kameng_tui.backends.base import Backend, BackendError, SyncResult  # noqa: E402
from kameng_tui.backends.budget import RequestBudget  # noqa: E402
from kameng_tui.config import config_path, load  # noqa: E402
from kameng_tui.domain.actions import Action  # noqa: E402
from kameng_tui.domain.clock import SystemClock  # noqa: E402
from kameng_tui.domain.order import Order  # noqa: E402
from kameng_tui.i18n import Lang  # noqa: E402
from kameng_tui.profiles import Profiles  # noqa: E402
from kameng_tui.store.history import HistoryStore  # noqa: E402
from kameng_tui.tui.app import KamengApp  # noqa: E402

SIZE = (120, 40)
TOKEN_ENV = "KAMENG_SOAK_TOKEN"
KEY_EVERY = 1.0
CURVE_POINTS = 10
# On the orders screen; anything else pushed (help, stats) is closed with escape first.
KEYS = ("j", "j", "k", "a", "a", "s", "question_mark", "t", "d", "d", "L", "L", "G", "g")


class Trouble:
    """Everything that escaped, one line each."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, error: BaseException | str) -> None:
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self.lines.append(f"{where}: {text}".splitlines()[0][:300])


class CountingBackend(Backend):
    """The profile's backend, counting what the Syncer asks of it and how it went."""

    def __init__(self, inner: Backend, trouble: Trouble) -> None:
        self.inner = inner
        self.trouble = trouble
        self.platform = inner.platform
        self.profile = inner.profile
        self.supported_actions = inner.supported_actions
        self.polls = self.ok = self.failed = 0
        self.changes = 0  # orders the platform sent after the first full sync
        self.synced = False
        self.errors: Counter[str] = Counter()

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        self.polls += 1
        try:
            result = await self.inner.fetch_changes(cursor)
        except BackendError as error:
            self.failed += 1
            self.errors[str(error)[:80]] += 1
            raise
        except Exception as error:
            self.trouble.add("backend raised other than BackendError", error)
            raise
        self.ok += 1
        if self.synced:
            self.changes += len(result.orders)
        self.synced = self.synced or not result.more
        return result

    async def fetch_watched(
        self, numbers: Sequence[str], budget: RequestBudget | None = None, cost: int = 1
    ) -> SyncResult:
        return await self.inner.fetch_watched(numbers, budget, cost)

    async def get_order(self, order_no: str) -> Order | None:
        return await self.inner.get_order(order_no)

    async def perform(self, order_no: str, action: Action, text: str | None = None) -> Order:
        return await self.inner.perform(order_no, action, text)

    async def aclose(self) -> None:
        await self.inner.aclose()


class HttpCounter(logging.Handler):
    """Counts every HTTP request and the failed ones from the client's own request log; also
    keeps kameng-tui's warnings off stderr (logging's last resort would print them)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.requests = 0
        self.faults = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.name != "kameng_tui.http" or not isinstance(record.args, tuple):
            return
        self.requests += 1
        if len(record.args) > 2 and record.args[2] != "HTTP 200":
            self.faults += 1


def rss_mb() -> float:
    """Resident memory now, after a full collection, in MB."""
    gc.collect()
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # no /proc: the peak is the best there is

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(port: int, token: str, fault_rate: float, orders: int, log: Path) -> Any:
    command = [sys.executable, "-m", "kameng_tui", "demo-server", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--token-env", TOKEN_ENV, "--fault-rate", str(fault_rate)]
    command += ["--orders", str(orders)]
    environ = {**os.environ, TOKEN_ENV: token}  # never on the command line
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environ)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"demo-server exited with {server.returncode}: {tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)  # not listening yet
    server.kill()
    raise RuntimeError(f"demo-server did not listen on port {port} within 30 s: {tail(log)}")


def tail(log: Path) -> str:
    try:
        return " | ".join(log.read_text(errors="replace").splitlines()[-5:])
    except OSError:
        return ""


def write_config(base_url: str, interval: float) -> None:
    path = config_path({})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'default_profile = "soak"\n\n'
        "[profiles.soak]\n"
        'platform = "kameng"\n'
        f'base_url = "{base_url}"\n'
        f'token_env = "{TOKEN_ENV}"\n'
        f"interval = {interval}\n"
        'notify = "all"\n',
        encoding="utf-8",
    )


async def soak(args: argparse.Namespace, base_url: str, token: str) -> dict[str, Any]:
    trouble = Trouble()
    loop = asyncio.get_running_loop()

    def on_loop_error(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        trouble.add("event loop", error if error is not None else str(context.get("message")))

    def on_thread_error(hook: threading.ExceptHookArgs) -> None:
        trouble.add(f"thread {hook.thread.name if hook.thread else '?'}", hook.exc_value or "")

    failed_workers: set[int] = set()

    def on_message(message: Message) -> None:
        if isinstance(message, Worker.StateChanged) and message.state is WorkerState.ERROR:
            worker = message.worker
            if id(worker) not in failed_workers:
                failed_workers.add(id(worker))
                trouble.add(f"worker {worker.name!r}", worker.error or "")

    loop.set_exception_handler(on_loop_error)
    threading.excepthook = on_thread_error
    http = HttpCounter()
    logging.getLogger("kameng_tui").addHandler(http)
    logging.getLogger("kameng_tui.http").setLevel(logging.INFO)

    write_config(base_url, args.interval)
    environ = {**os.environ, TOKEN_ENV: token}
    config = load(config_path(environ), required=True)
    profile = config.profile(None)
    clock = SystemClock()
    profiles = Profiles(config, environ, clock, profile)
    backend = CountingBackend(profiles.open(profile.name), trouble)
    app = KamengApp(
        backend,
        lang=Lang.EN,
        interval=float(profile.get("interval")),
        clock=clock,
        profiles=profiles,
        history=HistoryStore(),
    )
    app.animation_level = "none"

    duration = args.seconds if args.seconds is not None else args.minutes * 60
    warm_up = args.warm_up if args.warm_up is not None else min(60.0, duration / 10)
    rss_warm: float | None = None
    rss_end = 0.0
    curve: list[float] = []  # from the warm-up to the end: a leak climbs, a cache levels off
    next_sample = step = 0.0
    warm_trace: tracemalloc.Snapshot | None = None
    warm_types: Counter[str] = Counter()
    started = time.monotonic()
    try:
        async with app.run_test(headless=True, size=SIZE, message_hook=on_message) as pilot:
            started = time.monotonic()
            next_key, presses = started + KEY_EVERY, 0
            # A short run goes on until the first full sync is in (faults may delay it), up to
            # a minute: memory before it is no baseline.
            while (now := time.monotonic()) < started + duration or (
                rss_warm is None and now < started + duration + 60
            ):
                if not app.is_running or app._exception is not None:
                    break
                if rss_warm is None and now >= started + warm_up and app.syncer.full_syncs:
                    rss_warm = rss_mb()
                    curve.append(rss_warm)
                    step = (started + duration - now) / CURVE_POINTS
                    next_sample = now + step
                    if args.trace:
                        warm_trace, warm_types = tracemalloc.take_snapshot(), object_types()
                elif rss_warm is not None and now >= next_sample and len(curve) < CURVE_POINTS:
                    curve.append(rss_mb())
                    next_sample += step
                if now >= next_key and args.keys:
                    next_key = now + KEY_EVERY
                    if app.screen is app.orders_screen:
                        await pilot.press(KEYS[presses % len(KEYS)])
                        presses += 1
                    else:
                        await pilot.press("escape")
                await asyncio.sleep(0.1)  # a scheduler's wait, not synchronisation
            if rss_warm is None:
                trouble.add("soak", "the first sync never completed")
            rss_end = rss_mb()
            if warm_trace is not None:
                report_growth(warm_types, warm_trace, tracemalloc.take_snapshot())
            for worker in app.workers:
                if worker.state is WorkerState.ERROR and id(worker) not in failed_workers:
                    failed_workers.add(id(worker))
                    trouble.add(f"worker {worker.name!r}", worker.error or "")
            orders = len(app.syncer.book)
    except Exception as error:  # the app crashed: run_test re-raises what took it down
        trouble.add("app", error)
        orders = len(app.syncer.book)
    elapsed = time.monotonic() - started
    if app.return_code not in (None, 0) and not any(t.startswith("app") for t in trouble.lines):
        trouble.add("app", f"exit status {app.return_code}")
    warm = rss_warm if rss_warm is not None else rss_end
    return {
        "minutes": round(elapsed / 60, 2),
        "interval_s": args.interval,
        "fault_rate": args.fault_rate,
        "polls": backend.polls,
        "polls_ok": backend.ok,
        "errors_handled": backend.failed,
        "unhandled": len(trouble.lines),
        "rss_warm_mb": round(warm, 1),
        "rss_end_mb": round(rss_end, 1),
        "growth_mb": round(rss_end - warm, 1),
        "rss_curve_mb": [round(mb, 1) for mb in [*curve, rss_end]],
        "orders": orders,
        "changes_seen": backend.changes,
        "http_requests": http.requests,
        "http_faults": http.faults,
        "errors": dict(backend.errors.most_common()),
        "_trouble": trouble.lines,
    }


def object_types() -> Counter[str]:
    """Live objects the collector tracks, by type."""
    gc.collect()
    return Counter(type(o).__qualname__ for o in gc.get_objects())


def report_growth(
    types: Counter[str], before: tracemalloc.Snapshot, after: tracemalloc.Snapshot
) -> None:
    grown_types = object_types()
    grown_types.subtract(types)
    print("objects that grew in number from warm-up to end:", file=sys.stderr)
    for name, count in grown_types.most_common(15):
        print(f"  {count:+8d} {name}", file=sys.stderr)
    grown = sum(s.size_diff for s in after.compare_to(before, "filename")) / 2**20
    print(f"tracemalloc: {grown:+.1f} MB traced from warm-up to end; by line:", file=sys.stderr)
    for stat in after.compare_to(before, "lineno")[:20]:
        print(f"  {stat}", file=sys.stderr)
    print("by allocating call stack (innermost last):", file=sys.stderr)
    for stat in after.compare_to(before, "traceback")[:6]:
        print(f"  {stat.size_diff / 1024:+.0f} KiB in {stat.count_diff:+} blocks", file=sys.stderr)
        for line in stat.traceback.format(limit=8):
            print(f"    {line}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, help="run this long instead (short runs)")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between polls")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--orders", type=int, default=300, help="orders in the demo shop")
    parser.add_argument("--warm-up", type=float, help="seconds (default: 10%% of the run, ≤ 60)")
    parser.add_argument("--max-growth-mb", type=float, default=10.0)
    parser.add_argument("--trace", action="store_true", help="memory growth by type and by line")
    parser.add_argument("--no-keys", dest="keys", action="store_false", help="poll only")
    args = parser.parse_args(argv)
    if args.trace:
        tracemalloc.start(10)

    token = secrets.token_urlsafe(16)
    port = free_port()
    log = Path(_HOME) / "demo-server.log"
    server = start_server(port, token, args.fault_rate, args.orders, log)
    try:
        figures = asyncio.run(soak(args, f"http://127.0.0.1:{port}", token))
        trouble: list[str] = figures.pop("_trouble")
        if server.poll() is not None:
            trouble.append(f"demo-server died (exit {server.returncode}): {tail(log)}")
            figures["unhandled"] = len(trouble)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(_HOME, ignore_errors=True)
    figures["machine"] = f"{os.cpu_count()} cores, python {sys.version.split()[0]}"
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    for line in trouble[:20]:
        print(f"unhandled: {line}", file=sys.stderr)
    return 1 if figures["unhandled"] or figures["growth_mb"] >= args.max_growth_mb else 0


if __name__ == "__main__":
    sys.exit(main())
