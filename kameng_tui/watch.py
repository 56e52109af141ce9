"""`kameng-tui watch`: the tracker without a screen. It polls each profile as the TUI does
(the same backends and Syncer, with its backoff), turns what changed into alerts by the
`[[alerts]]` rules, queues them in the outbox and delivers what is due.

One line per poll problem and per alert goes to `say` (stderr, and the log).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime, tzinfo

from kameng_tui.alerts.deliver import Delivery
from kameng_tui.alerts.outbox import Outbox, Row
from kameng_tui.alerts.rules import (
    Alert,
    Change,
    Rule,
    changes_of,
    digest,
    evaluate,
    state_of,
)
from kameng_tui.backends.base import Backend
from kameng_tui.config import Profile
from kameng_tui.domain.attention import Attention, attention_reasons
from kameng_tui.domain.book import ChangeSet, OrderBook
from kameng_tui.domain.clock import Clock
from kameng_tui.domain.order import profile_of, unstamped
from kameng_tui.domain.status import OrderStatus
from kameng_tui.domain.text import clean
from kameng_tui.i18n import Lang
from kameng_tui.settings import load_follows
from kameng_tui.shops import Shop
from kameng_tui.store.history import HistoryStore
from kameng_tui.sync import Syncer

log = logging.getLogger("kameng_tui.watch")
MAX_WAIT = 60.0  # seconds the loop sleeps at most between looks at its work


class Watcher:
    def __init__(
        self,
        shops: Sequence[tuple[Profile, Backend] | Shop],
        rules: Sequence[Rule],
        outbox: Outbox,
        delivery: Delivery,
        clock: Clock,
        *,
        environ: Mapping[str, str],
        lang: Lang = Lang.EN,
        interval: float = 30.0,
        history: HistoryStore | None = None,
        say: Callable[[str], None] = log.warning,
        tz: tzinfo | None = None,
        follows: Callable[[str], Collection[str]] = load_follows,
    ) -> None:
        # A Shop given is polled by someone else (the tracker): this only evaluates and sends.
        self.shops = [
            s if isinstance(s, Shop) else Shop(s[0], Syncer(s[1], OrderBook(), clock, interval))
            for s in shops
        ]
        self.rules = list(rules)
        self.outbox = outbox
        self.delivery = delivery
        self.clock = clock
        self.environ = environ
        self.lang = lang
        self.history = history
        self.say = say
        self.tz = tz  # quiet hours are in this zone (None: the machine's)
        self.known = {shop.profile.name: outbox.seen(shop.profile.name) for shop in self.shops}
        # Told of every change applied to a shop's book (the hub serves them).
        self.listeners: list[Callable[[Shop, ChangeSet], None]] = []
        # The orders followed in the tracker (`f`), per profile: read at each evaluation, so
        # what an agent follows counts from the next poll. Only read when a rule asks.
        self.follows = follows

    # -- polling --------------------------------------------------------------------------

    async def poll(self, shop: Shop) -> bool:
        """One poll of one shop, every page; whether it completed."""
        syncer = shop.syncer
        while True:
            changes = await syncer.poll()
            if changes is None:
                self._problem(shop)
                return False
            shop.touched |= changes.touched
            if changes:
                if self.history is not None:
                    self.history.record(shop.profile.name, changes, self.clock.now())
                for listener in self.listeners:
                    listener(shop, changes)
            if not syncer.more:
                break
        if syncer.error is not None:  # the paging stopped: what was read is kept
            self._problem(shop)
        elif shop.error is not None:
            self.say(f"{clean(shop.profile.name, limit=64)}: polling again")
            shop.error = None
        self.evaluate(shop)
        return True

    def _problem(self, shop: Shop) -> None:
        error = shop.syncer.error
        if error is None:
            return
        shop.error = error
        retry = shop.syncer.seconds_until_due()
        self.say(
            f"{clean(shop.profile.name, limit=64)}: poll failed: {clean(error, limit=300)} "
            f"(next try in {retry:.0f} s)"
        )

    def evaluate(self, shop: Shop) -> None:
        """The pass is complete: compare with what was seen, queue the alerts."""
        name = shop.profile.name
        book = shop.syncer.book
        now = self.clock.now()
        policy = shop.profile.policy
        known = self.known[name]
        baseline = not self.outbox.has_baseline(name)
        # In a shared book (a merged view) only this shop's orders, compared as its own
        # backend gave them: the outbox and alert keys are the same as `watch` would use.
        stamp = shop.syncer.stamp
        active = book.active()
        numbers = shop.touched | {o.key for o in active if not stamp or profile_of(o) == stamp}
        shop.touched = set()
        changes: list[Change] = []
        states: list[tuple[str, OrderStatus, frozenset[Attention]]] = []
        wanted = not baseline and any(rule.followed for rule in self.rules)
        followed = set(self.follows(name)) if wanted else set()
        for number in numbers:
            order = book.get(number)
            if order is None or order.status is OrderStatus.UNREADABLE:
                continue
            if stamp:
                order = unstamped(order)
                number = order.key
            reasons = attention_reasons(order, now, policy)
            state = state_of(order.status, reasons)
            old = known.get(number)
            if old == state:
                continue
            if not baseline:
                changes.extend(changes_of(name, old, order, reasons, number in followed))
            states.append((number, *state))
            known[number] = state
        queued: list[tuple[Alert, str, datetime]] = []
        stamp = now.isoformat()
        for rule_name, alerts in evaluate(self.rules, changes, self.lang, now).items():
            rule = next(r for r in self.rules if r.name == rule_name)
            quiet_end = rule.quiet_hours.end_after(now, self.tz) if rule.quiet_hours else None
            if quiet_end is not None:
                due = quiet_end.astimezone(UTC)
                group = f"quiet\x1f{rule.name}\x1f{due.isoformat()}"
            else:
                due = now
                burst = len(alerts) > rule.burst
                group = f"burst\x1f{rule.name}\x1f{name}\x1f{stamp}" if burst else ""
            queued += [(alert, group, due) for alert in alerts]
        added = self.outbox.commit_poll(name, states, queued, now)
        if baseline:
            log.info("%s: first poll, %d orders taken as they are", name, len(states))
        elif added:
            log.info("%s: %d alerts queued", name, added)

    # -- delivering -----------------------------------------------------------------------

    async def deliver(self, stop: asyncio.Event | None = None) -> int:
        """Send every message due now; how many alerts went out. Stops between messages once
        `stop` is set."""
        sent = 0
        now = self.clock.now()
        for group in self.outbox.due(now):
            if stop is not None and stop.is_set():
                break
            sent += await self._send(group)
        return sent

    async def _send(self, group: list[Row]) -> int:
        first = group[0]
        rule = next((r for r in self.rules if r.name == first.rule), None)
        ids = [row.id for row in group]
        now = self.clock.now()
        if rule is None:
            self.outbox.failed(ids, first.done_channels, "its rule is no longer configured", now)
            return 0
        urls = rule.urls(self.environ)
        if not urls:
            self.outbox.failed(ids, first.done_channels, f"{rule.to_env} is not set", now)
            self.say(f"alert {clean(rule.name, limit=64)}: {rule.to_env} is not set")
            return 0
        if len(group) == 1:
            title, body = first.title, first.body
        else:
            title, body = digest(self.lang, [_as_alert(row) for row in group])
        # Channels that took the message are skipped: those of the group's first row (the
        # rows of a group are tried together, so they agree).
        outcome = await asyncio.to_thread(
            self.delivery.send, urls, title, body, first.done_channels
        )
        now = self.clock.now()
        where = f"alert {clean(rule.name, limit=64)}"
        if len(outcome.done) >= len(urls) and not outcome.error:
            self.outbox.sent(ids, now)
            for row in group:
                self.say(f"{where}: sent: {clean(row.line, limit=300)}")
            return len(group)
        self.outbox.failed(ids, outcome.done, outcome.error, now)
        self.say(f"{where}: not delivered, will retry: {clean(outcome.error, limit=300)}")
        return 0

    # -- the loop -------------------------------------------------------------------------

    async def once(self) -> bool:
        """`--once`: poll every shop once (all pages), deliver what is due. Whether every
        poll completed."""
        ok = True
        for shop in self.shops:
            ok = await self.poll(shop) and ok
        await self.deliver()
        return ok

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for shop in self.shops:
                if stop.is_set():
                    break
                if shop.syncer.due():
                    await self.poll(shop)
            await self.deliver(stop)
            await self._wait(stop)

    async def _wait(self, stop: asyncio.Event) -> None:
        wait = min([MAX_WAIT, *(s.syncer.seconds_until_due() for s in self.shops)])
        due = self.outbox.next_due()
        if due is not None:
            wait = min(wait, max((due - self.clock.now()).total_seconds(), 0.0))
        if wait <= 0:
            wait = 0.05
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)

    async def aclose(self) -> None:
        for shop in self.shops:
            await shop.syncer.backend.aclose()


def _as_alert(row: Row) -> Alert:
    return Alert(
        row.rule, row.profile, row.order_no, row.transition, "", row.line, row.title, row.body
    )
