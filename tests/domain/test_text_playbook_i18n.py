"""Untrusted text is made harmless; hints and every text exist in both languages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from kameng_tui.domain.attention import Attention
from kameng_tui.domain.order import Refund
from kameng_tui.domain.playbook import next_step_keys
from kameng_tui.domain.status import LabelCode, OrderStatus
from kameng_tui.domain.text import clean
from kameng_tui.i18n import CATALOGUE, Lang, Messages, detect_lang
from tests.domain.factory import NOW, label, make_order

S = OrderStatus


def test_control_characters_become_visible() -> None:
    assert clean("a\x1b[2Jb") == "a␛[2Jb"
    assert clean("\x1b]52;c;aGk=\x07") == "␛]52;c;aGk=␇"
    assert clean("one\ntwo\r") == "one␊two␍"
    assert clean("one\ntwo", multiline=True) == "one\ntwo"
    assert clean("\x9b31m") == "\\x9b31m"  # C1 CSI
    assert clean("abc\u202edcba") == "abc\\u202edcba"  # bidi override
    assert clean("\x7f") == "␡"


def test_markup_stays_literal_and_long_text_is_cut() -> None:
    assert clean("[red]x[/red]") == "[red]x[/red]"
    assert clean(42) == "42"
    cut = clean("x" * 5000)
    assert len(cut) == 4097 and cut.endswith("…")
    assert clean("中文 ok") == "中文 ok"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (LabelCode.MAINTENANCE, S.DELIVERING),
        (LabelCode.CARRIER_ERROR, S.DELIVERING),
        (LabelCode.ACCOUNT_INVALID, S.FAILED),
        (LabelCode.OUT_OF_STOCK, S.ABNORMAL),
        (LabelCode.CALLBACK_LOST, S.PENDING_PAYMENT),
    ],
)
def test_a_label_gives_its_own_hint_not_the_generic_one(code: LabelCode, status: S) -> None:
    keys = next_step_keys(make_order(status=status, label=label(code)))
    assert keys == [f"next.{code.value}"]


def test_hints_by_status_overdue_stalled_and_refund() -> None:
    for status in S:
        assert next_step_keys(make_order(status=status)) == [f"next.{status.value}"]
    order = make_order(status=S.DELIVERING)
    assert next_step_keys(order, (Attention.OVERDUE, Attention.STALLED)) == [
        "next.overdue",
        "next.delivering",
    ]
    assert next_step_keys(order, (Attention.STALLED,)) == ["next.stalled", "next.delivering"]
    refunded = make_order(status=S.FAILED, refund=Refund(Decimal(1), NOW))
    assert next_step_keys(refunded) == ["next.refunded"]
    done = make_order(status=S.REFUNDED, label=label(LabelCode.OUT_OF_STOCK))
    assert next_step_keys(done) == ["next.refunded"]  # a final order's old label is history


def test_every_hint_and_enum_text_exists() -> None:
    for status in S:
        for key in (f"status.{status.value}", f"badge.{status.value}", f"next.{status.value}"):
            assert key in CATALOGUE
    for code in LabelCode:
        assert f"next.{code.value}" in CATALOGUE and f"reason.{code.value}" in CATALOGUE
    for reason in Attention:
        assert f"attention.{reason.value}" in CATALOGUE and f"hint.{reason.value}" in CATALOGUE


def test_catalogue_is_complete_in_both_languages() -> None:
    field = re.compile(r"\{(\w+)\}")
    for key, (en, zh) in CATALOGUE.items():
        assert en.strip() and zh.strip(), key
        assert set(field.findall(en)) == set(field.findall(zh)), key


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({}, Lang.EN),
        ({"LANG": "zh_CN.UTF-8"}, Lang.ZH),
        ({"LANG": "en_US.UTF-8"}, Lang.EN),
        ({"LANG": "C"}, Lang.EN),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C.UTF-8"}, Lang.EN),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"}, Lang.ZH),
        ({"LC_ALL": "", "LANG": "zh_CN"}, Lang.ZH),
    ],
)
def test_language_from_the_environment(environ: dict[str, str], lang: Lang) -> None:
    assert detect_lang(environ) is lang


def test_messages_format_and_relative_times() -> None:
    en, zh = Messages(Lang.EN), Messages(Lang.ZH)
    assert en("header.shown", shown="3", total="9") == "3 of 9 orders"
    assert zh("header.shown", shown="3", total="9") == "显示 3 / 共 9 单"
    assert en.enum("status", S.PAID) == "Paid" and zh.enum("status", S.PAID) == "已支付/待处理"
    assert [en.age(s) for s in (0.4, 4, 61, 7200, 90000)] == [
        "just now",
        "4s ago",
        "1m ago",
        "2h ago",
        "1d ago",
    ]
    assert zh.age(4) == "4秒前"
    assert en("no.such.key") == "no.such.key"
