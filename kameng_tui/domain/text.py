"""Make untrusted text safe to keep and to put on a terminal.

Data from a platform or a user may carry terminal control sequences (ESC, OSC 52, BEL, CR...),
and characters that take no cell or reorder the text (zero-width spaces and joiners, bidi marks,
Unicode tags): two order numbers that differ only by them look the same, and a terminal and
Rich may disagree on their width. They are made visible rather than dropped, so support staff
can see that a field is odd.
"""

from __future__ import annotations

import re

FIELD_LIMIT = 4096  # characters of one platform field an adapter keeps
LIST_LIMIT = 1000  # card codes, or timeline events, an adapter keeps per order

_VISIBLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ … ␟
_VISIBLE[0x7F] = "␡"
_VISIBLE.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})  # C1 controls, e.g. CSI
# Bidirectional marks, embeddings, overrides and isolates can make text read differently from
# what it is; zero-width and invisible format characters make two values look alike (and Rich
# measures "\u200da" as 0 cells where a terminal draws 1); the line and paragraph separators
# break a one-line field; a lone surrogate (from a JSON "\ud800" escape) cannot be encoded for
# the terminal at all and would crash the write.
_VISIBLE.update(
    {
        code: f"\\u{code:04x}"
        for code in (
            0x061C,  # Arabic letter mark
            0x200B,  # zero-width space
            0x200C,  # zero-width non-joiner
            0x200E,  # left-to-right mark
            0x200F,  # right-to-left mark
            *range(0x202A, 0x202F),  # embeddings and overrides
            *range(0x2060, 0x2065),  # word joiner, invisible operators
            *range(0x2066, 0x2070),  # isolates, deprecated format characters
            0xFEFF,  # zero-width no-break space (BOM)
            0x2028,
            0x2029,
            *range(0xD800, 0xE000),
        )
    }
)
# The zero-width joiner and the tag characters (U+E0000..U+E007F) are also parts of emoji: a
# joiner between two pictographs (👨\u200d👩), tags between a black flag and the cancel tag (the
# flags of Scotland, Wales, England). There they stay; anywhere else they are shown.
_PICTOGRAPH = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2190-\u21ff\u2300-\u23ff\u24c2\u25a0-\u27bf"
    "\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_JOINER_OR_TAG = re.compile(
    f"((?<=[{_PICTOGRAPH}\ufe0f])\u200d(?=[{_PICTOGRAPH}])"
    "|(?<=\U0001f3f4)[\U000e0020-\U000e007e]+\U000e007f)"
    "|[\u200d\U000e0000-\U000e007f]"
)


def _joiner_or_tag(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return match.group(1)  # part of an emoji
    return "".join(
        f"\\U{ord(ch):08x}" if ord(ch) > 0xFFFF else f"\\u{ord(ch):04x}" for ch in match.group()
    )


_ONE_LINE = str.maketrans(_VISIBLE)
_MULTI_LINE = str.maketrans({k: v for k, v in _VISIBLE.items() if k != 0x0A})
_SURROGATES = str.maketrans({code: "\ufffd" for code in range(0xD800, 0xE000)})


def clean(value: object, *, multiline: bool = False, limit: int = 4096) -> str:
    """`value` as printable text, cut to `limit` characters (then "…"). What a terminal would
    obey, or what takes no cell, is shown, one form for every field:

    - C0 controls and DEL as their control pictures: ESC is "␛", BEL "␇", CR "␍", line feed
      "␊" (kept as a line feed with `multiline`);
    - C1 controls as `\\x9b`;
    - bidi marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A..U+202E,
      U+2066..U+2069), zero-width and invisible format characters (U+200B..U+200D,
      U+2060..U+2064, U+206A..U+206F, U+FEFF), the line and paragraph separators and lone
      surrogates as the Python escape `\\u200b`, and tag characters (U+E0000..U+E007F) as
      `\\U000e0041`: the same escape JSON output uses, so a table and `--format json` agree;
    - except a zero-width joiner between two pictographs and the tags of a flag emoji: emoji
      (and CJK, combining marks) stay as they are.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    text = text.translate(_MULTI_LINE if multiline else _ONE_LINE)
    if text.isascii() or not _JOINER_OR_TAG.search(text):
        return text
    return _JOINER_OR_TAG.sub(_joiner_or_tag, text)


def bounded(text: str, limit: int = FIELD_LIMIT) -> str:
    """An untrusted field as an adapter keeps it: cut to `limit` characters, so a megabyte
    name cannot slow every search and repaint, and with lone surrogates replaced (U+FFFD):
    no terminal, file or database can encode them. Control characters stay: `clean` shows
    them where the text is displayed."""
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.translate(_SURROGATES) if not text.isascii() else text
