"""Formatting shared by the list, the detail pane and the CLI's tables."""

from __future__ import annotations

from decimal import Decimal

from rich.cells import cell_len, set_cell_size

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
