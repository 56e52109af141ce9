"""The Dujiao-Next adapter against a local shop rebuilt from the platform's source
(tests/backends/fake_dujiao_next.py names the Go file behind each answer)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from kameng_tui.backends.base import BackendError, RateLimited, ReadProblem
from kameng_tui.backends.dujiao_next import (
    ADMIN_LOGINS,
    GUEST_READS,
    SPEC,
    STATUS_MAP,
    DujiaoNextBackend,
    guest_credential,
)
from kameng_tui.backends.http import HttpSettings
from kameng_tui.backends.registry import Kind
from kameng_tui.config import Profile
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus, ProductType
from tests.backends.fake_dujiao_next import (
    ADMIN,
    ADMIN_PASSWORD,
    EMAIL,
    ORDER_PASSWORD,
    FakeDujiaoNext,
    child,
    iso,
    item,
    parent,
)
from tests.servers import serve

FAST = HttpSettings(connect_timeout=2, read_timeout=2, retries=0, backoff=0.01, max_wait=0.05)
Shop = tuple[FakeDujiaoNext, str, ManualClock]


@pytest.fixture
def shop() -> Iterator[Shop]:
    clock = ManualClock(FIXED_EPOCH)
    fake = FakeDujiaoNext(clock=clock)
    codes = "\n".join(f"CARD-{i:03d}" for i in range(150))  # more than the 100-line preview
    fake.add(
        parent("DJ1", "pending_payment"),
        parent(
            "DJ2",
            "delivered",
            [
                child("delivered", payload="A-1\nA-2", delivered_at=iso(2)),
                child(
                    "delivered",
                    payload=codes,
                    delivered_at=iso(3),
                    items=[item("腾讯Q币 50元", 2, "49.00")],
                ),
            ],
            paid_at=iso(1),
        ),
        parent("DJ3", "on_hold_by_risk_control"),
        parent(
            "DJ4",
            "partially_refunded",
            [
                child("refunded", refunded="49.00", items=[item("中国移动 话费 50元")]),
                child("delivered", payload="TOPUP-OK", items=[item("中国联通 话费 50元")]),
            ],
            refunded="49.00",
            paid_at=iso(1),
        ),
    )
    with serve(fake.app()) as url:
        yield fake, url, clock


def guest(url: str, clock: ManualClock, watch: list[str] | None = None) -> DujiaoNextBackend:
    return DujiaoNextBackend(
        "next", url, mode="guest", watch=watch or [], guest_email=f"  {EMAIL.upper()} ",
        guest_password=f" {ORDER_PASSWORD} ", settings=FAST, clock=clock,
    )  # fmt: skip


def admin(url: str, clock: ManualClock, password: str = ADMIN_PASSWORD) -> DujiaoNextBackend:
    return DujiaoNextBackend(
        "next", url, mode="admin", username=ADMIN, password=password, settings=FAST, clock=clock
    )


def test_guest_credential_is_base64url_without_padding() -> None:
    assert guest_credential(" Me@Example.com ", " pw ") == "bWVAZXhhbXBsZS5jb20KcHc"


def test_every_status_of_the_platform_is_mapped() -> None:
    constants = {  # internal/constants/constants.go OrderStatus*
        "pending_payment", "paid", "fulfilling", "partially_delivered", "partially_refunded",
        "delivered", "completed", "canceled", "refunded",
    }  # fmt: skip
    assert set(STATUS_MAP) == constants
    assert STATUS_MAP["partially_refunded"] is not OrderStatus.REFUNDED


async def test_guest_watch_list_reads_children_and_one_bad_number_is_its_own_row(
    shop: Shop,
) -> None:
    fake, url, clock = shop
    backend = guest(url, clock, ["DJ1", "DJ2", "DJ3", "DJ4", "DJ404", "DJ2-01"])
    result = await backend.fetch_changes(None)
    await backend.aclose()
    by_no = {o.order_no: o for o in result.orders}
    assert set(by_no) == {"DJ1", "DJ2", "DJ3", "DJ4"}
    problems = {u.order_no: u for u in result.unreadable}
    assert set(problems) == {"DJ404", "DJ2-01"}  # the mistyped numbers only
    assert problems["DJ404"].problem is ReadProblem.NOT_FOUND
    assert problems["DJ2-01"].problem is ReadProblem.NOT_FOUND
    assert "watch its parent DJ2" in problems["DJ2-01"].detail
    assert by_no["DJ1"].status is OrderStatus.PENDING_PAYMENT and by_no["DJ1"].card_codes == ()
    assert by_no["DJ1"].product_type is ProductType.GAME_CARD
    assert by_no["DJ1"].account == EMAIL and by_no["DJ1"].pay_deadline is not None
    done = by_no["DJ2"]
    assert done.status is OrderStatus.COMPLETED and done.raw_status == "delivered"
    # both children's codes, the second one whole: 150 lines, read by the download route
    assert done.card_codes[:2] == ("A-1", "A-2") and len(done.card_codes) == 152
    assert done.card_codes[-1] == "CARD-149"
    assert any("/DJ2-02/fulfillment/download" in r for r in fake.requests)
    assert done.delivered_at is not None and done.delivered_at.isoformat() == iso(3)
    assert done.product_name == "腾讯Q币 100元 +1" and done.quantity == 3
    assert [e.status for e in done.timeline] == [
        OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.COMPLETED,
    ]  # fmt: skip
    unknown = by_no["DJ3"]
    assert (
        unknown.status is OrderStatus.ABNORMAL and unknown.raw_status == "on_hold_by_risk_control"
    )


async def test_a_partial_refund_is_not_a_refunded_order(shop: Shop) -> None:
    _, url, clock = shop
    backend = guest(url, clock, ["DJ4"])
    order = await backend.get_order("DJ4")
    await backend.aclose()
    assert order is not None
    assert order.status is OrderStatus.COMPLETED and order.raw_status == "partially_refunded"
    assert order.refund is not None and order.refund.amount == Decimal("49.00")
    assert order.amount == Decimal("98.00") and order.card_codes == ("TOPUP-OK",)
    assert order.product_type is ProductType.PHONE_TOPUP


async def test_the_download_is_read_once_per_delivery(shop: Shop) -> None:
    fake, url, clock = shop
    backend = guest(url, clock, ["DJ2"])
    for _ in range(3):
        order = await backend.get_order("DJ2")
        assert order is not None and len(order.card_codes) == 152
    await backend.aclose()
    assert sum("fulfillment/download" in r for r in fake.requests) == 1


async def test_business_errors_come_with_http_200(shop: Shop) -> None:
    _, url, _ = shop
    header = {"Authorization": f"Guest {guest_credential(EMAIL, ORDER_PASSWORD)}"}
    async with httpx.AsyncClient(base_url=url) as client:
        missing = await client.get("/api/v1/guest/orders/DJ404", headers=header)
        no_credentials = await client.get("/api/v1/guest/orders/DJ1")
        unknown_path = await client.get("/api/v1/guest/nothing/here/at/all")
    assert missing.status_code == 200 and missing.json()["status_code"] == 404
    assert missing.json()["msg"] == "未找到匹配的游客订单"
    assert no_credentials.status_code == 200
    assert no_credentials.json()["msg"] == "游客邮箱不能为空"
    assert unknown_path.status_code == 404 and unknown_path.text == "404 page not found"


async def test_a_wrong_base_url_is_one_line(shop: Shop) -> None:
    _, url, clock = shop
    backend = guest(f"{url}/api/shop", clock, ["DJ1"])
    with pytest.raises(BackendError, match="no Dujiao-Next API at this base_url"):
        await backend.fetch_changes(None)
    await backend.aclose()


async def test_older_builds_get_the_query_parameters(shop: Shop) -> None:
    fake, url, clock = shop
    fake.legacy = True
    backend = guest(url, clock, ["DJ1", "DJ2"])
    assert (await backend.get_order("DJ1")) is not None
    assert (await backend.get_order("DJ4")) is not None  # remembered: no header attempt first
    await backend.aclose()
    guest_reads = [r for r in fake.requests if "/guest/" in r]
    assert len(guest_reads) == 3
    assert "email=me%40example.com" in guest_reads[1] and "order_password=" in guest_reads[1]
    assert "email=" not in guest_reads[0]  # the header came first


async def test_a_wrong_order_password_is_said_per_order_by_the_platform(shop: Shop) -> None:
    _, url, clock = shop
    backend = DujiaoNextBackend(
        "n", url, mode="guest", watch=["DJ1"], guest_email=EMAIL, guest_password="nope",
        settings=FAST, clock=clock,
    )  # fmt: skip
    result = await backend.fetch_changes(None)
    await backend.aclose()
    # The platform looks orders up by number, email and password together: it can only say
    # "no matching guest order" (gormstore/order_store.go GetByOrderNoAndGuestScoped).
    [problem] = result.unreadable
    assert problem.problem is ReadProblem.NOT_FOUND and result.orders == []


async def test_an_html_page_with_http_200_is_an_error(shop: Shop) -> None:
    fake, url, clock = shop
    fake.html_page = True
    backend = guest(url, clock, ["DJ1"])
    with pytest.raises(BackendError, match=r"not JSON \(text/html\)"):
        await backend.fetch_changes(None)
    await backend.aclose()


async def test_a_429_stops_the_poll_and_waits_the_platforms_block(shop: Shop) -> None:
    fake, url, clock = shop
    for _ in range(121):  # someone else behind the same address spent the limit
        fake.guest_limit.check("127.0.0.1")
    backend = guest(url, clock, ["DJ1", "DJ2"])
    with pytest.raises(RateLimited) as caught:
        await backend.fetch_changes(None)
    assert caught.value.retry_after == 60  # no Retry-After: the platform's 60 s block
    asked = len(fake.requests)
    result = await backend.fetch_changes(None)  # the budget is held: nothing is sent
    assert len(fake.requests) == asked
    assert {u.problem for u in result.unreadable} == {ReadProblem.RATE_LIMITED}
    clock.advance(80)  # the block, then the budget refills from empty
    result = await backend.fetch_changes(None)
    assert {o.order_no for o in result.orders} == {"DJ1", "DJ2"}
    await backend.aclose()


async def test_forty_watched_orders_every_5_s_never_meet_the_limit(shop: Shop) -> None:
    fake, url, clock = shop
    numbers = [f"DJ{n:03d}" for n in range(40)]
    fake.add(*(parent(no, "paid", paid_at=iso(1)) for no in numbers))
    backend = guest(url, clock, numbers)
    read_at: dict[str, int] = {}
    for poll in range(72):  # six simulated minutes
        result = await backend.fetch_changes(None)
        for order in result.orders:
            read_at.setdefault(order.order_no, poll)
        assert {u.problem for u in result.unreadable} <= {ReadProblem.RATE_LIMITED}
        clock.advance(5)
    await backend.aclose()
    assert fake.guest_limit.refused == 0  # never a 429
    assert set(read_at) == set(numbers)  # every order read, the first ones at once
    assert max(read_at.values()) <= 6
    assert len(fake.requests) >= 72 * 5  # and it keeps polling at the budget's pace


async def test_guest_without_a_watch_list_lists_every_order_page_by_page(shop: Shop) -> None:
    fake, url, clock = shop
    fake.add(*(parent(f"DJ9{n:03d}", "completed", paid_at=iso(1)) for n in range(246)))
    fake.add(parent("DJ-other", "paid", guest_email="else@example.com"))
    backend = guest(url, clock)
    seen: set[str] = set()
    cursor: str | None = None
    pages = 0
    while True:
        result = await backend.fetch_changes(cursor)
        seen |= {o.order_no for o in result.orders} | {u.order_no for u in result.unreadable}
        pages += 1
        if not result.more:
            break
        cursor = result.cursor
    assert pages == 2 and result.total == 250 and len(seen) == 250
    assert "DJ-other" not in seen  # another buyer's order
    lists = [r for r in fake.requests if r.startswith("/api/v1/guest/orders?")]
    assert all("page_size=200" in r for r in lists)
    assert fake.guest_limit.refused == 0
    await backend.aclose()


async def test_guest_list_mode_reads_details_of_new_and_changed_orders_only(shop: Shop) -> None:
    fake, url, clock = shop
    backend = guest(url, clock)
    first = await backend.fetch_changes(None)
    assert result_codes(first, "DJ2") == 152  # details (and the download) for new orders
    details = len(fake.requests)
    clock.advance(5)
    idle = await backend.fetch_changes(None)
    assert len(fake.requests) == details + 1  # only the list: nothing changed
    assert result_codes(idle, "DJ2") == 152  # what was read stays
    fake.orders["DJ1"].update(status="paid", paid_at=iso(4))
    fake.orders["DJ1"]["children"][0]["status"] = "paid"
    clock.advance(5)
    changed = await backend.fetch_changes(None)
    assert len(fake.requests) == details + 3  # the list and the one changed order
    paid = next(o for o in changed.orders if o.order_no == "DJ1")
    assert paid.status is OrderStatus.PAID and paid.paid_at is not None  # from the detail
    await backend.aclose()


def result_codes(result: object, number: str) -> int:
    orders = getattr(result, "orders", [])
    return len(next(o for o in orders if o.order_no == number).card_codes)


# -- admin ---------------------------------------------------------------------------------------


async def full_sync(
    backend: DujiaoNextBackend, cursor: str | None = None
) -> tuple[list[Order], str]:
    seen: list[Order] = []
    while True:
        result = await backend.fetch_changes(cursor)
        seen += result.orders
        cursor = result.cursor
        if not result.more:
            assert cursor is not None
            return seen, cursor


async def test_admin_reads_newest_updated_first_and_then_only_what_changed(shop: Shop) -> None:
    fake, url, clock = shop
    for n in range(5, 450):
        fake.add(parent(f"DJ{n}", "completed", created_at=iso(n), updated_at=iso(n)))
    backend = admin(url, clock)
    orders, cursor = await full_sync(backend)
    assert len({o.order_no for o in orders}) == 449
    lists = [r for r in fake.requests if r.startswith("/api/v1/admin/orders?")]
    assert len(lists) == 3  # 449 orders, 200 a page
    assert all("sort_by=updated_at" in r and "sort_order=desc" in r for r in lists)
    assert all("page_size=200" in r for r in lists)
    # An idle poll: one page, and nothing older than the last poll comes back.
    idle, cursor = await full_sync(backend, cursor)
    assert len(fake.requests) == len(lists) + 2  # login + 3 pages, then one page
    assert [o.order_no for o in idle] == ["DJ449"]  # the newest one, at the mark itself
    # Two orders change, one of them far down the list: the next poll reads them from page 1.
    fake.touch("DJ7", 1000, status="refunded", refunded_amount="98.00")
    fake.touch("DJ300", 1001)
    changed, cursor = await full_sync(backend, cursor)
    # (an order updated exactly at the last mark comes again: same-instant updates are kept)
    assert [o.order_no for o in changed][:2] == ["DJ300", "DJ7"]
    assert {o.order_no for o in changed[2:]} <= {"DJ449"}
    assert changed[1].status is OrderStatus.REFUNDED
    assert changed[1].updated_at.isoformat() == iso(1000)
    await backend.aclose()


async def test_admin_incremental_poll_goes_on_while_whole_pages_changed(shop: Shop) -> None:
    fake, url, clock = shop
    for n in range(5, 450):
        fake.add(parent(f"DJ{n}", "completed", created_at=iso(n), updated_at=iso(n)))
    backend = admin(url, clock)
    _, cursor = await full_sync(backend)
    for n in range(5, 305):  # 300 orders change: more than a page
        fake.touch(f"DJ{n}", 2000 + n)
    changed, _ = await full_sync(backend, cursor)
    assert {o.order_no for o in changed} - {"DJ449"} == {f"DJ{n}" for n in range(5, 305)}
    await backend.aclose()


async def test_admin_logs_in_again_once_when_the_token_expires(shop: Shop) -> None:
    fake, url, clock = shop
    backend = admin(url, clock)
    await backend.fetch_changes(None)
    fake.expire_tokens()  # 无效的 token, status_code 401 with HTTP 200
    clock.advance(30)
    result = await backend.fetch_changes(None)
    assert len(result.orders) == 4 and fake.logins == 2
    await backend.aclose()


async def test_admin_logins_keep_to_the_platforms_login_limit(shop: Shop) -> None:
    fake, url, clock = shop
    backend = admin(url, clock)
    waits = 0
    for _ in range(60):  # a token that keeps expiring, polled every 5 s for five minutes
        fake.expire_tokens()
        try:
            await backend.fetch_changes(None)
        except RateLimited as exc:
            assert "admin login waits its turn" in str(exc) and exc.retry_after
            waits += 1
        clock.advance(5)
    await backend.aclose()
    assert fake.login_limit.refused == 0 and fake.logins <= 5 and waits > 0


async def test_admin_2fa_is_named_not_malformed(shop: Shop) -> None:
    fake, url, clock = shop
    fake.totp = True
    backend = admin(url, clock)
    with pytest.raises(BackendError, match=r"^admin login needs a 2FA code: not supported"):
        await backend.fetch_changes(None)
    await backend.aclose()


async def test_admin_captcha_is_named_not_a_wrong_password(shop: Shop) -> None:
    fake, url, clock = shop
    fake.captcha = True
    backend = admin(url, clock)
    with pytest.raises(BackendError, match=r"^admin login needs a captcha: .*请先完成验证码"):
        await backend.fetch_changes(None)
    await backend.aclose()


async def test_a_refused_login_is_not_tried_again_every_poll(shop: Shop) -> None:
    fake, url, clock = shop
    backend = admin(url, clock, password="wrong")
    message = "admin login refused: check username and password"
    with pytest.raises(BackendError, match=message) as first:
        await backend.fetch_changes(None)
    assert "用户名或密码错误" in str(first.value) and "not retried for 15 min" in str(first.value)
    asked = len(fake.requests)
    for _ in range(10):
        clock.advance(60)
        with pytest.raises(BackendError) as again:
            await backend.fetch_changes(None)
        assert str(again.value) == str(first.value) and again.value.retry_after
    assert len(fake.requests) == asked  # nothing sent while it waits
    clock.advance(300)  # 16 minutes after the refusal: one more try
    with pytest.raises(BackendError, match=message):
        await backend.fetch_changes(None)
    assert len(fake.requests) == asked + 1
    await backend.aclose()
    reopened = admin(url, clock, password="wrong")  # a profile opened again tries at once
    with pytest.raises(BackendError, match=message):
        await reopened.fetch_changes(None)
    assert len(fake.requests) == asked + 2
    await reopened.aclose()


async def test_admin_show_goes_through_the_list_filter(shop: Shop) -> None:
    fake, url, clock = shop
    backend = admin(url, clock)
    order = await backend.get_order("DJ2")
    assert order is not None and order.order_no == "DJ2" and len(order.card_codes) == 152
    assert any("order_no=DJ2" in r for r in fake.requests)
    assert not any(r.startswith("/api/v1/admin/orders/") for r in fake.requests)
    assert await backend.get_order("DJ2-01") is None  # the list holds parents only
    assert await backend.get_order("DJ404") is None
    await backend.aclose()


async def test_member_orders_show_the_users_email(shop: Shop) -> None:
    fake, url, clock = shop
    fake.add(parent("DJ8", "paid", user_email="member@example.com"))
    backend = admin(url, clock)
    orders = {o.order_no: o for o in (await backend.fetch_changes(None)).orders}
    assert orders["DJ8"].account == "member@example.com"
    assert orders["DJ1"].account == EMAIL
    await backend.aclose()


# -- registry ------------------------------------------------------------------------------------


def test_the_spec_declares_keys_limits_and_builds_a_backend() -> None:
    assert SPEC.name == "dujiao-next" and "2FA" in SPEC.summary
    keys = {k.name: k for k in SPEC.keys}
    assert keys["mode"].kind is Kind.CHOICE and keys["mode"].choices == ("guest", "admin")
    assert keys["orders"].kind is Kind.ORDERS and not keys["orders"].required
    assert keys["guest_password_env"].when == ("mode", "guest")
    assert keys["password_env"].when == ("mode", "admin") and keys["password_env"].required
    assert SPEC.limits == (GUEST_READS, ADMIN_LOGINS)
    assert (GUEST_READS.requests, GUEST_READS.window, GUEST_READS.blocked_for) == (120, 60, 60)
    assert (ADMIN_LOGINS.requests, ADMIN_LOGINS.window, ADMIN_LOGINS.blocked_for) == (5, 300, 900)
    assert SPEC.watch_list({"mode": "guest", "orders": ["DJ1"]}) and not SPEC.watch_list(
        {"mode": "admin"}
    )
    assert not SPEC.watch_list({"mode": "guest"})  # every order of the buyer: nothing to add
    profile = Profile("p", "dujiao-next", {
        "base_url": "http://shop.test", "mode": "guest", "guest_email": EMAIL,
        "guest_password_env": "P",
    })  # fmt: skip
    clock = ManualClock(FIXED_EPOCH)
    backend = SPEC.build(profile, {"P": ORDER_PASSWORD}, clock)
    assert isinstance(backend, DujiaoNextBackend) and backend.clock is clock
    assert backend.http.settings.rate_limit_wait == 60
    assert 'platform = "dujiao-next"' in SPEC.example
