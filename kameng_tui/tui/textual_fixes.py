"""Workarounds for memory that the pinned Textual (8.2.8) never gives back.

A tracker stays up all day and churns through short-lived widgets (toasts, the help and stats
screens), so `make soak` finds what long runs keep:

- `StylesCache.get_inner_outer` is an `lru_cache` on an instance method: its 1,024 keys hold
  the caches of widgets long gone, with every line they rendered (Textual issue #6665). The
  function never reads its instance, so one cache of the two colours does the same work.
- Footer: see `kameng_tui.tui.widgets.footer` (Textual issue #6666).

Remove each when Textual fixes it; tests/tui/test_memory.py notices either way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from rich.style import Style
from textual._styles_cache import StylesCache
from textual.color import Color


def apply() -> None:
    """Patch Textual in this process (idempotent)."""
    method: object = StylesCache.__dict__.get("get_inner_outer")
    if isinstance(method, staticmethod) or not hasattr(method, "__wrapped__"):
        return  # already patched, or Textual changed it
    plain: Callable[[object, Color, Color], tuple[Style, Style]] = method.__wrapped__

    @lru_cache(1024)
    def inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
        return plain(None, base_background, background)

    StylesCache.get_inner_outer = staticmethod(inner_outer)  # type: ignore[assignment]
