"""Alerts end to end through Apprise's json:// to a receiver on 127.0.0.1: down for a while,
then back, across a restart of the watcher: every alert arrives once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kameng_tui.alerts.deliver import AppriseDelivery, scheme
from kameng_tui.alerts.rules import parse_rule
from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.status import OrderStatus
from tests.alerts.helpers import URL_ENV, ScriptedBackend, watcher
from tests.domain.factory import make_order
from tests.servers import serve

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass
class Receiver:
    down: bool = False
    received: list[dict[str, object]] = field(default_factory=list)

    async def hook(self, request: Request) -> Response:
        if self.down:
            return Response(status_code=503)
        self.received.append(json.loads(await request.body()))
        return Response(status_code=200)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()
    app = Starlette(routes=[Route("/hook", state.hook, methods=["POST"])])
    with serve(app) as base:
        yield state, "json://" + base.removeprefix("http://") + "/hook"


def test_scheme_never_shows_the_rest() -> None:
    assert scheme("dingtalk://secret-token@abc") == "dingtalk"
    assert scheme("nonsense") == "?"


async def test_down_then_back_across_a_restart(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    clock = ManualClock(START)
    shop = ScriptedBackend()
    shop.set(*(make_order(n, updated_at=START) for n in range(3)))
    rule = parse_rule(0, {"name": "failed", "to_env": URL_ENV, "statuses": ["failed"]})
    w = watcher(shop, [rule], tmp_path / "a.db", clock, AppriseDelivery())
    w.environ = {URL_ENV: url}
    await w.once()
    state.down = True
    clock.advance(10)
    shop.set(make_order(0, status=OrderStatus.FAILED, updated_at=clock.now()))
    await w.once()
    clock.advance(10)
    shop.set(make_order(1, status=OrderStatus.FAILED, updated_at=clock.now()))
    await w.once()
    assert state.received == []
    rows = w.outbox.recent(failed_only=True)
    assert len(rows) == 2 and all(r.state == "pending" for r in rows)
    assert all("127.0.0.1" not in r.last_error and "hook" not in r.last_error for r in rows)
    w.outbox.close()

    # Restarted, with the receiver back: what was pending goes out, once.
    state.down = False
    again = watcher(shop, [rule], tmp_path / "a.db", clock, AppriseDelivery())
    again.environ = {URL_ENV: url}
    clock.advance(3600)
    shop.set(make_order(2, status=OrderStatus.FAILED, updated_at=clock.now()))
    await again.once()
    await again.deliver()
    titles = sorted(str(m["title"]) for m in state.received)
    assert len(titles) == 3
    assert [t.split()[1] for t in titles] == ["KM00000000", "KM00000001", "KM00000002"]
    assert all(r.state == "sent" for r in again.outbox.recent())
    again.outbox.close()
