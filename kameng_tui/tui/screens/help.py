"""The `?` screen: every key, from the same Binding objects the footer shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from kameng_tui.i18n import Messages


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, messages: Messages, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.t = messages
        self.keys = keys

    def compose(self) -> Iterator[Widget]:
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
        table.add_column(self.t("help.key"), style="bold", no_wrap=True)
        table.add_column(self.t("help.action"))
        for key, description in self.keys:
            table.add_row(Text(key), Text(description))
        with VerticalScroll(id="help-dialog") as dialog:
            dialog.border_title = self.t("help.title")
            dialog.border_subtitle = self.t("help.footer")
            yield Static(table, id="help-table")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def describe_bindings(
    groups: list[list[BindingType]], messages: Messages, key_display: object
) -> list[tuple[str, str]]:
    """(keys, description) for each binding with an id, in the order given, without repeats."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for group in groups:
        for binding in group:
            if not isinstance(binding, Binding) or binding.id is None or binding.id in seen:
                continue
            seen.add(binding.id)
            keys = " ".join(
                key_display(Binding(k.strip(), binding.action))  # type: ignore[operator]
                for k in binding.key.split(",")
            )
            rows.append((keys, binding_text(binding, messages)))
    return rows


def binding_text(binding: Binding, messages: Messages) -> str:
    """The localised description of a binding: catalogue key `key.<last part of its id>`."""
    if binding.id is None:
        return binding.description
    return messages(f"key.{binding.id.rsplit('.', 1)[-1]}")
