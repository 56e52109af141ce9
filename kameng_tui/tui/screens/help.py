"""The `?` screen: every key, from the same Binding objects the footer shows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from kameng_tui.i18n import Messages
from kameng_tui.tui.screens.dialog import Dialog
from kameng_tui.tui.screens.profiles import literal
from kameng_tui.tui.widgets.footer import binding_text

# Keys Textual binds itself, without an id: listed on the help screen with ours.
HIDDEN_KEYS: list[BindingType] = [
    Binding("ctrl+p", "command_palette", "Commands", id="app.palette"),
    Binding("ctrl+q", "quit", "Quit", id="app.quit_ctrl_q"),
]


class HelpScreen(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, messages: Messages, sections: list[tuple[str, list[tuple[str, str]]]]):
        super().__init__()
        self.t = messages
        self.sections = sections  # (title, [(keys, description)])
        self.keys = [row for _, rows in sections for row in rows]

    def compose(self) -> Iterator[Widget]:
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False, show_header=False)
        table.add_column(self.t("help.key"), style="bold", no_wrap=True, min_width=12)
        table.add_column(self.t("help.action"), ratio=1)
        for index, (title, rows) in enumerate(self.sections):
            if index:
                table.add_row()
            table.add_row(Text(title, style="bold underline"))
            for key, description in rows:
                table.add_row(Text(key), Text(description))
        with VerticalScroll(id="help-dialog") as dialog:
            dialog.border_title = literal(self.t("help.title"))
            dialog.border_subtitle = literal(self.t("help.footer"))
            yield Static(table, id="help-table")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def describe_bindings(
    groups: list[tuple[str, list[BindingType]]],
    messages: Messages,
    key_display: object,
    keymap: Mapping[str, str] | None = None,
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per titled group, (keys, description) for each binding with an id, without repeats;
    a binding's keys are the `keymap`'s for its id where it has some (the user's own)."""
    keymap = keymap or {}
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    seen: set[str] = set()
    for title, group in groups:
        rows: list[tuple[str, str]] = []
        sections.append((title, rows))
        for binding in group:
            if not isinstance(binding, Binding) or binding.id is None or binding.id in seen:
                continue
            seen.add(binding.id)
            bound = keymap.get(binding.id) or binding.key
            keys = " ".join(
                key_display(Binding(k.strip(), binding.action))  # type: ignore[operator]
                for k in bound.split(",")
                if k.strip()
            )
            rows.append((keys, binding_text(binding, messages, long=True)))
    return [(title, rows) for title, rows in sections if rows]
