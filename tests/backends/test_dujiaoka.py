"""The dujiaoka adapter against local servers: both URL families, three page themes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kameng_tui.backends.base import BackendError
from kameng_tui.backends.dujiaoka import STATUS_MAP, DujiaokaBackend, parse_detail
from kameng_tui.backends.http import USER_AGENT, HttpSettings
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.status import Actor, LabelCode, OrderStatus, ProductType
from tests.backends.fake_dujiaoka import LABELS, THEMES, FakeDujiaoka, FakeOrder
from tests.servers import serve

FAST = HttpSettings(connect_timeout=2, read_timeout=2, retries=0, backoff=0.01, max_wait=0.05)
SN = "ABCDEFGH12345678"


def shop(**kw: object) -> FakeDujiaoka:
    fake = FakeDujiaoka(**kw)  # type: ignore[arg-type]
    fake.orders = {
        SN: FakeOrder(1),
        "DONE000000000001": FakeOrder(4, info="CARD-1 / 1111\nCARD-2 / 2222"),
        "STOCK00000000001": FakeOrder(6, info="库存可使用卡密不足，请联系管理员核查"),
        "FAIL000000000001": FakeOrder(
            5, product="中国移动 话费 50元", info="充值失败：运营商接口异常"
        ),
    }
    return fake


def test_every_status_label_is_mapped() -> None:
    assert set(STATUS_MAP) == set(LABELS.values())


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_detail_pages_of_every_theme(theme: str) -> None:
    html = THEMES[theme].format(
        product="腾讯Q币 100元", amount="98.00", label="已完成", info="A\nB", css="x"
    )
    detail = parse_detail(html)
    assert detail is not None
    assert (detail.label, detail.info, detail.amount) == ("已完成", "A\nB", Decimal("98.00"))
    assert detail.product == "腾讯Q币 100元"


@pytest.mark.parametrize("fork", [False, True])
async def test_watch_list_follows_orders_through_both_url_families(fork: bool) -> None:
    fake = shop(fork=fork, theme="luna")
    clock = ManualClock(FIXED_EPOCH)
    with serve(fake.app()) as url:
        backend = DujiaokaBackend(
            "faka", url, watch=[SN, "DONE000000000001", "STOCK00000000001",
                                "FAIL000000000001", "NOSUCHORDER00000"],
            clock=clock, settings=FAST,
        )  # fmt: skip
        result = await backend.fetch_changes(None)
        by_no = {o.order_no: o for o in result.orders}
        assert result.removed == ["NOSUCHORDER00000"]
        assert by_no[SN].status is OrderStatus.PENDING_PAYMENT and by_no[SN].raw_status == "待支付"
        done = by_no["DONE000000000001"]
        assert done.status is OrderStatus.COMPLETED
        assert done.card_codes == ("CARD-1 / 1111", "CARD-2 / 2222")
        assert done.amount == Decimal("98.00") and done.product_type is ProductType.GAME_CARD
        stock = by_no["STOCK00000000001"]
        assert stock.status is OrderStatus.ABNORMAL and stock.label is not None
        assert stock.label.code is LabelCode.OUT_OF_STOCK and stock.actor is Actor.SUPPORT
        failed = by_no["FAIL000000000001"]
        assert failed.label is not None and failed.label.code is LabelCode.CARRIER_ERROR
        assert failed.card_codes == ()  # error text is not a card code

        # Paid later: the timeline records when this client saw the change.
        fake.orders[SN].status = 3
        clock.advance(60)
        moved = await backend.get_order(SN)
        assert moved is not None and moved.status is OrderStatus.DELIVERING
        assert [e.raw_status for e in moved.timeline] == ["待支付", "处理中"]
        assert moved.updated_at == clock.now() and moved.created_at == FIXED_EPOCH
        fake.orders[SN].status = -1
        clock.advance(60)
        expired = await backend.get_order(SN)
        assert expired is not None and expired.status is OrderStatus.CANCELLED
        assert expired.raw_status == "已过期"
        await backend.aclose()
    wanted = "/order/status/" if fork else "/check-order-status/"
    assert any(path.startswith(wanted) for path in fake.requests)


async def test_a_page_without_any_label_is_an_error_not_a_guess() -> None:
    fake = shop()
    fake.theme = "unicorn"
    THEMES["broken"] = "<html><body>maintenance</body></html>"
    fake.theme = "broken"
    try:
        with serve(fake.app()) as url:
            backend = DujiaokaBackend(
                "f", url, watch=["DONE000000000001"], clock=ManualClock(FIXED_EPOCH), settings=FAST
            )
            with pytest.raises(BackendError, match="no status label"):
                await backend.fetch_changes(None)
            await backend.aclose()
    finally:
        del THEMES["broken"]


def test_a_browser_like_agent_is_sent() -> None:
    assert "MicroMessenger" not in USER_AGENT and "QQ/" not in USER_AGENT
    assert USER_AGENT.startswith("Mozilla/5.0")
