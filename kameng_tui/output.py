"""`orders` and `show` for scripts: plain tables, JSON and CSV, no colour, no markup."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rich.cells import cell_len

from kameng_tui.domain.attention import DEFAULT_POLICY, AttentionPolicy, attention_reasons
from kameng_tui.domain.order import Order
from kameng_tui.domain.text import clean

FIELDS = (
    "order_no",
    "status",
    "raw_status",
    "product_type",
    "product_name",
    "merchant",
    "quantity",
    "amount",
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
TABLE_COLUMNS = ("order_no", "status", "product_type", "amount", "updated_at", "label")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def record(order: Order, now: datetime, policy: AttentionPolicy = DEFAULT_POLICY) -> dict[str, Any]:
    """One order as plain data. Card codes are left out: they are secrets."""
    label = order.label
    return {
        "order_no": order.order_no,
        "status": order.status.value,
        "raw_status": order.raw_status,
        "product_type": order.product_type.value,
        "product_name": order.product_name,
        "merchant": order.merchant,
        "quantity": order.quantity,
        "amount": str(order.amount),
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
    return json.dumps(records, ensure_ascii=False, indent=2)


def to_csv(records: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in records:
        writer.writerow(
            {
                k: ";".join(v) if isinstance(v, list) else ("" if v is None else v)
                for k, v in row.items()
            }
        )
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(value) or "-"
    return clean(value, limit=200)  # a terminal may read this: no control characters


def to_table(records: list[dict[str, Any]], columns: Iterable[str] = TABLE_COLUMNS) -> str:
    columns = list(columns)
    rows = [[_cell(r[c]) for c in columns] for r in records]
    widths = [
        max([cell_len(c), *(cell_len(row[i]) for row in rows)]) for i, c in enumerate(columns)
    ]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - cell_len(c)) for c, w in zip(cells, widths, strict=True))

    header = line([c.upper() for c in columns]).rstrip()
    return "\n".join([header, *(line(r).rstrip() for r in rows)]) + "\n"


def to_detail(record: dict[str, Any]) -> str:
    width = max(cell_len(k) for k in record)
    return "".join(f"{k}{' ' * (width - cell_len(k))}  {_cell(v)}\n" for k, v in record.items())
