"""The language from the locale, and the catalogue's texts formatted in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from textual.binding import Binding

from kameng_tui.domain.status import Actor, LabelCode, OrderStatus, ProductType, ReadProblem
from kameng_tui.i18n import CATALOGUE, Lang, Messages, detect_lang
from kameng_tui.tui.widgets.footer import binding_text
from tests.helpers import AppFactory

EN, ZH = Messages(Lang.EN), Messages(Lang.ZH)


# -- detect_lang --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({}, Lang.EN),
        ({"LANG": ""}, Lang.EN),
        ({"LANG": "zh_CN.UTF-8"}, Lang.ZH),
        ({"LANG": "zh_TW.Big5"}, Lang.ZH),
        ({"LANG": "zh"}, Lang.ZH),
        ({"LANG": "ZH_CN.UTF-8"}, Lang.ZH),
        ({"LANG": "C"}, Lang.EN),
        ({"LANG": "C.UTF-8"}, Lang.EN),
        ({"LANG": "POSIX"}, Lang.EN),
        ({"LANG": "en_US.UTF-8"}, Lang.EN),
        ({"LANG": "ja_JP.UTF-8"}, Lang.EN),
        ({"LC_MESSAGES": "zh_CN.UTF-8"}, Lang.ZH),
        ({"LC_ALL": "zh_CN.UTF-8"}, Lang.ZH),
    ],
)
def test_detect_lang_from_one_variable(environ: dict[str, str], lang: Lang) -> None:
    assert detect_lang(environ) is lang


@pytest.mark.parametrize(
    ("lc_all", "lc_messages", "lang_var", "expected"),
    [
        # LC_ALL wins over both others
        ("C", "zh_CN.UTF-8", "zh_CN.UTF-8", Lang.EN),
        ("zh_CN.UTF-8", "en_US.UTF-8", "en_US.UTF-8", Lang.ZH),
        # then LC_MESSAGES over LANG
        ("", "en_US.UTF-8", "zh_CN.UTF-8", Lang.EN),
        ("", "zh_CN.UTF-8", "C", Lang.ZH),
        # an empty variable counts as unset
        ("", "", "zh_CN.UTF-8", Lang.ZH),
        ("", "", "", Lang.EN),
    ],
)
def test_detect_lang_precedence(
    lc_all: str, lc_messages: str, lang_var: str, expected: Lang
) -> None:
    environ = {"LC_ALL": lc_all, "LC_MESSAGES": lc_messages, "LANG": lang_var}
    assert detect_lang(environ) is expected


def test_detect_lang_ignores_other_variables() -> None:
    assert detect_lang({"LANGUAGE": "zh_CN", "LC_CTYPE": "zh_CN.UTF-8"}) is Lang.EN


def test_detect_lang_reads_the_real_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    assert detect_lang(os.environ) is Lang.EN  # the autouse fixture cleared the locale
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert detect_lang(os.environ) is Lang.ZH
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
    assert detect_lang(os.environ) is Lang.EN


def test_lang_values() -> None:
    assert [lang.value for lang in Lang] == ["en", "zh"]
    assert Lang("zh") is Lang.ZH


# -- Messages -----------------------------------------------------------------------------------


def test_messages_pick_the_column_of_their_language() -> None:
    assert EN.lang is Lang.EN and ZH.lang is Lang.ZH
    for key, (en, zh) in list(CATALOGUE.items())[:50]:
        if "{" not in en:
            assert EN(key) == en and ZH(key) == zh


def test_messages_format_keyword_fields() -> None:
    assert EN("header.shown", shown=3, total=9) == "3 of 9 orders"
    assert ZH("header.shown", shown=3, total=9) == "显示 3 / 共 9 单"
    assert EN("refresh.error", error="HTTP 503", n=8) == "error: HTTP 503 · retry in 8s"
    assert ZH("refresh.error", error="HTTP 503", n=8) == "错误：HTTP 503 · 8 秒后重试"
    assert EN("toast.status_changed", no="KM1", old="Paid", new="Delivering") == (
        "KM1: Paid → Delivering"
    )
    assert ZH("actions.confirm", action="催单", no="KM1") == "确定对订单 KM1 执行「催单」？"


def test_messages_without_params_give_the_text_unformatted() -> None:
    assert EN("header.shown") == "{shown} of {total} orders"


def test_a_missing_field_is_an_error_not_a_silent_gap() -> None:
    with pytest.raises(KeyError):
        EN("header.shown", shown=3)


def test_unknown_keys_show_the_key() -> None:
    assert EN("no.such.key") == "no.such.key"
    assert ZH("no.such.key", n=1) == "no.such.key"
    assert EN.has("status.paid") and not EN.has("no.such.key")


def test_enum_texts() -> None:
    assert EN.enum("status", OrderStatus.PAID) == "Paid"
    assert ZH.enum("status", OrderStatus.PAID) == "已支付/待处理"
    assert ZH.enum("type", ProductType.PHONE_TOPUP) == "话费充值"
    assert EN.enum("actor", Actor.CUSTOMER) == "The customer"
    assert ZH.enum("reason", LabelCode.OUT_OF_STOCK) == "卡密库存不足"


@pytest.mark.parametrize("lang", list(Lang))
def test_every_enum_value_has_texts(lang: Lang) -> None:
    messages = Messages(lang)
    pairs = [
        *(("status", s) for s in OrderStatus),
        *(("badge", s) for s in OrderStatus),
        *(("type", t) for t in ProductType),
        *(("type_short", t) for t in ProductType),
        *(("actor", a) for a in Actor),
        *(("reason", c) for c in LabelCode),
        # why a watched order could not be read, and what to do about it
        *(("problem", p) for p in ReadProblem),
        *(("next.problem", p) for p in ReadProblem),
    ]
    for prefix, value in pairs:
        key = f"{prefix}.{value.value}"
        assert messages.has(key), key
        assert messages.enum(prefix, value) != key


def test_badges_fit_the_status_column() -> None:
    from rich.cells import cell_len

    for messages in (EN, ZH):
        for status in OrderStatus:
            assert cell_len(messages.enum("badge", status)) <= 10, status


def test_unreadable_texts() -> None:
    assert EN.enum("status", OrderStatus.UNREADABLE) == "Unreadable"
    assert ZH.enum("status", OrderStatus.UNREADABLE) == "无法读取"
    assert EN.enum("problem", ReadProblem.NOT_FOUND) == "not found on the shop: check the number"
    assert ZH.enum("problem", ReadProblem.NOT_FOUND) == "平台上没有这个订单号：请核对单号"


def test_status_names_match_the_article_in_chinese() -> None:
    from kameng_tui.domain.status import STATUS_ZH

    for status in OrderStatus:
        assert ZH.enum("status", status) == STATUS_ZH[status]


# -- relative times -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "en", "zh"),
    [
        (-5, "just now", "刚刚"),
        (0, "just now", "刚刚"),
        (0.99, "just now", "刚刚"),
        (1, "just now", "刚刚"),  # to the minute: ages in seconds would repaint rows
        (59.9, "just now", "刚刚"),
        (60, "1m ago", "1分钟前"),
        (3599, "59m ago", "59分钟前"),
        (3600, "1h ago", "1小时前"),
        (86399, "23h ago", "23小时前"),
        (86400, "1d ago", "1天前"),
        (10 * 86400 + 5, "10d ago", "10天前"),
    ],
)
def test_age(seconds: float, en: str, zh: str) -> None:
    assert EN.age(seconds) == en
    assert ZH.age(seconds) == zh


@pytest.mark.parametrize(
    ("seconds", "en", "zh"),
    [
        (-5, "in 0s", "0秒后"),
        (0, "in 0s", "0秒后"),
        (0.5, "in 0s", "0秒后"),
        (30, "in 30s", "30秒后"),
        (60, "in 1m", "1分钟后"),
        (119, "in 1m", "1分钟后"),
        (7200, "in 2h", "2小时后"),
        (2 * 86400, "in 2d", "2天后"),
    ],
)
def test_until(seconds: float, en: str, zh: str) -> None:
    assert EN.until(seconds) == en
    assert ZH.until(seconds) == zh


def test_timestamps_in_local_time() -> None:
    # conftest pins TZ=UTC
    when = datetime(2026, 11, 25, 18, 30, 5, tzinfo=timezone(timedelta(hours=8)))
    assert EN.timestamp(when) == "2026-11-25 10:30:05"
    assert ZH.timestamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02 03:04:05"
    assert EN.timestamp(None) == "—" and ZH.timestamp(None) == "—"


def test_every_platform_in_the_registry_has_a_name_in_both_languages() -> None:
    from kameng_tui.backends.registry import names

    for name in names():
        assert f"platform.{name}" in CATALOGUE, name
    assert ZH("platform.acg-faka") == "异次元发卡"
    assert EN("refresh.error_long", error="login refused", n=15) == (
        "error: login refused · retry in 15 min"
    )


# -- follow (f) and watch (w) are two things: two words ----------------------------------------

FOLLOW_KEYS = ("key.pin", "keyhelp.pin", "toast.pinned", "toast.unpinned", "sidebar.followed")
WATCH_KEYS = (
    "key.watch",
    "key.unwatch",
    "keyhelp.watch",
    "keyhelp.unwatch",
    "watch.title",
    "toast.watching",
    "toast.unwatched",
    "toast.not_watchable",
)


def test_follow_and_watch_bindings_differ_in_chinese() -> None:
    from kameng_tui.tui.screens.orders import OrdersScreen

    ids = {b.id: b for b in OrdersScreen.BINDINGS if isinstance(b, Binding)}
    follow, watch = ids["orders.pin"], ids["orders.watch"]
    assert (follow.key, watch.key) == ("f", "w")
    assert binding_text(follow, ZH) != binding_text(watch, ZH)
    assert binding_text(follow, ZH, long=True) != binding_text(watch, ZH, long=True)


def test_follow_and_watch_each_keep_their_own_word_everywhere() -> None:
    for key in FOLLOW_KEYS:
        assert "跟进" in ZH(key, no="KM1") and "监视" not in ZH(key, no="KM1"), key
    for key in WATCH_KEYS:
        assert "监视" in ZH(key, no="KM1") and "跟进" not in ZH(key, no="KM1"), key
    # 关注 meant both: no text uses it any more
    assert not [key for key, (_, zh) in CATALOGUE.items() if "关注" in zh]


async def test_search_box_footer_keys_are_in_the_interface_language(
    make_app: AppFactory,
) -> None:
    from kameng_tui.tui.screens.orders import SearchInput

    app = make_app(lang=Lang.ZH, orders=20)
    async with app.run_test(size=(120, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.focused, SearchInput)

        def footer() -> dict[str, str]:
            return {
                binding.id: binding.description
                for _, binding, _, _ in app.screen.active_bindings.values()
                if binding.id is not None and binding.id.startswith("search.")
            }

        assert footer() == {"search.clear": ZH("key.clear"), "search.done": ZH("key.done")}
        app.toggle_lang()
        await pilot.pause()
        assert footer() == {"search.clear": EN("key.clear"), "search.done": EN("key.done")}
