"""A stand-in for the tracker behind `kameng-tui serve`: textual-serve's side of the protocol
only, so the server's limits are tested without starting Textual. It reports its pid and the
window size it was given; `--stubborn` ignores quit, SIGTERM and the end of its input."""

from __future__ import annotations

import json
import os
import signal
import sys


def send(kind: bytes, payload: bytes) -> None:
    sys.stdout.buffer.write(kind + len(payload).to_bytes(4, "big") + payload)
    sys.stdout.buffer.flush()


def main() -> None:
    stubborn = "--stubborn" in sys.argv
    if stubborn:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.stdout.buffer.write(b"__GANGLION__\n")
    send(b"D", f"pid {os.getpid()} size {os.environ['COLUMNS']}x{os.environ['ROWS']}\n".encode())
    stdin = sys.stdin.buffer
    while len(head := stdin.read(5)) == 5:
        body = stdin.read(int.from_bytes(head[1:], "big"))
        if head[:1] != b"M":
            continue
        meta = json.loads(body)
        if meta["type"] == "resize":
            send(b"D", f"size {meta['width']}x{meta['height']}\n".encode())
        elif meta["type"] == "quit" and not stubborn:
            return
    while stubborn:
        signal.pause()


if __name__ == "__main__":
    main()
