"""`kameng-tui serve`: the tracker in a web browser, for staff without a terminal.

textual-serve runs one `kameng-tui` process per browser tab and bridges it over a websocket;
this module decides the command it runs, how the server is announced, and who may connect.
Secrets never go on that command line: the child inherits the environment, where the
profile's `*_env` variables already are. Imported only by `kameng-tui serve` (aiohttp is slow
to import).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import shlex
import socket
import sys
from collections.abc import Sequence
from typing import TextIO
from urllib.parse import urlsplit

from aiohttp import hdrs, web
from textual_serve.server import Server

log = logging.getLogger(__name__)

_HOST_HEADER = re.compile(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?")


def child_command(app_args: Sequence[str]) -> str:
    """The shell command each browser tab runs: this same installation, these options."""
    return shlex.join([sys.executable, "-m", "kameng_tui", *app_args])


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_url(host: str, port: int) -> str:
    """The address announced on start. A wildcard address is no place to connect to, and the
    fully qualified name is often just `localhost`: the machine's name is the better hint (the
    page itself follows whatever address the browser used)."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{port}"


class GuardedServer(Server):
    """textual-serve's server, refusing connections that other web sites make.

    Browsers let any page open a websocket to any address, 127.0.0.1 included, and textual-serve
    does not look at where it comes from: a page the staff member visits could drive the tracker
    (refunds, card codes). A browser always says where a websocket comes from (`Origin`) and a
    page cannot forge that, so only this server's own page may connect. On a loopback address
    the `Host` must be a loopback name too, so a DNS name rebound to 127.0.0.1 gets nowhere.
    Clients that are not browsers send no `Origin`; they run on a machine that can reach the
    port anyway.
    """

    def __init__(self, command: str, host: str, port: int, url: str | None) -> None:
        super().__init__(
            command,
            host=host,
            port=port,
            title="kameng-tui",
            public_url=url or public_url(host, port),
        )
        self.fixed_url = url is not None
        self.loopback = is_loopback(host)

    def refusal(self, request: web.Request) -> str | None:
        """Why this request may not have the tracker, or None."""
        host = request.host.lower()
        if not _HOST_HEADER.fullmatch(host):
            return f"malformed Host {host!r}"
        public = urlsplit(self.public_url.lower())
        if self.loopback and host != public.netloc and not is_loopback(_hostname(host)):
            return f"Host {host!r} on a loopback address"
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None:
            return None
        own = {f"http://{host}", f"https://{host}", f"{public.scheme}://{public.netloc}"}
        return None if origin.lower() in own else f"Origin {origin!r} is not this page"

    def check(self, request: web.Request) -> None:
        if (reason := self.refusal(request)) is not None:
            log.warning("refused %r from %s: %s", request.path, request.remote, reason)
            raise web.HTTPForbidden(text=f"kameng-tui: {reason}\n")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        self.check(request)
        if not self.fixed_url:
            # The page's script and websocket use the address the browser used. Safe to set on
            # the shared server: the page is built from it before anything else can run.
            self.public_url = f"http://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        self.check(request)
        return await super().handle_websocket(request)


def _hostname(netloc: str) -> str:
    return urlsplit(f"//{netloc}").hostname or ""


def serve(
    host: str,
    port: int,
    app_args: Sequence[str],
    *,
    url: str | None = None,
    read_only: bool = False,
    err: TextIO | None = None,
) -> int:
    """Serve until Ctrl+C (or SIGTERM); the exit code."""
    if not is_loopback(host):
        print(
            f"kameng-tui: warning: serving on {host}: anyone who can reach port {port} gets the "
            "tracker" + ("" if read_only else ", actions included (consider --read-only)"),
            file=err or sys.stderr,
        )
    GuardedServer(child_command(app_args), host, port, url).serve()
    return 0
