"""A backend bug is one line on screen and its whole traceback in the log file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kameng_tui.backends.base import Backend, SyncResult
from kameng_tui.cli import _start_log
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import ManualClock
from kameng_tui.sync import Syncer


class BuggyBackend(Backend):
    platform = "demo"
    profile = "buggy"

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        return self.parse({"orders": []})

    def parse(self, data: dict[str, list[int]]) -> SyncResult:
        return data["orders"][0]  # type: ignore[return-value]  # the bug: IndexError


def syncer() -> Syncer:
    return Syncer(BuggyBackend(), OrderBook(), ManualClock(datetime(2026, 1, 1, tzinfo=UTC)), 5)


async def test_a_backend_bug_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sync = syncer()
    with caplog.at_level(logging.WARNING, logger="kameng_tui"):
        assert await sync.poll() is None
    assert sync.error == "IndexError: list index out of range"  # the screen's one line
    bugs = [r for r in caplog.records if r.exc_info is not None]
    assert len(bugs) == 1 and bugs[0].levelno >= logging.WARNING
    assert bugs[0].name == "kameng_tui.sync" and "demo/buggy" in bugs[0].getMessage()
    assert bugs[0].exc_info is not None and bugs[0].exc_info[0] is IndexError
    assert "in parse" in caplog.text and 'data["orders"][0]' in caplog.text


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "kt.log"
    _start_log(str(path), False)
    ours = logging.getLogger("kameng_tui")
    try:
        yield path
    finally:
        for handler in list(ours.handlers):
            ours.removeHandler(handler)
            handler.close()
        ours.setLevel(logging.NOTSET)


async def test_the_traceback_goes_to_the_log_file_not_the_screen(
    log_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await syncer().poll() is None
    text = log_file.read_text(encoding="utf-8")
    assert "ERROR kameng_tui.sync: demo/buggy: backend bug" in text
    assert "Traceback (most recent call last)" in text and "IndexError" in text
    assert capsys.readouterr() == ("", "")
