"""The floor of `make bench`: the least a Textual app can do, one line of text on the screen.

tools/bench.py starts it in the same pseudo-terminal harness as kameng-tui and times its first
frame (`textual_floor_first_frame_s`): Python's start, Textual's import, the driver taking the
terminal and one paint. kameng-tui's own first frame is measured against it.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

LINE = "kameng-tui bench floor: one line"


class FloorApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(LINE)


if __name__ == "__main__":
    FloorApp().run()
