"""The change log (`l`): the last status changes, newest first; Enter goes to the order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Static

from kameng_tui.domain.text import clean
from kameng_tui.i18n import Messages
from kameng_tui.tui.screens.dialog import Dialog
from kameng_tui.tui.screens.profiles import literal
from kameng_tui.tui.widgets.changes import Change


class ChangeLogScreen(Dialog[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,l", "close", "Close", id="changes.close"),
    ]

    def __init__(self, messages: Messages, changes: list[Change]) -> None:
        super().__init__()
        self.t = messages
        self.changes = changes  # newest first

    def compose(self) -> Iterator[Widget]:
        t = self.t
        with Vertical(id="changes-dialog") as dialog:
            dialog.border_title = literal(t("changes.title", n=len(self.changes)))
            dialog.border_subtitle = literal(t("changes.footer"))
            if not self.changes:
                yield Static(Text(t("changes.empty")), id="changes-empty")
                return
            table: DataTable[Text] = DataTable(
                id="changes-table", cursor_type="row", zebra_stripes=True
            )
            table.add_columns(
                t("changes.time"), t("col.order_no"), t("col.product"), t("changes.from_to")
            )
            for index, change in enumerate(self.changes):
                table.add_row(
                    Text(t.timestamp(change.at)),
                    Text(clean(change.order_no, limit=40)),
                    Text(clean(change.product, limit=40)),
                    Text(f"{t.enum('status', change.old)} → {t.enum('status', change.new)}"),
                    key=str(index),
                )
            yield table

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        if key is not None:
            self.dismiss(self.changes[int(key)].key)

    def action_close(self) -> None:
        self.dismiss(None)
