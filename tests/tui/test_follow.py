"""Following orders (`f`): both marks when a followed order needs attention, a "Followed"
filter with its count, and follows saved per profile across restarts (issue 12)."""

from __future__ import annotations

import json

from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.status import OrderStatus
from kameng_tui.settings import load_follows, save_follows, settings_path
from kameng_tui.tui.app import KamengApp
from tests.domain.factory import make_order
from tests.tui.shop import ShopBackend, list_lines, settled


def shop() -> ShopBackend:
    orders = [make_order(i) for i in range(1, 6)]
    orders[1] = orders[1]._replace(status=OrderStatus.ABNORMAL)  # needs attention
    return ShopBackend(orders)


def row(lines: list[str], order_no: str) -> str:
    return next(line for line in lines if order_no in line)


async def test_a_followed_order_keeps_its_star_when_it_needs_attention(
    clock: ManualClock,
) -> None:
    app = KamengApp(shop(), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        assert "KM00000002" in screen.order_list.attention
        assert row(list_lines(screen), "KM00000002").startswith("! ")
        for no in ("KM00000002", "KM00000003"):
            assert screen.order_list.select_order(no)
            await pilot.press("f")
        await pilot.pause()
        lines = list_lines(screen)
        assert row(lines, "KM00000002").startswith("★!")
        assert row(lines, "KM00000003").startswith("★ ")
        assert row(lines, "KM00000004").startswith("  ")


async def test_the_followed_filter_and_its_count(clock: ManualClock) -> None:
    app = KamengApp(shop(), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        assert screen.sidebar._counts["status:followed"] == 0
        for no in ("KM00000001", "KM00000004"):
            assert screen.order_list.select_order(no)
            await pilot.press("f")
        await pilot.pause()
        assert screen.sidebar._counts["status:followed"] == 2
        prompt = screen.sidebar.status_list.get_option("status:followed").prompt
        assert "Followed ★" in str(prompt) and "2" in str(prompt)
        screen.sidebar.choose(status="followed")
        await pilot.pause()
        assert sorted(o.order_no for o in screen.view.rows) == ["KM00000001", "KM00000004"]
        # Unfollowing inside the filter takes the order out of it.
        assert screen.order_list.select_order("KM00000004")
        await pilot.press("f")
        await pilot.pause()
        assert [o.order_no for o in screen.view.rows] == ["KM00000001"]
        assert screen.sidebar._counts["status:followed"] == 1
        screen.sidebar.choose(status="all")
        await pilot.pause()
        assert len(screen.view) == 5


async def test_follows_are_saved_per_profile_and_kept_across_restarts(
    clock: ManualClock,
) -> None:
    save_follows("other", ["ZZ1"])
    app = KamengApp(shop(), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        assert screen.order_list.select_order("KM00000003")
        await pilot.press("f")
        await pilot.pause()
    saved = json.loads(settings_path().read_text(encoding="utf-8"))
    assert saved["follows"] == {"other": ["ZZ1"], "shop": ["KM00000003"]}  # numbers only
    again = KamengApp(shop(), clock=clock)
    async with again.run_test(size=(120, 40)) as pilot:
        screen = await settled(again, pilot)
        assert screen.order_list.pinned == {"KM00000003"}
        assert row(list_lines(screen), "KM00000003").startswith("★")
        assert screen.sidebar._counts["status:followed"] == 1
        assert screen.order_list.select_order("KM00000003")
        await pilot.press("f")  # unfollowed: saved too
        await pilot.pause()
    assert load_follows("shop") == []
    assert load_follows("other") == ["ZZ1"]


def test_saved_follows_ignore_what_is_not_an_order_number() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"theme": "nord", "follows": {"shop": ["A", 3, "", "A", "B"]}}))
    assert load_follows("shop") == ["A", "B"]
    assert save_follows("shop", ["B"])
    assert json.loads(path.read_text())["theme"] == "nord"  # other settings kept
