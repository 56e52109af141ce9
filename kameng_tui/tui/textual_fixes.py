"""Workarounds for the pinned Textual (8.2.8): memory it never gives back, and a paint it
throws away.

A tracker stays up all day and churns through short-lived widgets (toasts, the help and stats
screens), so `make soak` finds what long runs keep:

- `StylesCache.get_inner_outer` is an `lru_cache` on an instance method: its 1,024 keys hold
  the caches of widgets long gone, with every line they rendered (Textual issue #6665). The
  function never reads its instance, so one cache of the two colours does the same work.

Remove it when Textual fixes it; tests/tui/test_memory.py notices either way.

- While the app starts (a batch: `App._batch_count`), a screen pushed in `on_mount` is laid out
  and its compositor rendered, then `App._display` drops the update, and the compositor counts
  it as painted: the first real paint (when the driver's first Resize arrives, after the batch)
  repeats the layout and sends only what changed since, so a part painted only then (the
  header) was missing. The render is skipped while batched instead: the dirty regions stay for
  that first paint, done once (12-20 ms of the first frame). tests/tui/test_first_frame.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache

from rich.style import Style
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.message_pump import MessagePump
from textual.screen import Screen


def apply() -> None:
    """Patch Textual in this process (idempotent)."""
    _skip_batched_renders()
    method: object = StylesCache.__dict__.get("get_inner_outer")
    if isinstance(method, staticmethod) or not hasattr(method, "__wrapped__"):
        return  # already patched, or Textual changed it
    plain: Callable[[object, Color, Color], tuple[Style, Style]] = method.__wrapped__

    @lru_cache(1024)
    def inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
        return plain(None, base_background, background)

    StylesCache.get_inner_outer = staticmethod(inner_outer)  # type: ignore[assignment]


def _skip_batched_renders() -> None:
    refresh: Callable[[Screen[object]], None] = Screen._compositor_refresh
    if getattr(refresh, "_kameng_fix", False):
        return

    def compositor_refresh(screen: Screen[object]) -> None:
        app = screen.app
        if app._batch_count and not app.is_inline and screen is app.screen:
            return  # App._display would drop it; the compositor keeps what is dirty till then
        refresh(screen)

    compositor_refresh._kameng_fix = True  # type: ignore[attr-defined]
    Screen._compositor_refresh = compositor_refresh  # type: ignore[method-assign,assignment]


async def painted(node: MessagePump) -> None:
    """Once the screen has been painted. While the app starts up (a batch: nothing is
    written), Textual runs after-refresh callbacks at once: wait for one after it."""
    while node.is_attached:
        done = asyncio.get_running_loop().create_future()
        node.call_after_refresh(done.set_result, None)
        await done
        if not node.app._batch_count:
            return
