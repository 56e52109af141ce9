"""A local dujiaoka that answers what the platform's own source answers.

Rebuilt in Python (no template copied) from assimon/dujiaoka v2.0.6 and hiouttime/dujiaoka:
- routes: routes/common/web.php (both repositories; the fork prefixes them with /order);
- JSON and error pages: app/Http/Controllers/Home/OrderController.php, BaseController.php err();
- order pages: resources/views/{unicorn,hyper,luna}/static_pages/orderinfo.blade.php and the
  fork's resources/views/themes/morpho/views/static_pages/orderinfo.blade.php, with the texts of
  resources/lang/{zh_CN,zh_TW}/*.php (an assimon shop set to `en` has no such files: Laravel's
  __() then returns the key, printed as is);
- the fork's proof-of-work challenge: app/Http/Middleware/Challenge.php with
  resources/views/common/challenge.blade.php;
- QQ/WeChat agents (assimon): app/Http/Middleware/DujiaoBoot.php, common/notencent.blade.php.
Only the order-info markup is exact (labels, values, structure, escaping); the surrounding
layout is a realistic stand-in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

THEMES = ("unicorn", "hyper", "luna")  # assimon config/dujiaoka.php 'templates'
FORK_THEMES = ("morpho",)  # hiouttime config/dujiaoka.php 'templates'
LANGS = ("zh_CN", "zh_TW", "en")
STATUSES = (1, 2, 3, 4, 5, 6, -1)  # app/Models/Order.php
AUTOMATIC_DELIVERY, MANUAL_PROCESSING = 1, 2  # app/Models/BaseModel.php

# The language lines the order pages use. "en": assimon has no resources/lang/en/{order,goods,
# dujiaoka,hyper,luna}.php, so __() answers the key itself.
_ZH_CN = {
    # resources/lang/zh_CN/order.php
    "order.fields.order_sn": "订单号",
    "order.fields.title": "订单名称",
    "order.fields.buy_amount": "购买数量",
    "order.fields.order_created": "订单创建时间",
    "order.fields.email": "下单邮箱",
    "order.fields.type": "订单类型",
    "order.fields.actual_price": "实际支付价格",
    "order.fields.status": "订单状态",
    "order.fields.info": "订单详情",
    "order.fields.order_detail": "订单详情",
    "order.fields.status_wait_pay": "待支付",
    "order.fields.status_pending": "待处理",
    "order.fields.status_processing": "处理中",
    "order.fields.status_completed": "已完成",
    "order.fields.status_failure": "失败",
    "order.fields.status_abnormal": "异常",
    "order.fields.status_expired": "已过期",
    # resources/lang/zh_CN/goods.php
    "goods.fields.automatic_delivery": "自动发货",
    "goods.fields.manual_processing": "人工处理",
    # resources/lang/zh_CN/dujiaoka.php
    "dujiaoka.payment_method": "支付方式",
    "dujiaoka.copy_text": "复制",
    "dujiaoka.money_symbol": "￥",
    "dujiaoka.error_title": "出现错误了哟~",
    "dujiaoka.callback": "返回",
    "dujiaoka.prompt.order_does_not_exist": "订单不存在",
    "dujiaoka.page-title.order-detail": "订单详情",
    "dujiaoka.equipment.please_use_a_browser_to_open": "请使用内置浏览器打开",
    # resources/lang/zh_CN/luna.php
    "luna.order_number": "订单编号",
    # resources/lang/zh_CN/hyper.php
    "hyper.orderinfo_title": "订单详情",
    "hyper.orderinfo_order_title": "订单名称",
    "hyper.orderinfo_number_of_orders": "下单数量",
    "hyper.orderinfo_order_time": "下单时间",
    "hyper.orderinfo_email": "邮箱",
    "hyper.orderinfo_order_class": "订单类型",
    "hyper.orderinfo_automatic_delivery": "自动发货",
    "hyper.orderinfo_charge": "人工发货",
    "hyper.orderinfo_total_order_price": "订单总价",
    "hyper.orderinfo_order_status": "订单状态",
    "hyper.orderinfo_status_expired": "已过期",
    "hyper.orderinfo_status_wait_pay": "待支付",
    "hyper.orderinfo_status_pending": "待处理",
    "hyper.orderinfo_status_processed": "已处理",
    "hyper.orderinfo_status_completed": "已完成",
    "hyper.orderinfo_status_failed": "已失败",
    "hyper.orderinfo_status_abnormal": "状态异常",
    "hyper.orderinfo_payment_method": "支付方式",
    "hyper.orderinfo_carmi": "卡密",
    "hyper.orderinfo_copy_carmi": "复制卡密",
    "hyper.error_error": "错误",
    "hyper.error_back_btn": "返回",
}
_ZH_TW = {
    # resources/lang/zh_TW/order.php
    "order.fields.order_sn": "訂單號",
    "order.fields.title": "訂單名稱",
    "order.fields.buy_amount": "購買數量",
    "order.fields.order_created": "訂單建立時間",
    "order.fields.email": "下單信箱",
    "order.fields.type": "訂單類型",
    "order.fields.actual_price": "實際支付價格",
    "order.fields.status": "訂單狀態",
    "order.fields.info": "訂單詳情",
    "order.fields.order_detail": "訂單詳情",
    "order.fields.status_wait_pay": "待支付",
    "order.fields.status_pending": "待處理",
    "order.fields.status_processing": "處理中",
    "order.fields.status_completed": "已完成",
    "order.fields.status_failure": "失敗",
    "order.fields.status_abnormal": "異常",
    "order.fields.status_expired": "已逾期",
    # resources/lang/zh_TW/goods.php
    "goods.fields.automatic_delivery": "自動發貨",
    "goods.fields.manual_processing": "人工處理",
    # resources/lang/zh_TW/dujiaoka.php
    "dujiaoka.payment_method": "支付方式",
    "dujiaoka.copy_text": "復製",
    "dujiaoka.money_symbol": "￥",
    "dujiaoka.error_title": "出現錯誤了喲~",
    "dujiaoka.callback": "返回",
    "dujiaoka.prompt.order_does_not_exist": "訂單不存在",
    "dujiaoka.page-title.order-detail": "訂單詳情",
    "dujiaoka.equipment.please_use_a_browser_to_open": "請使用內建瀏覽器打開",
    # resources/lang/zh_TW/luna.php
    "luna.order_number": "訂單編號",
    # resources/lang/zh_TW/hyper.php
    "hyper.orderinfo_title": "訂單詳情",
    "hyper.orderinfo_order_title": "訂單名稱",
    "hyper.orderinfo_number_of_orders": "下單數量",
    "hyper.orderinfo_order_time": "下單時間",
    "hyper.orderinfo_email": "信箱",
    "hyper.orderinfo_order_class": "訂單類型",
    "hyper.orderinfo_automatic_delivery": "自動發貨",
    "hyper.orderinfo_charge": "人工發貨",
    "hyper.orderinfo_total_order_price": "訂單總價",
    "hyper.orderinfo_order_status": "訂單狀態",
    "hyper.orderinfo_status_expired": "已逾期",
    "hyper.orderinfo_status_wait_pay": "待支付",
    "hyper.orderinfo_status_pending": "待處理",
    "hyper.orderinfo_status_processed": "已處理",
    "hyper.orderinfo_status_completed": "已完成",
    "hyper.orderinfo_status_failed": "已失敗",
    "hyper.orderinfo_status_abnormal": "狀態異常",
    "hyper.orderinfo_payment_method": "支付方式",
    "hyper.orderinfo_carmi": "卡密",
    "hyper.orderinfo_copy_carmi": "復製卡密",
    "hyper.error_error": "錯誤",
    "hyper.error_back_btn": "返回",
}
# The fork's error page lines (hiouttime resources/lang/{zh_CN,zh_TW,en}/dujiaoka.php).
_FORK_ERRORS = {
    "zh_CN": ("出现错误了哟~", "订单不存在", "返回"),
    "zh_TW": ("出現錯誤了喲~", "訂單不存在", "返回"),
    "en": ("Error Occurred~", "Order does not exist", "Back"),
}
LANG_LINES = {"zh_CN": _ZH_CN, "zh_TW": _ZH_TW, "en": {}}


def e(value: object) -> str:
    """Blade's {{ }}: htmlspecialchars(ENT_QUOTES, 'UTF-8', double_encode) (Laravel's e())."""
    text = str(value)
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        text = text.replace(raw, entity)
    return text.replace("'", "&#039;")


@dataclass
class FakeItem:
    """An order item of the fork (app/Models/OrderItem.php)."""

    goods_name: str
    quantity: int = 1
    unit_price: str = "10.00"
    info: str = ""
    type: int = AUTOMATIC_DELIVERY

    @property
    def subtotal(self) -> str:
        return f"{float(self.unit_price) * self.quantity:.2f}"


@dataclass
class FakeOrder:
    """One row of `orders` (app/Models/Order.php), as the pages read it."""

    status: int
    goods: str = "腾讯Q币 100元"
    buy_amount: int = 1
    actual_price: str = "98.00"
    info: str = ""
    email: str = "buyer@example.com"
    type: int = AUTOMATIC_DELIVERY
    pay_name: str | None = "支付宝"
    created_at: str = "2026-03-01 12:30:45"  # Carbon's __toString, app timezone PRC
    items: list[FakeItem] | None = None  # the fork; None: one item from the fields above

    @property
    def title(self) -> str:
        # app/Service/OrderProcessService.php createOrder: gd_name . ' x ' . buyAmount
        return f"{self.goods} x {self.buy_amount}"

    def order_items(self) -> list[FakeItem]:
        if self.items is not None:
            return self.items
        unit = f"{float(self.actual_price) / max(self.buy_amount, 1):.2f}"
        return [FakeItem(self.goods, self.buy_amount, unit, self.info, self.type)]


def _t(lang: str, key: str) -> str:
    return LANG_LINES[lang].get(key, key)  # Laravel's __(): the key when no line exists


def _layout(title: str, content: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"</head><body><nav><a href='/'>独角数卡</a></nav>{content}"
        "<footer>© dujiaoka</footer></body></html>"
    )


# -- resources/views/unicorn/static_pages/orderinfo.blade.php ------------------------------------
_UNICORN_BADGE = {
    -1: ("bg-dark", "order.fields.status_expired"),
    1: ("bg-secondary", "order.fields.status_wait_pay"),
    2: ("bg-info", "order.fields.status_pending"),
    3: ("bg-primary", "order.fields.status_processing"),
    4: ("bg-success", "order.fields.status_completed"),
    5: ("bg-danger", "order.fields.status_failure"),
    6: ("bg-danger", "order.fields.status_abnormal"),
}


def unicorn(order: FakeOrder, sn: str, lang: str) -> str:
    def t(key: str) -> str:
        return e(_t(lang, key))

    if order.type == AUTOMATIC_DELIVERY:
        kind = f'<span class="badge bg-success">{t("goods.fields.automatic_delivery")}</span>'
    else:
        kind = f'<span class="badge bg-warning">{t("goods.fields.manual_processing")}</span>'
    badge = ""
    if order.status in _UNICORN_BADGE:
        css, key = _UNICORN_BADGE[order.status]
        badge = f'<span class="badge {css}">{t(key)}</span>'
    return f"""<section class="main-container"><div class="container"><div class="order-card">
<div class="row justify-content-center"><div class="col-md-8"><div class="card mt-3">
<div class="row no-gutters"><div class="col-12 col-md-6"><div class="card card-body p-3 border-0">
<div class="mx-auto">
<h5>
<small class="text-muted">{t("order.fields.order_sn")}：{e(sn)}</small>
</h5>
<div class="mb-1">
<label>{t("order.fields.title")}：</label><span>{e(order.title)}</span>
</div>
<div class="mb-1"><label>{t("order.fields.buy_amount")}：</label><span>{e(order.buy_amount)}</span></div>
<div class="mb-1"><label>{t("order.fields.order_created")}：</label><span>{e(order.created_at)}</span>
</div>
<div class="mb-1"><label>{t("order.fields.email")}：</label><span>{e(order.email)}</span></div>
<div class="mb-1">
<label>{t("order.fields.type")}：</label>
{kind}
</div>
<div class="mb-1">
<label>{t("order.fields.actual_price")}：</label>
<span>{e(order.actual_price)}</span>
</div>
<div class="mb-1">
<label>{t("order.fields.status")}：</label>
{badge}
</div>
<div class="mb-1">
<label>{t("dujiaoka.payment_method")}：</label>
<span>{e(order.pay_name or "")}</span>
</div>
</div>
</div></div>
<div class="col-12 col-md-6"><div class="card-body">
<h6 class="card-title">{t("order.fields.info")}</h6>
<div class="card-info">
<textarea class="form-control" rows="5">{e(order.info)}</textarea>
</div>
<button id="copy-card" class="btn btn-primary mt-2" data-clipboard-text="{e(order.info)}">{t("dujiaoka.copy_text")}</button>
</div></div>
</div></div></div></div></div></div></section>"""  # noqa: E501


# -- resources/views/hyper/static_pages/orderinfo.blade.php --------------------------------------
# Its @switch has STATUS_FAILURE twice and no case for STATUS_ABNORMAL: 6 prints nothing.
_HYPER_STATUS = {
    -1: "hyper.orderinfo_status_expired",
    1: "hyper.orderinfo_status_wait_pay",
    2: "hyper.orderinfo_status_pending",
    3: "hyper.orderinfo_status_processed",
    4: "hyper.orderinfo_status_completed",
    5: "hyper.orderinfo_status_failed",
}


def hyper(order: FakeOrder, sn: str, lang: str) -> str:
    def t(key: str) -> str:
        return e(_t(lang, key))

    if order.type == AUTOMATIC_DELIVERY:
        kind = t("hyper.orderinfo_automatic_delivery")
    else:
        kind = t("hyper.orderinfo_charge")
    status = t(_HYPER_STATUS[order.status]) if order.status in _HYPER_STATUS else ""
    return f"""<div class="row"><div class="col-12"><div class="page-title-box">
<h4 class="page-title">{t("hyper.orderinfo_title")}</h4>
</div></div></div>
<div class="orderinfo-grid">
<div class="row"><div class="col-md-12"><h3>
<span class="badge badge-outline-primary">
订单号：{e(sn)}
</span>
</h3></div></div>
<div class="card card-body"><div class="orderinfo-card-grid"><div class="orderinfo-info">
<div class="mb-1"><label>{t("hyper.orderinfo_order_title")}：</label><span>{e(order.title)}</span></div>
<div class="mb-1"><label>{t("hyper.orderinfo_number_of_orders")}：</label><span>{e(order.buy_amount)}</span></div>
<div class="mb-1"><label>{t("hyper.orderinfo_order_time")}：</label><span>{e(order.created_at)}</span></div>
<div class="mb-1"><label>{t("hyper.orderinfo_email")}：</label><span>{e(order.email)}</span></div>
<div class="mb-1">
<label>{t("hyper.orderinfo_order_class")}：</label>
<span>
{kind}
</span>
</div>
<div class="mb-1">
<label>{t("hyper.orderinfo_total_order_price")}：</label>
<span>{e(order.actual_price)}</span>
</div>
<div class="mb-1">
<label>{t("hyper.orderinfo_order_status")}：</label>
<span>
{status}
</span>
</div>
<div class="mb-1">
<label>{t("hyper.orderinfo_payment_method")}：</label>
<span>{e(order.pay_name or "")}</span>
</div>
</div>
<div class="orderinfo-kami">
<h5 class="card-title">
{t("hyper.orderinfo_carmi")}
</h5>
<textarea class="form-control textarea-kami" rows="5">{e(order.info)}</textarea>
<button class="btn btn-outline-primary kami-btn" data-clipboard-text="{e(order.info)}">
{t("hyper.orderinfo_copy_carmi")}
</button>
</div>
</div></div>
</div>"""  # noqa: E501


# -- resources/views/luna/static_pages/orderinfo.blade.php ---------------------------------------
_LUNA_STATUS = {
    -1: ("tips-cyan", "order.fields.status_expired"),
    1: ("tips-blue", "order.fields.status_wait_pay"),
    2: ("tips-green", "order.fields.status_pending"),
    3: ("tips-green", "order.fields.status_processing"),
    4: ("tips-green", "order.fields.status_completed"),
    5: ("tips-black", "order.fields.status_failure"),
    6: ("tips-black", "order.fields.status_abnormal"),
}


def _luna_info(info: str) -> str:
    # luna's @php block: preg_match_all('/(\[.*?\])/m') and str_replace of each "[...]" (no
    # newline inside, `.` does not match one) by "".
    out: list[str] = []
    i = 0
    while i < len(info):
        if info[i] == "[":
            end = info.find("]", i + 1)
            if end != -1 and "\n" not in info[i:end]:
                i = end + 1
                continue
        out.append(info[i])
        i += 1
    return "".join(out)


def luna(order: FakeOrder, sn: str, lang: str) -> str:
    def t(key: str) -> str:
        return e(_t(lang, key))

    if order.type == AUTOMATIC_DELIVERY:
        kind = t("goods.fields.automatic_delivery")
    else:
        kind = t("goods.fields.manual_processing")
    status = ""
    if order.status in _LUNA_STATUS:
        css, key = _LUNA_STATUS[order.status]
        status = f'<span class="small-tips {css}">\n{t(key)}\n</span>'
    info = _luna_info(order.info) if order.info else ""
    return f"""<div class="main"><div class="layui-row"><div class="layui-col-md8 layui-col-md-offset2 layui-col-sm12">
<div class="main-box"><div class="pay-title">
{t("order.fields.order_detail")}
</div>
<div class="layui-card-body info-box"><div class="layui-row order-list">
<div class="layui-col-md4"><ul class="info-ui">
<li>
<strong>{t("luna.order_number")}:</strong>
{e(sn)}
</li>
<li>
<strong>{t("order.fields.title")}:</strong>
{e(order.title)}
</li>
<li><strong>{t("order.fields.buy_amount")}
        :</strong> {e(order.buy_amount)}</li>
<li><strong>{t("order.fields.order_created")}
        :</strong> {e(order.created_at)}
<li><strong>{t("order.fields.email")}:</strong> {e(order.email)}</li>
</ul></div>
<div class="layui-col-md4"><ul class="info-ui">
<li><strong>{t("order.fields.type")}:</strong>
<span class="small-tips tips-green">
{kind}
</span>
</li>
<li>
<strong>{t("order.fields.actual_price")}:</strong>
<span
    class="small-tips tips-green">{t("dujiaoka.money_symbol")}{e(order.actual_price)}</span>
</li>
<li><strong>{t("order.fields.status")}:</strong>
{status}
</li>
<li><strong>{t("dujiaoka.payment_method")}
        :</strong> {e(order.pay_name or "")}</li>
</ul></div>
<div class="layui-col-md4">
<textarea disabled spellcheck="false"
          class="order-info">{e(info)}</textarea>
<div class="btn" style="width: 100%">
<button class="clipboard-but" type="button"
        data-clipboard-text="{e(info)}"
        style="width: 100%;margin-top: initial;margin-bottom: 10px">
{t("dujiaoka.copy_text")}
</button>
</div>
</div>
</div></div>
</div></div></div></div>"""  # noqa: E501


# -- hiouttime: resources/views/themes/morpho/views/static_pages/orderinfo.blade.php -------------
# Fixed Chinese in the template, whatever the shop's language.
_MORPHO_STATUS = {
    -1: ("已过期", "text-muted"),
    1: ("待支付", "text-warning"),
    2: ("待处理", "text-info"),
    3: ("处理中", "text-primary"),
    4: ("已完成", "text-success"),
    5: ("已失败", "text-danger"),
    6: ("状态异常", "text-danger"),
}


def morpho(order: FakeOrder, sn: str, lang: str, symbol: str = "¥") -> str:
    text, css = _MORPHO_STATUS.get(order.status, ("未知状态", "text-muted"))
    items = order.order_items()
    repay = ""
    if order.status == 1:
        repay = f"""<button class="btn btn-primary btn-sm"
  onclick="window.location.href='{e("/order/bill/" + sn)}'">
  重新支付
</button>"""
    cards = []
    for n, item in enumerate(items):
        auto = item.type == 1
        if item.info:
            body = f"""<div class="border rounded p-3">
<div class="d-flex justify-content-between align-items-center">
<h5 class="h6 mb-0">商品信息</h5>
<button class="btn btn-sm btn-outline-secondary collapse-toggle" type="button" data-bs-toggle="collapse" data-bs-target="#info-0-{n}" aria-expanded="false"><i class="ci-chevron-down"></i></button>
</div>
<div id="info-0-{n}" class="collapse"><div class="mt-3">
<textarea class="form-control mb-3" id="kami-textarea-0-{n}" rows="6" readonly>{e(item.info)}</textarea>
<button type="button" class="btn btn-dark btn-sm kami-btn w-100" data-copy-target="kami-textarea-0-{n}">
复制信息
</button>
</div></div>
</div>"""  # noqa: E501
        else:
            body = """<div class="text-center text-muted py-3 bg-light rounded">
<small>商品未发货或暂无卡密信息</small>
</div>"""
        cards.append(f"""<div class="border rounded p-3 mb-4">
<div class="mb-3">
<div class="d-flex justify-content-between align-items-start mb-2">
<h4 class="h6 mb-0">{e(item.goods_name)}</h4>
<span class="badge bg-{"success" if auto else "warning"}">
{"自动发货" if auto else "人工发货"}
</span>
</div>
<div class="small text-muted">
单价：{symbol}{e(item.unit_price)} × {e(item.quantity)} = {symbol}{e(item.subtotal)}
</div>
</div>
{body}
</div>""")
    return f"""<main class="content-wrapper">
<nav class="container pt-2 pt-xxl-3 my-3 my-md-4" aria-label="breadcrumb"><ol class="breadcrumb">
<li class="breadcrumb-item"><a href="/">主页</a></li>
<li class="breadcrumb-item"><a href="/">购物</a></li>
<li class="breadcrumb-item active" aria-current="page">订单详情</li>
</ol></nav>
<div class="container"><div class="row g-4 mx-auto" style="max-width: 1920px">
<div class="col-12 col-lg-5 pt-sm-2 pt-md-3 pt-lg-4 pb-lg-4 pb-xl-5 px-3 px-sm-4">
<div class="border-bottom mb-4 pb-3">
<div class="mb-3">
<h2 class="h4 fw-bold mb-1">订单号：{e(sn)}</h2>
<div class="h6 mb-0">
订单状态：<span class="{css}">{text}</span>
</div>
</div>
{repay}
</div>
<div class="mb-4">
<h3 class="h6 mb-3">订单信息</h3>
<div class="d-flex flex-column gap-3">
<div class="d-flex justify-content-between">
<span class="text-muted">下单时间：</span>
<span>{e(order.created_at)}</span>
</div>
<div class="d-flex justify-content-between">
<span class="text-muted">下单邮箱：</span>
<span>{e(order.email)}</span>
</div>
<div class="d-flex justify-content-between">
<span class="text-muted">订单总价：</span>
<span class="fw-bold text-success">{symbol}{e(order.actual_price)}</span>
</div>
<div class="d-flex justify-content-between">
<span class="text-muted">支付方式：</span>
<span>{e(order.pay_name or "")}</span>
</div>
<div class="d-flex justify-content-between">
<span class="text-muted">商品数量：</span>
<span>{len(items)} 种商品</span>
</div>
</div>
</div>
</div>
<div class="col-12 col-lg-7 pt-sm-2 pt-md-3 pt-lg-4 pb-lg-4 pb-xl-5 px-3 px-sm-4">
<h3 class="h6 mb-3">商品列表</h3>
{"".join(cards)}
</div>
</div></div>
</main>
<style>.collapse-toggle i {{ transition: transform 0.2s ease; }}</style>
<script>document.addEventListener('DOMContentLoaded', function() {{}});</script>"""


RENDER = {"unicorn": unicorn, "hyper": hyper, "luna": luna}


def render_order(theme: str, lang: str, order: FakeOrder, sn: str) -> str:
    """The whole detail page (OrderController detailOrderSN -> static_pages/orderinfo)."""
    if theme == "morpho":
        content = morpho(order, sn, lang)
        title = {"zh_TW": "訂單詳情", "en": "Order Details"}.get(lang, "订单详情")
    else:
        content = RENDER[theme](order, sn, lang)
        title = _t(lang, "dujiaoka.page-title.order-detail")
    return _layout(title, content)


def render_not_found(theme: str, lang: str) -> str:
    """BaseController::err(__('dujiaoka.prompt.order_does_not_exist')): the theme's
    errors/error.blade.php, HTTP 200."""
    if theme == "morpho":  # hiouttime themes/morpho/views/errors/error.blade.php
        title, content, back = _FORK_ERRORS[lang]
        body = f"""<main class="d-flex align-items-center justify-content-center"><div class="container">
<section class="text-center py-5 px-2 px-sm-0 my-2 mx-auto" style="max-width: 636px">
<div class="pb-4 mb-3 mx-auto" style="max-width: 524px"><svg viewBox="0 0 524 200"></svg></div>
<h1>{e(title)}</h1>
<p class="pb-3">{e(content)}</p>
<a href="javascript:history.back(-1);"  class="btn btn-lg btn-dark">{e(back)}</a>
</section></div></main>"""  # noqa: E501
        return _layout(title, body)
    title = _t(lang, "dujiaoka.error_title")
    content = _t(lang, "dujiaoka.prompt.order_does_not_exist")
    back = _t(lang, "dujiaoka.callback")
    if theme == "unicorn":  # resources/views/unicorn/errors/error.blade.php
        body = f"""<div class="page-wrapper"><section class="main-container"><div class="container">
<div class="card m-3 border-0"><div class="card-body p-4">
<h3 class="card-title ali-icon">&#xe651; {e(title)}： </h3>
<h6>
<small class="text-muted">似乎遇到了一点问题~</small>
</h6>
<div class="err-message text-center p-3">
<h5>
{e(content)}
</h5>
</div>
<div class="col-12 mt-3 text-center">
<a href="javascript:history.back(-1);"  class="btn btn-outline-dark">{e(back)}</a>
</div>
</div></div></div></section></div>"""
    elif theme == "hyper":  # resources/views/hyper/errors/error.blade.php
        body = f"""<div class="row"><div class="col-12"><div class="page-title-box">
<h4 class="page-title">{e(_t(lang, "hyper.error_error"))}</h4>
</div></div></div>
<div class="row justify-content-center"><div class="col-lg-6"><div class="text-center">
<div class="text-error mt-4">error</div>
<h1 class="text-uppercase text-danger mt-3">{e(content)}</h1>
<a class="btn btn-info mt-3" href="javascript:history.back(-1);"><i class="mdi mdi-reply"></i> {e(_t(lang, "hyper.error_back_btn"))}</a>
</div></div></div>"""  # noqa: E501
    else:  # resources/views/luna/errors/error.blade.php
        body = f"""<div class="main"><div class="layui-row"><div class="layui-col-md8 layui-col-md-offset2 layui-col-sm12">
<div class="main-box" style="text-align: center">
<div class="err_title">{e(title)}</div>
<div class="err_content">{e(content)}</div>
<div class="btn">
<a href="javascript:history.back(-1);">
<span>{e(back)}</span>
</a>
</div>
</div></div></div></div>"""  # noqa: E501
    return _layout(title, body)


def render_interstitial(lang: str, now_uri: str) -> str:
    """resources/views/common/notencent.blade.php (assimon DujiaoBoot.php, QQ/WeChat agents)."""
    title = _t(lang, "dujiaoka.equipment.please_use_a_browser_to_open")
    return f"""<!DOCTYPE html><html><head><meta charset="UTF-8"><title>{e(title)}</title></head>
<body><div class="top-bar-guidance"><p>…</p></div>
<div id="contens"><p>1.…</p></div>
<div class="app-download-tip"><span class="guidance-desc">{e(now_uri)}</span></div>
</body></html>"""


def render_challenge(code: str) -> str:
    """hiouttime resources/views/common/challenge.blade.php: the page's form and its PoW."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>
检查您的连接是否安全
</title></head><body>
<div class="status"><p>检查您的连接是否安全</p><div class="loader"></div>
<p style="display:none;" id="continue">继续...</p></div>
<form method="GET" id="form">
    <input type="hidden" name="_challenge" value="">
</form>
</body>
<script>
async function work(target) {{ /* sha1(i) until it ends with target */ }}
work('{e(code)}').then(output => {{ document.querySelector('#form').submit(); }});
</script></html>"""


@dataclass
class FakeDujiaoka:
    orders: dict[str, FakeOrder] = field(default_factory=dict)
    fork: bool = False
    theme: str = "unicorn"
    lang: str = "zh_CN"
    # The fork's Challenge middleware (shop setting is_cn_challenge, a visitor from CN).
    challenge: bool = False
    requests: list[str] = field(default_factory=list)
    sessions: dict[str, str] = field(default_factory=dict)  # session id -> 'challenge' value
    solved: int = 0

    def app(self) -> Starlette:
        if self.fork:  # hiouttime routes/common/web.php, prefix 'order'
            routes = [
                Route("/order/status/{sn}", self.status),
                Route("/order/detail/{sn}", self.detail),
            ]
        else:  # assimon routes/common/web.php
            routes = [
                Route("/check-order-status/{sn}", self.status),
                Route("/detail-order-sn/{sn}", self.detail),
            ]
        return Starlette(routes=routes)

    def _front(self, request: Request) -> Response | None:
        """The middleware in front of every route: DujiaoBoot (assimon), Challenge (fork)."""
        self.requests.append(request.url.path)
        agent = request.headers.get("user-agent", "")
        # assimon DujiaoBoot.php: strpos($ua, 'QQ/') (truthy only past position 0) ||
        # strpos($ua, 'MicroMessenger') !== false, with is_open_anti_red on (its default).
        if not self.fork and (agent.find("QQ/") > 0 or "MicroMessenger" in agent):
            return HTMLResponse(render_interstitial(self.lang, str(request.url)))
        if not (self.fork and self.challenge):
            return None
        # hiouttime app/Http/Middleware/Challenge.php
        sid = request.cookies.get("laravel_session") or secrets.token_hex(8)
        state = self.sessions.get(sid)
        if state == "pass":
            return None
        answer = request.query_params.get("_challenge")
        digest = hashlib.sha1((answer or "").encode()).hexdigest()
        if answer is not None and state is not None and digest[-4:] == state:
            self.sessions[sid] = "pass"
            self.solved += 1
            return None
        code = hashlib.sha1(secrets.token_bytes(8)).hexdigest()[-4:]
        self.sessions[sid] = code
        response = HTMLResponse(render_challenge(code))
        response.set_cookie("laravel_session", sid, httponly=True)
        return response

    async def status(self, request: Request) -> Response:
        # OrderController::checkOrderStatus: always HTTP 200.
        front = self._front(request)
        if front is not None:
            return front
        order = self.orders.get(request.path_params["sn"])
        if order is None or order.status == -1:
            return JSONResponse({"msg": "expired", "code": 400001})
        if order.status == 1:
            return JSONResponse({"msg": "wait....", "code": 400000})
        return JSONResponse({"msg": "success", "code": 200})

    async def detail(self, request: Request) -> Response:
        # OrderController::detailOrderSN: the order page, or err() for an unknown number
        # (HTTP 200 both; an expired order is shown like any other).
        front = self._front(request)
        if front is not None:
            return front
        sn = request.path_params["sn"]
        theme = "morpho" if self.fork else self.theme
        order = self.orders.get(sn)
        if order is None:
            return HTMLResponse(render_not_found(theme, self.lang))
        return HTMLResponse(render_order(theme, self.lang, order, sn))
