"""A local Dujiao-Next that follows the documented shapes (../shared/platform-apis.md)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

EMAIL, ORDER_PASSWORD = "me@example.com", "pw-123"
ADMIN, ADMIN_PASSWORD = "admin", "admin-pw"


def order(no: str, status: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order_no": no,
        "guest_email": EMAIL,
        "status": status,
        "currency": "CNY",
        "original_amount": "100.00",
        "discount_amount": "2.00",
        "total_amount": "98.00",
        "refunded_amount": "0.00",
        "expires_at": "2026-11-25T10:45:00+08:00",
        "paid_at": None,
        "canceled_at": None,
        "created_at": "2026-11-25T10:30:00+08:00",
        "items": [
            {
                "title": {"zh-CN": "腾讯Q币 100元", "en": "QQ coins 100"},
                "unit_price": "98.00",
                "quantity": 1,
                "total_price": "98.00",
                "fulfillment_type": "auto",
            }
        ],
        "fulfillment": None,
    }
    data.update(extra)
    return data


def envelope(data: Any, **more: Any) -> dict[str, Any]:
    return {"status_code": 0, "msg": "success", "data": data, **more}


def failure(http: int, code: int, msg: str) -> JSONResponse:
    return JSONResponse(
        {"status_code": code, "msg": msg, "data": {"request_id": "req-1"}}, status_code=http
    )


@dataclass
class FakeDujiaoNext:
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    legacy: bool = False  # an older build: guest credentials only as query parameters
    html_page: bool = False  # a proxy in front answers an HTML page with HTTP 200
    tokens: set[str] = field(default_factory=set)
    logins: int = 0
    requests: list[str] = field(default_factory=list)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v1/guest/orders/{no}", self.guest_order),
                Route("/api/v1/admin/login", self.login, methods=["POST"]),
                Route("/api/v1/admin/orders", self.admin_orders),
            ]
        )

    def _guest_ok(self, request: Request) -> bool:
        if self.legacy:
            q = request.query_params
            return (q.get("email"), q.get("order_password")) == (EMAIL, ORDER_PASSWORD)
        expected = base64.urlsafe_b64encode(f"{EMAIL}\n{ORDER_PASSWORD}".encode()).rstrip(b"=")
        return request.headers.get("authorization") == f"Guest {expected.decode()}"

    async def guest_order(self, request: Request) -> Response:
        self.requests.append(str(request.url.path))
        if self.html_page:
            return HTMLResponse("<html><body>502 Bad Gateway</body></html>")
        if not self._guest_ok(request):
            return failure(401, 40101, "error.unauthorized")
        data = self.orders.get(request.path_params["no"])
        if data is None:
            return failure(404, 40401, "error.guest_order_not_found")
        return JSONResponse(envelope(data))

    async def login(self, request: Request) -> Response:
        body = await request.json()
        if (body.get("username"), body.get("password")) != (ADMIN, ADMIN_PASSWORD):
            return failure(401, 40101, "error.login_failed")
        self.logins += 1
        token = f"tok-{self.logins}"
        self.tokens.add(token)
        return JSONResponse(envelope({"token": token, "expires_at": "2026-11-26T10:30:00Z"}))

    async def admin_orders(self, request: Request) -> Response:
        self.requests.append(f"{request.url.path}?{request.url.query}")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return failure(401, 40101, "error.token_expired")
        page = int(request.query_params.get("page", "1"))
        size = min(int(request.query_params.get("page_size", "20")), 100)
        everything = list(self.orders.values())
        chunk = everything[(page - 1) * size : page * size]
        pages = max((len(everything) + size - 1) // size, 1)
        return JSONResponse(
            envelope(
                chunk,
                pagination={
                    "page": page,
                    "page_size": size,
                    "total": len(everything),
                    "total_page": pages,
                },
            )
        )
