"""Formatting shared by the list, the detail pane and the CLI's tables."""

from __future__ import annotations

from decimal import Decimal

from rich.cells import cell_len, set_cell_size

from kameng_tui.domain.order import Order
from kameng_tui.domain.status import ReadProblem
from kameng_tui.domain.text import clean
from kameng_tui.i18n import Messages

_PROBLEMS = frozenset(p.value for p in ReadProblem)
_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money(amount: Decimal, currency: str) -> str:
    symbol = _SYMBOLS.get(currency.upper())
    value = f"{amount:,.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency}"


def fit(text: str, width: int, *, right: bool = False) -> str:
    """`text` cut with an ellipsis or padded to exactly `width` cells (wide CJK counts two)."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    if right:
        return " " * (width - length) + text
    return set_cell_size(text, width)


def problem_text(t: Messages, order: Order) -> str:
    """Why a stand-in row's order (status UNREADABLE) could not be read, in `t`'s language,
    from its raw status (a ReadProblem); for an unknown one, the adapter's own line."""
    if order.raw_status in _PROBLEMS:
        return t(f"problem.{order.raw_status}")
    return clean(order.label.text if order.label is not None else order.raw_status)
