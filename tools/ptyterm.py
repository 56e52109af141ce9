"""A program in a pseudo-terminal, as a user's terminal runs it: the bench's harness.

`Terminal` starts a program in a 120x40 pseudo-terminal, keeps every byte it writes with the time
it arrived, finds patterns in that output as it comes (each byte is searched about once),
types keys, and ends the program with `q`, giving back its resource usage (peak RSS).
`private_home` makes a throwaway home so no run reads or writes the user's configuration,
history or settings.

Used by tools/bench.py (first frames, the floor app, the HTTP sync), tools/termbytes.py (bytes
on the wire) and tools/httpsync.py.
"""

from __future__ import annotations

import bisect
import os
import pty
import re
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from fcntl import ioctl
from pathlib import Path

SIZE = (120, 40)  # columns, rows
OVERLAP = 512  # bytes searched again at each read: a pattern may straddle two reads


def private_home(prefix: str = "kameng-bench-") -> tuple[str, dict[str, str]]:
    """A new empty home and the environment variables that point a program at it. The caller
    removes it (shutil.rmtree) when done: a 100k-order history takes some 50 MB."""
    home = tempfile.mkdtemp(prefix=prefix)
    return home, home_env(home)


def home_env(home: str) -> dict[str, str]:
    """The environment variables that point a program at `home` for all it keeps."""
    env = {"HOME": home}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = os.path.join(home, var.lower())
    return env


def terminal_env(home: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment as a colour terminal's, in `home` when given; never the
    user's own configuration file."""
    env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    env.setdefault("TEXTUAL_ANIMATIONS", "none")
    env.pop("NO_COLOR", None)
    # An installed program runs from compiled bytecode (pip writes it); a shell that forbids
    # writing it would have every start recompile what changed (some 50 ms).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("KAMENG_TUI_CONFIG", None)
    env.update(home or {})
    return env


def kameng(*args: str) -> list[str]:
    """The command line of `kameng-tui ARGS` with this interpreter."""
    return [sys.executable, "-m", "kameng_tui", *args]


class Terminal:
    """`argv` running in a pseudo-terminal of `size`; times are seconds since its start."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], size: tuple[int, int] = SIZE):
        self.started = time.perf_counter()  # before the fork: process start
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: become the program
            try:
                os.execvpe(argv[0], list(argv), env)
            finally:
                os._exit(127)  # never back into the bench
        ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.buffer = bytearray()  # everything written so far
        self.ended = False  # the program closed its terminal
        self.last_read = 0.0  # when the latest bytes arrived
        self._ends: list[int] = []  # each read's end in the buffer,
        self._times: list[float] = []  # and when it arrived
        self.rusage: resource.struct_rusage | None = None
        self._scanned: dict[re.Pattern[bytes], int] = {}
        self._found: dict[re.Pattern[bytes], re.Match[bytes]] = {}

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def read(self, timeout: float) -> bytes:
        """What the program writes within `timeout` (one read: b"" when nothing came)."""
        if self.ended:
            time.sleep(timeout)
            return b""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:  # the program is gone
            chunk = b""
        if not chunk:
            self.ended = True
            return b""
        self.last_read = self.elapsed()
        self.buffer += chunk
        self._ends.append(len(self.buffer))
        self._times.append(self.last_read)
        return chunk

    def arrival(self, offset: int) -> float:
        """When the byte at `offset` of the output arrived."""
        return self._times[bisect.bisect_right(self._ends, offset)]

    def read_for(self, seconds: float) -> int:
        """Bytes written during the next `seconds`."""
        count = 0
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            count += len(self.read(min(left, 0.05)))
        return count

    def find(self, pattern: re.Pattern[bytes]) -> re.Match[bytes] | None:
        """The first match of `pattern` in the output so far; what was searched before is not
        searched again (but for OVERLAP bytes)."""
        if pattern in self._found:
            return self._found[pattern]
        start = max(self._scanned.get(pattern, 0) - OVERLAP, 0)
        match = pattern.search(self.buffer, start)
        self._scanned[pattern] = len(self.buffer)
        if match is not None:
            self._found[pattern] = match
        return match

    def wait_for(self, pattern: re.Pattern[bytes], timeout: float = 30.0) -> float:
        """Seconds from the program's start until the read that brought (the end of) the first
        match of `pattern`."""
        end = time.perf_counter() + timeout
        while (match := self.find(pattern)) is None:
            if self.ended or time.perf_counter() > end:
                why = "the program ended" if self.ended else f"not within {timeout:g} s"
                tail = bytes(self.buffer[-3000:]).decode(errors="replace")
                raise RuntimeError(f"no {pattern.pattern!r} on the screen ({why}); last: {tail!r}")
            self.read(0.05)
        return self.arrival(match.end() - 1)

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def close(self, keys: Sequence[bytes] = (b"q",), grace: float = 10.0) -> resource.struct_rusage:
        """Type `keys` (quit), wait up to `grace` seconds for the exit, else kill; the
        program's resource usage (ru_maxrss: its peak resident memory, KB)."""
        for key in keys:
            if not self.ended:
                try:
                    self.write(key)
                except OSError:
                    self.ended = True
            self.read_for(0.2)
        end = time.perf_counter() + grace
        while True:
            pid, _, usage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > end:
                os.kill(self.pid, signal.SIGKILL)
                _, _, usage = os.wait4(self.pid, 0)
                break
            self.read(0.05)
        os.close(self.fd)
        self.rusage = usage
        return usage


# -- other processes --------------------------------------------------------------------------


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def proc_status(pid: int, field: str) -> int:
    """A figure of /proc/PID/status in KB (VmHWM: peak resident memory, VmRSS: now)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
    return ticks / os.sysconf("SC_CLK_TCK")
