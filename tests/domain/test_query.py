"""The search language of `/` and `orders --query`: parsing, matching, and the view using it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.query import AgeBound, Query, QueryError, parse, select
from kameng_tui.domain.status import LabelCode, OrderStatus, ProductType
from kameng_tui.domain.view import Filter, OrderView
from tests.domain.factory import NOW, ago, label, make_order

S, T = OrderStatus, ProductType

ORDERS = [
    make_order(1, status=S.FAILED, product_type=T.PHONE_TOPUP, product_name="中国移动 话费 50元",
               account="13800001234", label=label(LabelCode.OUT_OF_STOCK, "库存不足"),
               merchant="星辰卡盟", updated_at=ago(30)),
    make_order(2, status=S.FAILED, product_type=T.GAME_CARD, account="Player@QQ.com",
               merchant="Shop Alpha", updated_at=ago(2)),
    make_order(3, status=S.ABNORMAL, product_type=T.PHONE_TOPUP, account="a@example.com",
               label=label(LabelCode.MAINTENANCE, "延迟发货：系统维护中"), updated_at=ago(15)),
    make_order(4, status=S.PENDING_PAYMENT, product_type=T.VIRTUAL_SERVICE,
               product_name="Steam Gift Card", merchant="Shop Beta", updated_at=ago(0.5)),
    make_order(5, status=S.COMPLETED, product_type=T.GAME_CARD, updated_at=ago(60 * 30)),
]  # fmt: skip


def shown(text: str) -> list[str]:
    return sorted(o.order_no[-1] for o in select(ORDERS, parse(text), NOW))


# -- parsing ------------------------------------------------------------------------------------


def test_the_example_from_the_issue() -> None:
    query = parse("status:failed type:phone age:>10m label:库存 shop text")
    assert query == Query(
        statuses=frozenset({S.FAILED}),
        types=frozenset({T.PHONE_TOPUP}),
        ages=(AgeBound(">", 600.0),),
        fields=(("label", "库存"),),
        words=("shop", "text"),
    )


@pytest.mark.parametrize(
    ("value", "statuses"),
    [
        ("failed", {S.FAILED}),
        ("FAILED", {S.FAILED}),
        ("发货失败", {S.FAILED}),
        ("失败", {S.FAILED}),  # part of a Chinese name
        ("fail", {S.FAILED}),  # a prefix
        ("unpaid", {S.PENDING_PAYMENT}),
        ("待支付", {S.PENDING_PAYMENT}),
        ("paid", {S.PAID}),  # exact beats a prefix of another
        ("c", {S.COMPLETED, S.CANCELLED}),  # a prefix of several takes them all
        ("failed,abnormal", {S.FAILED, S.ABNORMAL}),
    ],
)
def test_status_values(value: str, statuses: set[OrderStatus]) -> None:
    assert parse(f"status:{value}").statuses == statuses


@pytest.mark.parametrize(
    ("value", "types"),
    [
        ("phone", {T.PHONE_TOPUP}),
        ("phone_topup", {T.PHONE_TOPUP}),
        ("话费", {T.PHONE_TOPUP}),
        ("game", {T.GAME_CARD}),
        ("游戏点卡", {T.GAME_CARD}),
        ("serv", {T.VIRTUAL_SERVICE}),
    ],
)
def test_type_values(value: str, types: set[ProductType]) -> None:
    assert parse(f"type:{value}").types == types


def test_repeated_keys_take_either_status() -> None:
    assert parse("status:failed status:abnormal").statuses == {S.FAILED, S.ABNORMAL}


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("age:>10m", AgeBound(">", 600)),
        ("age:<2h", AgeBound("<", 7200)),
        ("age:>=1d", AgeBound(">=", 86400)),
        ("age:<=30s", AgeBound("<=", 30)),
        ("age:10m", AgeBound(">=", 600)),  # bare: at least
        ("age:>1.5h", AgeBound(">", 5400)),
    ],
)
def test_ages(text: str, bound: AgeBound) -> None:
    assert parse(text).ages == (bound,)


def test_chinese_keys_full_width_colon_and_quotes() -> None:
    assert parse("状态：失败").statuses == {S.FAILED}
    assert parse('label:"系统 维护" "two words"').fields == (("label", "系统 维护"),)
    assert parse('"two words"').words == ("two words",)


def test_unknown_keys_are_words() -> None:
    assert parse("12:30 http://x").words == ("12:30", "http://x")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("status:", "empty"),
        ("status:lost", "status"),
        ("type:xyz", "type"),
        ("age:>10", "age"),
        ("age:ten", "age"),
        ("age:>-1m", "age"),
        ("age:>10y", "age"),
        ('label:"open', "quote"),
    ],
)
def test_malformed_queries_say_why(text: str, code: str) -> None:
    with pytest.raises(QueryError) as error:
        parse(text)
    assert error.value.code == code
    assert "\n" not in str(error.value) and str(error.value)


def test_every_error_has_both_languages() -> None:
    from kameng_tui.i18n import CATALOGUE

    for code in ("quote", "empty", "status", "type", "age"):
        assert f"query.error.{code}" in CATALOGUE


# -- matching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("", ["1", "2", "3", "4", "5"]),
        ("status:failed", ["1", "2"]),
        ("status:failed type:phone", ["1"]),
        ("status:failed type:phone age:>10m label:库存", ["1"]),
        ("age:>10m", ["1", "3", "5"]),
        ("age:<10m", ["2", "4"]),
        ("age:>1d", ["5"]),
        ("label:库存", ["1"]),
        ("库存", ["1"]),  # a free word matches the label
        ("星辰", ["1", "3", "5"]),  # and the merchant
        ("merchant:shop", ["2", "4"]),
        ("shop alpha", ["2"]),  # every word must match
        ("player@qq", ["2"]),  # the account (an e-mail)
        ("account:@example.com", ["3"]),
        ("account:1380000", ["1"]),
        ("product:steam", ["4"]),
        ("no:km00000003", ["3"]),
        ("km00000003", ["3"]),
        ("label:shop", []),  # a field key looks at that field only
        ("status:completed 库存", []),
        ("status:c", ["5"]),
    ],
)
def test_matching(text: str, numbers: list[str]) -> None:
    assert shown(text) == numbers


def test_ages_follow_the_clock() -> None:
    query = parse("age:>10m")
    recent = [ORDERS[1]]  # updated 2 minutes ago
    assert select(recent, query, NOW) == []
    assert select(recent, query, NOW + timedelta(minutes=9)) == recent


# -- the view's search is the same query ---------------------------------------------------------


def view_of(orders: list) -> OrderView:  # type: ignore[type-arg]
    book = OrderBook()
    book.apply(orders)
    view = OrderView(book)
    view.now = lambda: NOW
    return view


@pytest.mark.parametrize(
    "text",
    ["status:failed type:phone", "age:>10m", "库存", "merchant:shop", "shop alpha", "status:c"],
)
def test_the_view_search_matches_select(text: str) -> None:
    view = view_of(ORDERS)
    view.update_filter(search=text)
    assert sorted(o.order_no for o in view.rows) == sorted(
        o.order_no for o in select(ORDERS, parse(text), NOW)
    )
    assert view.query_error is None


def test_the_sidebar_and_the_query_both_apply() -> None:
    view = view_of(ORDERS)
    view.update_filter(search="status:failed", product_type=T.GAME_CARD)
    assert [o.order_no[-1] for o in view.rows] == ["2"]
    view.update_filter(status=S.ABNORMAL, product_type=None)
    assert view.rows == []  # abnormal and failed: nothing
    view.update_filter(search="type:phone")
    assert [o.order_no[-1] for o in view.rows] == ["3"]


def test_a_malformed_query_keeps_the_last_one_and_says_why() -> None:
    view = view_of(ORDERS)
    view.update_filter(search="status:failed")
    assert len(view) == 2
    view.update_filter(search="status:failed age:>1")
    assert view.query_error is not None and view.query_error.code == "age"
    assert len(view) == 2  # still status:failed
    view.update_filter(search="status:failed age:>1d")
    assert view.query_error is None and len(view) == 0


def test_the_view_search_follows_label_changes() -> None:
    view = view_of(ORDERS[:2])
    view.update_filter(search="label:maintenance")
    assert view.rows == []
    changed = ORDERS[1]._replace(label=label(LabelCode.MAINTENANCE, "maintenance window"))
    view.apply(view.book.apply([changed]))
    assert [o.order_no for o in view.rows] == [changed.order_no]
    assert view.filter == Filter(search="label:maintenance")


@pytest.mark.parametrize(
    "typed", ["km00000003", "status:failed shop alpha", 'label:"库存不足" km', "merchant:shop be"]
)
def test_typing_on_narrows_from_the_rows_shown_and_matches_a_fresh_view(typed: str) -> None:
    from kameng_tui.domain.query import refines

    view = view_of(ORDERS)
    for end in range(1, len(typed) + 1):
        view.update_filter(search=typed[:end])
        fresh = view_of(ORDERS)
        fresh.update_filter(search=typed[:end])
        if fresh.query_error is not None:
            continue  # "status:" while typing: the last readable query stays (it differs)
        assert [o.order_no for o in view.rows] == [o.order_no for o in fresh.rows], typed[:end]
    assert refines(parse("km1 x"), parse("km"))
    assert not refines(parse("km"), parse("km1"))
    assert not refines(parse("age:>1m km1"), parse("age:>1m km"))  # ages move with the clock
    assert not refines(parse("status:paid km1"), parse("km"))
