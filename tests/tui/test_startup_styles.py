"""Start-up styles each widget of the orders screen once, as it mounts: its first resume, the
footer and the first focus restyle nothing again (each restyle delayed the first frame)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.dom import DOMNode

from kameng_tui.tui.widgets.footer import KeyFooter
from kameng_tui.tui.widgets.sidebar import FilterList
from tests.helpers import AppFactory


async def test_start_up_restyles_no_widget_it_has_styled(make_app: AppFactory) -> None:
    app = make_app()
    restyled: list[DOMNode] = []
    update_nodes = app.stylesheet.update_nodes

    def counting(nodes: Iterable[DOMNode], animate: bool = False) -> None:
        nodes = list(nodes)
        restyled.extend(nodes)
        update_nodes(nodes, animate)

    app.stylesheet.update_nodes = counting  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.orders_screen
        assert len(screen.book) == 300  # the first poll is on screen
        assert screen not in restyled  # the first resume restyled the whole screen
        # The footer is one widget that draws its keys: none to style as they come and go.
        footer = screen.query_one(KeyFooter)
        assert footer not in restyled and not footer.children
        # The list takes the focus first; the sidebar's lists never had it.
        assert not [n for n in restyled if isinstance(n, FilterList)]
        assert screen.focused is screen.order_list
