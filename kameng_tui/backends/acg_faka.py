"""异次元发卡 acg-faka (lizhipay/acg-faka 3.6.0): the buyer's own public order query.

No login: the admin login has an image captcha (on unless the shop turns it off), so only
what a buyer sees is read.
- `POST /user/api/index/query`, form `keywords` (18 digits: that trade number; anything else:
  every order placed with that contact), `page`, `limit` (0 means 15; no upper bound), newest
  first -> `{"code":200,"data":{"list":[...],"total":N}}` (no `msg`). An item carries `trade_no`,
  `status` (0 unpaid, 1 paid), `delivery_status` (0, 1), `amount` (a number), `create_time` and
  `pay_time` ("Y-m-d H:i:s", China time; pay_time null until paid), `card_num`, `contact`,
  `commodity{name}`, `pay{name}`; `secret` (the card codes, one a line) only when paid and the
  order has no query password, else `password: true` instead.
- `POST /user/api/index/secret`, form `tradeNo`, `password` -> `{"code":200,"data":{"secret":..}}`.
- Errors: `{"code":0,"msg":"..."}` with HTTP 200 (kernel/Kernel.php), e.g. 请求过于频繁，请稍后再试.
- Limits per IP, in fixed windows (app/Util/Throttle.php): the query 30 per 10 min; the secret
  route 40 per 10 min, and 8 per order per 10 min (a right password resets that one).
- An automatic delivery that finds no cards still marks the order delivered, with the sold-out
  text as its secret (app/Service/Bind/Order.php): shown here as abnormal, out of stock.

With a contact, one query (paged) brings all that buyer's orders; watched numbers not among
them are queried one by one. Every query waits for its turn in the request budget: at most one
every 20 s, whatever the poll interval. Card codes read through the secret route are kept, so
each order's codes are asked for once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import count, islice
from typing import TYPE_CHECKING, Any

import msgspec

from kameng_tui.api.wire import MAX_QUANTITY, plausible_amount, plausible_time
from kameng_tui.backends.base import (
    Backend,
    BackendError,
    MalformedOrder,
    OrderProblem,
    RateLimited,
    ReadProblem,
    SyncResult,
    Unreadable,
    raise_if_all_malformed,
)
from kameng_tui.backends.budget import RateLimit, RequestBudget
from kameng_tui.backends.fields import china_time  # kernel/Kernel.php: Asia/Shanghai
from kameng_tui.backends.http import Answer, HttpSettings, JsonHttp, http_settings, status_text
from kameng_tui.backends.registry import Key, Kind, PlatformSpec
from kameng_tui.domain.order import Order, StatusLabel, TimelineEvent
from kameng_tui.domain.products import guess_product_type
from kameng_tui.domain.status import Actor, LabelCode, OrderStatus
from kameng_tui.domain.text import LIST_LIMIT, bounded, clean

if TYPE_CHECKING:
    from kameng_tui.config import Profile
    from kameng_tui.domain.clock import Clock

CENT = Decimal("0.01")
QUERY_PATH = "/user/api/index/query"
SECRET_PATH = "/user/api/index/secret"
PAGE_SIZE = 100  # the query has no upper bound; 100 keeps most buyers to one request
MAX_PAGES = 20  # the newest 2,000 orders of one contact
CODE_OK = 200  # app/Controller/Base/API/User.php json(); errors carry 0 (kernel/Kernel.php)
# Chinese texts the shop answers with, exactly (app/Controller/User/Api/Index.php).
TOO_MANY = "请求过于频繁，请稍后再试"
WRONG_PASSWORD = "密码错误"
# The secret of a delivered order whose cards ran out (app/Service/Bind/Order.php).
SOLD_OUT = "很抱歉，有人在你付款之前抢走了商品，请联系客服。"
# Str::generateTradeNo(): 18 ASCII digits; the query takes exactly those as a trade number.
TRADE_NO = re.compile(r"[0-9]{18}")
# Messages in the source language, which is what the texts above are compared with.
HEADERS = {"Accept-Language": "zh-CN"}
SECRET_TEXT_LIMIT = 1_000_000  # characters of one order's secret kept (card codes)

_SOURCE = "app/Controller/User/Api/Index.php, app/Util/Throttle.php"
# The query: 30 per 10 min per IP. One at once, then one every 20.7 s: any 10 minutes hold at
# most 30, so the fixed window is never passed. A refusal lasts until that window ends: <= 10 min.
QUERY_LIMIT = RateLimit(
    requests=30, window=600, blocked_for=600, burst=1, share=1.0, source=_SOURCE
)
# The secret route: 40 per 10 min per IP (part left to the buyer's browser) ...
SECRET_LIMIT = RateLimit(requests=40, window=600, blocked_for=600, burst=4, source=_SOURCE)
# ... and 8 per order per IP; only failures add up (a right password clears the count).
SECRET_ORDER_LIMIT = RateLimit(
    requests=8, window=600, blocked_for=600, burst=1, share=0.5, source=_SOURCE
)
SETTINGS = HttpSettings(rate_limit_wait=QUERY_LIMIT.blocked_for)
_NOT_A_NUMBER = "not an acg-faka trade number (18 digits)"
_CONTACT = "\x00contact"  # the contact lookup's place in the rotation (never a trade number)


class _Refused(BackendError):
    """The shop answered `code` 0 with a message (not its rate limit)."""

    def __init__(self, message: str, said: str) -> None:
        super().__init__(message)
        self.said = said


class _Item(msgspec.Struct, frozen=True):
    """One order of a query answer, read and checked; card codes not resolved yet."""

    trade_no: str
    status: int
    delivery: int
    amount: Decimal
    created: datetime
    paid: datetime | None
    quantity: int
    contact: str
    product: str
    secret: str | None  # as the query sent it: None when hidden or absent
    protected: bool  # the order has a query password: its codes come from the secret route

    @property
    def raw(self) -> str:
        return f"status={self.status},delivery={self.delivery}"

    @property
    def delivered(self) -> bool:
        return self.status == 1 and self.delivery == 1


class AcgFakaBackend(Backend):
    platform = "acg-faka"

    def __init__(
        self,
        profile: str,
        base_url: str,
        *,
        clock: Clock,
        contact: str | None = None,
        watch: Sequence[str] = (),
        query_password: str | None = None,
        settings: HttpSettings | None = None,
        http: JsonHttp | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.profile = profile
        self.contact = (contact or "").strip()
        self.watch = list(dict.fromkeys(no.strip() for no in watch if no.strip()))
        self.clock = clock
        self.http = http or JsonHttp(base_url.rstrip("/"), settings or SETTINGS)
        self.page_size = max(1, page_size)
        self.budget = RequestBudget(QUERY_LIMIT, clock)
        self.secret_budget = RequestBudget(SECRET_LIMIT, clock)
        self._password = query_password or ""  # memory only: never logged, printed or written
        self._order_budgets: dict[str, RequestBudget] = {}
        self._secrets: dict[str, str] = {}  # delivered orders' secrets, as the route gave them
        self._wrong_password: set[str] = set()  # asked once, refused: not asked again
        self._observed: dict[str, tuple[str, OrderStatus, datetime]] = {}
        self._contact_numbers: set[str] = set()  # orders the contact's listing brings
        self._recheck: set[str] = set()  # gone from a paged listing: asked one by one
        self._page = 1  # the contact listing's next page
        self._pass: set[str] = set()  # numbers seen in the current pass over its pages
        self._asked: dict[str, int] = {}  # rotation: which lookup went longest ago
        self._counter = count()

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- sync ---------------------------------------------------------------------------------

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        """This poll's share of the lookups: the contact's listing (one page) and the watched
        numbers outside it, those asked longest ago first, as many as the budget allows. The
        others are RATE_LIMITED this time and keep what was read of them before."""
        orders: dict[str, Order] = {}
        unreadable: list[Unreadable] = []
        skipped: list[str] = []
        removed: list[str] = []
        keys = [_CONTACT] if self.contact else []
        keys += [no for no in self.watch if no not in self._contact_numbers]
        keys += sorted(self._recheck - set(keys))
        queue = sorted(keys, key=lambda key: self._asked.get(key, -1))
        held_back: list[str] = []
        refused: RateLimited | None = None
        wait: float | None = None
        for key in queue:
            if key in orders:
                continue  # the contact's listing brought it this time
            if key != _CONTACT and not TRADE_NO.fullmatch(key):
                unreadable.append(Unreadable(key, ReadProblem.UNREADABLE, _NOT_A_NUMBER))
                continue  # the shop would read it as a contact: never sent
            if refused is not None or not self.budget.take():
                wait = self.budget.wait() if refused is None else refused.retry_after
                held_back.append(key)
                continue
            self._asked[key] = next(self._counter)
            try:
                if key == _CONTACT:
                    removed += await self._read_contact(orders, skipped)
                else:
                    order = await self._lookup(key)
                    self._recheck.discard(key)
                    if order is not None:
                        orders[key] = order
                    elif key in self.watch:
                        detail = "the shop has no order with this number"
                        unreadable.append(Unreadable(key, ReadProblem.NOT_FOUND, detail))
                    else:
                        removed.append(key)  # left the contact's listing, and the shop
            except RateLimited as exc:
                self.budget.hold(exc.retry_after)
                refused = exc
                wait = exc.retry_after
                held_back.append(key)
            except OrderProblem as exc:
                unreadable.append(Unreadable(key, exc.problem, str(exc)))
        # Everything not read this time waits, with what was read of it before.
        detail = str(refused) if refused is not None else self._waiting()
        wait = wait if wait is not None else self.budget.wait()
        waiting = [key for key in held_back if key != _CONTACT] + sorted(self._contact_numbers)
        done = set(orders) | {u.order_no for u in unreadable}
        for no in dict.fromkeys(waiting):
            if no not in done:
                unreadable.append(Unreadable(no, ReadProblem.RATE_LIMITED, detail, wait))
        if (
            refused is not None
            and not orders
            and not skipped
            and all(u.problem is ReadProblem.RATE_LIMITED for u in unreadable)
        ):
            raise refused  # nothing at all this time: the header says so, with the wait
        total = len(self._contact_numbers | set(self.watch) | self._recheck)
        return SyncResult(
            list(orders.values()),
            None,
            total,
            removed=removed,
            skipped=skipped,
            unreadable=unreadable,
        )

    async def get_order(self, order_no: str) -> Order | None:
        """One order by its trade number, when the budget has a request for it; RateLimited
        (with the wait) when it has none."""
        if not self.budget.take():
            raise RateLimited(self._waiting(), retry_after=self.budget.wait())
        try:
            return await self._lookup(order_no.strip())
        except RateLimited as exc:
            self.budget.hold(exc.retry_after)
            raise

    def _waiting(self) -> str:
        return f"waiting for its turn: the shop allows {QUERY_LIMIT.describe()}"

    async def _read_contact(self, orders: dict[str, Order], skipped: list[str]) -> list[str]:
        """One page of the contact's orders into `orders`; the numbers gone for good."""
        page = self._page
        try:
            items, total = await self._query(self.contact, page)
        except _Refused as exc:
            raise BackendError(str(exc)) from None
        if page == 1:
            self._pass = set()
        bad: list[str] = []
        read = await self._orders(items, bad)
        skipped += bad
        raise_if_all_malformed(len(read), bad)
        for order in read:
            orders[order.order_no] = order
            self._pass.add(order.order_no)
            self._contact_numbers.add(order.order_no)
        last = not items or page * self.page_size >= total or page >= MAX_PAGES
        if not last:
            self._page = page + 1
            return []
        self._page = 1
        if page >= MAX_PAGES and page * self.page_size < total:
            skipped.append(f"only the newest {page * self.page_size} orders of the contact")
        missing = self._contact_numbers - self._pass
        self._contact_numbers = set(self._pass)
        if page == 1 or len(self._pass) >= total:
            # The whole listing was read: what is not in it is gone (the shop deletes unpaid
            # orders), except watched ones, which are asked for and shown as not found.
            return sorted(missing - set(self.watch))
        # Read over several polls, the listing may have shifted: ask for those one by one.
        self._recheck |= missing - set(self.watch)
        return []

    # -- requests -----------------------------------------------------------------------------

    async def _lookup(self, order_no: str) -> Order | None:
        """One order by its trade number: the request, without asking the budget."""
        if not TRADE_NO.fullmatch(order_no):
            # The shop would read anything else as a contact: not asked.
            raise OrderProblem(_NOT_A_NUMBER, ReadProblem.UNREADABLE)
        try:
            items, _ = await self._query(order_no, 1)
        except _Refused as exc:
            raise OrderProblem(str(exc), ReadProblem.UNREADABLE) from None
        if not items:
            return None  # the shop found nothing with this number: it says so clearly
        ours = [i for i in items if isinstance(i, dict) and _number(i.get("trade_no")) == order_no]
        if not ours:
            raise MalformedOrder("malformed answer: the shop sent other orders than the one asked")
        skipped: list[str] = []
        found = await self._orders(ours[:1], skipped)
        if not found:
            raise MalformedOrder(skipped[0])
        return found[0]

    async def _query(self, keywords: str, page: int) -> tuple[list[Any], int]:
        form = {"keywords": keywords, "page": str(page), "limit": str(self.page_size)}
        answer = await self.http.request("POST", QUERY_PATH, form_body=form, headers=HEADERS)
        data = self._data(answer, "the order query")
        listed = data.get("list") if isinstance(data, dict) else None
        if not isinstance(listed, list):
            raise BackendError("malformed answer: no order list")
        total = data.get("total") if isinstance(data, dict) else None
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            total = len(listed)
        return listed, total

    def _data(self, answer: Answer, what: str) -> object:
        """The `data` of a successful answer; RateLimited for the shop's limit, _Refused for
        its other refusals, BackendError for anything that is not its JSON."""
        body = answer.body
        if answer.status >= 400:  # say a firewall's page: the status says it all
            raise BackendError(f"{status_text(answer.status)} on {what}")
        if not isinstance(body, dict):
            raise BackendError(f"HTTP {answer.status}: malformed answer to {what} (no envelope)")
        code = body.get("code")
        if code == CODE_OK and not isinstance(code, bool):
            return body.get("data")
        said = body.get("msg")
        said = said.strip() if isinstance(said, str) else ""
        if said == TOO_MANY:
            raise RateLimited(
                f"rate limited by {self.http.host} ({TOO_MANY})",
                retry_after=QUERY_LIMIT.blocked_for,
            )
        shown = clean(said, limit=120) if said else f"code {clean(code, limit=20)}"
        raise _Refused(f"the shop refused {what}: {shown}", said)

    async def _secret(self, order_no: str) -> tuple[str | None, str]:
        """A password-protected order's secret (kept once read), or None and why not."""
        if order_no in self._secrets:
            return self._secrets[order_no], ""
        if not self._password:
            return None, "card codes hidden: the order has a query password (query_password_env)"
        if order_no in self._wrong_password:
            return None, f"card codes hidden: the query password is wrong ({WRONG_PASSWORD})"
        own = self._order_budgets.setdefault(
            order_no, RequestBudget(SECRET_ORDER_LIMIT, self.clock)
        )
        if own.available() < 1 or not self.secret_budget.take():
            return None, "card codes: waiting for their turn (the shop's limit)"
        own.take()
        form = {"tradeNo": order_no, "password": self._password}
        try:
            answer = await self.http.request("POST", SECRET_PATH, form_body=form, headers=HEADERS)
            data = self._data(answer, "the card codes")
        except RateLimited as exc:
            self.secret_budget.hold(exc.retry_after)
            return None, f"card codes: {exc}"
        except _Refused as exc:
            if exc.said == WRONG_PASSWORD:
                self._wrong_password.add(order_no)  # asking again only adds to its count
            return None, f"card codes: {exc}"
        except BackendError as exc:
            return None, f"card codes not read: {exc}"
        secret = data.get("secret") if isinstance(data, dict) else None
        if not isinstance(secret, str):
            return None, "card codes: malformed answer (no secret)"
        self._secrets[order_no] = secret[:SECRET_TEXT_LIMIT]  # codes do not change
        self._order_budgets.pop(order_no, None)
        return self._secrets[order_no], ""

    # -- building orders ----------------------------------------------------------------------

    async def _orders(self, items: Iterable[Any], skipped: list[str]) -> list[Order]:
        """The readable items as orders (codes resolved); one line in `skipped` per other."""
        orders: list[Order] = []
        for index, raw in enumerate(islice(items, LIST_LIMIT * 10)):
            try:
                item = parse_item(raw)
            except MalformedOrder as exc:
                name = _number(raw.get("trade_no")) if isinstance(raw, dict) else None
                where = f"order {clean(name, limit=40)}" if name else f"item {index + 1}"
                skipped.append(f"{where}: {exc}")
                continue
            orders.append(await self._order(item))
        return orders

    async def _order(self, item: _Item) -> Order:
        secret: str | None = None
        note = ""
        if item.delivered:
            if item.protected:
                secret, note = await self._secret(item.trade_no)
            else:
                secret = item.secret if item.secret is not None else ""
        label: StatusLabel | None = None
        codes: tuple[str, ...] = ()
        if item.status == 0 and item.delivery == 0:
            status = OrderStatus.PENDING_PAYMENT
        elif item.status == 1 and item.delivery == 0:
            status = OrderStatus.DELIVERING  # manual delivery: the shop's staff send it
        elif item.delivered and secret is not None and secret.strip() == SOLD_OUT:
            status = OrderStatus.ABNORMAL  # "delivered" without cards: waiting on support
            label = StatusLabel.of(LabelCode.OUT_OF_STOCK, SOLD_OUT)
        elif item.delivered:
            status = OrderStatus.COMPLETED
            if secret is not None:
                lines = (bounded(line.strip()) for line in secret.splitlines() if line.strip())
                codes = tuple(islice(lines, LIST_LIMIT))
            else:
                label = StatusLabel(bounded(note, 200), LabelCode.OTHER, Actor.CUSTOMER)
        else:
            status = OrderStatus.ABNORMAL  # a status this version does not have
        # The query has no delivery time: a change is dated when this client first saw it,
        # and a state seen first (usually delivered with the payment) by the shop's last time.
        latest = item.paid or item.created
        seen = self._observed.get(item.trade_no)
        if seen is None or (seen[0], seen[1]) != (item.raw, status):
            seen = (item.raw, status, latest if seen is None else self.clock.now())
            self._observed[item.trade_no] = seen
        events = [TimelineEvent(item.created, OrderStatus.PENDING_PAYMENT, "status=0,delivery=0")]
        if item.paid is not None:
            events.append(TimelineEvent(item.paid, OrderStatus.PAID, "status=1"))
        if status is not events[-1].status:
            events.append(TimelineEvent(max(seen[2], events[-1].at), status, item.raw))
        delivered_at = events[-1].at if item.delivered else None
        return Order(
            order_no=item.trade_no,
            product_name=item.product,
            product_type=guess_product_type(item.product),
            merchant="",
            merchant_verified=False,
            quantity=item.quantity,
            amount=item.amount,
            currency="CNY",
            account=item.contact,
            status=status,
            raw_status=item.raw,
            label=label,
            created_at=item.created,
            updated_at=events[-1].at,
            paid_at=item.paid,
            delivered_at=delivered_at,
            card_codes=codes,
            timeline=tuple(events),
        )


# -- parsing -----------------------------------------------------------------------------------


def _number(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and 0 < len(value.strip()) <= 64:
        return value.strip()
    return None


def _flag(data: Mapping[str, Any], key: str) -> int:
    """A tinyint status: an int, or digits in a string (a plugin may send them so)."""
    value = data.get(key)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 3:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255:
        return value
    raise MalformedOrder(f"{key} is not a status: {clean(value, limit=20)}")


def _time(data: Mapping[str, Any], key: str) -> datetime | None:
    """ "Y-m-d H:i:s" in China time; None when null or MySQL's zero date."""
    value = data.get(key)
    if value is None or value == "" or value == "0000-00-00 00:00:00":
        return None
    parsed = china_time(value) if isinstance(value, str) and len(value) <= 32 else None
    if parsed is None or not plausible_time(parsed):
        raise MalformedOrder(f"{key} is not a time: {clean(value, limit=30)}")
    return parsed


def _amount(value: object) -> Decimal:
    amount: Decimal | None = None
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        text = str(value).strip()
        try:
            amount = Decimal(text) if len(text) <= 64 else None
        except InvalidOperation:
            amount = None
    if amount is None or not plausible_amount(amount):
        raise MalformedOrder(f"amount is not an amount: {clean(value, limit=30)}")
    # decimal(10,2) in the database, sent as a JSON float (98.0): back to cents.
    return amount.quantize(CENT) if amount == amount.quantize(CENT) else amount


def parse_item(data: object) -> _Item:
    """One item of the query's list. MalformedOrder (one line) when it cannot be read."""
    if not isinstance(data, dict):
        raise MalformedOrder("not an order object")
    number = _number(data.get("trade_no"))
    if number is None:
        raise MalformedOrder("no trade_no")
    created = _time(data, "create_time")
    if created is None:
        raise MalformedOrder("no create_time")
    commodity = data.get("commodity")
    name = commodity.get("name") if isinstance(commodity, dict) else None
    quantity = data.get("card_num")
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        quantity = 1
    contact = data.get("contact")
    secret = data.get("secret")
    return _Item(
        trade_no=bounded(number),
        status=_flag(data, "status"),
        delivery=_flag(data, "delivery_status"),
        amount=_amount(data.get("amount")),
        created=created,
        paid=_time(data, "pay_time"),
        quantity=min(max(quantity, 1), MAX_QUANTITY),
        contact=bounded(contact, 200) if isinstance(contact, str) else "",
        product=bounded(name) if isinstance(name, str) else "",
        secret=secret[:SECRET_TEXT_LIMIT] if isinstance(secret, str) else None,
        # The query sends `password: true` (and no secret) for a protected order, else the
        # column as it is: null or "" (app/Controller/User/Api/Index.php).
        protected=data.get("password") not in (None, "", False),
    )


# -- registry ----------------------------------------------------------------------------------


def _build(profile: Profile, environ: Mapping[str, str], clock: Clock) -> Backend:
    from kameng_tui.config import secret

    orders = profile.get("orders", [])
    return AcgFakaBackend(
        profile.name,
        profile.get("base_url"),
        clock=clock,
        contact=profile.get("contact"),
        watch=[str(no) for no in orders] if isinstance(orders, list) else [],
        query_password=secret(profile, "query_password_env", environ),
        settings=http_settings(profile, SETTINGS),
    )


def _check(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    contact = options.get("contact")
    orders = options.get("orders")
    if not contact and not orders:
        problems.append(("contact", "give contact or orders (or both)"))
    if isinstance(contact, str) and TRADE_NO.fullmatch(contact.strip()):
        problems.append(("contact", "18 digits are read as a trade number: put it in orders"))
    for no in orders if isinstance(orders, list) else []:
        if not (isinstance(no, str) and TRADE_NO.fullmatch(no.strip())):
            shown = clean(no, limit=40)
            problems.append(("orders", f"{shown} is not an acg-faka trade number (18 digits)"))
    return problems


SPEC = PlatformSpec(
    name="acg-faka",
    summary=(
        "异次元发卡 as a buyer: your orders by contact and/or trade number, with card codes "
        "(query password for protected ones); one query per 20 s; no admin (its login has an "
        "image captcha by default), no actions"
    ),
    keys=(
        Key("base_url", Kind.URL, required=True),
        Key("contact", Kind.TEXT, help="the contact given when ordering: all its orders"),
        Key("orders", Kind.ORDERS, help="trade numbers (18 digits) to follow"),
        Key("query_password_env", Kind.ENV, help="the variable holding the query password"),
    ),
    build=_build,
    example="""\
# [profiles.acg]
# platform = "acg-faka"    # 异次元发卡, as a buyer: no admin, no actions
# base_url = "https://faka.example.com"
# contact = "me@example.com"                # every order placed with this contact
# orders = ["123261125103000456"]          # and/or these trade numbers (18 digits)
# query_password_env = "FAKA_QUERY_PASSWORD" # the orders' query password, for card codes
""",
    watch_list=lambda options: True,
    limits=(QUERY_LIMIT, SECRET_LIMIT, SECRET_ORDER_LIMIT),
    check=_check,
)
