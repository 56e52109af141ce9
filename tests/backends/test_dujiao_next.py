"""The Dujiao-Next adapter against a local server with the documented shapes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from kameng_tui.backends.base import BackendError
from kameng_tui.backends.dujiao_next import STATUS_MAP, DujiaoNextBackend, guest_credential
from kameng_tui.backends.http import HttpSettings
from kameng_tui.domain.status import OrderStatus, ProductType
from tests.backends.fake_dujiao_next import (
    ADMIN,
    ADMIN_PASSWORD,
    EMAIL,
    ORDER_PASSWORD,
    FakeDujiaoNext,
    order,
)
from tests.servers import serve

FAST = HttpSettings(connect_timeout=2, read_timeout=2, retries=0, backoff=0.01, max_wait=0.05)


@pytest.fixture
def fake() -> Iterator[tuple[FakeDujiaoNext, str]]:
    shop = FakeDujiaoNext()
    shop.orders = {
        "DJ1": order("DJ1", "pending_payment"),
        "DJ2": order(
            "DJ2",
            "delivered",
            paid_at="2026-11-25T10:31:00+08:00",
            fulfillment={
                "type": "auto",
                "status": "delivered",
                "payload": "CARD-1 / 1111\nCARD-2 / 2222\n",
                "delivered_at": "2026-11-25T10:32:00+08:00",
            },
        ),
        "DJ3": order("DJ3", "on_hold_by_risk_control"),
        "DJ4": order(
            "DJ4",
            "partially_refunded",
            refunded_amount="49.00",
            paid_at="2026-11-25T10:31:00+08:00",
            items=[
                {"title": {"zh-CN": "中国移动 话费 50元"}, "quantity": 1},
                {"title": {"zh-CN": "中国联通 话费 50元"}, "quantity": 1},
            ],
        ),
    }
    with serve(shop.app()) as url:
        yield shop, url


def guest(url: str, watch: list[str], password: str = ORDER_PASSWORD) -> DujiaoNextBackend:
    return DujiaoNextBackend(
        "next", url, mode="guest", watch=watch, guest_email=f"  {EMAIL.upper()} ",
        guest_password=password, settings=FAST,
    )  # fmt: skip


def test_guest_credential_is_base64url_without_padding() -> None:
    assert guest_credential(" Me@Example.com ", " pw ") == "bWVAZXhhbXBsZS5jb20KcHc"


def test_every_documented_status_is_mapped() -> None:
    documented = {
        "pending_payment", "paid", "fulfilling", "partially_delivered", "delivered", "completed",
        "canceled", "partially_refunded", "refunded", "processing", "expired",
    }  # fmt: skip
    assert set(STATUS_MAP) == documented


async def test_guest_watch_list(fake: tuple[FakeDujiaoNext, str]) -> None:
    _, url = fake
    backend = guest(url, ["DJ1", "DJ2", "DJ3", "DJ4", "DJ-missing"])
    result = await backend.fetch_changes(None)
    by_no = {o.order_no: o for o in result.orders}
    assert set(by_no) == {"DJ1", "DJ2", "DJ3", "DJ4"} and result.removed == ["DJ-missing"]
    assert by_no["DJ1"].status is OrderStatus.PENDING_PAYMENT
    assert by_no["DJ1"].product_name == "腾讯Q币 100元"
    assert by_no["DJ1"].product_type is ProductType.GAME_CARD
    assert by_no["DJ1"].amount == Decimal("98.00") and by_no["DJ1"].pay_deadline is not None
    done = by_no["DJ2"]
    assert done.status is OrderStatus.COMPLETED and done.raw_status == "delivered"
    assert done.card_codes == ("CARD-1 / 1111", "CARD-2 / 2222")
    assert done.updated_at == done.delivered_at and [e.status for e in done.timeline] == [
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
        OrderStatus.COMPLETED,
    ]
    unknown = by_no["DJ3"]
    assert (
        unknown.status is OrderStatus.ABNORMAL and unknown.raw_status == "on_hold_by_risk_control"
    )
    partial = by_no["DJ4"]
    assert partial.status is OrderStatus.REFUNDED and partial.refund is not None
    assert partial.refund.amount == Decimal("49.00")
    assert partial.product_name == "中国移动 话费 50元 +1" and partial.quantity == 2
    assert partial.product_type is ProductType.PHONE_TOPUP
    await backend.aclose()


async def test_older_servers_get_query_parameters(fake: tuple[FakeDujiaoNext, str]) -> None:
    shop, url = fake
    shop.legacy = True
    backend = guest(url, ["DJ1"])
    assert (await backend.get_order("DJ1")) is not None
    assert (await backend.get_order("DJ2")) is not None  # remembered: no header attempt first
    assert len(shop.requests) == 3
    await backend.aclose()


async def test_wrong_guest_password_is_one_line(fake: tuple[FakeDujiaoNext, str]) -> None:
    _, url = fake
    backend = guest(url, ["DJ1"], password="nope")
    with pytest.raises(BackendError, match="unauthorized"):
        await backend.fetch_changes(None)
    await backend.aclose()


async def test_an_html_page_with_http_200_is_an_error(fake: tuple[FakeDujiaoNext, str]) -> None:
    shop, url = fake
    shop.html_page = True
    backend = guest(url, ["DJ1"])
    with pytest.raises(BackendError, match=r"not JSON \(text/html\)"):
        await backend.fetch_changes(None)
    await backend.aclose()


async def test_admin_lists_every_page_and_logs_in_again_when_the_token_expires(
    fake: tuple[FakeDujiaoNext, str],
) -> None:
    shop, url = fake
    for n in range(5, 250):
        shop.orders[f"DJ{n}"] = order(f"DJ{n}", "completed")
    backend = DujiaoNextBackend(
        "next", url, mode="admin", username=ADMIN, password=ADMIN_PASSWORD, settings=FAST
    )
    seen, cursor, pages = [], None, 0
    while True:
        result = await backend.fetch_changes(cursor)
        seen += result.orders
        pages += 1
        if pages == 2:
            shop.expire_tokens()  # mid-listing: the next page needs a new login
        if not result.more:
            break
        cursor = result.cursor
    assert pages == 3 and len(seen) == len({o.order_no for o in seen}) == 249
    assert shop.logins == 2
    assert result.total == 249
    await backend.aclose()


async def test_admin_login_refused(fake: tuple[FakeDujiaoNext, str]) -> None:
    _, url = fake
    backend = DujiaoNextBackend("n", url, mode="admin", username=ADMIN, password="x", settings=FAST)
    with pytest.raises(BackendError, match="admin login refused"):
        await backend.fetch_changes(None)
    await backend.aclose()
