"""Tab moves between the panes in the order the README gives."""

from __future__ import annotations

import re
from pathlib import Path

from kameng_tui.backends.demo import DemoBackend, DemoPlatform
from kameng_tui.domain.clock import ManualClock
from kameng_tui.tui.app import KamengApp

README = Path(__file__).resolve().parents[2] / "README.md"


async def test_tab_goes_list_details_sidebar_and_back(clock: ManualClock) -> None:
    app = KamengApp(DemoBackend(DemoPlatform(orders=20, clock=clock)), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        seen = [app.focused.id if app.focused else None]
        for _ in range(4):
            await pilot.press("tab")
            await pilot.pause()
            seen.append(app.focused.id if app.focused else None)
        assert seen == ["orders", "detail", "status-filter", "type-filter", "orders"]
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "type-filter"
    text = README.read_text(encoding="utf-8")
    assert "from the list to the details, then the sidebar's status list and type list" in text


def test_readme_examples_use_an_order_number_that_exists_today() -> None:
    """Demo order numbers carry the date: the README derives one instead of printing one."""
    text = README.read_text(encoding="utf-8")
    commands = [line for line in text.splitlines() if line.startswith("kameng-tui ")]
    assert not [line for line in commands if re.search(r"KM\d{14}", line)]
    assert any(line.startswith("N=$(kameng-tui orders --demo") for line in text.splitlines())
