"""The base of the app's dialogs: modal, centred, styled from `dialogs.tcss`."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, TypeVar

from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    # Default CSS, not the app's: Textual parses it when the first dialog is shown, where the
    # app's CSS_PATH is parsed for the first frame (about 1.7 ms for these rules).
    DEFAULT_CSS: ClassVar[str] = (Path(__file__).parent / "dialogs.tcss").read_text(
        encoding="utf-8"
    )
    SCOPED_CSS: ClassVar[bool] = False  # the rules name the dialogs they are for
