"""Request budgets: each platform's own rate limits, spent so that they are never reached.

A shop's limits are per IP address and usually shared with the shop's own web site: a tracker
that reaches them locks the buyer (or the whole office behind one address) out of the shop.
So an adapter asks its budget before every request and, when it is spent, leaves the rest of
its work to a later poll instead of sending the request.

The budget is a token bucket: `burst` requests at once, then one every `1 / rate` seconds. Any
span of `window` seconds then holds at most `burst + rate * window` requests, which is kept at
or under the platform's limit, so the limit holds whether the platform counts in fixed or
sliding windows. A refusal from the platform (HTTP 429) empties the bucket and holds it for as
long as the platform blocks.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import msgspec

from kameng_tui.domain.clock import Clock


class RateLimit(msgspec.Struct, frozen=True):
    """A platform's limit: at most `requests` in any `window` seconds, per IP address.

    `blocked_for`: how long the platform refuses everything once the limit is passed.
    `burst`: how many of the requests may go at once (the rest are spread evenly).
    `share`: how much of the limit a tracker may use; the rest is left to the shop's own site.
    `source`: the platform source file the numbers come from."""

    requests: int
    window: float
    blocked_for: float = 0.0
    burst: int | None = None
    share: float = 0.8
    source: str = ""

    @property
    def usable(self) -> int:
        return max(1, int(self.requests * self.share))

    @property
    def burst_size(self) -> int:
        if self.burst is not None:
            return max(1, min(self.burst, self.usable))
        return max(1, self.usable // 4)

    @property
    def rate(self) -> float:
        """Requests a second after the burst, so that burst + rate * window <= usable."""
        return max(self.usable - self.burst_size, 1) / self.window

    def describe(self) -> str:
        minutes = self.window / 60
        span = f"{minutes:g} min" if minutes >= 1 else f"{self.window:g} s"
        return f"{self.requests} requests per {span}"


# Times are datetimes (whole microseconds): waiting exactly `wait()` seconds must be enough.
_EPSILON = 1e-6


class RequestBudget:
    """The requests this tracker may still send to one platform, now."""

    def __init__(self, limit: RateLimit, clock: Clock) -> None:
        self.limit = limit
        self.clock = clock
        self._tokens = float(limit.burst_size)
        self._at = clock.now()
        self._held_until: datetime | None = None

    def _refill(self) -> datetime:
        now = self.clock.now()
        if self._held_until is not None:
            if now < self._held_until:
                return now
            self._held_until = None  # refills from the end of the hold (`_at`)
        elapsed = max((now - self._at).total_seconds(), 0.0)
        self._tokens = min(float(self.limit.burst_size), self._tokens + elapsed * self.limit.rate)
        self._at = now
        return now

    def available(self) -> int:
        """Whole requests that may go now."""
        self._refill()
        return 0 if self._held_until is not None else int(self._tokens + _EPSILON)

    def take(self, cost: int = 1) -> bool:
        """Spend `cost` requests if the budget has them; False (nothing spent) otherwise."""
        self._refill()
        if self._held_until is not None or self._tokens + _EPSILON < cost:
            return False
        self._tokens = max(self._tokens - cost, 0.0)
        return True

    def wait(self, cost: int = 1) -> float:
        """Seconds until `cost` requests may go."""
        now = self._refill()
        if self._held_until is not None:
            held = (self._held_until - now).total_seconds()
            return _up(held + max(cost - self._tokens, 0.0) / self.limit.rate)
        return _up(max(cost - self._tokens, 0.0) / self.limit.rate)

    def hold(self, seconds: float | None = None) -> None:
        """The platform refused (429): nothing goes for `seconds` (default: its block time,
        else one window), and the bucket starts empty after that."""
        now = self._refill()
        span = seconds if seconds is not None else (self.limit.blocked_for or self.limit.window)
        self._tokens = 0.0
        self._held_until = now + timedelta(seconds=max(span, 0.0))
        self._at = self._held_until


def _up(seconds: float) -> float:
    """Rounded up to the microsecond, the clock's resolution."""
    return math.ceil(seconds * 1e6) / 1e6
