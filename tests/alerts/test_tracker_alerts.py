"""alerts_in_tracker = true: the tracker runs the [[alerts]] rules on what it polls."""

from __future__ import annotations

import pytest

from kameng_tui.alerts import deliver
from kameng_tui.alerts.outbox import Outbox
from kameng_tui.config import parse
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.status import OrderStatus
from kameng_tui.profiles import Profiles
from kameng_tui.tui.app import KamengApp
from tests.alerts.helpers import URL_ENV, FakeDelivery, ScriptedBackend
from tests.domain.factory import make_order
from tests.tui.test_app import refresh_now, settle

RULE = {"name": "failed", "to_env": URL_ENV, "statuses": ["failed"]}


def tracker(in_tracker: bool, clock: ManualClock) -> tuple[KamengApp, ScriptedBackend]:
    config = parse(
        {
            "alerts_in_tracker": in_tracker,
            "alerts": [RULE],
            "profiles": {"shop": {"platform": "demo"}},
        }
    )
    profiles = Profiles(config, {URL_ENV: "json://127.0.0.1:9/x"}, clock, config.profiles["shop"])
    backend = ScriptedBackend("shop")
    backend.set(make_order(1), make_order(2))
    return KamengApp(backend, clock=clock, profiles=profiles), backend


@pytest.mark.parametrize("in_tracker", [True, False])
async def test_the_tracker_sends_what_watch_would(
    in_tracker: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = FakeDelivery()
    monkeypatch.setattr(deliver, "AppriseDelivery", lambda: sent)
    clock = ManualClock(FIXED_EPOCH)
    app, shop = tracker(in_tracker, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)  # the first poll: the baseline, nothing sent
        assert sent.sent == []
        clock.advance(30)
        shop.set(make_order(2, status=OrderStatus.FAILED, updated_at=clock.now()))
        await refresh_now(app, pilot)
        await app.workers.wait_for_complete()
        await refresh_now(app, pilot)  # the same state again: nothing more
        await app.workers.wait_for_complete()
    if not in_tracker:
        assert sent.sent == []
        return
    assert len(sent.sent) == 1 and "KM00000002" in sent.sent[0][0]
    box = Outbox()  # the outbox `kameng-tui watch` uses: a watcher would not send it again
    try:
        assert [row.state for row in box.recent(failed_only=False)] == ["sent"]
    finally:
        box.close()
