"""When the screen repaints with a condition holding: the in-process figures' stopwatch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


class PaintProbe:
    """Records when the screen's compositor first repaints with a condition holding."""

    def __init__(self, screen: Any) -> None:
        self.painted = asyncio.Event()
        self.at = 0.0
        self.until: Callable[[], bool] = lambda: True
        original = screen._compositor_refresh

        def hooked() -> None:
            original()
            if not self.painted.is_set() and self.until():
                self.at = time.perf_counter()
                self.painted.set()

        screen._compositor_refresh = hooked

    async def time(
        self,
        action: Callable[[], Awaitable[None] | object],
        until: Callable[[], bool] = lambda: True,
    ) -> float:
        """Seconds from starting `action` to the first repaint after which `until()` holds."""
        self.until = until
        self.painted.clear()
        start = time.perf_counter()
        result = action()
        if isinstance(result, Awaitable):
            await result
        await asyncio.wait_for(self.painted.wait(), 10)
        return self.at - start
