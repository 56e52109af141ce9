"""`orders` and `show` for scripts: plain tables, JSON and CSV, no colour, no markup.

Platform text may carry terminal control sequences, and any of these may be printed to a
terminal. JSON keeps the data exactly: the characters a terminal could obey (C0 and C1
controls, DEL, bidi marks and overrides, zero-width characters, line separators, lone
surrogates, tag characters) are JSON escapes. The table and
CSV show them as visible symbols, as the tracker does; CSV also defuses spreadsheet formulas:
a text cell starting with = + - or @ gets a leading apostrophe. JSON is the lossless format.

Times: JSON and CSV keep ISO 8601 with the offset (for programs); the table and the detail
show them for people, in this machine's time zone to the second (`2026-11-25 18:30:05`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rich.cells import cell_len

from kameng_tui.domain.attention import DEFAULT_POLICY, AttentionPolicy, attention_reasons
from kameng_tui.domain.order import Order
from kameng_tui.domain.text import FIELD_LIMIT, clean

FIELDS = (
    "profile",
    "shop",  # the shop on a hub (watch --serve) the profile reads; "" for a shop read directly
    "order_no",
    "status",
    "raw_status",
    "product_type",
    "product_name",
    "merchant",
    "quantity",
    "card_codes",
    "amount",
    "refunded_amount",
    "currency",
    "account",
    "label",
    "label_code",
    "actor",
    "needs_attention",
    "created_at",
    "paid_at",
    "delivered_at",
    "updated_at",
)
TABLE_COLUMNS = (
    "order_no",
    "status",
    "product_type",
    "product_name",
    "amount",
    "updated_at",
    "label",
)
# Orders of several profiles: which one each came from, first, headed SHOP (a profile is a shop).
SHOP_TABLE_COLUMNS = ("profile", *TABLE_COLUMNS)
_HEADERS = {"profile": "SHOP"}
# JSON escapes C0 controls itself; with ensure_ascii=False these would pass through raw: DEL
# and C1 controls, bidi marks and controls, zero-width and invisible format characters, line
# and paragraph separators, lone surrogates, tag characters (as the \ud8xx\udcxx pair JSON
# needs above U+FFFF). A joiner inside an emoji is escaped too: JSON gives it back exactly.
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufeff"
    "\ud800-\udfff\U000e0000-\U000e007f]"
)
_FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # and full-width
_NUMERIC = frozenset({"quantity", "card_codes", "amount", "refunded_amount"})
TIME_FIELDS = frozenset({"created_at", "paid_at", "delivered_at", "updated_at"})
LOCAL_TIME = "%Y-%m-%d %H:%M:%S"
BOM = "\ufeff"  # `--bom`: Excel (a Chinese Windows one too) then reads the CSV as UTF-8


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def local_time(value: datetime) -> str:
    """A moment for people: this machine's local time, to the second."""
    return value.astimezone().strftime(LOCAL_TIME)


def _shown_time(value: Any) -> Any:
    """An ISO 8601 time of a record in local time; anything else unchanged."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return local_time(moment) if moment.tzinfo is not None else value


def record(
    order: Order, now: datetime, policy: AttentionPolicy = DEFAULT_POLICY, profile: str = ""
) -> dict[str, Any]:
    """One order as plain data. Card codes are secrets: only how many there are."""
    label = order.label
    return {
        "profile": profile,
        "shop": order.shop,
        "order_no": order.order_no,
        "status": order.status.value,
        "raw_status": order.raw_status,
        "product_type": order.product_type.value,
        "product_name": order.product_name,
        "merchant": order.merchant,
        "quantity": order.quantity,
        "card_codes": len(order.card_codes),
        "amount": str(order.amount),
        "refunded_amount": str(order.refund.amount) if order.refund is not None else "0",
        "currency": order.currency,
        "account": order.account,
        "label": None if label is None else label.text,
        "label_code": None if label is None else label.code.value,
        "actor": order.actor.value,
        "needs_attention": [r.value for r in attention_reasons(order, now, policy)],
        "created_at": _iso(order.created_at),
        "paid_at": _iso(order.paid_at),
        "delivered_at": _iso(order.delivered_at),
        "updated_at": _iso(order.updated_at),
    }


def to_json(records: list[dict[str, Any]] | dict[str, Any]) -> str:
    text = json.dumps(records, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(_json_escape, text)


def _csv_cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(value)
    text = str(value) if key in _NUMERIC else clean(value, limit=FIELD_LIMIT)
    if key not in _NUMERIC and text.startswith(_FORMULA_START):
        text = "'" + text  # a spreadsheet would run it as a formula
    return text


def to_csv(records: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in records:
        writer.writerow({k: _csv_cell(k, v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return clean(",".join(value), limit=200) or "-"
    return clean(value, limit=200)  # a terminal may read this: no control characters


def to_table(records: list[dict[str, Any]], columns: Iterable[str] = TABLE_COLUMNS) -> str:
    columns = list(columns)
    rows = [[_cell(_shown_time(r[c]) if c in TIME_FIELDS else r[c]) for c in columns]
            for r in records]  # fmt: skip
    widths = [
        max([cell_len(_HEADERS.get(c, c)), *(cell_len(row[i]) for row in rows)])
        for i, c in enumerate(columns)
    ]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - cell_len(c)) for c, w in zip(cells, widths, strict=True))

    header = line([_HEADERS.get(c, c.upper()) for c in columns]).rstrip()
    return "\n".join([header, *(line(r).rstrip() for r in rows)]) + "\n"


def to_lines(rows: Iterable[Iterable[str]]) -> str:
    """Rows of cells (already cleaned) in columns aligned by display width (a CJK character is
    two cells), two spaces apart, no header, no trailing spaces."""
    table = [list(row) for row in rows]
    count = max((len(row) for row in table), default=0)
    widths = [max((cell_len(row[i]) for row in table if i < len(row)), default=0)
              for i in range(count)]  # fmt: skip
    lines = (
        "  ".join(c + " " * (w - cell_len(c)) for c, w in zip(row, widths, strict=False)).rstrip()
        for row in table
    )
    return "".join(line + "\n" for line in lines)


def to_detail(record: dict[str, Any]) -> str:
    """One field a line; revealed card codes (`show --reveal`) one a line, aligned."""
    width = max(cell_len(k) for k in record)
    lines = []
    for key, value in record.items():
        pad = " " * (width - cell_len(key))
        if key == "card_codes" and isinstance(value, list):
            codes = [_cell(code) for code in value] or ["-"]
            lines.append(f"{key}{pad}  {codes[0]}")
            lines += [f"{' ' * width}  {code}" for code in codes[1:]]
        else:
            shown = _shown_time(value) if key in TIME_FIELDS else value
            lines.append(f"{key}{pad}  {_cell(shown)}")
    return "".join(line + "\n" for line in lines)
