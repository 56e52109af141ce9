"""`orders` and `show` when some orders cannot be read: every readable one is printed, one
stderr line per other, exit 0 (1 only when nothing could be read); card codes on request only."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from decimal import Decimal

import pytest

from kameng_tui.backends import factory
from kameng_tui.backends.base import Backend, OrderProblem, ReadProblem, SyncResult
from kameng_tui.cli import main
from kameng_tui.config import Profile
from kameng_tui.domain.clock import Clock
from kameng_tui.domain.order import Order, Refund
from kameng_tui.domain.status import OrderStatus
from tests.domain.factory import make_order

CODES = ("CARD-0001 / PIN 1111", "CARD-0002 / PIN 2222")


class Watched(Backend):
    """A watch list where some numbers are fine and the others each fail their own way."""

    platform = "test"
    profile = "shop"

    def __init__(self, answers: Mapping[str, Order | Exception | None]) -> None:
        self.answers = answers

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        return await self.fetch_watched(list(self.answers))

    async def get_order(self, order_no: str) -> Order | None:
        answer = self.answers[order_no]
        if isinstance(answer, Exception):
            raise answer
        return answer


DONE = make_order(
    order_no="DJ20261125103000000001",
    status=OrderStatus.COMPLETED,
    card_codes=CODES,
    amount=Decimal("98.00"),
    refund=Refund(Decimal("49.00"), None, "one item out of stock"),
)


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> dict[str, Order | Exception | None]:
    answers: dict[str, Order | Exception | None] = {}

    def make(profile: Profile, environ: Mapping[str, str], clock: Clock) -> Backend:
        return Watched(answers)

    monkeypatch.setattr(factory, "make_backend", make)
    return answers


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv, environ={})
    out, err = capsys.readouterr()
    return code, out, err


def test_one_unreadable_order_never_sinks_the_others(
    shop: dict[str, Order | Exception | None], capsys: pytest.CaptureFixture[str]
) -> None:
    shop.update(
        {
            DONE.order_no: DONE,
            "TYPO": None,
            "OTHER": OrderProblem("another buyer's order", ReadProblem.NOT_YOURS),
            "BROKEN": OrderProblem("the order page has no status label"),
        }
    )
    code, out, err = run(["orders", "--demo", "--format", "json"], capsys)
    assert code == 0
    (record,) = json.loads(out)
    assert record["order_no"] == DONE.order_no
    assert err.splitlines() == [
        "kameng-tui: demo: TYPO: the shop has no order with this number",
        "kameng-tui: demo: OTHER: another buyer's order",
        "kameng-tui: demo: BROKEN: the order page has no status label",
    ]


def test_nothing_readable_is_exit_1(
    shop: dict[str, Order | Exception | None], capsys: pytest.CaptureFixture[str]
) -> None:
    shop.update({"TYPO": None})
    code, _, err = run(["orders", "--demo"], capsys)
    assert code == 1
    assert err == "kameng-tui: demo: TYPO: the shop has no order with this number\n"


def test_scripts_get_code_counts_refunds_and_the_profile_never_the_codes(
    shop: dict[str, Order | Exception | None], capsys: pytest.CaptureFixture[str]
) -> None:
    shop.update({DONE.order_no: DONE})
    _, out, _ = run(["orders", "--demo", "--format", "json"], capsys)
    (record,) = json.loads(out)
    assert (record["card_codes"], record["refunded_amount"], record["profile"]) == (
        2,
        "49.00",
        "demo",
    )
    _, out, _ = run(["orders", "--demo", "--format", "csv"], capsys)
    (row,) = csv.DictReader(io.StringIO(out))
    assert (row["card_codes"], row["refunded_amount"], row["profile"]) == ("2", "49.00", "demo")
    for fmt in ("json", "csv", "table"):
        _, out, _ = run(["orders", "--demo", "--format", fmt], capsys)
        assert not any(code in out for code in CODES)
    _, out, _ = run(["show", DONE.order_no, "--demo"], capsys)
    assert not any(code in out for code in CODES)


def test_show_reveal_prints_that_orders_codes(
    shop: dict[str, Order | Exception | None], capsys: pytest.CaptureFixture[str]
) -> None:
    shop.update({DONE.order_no: DONE})
    code, out, _ = run(["show", DONE.order_no, "--demo", "--reveal"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("card_codes") and line.endswith(CODES[0]) for line in lines)
    assert any(line.strip() == CODES[1] for line in lines)
    code, out, _ = run(["show", DONE.order_no, "--demo", "--reveal", "--format", "json"], capsys)
    assert json.loads(out)["card_codes"] == list(CODES)


def test_show_names_the_orders_problem(
    shop: dict[str, Order | Exception | None], capsys: pytest.CaptureFixture[str]
) -> None:
    shop.update({"OTHER": OrderProblem("another buyer's order", ReadProblem.NOT_YOURS)})
    code, out, err = run(["show", "OTHER", "--demo"], capsys)
    assert (code, out) == (1, "")
    assert err == "kameng-tui: demo: OTHER: another buyer's order\n"
