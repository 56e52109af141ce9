"""A local dujiaoka (v2 and the fork) with the documented shapes and three page themes."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

# status int -> label text (app/Models/Order.php)
LABELS = {1: "待支付", 2: "待处理", 3: "处理中", 4: "已完成", 5: "失败", 6: "异常", -1: "已过期"}

THEMES = {
    # unicorn: the label alone in a badge
    "unicorn": """<html><body><div class="card"><h5>订单详情</h5>
<p>商品名称：{product}</p><p>实付金额：¥{amount}</p>
<span class="badge badge-{css}">{label}</span>
<textarea class="form-control" readonly>{info}</textarea></div></body></html>""",
    # luna: label inside a sentence, other markup
    "luna": """<html><head><style>.x{{color:red}}</style><script>var s="已完成";</script></head>
<body><ul><li>商品 : {product}</li><li>订单金额: {amount}</li><li>订单状态：{label}</li></ul>
<textarea>{info}</textarea></body></html>""",
    # hyper: a table
    "hyper": """<html><body><table><tr><td>商品名称：{product}</td></tr>
<tr><td>金额：{amount}</td></tr><tr><td><b>{label}</b></td></tr></table>
<div><textarea name="info">{info}</textarea></div></body></html>""",
}
NOT_FOUND_PAGE = "<html><body><div class='alert'>订单不存在</div></body></html>"


@dataclass
class FakeOrder:
    status: int
    product: str = "腾讯Q币 100元"
    amount: str = "98.00"
    info: str = ""


@dataclass
class FakeDujiaoka:
    orders: dict[str, FakeOrder] = field(default_factory=dict)
    fork: bool = False
    theme: str = "unicorn"
    requests: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        if self.fork:
            routes = [
                Route("/order/status/{sn}", self.status),
                Route("/order/detail/{sn}", self.detail),
            ]
        else:
            routes = [
                Route("/check-order-status/{sn}", self.status),
                Route("/detail-order-sn/{sn}", self.detail),
            ]
        return Starlette(routes=routes)

    async def status(self, request: Request) -> Response:
        self.requests.append(request.url.path)
        if "MicroMessenger" in request.headers.get("user-agent", ""):
            return HTMLResponse("<html>请在浏览器中打开</html>")
        order = self.orders.get(request.path_params["sn"])
        if order is None or order.status == -1:
            return JSONResponse({"msg": "expired", "code": 400001})
        if order.status == 1:
            return JSONResponse({"msg": "wait....", "code": 400000})
        return JSONResponse({"msg": "success", "code": 200})

    async def detail(self, request: Request) -> Response:
        self.requests.append(request.url.path)
        order = self.orders.get(request.path_params["sn"])
        if order is None:
            return HTMLResponse(NOT_FOUND_PAGE)  # an error page, with HTTP 200
        page = THEMES[self.theme].format(
            product=order.product,
            amount=order.amount,
            label=LABELS[order.status],
            info=order.info,
            css="success",
        )
        return HTMLResponse(page)
