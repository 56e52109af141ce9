"""独角数卡 dujiaoka v2 (assimon/dujiaoka v2.0.6, and the hiouttime fork): public order pages.

No login: the order number is the secret, so this platform watches the profile's list. Facts
from the platforms' own source (paths in assimon/dujiaoka unless the fork is named):
- `GET /check-order-status/{sn}` (routes/common/web.php; the fork: `/order/status/{sn}`),
  app/Http/Controllers/Home/OrderController.php checkOrderStatus: JSON, always HTTP 200:
  400001 unknown or expired, 400000 awaiting payment, 200 for every status above 1.
- `GET /detail-order-sn/{sn}` (the fork: `/order/detail/{sn}`), detailOrderSN: the theme's
  static_pages/orderinfo.blade.php, or for an unknown number its errors/error.blade.php with
  `dujiaoka.prompt.order_does_not_exist` (订单不存在), HTTP 200 both. An expired order is shown
  like any other, status 已过期.
- No throttle on these routes (the web middleware group has none; `throttle:60,1` is the api
  group's, app/Http/Kernel.php, and routes/api.php has no order route): no request budget.
- The fork's app/Http/Middleware/Challenge.php may answer any route with a proof-of-work page
  (resources/views/common/challenge.blade.php): find i with sha1(str(i)) ending in the page's
  4 hex digits and ask again with `?_challenge=i` in the same session. Solved here.
- assimon's app/Http/Middleware/DujiaoBoot.php answers QQ/WeChat agents with an "open in a
  browser" page (common/notencent.blade.php); our agent is neither, but the page is named.

Labels are the language files' (resources/lang/{zh_CN,zh_TW}/order.php, goods.php,
dujiaoka.php, hyper.php, luna.php); assimon ships no English order/dujiaoka/hyper/luna files, so
an `en` shop prints the translation keys themselves ("order.fields.title"), read here too. The
fork's theme morpho prints fixed Chinese labels and one <textarea> per order item.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from itertools import islice
from typing import Any
from urllib.parse import quote

import msgspec

from kameng_tui.api.wire import plausible_amount
from kameng_tui.backends.base import Backend, BackendError, OrderProblem, ReadProblem, SyncResult
from kameng_tui.backends.fields import china_time
from kameng_tui.backends.http import (
    OFF_LOOP_BYTES,
    Answer,
    HttpSettings,
    JsonHttp,
    http_settings,
    status_text,
)
from kameng_tui.backends.registry import Key, Kind, PlatformSpec
from kameng_tui.domain.clock import Clock
from kameng_tui.domain.order import Order, StatusLabel, TimelineEvent
from kameng_tui.domain.products import guess_product_type
from kameng_tui.domain.status import LabelCode, OrderStatus
from kameng_tui.domain.text import FIELD_LIMIT, LIST_LIMIT, bounded, clean

# Shop-local time: config/app.php 'timezone' => 'PRC' (both repositories).

# Status ints, app/Models/Order.php.
STATUS_INTS: dict[int, OrderStatus] = {
    1: OrderStatus.PENDING_PAYMENT,
    2: OrderStatus.PAID,
    3: OrderStatus.DELIVERING,
    4: OrderStatus.COMPLETED,
    5: OrderStatus.FAILED,
    6: OrderStatus.ABNORMAL,
    -1: OrderStatus.CANCELLED,
}
# Printed status text -> status int, every theme and language.
_STATUS_TEXTS: dict[int, tuple[str, ...]] = {
    # resources/lang/zh_CN/order.php, zh_TW/order.php (unicorn, luna); hyper.php (hyper);
    # morpho's orderinfo.blade.php $statusConfig (fork); the bare keys (assimon, locale en).
    1: ("待支付", "order.fields.status_wait_pay", "hyper.orderinfo_status_wait_pay"),
    2: ("待处理", "待處理", "order.fields.status_pending", "hyper.orderinfo_status_pending"),
    3: ("处理中", "處理中", "已处理", "已處理", "order.fields.status_processing",
        "hyper.orderinfo_status_processed"),
    4: ("已完成", "order.fields.status_completed", "hyper.orderinfo_status_completed"),
    5: ("失败", "失敗", "已失败", "已失敗", "order.fields.status_failure",
        "hyper.orderinfo_status_failed"),
    6: ("异常", "異常", "状态异常", "狀態異常", "order.fields.status_abnormal",
        "hyper.orderinfo_status_abnormal"),
    -1: ("已过期", "已逾期", "order.fields.status_expired", "hyper.orderinfo_status_expired"),
}  # fmt: skip
STATUS_TEXT_INT: dict[str, int] = {t: n for n, texts in _STATUS_TEXTS.items() for t in texts}
STATUS_MAP: dict[str, OrderStatus] = {t: STATUS_INTS[n] for t, n in STATUS_TEXT_INT.items()}

# Field labels -> field. unicorn/luna: order.php `fields.*`, dujiaoka.php `payment_method`,
# luna.php `order_number`; hyper: hyper.php `orderinfo_*` (and a fixed "订单号："); morpho:
# fixed Chinese in themes/morpho/views/static_pages/orderinfo.blade.php (fork).
_LABELS: dict[str, tuple[str, ...]] = {
    "sn": (
        "订单号",
        "訂單號",
        "订单编号",
        "訂單編號",
        "order.fields.order_sn",
        "luna.order_number",
    ),
    "title": ("订单名称", "訂單名稱", "order.fields.title", "hyper.orderinfo_order_title"),
    "quantity": (
        "购买数量",
        "購買數量",
        "下单数量",
        "下單數量",
        "order.fields.buy_amount",
        "hyper.orderinfo_number_of_orders",
    ),
    "created": (
        "订单创建时间",
        "訂單建立時間",
        "下单时间",
        "下單時間",
        "order.fields.order_created",
        "hyper.orderinfo_order_time",
    ),
    "email": (
        "下单邮箱",
        "下單信箱",
        "邮箱",
        "信箱",
        "order.fields.email",
        "hyper.orderinfo_email",
    ),
    "type": ("订单类型", "訂單類型", "order.fields.type", "hyper.orderinfo_order_class"),
    "price": (
        "实际支付价格",
        "實際支付價格",
        "订单总价",
        "訂單總價",
        "order.fields.actual_price",
        "hyper.orderinfo_total_order_price",
    ),
    "status": ("订单状态", "訂單狀態", "order.fields.status", "hyper.orderinfo_order_status"),
    "payment": ("支付方式", "dujiaoka.payment_method", "hyper.orderinfo_payment_method"),
}
LABELS: dict[str, str] = {text: name for name, texts in _LABELS.items() for text in texts}
# 订单类型's values: goods.php `fields.automatic_delivery` / `manual_processing`, hyper.php
# `orderinfo_automatic_delivery` / `orderinfo_charge`, morpho's item badge.
_AUTO = {
    "自动发货",
    "自動發貨",
    "goods.fields.automatic_delivery",
    "hyper.orderinfo_automatic_delivery",
}
_MANUAL = {"人工处理", "人工處理", "人工发货", "人工發貨", "goods.fields.manual_processing",
           "hyper.orderinfo_charge"}  # fmt: skip
# errors/error.blade.php's $content for an unknown number: dujiaoka.php
# `prompt.order_does_not_exist` (zh_CN, zh_TW; the fork's en; assimon's en prints the key).
NOT_FOUND_TEXTS = frozenset(
    {"订单不存在", "訂單不存在", "Order does not exist", "dujiaoka.prompt.order_does_not_exist"}
)
_MONEY_PREFIXES = ("dujiaoka.money_symbol", "￥", "¥", "$")  # luna, morpho's currency_symbol()

FAMILIES = (
    ("/check-order-status/{sn}", "/detail-order-sn/{sn}"),  # assimon routes/common/web.php
    ("/order/status/{sn}", "/order/detail/{sn}"),  # hiouttime routes/common/web.php
)
CODE_EXPIRED, CODE_WAITING, CODE_PAID = 400001, 400000, 200
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip
_MAX_DEPTH = 512  # open elements kept; deeper nesting is not an order page
_MAX_TEXTAREA = 4_000_000  # characters of one <textarea> kept
CHALLENGE_TRIES = 3_000_000  # 4 hex digits: about 65,536 tries on average
# Fed after the page, and read as nothing: it closes whatever the page left open (a comment,
# a <! or <? or </ without its ">", a CDATA section, a quoted attribute). html.parser would
# otherwise search the rest of the page once for each such opening: "<!--" repeated over 1 MB
# takes minutes. With an end to find, each opening's search consumes what it searched.
_CLOSE_ALL = "-->]]>\"'>"


def _label_key(text: str) -> str:
    """ "购买数量\\n   :" (luna) -> "购买数量"; "订单名称：" -> "订单名称"."""
    return text.strip().rstrip(":：").strip()


class Item(msgspec.Struct, frozen=True):
    """One order item of the fork (morpho prints one card per item)."""

    name: str
    manual: bool
    quantity: int | None = None
    info: str = ""


class Detail(msgspec.Struct, frozen=True):
    """What a detail page says. `label` is the printed status text, "" when the status field
    is there but empty (hyper prints nothing for 6), None when there is no status field."""

    label: str | None
    info: str = ""  # the order's <textarea> (assimon themes)
    title: str = ""
    quantity: int | None = None
    created_at: datetime | None = None
    email: str = ""
    manual: bool | None = None
    amount: Decimal | None = None
    currency: str = "CNY"
    payment: str = ""
    items: tuple[Item, ...] = ()
    fields: int = 0  # how many known field labels the page had

    @property
    def status_int(self) -> int | None:
        return STATUS_TEXT_INT.get(self.label) if self.label else None

    @property
    def product(self) -> str:
        if self.items:
            return bounded(" + ".join(item.name for item in self.items))
        title = self.title
        name, sep, count = title.rpartition(" x ")  # title = goods name + " x " + quantity
        if sep and count.isascii() and count.isdigit():
            return name
        return title


class _Page(HTMLParser):
    """Field labels and their values, textareas and morpho's items, of any theme's page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.statuses: list[str] = []
        self.textareas: list[str] = []
        self.items: list[dict[str, Any]] = []
        self.not_found = False
        self.fields = 0
        self._stack: list[str] = []
        self._text: list[str] = []
        self._size = 0
        self._textarea: list[str] | None = None
        self._skip = 0
        self._awaiting: tuple[str, int] | None = None
        self._in_items = False
        self._previous = ""
        self.ending = False  # feeding _CLOSE_ALL: its text is no part of the page

    # -- tokens --------------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._textarea is not None:
            return  # RCDATA in a browser: Blade escapes it anyway
        self._flush()
        if tag == "textarea":
            self._textarea = []
            self._size = 0
        elif tag in ("script", "style"):
            self._skip += 1
        elif tag not in _VOID and len(self._stack) < _MAX_DEPTH:
            self._stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._textarea is not None:
            if tag == "textarea":
                self._end_textarea()
            return
        self._flush()
        if tag in ("script", "style"):
            self._skip = max(self._skip - 1, 0)
            return
        stack = self._stack
        for back in range(1, min(len(stack), 64) + 1):  # bounded: no quadratic unwinding
            if stack[-back] == tag:
                del stack[-back:]
                break
        if self._awaiting is not None and len(stack) < self._awaiting[1]:
            self._set(self._awaiting[0], "")  # its container closed: an empty value

    def handle_data(self, data: str) -> None:
        if self.ending:
            return
        if self._textarea is not None:
            if self._size < _MAX_TEXTAREA:
                self._textarea.append(data)
                self._size += len(data)
        elif not self._skip and len(self._text) < 10_000:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        if self._textarea is not None:
            self._end_textarea()
        self._flush()

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        # Python before 3.13 raises AssertionError on a malformed "<![...": skip it as a comment.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            return self.parse_bogus_comment(i)

    # -- meaning -------------------------------------------------------------------------------

    def _end_textarea(self) -> None:
        text = "".join(self._textarea or ())[:_MAX_TEXTAREA]
        self._textarea = None
        if self._in_items and self.items:
            self.items[-1]["info"] = text
        else:
            self.textareas.append(text)

    def _set(self, name: str, value: str) -> None:
        self._awaiting = None
        if name == "status":
            self.statuses.append(value)
        else:
            self.values.setdefault(name, value)

    def _flush(self) -> None:
        if not self._text:
            return
        text = "".join(self._text).strip()
        self._text = []
        if text:
            self._node(text)

    def _node(self, text: str) -> None:
        key = _label_key(text) if len(text) <= 200 else ""
        if key in LABELS:
            # The value follows, within the label's container (its parent element).
            self.fields += 1
            self._awaiting = (LABELS[key], len(self._stack) - 1)
            return
        if self._awaiting is not None:
            self._set(self._awaiting[0], text)
            return
        for sep in ("：", ":"):
            name, found, value = text[:200].partition(sep)
            if found and name.strip() in LABELS:  # "订单号：ABC", "订单状态：" + <span>
                self.fields += 1
                if value.strip() or len(text) > 200:
                    self._set(LABELS[name.strip()], text.partition(sep)[2].strip())
                else:
                    self._awaiting = (LABELS[name.strip()], len(self._stack))
                return
        if text in NOT_FOUND_TEXTS:
            self.not_found = True
        self._morpho(text)
        self._previous = text

    def _morpho(self, text: str) -> None:
        # themes/morpho/views/static_pages/orderinfo.blade.php (fork): under 商品列表, each
        # item is <h4>goods_name</h4>, a badge 自动发货/人工发货, "单价：¥p × q = ¥s",
        # then its <textarea> (or 商品未发货或暂无卡密信息).
        if text == "商品列表":
            self._in_items = True
        elif self._in_items and text in ("自动发货", "人工发货") and len(self.items) < 1000:
            name = self._previous if self._previous != "商品列表" else ""
            self.items.append({"name": name, "manual": text == "人工发货", "info": ""})
        elif self._in_items and self.items and text.startswith("单价："):
            _, _, rest = text[:200].partition("×")
            count = rest.partition("=")[0].strip()
            if count.isascii() and count.isdigit() and len(count) <= 9:
                self.items[-1]["quantity"] = int(count)


def _amount(text: str) -> tuple[Decimal | None, str]:
    text = text.strip()
    currency = "USD" if text.startswith("$") else "CNY"
    for prefix in _MONEY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
            break
    if not text or len(text) > 32:
        return None, currency
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, currency
    return (value if value.is_finite() and plausible_amount(value) else None), currency


def _count(text: str) -> int | None:
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None


def parse_detail(html: str) -> Detail | None:
    """The detail page as read; None only for the platform's own "order does not exist" page."""
    page = _Page()
    try:
        page.feed(html)
        page.ending = True
        page.feed(_CLOSE_ALL)
        page.close()
    except AssertionError:  # html.parser's last word on markup it cannot read: use what it read
        pass
    if page._awaiting is not None:
        page._set(page._awaiting[0], "")
    statuses = list(dict.fromkeys(page.statuses))
    if page.not_found and not page.fields:
        return None
    values = page.values
    if len(statuses) > 1:
        label: str | None = "two different status fields"  # read as unknown
    else:
        label = statuses[0] if statuses else None
    manual: bool | None = None
    kind = values.get("type", "")
    if kind in _AUTO:
        manual = False
    elif kind in _MANUAL:
        manual = True
    amount, currency = _amount(values.get("price", ""))
    items = tuple(
        Item(
            bounded(item["name"]),
            bool(item["manual"]),
            item.get("quantity"),
            item.get("info", ""),
        )
        for item in page.items
    )
    return Detail(
        label=label if label is None else bounded(label, 200),
        info=page.textareas[0] if page.textareas else "",
        title=bounded(values.get("title", "")),
        quantity=_count(values.get("quantity", "")),
        created_at=china_time(values.get("created", "")),
        email=bounded(values.get("email", ""), 320),
        manual=manual,
        amount=amount,
        currency=currency,
        payment=bounded(values.get("payment", ""), 200),
        items=items,
        fields=page.fields,
    )


def challenge_code(html: str) -> str | None:
    """The 4 hex digits of the fork's challenge page (common/challenge.blade.php), if it is one."""
    if 'name="_challenge"' not in html:
        return None
    at = html.find("work('")
    code = html[at + 6 : at + 10] if at >= 0 else ""
    if len(code) == 4 and all(c in "0123456789abcdef" for c in code):
        return code
    return None


def solve_challenge(code: str, tries: int = CHALLENGE_TRIES) -> int | None:
    """The first i whose sha1(str(i)) ends in `code` (app/Http/Middleware/Challenge.php)."""
    for i in range(tries):
        if hashlib.sha1(str(i).encode()).hexdigest().endswith(code):
            return i
    return None


def _interstitial(html: str) -> bool:
    # resources/views/common/notencent.blade.php (DujiaoBoot.php, QQ/WeChat agents).
    return 'class="top-bar-guidance"' in html and 'class="app-download-tip"' in html


def _label_for(status: OrderStatus, info: str) -> StatusLabel | None:
    if status not in (OrderStatus.FAILED, OrderStatus.ABNORMAL) or not info.strip():
        return None
    text = bounded(info.strip().splitlines()[0], 200)
    if "库存" in info or "庫存" in info:
        return StatusLabel.of(LabelCode.OUT_OF_STOCK, text)
    if "运营商" in info or "接口" in info:
        return StatusLabel.of(LabelCode.CARRIER_ERROR, text)
    if "账号" in info or "帐号" in info or "帳號" in info:
        return StatusLabel.of(LabelCode.ACCOUNT_INVALID, text)
    return StatusLabel.of(LabelCode.OTHER, text)


def _lines(info: str) -> list[str]:
    return [line.strip() for line in info.splitlines() if line.strip()]


class _Seen(msgspec.Struct):
    """What this client has observed of one order."""

    first: datetime
    events: list[TimelineEvent] = msgspec.field(default_factory=list)


class DujiaokaBackend(Backend):
    platform = "dujiaoka"

    def __init__(
        self,
        profile: str,
        base_url: str,
        *,
        watch: Sequence[str],
        clock: Clock,
        settings: HttpSettings | None = None,
        http: JsonHttp | None = None,
    ) -> None:
        self.profile = profile
        self.watch = list(dict.fromkeys(watch))
        self.clock = clock
        self.http = http or JsonHttp(base_url.rstrip("/"), settings)
        self._family: tuple[str, str] | None = None
        self._seen: dict[str, _Seen] = {}

    async def aclose(self) -> None:
        await self.http.aclose()

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        # No throttle on the order routes (see the module's docstring): no budget.
        return await self.fetch_watched(self.watch, None)

    async def get_order(self, order_no: str) -> Order | None:
        code = await self._check(order_no)
        detail = await self._detail(order_no)
        if detail is None:
            return None  # the shop's own "订单不存在" page
        return self._order(order_no, detail, code)

    # -- requests -----------------------------------------------------------------------------

    async def _get(self, path: str) -> Answer:
        """GET a page, solving the fork's proof-of-work challenge once if it is asked."""
        answer = await self.http.request("GET", path, parse_json=False)
        text = answer.body if isinstance(answer.body, str) else ""
        code = challenge_code(text) if answer.status == 200 else None
        if code is not None:
            solution = await asyncio.to_thread(solve_challenge, code)
            if solution is None:
                raise BackendError(f"the shop asks for a browser challenge: no answer for {code}")
            answer = await self.http.request(
                "GET", path, params={"_challenge": str(solution)}, parse_json=False
            )
            text = answer.body if isinstance(answer.body, str) else ""
            if challenge_code(text) is not None:
                raise BackendError(
                    "the shop asks for a browser challenge: it refused the answer "
                    "(its session cookie was not kept?)"
                )
        if answer.status == 200 and _interstitial(text):
            raise BackendError("the shop shows its 'open this in a browser' page (QQ/WeChat check)")
        return answer

    async def _check(self, sn: str) -> int:
        families = [self._family] if self._family else list(FAMILIES)
        for family in families:
            answer = await self._get(family[0].format(sn=quote(sn, safe="")))
            if answer.status == 404 and self._family is None:
                continue  # the other family's server
            if answer.status >= 400:  # say a firewall's 403 page: the status says it all
                raise BackendError(status_text(answer.status))
            body = _json(answer)
            code = body.get("code") if isinstance(body, dict) else None
            if not isinstance(code, int) or isinstance(code, bool):
                raise BackendError("malformed answer: no status code")
            self._family = family
            return code
        raise BackendError("neither /check-order-status nor /order/status exists here")

    async def _detail(self, sn: str) -> Detail | None:
        assert self._family is not None
        answer = await self._get(self._family[1].format(sn=quote(sn, safe="")))
        if answer.status >= 400:
            raise OrderProblem(f"{status_text(answer.status)} on the order page")
        html = answer.body if isinstance(answer.body, str) else ""
        # A big page (up to the answer cap) is parsed in a thread: the screen stays live.
        big = len(html) > OFF_LOOP_BYTES
        detail = await asyncio.to_thread(parse_detail, html) if big else parse_detail(html)
        if detail is not None and not detail.fields:
            raise OrderProblem(
                "the order page shows no order (an unknown theme or a maintenance page?)",
                ReadProblem.UNREADABLE,
            )
        return detail

    # -- building orders ----------------------------------------------------------------------

    def _order(self, sn: str, detail: Detail, code: int) -> Order:
        now = self.clock.now()
        number = detail.status_int
        note = ""
        raw = detail.label or ""
        if number is None:
            if detail.label == "" and code == CODE_PAID:
                # hyper's orderinfo.blade.php repeats STATUS_FAILURE where 异常 (6) belongs, so it
                # prints nothing for 6; statuses 2-5 print a word and the check says "paid".
                number, raw = 6, "(blank)"
                note = "status inferred: the page prints none (hyper theme), the check says paid"
            else:
                shown = clean(detail.label or "none", limit=40)
                raise OrderProblem(
                    f"the order page's status cannot be read ({shown})", ReadProblem.UNREADABLE
                )
        status = STATUS_INTS[number]
        seen = self._seen.get(sn)
        if seen is None:
            seen = self._seen[sn] = _Seen(first=now)
        if not seen.events or seen.events[-1].raw_status != raw:
            parts = [note] if note else []
            if not seen.events:
                parts.insert(0, "first seen")
                if detail.payment:
                    verb = "to pay via" if number in (1, -1) else "paid via"
                    parts.append(f"{verb} {detail.payment}")
            seen.events.append(TimelineEvent(now, status, raw, "; ".join(parts)))
            del seen.events[:-LIST_LIMIT]

        codes: list[str] = []
        texts: list[str] = []
        if detail.items:
            for item in detail.items:
                (texts if item.manual else codes).extend(_lines(item.info))
            manual_only = all(item.manual for item in detail.items)
            quantity = sum(item.quantity or 0 for item in detail.items) or len(detail.items)
        else:
            info_lines = _lines(detail.info)
            manual_only = detail.manual is True
            if detail.manual is not True and status is OrderStatus.COMPLETED:
                codes = info_lines
            else:
                texts = info_lines
            quantity = detail.quantity or _title_count(detail.title) or 1
        if status is not OrderStatus.COMPLETED:
            texts, codes = texts + codes, []  # an error text or inputs, not codes
        kept = tuple(bounded(c) for c in islice(codes, LIST_LIMIT))
        info_text = "\n".join(texts)
        label = _label_for(status, info_text)
        if label is None and note:
            label = StatusLabel.of(LabelCode.OTHER, note)
        if label is None and texts and (manual_only or detail.items):
            label = StatusLabel.of(LabelCode.OTHER, bounded(" / ".join(texts), 200))
        product = detail.product
        paid = next((e.at for e in seen.events if e.status.in_progress), None)
        done = next((e.at for e in seen.events if e.status is OrderStatus.COMPLETED), None)
        return Order(
            order_no=sn,
            product_name=product,
            product_type=guess_product_type(product),
            merchant="",
            merchant_verified=False,
            quantity=min(max(quantity, 1), 10**9),
            amount=detail.amount if detail.amount is not None else Decimal(0),
            currency=detail.currency,
            account=detail.email,
            status=status,
            raw_status=raw,
            label=label,
            created_at=detail.created_at or seen.first,
            updated_at=seen.events[-1].at,
            paid_at=paid,
            delivered_at=done,
            card_codes=kept,
            timeline=tuple(seen.events),
        )


def _title_count(title: str) -> int | None:
    _, sep, count = title.rpartition(" x ")
    return _count(count) if sep else None


def _json(answer: Answer) -> Any:
    text = answer.body if isinstance(answer.body, str) else ""
    try:
        return json.loads(text) if len(text) <= FIELD_LIMIT else None
    except (ValueError, RecursionError):
        kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
        if not kind.endswith("json"):
            shown = clean(kind, limit=40) or "no content type"
            raise BackendError(f"HTTP {answer.status}: not JSON ({shown})") from None
        raise BackendError(f"HTTP {answer.status}: malformed JSON") from None


def _build(profile: Any, environ: Mapping[str, str], clock: Clock) -> DujiaokaBackend:
    return DujiaokaBackend(
        profile.name,
        profile.get("base_url"),
        watch=profile.get("orders", []),
        clock=clock,
        settings=http_settings(profile),
    )


SPEC = PlatformSpec(
    name="dujiaoka",
    summary=(
        "独角数卡 v2 and the hiouttime fork: watched order numbers, read from the public order "
        "pages (every theme, zh_CN/zh_TW/en); no login, no actions"
    ),
    keys=(
        Key("base_url", Kind.URL, required=True, help="the shop's address"),
        Key("orders", Kind.ORDERS, required=True, help="the order numbers to watch"),
    ),
    build=_build,
    example="""\
# [profiles.dujiaoka]
# platform = "dujiaoka"      # 独角数卡 v2 or the hiouttime fork: public order pages, no login
# base_url = "https://faka.example.com"
# orders = ["ABCDEFGH12345678"]
""",
    watch_list=lambda options: True,
    limits=(),  # no throttle on the order routes (app/Http/Kernel.php, routes/common/web.php)
)
