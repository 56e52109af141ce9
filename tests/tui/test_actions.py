"""Every action on an order, by keyboard, against the demo backend and the demo server."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.backends.http import HttpSettings
from kameng_tui.backends.kameng import KamengBackend
from kameng_tui.domain.actions import NEEDS_CONFIRMATION, NEEDS_TEXT, Action, allowed
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus
from kameng_tui.server.app import create_app
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen
from kameng_tui.tui.screens.profiles import ChoiceScreen, ConfirmScreen, PromptScreen
from tests.helpers import AppFactory
from tests.servers import serve
from tests.tui.test_app import settle

TEXT = {Action.APPEAL: "paid, nothing arrived", Action.FIX_ACCOUNT: "13800001234",
        Action.MARK_PAID: "bank slip checked"}  # fmt: skip


def expect(action: Action, before: Order, after: Order) -> None:
    """What each action visibly does to the order."""
    if action is Action.CANCEL:
        assert after.status is OrderStatus.CANCELLED
    elif action is Action.REFUND:
        assert after.status is OrderStatus.REFUNDED and after.refund is not None
    elif action is Action.MARK_PAID:
        assert after.status is OrderStatus.PAID and TEXT[action] in after.timeline[-1].note
    elif action is Action.FIX_ACCOUNT:
        assert after.account == TEXT[action]
    elif action is Action.APPEAL:
        assert TEXT[action] in after.timeline[-1].note
    elif action is Action.URGE:
        assert after.timeline[-1].note == "已催单"
    elif action is Action.CONFIRM_RECEIPT:
        assert after.timeline[-1].note == "已确认收货"
    elif action is Action.RETRY_DELIVERY:
        assert after.status is before.status  # delivery starts shortly, in the plan
    else:
        assert after == before  # sync: nothing changes on a quiet platform


async def act(app: KamengApp, pilot: Pilot[None], action: Action) -> tuple[Order, Order]:
    screen = app.orders_screen
    assert isinstance(screen, OrdersScreen)
    target = next(
        o for o in screen.view.rows if action in allowed(o, staff=True, supported=frozenset(Action))
    )
    assert screen.order_list.select_order(target.order_no)
    await pilot.pause()
    await pilot.press("A")
    await pilot.pause()
    choice = app.screen
    assert isinstance(choice, ChoiceScreen)
    options = choice.query_one(OptionList)
    options.highlighted = [c[0] for c in choice.choices].index(action.value)
    await pilot.press("enter")
    await pilot.pause()
    if action in NEEDS_TEXT:
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*TEXT[action], "enter")
        await pilot.pause()
    if action in NEEDS_CONFIRMATION:
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
    await app.workers.wait_for_complete()
    await pilot.pause()
    after = screen.book.get(target.order_no)
    assert after is not None
    messages = [n.message for n in app._notifications]
    assert any(m.endswith(f"done for {target.order_no}") for m in messages), messages
    return target, after


@pytest.mark.parametrize("action", list(Action))
async def test_every_action_on_the_demo(make_app: AppFactory, action: Action) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        before, after = await act(app, pilot, action)
        expect(action, before, after)


FAST = HttpSettings(connect_timeout=2, read_timeout=5, retries=0)


@pytest.mark.parametrize("action", list(Action))
async def test_every_action_over_the_demo_server(clock: ManualClock, action: Action) -> None:
    platform = DemoPlatform(orders=300, clock=ManualClock(FIXED_EPOCH))
    with serve(create_app(platform)) as url:
        backend = KamengBackend("shop", url, None, settings=FAST)
        app = KamengApp(backend, clock=clock)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(app, pilot)
            staff = lambda key, default, shop=None: True if key == "staff" else default  # noqa: E731
            app.orders_screen._setting = staff  # type: ignore[method-assign]
            before, after = await act(app, pilot, action)
            expect(action, before, after)
            assert platform.get(before.order_no) == after  # the shop itself changed


async def test_read_only_offers_no_actions(make_app: AppFactory) -> None:
    app = make_app()
    app._read_only = True
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await settle(app, pilot)
        assert screen.allowed_actions() == []
        await pilot.press("A")  # answered, not ignored
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        assert [n.message for n in app._notifications] == ["Read-only profile: no actions"]


async def test_customers_do_not_get_staff_actions(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(app, pilot)
        screen._setting = lambda key, default, shop=None: False if key == "staff" else default  # type: ignore[method-assign]
        pending = next(o for o in screen.view.rows if o.status is OrderStatus.PENDING_PAYMENT)
        assert screen.order_list.select_order(pending.order_no)
        assert Action.MARK_PAID not in screen.allowed_actions()
        assert Action.CANCEL in screen.allowed_actions() or pending.label is not None
