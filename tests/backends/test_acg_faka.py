"""The acg-faka adapter against a local acg-faka built from its source (fake_acg_faka.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from kameng_tui.backends import registry
from kameng_tui.backends.acg_faka import SPEC, AcgFakaBackend
from kameng_tui.backends.base import BackendError, RateLimited, ReadProblem, SyncResult
from kameng_tui.backends.http import HttpSettings
from kameng_tui.config import ConfigError, Profile
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import Actor, LabelCode, OrderStatus
from tests.backends.fake_acg_faka import MANUAL, SOLD_OUT, FakeAcgFaka, FakeOrder
from tests.servers import serve

FAST = HttpSettings(
    connect_timeout=2, read_timeout=2, retries=0, backoff=0.01, max_wait=0.05, rate_limit_wait=600
)
ME = "buyer@example.com"
UNPAID, MANUAL_NO, DONE, GONE, LOCKED = (f"1232611251830004{i:02d}" for i in range(5))
OTHER = "456261125183000999"  # another contact's order, watched by number
UNKNOWN = "999999999999999999"
CREATED_AT, PAID_AT = "2026-11-25 18:00:00", "2026-11-25 18:01:00"  # China time


def shop(clock: ManualClock) -> FakeAcgFaka:
    fake = FakeAcgFaka(
        clock,
        [
            FakeOrder(UNPAID),
            FakeOrder(MANUAL_NO, status=1, pay_time=PAID_AT, secret=MANUAL),
            FakeOrder(DONE, status=1, delivery_status=1, pay_time=PAID_AT, card_num=2,
                      secret="QB-0001 / 1111\nQB-0002 / 2222", amount=196.5),
            FakeOrder(GONE, status=1, delivery_status=1, pay_time=PAID_AT, secret=SOLD_OUT),
            FakeOrder(LOCKED, status=1, delivery_status=1, pay_time=PAID_AT,
                      secret="LOCKED-CODE-1", password="pw&<1>"),
            FakeOrder(OTHER, contact="other@example.com", status=1, delivery_status=1,
                      pay_time=PAID_AT, secret="OTHER-CODE"),
        ],
    )  # fmt: skip
    for order in fake.orders:
        order.create_time = CREATED_AT
    return fake


def backend(url: str, clock: ManualClock, **kw: Any) -> AcgFakaBackend:
    return AcgFakaBackend("acg", url, clock=clock, settings=FAST, **kw)


def label(order: Order) -> str:
    assert order.label is not None
    return order.label.text


def queries(fake: FakeAcgFaka) -> list[dict[str, str]]:
    return [fields for route, fields in fake.requests if route == "query"]


def secrets(fake: FakeAcgFaka) -> list[dict[str, str]]:
    return [fields for route, fields in fake.requests if route == "secret"]


async def poll_until_read(
    b: AcgFakaBackend, clock: ManualClock, want: int, step: float = 21
) -> tuple[dict[str, Order], list[SyncResult]]:
    """Poll as the sync loop does, a poll every `step` s, until `want` orders were read."""
    seen: dict[str, Order] = {}
    results = []
    for _ in range(20):
        result = await b.fetch_changes(None)
        results.append(result)
        seen.update((o.order_no, o) for o in result.orders)
        if len(seen) >= want:
            return seen, results
        clock.advance(step)
    raise AssertionError(f"only {sorted(seen)} read")


async def test_statuses_codes_and_sold_out_from_one_contact_query() -> None:
    clock = ManualClock(FIXED_EPOCH)
    fake = shop(clock)
    with serve(fake.app()) as url:
        b = backend(url, clock, contact=f" {ME} ", query_password="pw&<1>")
        result = await b.fetch_changes(None)
        await b.aclose()
    assert queries(fake) == [{"keywords": ME, "page": "1", "limit": "100"}]
    by_no = {o.order_no: o for o in result.orders}
    assert set(by_no) == {UNPAID, MANUAL_NO, DONE, GONE, LOCKED}  # not the other contact's
    assert result.unreadable == [] and result.skipped == [] and result.removed == []

    unpaid = by_no[UNPAID]
    assert (
        unpaid.status is OrderStatus.PENDING_PAYMENT and unpaid.raw_status == "status=0,delivery=0"
    )
    assert unpaid.created_at == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 18:00 China time
    assert unpaid.paid_at is None and unpaid.card_codes == () and unpaid.account == ME
    manual = by_no[MANUAL_NO]
    assert manual.status is OrderStatus.DELIVERING and manual.raw_status == "status=1,delivery=0"
    assert manual.card_codes == ()  # the shop's "正在发货中" note is not a card code
    assert manual.paid_at == datetime(2026, 11, 25, 10, 1, tzinfo=UTC)
    done = by_no[DONE]
    assert done.status is OrderStatus.COMPLETED and done.raw_status == "status=1,delivery=1"
    assert done.card_codes == ("QB-0001 / 1111", "QB-0002 / 2222")
    assert str(done.amount) == "196.50" and done.quantity == 2  # cents, as the shop keeps them
    assert done.product_name == "腾讯Q币 100元" and done.merchant == ""
    assert [e.status for e in done.timeline] == [
        OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.COMPLETED
    ]  # fmt: skip
    gone = by_no[GONE]
    assert gone.status is OrderStatus.ABNORMAL and gone.card_codes == ()
    assert gone.label is not None and gone.label.code is LabelCode.OUT_OF_STOCK
    assert gone.label.text == SOLD_OUT and gone.actor is Actor.SUPPORT
    # The protected order's codes came through the secret route, with the password as is.
    locked = by_no[LOCKED]
    assert locked.status is OrderStatus.COMPLETED and locked.card_codes == ("LOCKED-CODE-1",)
    assert secrets(fake) == [{"tradeNo": LOCKED, "password": "pw&<1>"}]


async def test_secrets_are_fetched_once_and_hidden_without_the_password() -> None:
    clock = ManualClock(FIXED_EPOCH)
    fake = shop(clock)
    with serve(fake.app()) as url:
        b = backend(url, clock, contact=ME, query_password="pw&<1>")
        first = {o.order_no: o for o in (await b.fetch_changes(None)).orders}
        for _ in range(5):
            clock.advance(21)
            again = {o.order_no: o for o in (await b.fetch_changes(None)).orders}
            assert again == first  # nothing changed: the same orders, codes from the cache
        assert len(secrets(fake)) == 1 and len(queries(fake)) == 6

        fake.orders[3].password = "x"  # GONE is now protected too: its sold-out text as well
        hidden = backend(url, clock, contact=ME)  # no query password in the profile
        clock.advance(21)
        orders = {o.order_no: o for o in (await hidden.fetch_changes(None)).orders}
        assert orders[LOCKED].status is OrderStatus.COMPLETED and orders[LOCKED].card_codes == ()
        assert "query password" in label(orders[LOCKED])
        assert len(secrets(fake)) == 1  # not asked: there is no password to give

        wrong = backend(url, clock, contact=ME, query_password="nope")
        for _ in range(4):
            clock.advance(21)
            orders = {o.order_no: o for o in (await wrong.fetch_changes(None)).orders}
            assert orders[LOCKED].card_codes == () and "密码错误" in label(orders[LOCKED])
        # One try each: a wrong password only adds to the shop's count of 8 per order.
        assert [s["tradeNo"] for s in secrets(fake)[1:]] == [LOCKED, GONE]

        sold_out = backend(url, clock, contact=ME, query_password="x")
        clock.advance(21)
        orders = {o.order_no: o for o in (await sold_out.fetch_changes(None)).orders}
        assert orders[GONE].status is OrderStatus.ABNORMAL and orders[GONE].card_codes == ()
        assert label(orders[GONE]) == SOLD_OUT
        for b_ in (b, hidden, wrong, sold_out):
            await b_.aclose()


async def test_contact_listing_is_paged_within_the_budget() -> None:
    clock = ManualClock(FIXED_EPOCH)
    fake = shop(clock)
    with serve(fake.app()) as url:
        b = backend(url, clock, contact=ME, page_size=2)
        seen, results = await poll_until_read(b, clock, want=5, step=5)
        await b.aclose()
    # Newest first, two a page: three pages, in three lookups at least 20 s apart.
    assert [(q["page"], q["limit"]) for q in queries(fake)] == [("1", "2"), ("2", "2"), ("3", "2")]
    assert set(seen) == {UNPAID, MANUAL_NO, DONE, GONE, LOCKED}
    assert [o.order_no for o in results[0].orders] == [LOCKED, GONE]
    assert len(results) == 11  # polls every 5 s; lookups at 0, 25 and 50 s (one per 20.7 s)
    # Between lookups, the orders already read wait their turn; nothing is asked.
    waiting = results[1].unreadable
    assert {u.order_no for u in waiting} == {LOCKED, GONE}
    assert all(u.problem is ReadProblem.RATE_LIMITED for u in waiting)
    assert all(u.retry_after is not None and 0 < u.retry_after <= 21 for u in waiting)
    assert "30 requests per 10 min" in waiting[0].detail


async def test_watched_numbers_outside_the_contact_and_unknown_ones() -> None:
    clock = ManualClock(FIXED_EPOCH)
    fake = shop(clock)
    with serve(fake.app()) as url:
        b = backend(url, clock, contact=ME, watch=[DONE, OTHER, UNKNOWN, "not-a-number"])
        results = []
        for _ in range(4):
            results.append(await b.fetch_changes(None))
            clock.advance(21)
        assert await b.get_order(UNKNOWN) is None  # the shop's empty list: no such order
        with pytest.raises(RateLimited) as waited:
            await b.get_order(OTHER)  # the budget is spent: nothing is sent
        assert waited.value.retry_after is not None and waited.value.retry_after > 19
        await b.aclose()
    keywords = [q["keywords"] for q in queries(fake)]
    # DONE comes with the contact's listing; the others are asked one by one, one a poll;
    # "not-a-number" is never sent (the shop would take it for a contact).
    assert keywords == [ME, OTHER, UNKNOWN, ME, UNKNOWN]
    other = next(o for r in results for o in r.orders if o.order_no == OTHER)
    assert other.card_codes == ("OTHER-CODE",) and other.account == "other@example.com"
    problems = {(u.order_no, u.problem) for r in results for u in r.unreadable}
    assert (UNKNOWN, ReadProblem.NOT_FOUND) in problems
    assert ("not-a-number", ReadProblem.UNREADABLE) in problems
    assert (UNKNOWN, ReadProblem.RATE_LIMITED) in problems  # first poll: not its turn yet
    assert all(r.removed == [] for r in results)


async def test_thirty_minutes_at_a_five_second_interval_never_meet_the_shops_limit() -> None:
    clock = ManualClock(FIXED_EPOCH)
    fake = shop(clock)
    with serve(fake.app()) as url:
        b = backend(url, clock, contact=ME, watch=[OTHER, UNKNOWN], query_password="pw&<1>")
        sent_at: list[float] = []
        read: set[str] = set()
        elapsed = 0.0
        while elapsed < 30 * 60:
            before = len(queries(fake))
            result = await b.fetch_changes(None)  # never raises: the shop never refuses
            read.update(o.order_no for o in result.orders)
            sent_at += [elapsed] * (len(queries(fake)) - before)
            clock.advance(5)
            elapsed += 5
        await b.aclose()
    assert fake.refusals == 0
    gaps = [later - earlier for earlier, later in pairwise(sent_at)]
    assert min(gaps) >= 20  # one lookup per 20 s at most
    # A lookup every 20.7 s is due, and goes with the next 5-s poll: one every 25 s.
    assert len(sent_at) == 30 * 60 // 25
    assert max(sum(start <= t < start + 600 for t in sent_at) for start in sent_at) <= 30
    assert {OTHER, LOCKED, DONE} <= read
    assert len(secrets(fake)) == 1  # the protected order's codes, once


async def test_the_shops_limit_and_a_proxys_429_are_rate_limited() -> None:
    clock = ManualClock(FIXED_EPOCH)
    fake = shop(clock)
    with serve(fake.app()) as url:
        b = backend(url, clock, contact=ME)
        assert len((await b.fetch_changes(None)).orders) == 5
        async with httpx.AsyncClient(base_url=url) as someone:  # the buyer's browser, say
            for _ in range(29):
                await someone.post("/user/api/index/query", data={"keywords": ME})
        clock.advance(21)
        with pytest.raises(RateLimited) as refused:
            await b.fetch_changes(None)  # 31st in the window: 请求过于频繁
        assert refused.value.retry_after == 600 and "请求过于频繁" in str(refused.value)
        sent = len(fake.requests)
        clock.advance(300)
        held = await b.fetch_changes(None)  # the budget holds: nothing goes for 10 minutes
        assert len(fake.requests) == sent and held.orders == []
        assert {u.problem for u in held.unreadable} == {ReadProblem.RATE_LIMITED}
        assert len(held.unreadable) == 5  # what was read of them stays on screen
        clock.advance(301)
        assert (await b.fetch_changes(None)).orders == []  # the hold is over; the bucket empty
        clock.advance(21)
        assert len((await b.fetch_changes(None)).orders) == 5  # the shop's next window
        assert fake.refusals == 1
        await b.aclose()

        def proxy(request: Request) -> Response | None:
            return Response("busy", 429, headers={"Retry-After": "120"})

        fake.front = proxy
        b = backend(url, clock, watch=[DONE])
        with pytest.raises(RateLimited) as too_many:
            await b.fetch_changes(None)
        assert too_many.value.retry_after == 120
        await b.aclose()


async def test_malformed_items_are_left_out_with_a_reason_and_a_bad_answer_is_one_line() -> None:
    clock = ManualClock(FIXED_EPOCH)
    fake = shop(clock)

    def plugin(data: dict[str, Any]) -> None:
        items = data["list"]
        items[0]["status"] = "paid"
        items[1]["create_time"] = "yesterday"
        items[2]["amount"] = "1e999999"
        items[3]["commodity"] = {"name": "\x1b]52;c;ZXZpbA==\x07" + "卡" * 10_000}
        items[3]["card_num"] = True
        items[3]["contact"] = ["not", "text"]
        items.append("not an order")
        items.append({"trade_no": None})

    fake.query_hook = plugin
    with serve(fake.app()) as url:
        b = backend(url, clock, contact=ME)
        result = await b.fetch_changes(None)
        assert [o.order_no for o in result.orders] == [MANUAL_NO, UNPAID]
        odd = next(o for o in result.orders if o.order_no == MANUAL_NO)
        assert len(odd.product_name) <= 4097 and odd.product_name.startswith("\x1b]52")
        assert odd.quantity == 1 and odd.account == ""
        assert len(result.skipped) == 5 and all("\n" not in line for line in result.skipped)
        assert result.skipped[0].startswith(f"order {LOCKED}: status is not a status")
        assert "create_time" in result.skipped[1] and "amount" in result.skipped[2]
        assert result.skipped[3:] == ["item 6: not an order object", "item 7: no trade_no"]

        def broken(data: dict[str, Any]) -> None:
            data["list"] = {"oops": 1}

        fake.query_hook = broken
        clock.advance(21)
        with pytest.raises(BackendError, match="malformed answer: no order list"):
            await b.fetch_changes(None)
        fake.query_hook = None
        await b.aclose()

        lost = AcgFakaBackend("acg", url + "/nowhere", clock=clock, settings=FAST, contact=ME)
        with pytest.raises(BackendError, match="not JSON"):
            await lost.fetch_changes(None)  # a wrong base_url: the theme's 404 page
        await lost.aclose()


def test_the_registry_entry_builds_and_checks_profiles() -> None:
    assert registry.spec("acg-faka") is SPEC and SPEC.watch_list({})
    assert SPEC.check is not None
    assert SPEC.check({}) == [("contact", "give contact or orders (or both)")]
    assert SPEC.check({"contact": ME}) == [] and SPEC.check({"orders": [DONE]}) == []
    assert [k for k, _ in SPEC.check({"orders": ["123"], "contact": DONE})] == [
        "contact", "orders"
    ]  # fmt: skip
    assert SPEC.limits[0].requests == 30 and SPEC.limits[0].window == 600
    assert all(line.startswith("#") for line in SPEC.example.splitlines())
    profile = Profile(
        "acg",
        "acg-faka",
        {"base_url": "https://faka.example.com", "contact": ME, "query_password_env": "PW"},
    )
    clock = ManualClock(FIXED_EPOCH)
    built = SPEC.build(profile, {"PW": "secret"}, clock)
    assert isinstance(built, AcgFakaBackend) and built.contact == ME
    with pytest.raises(ConfigError, match="PW is not set"):
        SPEC.build(profile, {}, clock)


async def test_a_later_delivery_is_dated_when_seen_and_deleted_orders_leave() -> None:
    clock = ManualClock(FIXED_EPOCH)
    fake = shop(clock)
    with serve(fake.app()) as url:
        b = backend(url, clock, contact=ME, watch=[GONE])
        first = {o.order_no: o for o in (await b.fetch_changes(None)).orders}
        assert first[MANUAL_NO].updated_at == first[MANUAL_NO].paid_at  # first seen so
        # Staff deliver by hand (app/Controller/Admin/Api/Order.php); the shop deletes the
        # unpaid order and the sold-out one (app/Controller/Admin/Api/Order.php clear, delete).
        fake.orders[1].delivery_status, fake.orders[1].secret = 1, "HAND-CODE"
        fake.orders = [o for o in fake.orders if o.trade_no not in (UNPAID, GONE)]
        clock.advance(21)
        result = await b.fetch_changes(None)
        delivered = next(o for o in result.orders if o.order_no == MANUAL_NO)
        assert delivered.status is OrderStatus.COMPLETED and delivered.card_codes == ("HAND-CODE",)
        assert delivered.updated_at == delivered.delivered_at == clock.now()
        assert result.removed == [UNPAID]  # gone from the whole listing
        clock.advance(21)
        result = await b.fetch_changes(None)  # the watched one is asked for by number
        problems = {u.order_no: u.problem for u in result.unreadable}
        assert problems.pop(GONE) is ReadProblem.NOT_FOUND
        assert set(problems) == {MANUAL_NO, DONE, LOCKED}  # the contact's: their turn is next
        assert set(problems.values()) == {ReadProblem.RATE_LIMITED}
        assert queries(fake)[-1]["keywords"] == GONE
        await b.aclose()
