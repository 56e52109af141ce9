"""The first sync of a 100,000-order shop over HTTP, and how long the screen freezes meanwhile.

A real `kameng-tui demo-server --orders 100000` (a subprocess on a free 127.0.0.1 port; it pages
1,000 then 2,000 orders a page) and the real `kameng-tui` in a 120x40 pseudo-terminal, with a
`platform = "kameng"` profile pointing at the server, in a new private home each run (no
history: the whole shop comes over HTTP). Before the timed runs the server has served every
order once: its first read builds the simulated orders, which a real shop's server has already.

- http_sync_100k_s: process start until the header says every order is shown, "N of N orders"
  with N >= 100,000 (the demo server runs on the wall clock: orders may arrive meanwhile).
- http_sync_max_frame_gap_s: from the first frame showing orders until then, a key is typed
  every 100 ms: `j` (cursor down) ten times, then `g` (first order), over again. A key is
  answered when the terminal receives the cursor's row drawn on another order than the one it
  was on when the key was typed (which answers the keys typed before it too: keys piled up
  behind a frozen screen are handled in one frame). The longest any key waited: the longest
  the screen stayed frozen. The cursor's style is learnt from the first frame (the cursor
  starts on the first row). A page of orders arriving redraws the list, cursor included, on
  the same order: that is not an answer.
- http_sync_peak_rss_mb_100k: the tracker's peak resident memory in those runs.

Medians of RUNS runs (the worst run's peak memory). Run alone: `python tools/httpsync.py
[--orders N] [--runs N]`; `make bench` includes it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kameng_tui.api.wire import API_PREFIX

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/, when imported from elsewhere
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests/
from ptyterm import OVERLAP, Terminal, home_env, kameng, private_home, stop, terminal_env

from tests.servers import free_port, wait_for_port

BIG = 100_000
RUNS = 3
KEY_EVERY = 0.1  # seconds between keys
# Cursor down ten times, then back to the first order: each key moves the cursor to another
# order, and it stays within the first screenful (j and k in turn would cancel out when both
# wait for the same frame; j alone would scroll the list at every key past the screen's end).
KEYS = (*(b"j",) * 10, b"g")
ANSWER_WAIT = 5.0  # seconds a key typed before the last frame may still take to be answered

ROW = re.compile(rb"KM\d{14}")  # an order number: an order's row (or its detail)
# An order's row in the list: a style, the cells before the order number (the age), the number
# (the detail pane draws the number alone, right after its style).
LIST_ROW = re.compile(rb"(\x1b\[[\d;]*m)[^\x1b]{1,80}(KM\d{14})")
SHOWN = re.compile(rb"[1-9][\d,]* of [\d,]+ orders")  # the header, once orders are in
EVERY = re.compile(rb"(?<![\d,])(\d{1,3}(?:,\d{3})*) of \1 orders")


@dataclass
class Run:
    full_s: float  # process start to every order shown
    first_s: float  # process start to the first frame showing orders
    gaps: list[float] = field(default_factory=list)  # per key: seconds until answered
    unanswered: int = 0
    peak_rss_mb: float = 0.0


def start_server(orders: int, home: str) -> tuple[subprocess.Popen[bytes], str]:
    """`kameng-tui demo-server` on a free port, in the private `home`; it and its base URL."""
    port = free_port()
    log = Path(home) / "demo-server.log"
    command = kameng("demo-server", "--host", "127.0.0.1", "--port", str(port))
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*command, "--orders", str(orders)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=terminal_env(home_env(home)),
        )
    try:
        wait_for_port(port, server, log, timeout=60)
    except BaseException:
        stop(server)
        raise
    return server, f"http://127.0.0.1:{port}"


def read_all(url: str) -> int:
    """Every page of the server's orders, once; how many orders came."""
    count, cursor = 0, None
    with httpx.Client(timeout=60) as client:
        while True:
            params: dict[str, str] = {"since": cursor} if cursor else {}
            page = client.get(f"{url}{API_PREFIX}/orders", params=params).raise_for_status()
            body = page.json()
            count += len(body["data"])
            cursor = body["cursor"]
            if not body["more"]:
                return count


def cursor_style(buffer: bytes | bytearray) -> tuple[bytes, bytes]:
    """The style of the cursor's row, as last drawn, and its order: the cursor is on the first
    row at the start (the first order row drawn). At the very start the list may not have the
    focus yet, its cursor drawn in another style: the last draw counts. The second row's last
    style must differ."""
    rows = [(m.group(1), m.group(2)) for m in LIST_ROW.finditer(buffer)]
    orders = list(dict.fromkeys(order for _, order in rows))[:2]
    styles = [[style for style, order in rows if order == o][-1] for o in orders]
    if len(styles) < 2 or styles[0] == styles[1]:
        raise RuntimeError(f"no cursor row on the screen (row styles: {styles!r})")
    return styles[0], orders[0]


class Keys:
    """Keys typed and their answers. The answer to a key is the cursor drawn on another order
    than the one it was on when the key was typed; it answers every key typed before too (keys
    that pile up while the screen is frozen are handled together, in one frame)."""

    def __init__(self, term: Terminal) -> None:
        self.term = term
        style, self.on = cursor_style(term.buffer)  # on: the order under the cursor on screen
        self.cursor = re.compile(re.escape(style) + rb"[^\x1b]{1,80}(KM\d{14})")
        self.pending: list[tuple[float, int, bytes]] = []  # typed: when, output offset, on
        self.waits: list[float] = []  # per key answered: seconds from typing to the answer
        self.typed = 0

    def type_next(self) -> None:
        """The next of KEYS."""
        typed = (self.term.elapsed(), len(self.term.buffer), self.on)  # the write may yield
        self.term.write(KEYS[self.typed % len(KEYS)])
        self.typed += 1
        self.pending.append(typed)

    def scan(self, start: int) -> None:
        """The cursor's draws in the output from `start`."""
        for match in self.cursor.finditer(self.term.buffer, start):
            self.on = match.group(1)
            answered = [
                i
                for i, (_, offset, on) in enumerate(self.pending)
                if offset <= match.start() and on != self.on
            ]
            if answered:
                at = self.term.arrival(match.end() - 1)
                for when, _, _ in self.pending[: answered[-1] + 1]:
                    self.waits.append(at - when)
                del self.pending[: answered[-1] + 1]


def sync_run(url: str, orders: int, timeout: float = 120.0) -> Run:
    """One tracker start, in a new home, until every order of the shop at `url` is shown."""
    home, env = private_home("kameng-http-")
    config = os.path.join(home, "profiles.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f'[profiles.big]\nplatform = "kameng"\nbase_url = "{url}"\n')
    term = Terminal(kameng("--config", config, "--lang", "en"), terminal_env(env))
    try:
        first = term.wait_for(ROW, timeout)
        first = max(first, term.wait_for(SHOWN, timeout))
        term.read_for(0.1)  # the rest of that frame
        keys = Keys(term)
        scanned = len(term.buffer)
        full: float | None = None

        def scan() -> None:
            nonlocal scanned, full
            if len(term.buffer) == scanned:
                return
            start = max(scanned - OVERLAP, 0)
            scanned = len(term.buffer)
            keys.scan(start)
            for match in EVERY.finditer(term.buffer, start) if full is None else ():
                if int(match.group(1).replace(b",", b"")) >= orders:
                    full = term.arrival(match.end() - 1)
                    break

        next_key = term.elapsed()
        while full is None or (keys.pending and term.elapsed() < full + ANSWER_WAIT):
            if full is None and term.elapsed() >= next_key:
                while term.read(0):  # what came before the key is not its answer
                    scan()
                keys.type_next()
                next_key = max(next_key + KEY_EVERY, term.elapsed())
            if term.elapsed() > timeout or term.ended:
                tail = bytes(term.buffer[-3000:]).decode(errors="replace")
                raise RuntimeError(
                    f"{orders:,} orders not all shown within {timeout:g} s "
                    f"(ended: {term.ended}); last: {tail!r}"
                )
            term.read(max(min(next_key - term.elapsed(), 0.02), 0.0))
            scan()
        run = Run(full_s=full, first_s=first, gaps=keys.waits, unanswered=len(keys.pending))
        run.gaps += [term.elapsed() - when for when, _, _ in keys.pending]
    finally:
        usage = term.close()
        shutil.rmtree(home, ignore_errors=True)
    run.peak_rss_mb = usage.ru_maxrss / 1024
    return run


def figures(orders: int = BIG, runs: int = RUNS) -> dict[str, float]:
    home, _ = private_home("kameng-server-")
    try:
        server, url = start_server(orders, home)
        try:
            read_all(url)  # the server builds its orders on their first read
            done = [sync_run(url, orders) for _ in range(runs)]
        finally:
            stop(server)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    unanswered = sum(r.unanswered for r in done)
    if unanswered:
        print(f"httpsync: {unanswered} keys never answered", file=sys.stderr)
    return {
        "http_sync_100k_s": statistics.median(r.full_s for r in done),
        "http_sync_max_frame_gap_s": statistics.median(max(r.gaps, default=0.0) for r in done),
        "http_sync_peak_rss_mb_100k": max(r.peak_rss_mb for r in done),
    }


def main() -> None:
    orders = int(sys.argv[sys.argv.index("--orders") + 1]) if "--orders" in sys.argv else BIG
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else RUNS
    if "--verbose" in sys.argv:
        home, _ = private_home("kameng-server-")
        server, url = start_server(orders, home)
        try:
            print("warm-up read:", read_all(url), "orders", file=sys.stderr)
            for _ in range(runs):
                run = sync_run(url, orders)
                gaps = sorted(run.gaps, reverse=True)
                print(
                    f"first {run.first_s:.3f} s, all {run.full_s:.3f} s, {len(run.gaps)} keys, "
                    f"worst waits {[round(g, 3) for g in gaps[:8]]}, "
                    f"median {statistics.median(gaps or [0.0]):.3f}, "
                    f"unanswered {run.unanswered}, peak {run.peak_rss_mb:.0f} MB",
                    file=sys.stderr,
                )
        finally:
            stop(server)
            shutil.rmtree(home, ignore_errors=True)
        return
    print(json.dumps({k: round(v, 4) for k, v in figures(orders, runs).items()}, indent=2))


if __name__ == "__main__":
    main()
