"""`kameng-tui orders --query` and `--attention`: the tracker's search, for scripts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kameng_tui import cli
from kameng_tui.cli import main
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's orders and `age:` on one still clock: every run prints the same orders."""
    monkeypatch.setattr(cli, "_clock", lambda: ManualClock(FIXED_EPOCH))


def orders_json(capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    code = main(["orders", "--demo", "--format", "json", *extra], environ={})
    out, err = capsys.readouterr()
    assert code == 0, err
    records: list[dict[str, Any]] = json.loads(out)
    return records


def test_query_is_the_status_option_and_more(capsys: pytest.CaptureFixture[str]) -> None:
    by_option = orders_json(capsys, "--status", "failed")
    by_query = orders_json(capsys, "--query", "status:failed")
    assert by_query == by_option and by_query
    chinese = orders_json(capsys, "--query", "status:失败")
    assert chinese == by_option
    phone = orders_json(capsys, "--query", "status:failed type:phone")
    assert phone and all(r["product_type"] == "phone_topup" for r in phone)
    assert len(phone) < len(by_option)


def test_query_words_match_accounts_labels_and_merchants(
    capsys: pytest.CaptureFixture[str],
) -> None:
    everything = orders_json(capsys)
    with_mail = next(r for r in everything if "@" in (r.get("account") or ""))
    found = orders_json(capsys, "--query", with_mail["account"].upper())
    assert with_mail["order_no"] in {r["order_no"] for r in found}
    labelled = next(r for r in everything if r.get("label"))
    found = orders_json(capsys, "--query", f'label:"{labelled["label"]}"')
    assert found and all(labelled["label"] in r["label"] for r in found)


def test_query_age_and_attention(capsys: pytest.CaptureFixture[str]) -> None:
    everything = orders_json(capsys)
    old = orders_json(capsys, "--query", "age:>30m")
    young = orders_json(capsys, "--query", "age:<=30m")
    assert old and young and len(old) + len(young) == len(everything)
    assert min(r["updated_at"] for r in young) > max(r["updated_at"] for r in old)
    attention = orders_json(capsys, "--attention")
    assert attention and len(attention) < len(everything)
    assert all(r["needs_attention"] for r in attention)
    assert sum(1 for r in everything if r["needs_attention"]) == len(attention)
    both = orders_json(capsys, "--attention", "--query", "status:abnormal")
    assert both and all(r["status"] == "abnormal" and r["needs_attention"] for r in both)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("status:lost", "status:lost: no such status"),
        ("age:>10", "age:>10: use <, >"),
        ('label:"open', "quote"),
        ("type:", "type: needs a value"),
    ],
)
def test_a_malformed_query_is_one_line_and_exit_2(
    query: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["orders", "--demo", "--query", query], environ={})
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("kameng-tui: error: --query: ")
    assert says in err
