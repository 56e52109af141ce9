"""A shop: one profile read as one unit (its backend, poll state, settings and request budget),
what the tracker, `orders`, `watch` and the hub compose. A single-shop session is a view of
one; where several share one order book, each stamps its orders with its name (Syncer.stamp).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

import msgspec

from kameng_tui.domain.attention import AttentionPolicy

if TYPE_CHECKING:
    from kameng_tui.backends.base import Backend
    from kameng_tui.config import Profile
    from kameng_tui.sync import Syncer


class Shop(msgspec.Struct, eq=False):
    profile: Profile
    syncer: Syncer
    touched: set[str] = msgspec.field(
        default_factory=set
    )  # order keys of the pass under way (watch)
    error: str | None = None  # the last poll problem said (watch)
    loaded: bool = False  # its first full sync is in (the tracker marks changes after it)

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def backend(self) -> Backend:
        return self.syncer.backend

    @property
    def policy(self) -> AttentionPolicy:
        return self.profile.policy

    def health(self, now: datetime) -> Literal["ok", "stale", "error"]:
        """ "error" while its polls fail, "stale" when not read lately (or not yet), else "ok"."""
        syncer = self.syncer
        if syncer.error is not None:
            return "error"
        last = syncer.last_success
        if last is None or (now - last).total_seconds() > 3 * syncer.interval + 5:
            return "stale"
        return "ok"

    def setting(self, key: str, default: object) -> object:
        """A per-profile setting (notify, bell, desktop, read_only, staff...)."""
        return self.profile.get(key, default)
