"""`kameng-tui serve`: the tracker in a web browser, for staff without a terminal.

textual-serve runs one `kameng-tui` process per browser tab and bridges it over a websocket;
this module only decides the command it runs and how the server is announced. Secrets never
go on that command line: the child inherits the environment, where the profile's `*_env`
variables already are.
"""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys
from collections.abc import Sequence
from typing import TextIO


def child_command(app_args: Sequence[str]) -> str:
    """The shell command each browser tab runs: this same installation, these options."""
    return shlex.join([sys.executable, "-m", "kameng_tui", *app_args])


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_url(host: str, port: int) -> str:
    """Where browsers reach the server: a wildcard address is no place to connect to."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{port}"


def serve(
    host: str,
    port: int,
    app_args: Sequence[str],
    *,
    url: str | None = None,
    read_only: bool = False,
    err: TextIO | None = None,
) -> int:
    """Serve until Ctrl+C; the exit code."""
    from textual_serve.server import Server  # aiohttp and friends: only when serving

    if not is_loopback(host):
        print(
            f"kameng-tui: warning: serving on {host}: anyone who can reach port {port} gets the "
            "tracker" + ("" if read_only else ", actions included (consider --read-only)"),
            file=err or sys.stderr,
        )
    server = Server(
        child_command(app_args),
        host=host,
        port=port,
        title="kameng-tui",
        public_url=url or public_url(host, port),
    )
    server.serve()
    return 0
