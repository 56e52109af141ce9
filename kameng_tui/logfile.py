"""The log file, when one is asked for (--log, --debug): its own module, so a tracker without
one never imports logging.handlers."""

from __future__ import annotations

import contextlib
import logging.handlers
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kameng_tui.store.files import is_disk_full, private_opener

LOG_MAX_BYTES = 5 * 1024 * 1024  # then the log rotates: kameng-tui.log.1 … .3
LOG_BACKUPS = 3


class LogHandler(logging.handlers.RotatingFileHandler):
    """The log file, rotated by size, created 0600. A write that fails (a full disk) never
    prints a traceback (the terminal is the tracker's, and a record may carry order data):
    `failed` is set and the first failure goes to `on_failure`, once."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=False
        )
        self.failed: str | None = None
        self.on_failure: Callable[[str], None] | None = None

    def _open(self) -> Any:
        return open(
            self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors,
            opener=private_opener,
        )  # fmt: skip

    def handleError(self, record: logging.LogRecord) -> None:
        if self.failed is not None:
            return
        error = sys.exc_info()[1]
        full = isinstance(error, OSError) and is_disk_full(error)
        self.failed = f"log not written: {'the disk is full' if full else error}"
        if self.on_failure is not None:
            with contextlib.suppress(Exception):
                self.on_failure(self.failed)
