"""SIGTERM, SIGHUP and SIGQUIT end the installed tracker with the terminal given back."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

COMMAND = Path(sys.executable).parent / "kameng-tui"
ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
MOUSE_OFF = (b"\x1b[?1000l", b"\x1b[?1003l", b"\x1b[?1006l")


def read_until(fd: int, done: object, timeout: float) -> bytes:
    """What the program writes to its terminal, until `done(output)` or EOF or the timeout."""
    output = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            if callable(done) and done(output):
                return output
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every copy of the terminal's other end is closed
            break
        if not chunk:
            break
        output += chunk
    return output


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT])
def test_a_signal_ends_the_app_with_the_terminal_restored(
    number: signal.Signals, private_home: Path
) -> None:
    assert COMMAND.exists(), "the package is not installed in this environment"
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("COLUMNS", "LINES", "TEXTUAL", "NO_COLOR")
    }
    env.update(TERM="xterm-256color", LANG="C.UTF-8", TEXTUAL_ANIMATIONS="none")
    process = subprocess.Popen(
        [str(COMMAND), "--demo", "--demo-orders", "50"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,  # its own session, with this terminal as its controlling one
        close_fds=True,
    )
    os.close(slave)
    try:
        started = read_until(master, lambda out: b"KM" in out and ALT_SCREEN_ON in out, 30)
        assert ALT_SCREEN_ON in started, started[-500:]
        process.send_signal(number)
        rest = read_until(master, None, 20)
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    assert code == 128 + number, (code, rest[-300:])
    # Killed by the signal, the app wrote none of this: the terminal stayed in its modes.
    assert ALT_SCREEN_OFF in rest, rest[-300:]
    assert all(sequence in rest for sequence in MOUSE_OFF), rest[-300:]
    assert rest.rindex(ALT_SCREEN_OFF) > rest.rfind(ALT_SCREEN_ON)
    # The history was closed: its write-ahead log folded back into the database.
    data = private_home / ".local/share/kameng-tui"
    assert (data / "history.sqlite3").exists()
    assert not (data / "history.sqlite3-wal").exists()


def test_a_dropped_terminal_never_leaves_the_process_behind(private_home: Path) -> None:
    """An SSH drop: the terminal's other end closes and SIGHUP comes while the app is still
    writing. Restoring the terminal then cannot finish; the process must end all the same."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", TEXTUAL_ANIMATIONS="none")
    process = subprocess.Popen(
        [str(COMMAND), "--demo", "--demo-orders", "50", "--interval", "0.2"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    try:
        read_until(master, lambda out: b"KM" in out and ALT_SCREEN_ON in out, 30)
        os.write(master, b"q")  # quitting, as the connection drops
        os.close(master)
        process.send_signal(signal.SIGHUP)
        code = process.wait(timeout=20)  # the watchdog ends it within its grace period
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code in (0, 128 + signal.SIGHUP)


def test_the_exit_watchdog_ends_a_stuck_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from kameng_tui.backends.demo import DemoBackend, DemoPlatform
    from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
    from kameng_tui.tui import app as app_module

    ended: list[int] = []
    fired = threading.Event()

    def fake_exit(code: int) -> None:
        ended.append(code)
        fired.set()

    monkeypatch.setattr(app_module, "_force_exit", fake_exit)
    clock = ManualClock(FIXED_EPOCH)
    app = app_module.KamengApp(DemoBackend(DemoPlatform(orders=5, clock=clock)), clock=clock)
    app._arm_exit_watchdog(129, grace=0.05)
    app._arm_exit_watchdog(129, grace=0.05)  # a second signal: still one watchdog
    assert fired.wait(5)
    assert ended == [129]
