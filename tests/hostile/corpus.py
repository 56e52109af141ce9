"""The one corpus of hostile values (issue item 1): what any field from a platform may hold.

Every adapter, the list, the detail pane, toasts and the CLI's table, JSON and CSV are run with
these values. They are data, nothing more: add a case here and every layer is tested with it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

from kameng_tui.domain.clock import FIXED_EPOCH
from kameng_tui.domain.order import Order, Refund, StatusLabel, TimelineEvent
from kameng_tui.domain.status import LabelCode, OrderStatus, ProductType

MEGABYTE = 1_000_000

# Texts, by name (the names are test ids).
TEXTS: dict[str, str] = {
    # Rich / Textual markup: must stay literal, and must not raise MarkupError.
    "markup_close": "[/b]",
    "markup_style": "[red]x[/red]",
    "markup_mixed": "ACME [/b] Ltd [red]x[/red] [bold]",
    "markup_link": "[link=https://evil.example]pay here[/link]",
    "markup_action": "[@click=app.quit]quit[/]",
    "markup_variable": "$accent [$text]x[/] :smile:",
    "markup_escaped": "\\[not markup] \\",
    # Terminal control sequences: shown, never obeyed.
    "esc": "\x1b",
    "csi_clear": "\x1b[2J\x1b[H",
    "csi_colour": "\x1b[31mred\x1b[0m",
    "osc0_title": "\x1b]0;pwned\x07",
    "osc52_clipboard": "\x1b]52;c;cm0gLXJmIH4=\x07",
    "osc8_link": "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "dcs": "\x1bP+q544e\x1b\\",
    "bracketed_paste_end": "\x1b[201~rm -rf ~\n",
    "c1_csi": "\x9b2J",
    "c1_osc": "\x9d0;title\x9c",
    "bel": "ding\x07",
    "cr_overwrite": "paid\rFAILED",
    "backspace": "abc\x08\x08\x08xyz",
    "nul": "a\x00b",
    "del": "a\x7fb",
    "tab_vt_ff": "a\tb\x0bc\x0cd",
    "newlines": "line1\nline2\r\nline3",
    "nel_ls_ps": "a\x85b\u2028c\u2029d",
    "bidi": "\u202eevil\u202c \u2066iso\u2069",
    "lone_surrogate": "x\ud800y\udfff",
    # Unicode that must keep its width and order.
    "emoji": "🧧💳 👨‍👩‍👧 🇨🇳",
    "cjk_wide": "腾讯Q币 100元 · 延迟发货：系统维护中",
    "fullwidth": "ＡＢＣ１２３",
    "combining": "e\u0301\u0301\u0301",
    "zero_width": "a\u200bb\ufeffc\u200dd",
    # Invisible characters (issue item 14): shown, so look-alike numbers differ on screen.
    "zwj_leading": "\u200dKM0001",  # Rich measures it 0 cells where a terminal draws 1
    "zero_width_all": "K\u200bM\u200c0\u200d0\u20600\ufeff1\u2061",
    "bidi_marks": "\u200eKM\u200f0001\u061c",
    "bidi_embed": "\u202aa\u202c\u202bb\u202c\u202dc\u202c\u2067d\u2069\u2068e\u2069",
    "tags": "KM\U000e0031\U000e00320001\U000e0001\U000e007f",
    "cjk_zwj": "腾\u200d讯\u200b卡",  # Rich measures 腾\u200d讯 as one wide cell pair
    "emoji_flag_tags": "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f 🏳️\u200d🌈",
    # Spreadsheet formulas (CSV).
    "formula_eq": '=HYPERLINK("http://evil.example","x")',
    "formula_plus": "+1+1",
    "formula_minus": "-2+3",
    "formula_at": "@SUM(A1)",
    # Nothing, and far too much.
    "empty": "",
    "spaces": "   ",
    "megabyte": "x" * MEGABYTE,
    "megabyte_wide": "腾" * MEGABYTE,
    "megabyte_markup": "[b]\x1b" * (MEGABYTE // 4),
}
SHORT_TEXTS = {name: text for name, text in TEXTS.items() if len(text) < 1000}

# JSON values of the wrong type for any field.
WRONG_TYPES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    7,
    1.5,
    10**30,
    float("nan"),
    float("inf"),
    "",
    [],
    {},
    ["a"],
    {"a": 1},
    [[["deep"]]],
]

# Times as platforms might send them (Dujiao-Next documents RFC 3339).
DATES: dict[str, Any] = {
    "slashes": "2026/11/25 10:00",
    "space": "2026-11-25 10:00:00",
    "naive_iso": "2026-11-25T10:00:00",
    "date_only": "2026-11-25",
    "nanoseconds": "2026-11-25T10:30:00.123456789+08:00",
    "epoch_s": 1764036000,
    "epoch_ms": 1764036000000,
    "epoch_float": 1764036000.5,
    "epoch_text": "1764036000",
    "empty": "",
    "null": None,
    "words": "yesterday",
    "go_zero": "0001-01-01T00:00:00Z",
    "year_1": "0001-01-01T00:00:00+14:00",
    "year_9999": "9999-12-31T23:59:59-14:00",
    "feb_30": "2026-02-30T00:00:00Z",
    "negative": -1,
    "huge": 10**30,
    "nan": float("nan"),
    "bool": True,
    "list": ["2026-11-25T10:00:00Z"],
    "markup": "[red]2026[/red]",
    "escape": "\x1b[2J2026-11-25",
    "megabyte": "2" * MEGABYTE,
}

STATUSES: list[Any] = [
    7,
    "PAID",
    "on_hold_by_risk_control",
    "",
    None,
    "[red]x[/red]",
    "\x1b]0;t\x07",
    True,
    ["paid"],
    {"a": 1},
    "x" * MEGABYTE,
]

AMOUNTS: list[Any] = [
    ["98.00"],
    {"v": 1},
    True,
    None,
    "",
    "12,5",
    "NaN",
    "Infinity",
    "1e999999999",
    "9" * 100_000,
    "-0",
    "１２",
    1.5,
    10**30,
    float("nan"),
    float("inf"),
]

# Characters that must never reach a terminal raw: C0 (line feed aside) and C1 controls, DEL,
# bidi marks, embeddings, overrides and isolates, zero-width and invisible format characters,
# line and paragraph separators, lone surrogates, tag characters...
RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e"
    "\u2060-\u206f\ufeff\ud800-\udfff\U000e0000-\U000e007f]"
)
# ... except inside an emoji: a joiner next to a pictograph (clean keeps it only between two,
# but Textual's compositor may cut an emoji sequence where a toast or a dialog overlaps it),
# the tags of a flag.
_PICTOGRAPH = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2190-\u2bff\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
EMOJI_PARTS = re.compile(
    f"(?<=[{_PICTOGRAPH}\ufe0f])\u200d|\u200d(?=[{_PICTOGRAPH}])"
    "|(?<=\U0001f3f4)[\U000e0020-\U000e007e]+\U000e007f"
)


def raw_controls(text: str) -> list[str]:
    """The raw control or invisible characters in `text` (empty when it is safe to print)."""
    return sorted({repr(ch) for ch in RAW_CONTROL.findall(EMOJI_PARTS.sub("", text))})


def hostile_order(index: int, text: str, **overrides: Any) -> Order:
    """An order carrying `text` in every free-text field (the order number too)."""
    at = FIXED_EPOCH - timedelta(minutes=index + 1)
    fields: dict[str, Any] = {
        "order_no": f"H{index:03d}{text}",
        "product_name": text,
        "product_type": ProductType.GAME_CARD,
        "merchant": text,
        "merchant_verified": False,
        "quantity": 1,
        "amount": Decimal("98.00"),
        "currency": text[:8] or "CNY",
        "account": text,
        "status": OrderStatus.FAILED,
        "raw_status": text,
        "label": StatusLabel(text, LabelCode.OTHER),
        "created_at": at - timedelta(minutes=5),
        "updated_at": at,
        "paid_at": at - timedelta(minutes=4),
        "card_codes": (text, f"CODE-{index}"),
        "refund": Refund(Decimal("1.00"), at, text),
        "timeline": (TimelineEvent(at, OrderStatus.FAILED, text, text),),
    }
    fields.update(overrides)
    return Order(**fields)


def hostile_orders(texts: dict[str, str] = TEXTS) -> list[Order]:
    return [hostile_order(i, text) for i, text in enumerate(texts.values())]
