"""Command palette (ctrl+p): jump to an order by its number, and the app's commands.

Textual reads a hit's prompt and help as markup when they are strings: an order number or a
profile name like "[/b]" would raise MarkupError, "[@click=...]" would make a link. Here every
prompt is a `Content` of cleaned text (control characters made visible), so nothing in it is
parsed or obeyed.
"""

from __future__ import annotations

from functools import partial

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.system_commands import SystemCommandsProvider

from kameng_tui.domain.order import shop_label
from kameng_tui.domain.text import clean

MAX_HITS = 20


def _literal(text: str) -> str:
    """`text` as Textual markup that shows it as it is. In that markup only "\\[" is an
    escape (other backslashes are literal), so escaping every "[" is exact; textual's
    `escape` misses "[$var]" and doubles some backslashes."""
    return text.replace("[", "\\[")


def highlight(matcher: Matcher, text: str) -> Content:
    """`text` literally (not read as markup), with the letters the query matched highlighted:
    what `Matcher.highlight` does, for text that is not markup."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if not score:
        return content
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class SystemCommands(SystemCommandsProvider):
    """Textual's system commands, with titles and help shown literally: a profile's name is
    in "Switch to profile …" (`App.get_system_commands`), and Textual's own provider reads
    titles as markup. The screen's own commands follow (the orders screen: stats, every
    sort), from its `palette_commands` when it has one."""

    def _commands(self) -> list[SystemCommand]:
        commands = list(self.app.get_system_commands(self.screen))
        extra = getattr(self.screen, "palette_commands", None)
        if callable(extra):
            commands += list(extra())
        return commands

    async def discover(self) -> Hits:
        commands = sorted(self._commands(), key=lambda c: c[0])
        for name, help_text, callback, discover in commands:
            if discover:
                title = clean(name)
                yield DiscoveryHit(Content(title), callback, text=title, help=_help(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback, *_ in self._commands():
            title = clean(name)
            if (match := matcher.match(title)) > 0:
                yield Hit(
                    match, highlight(matcher, title), callback, text=title, help=_help(help_text)
                )


def _help(text: str) -> str:
    return _literal(clean(text))


class OrderNumbers(Provider):
    """Type part of an order number; choose it to select that order (filters are cleared if
    they hide it). Every shop of a merged view is searched; each hit names its shop."""

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
            # Shown literally: "[/b]" in a number cannot break the search, nor "[@click=...]"
            # in a product name make a link (the help is a string to Textual: made literal).
            yield Hit(
                matcher.match(number) or 0.5,
                highlight(matcher, title),
                partial(screen.go_to_order, order.key),
                text=title,
                help=_help(
                    f"{shop_label(order.shop)} · " * bool(order.shop)
                    + f"{clean(order.product_name)} · {t.enum('status', order.status)}"
                ),
            )
            found += 1
            if found >= MAX_HITS:
                return
