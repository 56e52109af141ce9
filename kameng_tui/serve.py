"""`kameng-tui serve`: the tracker in a web browser, for staff without a terminal.

textual-serve runs one `kameng-tui` process per browser tab and bridges it over a websocket;
this module decides the command it runs, how the server is announced, and who may connect.
Secrets never go on that command line: the child inherits the environment, where the
profile's `*_env` variables already are. Imported only by `kameng-tui serve` (aiohttp is slow
to import).

Who may connect: whoever holds the token, as Jupyter does it. By default a random one, in the
one URL printed on start (`/?token=...`); the page trades it for an HttpOnly, SameSite=Strict
cookie and drops it from the address. `--token-env NAME` takes a token or password from the
environment instead (typed into the page's form), `--no-auth` none at all. What one tab may
cost is bounded: at most `max_sessions` tracker processes, windows of at most
MAX_COLUMNS x MAX_ROWS, and a tab's process ends with its websocket (asked to quit, then
terminated, then killed).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import html
import ipaddress
import logging
import os
import re
import secrets
import shlex
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TextIO
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, hdrs, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

log = logging.getLogger(__name__)

_HOST_HEADER = re.compile(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?")
_TOKEN_IN_URL = re.compile(r"(?i)(token=)[^&\s\"]*")

MAX_COLUMNS = 500  # a browser window wider or taller than this is drawn at this size
MAX_ROWS = 200
MAX_SESSIONS = 4
GRACE_SECONDS = 3.0  # between asking a tab's process to quit, terminating and killing it
LOGIN_MAX_BYTES = 4096

_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Everything but the page: nothing runs, nothing frames it.
_PLAIN_CSP = "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


def shell_command(argv: Sequence[str]) -> str:
    """A shell command line running `argv` in the shell's place (POSIX), so the process
    textual-serve starts, and ends, is the program itself."""
    line = shlex.join(argv)
    return line if sys.platform == "win32" else f"exec {line}"


def child_command(app_args: Sequence[str]) -> str:
    """The shell command each browser tab runs: this same installation, these options."""
    return shell_command([sys.executable, "-m", "kameng_tui", *app_args])


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


def cookie_name(port: int) -> str:
    """The session cookie's name: cookies are not kept apart by port, servers on two are."""
    return f"kameng_tui_{port}"


def clamp_size(width: object, height: object) -> tuple[int, int] | None:
    """A window size within 1..MAX_COLUMNS x 1..MAX_ROWS; None when it is not numbers."""
    try:
        columns, rows = int(width), int(height)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None
    return max(1, min(columns, MAX_COLUMNS)), max(1, min(rows, MAX_ROWS))


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def page_csp(page: str, websocket_url: str) -> str:
    """A Content-Security-Policy for textual-serve's page: its own script and styles, the
    inline script and click handlers it has (by hash), its websocket; nothing from elsewhere."""
    scripts = ["'self'"]
    for body in re.findall(r"<script>(.*?)</script>", page, re.S):
        scripts.append(_sha256(body))
    handlers = re.findall(r"\son[a-z]+=\"([^\"]*)\"", page, re.I)
    if handlers:
        scripts.append("'unsafe-hashes'")
        scripts += sorted({_sha256(html.unescape(handler)) for handler in handlers})
    parts = urlsplit(websocket_url)
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {' '.join(scripts)}",
            "style-src 'self' 'unsafe-inline'",  # xterm.js styles its elements inline
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src 'self' {parts.scheme}://{parts.netloc}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _sha256(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


class _RedactTokens(logging.Filter):
    """The access log shows request lines: never a token given in one."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message.lower():
            record.msg, record.args = _TOKEN_IN_URL.sub(r"\1…", message), None
        return True


class GuardedServer(Server):
    """textual-serve's server, for the token holder's browser only, and bounded.

    Browsers let any page open a websocket to any address, 127.0.0.1 included, and textual-serve
    does not look at where it comes from: a page the staff member visits could drive the tracker
    (refunds, card codes). A browser always says where a websocket comes from (`Origin`) and a
    page cannot forge that, so only this server's own page may connect. On a loopback address
    the `Host` must be a loopback name too, so a DNS name rebound to 127.0.0.1 gets nowhere.
    Clients that are not browsers send no `Origin`.

    Then the token (None: no authentication): every request, the page, its files, the websocket
    and downloads, needs the session cookie the token buys (or `Authorization: Bearer <token>`).
    """

    def __init__(
        self,
        command: str,
        host: str,
        port: int,
        url: str | None,
        *,
        token: str | None = None,
        show_token: bool = False,
        max_sessions: int = MAX_SESSIONS,
        grace: float = GRACE_SECONDS,
    ) -> None:
        super().__init__(
            command,
            host=host,
            port=port,
            title="kameng-tui",
            public_url=url or public_url(host, port),
        )
        self.fixed_url = url is not None
        self.loopback = is_loopback(host)
        self.token = token
        self.show_token = show_token
        self.session_secret = secrets.token_urlsafe(32)  # the cookie: not the token itself
        self.cookie = cookie_name(port)
        self.max_sessions = max_sessions
        self.grace = grace
        self.sessions = 0
        self.children: set[asyncio.subprocess.Process] = set()
        self.websockets: set[web.WebSocketResponse] = set()

    # Who may connect

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

    def authenticated(self, request: web.Request) -> bool:
        if self.token is None:
            return True
        if same_secret(request.cookies.get(self.cookie, ""), self.session_secret):
            return True
        scheme, _, given = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
        return scheme.lower() == "bearer" and same_secret(given.strip(), self.token)

    def logged_in(self, location: str) -> web.Response:
        """A redirect that sets the session cookie (and takes the token out of the address)."""
        response = web.Response(status=303, headers={hdrs.LOCATION: location})
        response.set_cookie(
            self.cookie,
            self.session_secret,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self.public_url.lower().startswith("https:"),
        )
        return response

    def login_page(self, status: int, message: str) -> web.Response:
        page = (
            "<!doctype html><html><head><meta charset=utf-8><title>kameng-tui</title></head>"
            f"<body><h1>kameng-tui</h1><p>{html.escape(message)}</p>"
            '<form method=post action="/login"><label>Token '
            "<input type=password name=token autocomplete=current-password autofocus></label> "
            "<button>Open</button></form></body></html>"
        )
        return web.Response(
            status=status,
            text=page,
            content_type="text/html",
            headers={"Cache-Control": "no-store"},
        )

    @web.middleware
    async def guard(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        self.check(request)
        route = request.match_info.route
        if route.name == "static":  # files only: textual-serve would list the folders
            target = self.statics_path / request.match_info.get("filename", "")
            if not target.is_file():
                raise web.HTTPNotFound()
        if route.name == "login":
            return await handler(request)
        if request.path == "/" and "token" in request.query:
            query = {k: v for k, v in request.query.items() if k != "token"}
            location = str(request.rel_url.with_query(query))
            if self.token is None or same_secret(request.query["token"], self.token):
                return self.logged_in(location)
            log.warning("refused %r from %s: wrong token", request.path, request.remote)
            return self.login_page(401, "That token is not this server's.")
        if self.authenticated(request):
            return await handler(request)
        if request.path == "/":
            return self.login_page(
                401, "Open the address kameng-tui serve printed (with ?token=), or give the token."
            )
        raise web.HTTPUnauthorized(
            text="kameng-tui: a token is required\n", headers={"WWW-Authenticate": "Bearer"}
        )

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > LOGIN_MAX_BYTES:
            raise web.HTTPRequestEntityTooLarge(LOGIN_MAX_BYTES, request.content_length)
        form = await request.post()
        given = form.get("token")
        if self.token is None or (isinstance(given, str) and same_secret(given, self.token)):
            return self.logged_in("/")
        log.warning("refused %r from %s: wrong token", request.path, request.remote)
        return self.login_page(401, "That token is not this server's.")

    async def secure_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", _PLAIN_CSP)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_post("/login", self.handle_login, name="login")
        app.middlewares.append(self.guard)
        app.on_response_prepare.append(self.secure_headers)
        return app

    # The page and the websocket

    def full(self) -> bool:
        return self.sessions >= self.max_sessions

    def full_reason(self) -> str:
        return f"all {self.max_sessions} sessions are in use: close another tab, then reload"

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.full():
            return web.Response(
                status=503,
                text=f"kameng-tui: {self.full_reason()}\n",
                headers={"Retry-After": "10", "Cache-Control": "no-store"},
            )
        if not self.fixed_url:
            # The page's script and websocket use the address the browser used. Safe to set on
            # the shared server: the page is built from it before anything else can run.
            self.public_url = f"http://{request.host}"
        response = await super().handle_index(request)
        if isinstance(response, web.Response) and response.text is not None:
            websocket = str(request.app.router["websocket"].url_for())
            ws_base = re.sub(r"^http", "ws", self.public_url.rstrip("/"))
            response.headers["Content-Security-Policy"] = page_csp(
                response.text, ws_base + websocket
            )
            response.headers["Cache-Control"] = "no-store"
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if self.full():
            refused = web.WebSocketResponse()
            await refused.prepare(request)
            reason = self.full_reason()
            log.warning("refused a session from %s: %s", request.remote, reason)
            await refused.close(code=WSCloseCode.TRY_AGAIN_LATER, message=reason.encode())
            return refused
        self.sessions += 1
        try:
            size = clamp_size(request.query.get("width", "80"), request.query.get("height", "24"))
            width, height = size or (80, 24)
            url = request.rel_url.update_query(width=width, height=height)
            return await super().handle_websocket(request.clone(rel_url=url))
        finally:
            self.sessions -= 1

    async def _process_messages(
        self, websocket: web.WebSocketResponse, app_service: AppService
    ) -> None:
        """textual-serve's message loop, with window sizes clamped; when it ends (the websocket
        closed), so does the tab's process."""
        resize = app_service.set_terminal_size

        async def clamped(width: int, height: int) -> None:
            if (size := clamp_size(width, height)) is not None:
                await resize(*size)

        app_service.set_terminal_size = clamped  # type: ignore[method-assign]
        process = app_service._process
        if process is not None:
            self.children.add(process)
        self.websockets.add(websocket)
        try:
            await super()._process_messages(websocket, app_service)
        finally:
            self.websockets.discard(websocket)
            if process is not None:
                await asyncio.shield(self.end_child(process, app_service))

    async def end_child(
        self, process: asyncio.subprocess.Process, app_service: AppService | None
    ) -> None:
        """Ask the process to quit, then terminate it, then kill it: `grace` seconds each."""
        try:
            if process.returncode is None and app_service is not None:
                with contextlib.suppress(TimeoutError):  # a full pipe: it reads no more
                    await asyncio.wait_for(app_service.send_meta({"type": "quit"}), self.grace)
            for stop in (None, process.terminate, process.kill):
                if stop is not None and process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        stop()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), self.grace)
                    return
            log.error("process %d did not end", process.pid)
        finally:
            self.children.discard(process)

    async def on_startup(self, app: web.Application) -> None:
        url = self.public_url.rstrip("/") + "/"
        if self.token is None:
            print(f"kameng-tui serving on {url} (no authentication)", flush=True)
        elif self.show_token:
            print(f"kameng-tui serving on {url}?token={self.token}", flush=True)
        else:
            print(f"kameng-tui serving on {url} (with the token from the environment)", flush=True)
        print("Press Ctrl+C to quit", flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        """Ctrl+C: every tab closes, and its handler ends its process; any left are ended."""
        for websocket in list(self.websockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
        waits = [asyncio.ensure_future(process.wait()) for process in self.children]
        if waits:
            await asyncio.wait(waits, timeout=2 * self.grace)
        await asyncio.gather(*(self.end_child(process, None) for process in list(self.children)))

    def initialize_logging(self) -> None:
        super().initialize_logging()
        logging.getLogger("aiohttp.access").addFilter(_RedactTokens())


def _hostname(netloc: str) -> str:
    return urlsplit(f"//{netloc}").hostname or ""


def serve(
    host: str,
    port: int,
    app_args: Sequence[str],
    *,
    url: str | None = None,
    read_only: bool = False,
    token: str | None = None,
    token_env: str | None = None,
    no_auth: bool = False,
    max_sessions: int = MAX_SESSIONS,
    err: TextIO | None = None,
) -> int:
    """Serve until Ctrl+C (or SIGTERM); the exit code.

    `token` (read from `token_env`) is the one browsers must give; without one a random token
    is made and shown in the printed URL; `no_auth`: none."""
    err = err or sys.stderr
    actions = "" if read_only else ", actions included (consider --read-only)"
    if no_auth:
        token = None
        who = (
            "every user of this machine"
            if is_loopback(host)
            else f"anyone who can reach port {port}"
        )
        print(f"kameng-tui: warning: --no-auth: {who} gets the tracker{actions}", file=err)
    elif not is_loopback(host) and not (url or "").lower().startswith("https:"):
        print(
            f"kameng-tui: warning: serving on {host} without HTTPS: the token crosses the network "
            "in the clear (put an HTTPS proxy in front, with --public-url https://...)",
            file=err,
        )
    show_token = False
    if not no_auth:
        if token is None:
            token, show_token = secrets.token_urlsafe(32), True
        elif token_env:
            os.environ.pop(token_env, None)  # the tabs' processes need not have it
    GuardedServer(
        child_command(app_args),
        host,
        port,
        url,
        token=token,
        show_token=show_token,
        max_sessions=max_sessions,
    ).serve()
    return 0
