"""A local Dujiao-Next rebuilt from the platform's own source (github CrazyForks/dujiao-next,
mirror of dujiao-next/dujiao-next), never from our assumptions: every answer names the Go file
it comes from. Nothing is copied from that code; the behaviour is rebuilt here in Python.

The store keeps each order as the Go domain struct `orderdomain.Order` would marshal
(`internal/modules/order/domain/order.go`: a parent with one child per item, children carry the
fulfillment); each route then serialises it with its own DTO, as the real handlers do:
guest detail `OrderDetail` (cut to 100 lines), guest list `OrderSummary`, admin list the
domain struct itself plus `user_email` (`internal/modules/order/transport/presenter/order.go`,
`transport/http/admin_handler.go`).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from kameng_tui.domain.clock import FIXED_EPOCH, Clock, ManualClock

EMAIL, ORDER_PASSWORD = "me@example.com", "pw-123"
ADMIN, ADMIN_PASSWORD = "admin", "admin-pw"

# zh-CN texts, the default locale (internal/i18n/messages.go, ResolveLocale -> LocaleZH).
MSG = {
    "error.guest_email_required": "游客邮箱不能为空",
    "error.guest_password_required": "订单密码不能为空",
    "error.guest_order_not_found": "未找到匹配的游客订单",
    "error.order_item_invalid": "订单项不合法",
    "error.order_fetch_failed": "获取订单失败",
    "error.token_invalid": "无效的 token",
    "error.auth_header_missing": "缺少 Authorization header",
    "error.auth_header_invalid": "Authorization header 格式错误",
    "error.admin_login_invalid": "用户名或密码错误",
    "error.captcha_required": "请先完成验证码",
    "error.bad_request": "请求参数错误",
    "error.rate_limited": "请求过于频繁，请在 %d 秒后重试",
    "error.login_too_many": "登录尝试过多，请在 %d 秒后重试",
    # No text in messages.go: i18n.T falls back to the key itself.
    "error.fulfillment_not_found": "error.fulfillment_not_found",
    "error.order_not_found": "订单不存在",
}
SHOP_TZ = timezone(timedelta(hours=8))


def iso(minute: int) -> str:
    """A time as Go's time.Time marshals it (RFC 3339), `minute` minutes after FIXED_EPOCH."""
    return (FIXED_EPOCH + timedelta(minutes=minute)).astimezone(SHOP_TZ).isoformat()


def item(title: str = "腾讯Q币 100元", quantity: int = 1, price: str = "98.00") -> dict[str, Any]:
    # internal/modules/order/domain/order_item.go (json tags; cost_price is stripped for
    # guests, presenter/order.go newOrderItemResp has no such field)
    return {
        "title": {"zh-CN": title, "en": title},
        "sku_snapshot": None,
        "tags": [],
        "quantity": quantity,
        "original_unit_price": price,
        "unit_price": price,
        "original_total_price": price,
        "total_price": price,
        "coupon_discount_amount": "0.00",
        "member_discount_amount": "0.00",
        "promotion_discount_amount": "0.00",
        "wholesale_discount_amount": "0.00",
        "fulfillment_type": "auto",
        "manual_form_schema_snapshot": None,
        "manual_form_submission": None,
    }


def fulfillment(payload: str, delivered_at: str | None = None) -> dict[str, Any]:
    # internal/modules/fulfillment/domain/fulfillment.go (json tags)
    return {
        "type": "auto",
        "status": "delivered",
        "payload": payload,
        "delivery_data": None,
        "delivered_at": delivered_at or iso(2),
    }


def child(
    status: str,
    *,
    payload: str | None = None,
    delivered_at: str | None = None,
    items: list[dict[str, Any]] | None = None,
    total: str = "98.00",
    refunded: str = "0.00",
) -> dict[str, Any]:
    """A child order (internal/modules/order/application/order_service.go: one per plan)."""
    data: dict[str, Any] = {
        "status": status,
        "total_amount": total,
        "refunded_amount": refunded,
        "items": items if items is not None else [item()],
    }
    if payload is not None:
        data["fulfillment"] = fulfillment(payload, delivered_at)
    return data


def parent(
    no: str,
    status: str,
    children: list[dict[str, Any]] | None = None,
    *,
    guest_email: str = EMAIL,
    guest_password: str = ORDER_PASSWORD,
    user_email: str = "",
    total: str = "98.00",
    refunded: str = "0.00",
    paid_at: str | None = None,
    canceled_at: str | None = None,
    created_at: str | None = None,
    updated_at: str | None = None,
) -> dict[str, Any]:
    """A parent order as the store holds it: the domain struct's fields
    (internal/modules/order/domain/order.go) plus the guest password (json:"-") and, for a
    member order, the user's email (joined in by admin_handler.go)."""
    kids = children if children is not None else [child(status)]
    data: dict[str, Any] = {
        "order_no": no,
        "guest_email": guest_email if not user_email else "",
        "_guest_password": guest_password if not user_email else "",
        "_user_email": user_email,
        "guest_locale": "zh-CN",
        "status": status,
        "currency": "CNY",
        "original_amount": "100.00",
        "discount_amount": "2.00",
        "total_amount": total,
        "refunded_amount": refunded,
        "expires_at": iso(15),
        "paid_at": paid_at,
        "canceled_at": canceled_at,
        "created_at": created_at or iso(0),
        "updated_at": updated_at or created_at or iso(0),
        "children": [],
    }
    for seq, kid in enumerate(kids, start=1):
        full = {
            # internal/modules/order/application/order_service_validate.go buildChildOrderNo
            "order_no": f"{no}-{seq:02d}",
            "guest_email": data["guest_email"],
            "guest_locale": "zh-CN",
            "currency": "CNY",
            "original_amount": kid["total_amount"],
            "discount_amount": "0.00",
            "expires_at": data["expires_at"],
            "paid_at": paid_at,
            "canceled_at": canceled_at,
            "created_at": data["created_at"],
            "updated_at": data["updated_at"],
            **kid,
        }
        data["children"].append(full)
    return data


def order(no: str, status: str, **extra: Any) -> dict[str, Any]:
    """One order exactly as the guest detail route answers it (presenter/order.go OrderDetail),
    for tests that feed `parse_order` directly; `extra` overrides fields."""
    return {**guest_detail(parent(no, status)), **extra}


def envelope(data: Any, **more: Any) -> dict[str, Any]:
    # internal/platform/http/response/response.go Success / SuccessWithPage
    return {"status_code": 0, "msg": "success", "data": data, **more}


def pagination(page: int, page_size: int, total: int) -> dict[str, int]:
    # internal/platform/http/response/response.go BuildPagination
    return {
        "page": page,
        "page_size": page_size,
        "total": total,
        "total_page": (total + page_size - 1) // page_size,
    }


def business_error(code: int, key: str, *args: Any) -> JSONResponse:
    # internal/platform/http/response/response.go Error: HTTP 200, the request id in data
    # (middleware.go RequestIDMiddleware sets one on every request); ginutil/error.go RespondError
    msg = MSG[key] % args if args else MSG[key]
    body = {"status_code": code, "msg": msg, "data": {"request_id": str(uuid.uuid4())}}
    return JSONResponse(body, status_code=200)


# -- DTOs ----------------------------------------------------------------------------------------


def _fill_items(o: dict[str, Any]) -> list[dict[str, Any]]:
    # internal/modules/order/application/order_service_validate.go FillOrderItemsFromChildren
    if o.get("items"):
        return list(o["items"])
    return [i for c in o.get("children", []) for i in c.get("items", [])]


def _lines(payload: str) -> list[str]:
    return payload.split("\n")  # Go strings.Split: a trailing newline is one more (empty) line


def guest_detail(o: dict[str, Any], *, truncate: bool = True) -> dict[str, Any]:
    """internal/modules/order/transport/presenter/order.go NewOrderDetail(Truncated)."""
    d: dict[str, Any] = {"order_no": o["order_no"]}
    if o.get("guest_email"):
        d["guest_email"] = o["guest_email"]  # omitempty
    if o.get("guest_locale"):
        d["guest_locale"] = o["guest_locale"]
    d.update(
        status=o["status"],
        currency=o["currency"],
        original_amount=o.get("original_amount", "0.00"),
        discount_amount=o.get("discount_amount", "0.00"),
        member_discount_amount="0.00",
        promotion_discount_amount="0.00",
        wholesale_discount_amount="0.00",
        total_amount=o["total_amount"],
        wallet_paid_amount="0.00",
        online_paid_amount=o["total_amount"] if o.get("paid_at") else "0.00",
        refunded_amount=o.get("refunded_amount", "0.00"),
        expires_at=o.get("expires_at"),
        paid_at=o.get("paid_at"),
        canceled_at=o.get("canceled_at"),
        created_at=o["created_at"],
    )
    items = [dict(i) for i in _fill_items(o)]
    if items:
        d["items"] = items
    if o.get("fulfillment"):
        f = o["fulfillment"]
        fr: dict[str, Any] = {
            "type": f["type"],
            "status": f["status"],
            "payload": f["payload"],
            "payload_line_count": 0,  # gorm:"-": only truncatePayload fills it
            "delivery_data": f.get("delivery_data"),
        }
        if f.get("delivered_at"):
            fr["delivered_at"] = f["delivered_at"]
        if truncate and fr["payload"]:
            # presenter/order.go truncatePayload, fulfillment/domain PayloadMaxPreviewLines=100
            lines = _lines(fr["payload"])
            fr["payload_line_count"] = len(lines)
            fr["payload"] = "\n".join(lines[:100])
        d["fulfillment"] = fr
    kids = [guest_detail(c, truncate=truncate) for c in o.get("children", [])]
    if kids:
        d["children"] = kids
    return d


def guest_summary(o: dict[str, Any]) -> dict[str, Any]:
    """internal/modules/order/transport/presenter/order.go NewOrderSummary: no fulfillment,
    no paid_at, no guest_email, no refunded_amount; instructions dropped."""
    s: dict[str, Any] = {
        "order_no": o["order_no"],
        "status": o["status"],
        "currency": o["currency"],
        "discount_amount": o.get("discount_amount", "0.00"),
        "member_discount_amount": "0.00",
        "promotion_discount_amount": "0.00",
        "wholesale_discount_amount": "0.00",
        "total_amount": o["total_amount"],
        "created_at": o["created_at"],
    }
    items = [dict(i) for i in _fill_items(o)]
    if items:
        s["items"] = items
    kids = [guest_summary(c) for c in o.get("children", [])]
    if kids:
        s["children"] = kids
    return s


def admin_item(o: dict[str, Any], ids: dict[str, int]) -> dict[str, Any]:
    """The domain struct as JSON (internal/modules/order/domain/order.go), untruncated
    (admin list has no truncation: order_service_query.go ListOrdersForAdmin), plus
    `user_email` (omitempty) from admin_handler.go AdminOrderListItem."""
    d: dict[str, Any] = {"id": ids[o["order_no"]], "order_no": o["order_no"]}
    if "-" in o["order_no"][2:]:
        d["parent_id"] = ids[o["order_no"].rsplit("-", 1)[0]]
    if o.get("_user_email"):
        d["user_id"] = 7  # omitempty: absent for guest orders (user_id 0)
    if o.get("guest_email"):
        d["guest_email"] = o["guest_email"]
    for key in ("guest_locale",):
        if o.get(key):
            d[key] = o[key]
    d.update(
        status=o["status"],
        currency=o["currency"],
        original_amount=o.get("original_amount", "0.00"),
        discount_amount=o.get("discount_amount", "0.00"),
        member_discount_amount="0.00",
        promotion_discount_amount="0.00",
        wholesale_discount_amount="0.00",
        total_amount=o["total_amount"],
        wallet_paid_amount="0.00",
        online_paid_amount="0.00",
        refunded_amount=o.get("refunded_amount", "0.00"),
        reseller_profit_amount="0.00",
        client_ip="203.0.113.9",
        expires_at=o.get("expires_at"),
        paid_at=o.get("paid_at"),
        canceled_at=o.get("canceled_at"),
        created_at=o["created_at"],
        updated_at=o.get("updated_at") or o["created_at"],
    )
    items = [{**i, "id": 1, "order_id": d["id"], "cost_price": "1.00"} for i in _fill_items(o)]
    if items:
        d["items"] = items
    if o.get("fulfillment"):
        f = o["fulfillment"]
        d["fulfillment"] = {
            "id": 1,
            "order_id": d["id"],
            "type": f["type"],
            "status": f["status"],
            "payload": f["payload"],
            "payload_line_count": 0,
            "delivery_data": f.get("delivery_data"),
            "created_at": o["created_at"],
            "updated_at": o.get("updated_at") or o["created_at"],
            **({"delivered_at": f["delivered_at"]} if f.get("delivered_at") else {}),
        }
    kids = [admin_item(c, ids) for c in o.get("children", [])]
    if kids:
        d["children"] = kids
    if o.get("_user_email"):
        d["user_email"] = o["_user_email"]
        d["user_display_name"] = "member"
    return d


# -- rate limiting -------------------------------------------------------------------------------


@dataclass
class Limiter:
    """internal/app/httpserver/middleware/rate_limit.go localRateLimiter.increment (the Redis
    script has the same semantics): a counter per key that lives `window` seconds from its
    first request; the request that passes `max_requests` moves its end to `block` seconds
    from then; every request counts, refused ones too."""

    window: int
    max_requests: int
    block: int
    message_key: str
    clock: Clock
    entries: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    refused: int = 0

    def check(self, key: str) -> JSONResponse | None:
        now = self.clock.now()
        count, expires = self.entries.get(key, (0, now))
        if count and now >= expires:
            count = 0
        if count == 0:
            expires = now + timedelta(seconds=self.window)
        count += 1
        if count == self.max_requests + 1 and self.block > 0:
            expires = now + timedelta(seconds=self.block)
        self.entries[key] = (count, expires)
        if count <= self.max_requests:
            return None
        self.refused += 1
        wait = max(int((expires - now).total_seconds()), 1)
        msg = MSG[self.message_key] % wait
        # response.go ErrorWithHTTPStatus: a real HTTP 429, no Retry-After header
        body = {"status_code": 429, "msg": msg, "data": {"request_id": str(uuid.uuid4())}}
        return JSONResponse(body, status_code=429)


# -- the shop ------------------------------------------------------------------------------------


@dataclass
class FakeDujiaoNext:
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # parents, by order_no
    clock: Clock = field(default_factory=lambda: ManualClock(FIXED_EPOCH))
    legacy: bool = False  # a build before 4e4d5bbc: guest credentials only in the query
    html_page: bool = False  # a proxy in front answers an HTML page with HTTP 200
    captcha: bool = False  # the captcha "login" scene is on
    totp: bool = False  # the admin has 2FA enabled
    tokens: set[str] = field(default_factory=set)
    logins: int = 0
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # internal/app/httpserver/router.go guestReadRule: 120 per 60 s, then blocked 60 s;
        # adminLoginRule from security.login_rate_limit (internal/config/config.go defaults:
        # 5 per 300 s, blocked 900 s). Builds before 4e4d5bbc had no guest limiter at all.
        self.guest_limit = Limiter(60, 120, 60, "error.rate_limited", self.clock)
        self.login_limit = Limiter(300, 5, 900, "error.login_too_many", self.clock)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def add(self, *orders: dict[str, Any]) -> None:
        for o in orders:
            self.orders[o["order_no"]] = o

    def touch(self, no: str, minute: int, **changes: Any) -> None:
        """An order changed on the platform: new fields, and updated_at moves (gorm)."""
        self.orders[no].update(changes, updated_at=iso(minute))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                # internal/modules/order/transport/http/routes.go RegisterGuestReadRoutes
                Route("/api/v1/guest/orders", self.guest_list),
                Route("/api/v1/guest/orders/{no}", self.guest_order),
                Route("/api/v1/guest/orders/{no}/fulfillment/download", self.guest_download),
                # identity/adminauth/transport/http/routes.go, order/transport/http/routes.go
                Route("/api/v1/admin/login", self.login, methods=["POST"]),
                Route("/api/v1/admin/orders", self.admin_orders),
                Route("/api/v1/admin/orders/{id}", self.admin_order),
                # internal/web/handler.go: a reserved prefix that matches nothing stays a 404
                Route("/api/{rest:path}", self.not_found, methods=["GET", "POST"]),
            ]
        )

    async def not_found(self, request: Request) -> Response:
        # internal/web/handler.go NoRoute: c.String(404, "404 page not found")
        return PlainTextResponse("404 page not found", status_code=404)

    # -- guest ---------------------------------------------------------------------------------

    def _guest_credentials(self, request: Request) -> tuple[str, str, bool]:
        if self.legacy:
            # guest_handler.go before 4e4d5bbc: strings.TrimSpace(c.Query(...))
            q = request.query_params
            email = q.get("email", "").strip()
            return email, q.get("order_password", "").strip(), bool(email)
        # internal/platform/http/ginutil/guest_auth.go GetGuestCredentials
        value = request.headers.get("authorization", "").strip()
        if len(value) <= 6 or len(value) > 4096 or value[:6].lower() != "guest ":
            return "", "", False
        encoded = value[6:].strip()
        if "=" in encoded:  # base64.RawURLEncoding refuses padding
            return "", "", False
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except ValueError:
            return "", "", False
        parts = raw.split("\n", 1)
        if len(parts) != 2:
            return "", "", False
        email, password = parts[0].strip(), parts[1].strip()
        if not email or not password or len(email) > 320 or len(password) > 256:
            return "", "", False
        return email, password, True

    def _guest_gate(self, request: Request) -> Response | tuple[str, str]:
        self.requests.append(f"{request.url.path}?{request.url.query}")
        if not self.legacy:
            # routes_storefront.go: guestRead group, KeyByIP
            limited = self.guest_limit.check(request.client.host if request.client else "")
            if limited is not None:
                return limited
        if self.html_page:
            return HTMLResponse("<html><body>502 Bad Gateway</body></html>")
        email, password, ok = self._guest_credentials(request)
        # guest_handler.go: !ok || email == "" -> 400 guest_email_required
        if not ok or not email:
            return business_error(400, "error.guest_email_required")
        if not password:
            return business_error(400, "error.guest_password_required")
        # order_service_query.go: email = strings.ToLower(strings.TrimSpace(email))
        return email.lower(), password

    def _guest_match(self, o: dict[str, Any], email: str, password: str) -> bool:
        # gormstore/order_store.go: user_id = 0 AND guest_email = ? AND guest_password = hash
        return (
            not o.get("_user_email")
            and o.get("guest_email") == email
            and o.get("_guest_password", ORDER_PASSWORD) == password
        )

    async def guest_list(self, request: Request) -> Response:
        gate = self._guest_gate(request)
        if isinstance(gate, Response):
            return gate
        email, password = gate
        mine = [o for o in self.orders.values() if self._guest_match(o, email, password)]
        order_no = request.query_params.get("order_no", "").strip()
        if order_no:  # guest_handler.go ListGuestOrders: one order, page_size 1
            found = [o for o in mine if o["order_no"] == order_no]
            page = {"page": 1, "page_size": 1, "total": len(found), "total_page": 1}
            return JSONResponse(envelope([guest_summary(o) for o in found], pagination=page))
        # ginutil/pagination.go ParsePagination -> NormalizePagination (default 20, max 200)
        page_no = _atoi(request.query_params.get("page", "1"))
        size = _atoi(request.query_params.get("page_size", "20"))
        page_no = max(page_no, 1)
        size = 20 if size <= 0 else min(size, 200)
        # gormstore/order_store.go ListByGuestScoped: ORDER BY id desc (newest first)
        newest = list(reversed(mine))
        chunk = newest[(page_no - 1) * size : page_no * size]
        body = envelope(
            [guest_summary(o) for o in chunk], pagination=pagination(page_no, size, len(mine))
        )
        return JSONResponse(body)

    async def guest_order(self, request: Request) -> Response:
        gate = self._guest_gate(request)
        if isinstance(gate, Response):
            return gate
        email, password = gate
        no = request.path_params["no"].strip()
        if not no:
            return business_error(400, "error.order_item_invalid")
        # order_store.go GetByOrderNoAndGuestScoped: parents only (parent_id IS NULL)
        o = self.orders.get(no)
        if o is None or not self._guest_match(o, email, password):
            return business_error(404, "error.guest_order_not_found")
        return JSONResponse(envelope(guest_detail(o)))

    async def guest_download(self, request: Request) -> Response:
        gate = self._guest_gate(request)
        if isinstance(gate, Response):
            return gate
        email, password = gate
        no = request.path_params["no"].strip()
        # order_store.go GetAnyByOrderNoAndGuestScoped: a parent or a child number
        found = None
        for o in self.orders.values():
            for candidate in (o, *o.get("children", [])):
                if candidate["order_no"] == no:
                    found = (o, candidate)
        if found is None or not self._guest_match(found[0], email, password):
            return business_error(404, "error.guest_order_not_found")
        return _download(found[1])

    # -- admin ---------------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        self.requests.append(str(request.url.path))
        # routes_admin.go: RateLimitMiddleware(adminLoginRule, KeyByIP) before the handler
        limited = self.login_limit.check(request.client.host if request.client else "")
        if limited is not None:
            return limited
        # admin_login_handler.go AdminLogin: ShouldBindJSON with binding:"required"
        try:
            body = await request.json()
        except ValueError:
            return business_error(400, "error.bad_request")
        if not isinstance(body, dict) or not body.get("username") or not body.get("password"):
            return business_error(400, "error.bad_request")
        if self.captcha and not body.get("captcha_payload"):
            return business_error(400, "error.captcha_required")
        if (body.get("username"), body.get("password")) != (ADMIN, ADMIN_PASSWORD):
            return business_error(401, "error.admin_login_invalid")
        if self.totp:
            return JSONResponse(
                envelope(
                    {
                        "requires_totp": True,
                        "challenge_token": "challenge-1",
                        "challenge_expires_at": iso(5),
                    }
                )
            )
        self.logins += 1
        token = f"tok-{self.logins}"
        self.tokens.add(token)
        return JSONResponse(
            envelope(
                {
                    "requires_totp": False,
                    "token": token,
                    "user": {"id": 1, "username": ADMIN},
                    "expires_at": iso(24 * 60),
                }
            )
        )

    def _admin_gate(self, request: Request) -> Response | None:
        self.requests.append(f"{request.url.path}?{request.url.query}")
        # internal/app/httpserver/middleware/middleware.go JWTAuthMiddleware: all HTTP 200
        header = request.headers.get("authorization", "")
        if not header:
            return business_error(401, "error.auth_header_missing")
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token:
            return business_error(401, "error.auth_header_invalid")
        if token not in self.tokens:
            return business_error(401, "error.token_invalid")
        return None

    def _ids(self) -> dict[str, int]:
        ids: dict[str, int] = {}
        for o in self.orders.values():
            ids[o["order_no"]] = len(ids) + 1
            for c in o.get("children", []):
                ids[c["order_no"]] = len(ids) + 1
        return ids

    async def admin_orders(self, request: Request) -> Response:
        refused = self._admin_gate(request)
        if refused is not None:
            return refused
        q = request.query_params
        # admin_handler.go AdminListOrders: ginutil.ParsePagination (max 200)
        page_no = max(_atoi(q.get("page", "1")), 1)
        size = _atoi(q.get("page_size", "20"))
        size = 20 if size <= 0 else min(size, 200)
        chosen = list(self.orders.values())  # order_store.go ListAdmin: parent_id IS NULL
        for key in ("status", "order_no", "guest_email"):
            value = q.get(key, "").strip()
            if value:
                chosen = [o for o in chosen if o.get(key) == value]
        ids = self._ids()
        # order_store.go resolveAdminOrderSort: created_at / updated_at / total_amount, else
        # id; desc unless sort_order=asc
        column = q.get("sort_by", "").strip().lower()
        descending = q.get("sort_order", "").strip().lower() != "asc"

        def sort_key(o: dict[str, Any]) -> Any:
            number = ids[o["order_no"]]
            if column in ("created_at", "updated_at"):
                return (datetime.fromisoformat(o.get(column) or o["created_at"]), number)
            if column == "total_amount":
                return (float(o["total_amount"]), number)
            return number

        chosen.sort(key=sort_key, reverse=descending)
        chunk = chosen[(page_no - 1) * size : page_no * size]
        items = [admin_item(o, ids) for o in chunk]
        return JSONResponse(envelope(items, pagination=pagination(page_no, size, len(chosen))))

    async def admin_order(self, request: Request) -> Response:
        refused = self._admin_gate(request)
        if refused is not None:
            return refused
        # admin_handler.go AdminGetOrder: ginutil.ParseParamUint(c, "id")
        raw = request.path_params["id"]
        if not raw.isdigit():
            return business_error(400, "error.order_item_invalid")
        ids = self._ids()
        for o in self.orders.values():
            if ids[o["order_no"]] == int(raw):
                return JSONResponse(envelope(admin_item(o, ids)))
        return business_error(404, "error.order_not_found")


def _download(o: dict[str, Any]) -> Response:
    # internal/modules/order/transport/http/user_handler.go respondFulfillmentDownload and
    # collectFulfillmentPayload: the order's own payload, else the children's joined by "\n"
    payload = (o.get("fulfillment") or {}).get("payload") or ""
    if not payload:
        parts = [(c.get("fulfillment") or {}).get("payload") or "" for c in o.get("children", [])]
        payload = "\n".join(p for p in parts if p)
    if not payload:
        return business_error(404, "error.fulfillment_not_found")
    headers = {"Content-Disposition": f'attachment; filename="fulfillment-{o["order_no"]}.txt"'}
    return Response(payload, media_type="text/plain; charset=utf-8", headers=headers)


def _atoi(text: str) -> int:
    """Go's strconv.Atoi with the error ignored: 0 for anything that is not an integer."""
    try:
        return int(text.strip()) if text.strip().lstrip("+-").isdigit() else 0
    except ValueError:
        return 0
