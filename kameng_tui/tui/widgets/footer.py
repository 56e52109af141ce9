"""The key footer: redrawn only when the keys it shows change, and without Textual's leak.

Textual's Footer recomposes whenever the screen's bindings may have changed: every focus move,
every check_action refresh. Each recompose builds new FooterKeys, which costs a repaint of the
last line (bytes over SSH) and, in the pinned Textual 8.2.8, memory: each FooterKey binds
`compact` with `data_bind`, the binding is stored on the Footer and pruned only when `compact`
changes, which it never does, so every recompose kept a dozen dead FooterKeys alive (about 4 MB a
minute in `make soak`; Textual issue #6666). KeyFooter skips redraws that would show the same
keys and prunes the dead bindings after each real one.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from kameng_tui.i18n import Messages

# Where Textual keeps the watchers set up by `watch` / `data_bind` (textual/reactive.py `_watch`).
WATCHERS = "__watchers"


class KeyFooter(Footer):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: Hashable = None  # what the last redraw showed
        self.redraws = 0

    def compose(self) -> ComposeResult:
        # A FooterKey bound to the footer's `compact` (all but the palette's) starts compact and
        # takes the footer's False once mounted: a class added then removed, two restyles of
        # each key in the first frame. Each starts as the footer is instead.
        for widget in super().compose():
            bound = getattr(widget, "_reactive_connect", None) or {}  # data_bind's (Textual 8)
            if isinstance(widget, FooterKey) and "compact" in bound:
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown = keys_shown(screen)
        if shown == self._shown and self.children:
            return
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown  # Footer redraws now; otherwise the next change must redraw
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        self.redraws += 1
        await super().recompose()
        prune_dead_watchers(self)


def keys_shown(screen: Screen[object]) -> Hashable:
    """Everything about the active bindings that Footer.compose draws."""
    app = screen.app
    return tuple(
        (
            key,
            binding.action,
            binding.description,
            app.get_key_display(binding),
            binding.group,
            enabled,
            tooltip,
        )
        for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
        if binding.show or key == app.COMMAND_PALETTE_BINDING
    )


def prune_dead_watchers(observed: Widget) -> None:
    """Drop watchers whose widget has left the DOM."""
    watchers: dict[str, list[tuple[Widget, object]]] = getattr(observed, WATCHERS, {})
    for entries in watchers.values():
        entries[:] = [(node, callback) for node, callback in entries if node.is_attached]


def localize_bindings(node: DOMNode, messages: Messages) -> None:
    """Give a node's bindings with an id their descriptions in the language of `messages`, as
    the footer shows them (catalogue `key.<last part of the id>`)."""
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=binding_text(b, messages)) if b.id else b for b in bindings
        ]


def binding_text(binding: Binding, messages: Messages, *, long: bool = False) -> str:
    """The localised description of a binding: catalogue key `key.<last part of its id>`, or
    with `long` the help screen's `keyhelp.<…>` where there is one."""
    if binding.id is None:
        return binding.description
    name = binding.id.rsplit(".", 1)[-1]
    if long and messages.has(f"keyhelp.{name}"):
        return messages(f"keyhelp.{name}")
    return messages(f"key.{name}")
