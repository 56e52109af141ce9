"""Types and small helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

from kameng_tui.tui.app import KamengApp

AppFactory = Callable[..., KamengApp]
