"""Dujiao-Next (dujiao-next/dujiao-next): JSON under /api/v1, guest or admin access.

- guest: the orders on the profile's watch list, each by `GET /api/v1/guest/orders/{no}` with
  `Authorization: Guest <base64url(lower(trim(email)) + "\\n" + trim(password))>`; servers too
  old for the header get the email and password as query parameters instead.
- admin: log in (`POST /api/v1/admin/login`), then list every order page by page with the
  bearer token; one new login when the token expires (401), without disturbing the screen.

Envelope: `{"status_code": 0, "msg": ..., "data": ..., "pagination": {...}}`; an error has a
non-zero `status_code` (checked together with the HTTP status).

Every field is untrusted: a wrong type falls back to a neutral value (no name, amount 0) where
one exists, and is otherwise a one-line `BackendError`. Times are RFC 3339; epoch seconds or
milliseconds and "2026-11-25 10:30[:00]" (slashes too) are read as well, a time without an
offset as China time (the shops' own zone), and Go's zero time as unset.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any
from urllib.parse import quote

from kameng_tui.api.wire import MAX_QUANTITY, plausible_amount, plausible_time
from kameng_tui.backends.base import (
    Backend,
    BackendError,
    MalformedOrder,
    SyncResult,
    raise_if_all_malformed,
)
from kameng_tui.backends.http import Answer, HttpSettings, JsonHttp, status_text
from kameng_tui.domain.order import Order, Refund, TimelineEvent
from kameng_tui.domain.products import guess_product_type
from kameng_tui.domain.status import OrderStatus
from kameng_tui.domain.text import LIST_LIMIT, bounded, clean

API = "/api/v1"
PAGE_SIZE = 100  # the most the API allows

# Every status in internal/constants/constants.go, and the two the admin guide adds.
STATUS_MAP: dict[str, OrderStatus] = {
    "pending_payment": OrderStatus.PENDING_PAYMENT,
    "paid": OrderStatus.PAID,
    "processing": OrderStatus.DELIVERING,
    "fulfilling": OrderStatus.DELIVERING,
    "partially_delivered": OrderStatus.DELIVERING,
    "delivered": OrderStatus.COMPLETED,
    "completed": OrderStatus.COMPLETED,
    "canceled": OrderStatus.CANCELLED,
    "expired": OrderStatus.CANCELLED,
    "partially_refunded": OrderStatus.REFUNDED,
    "refunded": OrderStatus.REFUNDED,
}
NOT_FOUND = "error.guest_order_not_found"
SHOP_TZ = timezone(timedelta(hours=8), "CST")  # for times sent without an offset


def guest_credential(email: str, password: str) -> str:
    raw = f"{email.strip().lower()}\n{password.strip()}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


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
    ) -> None:
        self.profile = profile
        self.mode = mode
        self.watch = list(dict.fromkeys(watch))
        self.http = http or JsonHttp(base_url.rstrip("/"), settings)
        self._email = guest_email or ""
        self._guest_password = guest_password or ""
        self._username = username or ""
        self._password = password or ""  # memory only: never logged, printed or written
        self._token: str | None = None
        self._query_auth = False  # an older server: guest credentials as query parameters

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- sync ---------------------------------------------------------------------------------

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        if self.mode == "admin":
            return await self._admin_page(cursor)
        return await self.fetch_watched(self.watch)

    async def get_order(self, order_no: str) -> Order | None:
        if self.mode == "admin":
            path = f"{API}/admin/orders/{quote(order_no, safe='')}"
            body = await self._admin("GET", path, missing_ok=True)
            return None if body is None else parse_order(body.get("data"))
        answer = await self._guest_get(order_no)
        body = answer.body
        if _is_not_found(answer):
            return None
        _check(answer)
        assert isinstance(body, dict)
        return parse_order(body.get("data"))

    async def _guest_get(self, order_no: str) -> Answer:
        path = f"{API}/guest/orders/{quote(order_no, safe='')}"
        by_query = {
            "email": self._email.strip().lower(),
            "order_password": self._guest_password.strip(),
        }
        if self._query_auth:
            return await self.http.request("GET", path, params=by_query)
        credential = guest_credential(self._email, self._guest_password)
        answer = await self.http.request(
            "GET", path, headers={"Authorization": f"Guest {credential}"}
        )
        if answer.status not in (400, 401) or _is_not_found(answer):
            return answer
        # Older builds know only query parameters: try them, and keep them if they work.
        fallback = await self.http.request("GET", path, params=by_query)
        if fallback.status == 200 and isinstance(fallback.body, dict) and _code(fallback.body) == 0:
            self._query_auth = True
            return fallback
        return answer

    async def _admin_page(self, cursor: str | None) -> SyncResult:
        # A cursor here is the next page of the current listing; a new poll starts over.
        page = int(cursor) if cursor and cursor.isdigit() else 1
        params = {"page": str(page), "page_size": str(PAGE_SIZE)}
        body = await self._admin("GET", f"{API}/admin/orders", params=params)
        assert body is not None
        items = body.get("data")
        if not isinstance(items, list):
            raise BackendError("malformed answer: no order list")
        orders, skipped = [], []
        for item in items:
            try:
                orders.append(parse_order(item))
            except MalformedOrder as exc:
                skipped.append(str(exc))
        raise_if_all_malformed(len(orders), skipped)
        pagination = _dict(body.get("pagination"))
        total_pages = _int(pagination.get("total_page"), page)
        total = _int(pagination.get("total"), len(orders))
        more = page < total_pages and bool(items)
        next_page = str(page + 1) if more else None
        return SyncResult(orders, next_page, total, more=more, skipped=skipped)

    # -- admin session ------------------------------------------------------------------------

    async def _login(self) -> None:
        answer = await self.http.request(
            "POST",
            f"{API}/admin/login",
            json_body={"username": self._username, "password": self._password},
        )
        if answer.status == 401 or (isinstance(answer.body, dict) and _code(answer.body)):
            raise BackendError("admin login refused: check the username and password")
        _check(answer)
        data = answer.body.get("data") if isinstance(answer.body, dict) else None
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            if isinstance(data, dict) and any("2fa" in str(k).lower() for k in data):
                raise BackendError("admin login asks for a 2FA code: not supported yet")
            raise BackendError("malformed answer: login gave no token")
        self._token = token

    async def _admin(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        missing_ok: bool = False,
    ) -> dict[str, Any] | None:
        for attempt in range(2):
            if self._token is None:
                await self._login()
            headers = {"Authorization": f"Bearer {self._token}"}
            answer = await self.http.request(method, path, params=params, headers=headers)
            if answer.status == 401 and attempt == 0:
                self._token = None  # expired: log in once more, quietly
                continue
            if missing_ok and answer.status == 404:
                return None
            _check(answer)
            assert isinstance(answer.body, dict)
            return answer.body
        raise BackendError("unauthorized even after logging in again")


# -- parsing -----------------------------------------------------------------------------------


def _code(body: Mapping[str, Any]) -> int:
    code = body.get("status_code", 0)
    return code if isinstance(code, int) else -1


def _is_not_found(answer: Answer) -> bool:
    body = answer.body
    return isinstance(body, dict) and (
        body.get("msg") == NOT_FOUND or (answer.status == 404 and _code(body) != 0)
    )


def _check(answer: Answer) -> None:
    """Both the HTTP status and the envelope's `status_code` must say success."""
    body = answer.body
    if answer.status == 401:
        raise BackendError("unauthorized: check the profile's credentials")
    if not isinstance(body, dict):
        if answer.status >= 400:  # an error page, say a firewall's: the status says it all
            raise BackendError(status_text(answer.status))
        raise BackendError(f"HTTP {answer.status}: malformed answer (not an envelope)")
    if answer.status >= 400 or _code(body) != 0:
        message = body.get("msg")
        detail = f": {clean(message, limit=120)}" if isinstance(message, str) else ""
        raise BackendError(f"HTTP {answer.status}, status_code {_code(body)}{detail}")


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
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SHOP_TZ)
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


def parse_order(data: object) -> Order:
    """A Dujiao-Next order object as a domain order. Unknown statuses stay as they came, and
    the order is flagged (abnormal) so a person looks at it."""
    try:
        return _parse_order(data)
    except MalformedOrder:
        raise
    except BackendError as exc:  # parsing does no I/O: whatever went wrong is in this order
        raise MalformedOrder(str(exc)) from None


def _parse_order(data: object) -> Order:
    number = data.get("order_no") if isinstance(data, dict) else None
    if isinstance(number, int) and not isinstance(number, bool):
        number = str(number)
    if not isinstance(data, dict) or not isinstance(number, str) or not number:
        raise BackendError("malformed answer: no order object")
    raw_value = data.get("status")
    # A status of the wrong type is shown as it came (abnormal), like an unknown one.
    raw = _text(raw_value) if raw_value is None or isinstance(raw_value, str) else str(raw_value)
    raw = bounded(raw, 64)
    status = STATUS_MAP.get(raw, OrderStatus.ABNORMAL)
    listed = data.get("items")
    listed = listed[:LIST_LIMIT] if isinstance(listed, list) else []
    items = [i for i in listed if isinstance(i, dict)]
    titles = [_title(i) for i in items]
    name = titles[0] if titles else ""
    if len(titles) > 1:
        name = f"{name} +{len(titles) - 1}"
    quantity = sum(_int(i.get("quantity"), 1) for i in items) or 1
    fulfillment = _dict(data.get("fulfillment"))
    created = _time(data, "created_at")
    if created is None:
        raise BackendError("malformed answer: an order without created_at")
    paid = _time(data, "paid_at")
    canceled = _time(data, "canceled_at")
    delivered = _time(fulfillment, "delivered_at")
    amount = _money(data, "total_amount")
    refunded = _money(data, "refunded_amount") if data.get("refunded_amount") else Decimal(0)
    payload = fulfillment.get("payload")
    lines = payload.splitlines() if isinstance(payload, str) else []
    codes = tuple(islice((bounded(line.strip()) for line in lines if line.strip()), LIST_LIMIT))
    # The API has no updated_at: the latest moment it reports stands in for it.
    events = [(created, OrderStatus.PENDING_PAYMENT, "pending_payment")]
    if paid is not None:
        events.append((paid, OrderStatus.PAID, "paid"))
    if delivered is not None:
        events.append((delivered, OrderStatus.COMPLETED, "delivered"))
    if canceled is not None:
        events.append((canceled, OrderStatus.CANCELLED, "canceled"))
    events.sort(key=lambda e: e[0])
    if events[-1][1] is not status:
        events.append((events[-1][0], status, raw))
    timeline = tuple(TimelineEvent(at, s, r) for at, s, r in events)
    return Order(
        order_no=bounded(number),
        product_name=name,
        product_type=guess_product_type(" ".join(titles)),
        merchant="",
        merchant_verified=False,
        quantity=quantity,
        amount=amount,
        currency=_text(data.get("currency")) or "CNY",
        account=_text(data.get("guest_email")),
        status=status,
        raw_status=raw,
        label=None,
        created_at=created,
        updated_at=timeline[-1].at,
        paid_at=paid,
        delivered_at=delivered,
        pay_deadline=_time(data, "expires_at"),
        promised_by=None,
        card_codes=codes if status is OrderStatus.COMPLETED or delivered else (),
        refund=Refund(refunded, None, "") if refunded > 0 else None,
        timeline=timeline,
    )
