"""独角数卡 dujiaoka v2 (assimon/dujiaoka, and the hiouttime fork): public order pages.

No login: the order number is the secret, so this platform watches the profile's list.
- `GET /check-order-status/{sn}`: cheap JSON, HTTP 200 always: 400001 expired or unknown,
  400000 awaiting payment, 200 paid (statuses 2-6 collapse into it).
- `GET /detail-order-sn/{sn}`: an HTML card with the exact status label and a <textarea> with
  the card codes or the error text. Errors are HTML pages with HTTP 200 ("订单不存在").
- The fork names them `/order/status/{sn}` and `/order/detail/{sn}`: both families are tried.

The pages carry no timestamps kameng-tui can rely on: an order's times are when this client
first saw it and saw its status change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from itertools import islice
from urllib.parse import quote

from kameng_tui.api.wire import plausible_amount
from kameng_tui.backends.base import Backend, BackendError, MalformedOrder, SyncResult
from kameng_tui.backends.http import HttpSettings, JsonHttp, status_text
from kameng_tui.domain.clock import Clock
from kameng_tui.domain.order import Order, StatusLabel, TimelineEvent
from kameng_tui.domain.products import guess_product_type
from kameng_tui.domain.status import LabelCode, OrderStatus
from kameng_tui.domain.text import LIST_LIMIT, bounded

# The status label texts (app/Models/Order.php), as the detail page shows them.
STATUS_MAP: dict[str, OrderStatus] = {
    "待支付": OrderStatus.PENDING_PAYMENT,
    "待处理": OrderStatus.PAID,
    "处理中": OrderStatus.DELIVERING,
    "已完成": OrderStatus.COMPLETED,
    "失败": OrderStatus.FAILED,
    "异常": OrderStatus.ABNORMAL,
    "已过期": OrderStatus.CANCELLED,
}
FAMILIES = (
    ("/check-order-status/{sn}", "/detail-order-sn/{sn}"),  # assimon/dujiaoka
    ("/order/status/{sn}", "/order/detail/{sn}"),  # hiouttime/dujiaoka
)
CODE_EXPIRED, CODE_WAITING, CODE_PAID = 400001, 400000, 200
_NOT_FOUND_TEXTS = ("订单不存在", "订单已过期", "不存在")
_AMOUNT = re.compile(r"(?:实付金额|订单金额|支付金额|金额)\s*[:：]?\s*[¥￥]?\s*(\d+(?:\.\d+)?)")
_PRODUCT = re.compile(r"(?:商品名称|商品)\s*[:：]\s*([^\n]+)")


class _Page(HTMLParser):
    """Text nodes and textarea contents of a detail page (any of the themes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.textareas: list[str] = []
        self._in_textarea = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "textarea":
            self._in_textarea = True
            self.textareas.append("")
        elif tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._in_textarea = False
        elif tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._in_textarea:
            self.textareas[-1] += data
        elif not self._skip and data.strip():
            self.texts.append(data.strip())

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        # Python before 3.13 raises AssertionError on a malformed "<![...": skip it as a comment.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            return self.parse_bogus_comment(i)


@dataclass(frozen=True, slots=True)
class Detail:
    label: str  # one of STATUS_MAP's keys
    info: str  # the textarea: card codes, or the error text
    product: str
    amount: Decimal | None


def parse_detail(html: str) -> Detail | None:
    """The detail page's status and info; None for an error page ("订单不存在")."""
    page = _Page()
    try:
        page.feed(html)
        page.close()
    except AssertionError:  # html.parser's last word on markup it cannot read: use what it read
        pass
    label = next((t for t in page.texts if t in STATUS_MAP), None)
    if label is None:
        # Some themes put the label inside a longer text, e.g. "订单状态：已完成".
        for text in page.texts:
            value = text.split("：")[-1].split(":")[-1].strip()
            if value in STATUS_MAP:
                label = value
                break
    if label is None:
        return None
    joined = "\n".join(page.texts)
    amount_match = _AMOUNT.search(joined)
    amount = None
    if amount_match and len(amount_match.group(1)) <= 64:
        try:
            amount = Decimal(amount_match.group(1))
        except InvalidOperation:
            amount = None
        if amount is not None and not plausible_amount(amount):
            amount = None
    product_match = _PRODUCT.search(joined)
    product = bounded(product_match.group(1).strip()) if product_match else ""
    # Card codes, one a line: kept whole (they may be many), the rest bounded in `_order`.
    info = page.textareas[0].strip() if page.textareas else ""
    return Detail(label, info, product, amount)


@dataclass
class _Seen:
    """What this client has observed of one order."""

    first: datetime
    events: list[TimelineEvent] = field(default_factory=list)
    detail: Detail | None = None


def _label_for(status: OrderStatus, info: str) -> StatusLabel | None:
    if status not in (OrderStatus.FAILED, OrderStatus.ABNORMAL) or not info:
        return None
    text = bounded(info.splitlines()[0], 200)
    if "库存" in info:
        return StatusLabel.of(LabelCode.OUT_OF_STOCK, text)
    if "运营商" in info or "接口" in info:
        return StatusLabel.of(LabelCode.CARRIER_ERROR, text)
    if "账号" in info or "帐号" in info:
        return StatusLabel.of(LabelCode.ACCOUNT_INVALID, text)
    return StatusLabel.of(LabelCode.OTHER, text)


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
        return await self.fetch_watched(self.watch)

    async def get_order(self, order_no: str) -> Order | None:
        code = await self._check(order_no)
        seen = self._seen.get(order_no)
        if code == CODE_EXPIRED and (seen is None or seen.detail is None):
            # Unknown, or expired before we ever saw it: the detail page tells which.
            detail = await self._detail(order_no)
        elif code == CODE_WAITING:
            detail = Detail("待支付", "", seen.detail.product if seen and seen.detail else "", None)
            if seen is None or seen.detail is None:
                detail = await self._detail(order_no) or detail
        elif code == CODE_EXPIRED:
            assert seen is not None and seen.detail is not None
            detail = Detail("已过期", "", seen.detail.product, seen.detail.amount)
        else:
            detail = await self._detail(order_no)
        if detail is None:
            return None
        return self._order(order_no, detail)

    # -- requests -----------------------------------------------------------------------------

    async def _families(self) -> list[tuple[str, str]]:
        return [self._family] if self._family else list(FAMILIES)

    async def _check(self, sn: str) -> int:
        for family in await self._families():
            answer = await self.http.request("GET", family[0].format(sn=quote(sn, safe="")))
            if answer.status == 404:
                continue  # the other family's server
            if answer.status >= 400:  # say a firewall's 403 page: the status says it all
                raise BackendError(status_text(answer.status))
            self._family = family
            body = answer.body
            code = body.get("code") if isinstance(body, dict) else None
            if not isinstance(code, int):
                raise BackendError("malformed answer: no status code")
            return code
        raise BackendError("neither /check-order-status nor /order/status exists here")

    async def _detail(self, sn: str) -> Detail | None:
        assert self._family is not None
        path = self._family[1].format(sn=quote(sn, safe=""))
        answer = await self.http.request("GET", path, parse_json=False)
        if answer.status == 404:
            return None
        if answer.status >= 400:
            raise BackendError(f"{status_text(answer.status)} on the order page")
        html = answer.body if isinstance(answer.body, str) else ""
        detail = parse_detail(html)
        if detail is None and not any(t in html for t in _NOT_FOUND_TEXTS):
            raise MalformedOrder("the order page has no status label (an unknown theme?)")
        return detail

    # -- building orders ----------------------------------------------------------------------

    def _order(self, sn: str, detail: Detail) -> Order:
        now = self.clock.now()
        status = STATUS_MAP[detail.label]
        seen = self._seen.get(sn)
        if seen is None:
            seen = self._seen[sn] = _Seen(first=now)
        if detail.product or detail.amount is not None or seen.detail is None:
            seen.detail = detail
        if not seen.events or seen.events[-1].raw_status != detail.label:
            note = "" if seen.events else "first seen"
            seen.events.append(TimelineEvent(now, status, detail.label, note))
        info = detail.info
        codes: tuple[str, ...] = ()
        if status is OrderStatus.COMPLETED:
            lines = (bounded(line.strip()) for line in info.splitlines() if line.strip())
            codes = tuple(islice(lines, LIST_LIMIT))
        product = detail.product or (seen.detail.product if seen.detail else "")
        amount = detail.amount if detail.amount is not None else (
            seen.detail.amount if seen.detail and seen.detail.amount is not None else Decimal(0)
        )  # fmt: skip
        paid = next((e.at for e in seen.events if e.status.in_progress), None)
        done = next((e.at for e in seen.events if e.status is OrderStatus.COMPLETED), None)
        return Order(
            order_no=sn,
            product_name=product,
            product_type=guess_product_type(product),
            merchant="",
            merchant_verified=False,
            quantity=max(len(codes), 1),
            amount=amount,
            currency="CNY",
            account="",
            status=status,
            raw_status=detail.label,
            label=_label_for(status, info),
            created_at=seen.first,
            updated_at=seen.events[-1].at,
            paid_at=paid,
            delivered_at=done,
            card_codes=codes,
            timeline=tuple(seen.events),
        )
