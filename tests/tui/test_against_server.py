"""The tracker on a real HTTP platform: the demo server on 127.0.0.1, through the kameng API."""

from __future__ import annotations

from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.backends.http import HttpSettings
from kameng_tui.backends.kameng import KamengBackend
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.server.app import Faults, ServerOptions, create_app
from kameng_tui.sync import RefreshMode
from kameng_tui.tui.app import KamengApp
from tests.servers import serve
from tests.tui.test_app import refresh_now, settle

FAST = HttpSettings(connect_timeout=2, read_timeout=2, retries=0, backoff=0.01, max_wait=0.05)


async def test_tracker_loads_pages_over_http_and_keeps_data_through_failures(
    clock: ManualClock,
) -> None:
    platform = DemoPlatform(orders=300, clock=ManualClock(FIXED_EPOCH), page_size=100, max_page=100)
    app_asgi = create_app(platform, ServerOptions(token="s3cret"))
    with serve(app_asgi) as url:
        backend = KamengBackend("shop", url, "s3cret", settings=FAST)
        app = KamengApp(backend, clock=clock)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await settle(app, pilot)
            assert len(screen.book) == 300 and screen.syncer.polls == 1
            header = screen.header.render().plain
            assert "kameng API · shop" in header and "300 of 300 orders" in header
            # The counts may lag while pages come (PAGING_CHROME_EVERY), never after the last.
            counts = screen.sidebar._counts
            assert counts["status:all"] == counts["type:all"] == 300
            by_status = screen.book.by_status
            assert all(counts[f"status:{s.value}"] == n for s, n in by_status.items())

            # The platform starts failing every answer: the list stays, the header says why.
            faults = app_asgi
            assert isinstance(faults, Faults)
            faults.options = ServerOptions(token="s3cret", fault_rate=1.0, fault_seed=1)
            faults.rng.seed(1)
            clock.advance(90)
            await refresh_now(app, pilot)
            state = screen.syncer.state()
            assert state.mode is RefreshMode.ERROR and len(screen.view) == 300
            header = screen.header.render().plain
            assert "updated 1m ago" in header and "retry in" in header

            # It recovers on its own at the next poll.
            faults.options = ServerOptions(token="s3cret")
            clock.advance(60)
            await refresh_now(app, pilot)
            assert screen.syncer.state().mode is RefreshMode.AUTO
            assert "updated just now" in screen.header.render().plain
        await backend.aclose()
