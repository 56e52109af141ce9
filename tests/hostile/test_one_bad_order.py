"""One malformed order in a batch is left out, with a line saying so; the rest still update.

Failing the whole batch instead would freeze every other order (and, on an incremental sync,
keep the cursor from ever moving past the bad one)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from kameng_tui.api.wire import encode_order
from kameng_tui.backends.base import BackendError, ReadProblem, SyncResult
from kameng_tui.backends.dujiao_next import DujiaoNextBackend
from kameng_tui.backends.kameng import KamengBackend
from tests.backends.fake_dujiao_next import envelope
from tests.backends.fake_dujiao_next import order as next_order
from tests.helpers import AppFactory
from tests.hostile.corpus import hostile_order
from tests.hostile.test_adapters import http, json_response
from tests.tui.test_app import refresh_now, settle

GOOD = encode_order(hostile_order(1, "ok"))
BAD = {**encode_order(hostile_order(2, "ok")), "created_at": "yesterday-ish"}


async def kameng_page(items: list[Any]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response({"data": items, "cursor": "c2", "total": len(items)})

    backend = KamengBackend("p", "http://shop.test", "tok", http=http(handler))
    try:
        return await backend.fetch_changes("c1")
    finally:
        await backend.aclose()


async def test_kameng_leaves_out_the_bad_order_and_moves_on() -> None:
    result = await kameng_page([GOOD, BAD])
    assert [o.order_no for o in result.orders] == [GOOD["order_no"]]
    assert result.cursor == "c2"  # the sync moves past the bad order
    assert len(result.skipped) == 1 and "data[1].created_at" in result.skipped[0]


async def test_kameng_nothing_readable_is_an_error() -> None:
    with pytest.raises(BackendError, match=r"data\[0\]\.created_at.*\(\+1 more\)"):
        await kameng_page([BAD, BAD])


def next_backend(handler: Any, **options: Any) -> DujiaoNextBackend:
    return DujiaoNextBackend("p", "http://shop.test", http=http(handler), **options)


async def test_dujiao_next_guest_watch_list_keeps_the_good_orders() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/DJ1"):
            return json_response(envelope(next_order("DJ1", "delivered")))
        return json_response(envelope({**next_order("DJ2", "paid"), "created_at": "soon"}))

    backend = next_backend(
        handler, mode="guest", watch=["DJ1", "DJ2"], guest_email="a@b.c", guest_password="pw"
    )
    try:
        result = await backend.fetch_changes(None)
    finally:
        await backend.aclose()
    assert [o.order_no for o in result.orders] == ["DJ1"]
    assert result.removed == []  # a malformed order is not a missing one
    # A watched order that cannot be read is that order's row (base.fetch_watched), not a skip.
    [problem] = result.unreadable
    assert problem.order_no == "DJ2" and problem.problem is ReadProblem.UNREADABLE
    assert "created_at" in problem.detail


async def test_dujiao_next_admin_page_keeps_the_good_orders() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/login"):
            return json_response(envelope({"token": "t"}))
        items = [next_order("DJ1", "delivered"), {"order_no": "DJ2", "created_at": None}]
        return json_response(envelope(items, pagination={"page": 1, "total_page": 1}))

    backend = next_backend(handler, mode="admin", username="u", password="pw")
    try:
        result = await backend.fetch_changes(None)
    finally:
        await backend.aclose()
    assert [o.order_no for o in result.orders] == ["DJ1"]
    assert len(result.skipped) == 1 and "created_at" in result.skipped[0]


async def test_the_tracker_says_once_which_orders_it_left_out(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)

        async def with_a_bad_order(cursor: str | None) -> SyncResult:
            return SyncResult([], cursor, 300, skipped=["DJ2: created_at \x1b]52;c;eA==\x07"])

        screen.syncer.backend.fetch_changes = with_a_bad_order  # type: ignore[method-assign]
        for _ in range(2):  # a watch list sends the same bad order every poll
            await refresh_now(app, pilot)
        toasts = [n.message for n in app._notifications if "left out" in n.message]
        assert toasts == ["1 malformed order(s) left out: DJ2: created_at ␛]52;c;eA==␇"]
        assert screen.syncer.error is None and len(screen.view) == 300
