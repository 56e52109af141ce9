"""Action safety (issue 12): y/n before every change, naming the order, product, amount and
new value; the account checked for the product; stable keys in the menu; "…pending" until the
next poll; read-only said, not silent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import Input, Static

from kameng_tui.domain.actions import (
    HOTKEYS,
    NEEDS_CONFIRMATION,
    AccountProblem,
    Action,
    check_account,
)
from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.order import Order, TimelineEvent
from kameng_tui.domain.status import LabelCode, OrderStatus, ProductType
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen
from kameng_tui.tui.screens.profiles import ChoiceScreen, ConfirmScreen, PromptScreen
from tests.domain.factory import NOW, label, make_order
from tests.tui.shop import ShopBackend, list_lines, poll_again, settled


class ActingShop(ShopBackend):
    supported_actions = frozenset(Action)

    def __init__(self, orders: list[Order]) -> None:
        super().__init__(orders)
        self.done: list[tuple[str, Action, str | None]] = []

    async def perform(self, order_no: str, action: Action, text: str | None = None) -> Order:
        self.done.append((order_no, action, text))
        order = next(o for o in self.orders if o.order_no == order_no)
        note = f"{action.value}: {text or ''}"
        event = TimelineEvent(NOW, order.status, order.raw_status, note)
        changed = order._replace(timeline=(*order.timeline, event))
        if action is Action.FIX_ACCOUNT and text:
            changed = changed._replace(account=text)
        return changed


PHONE = make_order(
    1,
    product_name="移动话费 50元",
    product_type=ProductType.PHONE_TOPUP,
    amount=Decimal("49.50"),
    account="13900000000",
    status=OrderStatus.FAILED,
    label=label(LabelCode.ACCOUNT_INVALID, "充值账号错误"),
)
QQ = make_order(
    2,
    product_name="腾讯Q币 100元",
    account="10001",
    status=OrderStatus.FAILED,
    label=label(LabelCode.ACCOUNT_INVALID, "QQ号错误"),
)
DONE = make_order(3, product_name="王者荣耀 60点券", status=OrderStatus.COMPLETED)


def shop_app(clock: ManualClock) -> tuple[KamengApp, ActingShop]:
    backend = ActingShop([PHONE, QQ, DONE])
    return KamengApp(backend, clock=clock), backend


async def open_menu(app: KamengApp, screen: OrdersScreen, pilot, order_no: str) -> ChoiceScreen:  # type: ignore[no-untyped-def]
    assert screen.order_list.select_order(order_no)
    await pilot.pause()
    await pilot.press("A")
    await pilot.pause()
    menu = app.screen
    assert isinstance(menu, ChoiceScreen)
    return menu


def test_every_action_that_changes_anything_asks() -> None:
    assert set(Action) - {Action.SYNC} == NEEDS_CONFIRMATION
    assert Action.CONFIRM_RECEIPT in NEEDS_CONFIRMATION
    assert sorted(HOTKEYS) == sorted(Action)
    assert len(set(HOTKEYS.values())) == len(HOTKEYS)  # one key, one action


@pytest.mark.parametrize(
    ("order", "value", "problem"),
    [
        (PHONE, "13800001234", None),
        (PHONE, "abc", AccountProblem.PHONE),
        (PHONE, "1380000123", AccountProblem.PHONE),
        (PHONE, "23800001234", AccountProblem.PHONE),
        (PHONE, "138000012345", AccountProblem.PHONE),
        (QQ, "12345", None),
        (QQ, "12345678901", None),
        (QQ, "1234", AccountProblem.QQ),
        (QQ, "abc", AccountProblem.QQ),
        (QQ, "123456789012", AccountProblem.QQ),
        (DONE, "player#123", None),
        (DONE, "a b", AccountProblem.SPACES),
        (DONE, "  ", AccountProblem.EMPTY),
    ],
)
def test_account_checked_for_the_product(
    order: Order, value: str, problem: AccountProblem | None
) -> None:
    assert check_account(order, value) is problem


async def test_confirm_receipt_asks_naming_order_product_and_amount(clock: ManualClock) -> None:
    app, backend = shop_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        menu = await open_menu(app, screen, pilot, DONE.order_no)
        labels = [str(o.prompt) for o in menu.query_one("#choice-list").options]  # type: ignore[attr-defined]
        assert any(text.startswith(" c ") and "Confirm receipt" in text for text in labels)
        assert any(text.startswith(" s ") for text in labels)
        await pilot.press("c")  # its own key: no need to move to it
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        for part in (DONE.order_no, "王者荣耀 60点券", "¥98.00"):
            assert part in dialog.question
        await pilot.press("n")
        await pilot.pause()
        assert backend.done == []
        await open_menu(app, screen, pilot, DONE.order_no)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert backend.done == [(DONE.order_no, Action.CONFIRM_RECEIPT, None)]


async def test_the_account_prompt_is_prefilled_and_checked(clock: ManualClock) -> None:
    app, backend = shop_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        await open_menu(app, screen, pilot, PHONE.order_no)
        await pilot.press("f")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        field = prompt.query_one(Input)
        assert field.value == "13900000000"
        assert "Enter" in str(prompt.query_one("#prompt-dialog").border_subtitle)
        assert "Esc" in str(prompt.query_one("#prompt-dialog").border_subtitle)
        await pilot.press(*"abc", "enter")  # typing replaces the prefilled account
        await pilot.pause()
        assert app.screen is prompt  # still open, saying why
        problem = prompt.query_one("#prompt-problem", Static)
        assert problem.display and "11 digits starting with 1" in str(problem.render())
        field.value = ""
        await pilot.press(*"13800001234", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        for part in (PHONE.order_no, "移动话费 50元", "¥49.50", "13800001234", "13900000000"):
            assert part in dialog.question
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert backend.done == [(PHONE.order_no, Action.FIX_ACCOUNT, "13800001234")]


async def test_a_qq_account_must_be_a_qq_number(clock: ManualClock) -> None:
    app, _ = shop_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        await open_menu(app, screen, pilot, QQ.order_no)
        await pilot.press("f")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        prompt.query_one(Input).value = "abc"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt
        assert "QQ number" in str(prompt.query_one("#prompt-problem", Static).render())


async def test_an_empty_note_says_it_is_required(clock: ManualClock) -> None:
    app, backend = shop_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        await open_menu(app, screen, pilot, DONE.order_no)
        await pilot.press("a")  # appeal
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt
        assert "Required" in str(prompt.query_one("#prompt-problem", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        assert backend.done == []


async def test_an_acted_on_order_shows_pending_until_the_next_poll(clock: ManualClock) -> None:
    app, _ = shop_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        await open_menu(app, screen, pilot, DONE.order_no)
        await pilot.press("u" if Action.URGE in screen.allowed_actions() else "c")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        row = next(line for line in list_lines(screen) if DONE.order_no in line)
        assert "…pending" in row and row.startswith("…")
        clock.advance(5)
        await poll_again(app, pilot)
        row = next(line for line in list_lines(screen) if DONE.order_no in line)
        assert "…pending" not in row and "DONE" in row


async def test_read_only_says_so(clock: ManualClock) -> None:
    app, _ = shop_app(clock)
    app._read_only = True
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await settled(app, pilot)
        assert "read-only" in screen.header.render().plain
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        assert any("read-only" in n.message.lower() for n in app._notifications)
