"""The profiles a running tracker can switch between, and their watch lists.

Watch lists are saved back into the configuration file with tomlkit, which keeps the user's
comments and layout; nothing else in the file is touched, and secrets are never in it. A save
re-reads the file under a lock and applies the change to what it holds, then replaces it whole.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec.structs import replace

from kameng_tui.backends.factory import make_backend
from kameng_tui.config import Config, ConfigError, Profile, read_config_text
from kameng_tui.store.files import is_disk_full, locked, replace_file

if TYPE_CHECKING:
    from kameng_tui.backends.base import Backend
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

    def set_watch_list(self, name: str, orders: list[str]) -> list[str]:
        """Keep the list in memory and, for a profile from the file, save it there. The list
        saved is what the file holds now with this change applied (orders added to the list
        shown are added, orders taken off it removed): another tracker's change since, on
        the same file, is kept. Returns the list now in force."""
        profile = self._profiles[name]
        before = list(profile.get("orders", []))
        path = self.config.path
        if path is not None and name in self.config.profiles:
            orders = self._save(path, name, before, orders)
        self._profiles[name] = replace(profile, options={**profile.options, "orders": orders})
        return orders

    def _save(self, path: Path, name: str, before: list[str], after: list[str]) -> list[str]:
        import tomlkit  # only a save needs it: not loaded before the first frame

        added = [no for no in after if no not in before]
        removed = set(before) - set(after)
        key = f"profiles.{name}.orders"
        try:
            target = path.resolve()  # a symlinked config stays a symlink
            with locked(target):
                document = tomlkit.parse(read_config_text(target))
                table = document["profiles"][name]
                current = table.get("orders", [])
                if not isinstance(current, list):
                    raise ConfigError(path, key, "cannot save: not a list")
                merged = [str(no) for no in current if str(no) not in removed]
                merged += [no for no in added if no not in merged]
                if merged != [str(no) for no in current] or "orders" not in table:
                    table["orders"] = merged
                    mode = stat.S_IMODE(target.stat().st_mode)
                    replace_file(target, tomlkit.dumps(document), mode)
                return merged
        except OSError as exc:
            problem = "the disk is full" if is_disk_full(exc) else exc.strerror or str(exc)
            raise ConfigError(path, key, f"cannot save: {problem}") from None
        except (KeyError, tomlkit.exceptions.TOMLKitError) as exc:
            raise ConfigError(path, key, f"cannot save: {exc}") from None
