"""Make untrusted text safe to put on a terminal.

Data from a platform or a user may carry terminal control sequences (ESC, OSC 52, BEL, CR...).
They are made visible rather than dropped, so support staff can see that a field is odd.
"""

from __future__ import annotations

_VISIBLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ … ␟
_VISIBLE[0x7F] = "␡"
_VISIBLE.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})  # C1 controls, e.g. CSI
# Bidirectional overrides can make text read differently from what it is.
_VISIBLE.update(
    {code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
)

_ONE_LINE = str.maketrans(_VISIBLE)
_MULTI_LINE = str.maketrans({k: v for k, v in _VISIBLE.items() if k != 0x0A})


def clean(value: object, *, multiline: bool = False, limit: int = 4096) -> str:
    """`value` as printable text: control characters shown, not obeyed; cut to `limit` chars."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return text.translate(_MULTI_LINE if multiline else _ONE_LINE)
