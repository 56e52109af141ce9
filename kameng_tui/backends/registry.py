"""Every platform kameng-tui speaks, in one place.

Each platform's module declares a `SPEC`: its configuration keys, how its backend is built,
whether it keeps a watch list, the actions it offers, its request budget, and one truthful line
on what it can and cannot do. The factory, the configuration check, `config init`, the TUI and
the CLI read this registry; none of them names a platform. Adding a platform is one module with
its `SPEC`, a line in `MODULES`, and its texts in the catalogue.

Modules are imported only when their platform is used, so start-up pays for one platform.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import msgspec

from kameng_tui.domain.actions import Action

if TYPE_CHECKING:
    from kameng_tui.backends.base import Backend
    from kameng_tui.backends.budget import RateLimit
    from kameng_tui.config import Profile
    from kameng_tui.domain.clock import Clock

# name in the configuration -> the module that declares its SPEC, in the order listed to users.
MODULES: dict[str, str] = {
    "demo": "kameng_tui.backends.demo",
    "kameng": "kameng_tui.backends.kameng",
    "dujiao-next": "kameng_tui.backends.dujiao_next",
    "dujiaoka": "kameng_tui.backends.dujiaoka",
    "acg-faka": "kameng_tui.backends.acg_faka",
}


class Kind(StrEnum):
    """What a configuration key holds."""

    TEXT = "text"  # a non-empty string
    URL = "url"  # http:// or https://
    ENV = "env"  # the name of an environment variable holding a secret
    ORDERS = "orders"  # a list of order numbers
    COUNT = "count"  # a whole number
    CHOICE = "choice"  # one of `choices`


class Key(msgspec.Struct, frozen=True):
    name: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    range: tuple[int, int] = (0, 10**9)  # COUNT: the smallest and largest allowed
    # Only meaningful with another key's value, e.g. ("mode", "guest"): required then, and
    # refused otherwise. Checked by the configuration, named by `config check`.
    when: tuple[str, str] | None = None
    help: str = ""


class PlatformSpec(msgspec.Struct, frozen=True):
    name: str
    summary: str  # one line: what the adapter really does, and what it cannot do
    keys: tuple[Key, ...]
    build: Callable[[Profile, Mapping[str, str], Clock], Backend]
    example: str  # a commented TOML table for `config init`
    # Whether a profile of this platform follows a list of order numbers (`w` / `x` edit it).
    watch_list: Callable[[Mapping[str, Any]], bool] = msgspec.field(default=lambda options: False)
    actions: frozenset[Action] = frozenset()
    limits: tuple[RateLimit, ...] = ()  # the platform's own rate limits the adapter keeps to
    # Cross-key checks beyond `keys`: (key, problem) pairs, empty when all is well.
    check: Callable[[Mapping[str, Any]], list[tuple[str, str]]] | None = None


def names() -> tuple[str, ...]:
    return tuple(MODULES)


def spec(name: str) -> PlatformSpec:
    """The platform's SPEC. KeyError for a name not in MODULES."""
    module = importlib.import_module(MODULES[name])
    found = module.SPEC
    assert isinstance(found, PlatformSpec) and found.name == name
    return found


def all_specs() -> list[PlatformSpec]:
    return [spec(name) for name in MODULES]
