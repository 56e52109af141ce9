"""Shared fixtures: a fixed clock, a seeded demo, and a private home for every test."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Timestamps render in local time: pin it, and turn animations off, before Textual is imported.
os.environ["TZ"] = "UTC"
time.tzset()
os.environ["TEXTUAL_ANIMATIONS"] = "none"

from kameng_tui.backends.demo import DemoBackend, DemoPlatform  # noqa: E402
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock  # noqa: E402
from kameng_tui.i18n import Lang  # noqa: E402
from kameng_tui.tui.app import KamengApp  # noqa: E402
from tests.helpers import AppFactory  # noqa: E402


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    for var, sub in (
        ("HOME", ""),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        path = home / sub
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(path))
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "KAMENG_TUI_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    yield home


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(FIXED_EPOCH)


@pytest.fixture
def make_app(clock: ManualClock) -> AppFactory:
    """A seeded demo app on the fixed clock: deterministic for Pilot and snapshot tests."""

    def factory(
        lang: Lang | str = Lang.EN,
        orders: int = 300,
        seed: int = 7,
        interval: float = 5.0,
    ) -> KamengApp:
        platform = DemoPlatform(seed=seed, orders=orders, clock=clock)
        app = KamengApp(DemoBackend(platform), lang=Lang(lang), interval=interval, clock=clock)
        app.animation_level = "none"
        return app

    return factory
