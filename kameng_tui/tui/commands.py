"""Command palette (ctrl+p): jump to an order by its number."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

from kameng_tui.domain.text import clean

MAX_HITS = 20


def _literal(text: str) -> str:
    """`text` as Textual markup that shows it as it is. In that markup only "\\[" is an
    escape (other backslashes are literal), so escaping every "[" is exact; textual's
    `escape` misses "[$var]" and doubles some backslashes."""
    return text.replace("[", "\\[")


class OrderNumbers(Provider):
    """Type part of an order number; choose it to select that order (filters are cleared if
    they hide it)."""

    async def search(self, query: str) -> Hits:
        from kameng_tui.tui.screens.orders import OrdersScreen

        screen = self.screen
        needle = query.strip().casefold()
        if not isinstance(screen, OrdersScreen) or len(needle) < 3:
            return
        t = screen.t
        matcher = self.matcher(query)
        found = 0
        for order in screen.book:
            if needle not in order.order_no.casefold():
                continue
            number = clean(order.order_no)
            title = t("palette.goto", no=number)
            # Both are read as Textual markup: made literal, "[/b]" in a number cannot break
            # the search, nor "[@click=...]" in a product name make a link.
            yield Hit(
                matcher.match(number) or 0.5,
                matcher.highlight(_literal(title)),
                partial(screen.go_to_order, order.order_no),
                text=title,
                help=_literal(f"{clean(order.product_name)} · {t.enum('status', order.status)}"),
            )
            found += 1
            if found >= MAX_HITS:
                return
