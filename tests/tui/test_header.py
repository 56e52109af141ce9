"""The header keeps the profile, says read-only; an unreachable shop is said in the list; each
profile polls at its own interval (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kameng_tui.backends.base import Backend, BackendError, SyncResult
from kameng_tui.config import load
from kameng_tui.domain.clock import ManualClock
from kameng_tui.i18n import Lang
from kameng_tui.profiles import Profiles
from kameng_tui.tui.app import KamengApp
from tests.tui.shop import list_lines, settled

ERROR = "cannot connect to shop.example.com: connection refused (errno 111) after 3 tries"


class Down(Backend):
    platform = "dujiaoka"
    profile = "星辰卡盟-main"

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        raise BackendError(ERROR)


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("lang", [Lang.EN, Lang.ZH])
async def test_the_profile_never_drops_from_the_header(
    clock: ManualClock, width: int, lang: Lang
) -> None:
    app = KamengApp(Down(), clock=clock, lang=lang)
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await settled(app, pilot)
        header = screen.header.render().plain
        assert len(header) <= width * 2
        assert "星辰卡盟-main" in header, header
        assert "retry in" in header or "秒后重试" in header, header


async def test_an_unreachable_shop_with_no_data_is_said_in_the_list(clock: ManualClock) -> None:
    app = KamengApp(Down(), clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        first_row = list_lines(screen)[1]
        assert "cannot reach the shop: cannot connect to shop.example.com" in first_row
        assert "No orders match." not in first_row


async def test_read_only_is_said_in_the_header(make_app, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    app._read_only = True
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await settled(app, pilot)
        header = screen.header.render().plain
        assert "offline demo · read-only" in header


CONFIG = """\
default_profile = "slow"

[profiles.slow]
platform = "demo"
orders = 20
interval = 30

[profiles.plain]
platform = "demo"
orders = 20

[profiles.quick]
platform = "demo"
orders = 20
interval = 12
"""


async def test_switching_profile_uses_its_own_interval(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load(path)
    profiles = Profiles(config, {}, clock, config.profile(None))
    app = KamengApp(profiles.open("slow"), clock=clock, profiles=profiles, interval=30)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settled(app, pilot)
        assert screen.syncer.interval == 30
        for name, interval in (("quick", 12), ("plain", 5), ("slow", 30)):
            app._switch_profile(name)
            screen = await settled(app, pilot)
            assert screen.syncer.interval == interval
            assert f"auto every {interval}s" in screen.header.render().plain
