"""The key footer: the screen's keys on one line, drawn by one widget.

Textual's Footer is a container of one FooterKey widget per key: ten widgets to style, mount,
lay out and paint for the first frame, all built again whenever the bindings may have changed.
KeyFooter draws the same line itself, with no child widgets, and draws it again only when what
it shows changes: the keys, its width, or the key under the pointer.

Binding groups (`Binding.group`, one label for several keys in Footer) are not used by this
app: each binding is drawn alone, with its own description.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar, NamedTuple

import msgspec
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from kameng_tui.i18n import Messages

SEPARATOR = "▏"  # before the command palette's key, on the right


class Key(msgspec.Struct, frozen=True):
    """One key as the footer shows it."""

    key: str  # what a click presses
    display: str  # how the key is written (the app's `get_key_display`)
    description: str
    enabled: bool
    tooltip: str


class Keys(msgspec.Struct, frozen=True):
    row: tuple[Key, ...]  # from the left, in the screen's binding order
    palette: Key | None  # the command palette's, on the right edge


class Placed(NamedTuple):
    """Where a key is drawn: cells `x` to `x + width`, its spaces and separator included."""

    x: int
    width: int
    key: Key
    palette: bool


def keys_shown(screen: Screen[object]) -> Keys:
    """The keys the footer shows for the screen's active bindings: those with `show`, the first
    binding of each action, and the command palette's apart."""
    app = screen.app
    active = screen.active_bindings
    row: dict[str, Key] = {}
    for _, binding, enabled, tooltip in active.values():
        if binding.show and binding.action not in row:
            row[binding.action] = Key(
                binding.key, app.get_key_display(binding), binding.description, enabled, tooltip
            )
    palette = None
    if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
        _, binding, enabled, _ = active[app.COMMAND_PALETTE_BINDING]
        tooltip = binding.tooltip or binding.description
        palette = Key(
            binding.key, app.get_key_display(binding), binding.description, enabled, tooltip
        )
    return Keys(tuple(row.values()), palette)


def row_text(key: Key) -> tuple[str, str]:
    """A key of the row as drawn: " k " and "description " (each in its own style)."""
    return f" {key.display} ", f"{key.description} " if key.description else ""


def palette_text(key: Key) -> tuple[str, str]:
    """The palette's key after the separator: "k" and " description" (then one space)."""
    return key.display, f" {key.description}" if key.description else ""


def place(keys: Keys, width: int) -> list[Placed]:
    """Lay the keys out on a line `width` cells wide: the palette's on the right edge, the
    others from the left for as long as each fits whole. The last may lose its trailing space
    to the separator (as Footer drew it); one that would lose more is dropped with all after it."""
    palette: list[Placed] = []
    room = width
    if keys.palette is not None:
        cells = cell_len(SEPARATOR) + sum(map(cell_len, palette_text(keys.palette))) + 1
        room = max(width - cells, 0)
        palette.append(Placed(room, min(cells, width), keys.palette, True))
    row: list[Placed] = []
    x = 0
    for key in keys.row:
        cells = sum(map(cell_len, row_text(key)))
        if x + cells - 1 > room:
            break
        row.append(Placed(x, min(cells, room - x), key, False))
        x += cells
    return row + palette


class KeyFooter(Widget):
    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-footer--key",
        "key-footer--description",
        "key-footer--separator",
        "key-footer--disabled",
        "key-footer--hover",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.redraws = 0  # changes of the keys shown (each one refresh of the line)
        self._keys: Keys | None = None  # read at the first paint, then on each change
        self._placed: tuple[Keys, int, list[Placed]] | None = None  # for these keys and width
        self._pointer: int | None = None  # the pointer's x while it is over the footer
        self._hovered: Placed | None = None  # the key under it

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        # While the terminal is out of focus no widget has the focus: the keys would be the
        # screen's alone until it comes back (and the focused widget's keys with it).
        if not screen.app.app_focus:
            return
        keys = keys_shown(screen)
        if keys != self._keys:
            self._keys = keys
            self.redraws += 1
            self.refresh()
            self._hover(self._pointer)

    @property
    def placed(self) -> list[Placed]:
        """The keys as laid out for the current width (what a click or the pointer is on)."""
        if self._keys is None:
            self._keys = keys_shown(self.screen)
        width = self.size.width
        if self._placed is None or self._placed[:2] != (self._keys, width):
            self._placed = (self._keys, width, place(self._keys, width))
        return self._placed[2]

    def key_at(self, x: int | None) -> Placed | None:
        if x is None:
            return None
        return next((p for p in self.placed if p.x <= x < p.x + p.width), None)

    # The Line API rather than `render()`: the line is a handful of segments in the component
    # styles, handed over as one Strip. A Content from `render()` would go through Visual to
    # strips (style resolution, wrapping, alignment) at the first paint and every repaint.
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        blank = Style(bgcolor=self.rich_style.bgcolor)  # as Textual pads a line
        if y:
            return Strip.blank(width, blank)
        key_style = self.get_component_rich_style("key-footer--key")
        text_style = self.get_component_rich_style("key-footer--description")
        hovered = self.key_at(self._pointer)
        segments: list[Segment] = []
        x = 0
        for placed in self.placed:
            if placed.x > x:
                segments.append(Segment(" " * (placed.x - x), blank))
            extra = Style()
            if not placed.key.enabled:
                extra += self.get_component_rich_style("key-footer--disabled", partial=True)
            if placed is hovered:
                hover = self.get_component_rich_style("key-footer--hover")
                extra += Style(bgcolor=hover.bgcolor)
            if placed.palette:
                display, description = palette_text(placed.key)
                separator = self.get_component_rich_style("key-footer--separator")
                parts = [
                    Segment(SEPARATOR, separator + extra),
                    Segment(display, key_style + extra),
                    Segment(description, text_style + extra),
                    Segment(" ", blank + extra),
                ]
            else:
                display, description = row_text(placed.key)
                parts = [
                    Segment(display, key_style + extra),
                    Segment(description, text_style + extra),
                ]
            segments.extend(Strip(parts).crop(0, placed.width))
            x = placed.x + placed.width
        return Strip(segments).adjust_cell_length(width, blank)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover(event.x)

    def on_leave(self, event: events.Leave) -> None:
        self._hover(None)

    def on_resize(self, event: events.Resize) -> None:
        self._hover(self._pointer)  # the keys moved under the pointer

    def _hover(self, x: int | None) -> None:
        """The pointer is at `x` (None: gone): highlight the key under it, show its tooltip."""
        self._pointer = x
        now = self.key_at(x)
        if now == self._hovered:
            return
        if (now is None) != (self._hovered is None):
            self.styles.pointer = "default" if now is None else "pointer"
        self._hovered = now
        self.tooltip = (now.key.tooltip or None) if now is not None else None
        self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        placed = self.key_at(event.x)
        if placed is None:
            return
        if placed.key.enabled:
            self.app.simulate_key(placed.key.key)
        else:
            self.app.bell()


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
