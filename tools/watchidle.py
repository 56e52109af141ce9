"""`kameng-tui watch` on a 100,000-order demo shop: its memory, and its CPU while idle.

The real `kameng-tui watch` (a subprocess, in a private home) on a profile `platform = "demo"`,
`orders = 100000` (`watch --demo` always has the demo's 300), at watch's default interval
(30 s), with no alert rules. Its first poll reads every order, records them in the history and
takes them as the alerts' baseline; its log says when that is done. From then on it idles:

- watch_first_poll_s: process start until the log says the first poll is done.
- watch_idle_cpu_pct: CPU time (user + system, /proc/PID/stat) over the IDLE seconds after the
  first poll, in percent of one core. The window holds one regular poll (the demo platform
  simulates its shop inside the process: that is in the figure).
- watch_peak_rss_mb_100k: the process's peak resident memory (VmHWM) at the window's end.

Run alone: `python tools/watchidle.py [--orders N] [--idle-seconds S]`; `make bench` includes it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/, when imported from elsewhere
from ptyterm import cpu_seconds, kameng, private_home, proc_status, stop, terminal_env

BIG = 100_000
IDLE = 31.0  # seconds: one regular poll at watch's default 30 s interval falls in the window
FIRST_POLL = "first poll,"  # watch's log line once the baseline is taken


def figures(
    orders: int = BIG, idle_seconds: float = IDLE, timeout: float = 180.0
) -> dict[str, float]:
    home, home_env = private_home("kameng-watch-")
    config = os.path.join(home, "profiles.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f'[profiles.big]\nplatform = "demo"\norders = {orders}\n')
    log = Path(home) / "watch.log"
    command = kameng("watch", "--config", config, "--profile", "big", "--log", str(log))
    started = time.perf_counter()
    with (Path(home) / "watch.stderr").open("wb") as err:
        watch = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=terminal_env(home_env)
        )
    try:
        while FIRST_POLL not in (log.read_text(errors="replace") if log.exists() else ""):
            if watch.poll() is not None or time.perf_counter() - started > timeout:
                what = (Path(home) / "watch.stderr").read_text(errors="replace")[-500:]
                raise RuntimeError(f"watch: no first poll (exit {watch.returncode}): {what}")
            time.sleep(0.05)
        first_poll = time.perf_counter() - started
        cpu_before, at = cpu_seconds(watch.pid), time.perf_counter()
        time.sleep(idle_seconds)
        if watch.poll() is not None:
            raise RuntimeError(f"watch ended while idle (exit {watch.returncode})")
        cpu = cpu_seconds(watch.pid) - cpu_before
        window = time.perf_counter() - at
        peak_kb = proc_status(watch.pid, "VmHWM")
    finally:
        stop(watch)
        shutil.rmtree(home, ignore_errors=True)
    return {
        "watch_first_poll_s": first_poll,
        "watch_peak_rss_mb_100k": peak_kb / 1024,
        "watch_idle_cpu_pct": 100 * cpu / window,
    }


def main() -> None:
    orders = int(sys.argv[sys.argv.index("--orders") + 1]) if "--orders" in sys.argv else BIG
    idle = IDLE
    if "--idle-seconds" in sys.argv:
        idle = float(sys.argv[sys.argv.index("--idle-seconds") + 1])
    print(json.dumps({k: round(v, 4) for k, v in figures(orders, idle).items()}, indent=2))


if __name__ == "__main__":
    main()
