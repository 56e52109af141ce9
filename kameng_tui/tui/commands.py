"""Command palette (ctrl+p): jump to an order by its number."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

from kameng_tui.domain.text import clean

MAX_HITS = 20


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
            yield Hit(
                matcher.match(number) or 0.5,
                matcher.highlight(title),
                partial(screen.go_to_order, order.order_no),
                text=title,
                help=f"{clean(order.product_name)} · {t.enum('status', order.status)}",
            )
            found += 1
            if found >= MAX_HITS:
                return
