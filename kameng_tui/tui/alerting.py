"""`alerts_in_tracker = true`: the tracker runs the `[[alerts]]` rules on what it polls, as
`kameng-tui watch` does, with the same outbox. An alert both would send goes out once (the
outbox keys each alert by rule, order, transition and update time), so a tracker and a
watcher on one machine may run together.

Apprise and the outbox load only when the setting is on: the tracker's start stays light.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from kameng_tui.domain.text import clean

if TYPE_CHECKING:
    from kameng_tui.config import Config
    from kameng_tui.domain.book import ChangeSet
    from kameng_tui.i18n import Lang
    from kameng_tui.shops import Shop
    from kameng_tui.watch import Watcher

log = logging.getLogger("kameng_tui.tui.alerting")


class TrackerAlerts:
    """The rules over the tracker's shops, evaluated as each shop's pass completes."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    @classmethod
    def start(
        cls,
        config: Config | None,
        shops: Sequence[Shop],
        environ: Mapping[str, str],
        lang: Lang,
        say: Callable[[str], None],
    ) -> TrackerAlerts | None:
        """None unless the configuration asks for it and has rules; a problem is said once
        and the tracker runs without alerts."""
        if config is None or not config.alerts_in_tracker or not config.alerts:
            return None
        from kameng_tui.alerts.deliver import AppriseDelivery
        from kameng_tui.alerts.outbox import Outbox, OutboxError
        from kameng_tui.alerts.rules import parse_rules
        from kameng_tui.watch import Watcher

        try:
            outbox = Outbox()
        except OutboxError as exc:
            say(f"alerts: {clean(exc, limit=200)}")
            return None
        watcher = Watcher(
            shops,
            parse_rules(config),
            outbox,
            AppriseDelivery(),
            shops[0].syncer.clock,
            environ=environ,
            lang=lang,
            say=lambda line: log.warning("%s", line),
        )
        return cls(watcher)

    def polled(self, shop: Shop, changes: ChangeSet | None, complete: bool) -> None:
        """After each page applied; the rules run once the shop's pass is complete."""
        if changes:
            shop.touched |= changes.touched
        if complete and shop.syncer.error is None:
            self.watcher.evaluate(shop)

    async def deliver(self) -> int:
        return await self.watcher.deliver()

    def close(self) -> None:
        self.watcher.outbox.close()
