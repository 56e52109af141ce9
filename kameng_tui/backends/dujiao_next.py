"""Dujiao-Next (dujiao-next/dujiao-next): JSON under /api/v1, guest or admin access.

Facts from the platform's source (github CrazyForks/dujiao-next, the mirror we read):

- Envelope `{"status_code", "msg", "data", "pagination"}`
  (`internal/platform/http/response/response.go`). Business errors come back with HTTP 200 and
  a non-zero `status_code`; only the rate limiter answers a real HTTP 429 (no Retry-After). So
  every decision here reads `status_code`, never the HTTP status. `msg` is translated (zh-CN
  unless asked otherwise, `internal/i18n/messages.go`).
- Every order is a parent with one child per item (`order_service.go`); card codes and
  `delivered_at` live on `children[].fulfillment` (or, for older orders, on the parent), and
  the guest detail cuts each payload to 100 lines, with `payload_line_count` giving the real
  count and `GET /guest/orders/{order_no}/fulfillment/download` the whole text
  (`presenter/order.go`, `fulfillment/domain/fulfillment.go`, `user_handler.go`).
- guest: `Authorization: Guest <base64url(lower(trim(email)) + "\\n" + trim(password))>`
  (`ginutil/guest_auth.go`); builds before 4e4d5bbc (2026-07-27) read `?email=&order_password=`
  only, and answer the header with status_code 400 `游客邮箱不能为空`: then the query is used.
  Without a watch list every order of that buyer is listed (`GET /guest/orders`, 200 a page,
  newest first, summaries only: the details are read for orders that are new or changed).
  With a watch list each number is read by `GET /guest/orders/{order_no}` (parents only).
  Guest reads are limited to 120 per 60 s per IP, then blocked 60 s (`router.go`).
- admin: `POST /admin/login` {username, password} (5 per 300 s per IP, then blocked 900 s;
  `internal/config/config.go`); 2FA and the login captcha cannot be answered by a tracker.
  The list is read newest-updated first (`sort_by=updated_at`, `order_store.go`), so after a
  full sync a poll reads until it meets orders not updated since the last one. An expired token
  is status_code 401 (`middleware.go`): one new login, quietly.

Every field is untrusted: a wrong type falls back to a neutral value (no name, amount 0) where
one exists, and is otherwise a one-line `BackendError`. Times are RFC 3339; epoch seconds or
milliseconds and "2026-11-25 10:30[:00]" (slashes too) are read as well, a time without an
offset as China time (the shops' own zone), and Go's zero time as unset.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec
from msgspec.structs import replace

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
from kameng_tui.backends.fields import CHINA  # for times sent without an offset
from kameng_tui.backends.http import (
    DEFAULT_SETTINGS,
    Answer,
    HttpSettings,
    JsonHttp,
    http_settings,
    status_text,
)
from kameng_tui.backends.registry import Key, Kind, PlatformSpec
from kameng_tui.domain.clock import Clock, SystemClock
from kameng_tui.domain.order import Order, Refund, TimelineEvent
from kameng_tui.domain.products import guess_product_type
from kameng_tui.domain.status import OrderStatus
from kameng_tui.domain.text import LIST_LIMIT, bounded, clean

if TYPE_CHECKING:
    from kameng_tui.config import Profile

API = "/api/v1"
PAGE_SIZE = 200  # internal/platform/http/ginutil/pagination.go NormalizePagination: at most 200
PREVIEW_LINES = 100  # internal/modules/fulfillment/domain/fulfillment.go PayloadMaxPreviewLines

# internal/app/httpserver/router.go guestReadRule (every guest read route, per IP).
GUEST_READS = RateLimit(
    120, 60, blocked_for=60, source="internal/app/httpserver/router.go (guestReadRule)"
)
# internal/config/config.go security.login_rate_limit defaults, router.go adminLoginRule.
ADMIN_LOGINS = RateLimit(
    5, 300, blocked_for=900, burst=2, source="internal/config/config.go (login_rate_limit)"
)
RATE_LIMIT_WAIT = 60.0  # a guest 429 blocks for 60 s and says nothing of it in a header
LOGIN_BACKOFF = 900.0  # after a refused login: the platform's own lockout
GUEST_REFRESH = 600.0  # list mode: a partly refunded order's detail is read again this often

# Every status in internal/constants/constants.go. `partially_refunded` is resolved from the
# children (see _settled_status): a partial refund is not a refunded order.
STATUS_MAP: dict[str, OrderStatus] = {
    "pending_payment": OrderStatus.PENDING_PAYMENT,
    "paid": OrderStatus.PAID,
    "fulfilling": OrderStatus.DELIVERING,
    "partially_delivered": OrderStatus.DELIVERING,
    "delivered": OrderStatus.COMPLETED,
    "completed": OrderStatus.COMPLETED,
    "canceled": OrderStatus.CANCELLED,
    "partially_refunded": OrderStatus.COMPLETED,
    "refunded": OrderStatus.REFUNDED,
}

# internal/i18n/messages.go, in its three locales (zh-CN, zh-TW, en).
GUEST_EMAIL_REQUIRED = frozenset(
    {"游客邮箱不能为空", "遊客郵箱不能為空", "Guest email is required"}
)
GUEST_PASSWORD_REQUIRED = frozenset(
    {"订单密码不能为空", "訂單密碼不能為空", "Order password is required"}
)
CAPTCHA_WORDS = ("验证码", "驗證碼", "captcha")  # error.captcha_required / captcha_invalid
CHILD_NUMBER = re.compile(r"^(DJ\w+)-\d{2,}$")  # order_service_validate.go buildChildOrderNo


def guest_credential(email: str, password: str) -> str:
    raw = f"{email.strip().lower()}\n{password.strip()}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class _Detail(msgspec.Struct):
    """What list mode last read of one guest order, and from which summary."""

    key: tuple[str, ...]
    order: Order
    read_at: datetime


class DujiaoNextBackend(Backend):
    platform = "dujiao-next"

    def __init__(
        self,
        profile: str,
        base_url: str,
        *,
        mode: str,
        watch: Sequence[str] = (),
        guest_email: str | None = None,
        guest_password: str | None = None,
        username: str | None = None,
        password: str | None = None,
        settings: HttpSettings | None = None,
        http: JsonHttp | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.profile = profile
        self.mode = mode
        self.watch = list(dict.fromkeys(watch))
        self.clock: Clock = clock or SystemClock()
        # The platform's 429 carries no Retry-After: its block time stands in.
        http_settings = replace(settings or DEFAULT_SETTINGS, rate_limit_wait=RATE_LIMIT_WAIT)
        self.http = http or JsonHttp(base_url.rstrip("/"), http_settings)
        self.budget = RequestBudget(GUEST_READS, self.clock)
        self.login_budget = RequestBudget(ADMIN_LOGINS, self.clock)
        self._email = guest_email or ""
        self._guest_password = guest_password or ""
        self._username = username or ""
        self._password = password or ""  # memory only: never logged, printed or written
        self._token: str | None = None
        self._refused_until: datetime | None = None  # a refused admin login: not before then
        self._refusal = ""
        self._query_auth = False  # an older server: guest credentials as query parameters
        self._details: dict[str, _Detail] = {}  # guest list mode
        self._listed: set[str] = set()
        self._downloads: dict[tuple[str, int, str], str] = {}  # full payloads already read

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- sync ---------------------------------------------------------------------------------

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        if self.mode == "admin":
            return await self._admin_page(cursor)
        if self.watch:
            return await self.fetch_watched(self.watch, self.budget)
        return await self._guest_page(cursor)

    async def get_order(self, order_no: str) -> Order | None:
        if self.mode == "admin":
            params = {"order_no": order_no, "page": "1", "page_size": "1"}
            body = await self._admin_get(f"{API}/admin/orders", params)
            items = body.get("data")
            if not isinstance(items, list):
                raise BackendError("malformed answer: no order list")
            found = [i for i in items if isinstance(i, dict) and i.get("order_no") == order_no]
            return parse_order(found[0]) if found else None
        return await self._guest_detail(order_no)

    # -- guest --------------------------------------------------------------------------------

    def _spend(self) -> None:
        """A request that must go (a fallback, a retry): counted if the budget has it."""
        self.budget.take()

    async def _guest_request(
        self, path: str, params: Mapping[str, str] | None = None, *, parse_json: bool = True
    ) -> Answer:
        by_query = {
            **(params or {}),
            "email": self._email.strip().lower(),
            "order_password": self._guest_password.strip(),
        }
        if self._query_auth:
            return await self.http.request("GET", path, params=by_query, parse_json=parse_json)
        credential = guest_credential(self._email, self._guest_password)
        headers = {"Authorization": f"Guest {credential}"}
        answer = await self.http.request(
            "GET", path, params=params, headers=headers, parse_json=parse_json
        )
        if not _asks_for_email(answer):
            return answer
        # Builds before 4e4d5bbc read only the query: try it, and keep it if it is understood.
        self._spend()
        fallback = await self.http.request("GET", path, params=by_query, parse_json=parse_json)
        if _asks_for_email(fallback):
            return answer
        self._query_auth = True
        return fallback

    async def _guest_detail(self, order_no: str) -> Order | None:
        answer = await self._guest_request(f"{API}/guest/orders/{quote(order_no, safe='')}")
        body = _guest_envelope(answer)
        code = _code(body)
        if code == 404:
            match = CHILD_NUMBER.match(order_no)
            if match:
                raise OrderProblem(
                    f"a child order number: watch its parent {bounded(match[1], 64)}",
                    ReadProblem.NOT_FOUND,
                )
            return None  # 未找到匹配的游客订单: no such order for this email and order password
        if code == 400:
            raise OrderProblem(
                f"the shop does not take this order number ({_msg(body)})", ReadProblem.NOT_FOUND
            )
        if code != 0:
            raise OrderProblem(
                f"the shop could not read this order (status_code {code}{_msg(body, ': ')})",
                ReadProblem.UNREADABLE,
            )
        data = body.get("data")
        full = await self._full_payloads(data)
        return parse_order(data, full)

    async def _full_payloads(self, data: object) -> dict[str, str]:
        """The whole payload of every fulfillment the detail cut at 100 lines, by order number,
        as far as the budget allows (the preview stands in for the others until next time)."""
        full: dict[str, str] = {}
        for number, fulfillment in _fulfillments(data):
            count = fulfillment.get("payload_line_count")
            payload = fulfillment.get("payload")
            if not isinstance(count, int) or not isinstance(payload, str):
                continue
            if count <= PREVIEW_LINES or count <= len(payload.split("\n")):
                continue
            delivered = fulfillment.get("delivered_at")
            key = (number, count, delivered if isinstance(delivered, str) else "")
            if key in self._downloads:
                full[number] = self._downloads[key]
                continue
            if not self.budget.take():
                continue
            path = f"{API}/guest/orders/{quote(number, safe='')}/fulfillment/download"
            answer = await self._guest_request(path, parse_json=False)
            kind = answer.headers.get("content-type", "").lower()
            if answer.status == 200 and kind.startswith("text/plain"):
                text = answer.body if isinstance(answer.body, str) else ""
                self._downloads[key] = full[number] = text
        return full

    async def _guest_page(self, cursor: str | None) -> SyncResult:
        """List mode: every order of this buyer, a page at a time; details of the new and
        changed ones (the list gives summaries: no codes, no payment time, no refund)."""
        page = _page_of(cursor)
        if not self.budget.take():
            raise RateLimited(
                f"waiting for its turn: the shop allows {GUEST_READS.describe()}",
                retry_after=self.budget.wait(),
            )
        params = {"page": str(page), "page_size": str(PAGE_SIZE)}
        body = _guest_envelope(await self._guest_request(f"{API}/guest/orders", params))
        if _code(body) != 0:
            raise BackendError(f"the shop refused the order list{_status(body)}")
        items = body.get("data")
        if not isinstance(items, list):
            raise BackendError("malformed answer: no order list")
        if page == 1:
            self._listed = set()
        paging = _dict(body.get("pagination"))
        total_pages = _int(paging.get("total_page"), page)
        pages_left = max(total_pages - page, 0)  # the list comes first: kept for its pages
        orders: list[Order] = []
        skipped: list[str] = []
        unreadable: list[Unreadable] = []
        now = self.clock.now()
        for summary in items[:PAGE_SIZE]:
            number = summary.get("order_no") if isinstance(summary, dict) else None
            if not isinstance(number, str) or not number:
                skipped.append("malformed answer: an order without order_no")
                continue
            number = bounded(number)
            self._listed.add(number)
            key = _summary_key(summary)
            known = self._details.get(number)
            if known is not None and known.key == key and not _stale(known, now):
                orders.append(known.order)
                continue
            if self.budget.available() <= pages_left or not self.budget.take():
                if known is not None:
                    detail = f"waiting for its turn: the shop allows {GUEST_READS.describe()}"
                    wait = self.budget.wait()
                    unreadable.append(Unreadable(number, ReadProblem.RATE_LIMITED, detail, wait))
                    continue
                try:  # a first sight: the summary until the detail can be read
                    orders.append(parse_order(summary))
                except MalformedOrder as exc:
                    skipped.append(f"{number}: {exc}")
                continue
            try:
                order = await self._guest_detail(number)
            except RateLimited as exc:
                self.budget.hold(exc.retry_after)
                raise
            except OrderProblem as exc:
                unreadable.append(Unreadable(number, exc.problem, str(exc)))
                continue
            if order is not None:
                self._details[number] = _Detail(key, order, now)
                orders.append(order)
        raise_if_all_malformed(len(orders) + len(unreadable), skipped)
        more = page < total_pages and bool(items)
        if not more:  # a whole listing: forget orders the shop no longer lists
            self._details = {k: v for k, v in self._details.items() if k in self._listed}
        return SyncResult(
            orders,
            f"page:{page + 1}" if more else None,
            _int(paging.get("total"), len(orders)),
            more=more,
            skipped=skipped,
            unreadable=unreadable,
        )

    # -- admin --------------------------------------------------------------------------------

    async def _admin_page(self, cursor: str | None) -> SyncResult:
        """Newest-updated first. From scratch: every page. Then each poll reads pages until it
        reaches orders not updated since the newest one the previous poll saw.

        Cursors: `full|<page>|<mark>` during a full listing, `since|<mark>` between polls,
        `inc|<page>|<since>|<mark>` during an incremental one (mark: newest updated_at seen)."""
        page, since, mark = _admin_cursor(cursor)
        params = {
            "page": str(page),
            "page_size": str(PAGE_SIZE),
            "sort_by": "updated_at",
            "sort_order": "desc",
        }
        body = await self._admin_get(f"{API}/admin/orders", params)
        items = body.get("data")
        if not isinstance(items, list):
            raise BackendError("malformed answer: no order list")
        orders, skipped = [], []
        for item in items[:PAGE_SIZE]:
            try:
                orders.append(parse_order(item))
            except MalformedOrder as exc:
                skipped.append(str(exc))
        raise_if_all_malformed(len(orders), skipped)
        for order in orders:
            if mark is None or order.updated_at > mark:
                mark = order.updated_at
        paging = _dict(body.get("pagination"))
        total_pages = _int(paging.get("total_page"), page)
        total = _int(paging.get("total"), len(orders))
        more = page < total_pages and bool(items)
        if since is not None:
            reached = any(o.updated_at < since for o in orders)
            orders = [o for o in orders if o.updated_at >= since]
            more = more and not reached
            if not orders:
                skipped = []  # older rows that failed before: said when they were new
        if more:
            next_cursor: str | None
            if since is None:
                next_cursor = f"full|{page + 1}|{_stamp(mark)}"
            else:
                next_cursor = f"inc|{page + 1}|{_stamp(since)}|{_stamp(mark)}"
        else:
            next_cursor = f"since|{_stamp(mark)}" if mark is not None else None
        return SyncResult(orders, next_cursor, total, more=more, skipped=skipped)

    async def _admin_get(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        """A successful admin envelope. An expired token (status_code 401) costs one new
        login, once per request: a second refusal is the poll's error."""
        for attempt in range(2):
            if self._token is None:
                await self._login()
            headers = {"Authorization": f"Bearer {self._token}"}
            answer = await self.http.request("GET", path, params=params, headers=headers)
            body = answer.body
            if isinstance(body, dict) and _code(body) == 401:
                self._token = None  # 无效的 token / 登录状态已失效: log in again
                if attempt == 0:
                    continue
                raise BackendError(f"admin token refused right after a new login{_status(body)}")
            _check(answer)
            assert isinstance(body, dict)
            return body
        raise AssertionError("unreachable")

    async def _login(self) -> None:
        now = self.clock.now()
        if self._refused_until is not None:
            if now < self._refused_until:
                wait = (self._refused_until - now).total_seconds()
                raise BackendError(self._refusal, retry_after=wait)
            self._refused_until = None
        if not self.login_budget.take():
            raise RateLimited(
                f"admin login waits its turn: the shop allows {ADMIN_LOGINS.describe()}",
                retry_after=self.login_budget.wait(),
            )
        try:
            answer = await self.http.request(
                "POST",
                f"{API}/admin/login",
                json_body={"username": self._username, "password": self._password},
            )
        except RateLimited:
            self.login_budget.hold(LOGIN_BACKOFF)
            raise RateLimited(
                "admin login rate limited by the shop (HTTP 429): blocked for up to 15 min",
                retry_after=LOGIN_BACKOFF,
            ) from None
        body = answer.body
        if not isinstance(body, dict):
            _check(answer)
            raise BackendError("malformed answer: the login answer is not an envelope")
        code = _code(body)
        message = body["msg"] if isinstance(body.get("msg"), str) else ""
        if code == 400 and any(w in message.lower() for w in CAPTCHA_WORDS):
            self._refuse(f"admin login needs a captcha: not supported{_status(body)}")
        if code in (400, 401, 403):  # 401: 用户名或密码错误; 400: the request was refused
            self._refuse(f"admin login refused: check username and password{_status(body)}")
        if code != 0:
            raise BackendError(f"admin login failed{_status(body)}", retryable=code >= 500)
        data = _dict(body.get("data"))
        if data.get("requires_totp") is True:
            self._refuse("admin login needs a 2FA code: not supported")
        token = data.get("token")
        if not isinstance(token, str) or not token or not token.isascii():
            raise BackendError("malformed answer: login gave no token")
        self._token = token

    def _refuse(self, message: str) -> None:
        """Asking again would be refused again (and spends the shop's login limit): not
        before the platform's own lockout has passed, or the profile is opened anew."""
        self._refusal = f"{message}; not retried for {LOGIN_BACKOFF / 60:g} min"
        self._refused_until = self.clock.now() + timedelta(seconds=LOGIN_BACKOFF)
        raise BackendError(self._refusal, retry_after=LOGIN_BACKOFF)


# -- answers -------------------------------------------------------------------------------------


def _code(body: Mapping[str, Any]) -> int:
    code = body.get("status_code", 0)
    return code if isinstance(code, int) and not isinstance(code, bool) else -1


def _msg(body: Mapping[str, Any], prefix: str = "") -> str:
    message = body.get("msg")
    return f"{prefix}{clean(message, limit=120)}" if isinstance(message, str) and message else ""


def _status(body: Mapping[str, Any]) -> str:
    return f" (status_code {_code(body)}{_msg(body, ': ')})"


def _envelope(answer: Answer) -> dict[str, Any] | None:
    """The JSON envelope, also from an answer read as text (a download that failed)."""
    body = answer.body
    if isinstance(body, str) and "json" in answer.headers.get("content-type", "").lower():
        try:
            body = json.loads(body[:1_000_000])
        except (ValueError, RecursionError):
            return None
    return body if isinstance(body, dict) else None


def _asks_for_email(answer: Answer) -> bool:
    """status_code 400 `游客邮箱不能为空`: the header was not understood (an older build)."""
    body = _envelope(answer)
    return body is not None and _code(body) == 400 and body.get("msg") in GUEST_EMAIL_REQUIRED


def _guest_envelope(answer: Answer) -> dict[str, Any]:
    """A guest answer's envelope; BackendError for what concerns every order alike."""
    body = _envelope(answer)
    if body is None:
        _check(answer)
        raise BackendError(f"HTTP {answer.status}: malformed answer (not an envelope)")
    code = _code(body)
    if code == 400 and body.get("msg") in GUEST_EMAIL_REQUIRED:
        raise BackendError(
            "the shop did not accept the guest email and order password"
            f"{_status(body)}: check guest_email and guest_password_env"
        )
    if code == 400 and body.get("msg") in GUEST_PASSWORD_REQUIRED:
        raise BackendError(f"the order password is empty{_status(body)}")
    if code in (401, 403):
        raise BackendError(f"unauthorized{_status(body)}: check the profile's credentials")
    if answer.status >= 400 and code == 0:
        raise BackendError(status_text(answer.status))
    return body


def _check(answer: Answer) -> None:
    """The envelope must say success (`status_code` 0); the HTTP status counts only where
    there is no envelope (an error page of a proxy, or the 404 of an unknown path)."""
    body = answer.body
    if not isinstance(body, dict):
        if answer.status == 404:
            raise BackendError("HTTP 404 Not Found: no Dujiao-Next API at this base_url")
        if answer.status >= 400:  # an error page, say a firewall's: the status says it all
            raise BackendError(status_text(answer.status))
        raise BackendError(f"HTTP {answer.status}: malformed answer (not an envelope)")
    code = _code(body)
    if code == 403:
        raise BackendError(f"this admin account may not read orders{_status(body)}")
    if code != 0:
        raise BackendError(f"the shop refused{_status(body)}", retryable=code >= 500)
    if answer.status >= 400:
        raise BackendError(status_text(answer.status))


def _page_of(cursor: str | None) -> int:
    if cursor and cursor.startswith("page:") and cursor[5:].isdigit():
        return max(int(cursor[5:]), 1)
    return 1


def _stamp(when: datetime | None) -> str:
    return when.isoformat() if when is not None else ""


def _admin_cursor(cursor: str | None) -> tuple[int, datetime | None, datetime | None]:
    """(page, since, mark) from a cursor; anything unreadable starts from scratch."""
    parts = (cursor or "").split("|")
    try:
        if parts[0] == "full" and len(parts) == 3:
            return max(int(parts[1]), 1), None, _when(parts[2])
        if parts[0] == "since" and len(parts) == 2:
            since = _when(parts[1])
            return 1, since, since
        if parts[0] == "inc" and len(parts) == 4:
            return max(int(parts[1]), 1), _when(parts[2]), _when(parts[3])
    except ValueError:
        pass
    return 1, None, None


def _when(text: str) -> datetime | None:
    if not text:
        return None
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("no offset")
    return parsed


def _summary_key(summary: Mapping[str, Any]) -> tuple[str, ...]:
    """What a guest list summary shows of an order's progress (status, its children's)."""
    children = summary.get("children")
    kids = children[:LIST_LIMIT] if isinstance(children, list) else []
    statuses = [str(c.get("status"))[:64] for c in kids if isinstance(c, dict)]
    return (str(summary.get("status"))[:64], *statuses)


def _stale(known: _Detail, now: datetime) -> bool:
    """A partly refunded order may be refunded further without its status changing."""
    if known.order.raw_status != "partially_refunded":
        return False
    return (now - known.read_at).total_seconds() >= GUEST_REFRESH


def _fulfillments(data: object) -> list[tuple[str, dict[str, Any]]]:
    """(order number, fulfillment) of the parent and each child, in order."""
    found: list[tuple[str, dict[str, Any]]] = []
    if not isinstance(data, dict):
        return found
    children = data.get("children")
    kids = children[:LIST_LIMIT] if isinstance(children, list) else []
    for node in (data, *kids):
        if not isinstance(node, dict):
            continue
        number = node.get("order_no")
        fulfillment = node.get("fulfillment")
        if isinstance(fulfillment, dict):
            found.append((number if isinstance(number, str) else "", fulfillment))
    return found


# -- parsing -------------------------------------------------------------------------------------


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: object, default: int) -> int:
    """A count: a whole number from 0 to MAX_QUANTITY, else `default`."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_QUANTITY:
        return value
    return default


def _text(value: object) -> str:
    return bounded(value) if isinstance(value, str) else ""


def _time(data: Mapping[str, Any], key: str) -> datetime | None:
    """A time field; None when absent, empty or Go's zero time. BackendError when it is there
    but not a time, or an implausible one."""
    value = data.get(key)
    if value is None or value == "":
        return None
    parsed = _parse_time(value)
    if parsed is None:
        shown = clean(value, limit=40) if isinstance(value, str) else type(value).__name__
        raise BackendError(f"malformed answer: {key} is not a time: {shown}")
    if parsed.year == 1 and parsed.utcoffset() == timedelta(0):
        return None  # Go's time.Time{}: never set
    if not plausible_time(parsed):
        raise BackendError(f"malformed answer: {key} is out of range")
    return parsed


def _parse_time(value: object) -> datetime | None:
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 15:
            return _parse_time(int(text))
        if len(text) > 64 or not text.isascii():
            return None
        date, sep, rest = text.partition(" ") if "T" not in text else text.partition("T")
        text = date.replace("/", "-") + (sep and "T") + rest
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CHINA)
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        try:
            seconds = value / 1000 if abs(value) >= 10**11 else value  # milliseconds, by size
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _money(data: Mapping[str, Any], key: str) -> Decimal:
    value = data.get(key, "0")
    if value is None or value == "":
        return Decimal(0)
    amount: Decimal | None = None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value).strip()
        try:
            amount = Decimal(text) if len(text) <= 64 else None
        except InvalidOperation:
            amount = None
    if amount is None or not plausible_amount(amount):
        raise BackendError(f"malformed answer: {key} is not an amount")
    return amount


def _title(item: Mapping[str, Any]) -> str:
    title = item.get("title")
    if isinstance(title, str):
        return bounded(title)
    if isinstance(title, dict):
        for locale in ("zh-CN", "zh", "en"):
            if isinstance(title.get(locale), str):
                return bounded(title[locale])
        return bounded(next((v for v in title.values() if isinstance(v, str)), ""))
    return ""


def parse_order(data: object, full_payloads: Mapping[str, str] | None = None) -> Order:
    """A Dujiao-Next order object (guest detail, guest summary or admin list item) as a domain
    order. `full_payloads`: the downloaded payloads, by order number, of fulfillments the answer
    cut short. Unknown statuses stay as they came, and the order is flagged (abnormal)."""
    try:
        return _parse_order(data, full_payloads or {})
    except MalformedOrder:
        raise
    except BackendError as exc:  # parsing does no I/O: whatever went wrong is in this order
        raise MalformedOrder(str(exc)) from None


def _children(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    children = data.get("children")
    return (
        [c for c in children[:LIST_LIMIT] if isinstance(c, dict)]
        if isinstance(children, list)
        else []
    )


def _settled_status(raw: str, children: list[dict[str, Any]], delivered: bool) -> OrderStatus:
    """`partially_refunded`: what became of the part that was not refunded."""
    if raw != "partially_refunded":
        return STATUS_MAP.get(raw, OrderStatus.ABNORMAL)
    rest = {str(c.get("status")) for c in children} - {"refunded", "partially_refunded"}
    if delivered or rest & {"delivered", "completed"}:
        return OrderStatus.COMPLETED
    if rest & {"fulfilling", "partially_delivered"}:
        return OrderStatus.DELIVERING
    if rest & {"paid"}:
        return OrderStatus.PAID
    if rest and rest <= {"canceled"}:
        return OrderStatus.CANCELLED
    return OrderStatus.PAID


def _parse_order(data: object, full_payloads: Mapping[str, str]) -> Order:
    number = data.get("order_no") if isinstance(data, dict) else None
    if isinstance(number, int) and not isinstance(number, bool):
        number = str(number)
    if not isinstance(data, dict) or not isinstance(number, str) or not number:
        raise BackendError("malformed answer: no order object")
    raw_value = data.get("status")
    # A status of the wrong type is shown as it came (abnormal), like an unknown one.
    raw = _text(raw_value) if raw_value is None or isinstance(raw_value, str) else str(raw_value)
    raw = bounded(raw, 64)
    children = _children(data)
    listed = data.get("items")
    if not isinstance(listed, list) or not listed:  # FillOrderItemsFromChildren, done here
        listed = [i for c in children if isinstance(c.get("items"), list) for i in c["items"]]
    items = [i for i in listed[:LIST_LIMIT] if isinstance(i, dict)]
    titles = [_title(i) for i in items]
    name = titles[0] if titles else ""
    if len(titles) > 1:
        name = f"{name} +{len(titles) - 1}"
    quantity = sum(_int(i.get("quantity"), 1) for i in items) or 1
    created = _time(data, "created_at")
    if created is None:
        raise BackendError("malformed answer: an order without created_at")
    paid = _time(data, "paid_at")
    canceled = _time(data, "canceled_at")
    # Card codes and delivery: the parent's own fulfillment (older orders) and each child's.
    codes: list[str] = []
    delivered: datetime | None = None
    has_payload = False
    for owner, fulfillment in _fulfillments(data):
        when = _time(fulfillment, "delivered_at")
        if when is not None and (delivered is None or when > delivered):
            delivered = when
        payload = full_payloads.get(owner) if owner else None
        if payload is None:
            payload = fulfillment.get("payload")
        if isinstance(payload, str) and len(codes) < LIST_LIMIT:
            has_payload = has_payload or bool(payload.strip())
            lines = (bounded(line.strip()) for line in payload.splitlines() if line.strip())
            codes.extend(islice(lines, LIST_LIMIT - len(codes)))
    status = _settled_status(raw, children, delivered is not None or has_payload)
    amount = _money(data, "total_amount")
    refunded = _money(data, "refunded_amount") if data.get("refunded_amount") else Decimal(0)
    if refunded <= 0 and raw in ("partially_refunded", "refunded"):
        refunded = sum((_money(c, "refunded_amount") for c in children), Decimal(0))
    refund_at, reason = _refund_record(data)
    events = [(created, OrderStatus.PENDING_PAYMENT, "pending_payment")]
    if paid is not None:
        events.append((paid, OrderStatus.PAID, "paid"))
    if delivered is not None:
        step = OrderStatus.COMPLETED if status is OrderStatus.COMPLETED else OrderStatus.DELIVERING
        events.append((delivered, step, "delivered"))
    if canceled is not None:
        events.append((canceled, OrderStatus.CANCELLED, "canceled"))
    if refund_at is not None and refunded > 0:
        events.append((refund_at, status, raw))
    events.sort(key=lambda e: e[0])
    if events[-1][1] is not status:
        events.append((events[-1][0], status, raw))
    timeline = tuple(TimelineEvent(at, s, r) for at, s, r in events)
    updated = timeline[-1].at
    try:  # the admin list has the platform's own updated_at
        stamped = _time(data, "updated_at")
    except BackendError:
        stamped = None
    if stamped is not None and stamped > updated:
        updated = stamped
    # Member orders carry user_email (admin list), guest orders guest_email.
    account = _text(data.get("user_email")) or _text(data.get("guest_email"))
    return Order(
        order_no=bounded(number),
        product_name=name,
        product_type=guess_product_type(" ".join(titles)),
        merchant="",
        merchant_verified=False,
        quantity=quantity,
        amount=amount,
        currency=_text(data.get("currency")) or "CNY",
        account=account,
        status=status,
        raw_status=raw,
        label=None,
        created_at=created,
        updated_at=updated,
        paid_at=paid,
        delivered_at=delivered,
        pay_deadline=_time(data, "expires_at"),
        promised_by=None,
        card_codes=tuple(codes),
        refund=Refund(refunded, refund_at, reason) if refunded > 0 else None,
        timeline=timeline,
    )


def _refund_record(data: Mapping[str, Any]) -> tuple[datetime | None, str]:
    """The latest refund record (guest detail `refund_records`): when, and its remark."""
    records = data.get("refund_records")
    latest: tuple[datetime | None, str] = (None, "")
    if not isinstance(records, list):
        return latest
    for record in records[:LIST_LIMIT]:
        if not isinstance(record, dict):
            continue
        try:
            when = _time(record, "created_at")
        except BackendError:
            continue
        if when is not None and (latest[0] is None or when > latest[0]):
            latest = (when, _text(record.get("remark")))
    return latest


# -- registry ------------------------------------------------------------------------------------


def build(profile: Profile, environ: Mapping[str, str], clock: Clock) -> Backend:
    from kameng_tui.config import secret

    guest = profile.get("mode") == "guest"
    return DujiaoNextBackend(
        profile.name,
        profile.get("base_url"),
        mode=profile.get("mode"),
        watch=profile.get("orders", []),
        guest_email=profile.get("guest_email"),
        guest_password=secret(profile, "guest_password_env", environ) if guest else None,
        username=profile.get("username"),
        password=None if guest else secret(profile, "password_env", environ),
        settings=http_settings(profile),
        clock=clock,
    )


EXAMPLE = """\
# A Dujiao-Next shop as a buyer: every order of this email and order password
# (list order numbers under `orders` to follow only those).
# [profiles.next-guest]
# platform = "dujiao-next"
# base_url = "https://shop.example.com"
# mode = "guest"
# guest_email = "me@example.com"
# guest_password_env = "NEXT_ORDER_PASSWORD"
#
# A Dujiao-Next shop as its admin (an account without 2FA, login captcha off).
# [profiles.next-admin]
# platform = "dujiao-next"
# base_url = "https://shop.example.com"
# mode = "admin"
# username = "admin"
# password_env = "NEXT_ADMIN_PASSWORD"
"""

GUEST = ("mode", "guest")
ADMIN = ("mode", "admin")
SPEC = PlatformSpec(
    name="dujiao-next",
    summary=(
        "Dujiao-Next: a buyer's orders (all of them, or a watch list) with card codes, or every "
        "order as admin; read-only, no admin 2FA or login captcha, no member (user) login"
    ),
    keys=(
        Key("base_url", Kind.URL, required=True, help="the shop's address"),
        Key("mode", Kind.CHOICE, required=True, choices=("guest", "admin")),
        Key("guest_email", Kind.TEXT, required=True, when=GUEST, help="the email of the orders"),
        Key(
            "guest_password_env",
            Kind.ENV,
            required=True,
            when=GUEST,
            help="environment variable holding the order password",
        ),
        Key(
            "orders",
            Kind.ORDERS,
            when=GUEST,
            help="only these order numbers (parents, DJ...); all of them without it",
        ),
        Key("username", Kind.TEXT, required=True, when=ADMIN),
        Key(
            "password_env",
            Kind.ENV,
            required=True,
            when=ADMIN,
            help="environment variable holding the admin password",
        ),
    ),
    build=build,
    example=EXAMPLE,
    # A guest profile without `orders` follows every order of the buyer: nothing to add to.
    watch_list=lambda options: options.get("mode") == "guest" and bool(options.get("orders")),
    limits=(GUEST_READS, ADMIN_LOGINS),
)
