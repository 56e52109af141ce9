"""Untrusted text is shown, never obeyed; the playbook's hints all exist in both languages."""

from __future__ import annotations

import string
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kameng_tui.domain.attention import Attention, attention_reasons
from kameng_tui.domain.order import Refund
from kameng_tui.domain.playbook import next_step_keys
from kameng_tui.domain.status import FINAL_STATUSES, LabelCode, OrderStatus
from kameng_tui.domain.text import clean
from kameng_tui.i18n import CATALOGUE
from tests.domain.factory import NOW, ago, label, make_order

S = OrderStatus

# -- text.clean ---------------------------------------------------------------------------------


def test_escape_becomes_a_visible_symbol() -> None:
    assert clean("\x1b[31mred\x1b[0m") == "␛[31mred␛[0m"
    assert clean("\x1b]52;c;ZXZpbA==\x07") == "␛]52;c;ZXZpbA==␇"  # OSC 52 clipboard write
    assert "\x1b" not in clean("\x1b" * 10)


@pytest.mark.parametrize("code", [*range(0x20), 0x7F])
def test_every_c0_control_and_del_is_replaced_one_for_one(code: int) -> None:
    shown = clean(f"a{chr(code)}b")
    assert len(shown) == 3 and shown[0] == "a" and shown[2] == "b"
    assert shown[1] == ("␡" if code == 0x7F else chr(0x2400 + code))


def test_specific_symbols() -> None:
    assert clean("\x00\x07\x08\t\n\r\x1b") == "␀␇␈␉␊␍␛"


@pytest.mark.parametrize("code", range(0x80, 0xA0))
def test_c1_controls_are_neutralised(code: int) -> None:
    shown = clean(f"x{chr(code)}y")
    assert shown == f"x\\x{code:02x}y"
    assert not any(0x80 <= ord(ch) < 0xA0 for ch in shown)


@pytest.mark.parametrize("code", [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
def test_bidi_overrides_and_isolates_are_neutralised(code: int) -> None:
    shown = clean(f"abc{chr(code)}def")
    assert shown == f"abc\\u{code:04x}def"


def test_newlines_only_when_multiline() -> None:
    assert clean("one\ntwo") == "one␊two"
    assert clean("one\ntwo", multiline=True) == "one\ntwo"
    # Multiline keeps the line feed only: the other controls are still shown.
    assert clean("a\r\nb\x1b\tc", multiline=True) == "a␍\nb␛␉c"
    assert clean("\x9b2J\u202e", multiline=True) == "\\x9b2J\\u202e"


def test_long_strings_are_cut_with_an_ellipsis() -> None:
    assert clean("x" * 4096) == "x" * 4096
    cut = clean("x" * 4097)
    assert cut == "x" * 4096 + "…"
    assert clean("abcdef", limit=3) == "abc…"
    assert clean("abc", limit=3) == "abc"
    assert clean("中文" * 10, limit=4) == "中文中文…"
    # Cut first, then made visible: a control right at the edge is still shown, not obeyed.
    assert clean("ab\x1bcd", limit=3) == "ab␛…"


def test_rich_markup_stays_literal() -> None:
    for text in ("[bold red]x[/]", "[link=https://evil.example]pay here[/link]", "[/]", ":smile:"):
        assert clean(text) == text


def test_ordinary_text_and_non_strings_pass_through() -> None:
    assert (
        clean("腾讯Q币 100元 · 延迟发货：系统维护中 ✓") == "腾讯Q币 100元 · 延迟发货：系统维护中 ✓"
    )
    assert clean(Decimal("98.00")) == "98.00"
    assert clean(None) == "None"
    assert clean(12345, limit=3) == "123…"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60), st.booleans())
def test_no_control_character_survives(text: str, multiline: bool) -> None:
    shown = clean(text, multiline=multiline)
    bad = {*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
    if multiline:
        bad.discard(0x0A)
    assert not any(ord(ch) in bad for ch in shown)
    if all(ch in string.ascii_letters + string.digits + " []/" for ch in text):
        assert shown == text  # plain text is left alone


# -- the playbook -------------------------------------------------------------------------------

LABEL_CASES = [
    (LabelCode.MAINTENANCE, S.DELIVERING),
    (LabelCode.CARRIER_ERROR, S.PAID),
    (LabelCode.ACCOUNT_INVALID, S.FAILED),
    (LabelCode.OUT_OF_STOCK, S.ABNORMAL),
    (LabelCode.CALLBACK_LOST, S.PENDING_PAYMENT),
    (LabelCode.OTHER, S.DELIVERING),
]


@pytest.mark.parametrize(("code", "status"), LABEL_CASES)
def test_each_label_gives_its_own_hint_instead_of_the_statuss(
    code: LabelCode, status: OrderStatus
) -> None:
    assert next_step_keys(make_order(status=status, label=label(code))) == [f"next.{code.value}"]


@pytest.mark.parametrize("status", list(S))
def test_each_status_without_a_label_has_its_hint(status: OrderStatus) -> None:
    assert next_step_keys(make_order(status=status)) == [f"next.{status.value}"]


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_a_final_orders_old_label_is_ignored(status: OrderStatus) -> None:
    order = make_order(status=status, label=label(LabelCode.OUT_OF_STOCK))
    assert next_step_keys(order) == [f"next.{status.value}"]


def test_overdue_and_stalled_hints_come_before_the_status_hint() -> None:
    order = make_order(status=S.PAID)
    assert next_step_keys(order, (Attention.OVERDUE,)) == ["next.overdue", "next.paid"]
    assert next_step_keys(order, (Attention.STALLED,)) == ["next.stalled", "next.paid"]
    # Overdue says more than stalled: only one of the two.
    both = (Attention.OVERDUE, Attention.STALLED)
    assert next_step_keys(order, both) == ["next.overdue", "next.paid"]
    # Reasons without a hint of their own add nothing.
    assert next_step_keys(order, (Attention.WAITING_CUSTOMER,)) == ["next.paid"]


def test_a_label_hint_comes_first_then_the_clock() -> None:
    order = make_order(status=S.DELIVERING, label=label(LabelCode.MAINTENANCE))
    assert next_step_keys(order, (Attention.STALLED,)) == ["next.maintenance", "next.stalled"]
    assert next_step_keys(order, (Attention.OVERDUE,)) == ["next.maintenance", "next.overdue"]


def test_a_failed_order_with_a_refund_points_at_the_refund() -> None:
    failed = make_order(status=S.FAILED)
    assert next_step_keys(failed) == ["next.failed"]
    refunded = failed._replace(refund=Refund(Decimal("98.00"), NOW, "库存不足"))
    assert next_step_keys(refunded) == ["next.refunded"]
    pending_refund = failed._replace(refund=Refund(Decimal("98.00"), None))
    assert next_step_keys(pending_refund) == ["next.refunded"]


def test_keys_never_repeat() -> None:
    order = make_order(status=S.DELIVERING, label=label(LabelCode.OTHER), updated_at=ago(60))
    keys = next_step_keys(order, (Attention.WAITING_SUPPORT, Attention.OVERDUE, Attention.STALLED))
    assert len(keys) == len(set(keys))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(list(S)),
    st.one_of(st.none(), st.sampled_from(list(LabelCode))),
    st.integers(0, 30),
    st.one_of(st.none(), st.integers(-20, 20)),
    st.booleans(),
)
def test_every_key_returned_exists_in_the_catalogue(
    status: OrderStatus,
    code: LabelCode | None,
    updated_ago: int,
    promised_in: int | None,
    refunded: bool,
) -> None:
    order = make_order(
        status=status,
        label=None if code is None else label(code),
        updated_at=ago(updated_ago),
        promised_by=None if promised_in is None else NOW + timedelta(minutes=promised_in),
        refund=Refund(Decimal(1), NOW) if refunded else None,
    )
    keys = next_step_keys(order, attention_reasons(order, NOW))
    assert keys, order
    assert all(key in CATALOGUE for key in keys), keys
    assert len(keys) == len(set(keys))


def test_every_possible_hint_key_is_in_the_catalogue() -> None:
    possible = {f"next.{s.value}" for s in S} | {f"next.{c.value}" for c in LabelCode}
    possible |= {"next.overdue", "next.stalled", "next.refunded"}
    assert possible <= set(CATALOGUE)


# -- the catalogue the hints come from ----------------------------------------------------------


def placeholders(text: str) -> set[str]:
    """Names of the `str.format` fields in `text` (raises on a malformed format string)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_entry_has_both_texts_with_the_same_placeholders(key: str) -> None:
    en, zh = CATALOGUE[key]
    assert en.strip() and zh.strip()
    assert en == en.strip() and zh == zh.strip()
    assert placeholders(en) == placeholders(zh)
    assert "" not in placeholders(en)  # named fields only: Messages formats with keywords
    fields = {name: "X" for name in placeholders(en)}
    assert "X" in en.format(**fields) or not fields
    assert "X" in zh.format(**fields) or not fields


def test_placeholders_helper_sees_fields() -> None:
    assert placeholders("{n}s ago") == {"n"}
    assert placeholders("{no}：{old} → {new}") == {"no", "old", "new"}
    assert placeholders("no fields") == set()
