"""A local acg-faka 3.6.0 (lizhipay/acg-faka): the buyer's order query and secret routes.

Every answer is rebuilt from the platform's source, named beside it; none of its code is used.
Routes are the PHP kernel's `/user/api/{controller}/{method}` (kernel/Kernel.php), parameters
are form fields ($_POST), and every answer goes out with HTTP 200, errors too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from kameng_tui.domain.clock import Clock

# app/Service/Bind/Order.php pullCardForLocal(): the secret when no card is left.
SOLD_OUT = "很抱歉，有人在你付款之前抢走了商品，请联系客服。"
# app/Service/Bind/Order.php orderSuccess(): a manual delivery's secret until staff send it.
MANUAL = "正在发货中，请耐心等待，如有疑问，请联系客服。"


@dataclass
class FakeOrder:
    """A row of the `order` table (kernel/Install/Install.sql) with its commodity and pay."""

    trade_no: str
    contact: str = "buyer@example.com"
    status: int = 0  # 0 unpaid, 1 paid
    delivery_status: int = 0  # 0 not delivered, 1 delivered
    amount: float = 98.0  # decimal(10,2), cast to float (app/Model/Order.php $casts)
    create_time: str = "2026-11-25 18:30:00"
    pay_time: str | None = None
    card_num: int = 1
    secret: str | None = None
    password: str | None = None  # the query password; NULL when none was given
    commodity: str = "腾讯Q币 100元"
    pay: str = "支付宝"
    race: str | None = None
    widget: str | None = None


class Throttle:
    """app/Util/Throttle.php: a count per key in a fixed window that starts with its first
    request; every call counts, refused ones too; over `limit` is refused. `clock` is
    injectable so tests can run it over simulated minutes."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._records: dict[str, tuple[int, int]] = {}  # key -> (count, reset)

    def too_many(self, key: str, limit: int, window: int) -> bool:
        now = int(self.clock.now().timestamp())  # PHP time()
        count, reset = 0, now + window
        record = self._records.get(key)
        if record is not None and record[1] > now:
            count, reset = record
        count += 1
        self._records[key] = (count, reset)
        return count > limit

    def clear(self, key: str) -> None:
        self._records.pop(key, None)


def php_json(value: object) -> Response:
    """kernel/Kernel.php: json_encode(JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), no
    spaces, with `content-type:application/json;charset=utf-8` and HTTP 200."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Response(body, 200, headers={"content-type": "application/json;charset=utf-8"})


def ok(data: object) -> Response:
    # app/Controller/Base/API/User.php json(data: ...): code 200; no `msg` without a message.
    return php_json({"code": 200, "data": data})


def refused(message: str) -> Response:
    # kernel/Kernel.php: a JSONException becomes {"code": getCode() (0), "msg": ...}, HTTP 200.
    return php_json({"code": 0, "msg": message})


def php_int(value: object) -> int:
    """(int) of a form field: leading digits, else 0."""
    match = re.match(r"\s*[+-]?\d+", value if isinstance(value, str) else "")
    return int(match.group()) if match else 0


@dataclass
class FakeAcgFaka:
    clock: Clock
    orders: list[FakeOrder] = field(default_factory=list)  # by id: the list's order
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    refusals: int = 0  # answers of 请求过于频繁
    # hook(Hook::USER_API_INDEX_QUERY_LIST, $data): plugins may rewrite the list before it
    # goes out (app/Controller/User/Api/Index.php); tests use it for what a plugin might send.
    query_hook: Callable[[dict[str, Any]], None] | None = None
    # Not acg-faka: what a reverse proxy or CDN in front of it may answer instead (e.g. 429).
    front: Callable[[Request], Response | None] | None = None
    throttle: Throttle = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.clock)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/user/api/index/query", self.query, methods=["GET", "POST"]),
                Route("/user/api/index/secret", self.secret, methods=["GET", "POST"]),
                Route("/{path:path}", self.not_found, methods=["GET", "POST"]),
            ]
        )

    def _ip(self, request: Request) -> str:
        return request.client.host if request.client else ""  # app/Util/Client.php getAddress

    async def _form(self, request: Request, route: str) -> dict[str, str]:
        # $_POST of an application/x-www-form-urlencoded body (what the shop's pages send).
        fields = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        self.requests.append((route, fields))
        return fields

    async def not_found(self, request: Request) -> Response:
        # kernel/Kernel.php: no such controller or method -> feedback("404 Not Found"): the
        # theme's 404 page (kernel/Helper.php), sent with HTTP 200.
        return HTMLResponse("<html><body><center>404 Not Found</center></body></html>")

    async def query(self, request: Request) -> Response:
        # app/Controller/User/Api/Index.php query()
        if self.front is not None and (answer := self.front(request)) is not None:
            return answer
        form = await self._form(request, "query")
        keywords = form.get("keywords", "").strip()
        if keywords == "-":
            return refused("无数据")
        if self.throttle.too_many(f"query:ip:{self._ip(request)}", 30, 600):
            self.refusals += 1
            return refused("请求过于频繁，请稍后再试")
        # Get::setPaginate((int)page, (int)limit); Eloquent paginate(): 0 -> page 1, 15 a page
        # (app/Service/Bind/Query.php, vendor/illuminate/database/Eloquent/Builder.php).
        page = php_int(form.get("page")) or 1
        limit = php_int(form.get("limit")) or 15
        if re.fullmatch(r"\d{18}", keywords, flags=re.ASCII):
            found = [o for o in self.orders if o.trade_no == keywords]
        else:
            found = [o for o in self.orders if o.contact == keywords]
        # Query::get(): orderBy id desc (app/Entity/Query/Get.php), the list then the total.
        ordered = [(i + 1, o) for i, o in enumerate(self.orders) if o in found][::-1]
        shown = ordered[(page - 1) * limit : page * limit]
        data: dict[str, Any] = {"list": [self._item(i, o) for i, o in shown], "total": len(found)}
        if self.query_hook is not None:
            self.query_hook(data)
        return ok(data)

    def _item(self, order_id: int, order: FakeOrder) -> dict[str, Any]:
        # The columns of setColumn() in their order, then the relations pay and commodity
        # (app/Controller/User/Api/Index.php), with the casts of app/Model/Order.php,
        # app/Model/Pay.php and app/Model/Commodity.php.
        item: dict[str, Any] = {
            "id": order_id,
            "trade_no": order.trade_no,
            "sku": None,
            "secret": order.secret,
            "user_id": 0,
            "password": order.password,
            "amount": order.amount,
            "pay_id": 1,
            "commodity_id": 1,
            "create_time": order.create_time,
            "pay_time": order.pay_time,
            "delivery_status": order.delivery_status,
            "status": order.status,
            "card_num": order.card_num,
            "contact": order.contact,
            "race": order.race,
            "pay": {"id": 1, "name": order.pay, "icon": "/assets/static/images/alipay.png"},
            "commodity": {
                "id": 1,
                "name": order.commodity,
                "cover": "/favicon.ico",
                "password_status": 1 if order.password else 0,
                "leave_message": None,
            },
            # Order::resolveLeaveMessage(): the snapshot is not selected, so the commodity's.
            "leave_message": None,
        }
        if item["status"] != 1:
            del item["commodity"]["leave_message"], item["leave_message"], item["secret"]
        if order.password:
            item["password"] = True
            item.pop("secret", None)
        return item

    async def secret(self, request: Request) -> Response:
        # app/Controller/User/Api/Index.php secret()
        if self.front is not None and (answer := self.front(request)) is not None:
            return answer
        form = await self._form(request, "secret")
        trade_no = form.get("tradeNo", "").strip()
        password = form.get("password", "")
        ip = self._ip(request)
        # `||`: the order's count is not touched once the address is over its limit.
        if self.throttle.too_many(f"secret:ip:{ip}", 40, 600) or self.throttle.too_many(
            f"secret:no:{trade_no}:{ip}", 8, 600
        ):
            self.refusals += 1
            return refused("请求过于频繁，请稍后再试")
        order = next((o for o in self.orders if o.trade_no == trade_no), None)
        if order is None:
            return refused("未查询到相关信息")
        if order.password and order.password != password:
            return refused("密码错误")
        if order.status != 1:
            return refused("订单还未支付")
        self.throttle.clear(f"secret:no:{trade_no}:{ip}")
        widget = json.loads(order.widget) if order.widget else None
        return ok({"secret": order.secret, "widget": widget or None, "leave_message": None})
