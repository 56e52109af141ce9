"""kameng-tui's API (docs/api.md) as a Starlette (ASGI) application, serving an `OrderSource`:
the demo platform (`kameng-tui demo-server`) or a hub's watched shops (`watch --serve`).

With a fault rate, that share of API answers fail the ways real shops fail: HTTP 500, 503 with
Retry-After, a slow answer, malformed JSON, or a connection cut mid-answer. The faults come
from their own seeded stream, so a test run is repeatable.

A request body over `max_body` bytes (64 KB) is refused with 413 as soon as that is known: from
its Content-Length, else once that much has arrived; it is never read whole.

`Faults.force(kind)` makes every answer fail one way, any of FAULT_KINDS (also 401, 403, 404,
429 and an HTML page), until `force(None)`: tests switch a platform off and on at run time.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import random
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import msgspec
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kameng_tui.api.wire import API_PREFIX, encode_one, encode_page, error_body
from kameng_tui.backends.base import BackendError
from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.domain.actions import Action
from kameng_tui.domain.order import Order

T = TypeVar("T")
ACTIONS = tuple(action.value for action in Action)
FAULTS = ("http_500", "http_503", "slow", "malformed_json", "connection_cut")  # the random mix
# Forced only: they are not load trouble but a misconfigured or unwelcoming shop.
FAULT_KINDS = (*FAULTS, "http_401", "http_403", "http_404", "http_429", "html")


class ServerOptions(msgspec.Struct, frozen=True):
    token: str | None = None
    fault_rate: float = 0.0
    fault_seed: int = 0
    slow_seconds: float = 3.0
    retry_after: int = 2
    max_body: int = 64 * 1024


def error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


class SourceError(Exception):
    """An answer other than 200: the HTTP status, the error code and its message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class Page(msgspec.Struct, frozen=True):
    orders: list[Order]
    cursor: str | None
    more: bool
    total: int


class OrderSource(Protocol):
    """What the API serves: the demo platform, or a hub's watched shops (server/hub.py).
    Each method raises SourceError for an answer other than 200."""

    async def page(self, cursor: str | None) -> Page: ...

    async def one(self, order_no: str, shop: str | None) -> Order: ...

    async def act(
        self, order_no: str, shop: str | None, action: Action, text: str | None
    ) -> Order: ...


class DemoSource:
    """The simulated platform, one simulation step at a time (it is not thread-safe), each in
    a worker thread: a big page must not hold the server's other connections."""

    def __init__(self, platform: DemoPlatform) -> None:
        self.platform = platform
        self.lock = asyncio.Lock()

    async def _call(self, fn: Callable[[], T]) -> T:
        async with self.lock:
            return await run_in_threadpool(fn)

    async def page(self, cursor: str | None) -> Page:
        try:
            result = await self._call(lambda: self.platform.changes_since(cursor))
        except BackendError as exc:
            raise SourceError(400, "bad_cursor", str(exc)) from None
        return Page(result.orders, result.cursor, result.more, result.total)

    async def one(self, order_no: str, shop: str | None) -> Order:
        order = await self._call(lambda: self.platform.get(order_no))
        if order is None:
            raise SourceError(404, "order_not_found", f"no order {order_no[:64]!r}")
        return order

    async def act(self, order_no: str, shop: str | None, action: Action, text: str | None) -> Order:
        await self.one(order_no, shop)
        try:
            return await self._call(lambda: self.platform.perform(order_no, action, text))
        except BackendError as exc:
            raise SourceError(409, "not_allowed", str(exc)) from None


def create_app(source: OrderSource | DemoPlatform, options: ServerOptions | None = None) -> ASGIApp:
    options = options or ServerOptions()
    if isinstance(source, DemoPlatform):
        source = DemoSource(source)
    serving: OrderSource = source

    def failed(exc: SourceError) -> Response:
        return error(exc.status, exc.code, str(exc))

    async def list_orders(request: Request) -> Response:
        try:
            page = await serving.page(request.query_params.get("since") or None)
        except SourceError as exc:
            return failed(exc)
        body = encode_page(page.orders, page.cursor, page.more, page.total)
        return Response(body, media_type="application/json")

    async def get_order(request: Request) -> Response:
        shop = request.query_params.get("shop") or None
        try:
            order = await serving.one(request.path_params["order_no"], shop)
        except SourceError as exc:
            return failed(exc)
        return Response(encode_one(order), media_type="application/json")

    async def order_action(request: Request) -> Response:
        order_no = request.path_params["order_no"]
        shop = request.query_params.get("shop") or None
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return error(400, "bad_request", "the body is not JSON")
        action = body.get("action") if isinstance(body, dict) else None
        if action not in ACTIONS:
            return error(422, "unknown_action", f"actions are: {', '.join(ACTIONS)}")
        text = body.get("text")
        if text is not None and not isinstance(text, str):
            return error(400, "bad_request", "text must be a string")
        try:
            order = await serving.act(order_no, shop, Action(action), text)
        except SourceError as exc:
            return failed(exc)
        return Response(encode_one(order), media_type="application/json")

    async def not_found(request: Request, exc: Exception) -> Response:
        return error(404, "not_found", "no such endpoint")

    async def server_error(request: Request, exc: Exception) -> Response:
        return error(500, "internal", "the server failed")

    async def too_large(request: Request, exc: Exception) -> Response:
        return error(413, "too_large", f"a request body is at most {options.max_body} bytes")

    app = Starlette(
        routes=[
            Route(f"{API_PREFIX}/orders", list_orders, methods=["GET"]),
            Route(f"{API_PREFIX}/orders/{{order_no}}", get_order, methods=["GET"]),
            Route(f"{API_PREFIX}/orders/{{order_no}}/actions", order_action, methods=["POST"]),
        ],
        exception_handlers={404: not_found, 413: too_large, 500: server_error},
    )
    return Faults(BearerAuth(BodyLimit(app, options.max_body), options.token), options)


class BodyLimit:
    """Refuses a request body over `limit` bytes: at once when its Content-Length says so, else
    when the bytes read pass it (the endpoint reading it gets a 413 HTTPException)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.limit:
            status, code = (413, "too_large") if length.isdigit() else (400, "bad_request")
            response = error(status, code, f"a request body is at most {self.limit} bytes")
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited, send)


class BearerAuth:
    """With a token set, every request must carry `Authorization: Bearer <token>`."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.token is not None:
            headers = dict(scope["headers"])
            given = headers.get(b"authorization", b"").decode("latin-1")
            expected = f"Bearer {self.token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                response = error(
                    401, "unauthorized", "a valid bearer token is required",
                    **{"WWW-Authenticate": "Bearer"},
                )  # fmt: skip
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class Faults:
    """Fails `fault_rate` of the requests, one of FAULTS each, from a seeded stream; or every
    request one way while a fault is forced."""

    def __init__(self, app: ASGIApp, options: ServerOptions) -> None:
        self.app = app
        self.options = options
        self.rng = random.Random(options.fault_seed)
        self.injected: list[str] = []
        self.forced: str | None = None

    def force(self, kind: str | None) -> None:
        """Fail every request as `kind` from now on; None: answer normally again."""
        if kind is not None and kind not in FAULT_KINDS:
            raise ValueError(f"fault kinds are: {', '.join(FAULT_KINDS)}")
        self.forced = kind

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = self.forced
        if fault is None:
            if self.rng.random() >= self.options.fault_rate:
                await self.app(scope, receive, send)
                return
            fault = self.rng.choice(FAULTS)
        self.injected.append(fault)
        await _FAULT_HANDLERS[fault](self, scope, receive, send)

    async def _http_401(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error(
            401, "unauthorized", "a valid bearer token is required",
            **{"WWW-Authenticate": "Bearer"},
        )  # fmt: skip
        await response(scope, receive, send)

    async def _http_403(self, scope: Scope, receive: Receive, send: Send) -> None:
        await error(403, "forbidden", "this token may not read orders")(scope, receive, send)

    async def _http_404(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The web server's own page, as a base_url that misses the API gets it.
        page = "<html><head><title>404 Not Found</title></head><body>nginx</body></html>"
        await HTMLResponse(page, status_code=404)(scope, receive, send)

    async def _http_429(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error(
            429,
            "rate_limited",
            "too many requests",
            **{"Retry-After": str(self.options.retry_after)},
        )
        await response(scope, receive, send)

    async def _html(self, scope: Scope, receive: Receive, send: Send) -> None:
        # What a shop behind a captcha wall, a login redirect or a maintenance page answers.
        page = "<!doctype html><html><body><h1>系统维护中</h1><p>请稍后再试</p></body></html>"
        await HTMLResponse(page)(scope, receive, send)

    async def _http_500(self, scope: Scope, receive: Receive, send: Send) -> None:
        await error(500, "internal", "simulated server error")(scope, receive, send)

    async def _http_503(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error(
            503,
            "unavailable",
            "simulated overload",
            **{"Retry-After": str(self.options.retry_after)},
        )
        await response(scope, receive, send)

    async def _slow(self, scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(self.options.slow_seconds)
        await self.app(scope, receive, send)

    async def _malformed(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = Response(b'{"data": [{"order_no": ', media_type="application/json")
        await response(scope, receive, send)

    async def _cut(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Promise a body, send part of it, and end: the client sees the connection drop.
        start: Message = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
        await send(start)
        await send({"type": "http.response.body", "body": b'{"data": [', "more_body": False})


_FAULT_HANDLERS: dict[str, Callable[[Faults, Scope, Receive, Send], Awaitable[None]]] = {
    "http_500": Faults._http_500,
    "http_503": Faults._http_503,
    "slow": Faults._slow,
    "malformed_json": Faults._malformed,
    "connection_cut": Faults._cut,
    "http_401": Faults._http_401,
    "http_403": Faults._http_403,
    "http_404": Faults._http_404,
    "http_429": Faults._http_429,
    "html": Faults._html,
}
