"""Make untrusted text safe to keep and to put on a terminal.

Data from a platform or a user may carry terminal control sequences (ESC, OSC 52, BEL, CR...).
They are made visible rather than dropped, so support staff can see that a field is odd.
"""

from __future__ import annotations

FIELD_LIMIT = 4096  # characters of one platform field an adapter keeps
LIST_LIMIT = 1000  # card codes, or timeline events, an adapter keeps per order

_VISIBLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ … ␟
_VISIBLE[0x7F] = "␡"
_VISIBLE.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})  # C1 controls, e.g. CSI
# Bidirectional overrides can make text read differently from what it is; the line and
# paragraph separators break a one-line field; a lone surrogate (from a JSON "\ud800" escape)
# cannot be encoded for the terminal at all and would crash the write.
_VISIBLE.update(
    {
        code: f"\\u{code:04x}"
        for code in (
            *range(0x202A, 0x202F),
            *range(0x2066, 0x206A),
            0x2028,
            0x2029,
            *range(0xD800, 0xE000),
        )
    }
)

_ONE_LINE = str.maketrans(_VISIBLE)
_MULTI_LINE = str.maketrans({k: v for k, v in _VISIBLE.items() if k != 0x0A})
_SURROGATES = str.maketrans({code: "\ufffd" for code in range(0xD800, 0xE000)})


def clean(value: object, *, multiline: bool = False, limit: int = 4096) -> str:
    """`value` as printable text: control characters shown, not obeyed; cut to `limit` chars."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.translate(_MULTI_LINE if multiline else _ONE_LINE)


def bounded(text: str, limit: int = FIELD_LIMIT) -> str:
    """An untrusted field as an adapter keeps it: cut to `limit` characters, so a megabyte
    name cannot slow every search and repaint, and with lone surrogates replaced (U+FFFD):
    no terminal, file or database can encode them. Control characters stay: `clean` shows
    them where the text is displayed."""
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.translate(_SURROGATES) if not text.isascii() else text
