"""The team hub's idle poll: how long `kameng-tui watch --serve` takes to answer a client's
incremental poll when nothing changed (issue 13: under 10 ms).

The real `kameng-tui watch --serve` (a subprocess, private home) on a 100,000-order demo
profile polled once an hour, so nothing changes while measuring. A client reads everything
(the first sync, page after page), then asks `?since=<its cursor>` POLLS times over one
kept-alive connection, as a tracker does:

- hub_first_sync_s: a client's first sync of every order through the hub.
- hub_idle_poll_ms: the median idle poll, request sent to answer read (p95 beside it).

Run alone: `python tools/hubidle.py [--orders N]`; `make bench` includes it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/, when imported from elsewhere
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests/
from ptyterm import kameng, private_home, stop, terminal_env

from tests.servers import free_port

BIG = 100_000
POLLS = 200
TOKEN = "bench-hub-token"


def figures(orders: int = BIG, polls: int = POLLS, timeout: float = 180.0) -> dict[str, float]:
    home, home_env = private_home("kameng-hub-")
    config = os.path.join(home, "profiles.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f'[profiles.big]\nplatform = "demo"\norders = {orders}\ninterval = 3600\n')
    port = free_port()
    env = {**terminal_env(home_env), "KAMENG_TUI_HUB_TOKEN": TOKEN}
    command = kameng(
        "watch", "--config", config, "--profile", "big", "--serve", "--port", str(port)
    )
    with (Path(home) / "hub.stderr").open("wb") as err:
        hub = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=env)
    url = f"http://127.0.0.1:{port}/api/v1/orders"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with httpx.Client(headers=headers, timeout=30) as client:
            started = time.perf_counter()
            while True:  # until the hub's own first poll of the shop is in
                try:
                    answer = client.get(url)
                    if answer.status_code == 200 and answer.json()["total"] == orders:
                        break
                except httpx.TransportError:
                    pass
                if hub.poll() is not None or time.perf_counter() - started > timeout:
                    what = (Path(home) / "hub.stderr").read_text(errors="replace")[-500:]
                    raise RuntimeError(f"hub: not ready (exit {hub.returncode}): {what}")
                time.sleep(0.1)
            begin = time.perf_counter()
            page = client.get(url).json()
            read = len(page["data"])
            while page["more"]:
                page = client.get(url, params={"since": page["cursor"]}).json()
                read += len(page["data"])
            first_sync = time.perf_counter() - begin
            cursor = page["cursor"]
            times = []
            for _ in range(polls):
                at = time.perf_counter()
                idle = client.get(url, params={"since": cursor}).json()
                times.append(time.perf_counter() - at)
                if idle["data"]:
                    raise RuntimeError("the hub's shop changed while idle")
    finally:
        stop(hub)
    if read < orders:
        raise RuntimeError(f"the first sync read {read} of {orders} orders")
    times.sort()
    return {
        "hub_first_sync_s": first_sync,
        "hub_idle_poll_ms": 1000 * statistics.median(times),
        "hub_idle_poll_p95_ms": 1000 * times[int(len(times) * 0.95)],
    }


def main() -> None:
    orders = int(sys.argv[sys.argv.index("--orders") + 1]) if "--orders" in sys.argv else BIG
    print(json.dumps({k: round(v, 4) for k, v in figures(orders).items()}, indent=2))


if __name__ == "__main__":
    main()
