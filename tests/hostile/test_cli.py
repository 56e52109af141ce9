"""The hostile corpus through `orders` and `show`: table, JSON and CSV.

- table: control characters shown as symbols, one line per order, whatever the data;
- JSON: valid, and it gives back exactly the data (escapes for anything a terminal could obey);
- CSV: control characters shown as symbols like the table (CSV is for spreadsheets and line
  tools; JSON is the lossless format), and text cells that a spreadsheet would run as a
  formula (= + - @) start with an apostrophe.
Whatever the format, stdout can be written to a UTF-8 terminal or file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest

from kameng_tui.backends import factory
from kameng_tui.backends.base import Backend, SyncResult
from kameng_tui.backends.kameng import KamengBackend
from kameng_tui.cli import main
from kameng_tui.config import Profile
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import FIXED_EPOCH, Clock
from kameng_tui.domain.order import Order
from kameng_tui.domain.text import bounded, clean
from kameng_tui.output import FIELDS
from kameng_tui.store.history import HistoryStore
from tests.hostile.corpus import SHORT_TEXTS, TEXTS, hostile_order, hostile_orders, raw_controls
from tests.hostile.test_adapters import http, json_response

FORMULA = ("=", "+", "-", "@")


class Stub(Backend):
    platform = "demo"

    def __init__(self, orders: list[Order]) -> None:
        self.profile = "demo"
        self.orders = orders

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        return SyncResult(self.orders, None, len(self.orders))


@pytest.fixture
def orders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Order]]:
    """Every corpus text in every field of one order each, as the CLI's backend sees them."""
    hostile = hostile_orders()

    def make_backend(profile: Profile, environ: Mapping[str, str], clock: Clock) -> Backend:
        return Stub(hostile)

    monkeypatch.setattr(factory, "make_backend", make_backend)
    yield hostile


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    out.encode("utf-8")  # what a terminal or a pipe would get: no lone surrogates
    err.encode("utf-8")
    return code, out, err


def by_number(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["order_no"]: r for r in records}


def test_table_shows_control_characters_and_keeps_one_line_per_order(
    orders: list[Order], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["orders", "--demo"], capsys)
    assert code == 0
    assert not raw_controls(out)
    lines = out.splitlines()
    assert len(lines) == len(orders) + 1  # no field broke a line
    assert out.count("\n") == len(orders) + 1
    for order in orders:
        assert any(line.startswith(clean(order.order_no, limit=200)) for line in lines)
    assert max(len(line) for line in lines) < 1600  # megabyte fields are cut (200 a cell)
    for name in ("markup_mixed", "osc52_clipboard", "cr_overwrite", "bidi"):
        assert clean(TEXTS[name]) in out


def test_json_is_valid_and_gives_back_the_data(
    orders: list[Order], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["orders", "--demo", "--format", "json"], capsys)
    assert code == 0
    assert not raw_controls(out)
    records = by_number(json.loads(out))
    assert len(records) == len(orders)
    for order in orders:
        record = records[order.order_no]
        assert record["product_name"] == order.product_name
        assert record["account"] == order.account
        assert record["raw_status"] == order.raw_status
        assert order.label is not None and record["label"] == order.label.text
        assert record["card_codes"] == len(order.card_codes)  # how many; the codes stay out


def test_csv_shows_control_characters_and_defuses_formulas(
    orders: list[Order], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["orders", "--demo", "--format", "csv"], capsys)
    assert code == 0
    assert not raw_controls(out)
    assert out.count("\n") == len(orders) + 1  # one line per order: no quoted line breaks
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == len(orders)
    for row in rows:
        assert set(row) == set(FIELDS)
        for key in ("order_no", "product_name", "merchant", "account", "raw_status", "label"):
            assert not row[key].startswith(FORMULA), (key, row[key][:40])
    products = {row["product_name"] for row in rows}
    for name in ("formula_eq", "formula_plus", "formula_minus", "formula_at"):
        assert "'" + TEXTS[name] in products
    for name in ("markup_mixed", "osc0_title", "bidi", "emoji", "cjk_wide"):
        assert clean(TEXTS[name]) in products


def test_csv_keeps_numbers_as_numbers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from decimal import Decimal

    refund = hostile_order(0, "=1+1", amount=Decimal("-5.00"), quantity=3)
    monkeypatch.setattr(factory, "make_backend", lambda *a: Stub([refund]))
    _, out, _ = run(["orders", "--demo", "--format", "csv"], capsys)
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["amount"] == "-5.00" and row["quantity"] == "3"
    assert row["product_name"] == "'=1+1"


@pytest.mark.parametrize("name", sorted(SHORT_TEXTS))
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_show_one_hostile_order(
    orders: list[Order], capsys: pytest.CaptureFixture[str], name: str, fmt: str
) -> None:
    order = next(o for o in orders if o.product_name == TEXTS[name])
    code, out, _ = run(["show", order.order_no, "--demo", "--format", fmt], capsys)
    assert code == 0
    assert not raw_controls(out)
    if fmt == "json":
        record = json.loads(out)
        assert record["order_no"] == order.order_no
        assert record["merchant"] == order.merchant
    else:
        lines = out.splitlines()
        assert len(lines) == len(FIELDS)  # one line per field, none broken
        assert any(line.endswith(clean(order.product_name, limit=200)) for line in lines)


def test_show_an_unknown_hostile_number_is_one_line(
    orders: list[Order], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["show", "\x1b]0;pwned\x07[/b]", "--demo"], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and not raw_controls(err)


@pytest.fixture
def kameng_shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """`orders` against a kameng shop (MockTransport) answering `answer["body"]`."""
    answer: dict[str, Any] = {"status": 200, "body": {"data": [], "total": 0}}

    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(answer["body"], answer["status"])

    def make_backend(profile: Profile, environ: Mapping[str, str], clock: Clock) -> Backend:
        return KamengBackend("shop", "http://shop.test", "tok", http=http(handler))

    monkeypatch.setattr(factory, "make_backend", make_backend)
    yield answer


@pytest.mark.parametrize("name", ["osc0_title", "markup_mixed", "newlines", "megabyte"])
def test_platform_errors_are_one_clean_line_on_stderr(
    kameng_shop: dict[str, Any], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    kameng_shop["status"] = 418
    kameng_shop["body"] = {"error": {"code": "x", "message": TEXTS[name]}}
    code, out, err = run(["orders", "--demo"], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and not raw_controls(err) and len(err) < 300


def test_malformed_orders_from_a_shop_are_one_line_on_stderr(
    kameng_shop: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    kameng_shop["body"] = {"data": [{"order_no": "\x1b[2J", "status": 7}]}
    code, out, err = run(["orders", "--demo", "--format", "csv"], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "malformed answer" in err and not raw_controls(err)


def test_history_prints_hostile_timelines_visibly(capsys: pytest.CaptureFixture[str]) -> None:
    # As an adapter hands them over: bounded, no lone surrogates (SQLite could not store them).
    orders = hostile_orders({name: bounded(text) for name, text in SHORT_TEXTS.items()})
    store = HistoryStore()
    store.record("demo", OrderBook().apply(orders, []), FIXED_EPOCH)
    store.close()
    for order in orders:
        code, out, _ = run(["history", order.order_no, "--demo"], capsys)
        assert code == 0 and not raw_controls(out)
        assert len(out.splitlines()) >= 1
        raw = clean(order.raw_status).strip()  # lines end at their last visible cell
        assert all(raw in line for line in out.splitlines())
