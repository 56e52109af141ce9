"""The dujiaoka adapter against a local shop rebuilt from the platform's source: every theme,
language and status, both URL families, the fork's items and challenge."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from decimal import Decimal

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from kameng_tui.backends import dujiaoka
from kameng_tui.backends.base import BackendError, OrderProblem
from kameng_tui.backends.dujiaoka import SPEC, DujiaokaBackend, parse_detail
from kameng_tui.backends.fields import CHINA
from kameng_tui.backends.http import USER_AGENT, HttpSettings
from kameng_tui.backends.registry import Kind
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.status import LabelCode, OrderStatus, ReadProblem
from tests.backends.fake_dujiaoka import (
    FORK_THEMES,
    LANGS,
    MANUAL_PROCESSING,
    STATUSES,
    THEMES,
    FakeDujiaoka,
    FakeItem,
    FakeOrder,
    render_order,
)
from tests.servers import serve

FAST = HttpSettings(connect_timeout=2, read_timeout=2, retries=0, backoff=0.01, max_wait=0.05)
SN = "ABCDEFGH12345678"
CREATED = datetime(2026, 3, 1, 12, 30, 45, tzinfo=CHINA)
EXPECTED = {
    1: OrderStatus.PENDING_PAYMENT,
    2: OrderStatus.PAID,
    3: OrderStatus.DELIVERING,
    4: OrderStatus.COMPLETED,
    5: OrderStatus.FAILED,
    6: OrderStatus.ABNORMAL,
    -1: OrderStatus.CANCELLED,
}
SHOPS = [(t, lang) for t in THEMES for lang in LANGS] + [
    (t, lang) for t in FORK_THEMES for lang in LANGS
]


def backend(url: str, watch: list[str], clock: ManualClock | None = None) -> DujiaokaBackend:
    return DujiaokaBackend(
        "faka", url, watch=watch, clock=clock or ManualClock(FIXED_EPOCH), settings=FAST
    )


def an_order(status: int) -> FakeOrder:
    return FakeOrder(
        status,
        goods="腾讯Q币 100元",
        buy_amount=2,
        actual_price="196.00",
        info="CARD-1 / 1111\nCARD-2 / 2222" if status == 4 else "",
        email="me@example.com",
        pay_name="支付宝",
    )


@pytest.mark.parametrize(("theme", "lang"), SHOPS)
async def test_every_theme_language_and_status(theme: str, lang: str) -> None:
    fork = theme in FORK_THEMES
    fake = FakeDujiaoka(fork=fork, theme=theme, lang=lang)
    fake.orders = {f"S{status + 1:015d}": an_order(status) for status in STATUSES}
    with serve(fake.app()) as url:
        client = backend(url, list(fake.orders))
        result = await client.fetch_changes(None)
        await client.aclose()
    by_no = {o.order_no: o for o in result.orders}
    for status in STATUSES:
        sn = f"S{status + 1:015d}"
        if theme == "hyper" and status == 6:
            assert sn in by_no  # hyper prints no status for 6: inferred, never dropped
            label = by_no[sn].label
            assert label is not None and "inferred" in label.text
        order = by_no[sn]
        assert order.status is EXPECTED[status], (sn, order.raw_status)
        assert order.amount == Decimal("196.00")
        assert order.product_name == "腾讯Q币 100元"
        assert order.quantity == 2
        assert order.created_at == CREATED
        assert order.account == "me@example.com"
        assert order.card_codes == (("CARD-1 / 1111", "CARD-2 / 2222") if status == 4 else ())
        assert "支付宝" in order.timeline[0].note
    assert result.unreadable == []


async def test_unknown_number_is_a_not_found_row_only() -> None:
    fake = FakeDujiaoka(theme="hyper", lang="zh_TW")
    fake.orders = {SN: an_order(4)}
    with serve(fake.app()) as url:
        client = backend(url, [SN, "NOSUCHORDER00000"])
        result = await client.fetch_changes(None)
        await client.aclose()
    assert [o.order_no for o in result.orders] == [SN]
    [gone] = result.unreadable
    assert (gone.order_no, gone.problem) == ("NOSUCHORDER00000", ReadProblem.NOT_FOUND)


@pytest.mark.parametrize(("theme", "lang"), SHOPS)
async def test_a_failure_text_saying_not_exist_is_failed_not_removed(theme: str, lang: str) -> None:
    fake = FakeDujiaoka(fork=theme in FORK_THEMES, theme=theme, lang=lang)
    fake.orders = {
        SN: FakeOrder(5, info="充值账号不存在，请核对后重新下单", type=MANUAL_PROCESSING)
    }
    with serve(fake.app()) as url:
        client = backend(url, [SN])
        result = await client.fetch_changes(None)
        await client.aclose()
    [order] = result.orders
    assert order.status is OrderStatus.FAILED and result.unreadable == []
    assert order.label is not None and order.label.code is LabelCode.ACCOUNT_INVALID
    assert order.card_codes == ()


async def test_hyper_status_6_stays_and_says_it_was_inferred() -> None:
    fake = FakeDujiaoka(theme="hyper")
    fake.orders = {SN: FakeOrder(6, info="库存可使用卡密不足，请联系管理员核查")}
    with serve(fake.app()) as url:
        client = backend(url, [SN])
        [order] = (await client.fetch_changes(None)).orders
        await client.aclose()
    assert order.status is OrderStatus.ABNORMAL and order.raw_status == "(blank)"
    assert "inferred" in order.timeline[0].note
    assert order.label is not None and order.label.code is LabelCode.OUT_OF_STOCK


def test_a_blank_status_without_a_paid_check_is_unreadable() -> None:
    client = DujiaokaBackend("f", "http://x", watch=[], clock=ManualClock(FIXED_EPOCH))
    detail = parse_detail(render_order("hyper", "zh_CN", FakeOrder(6), SN))
    assert detail is not None and detail.label == ""
    with pytest.raises(OrderProblem) as caught:
        client._order(SN, detail, dujiaoka.CODE_WAITING)
    assert caught.value.problem is ReadProblem.UNREADABLE


async def test_fork_multi_item_order_keeps_every_code_and_manual_text_is_not_codes() -> None:
    fake = FakeDujiaoka(fork=True)
    items = [
        FakeItem("Steam 50", 2, "50.00", "S-1\nS-2"),
        FakeItem("Netflix 月卡", 1, "30.00", "N-1"),
        FakeItem("代充 王者荣耀", 1, "20.00", "充值账号:12345\n区服:微信", type=MANUAL_PROCESSING),
    ]
    fake.orders = {SN: FakeOrder(4, actual_price="150.00", items=items)}
    with serve(fake.app()) as url:
        client = backend(url, [SN])
        [order] = (await client.fetch_changes(None)).orders
        await client.aclose()
    assert order.card_codes == ("S-1", "S-2", "N-1")
    assert order.quantity == 4 and order.amount == Decimal("150.00")
    assert order.product_name == "Steam 50 + Netflix 月卡 + 代充 王者荣耀"
    assert order.label is not None and "充值账号:12345" in order.label.text


@pytest.mark.parametrize("theme", THEMES)
async def test_manual_order_text_is_kept_as_text_not_codes(theme: str) -> None:
    fake = FakeDujiaoka(theme=theme)
    info = "充值账号:13800000000\n备注:尽快\n已充值完成"
    fake.orders = {SN: FakeOrder(4, info=info, type=MANUAL_PROCESSING)}
    with serve(fake.app()) as url:
        client = backend(url, [SN])
        [order] = (await client.fetch_changes(None)).orders
        await client.aclose()
    assert order.card_codes == ()
    assert order.label is not None and "充值账号:13800000000" in order.label.text


async def test_the_fork_challenge_is_solved_once_per_session() -> None:
    fake = FakeDujiaoka(fork=True, challenge=True)
    fake.orders = {SN: an_order(4), "OTHER00000000001": an_order(2)}
    with serve(fake.app()) as url:
        client = backend(url, list(fake.orders))
        result = await client.fetch_changes(None)
        await client.aclose()
    assert {o.order_no for o in result.orders} == set(fake.orders)
    assert fake.solved >= 1 and len(fake.sessions) == 1  # one session, kept by its cookie


def test_solving_the_challenge_is_quick() -> None:
    started = time.perf_counter()
    for code in ("0000", "ffff", "1a2b"):
        answer = dujiaoka.solve_challenge(code)
        assert answer is not None
        assert hashlib.sha1(str(answer).encode()).hexdigest().endswith(code)
    assert time.perf_counter() - started < 5


async def test_the_wechat_interstitial_is_one_clear_line() -> None:
    fake = FakeDujiaoka()
    fake.orders = {SN: an_order(4)}
    with serve(fake.app()) as url:
        client = backend(url, [SN])
        client.http.client.headers["User-Agent"] = "Mozilla/5.0 MicroMessenger/8.0"
        with pytest.raises(BackendError, match="open this in a browser"):
            await client.fetch_changes(None)
        await client.aclose()


async def test_creation_time_is_the_page_s_not_the_poll_s() -> None:
    fake = FakeDujiaoka(theme="luna", lang="zh_TW")
    fake.orders = {SN: FakeOrder(1, created_at="2025-12-31 23:59:59")}
    clock = ManualClock(FIXED_EPOCH)
    with serve(fake.app()) as url:
        client = backend(url, [SN], clock)
        [order] = (await client.fetch_changes(None)).orders
        fake.orders[SN].status = 3
        clock.advance(60)
        moved = await client.get_order(SN)
        await client.aclose()
    assert order.created_at == datetime(2025, 12, 31, 23, 59, 59, tzinfo=CHINA)
    assert moved is not None and moved.status is OrderStatus.DELIVERING
    assert [e.raw_status for e in moved.timeline] == ["待支付", "處理中"]
    assert moved.paid_at == clock.now() and moved.created_at == order.created_at


async def test_both_url_families() -> None:
    for fork in (False, True):
        fake = FakeDujiaoka(fork=fork)
        fake.orders = {SN: an_order(2)}
        with serve(fake.app()) as url:
            client = backend(url, [SN])
            [order] = (await client.fetch_changes(None)).orders
            await client.aclose()
        assert order.status is OrderStatus.PAID
        wanted = "/order/detail/" if fork else "/detail-order-sn/"
        assert any(path.startswith(wanted) for path in fake.requests)


async def test_a_page_without_any_order_is_unreadable_not_deleted() -> None:
    # A maintenance page mentioning "不存在" is not the shop's own not-found page.
    async def check(request: Request) -> Response:
        return JSONResponse({"msg": "success", "code": 200})

    async def page(request: Request) -> Response:
        return HTMLResponse("<html><body><p>维护中：订单不存在的问题修复中</p></body></html>")

    app = Starlette(
        routes=[Route("/check-order-status/{sn}", check), Route("/detail-order-sn/{sn}", page)]
    )
    with serve(app) as url:
        client = backend(url, [SN])
        result = await client.fetch_changes(None)
        await client.aclose()
    assert result.orders == []
    [row] = result.unreadable
    assert row.problem is ReadProblem.UNREADABLE


def test_a_page_of_spaces_parses_fast() -> None:
    started = time.perf_counter()
    for page in (" " * 1_000_000, "订单名称：" + " " * 500_000 + "x", "<p>" + " 1" * 300_000):
        parse_detail(page)
    assert time.perf_counter() - started < 5


def test_escaped_values_are_read_back_as_text() -> None:
    order = FakeOrder(4, goods='<b>"Q&A"</b>', info="a&b<c>")
    detail = parse_detail(render_order("unicorn", "zh_CN", order, SN))
    assert detail is not None and detail.product == '<b>"Q&A"</b>' and detail.info == "a&b<c>"


def test_luna_drops_bracketed_parts_as_its_template_does() -> None:
    detail = parse_detail(
        render_order("luna", "zh_CN", FakeOrder(4, info="[卡号]A-1\n[密码]P-1"), SN)
    )
    assert detail is not None and detail.info == "A-1\nP-1"


def test_spec_is_declared() -> None:
    assert SPEC.name == "dujiaoka" and SPEC.watch_list({}) is True
    assert {(k.name, k.kind, k.required) for k in SPEC.keys} == {
        ("base_url", Kind.URL, True),
        ("orders", Kind.ORDERS, True),
    }
    assert SPEC.limits == () and SPEC.actions == frozenset()
    assert "dujiaoka" in SPEC.example and all(
        line.startswith("#") for line in SPEC.example.splitlines()
    )


def test_a_browser_like_agent_is_sent() -> None:
    assert "MicroMessenger" not in USER_AGENT and "QQ/" not in USER_AGENT
    assert USER_AGENT.startswith("Mozilla/5.0")
