"""The profiles a running tracker can switch between, and their watch lists.

Watch lists are saved back into the configuration file with tomlkit, which keeps the user's
comments and layout; nothing else in the file is touched, and secrets are never in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import tomlkit

from kameng_tui.backends.base import Backend
from kameng_tui.backends.factory import make_backend
from kameng_tui.config import Config, ConfigError, Profile
from kameng_tui.domain.clock import Clock


def has_watch_list(profile: Profile) -> bool:
    from kameng_tui.backends.registry import names, spec

    return profile.platform in names() and spec(profile.platform).watch_list(profile.options)


class Profiles:
    def __init__(
        self, config: Config, environ: Mapping[str, str], clock: Clock, current: Profile
    ) -> None:
        self.config = config
        self.environ = environ
        self.clock = clock
        self._profiles = dict(config.profiles)
        self._profiles.setdefault(current.name, current)
        self.current = current.name

    @property
    def names(self) -> list[str]:
        return sorted(self._profiles)

    def get(self, name: str) -> Profile:
        return self._profiles[name]

    def open(self, name: str) -> Backend:
        """A backend for the profile, which becomes the current one. Raises ConfigError."""
        backend = make_backend(self._profiles[name], self.environ, self.clock)
        self.current = name
        return backend

    def watch_list(self, name: str) -> list[str] | None:
        profile = self._profiles[name]
        return list(profile.get("orders", [])) if has_watch_list(profile) else None

    def set_watch_list(self, name: str, orders: list[str]) -> None:
        """Keep the list in memory and, for a profile from the file, save it there."""
        profile = self._profiles[name]
        self._profiles[name] = replace(profile, options={**profile.options, "orders": orders})
        path = self.config.path
        if path is None or name not in self.config.profiles:
            return
        try:
            document = tomlkit.parse(path.read_text(encoding="utf-8"))
            table = document["profiles"][name]
            table["orders"] = orders
            path.write_text(tomlkit.dumps(document), encoding="utf-8")
        except (OSError, KeyError, tomlkit.exceptions.TOMLKitError) as exc:
            raise ConfigError(path, f"profiles.{name}.orders", f"cannot save: {exc}") from None
