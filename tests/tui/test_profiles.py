"""Switching profiles inside the tracker, and editing a watch list that is saved to the file."""

from __future__ import annotations

import gc
import tomllib
from pathlib import Path

from kameng_tui.config import load
from kameng_tui.domain.clock import ManualClock
from kameng_tui.profiles import Profiles
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen
from kameng_tui.tui.screens.profiles import ProfilesScreen, PromptScreen
from tests.backends.fake_dujiaoka import FakeDujiaoka, FakeOrder
from tests.servers import serve
from tests.tui.test_app import settle

CONFIG = """\
# my shops
default_profile = "demo"

[profiles.demo]
platform = "demo"
orders = 50

[profiles.faka]
platform = "dujiaoka"
base_url = "{url}"
orders = ["AAAA000000000001"]  # the one I bought
"""


async def test_switch_profile_and_edit_the_watch_list(tmp_path: Path, clock: ManualClock) -> None:
    shop = FakeDujiaoka()
    shop.orders = {
        "AAAA000000000001": FakeOrder(4, info="CODE-1"),
        "BBBB000000000002": FakeOrder(3),
    }
    with serve(shop.app()) as url:
        path = tmp_path / "config.toml"
        path.write_text(CONFIG.format(url=url), encoding="utf-8")
        config = load(path)
        profiles = Profiles(config, {}, clock, config.profile(None))
        app = KamengApp(profiles.open("demo"), clock=clock, profiles=profiles)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settle(app, pilot)
            assert len(screen.book) == 50
            assert app.check_action("profiles", ()) is True
            assert screen.check_action("watch", ()) is False  # the demo lists everything

            await pilot.press("P")
            await pilot.pause()
            assert isinstance(app.screen, ProfilesScreen)
            gc.freeze()  # as the command line does once the app is built (cli._tui)
            try:
                await pilot.press("down", "enter")
                await pilot.pause()
                # The first profile's screen is garbage now: start-up's objects are thawed.
                assert gc.get_freeze_count() == 0
            finally:
                gc.unfreeze()
            faka = app.orders_screen
            assert isinstance(faka, OrdersScreen) and faka is not screen
            await settle(app, pilot)
            assert [o.order_no for o in faka.view.rows] == ["AAAA000000000001"]
            assert "dujiaoka · faka" in faka.header.render().plain

            # Watch one more: typed in a prompt, fetched at once, saved in the file.
            await pilot.press("w")
            await pilot.pause()
            assert isinstance(app.screen, PromptScreen)
            await pilot.press(*"BBBB000000000002", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert {o.order_no for o in faka.book} == {"AAAA000000000001", "BBBB000000000002"}
            saved = tomllib.loads(path.read_text(encoding="utf-8"))
            assert saved["profiles"]["faka"]["orders"] == ["AAAA000000000001", "BBBB000000000002"]
            assert "# my shops" in path.read_text(encoding="utf-8")  # comments kept

            # Unwatch the selected one.
            assert faka.order_list.select_order("AAAA000000000001")
            await pilot.press("x")
            await pilot.pause()
            assert {o.order_no for o in faka.book} == {"BBBB000000000002"}
            saved = tomllib.loads(path.read_text(encoding="utf-8"))
            assert saved["profiles"]["faka"]["orders"] == ["BBBB000000000002"]
