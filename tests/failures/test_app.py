"""The tracker itself (Pilot) against a failing platform: it stays up, the list keeps the last
good orders, the header says what is wrong, how old the data is and when the next try comes,
the tries back off, and once the platform is back the next tick's poll brings it back to normal.
"""

from __future__ import annotations

import pytest

from kameng_tui.backends.kameng import KamengBackend
from kameng_tui.domain.clock import ManualClock
from kameng_tui.sync import RefreshMode
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen
from tests.failures.platforms import TOKEN, Platforms, case, settings
from tests.tui.test_app import settle

INTERVAL = 4.0


async def tick(app: KamengApp, screen: OrdersScreen) -> None:
    """One tick of the (paused) real-time ticker, and the poll it starts, to the end."""
    screen._tick()
    await app.workers.wait_for_complete()


@pytest.mark.parametrize("name", ["refused", "http_500", "html"])
async def test_the_tracker_rides_out_a_failing_platform(
    name: str, platforms: Platforms, clock: ManualClock
) -> None:
    failure = case(name)
    backend = KamengBackend("shop", platforms.shop_url, TOKEN, settings=settings(retries=0))
    app = KamengApp(backend, clock=clock, interval=INTERVAL)
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await settle(app, pilot)
        assert len(screen.view) == 300 and screen.syncer.state().mode is RefreshMode.AUTO
        rows = [o.order_no for o in screen.view.rows]
        age = screen.header.t.age

        platforms.fail(failure, backend.http)
        waits = []
        for _ in range(2):
            clock.advance(screen.syncer.seconds_until_due())
            await tick(app, screen)
            await pilot.pause()
            state = screen.syncer.state()
            assert state.mode is RefreshMode.ERROR and app.is_running
            assert [o.order_no for o in screen.view.rows] == rows  # the last good list stays
            header = screen.header.render().plain
            assert screen.syncer.last_success is not None
            since = (clock.now() - screen.syncer.last_success).total_seconds()
            assert f"updated {age(since)}" in header
            assert f"retry in {round(state.retry_in)}s" in header
            assert state.error is not None and state.error in header
            waits.append(state.retry_in)
        # Trouble that may pass is tried again sooner, then less often; the rest each interval.
        assert waits == ([1.0, 2.0] if failure.retryable else [INTERVAL, INTERVAL])

        platforms.heal(backend.http)
        clock.advance(screen.syncer.seconds_until_due())
        await tick(app, screen)
        await pilot.pause()
        assert screen.syncer.state().mode is RefreshMode.AUTO and screen.syncer.error is None
        header = screen.header.render().plain
        assert f"updated {age(0)}" in header and f"auto every {INTERVAL:g}s" in header
        assert "retry in" not in header and len(screen.view) == 300
    await backend.aclose()
