"""Invisible characters (issue item 14): zero-width characters, bidi marks and Unicode tags are
shown as escapes in every field, so look-alike order numbers differ and widths are measured
right; emoji and CJK stay as they are. JSON keeps them exactly, as \\u escapes."""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

from kameng_tui.domain.text import clean
from kameng_tui.output import to_json
from kameng_tui.tui.cells import fit
from kameng_tui.tui.widgets.order_list import number_width
from tests.hostile.corpus import TEXTS, raw_controls

INVISIBLE = [0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F),
             *range(0x2060, 0x2065), *range(0x2066, 0x2070), 0xFEFF]  # fmt: skip
TAGS = [0xE0001, 0xE0020, 0xE0041, 0xE007F]


@pytest.mark.parametrize("code", INVISIBLE, ids=hex)
def test_zero_width_and_bidi_characters_are_shown_as_escapes(code: int) -> None:
    assert clean(f"KM{chr(code)}0001") == f"KM\\u{code:04x}0001"


@pytest.mark.parametrize("code", TAGS, ids=hex)
def test_tag_characters_are_shown_as_escapes(code: int) -> None:
    assert clean(f"KM{chr(code)}1") == f"KM\\U{code:08x}1"


def test_look_alike_numbers_differ_once_shown() -> None:
    plain = "KM0001"
    for twin in ("KM0001\u200b", "\u200dKM0001", "KM\u20600001", "\ufeffKM0001", "KM0001\u200e",
                 "KM0001\U000e0030"):  # fmt: skip
        assert clean(twin) != clean(plain)
        assert cell_len(clean(twin)) > cell_len(plain)


def test_a_leading_joiner_no_longer_shifts_the_columns() -> None:
    # Rich measures "\u200dKM" as 1 cell (the joiner glues K to nothing); a terminal draws 2.
    shown = clean("\u200dKM")
    assert shown == "\\u200dKM"
    assert cell_len(shown) == len(shown)  # one cell a character, as any terminal draws it
    assert cell_len(fit(shown, 12)) == 12
    assert number_width("\u200dKM0001") == cell_len("\\u200dKM0001")
    # Between CJK, too: Rich would count 腾\u200d讯 as 2 cells, a terminal draws 4.
    assert clean("腾\u200d讯") == "腾\\u200d讯" and cell_len(clean("腾\u200d讯")) == 10


@pytest.mark.parametrize(
    "text",
    [
        "👨\u200d👩\u200d👧",  # family: joiners between pictographs
        "🏳️\u200d🌈",  # a joiner after a variation selector
        "❤️\u200d🔥",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # flag of Scotland
        "🧧💳 🇨🇳",
        "腾讯Q币 100元 · 延迟发货：系统维护中",
        "ＡＢＣ１２３",
        "e\u0301\u0301",
    ],
)
def test_emoji_cjk_and_combining_marks_stay_intact(text: str) -> None:
    assert clean(text) == text
    assert not raw_controls(text)


def test_emoji_parts_out_of_place_are_shown() -> None:
    assert clean("a\u200d👩") == "a\\u200d👩"
    assert clean("👨\u200db") == "👨\\u200db"
    assert clean("\U000e0067\U000e007f") == "\\U000e0067\\U000e007f"  # tags with no flag
    assert clean("🏴\U000e0067") == "🏴\\U000e0067"  # no cancel tag: not a flag


def test_clean_is_idempotent_on_the_corpus() -> None:
    for name, text in TEXTS.items():
        if len(text) < 1000:
            once = clean(text)
            assert clean(once) == once, name


def test_json_escapes_invisible_characters_and_gives_them_back() -> None:
    value = "KM\u200b\u200d\u2060\ufeff\u200e\u061c\u202e\U000e0041👨\u200d👩 腾讯"
    out = to_json({"order_no": value})
    assert json.loads(out) == {"order_no": value}
    assert not raw_controls(out)
    assert "\\u200b" in out and "\\udb40\\udc41" in out  # a tag: the surrogate pair JSON needs
    assert "腾讯" in out and "👨" in out  # the rest stays readable
