"""The running app says once what the machine did to its files: a toast, and it goes on."""

from __future__ import annotations

import os
from pathlib import Path

from kameng_tui.backends.demo import DemoBackend, DemoPlatform
from kameng_tui.domain.clock import ManualClock
from kameng_tui.store.history import HistoryStore
from kameng_tui.tui.app import KamengApp


def toasts(app: KamengApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_damaged_history_is_said_once_in_a_toast(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(os.urandom(8192))
    store = HistoryStore(path)
    app = KamengApp(DemoBackend(DemoPlatform(orders=20, clock=clock)), clock=clock, history=store)
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = [t for t in toasts(app) if "damaged" in t]
        assert len(said) == 1 and ".damaged-" in said[0]
    assert store._closed  # closed on the way out


async def test_a_full_disk_met_in_a_worker_thread_is_a_toast(
    tmp_path: Path, clock: ManualClock
) -> None:
    store = HistoryStore(tmp_path / "history.sqlite3")
    store._writer.execute("PRAGMA max_page_count = 1")  # full at the first write
    app = KamengApp(DemoBackend(DemoPlatform(orders=50, clock=clock)), clock=clock, history=store)
    async with app.run_test(notifications=True) as pilot:
        for _ in range(20):
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            if any("disk is full" in t for t in toasts(app)):
                break
        assert [t for t in toasts(app) if "disk is full" in t] == [
            "history not saved: the disk is full (the tracker goes on)"
        ]
        assert app.is_running


async def test_running_without_history_is_said(clock: ManualClock) -> None:
    line = "no home directory for the history database (is HOME set?); going on without history"
    app = KamengApp(DemoBackend(DemoPlatform(orders=20, clock=clock)), clock=clock, notices=[line])
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        assert line in toasts(app)
