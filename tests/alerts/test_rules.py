"""Alert rules: parsing and `config check`, matching, the baseline, dedup, bursts, quiet hours
and retries, over a manual clock and a fake channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kameng_tui.alerts.outbox import Outbox
from kameng_tui.alerts.rules import (
    QuietHours,
    Rule,
    alert_problems,
    parse_rule,
)
from kameng_tui.backends.base import BackendError, SyncResult
from kameng_tui.config import ConfigError, parse
from kameng_tui.domain.attention import Attention
from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.status import LabelCode, OrderStatus
from kameng_tui.i18n import Lang
from tests.alerts.helpers import URL_ENV, FakeDelivery, ScriptedBackend, watcher
from tests.domain.factory import label, make_order

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def failed_rule(**extra: object) -> Rule:
    return parse_rule(0, {"name": "failed", "to_env": URL_ENV, "statuses": ["failed"], **extra})


def test_a_rule_parses_with_every_condition() -> None:
    rule = parse_rule(
        0,
        {
            "name": "stuck",
            "to_env": URL_ENV,
            "statuses": ["failed", "Abnormal"],
            "attention": ["overdue"],
            "types": ["phone_topup"],
            "profiles": ["shop"],
            "labels": ["out_of_stock"],
            "quiet_hours": "23:00-08:00",
            "burst": 3,
        },
    )
    assert rule.statuses == {OrderStatus.FAILED, OrderStatus.ABNORMAL}
    assert rule.attention == {Attention.OVERDUE}
    assert rule.labels == {LabelCode.OUT_OF_STOCK}
    assert rule.burst == 3
    assert rule.urls({URL_ENV: "json://a/x, ntfy://b  bark://c"}) == [
        "json://a/x",
        "ntfy://b",
        "bark://c",
    ]


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ({"to_env": URL_ENV, "colour": "red"}, "colour"),
        ({"to_env": URL_ENV, "statuses": ["lost"]}, "statuses"),
        ({"to_env": URL_ENV, "attention": ["bored"]}, "attention"),
        ({"to_env": URL_ENV, "quiet_hours": "23-8"}, "quiet_hours"),
        ({"to_env": URL_ENV, "quiet_hours": "25:00-08:00"}, "quiet_hours"),
        ({"to_env": "json://token@host"}, "to_env"),
        ({"to_env": URL_ENV, "burst": 0}, "burst"),
    ],
)
def test_config_check_names_the_mistake(table: dict[str, object], where: str) -> None:
    config = parse({"alerts": [{"name": "r", **table}]})
    problems = alert_problems(config, {URL_ENV: "json://127.0.0.1/x"})
    assert len(problems) == 1
    assert where in problems[0]


def test_config_check_says_an_unset_variable() -> None:
    config = parse({"alerts": [{"name": "r", "to_env": URL_ENV, "followed": True}]})
    assert alert_problems(config, {}) == [f"alerts.r.to_env: {URL_ENV} is not set"]
    assert alert_problems(config, {URL_ENV: "json://127.0.0.1/x"}) == []
    assert alert_problems(parse({}), {}) == []


async def test_a_followed_rule_alerts_for_the_orders_followed_in_the_tracker(
    tmp_path: Path,
) -> None:
    clock = ManualClock(START)
    shop = ScriptedBackend()
    shop.set(make_order(1), make_order(2))
    delivery = FakeDelivery()
    w = watcher(shop, [failed_rule(followed=True)], tmp_path / "a.db", clock, delivery)
    follows = {"shop": ["KM00000002"]}
    asked: list[str] = []

    def followed(profile: str) -> list[str]:
        asked.append(profile)
        return follows.get(profile, [])

    w.follows = followed
    await w.once()  # the baseline
    clock.advance(30)
    shop.set(*(make_order(n, status=OrderStatus.FAILED, updated_at=clock.now()) for n in (1, 2)))
    await w.once()
    assert len(delivery.sent) == 1 and "KM00000002" in delivery.sent[0][0]
    assert asked == ["shop"]  # read once the baseline was taken
    # Followed from now on (the agent pressed f): its next change alerts too.
    follows["shop"].append("KM00000001")
    clock.advance(30)
    shop.set(make_order(1, status=OrderStatus.REFUNDED, updated_at=clock.now()))
    w.rules = [failed_rule(followed=True, statuses=["refunded"])]
    await w.once()
    assert len(delivery.sent) == 2 and "KM00000001" in delivery.sent[1][0]
    w.outbox.close()


def test_alerts_must_be_tables() -> None:
    with pytest.raises(ConfigError, match="alerts"):
        parse({"alerts": "all"})


def test_quiet_hours_across_midnight() -> None:
    quiet = QuietHours.parse("23:00-08:00")
    assert quiet.end_after(START, UTC) is None  # noon
    late = START.replace(hour=23, minute=30)
    assert quiet.end_after(late, UTC) == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    early = START.replace(hour=7, minute=59)
    assert quiet.end_after(early, UTC) == START.replace(hour=8, minute=0)
    day = QuietHours.parse("12:00-13:00")
    assert day.end_after(START, UTC) == START.replace(hour=13)


async def test_baseline_then_one_alert_per_transition(tmp_path: Path) -> None:
    clock = ManualClock(START)
    shop = ScriptedBackend()
    shop.set(make_order(1, status=OrderStatus.FAILED), make_order(2, updated_at=START))
    delivery = FakeDelivery()
    lines: list[str] = []
    w = watcher(shop, [failed_rule()], tmp_path / "a.db", clock, delivery, lines)
    await w.once()  # the baseline: order 1 was failed already, not news
    assert delivery.sent == []
    clock.advance(30)
    shop.set(
        make_order(
            2,
            status=OrderStatus.FAILED,
            updated_at=clock.now(),
            label=label(LabelCode.OUT_OF_STOCK, "库存不足"),
        )
    )
    await w.once()
    await w.once()  # the same state again: nothing more
    assert len(delivery.sent) == 1
    title, body = delivery.sent[0]
    assert "KM00000002" in title and "Delivering → Failed" in title
    assert "shop" in body and "库存不足" in body and "Next:" in body
    assert any("sent" in line for line in lines)
    w.outbox.close()

    # A restart: the outbox remembers what was seen and sent.
    again = watcher(shop, [failed_rule()], tmp_path / "a.db", clock, delivery)
    await again.once()
    assert len(delivery.sent) == 1
    clock.advance(30)
    shop.set(make_order(3, status=OrderStatus.PAID, updated_at=clock.now()))
    await again.once()
    clock.advance(30)
    shop.set(make_order(3, status=OrderStatus.FAILED, updated_at=clock.now()))
    await again.once()
    assert len(delivery.sent) == 2
    rows = again.outbox.recent()
    assert [(r.order_no, r.transition, r.state) for r in rows] == [
        ("KM00000003", "paid->failed", "sent"),
        ("KM00000002", "delivering->failed", "sent"),
    ]
    again.outbox.close()


async def test_a_new_attention_reason_alerts_once(tmp_path: Path) -> None:
    clock = ManualClock(START)
    shop = ScriptedBackend()
    shop.set(make_order(1, updated_at=START, promised_by=START + timedelta(minutes=5)))
    rule = parse_rule(0, {"name": "late", "to_env": URL_ENV, "attention": ["overdue"]})
    delivery = FakeDelivery()
    w = watcher(shop, [rule], tmp_path / "a.db", clock, delivery)
    await w.once()
    clock.advance(6 * 60)  # nothing changed on the shop; the promise passed
    await w.once()
    clock.advance(60)
    await w.once()
    assert len(delivery.sent) == 1
    assert "Past promised delivery" in delivery.sent[0][0]
    w.outbox.close()


async def test_a_burst_is_one_digest(tmp_path: Path) -> None:
    clock = ManualClock(START)
    shop = ScriptedBackend()
    shop.set(*(make_order(n, updated_at=START) for n in range(12)))
    delivery = FakeDelivery()
    w = watcher(shop, [failed_rule(burst=10)], tmp_path / "a.db", clock, delivery)
    await w.once()
    clock.advance(10)
    shop.set(*(make_order(n, status=OrderStatus.FAILED, updated_at=clock.now()) for n in range(12)))
    await w.once()
    assert len(delivery.sent) == 1
    title, body = delivery.sent[0]
    assert title == "12 order changes"
    assert len(body.splitlines()) == 12
    assert len(w.outbox.recent()) == 12  # each still listed, each sent
    w.outbox.close()


async def test_quiet_hours_hold_then_one_digest_in_the_language(tmp_path: Path) -> None:
    clock = ManualClock(START.replace(hour=22, minute=59))
    shop = ScriptedBackend()
    shop.set(make_order(1, updated_at=clock.now()), make_order(2, updated_at=clock.now()))
    delivery = FakeDelivery()
    w = watcher(shop, [failed_rule(quiet_hours="23:00-08:00")], tmp_path / "a.db", clock, delivery)
    w.tz = UTC
    w.lang = Lang.ZH
    await w.once()
    clock.advance(120)  # 23:01
    shop.set(make_order(1, status=OrderStatus.FAILED, updated_at=clock.now()))
    await w.once()
    clock.advance(3600)
    shop.set(make_order(2, status=OrderStatus.FAILED, updated_at=clock.now()))
    await w.once()
    assert delivery.sent == []
    clock.set(START.replace(day=26, hour=8))
    await w.deliver()
    assert len(delivery.sent) == 1
    title, body = delivery.sent[0]
    assert title == "2 个订单变化"
    assert "发货中 → 发货失败" in body
    w.outbox.close()


async def test_a_channel_down_is_retried_with_backoff_and_sent_once(tmp_path: Path) -> None:
    clock = ManualClock(START)
    shop = ScriptedBackend()
    shop.set(make_order(1, updated_at=START))
    delivery = FakeDelivery()
    w = watcher(shop, [failed_rule()], tmp_path / "a.db", clock, delivery)
    await w.once()
    delivery.down = True
    clock.advance(10)
    shop.set(make_order(1, status=OrderStatus.FAILED, updated_at=clock.now()))
    await w.once()
    [row] = w.outbox.recent(failed_only=True)
    assert (row.state, row.attempts) == ("pending", 1)
    assert "json" in row.last_error and "127.0.0.1" not in row.last_error
    await w.deliver()  # not due yet: the backoff
    assert w.outbox.recent()[0].attempts == 1
    delivery.down = False
    clock.advance(31)
    assert await w.deliver() == 1
    assert await w.deliver() == 0
    assert len(delivery.sent) == 1
    assert w.outbox.recent()[0].state == "sent"
    w.outbox.close()


def test_outbox_file_is_private(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "d" / "alerts.sqlite3")
    box.close()
    assert (tmp_path / "d" / "alerts.sqlite3").stat().st_mode & 0o777 == 0o600


class FailingBackend(ScriptedBackend):
    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        raise BackendError("HTTP 503", retryable=True)


async def test_a_poll_problem_is_one_line(tmp_path: Path) -> None:
    clock = ManualClock(START)
    lines: list[str] = []
    w = watcher(FailingBackend(), [failed_rule()], tmp_path / "a.db", clock, FakeDelivery(), lines)
    assert await w.once() is False
    assert lines == ["shop: poll failed: HTTP 503 (next try in 2 s)"]
    assert not w.outbox.has_baseline("shop")
    w.outbox.close()
