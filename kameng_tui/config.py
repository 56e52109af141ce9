"""Profiles: which platform to watch, and how to reach it (a TOML file).

Where the file is: `--config FILE`, else `$KAMENG_TUI_CONFIG`, else `config.toml` in the
platformdirs user config directory. Secrets never live in it: a profile names the environment
variables that hold them (`token_env`, `password_env`, `guest_password_env`). Views
(`[views.NAME] profiles = [...]`) name several profiles read as one.
"""

from __future__ import annotations

import ipaddress
import math
import os
import stat
import urllib.parse
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
from platformdirs import user_config_path

from kameng_tui.backends.registry import Key, Kind
from kameng_tui.domain.attention import DEFAULT_POLICY, AttentionPolicy
from kameng_tui.domain.text import clean

APP_NAME = "kameng-tui"
ENV_VAR = "KAMENG_TUI_CONFIG"

# Keys every profile accepts, whatever its platform; the platform's own come from its SPEC.
COMMON_KEYS = frozenset(
    {
        "platform",
        "interval",
        "notify",
        "bell",
        "desktop",  # desktop notifications through the terminal (kameng_tui.tui.desktop)
        "stalled_minutes",
        "read_only",
        "staff",
        "timeout",  # seconds one request may take in all (default 30)
        "max_orders",  # the most orders read from the shop (default 200,000)
        "max_answer_mb",  # the largest answer read, decoded (default 64)
    }
)
_SECRET_KEYS = {"token", "password", "guest_password", "secret", "api_key", "query_password"}

_HEAD = """\
# kameng-tui profiles. Secrets are never written here: each profile names the environment
# variable that holds its token or password.
#
# Platforms (uncomment a table to use it):
{platforms}

default_profile = "demo"
# default_view = "desk"    # without --profile, read the profiles of this view (below) as one
"""

# Appended after the platforms' tables: a view is a table, so it cannot come before them.
_VIEWS = """\
# Views: several profiles read as one, by the view's name (`--profile desk`); a profile of
# the same name wins. `--profile a,b` names profiles directly, `--all` reads every one.
# [views.desk]
# profiles = ["myshop", "next-admin"]
"""


def example_text() -> str:
    """What `config init` writes: every platform, each with its truthful line and a table."""
    from kameng_tui.backends.registry import all_specs

    specs = all_specs()
    width = max(len(spec.name) for spec in specs)
    lines = "\n".join(f"#   {spec.name:<{width}}  {spec.summary}" for spec in specs)
    tables = "\n".join(spec.example.rstrip() + "\n" for spec in specs)
    return _HEAD.format(platforms=lines) + "\n" + tables + "\n" + _VIEWS


def __getattr__(name: str) -> str:
    # EXAMPLE reads every platform's module: built on first use, not at import.
    if name == "EXAMPLE":
        return example_text()
    raise AttributeError(name)


class ConfigError(Exception):
    """A configuration problem: which file, which key, what is wrong (one line)."""

    def __init__(self, path: Path | None, key: str | None, message: str) -> None:
        # Keys are the user's (profile names): control characters shown, so it stays one line.
        where = " · ".join(part for part in (str(path) if path else None, key) if part)
        super().__init__(clean(f"{where}: {message}" if where else message, limit=300))
        self.path, self.key, self.message = path, key, message


class Profile(msgspec.Struct, frozen=True):
    name: str
    platform: str
    options: Mapping[str, Any] = msgspec.field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    @property
    def policy(self) -> AttentionPolicy:
        minutes = self.options.get("stalled_minutes")
        if minutes is None:
            return DEFAULT_POLICY
        return AttentionPolicy(stalled_after=timedelta(minutes=minutes))


class Config(msgspec.Struct, frozen=True):
    path: Path | None
    default_profile: str | None
    profiles: Mapping[str, Profile]
    history_days: int = 90
    history_max_mb: int = 200
    # `[keymap]`: binding id -> comma-separated keys (checked against the app's ids by
    # `config check`; kameng_tui.tui.keymap lists them).
    keymap: Mapping[str, str] = msgspec.field(default_factory=dict)
    # `[[alerts]]`: the rule tables as written, checked and parsed by kameng_tui.alerts.rules
    # (`kameng-tui watch`, `config check`).
    alerts: tuple[Mapping[str, Any], ...] = ()
    # The tracker runs the rules too (with the same outbox as `watch`, so an alert both send
    # goes out once).
    alerts_in_tracker: bool = False
    # `[views.NAME] profiles = [...]`: profiles read as one, by the view's name; each name
    # checked to be a profile. `default_view`: the selection when no profile is named.
    views: Mapping[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
    default_view: str | None = None

    def profile(self, name: str | None) -> Profile:
        """The named profile, else the default one, else the only one, else the demo."""
        chosen = name or self.default_profile
        if chosen is None and len(self.profiles) == 1:
            chosen = next(iter(self.profiles))
        if chosen is None:
            return Profile("demo", "demo")
        if chosen not in self.profiles:
            raise self._unknown(chosen)
        return self.profiles[chosen]

    def select(self, spec: str | None, every: bool = False) -> list[Profile]:
        """The profiles a `--profile` value names, in order, each once.

        `every`: all of them, by name (the demo when there are none). Else an exact profile
        name first: a name may hold a comma, and a profile wins over a view of the same name.
        Then a view's profiles, then a comma-separated list of profiles. No value: the default
        view, else the one default profile (`profile(None)`)."""
        if every:
            return [self.profiles[name] for name in sorted(self.profiles)] or [
                Profile("demo", "demo")
            ]
        if not spec:  # "" as None, as profile() has it
            if self.default_view is not None:
                return [self.profiles[name] for name in self.views[self.default_view]]
            return [self.profile(None)]
        if spec in self.profiles:
            return [self.profiles[spec]]
        if spec in self.views:
            return [self.profiles[name] for name in self.views[spec]]
        names = list(dict.fromkeys(part.strip() for part in spec.split(",") if part.strip()))
        if not names:
            raise ConfigError(self.path, None, f"no profile named in {spec!r}")
        for name in names:
            if name not in self.profiles:
                raise self._unknown(name)
        return [self.profiles[name] for name in names]

    def _unknown(self, name: str) -> ConfigError:
        known = ", ".join(sorted(self.profiles)) or "none"
        views = f"; views: {', '.join(sorted(self.views))}" if self.views else ""
        return ConfigError(self.path, None, f"no profile {name!r} (profiles: {known}{views})")


def config_path(environ: Mapping[str, str], explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    if environ.get(ENV_VAR):
        return Path(environ[ENV_VAR]).expanduser()
    return user_config_path(APP_NAME) / "config.toml"


MAX_CONFIG_BYTES = 1024 * 1024
# Top-level keys besides the profiles: history retention (see kameng_tui.store.history).
HISTORY_DAYS = (1, 36_500)
HISTORY_MAX_MB = (1, 1_000_000)


def read_config_text(path: Path) -> str:
    """The file's text. Raises FileNotFoundError, or ConfigError for anything that is not a
    regular file of UTF-8 text up to MAX_CONFIG_BYTES (a FIFO would block, /dev/zero never
    end)."""
    # O_NONBLOCK: opening a FIFO does not wait for a writer; fstat then refuses it.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(path, None, "not a regular file")
        os.set_blocking(fd, True)
        data = b""
        while len(data) <= MAX_CONFIG_BYTES:
            chunk = os.read(fd, MAX_CONFIG_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(path, None, f"larger than {MAX_CONFIG_BYTES // 1024 // 1024} MB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, None, f"not UTF-8 text (byte {exc.start:,})") from None


def load(path: Path, *, required: bool = False) -> Config:
    """The configuration in `path`; an empty one when it does not exist and is not required."""
    try:
        text = read_config_text(path)
    except FileNotFoundError:
        if required:
            raise ConfigError(path, None, "no such file") from None
        return Config(None, None, {})
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror or exc}") from None
    import tomllib  # only with a file to read: the demo without one starts without it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(path, None, "not valid TOML: nested too deeply") from None
    return parse(data, path)


def parse(data: Mapping[str, Any], path: Path | None = None) -> Config:
    known = {
        "default_profile", "profiles", "history_days", "history_max_mb", "keymap", "alerts",
        "alerts_in_tracker", "views", "default_view",
    }  # fmt: skip
    unknown = set(data) - known
    if unknown:
        raise ConfigError(path, sorted(unknown)[0], "unknown key")
    default = data.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise ConfigError(path, "default_profile", "must be a string")
    days = _whole(data, "history_days", HISTORY_DAYS, 90, path)
    max_mb = _whole(data, "history_max_mb", HISTORY_MAX_MB, 200, path)
    tables = data.get("profiles", {})
    if not isinstance(tables, Mapping):
        raise ConfigError(path, "profiles", "must be a table of profiles")
    profiles = {name: _profile(name, table, path) for name, table in tables.items()}
    if default is not None and default not in profiles:
        raise ConfigError(path, "default_profile", f"no profile {default!r}")
    views = _views(data.get("views", {}), profiles, path)
    default_view = data.get("default_view")
    if default_view is not None and not isinstance(default_view, str):
        raise ConfigError(path, "default_view", "must be a string")
    if default_view is not None and default_view not in views:
        raise ConfigError(path, "default_view", f"no view {default_view!r}")
    keymap = _keymap(data.get("keymap", {}), path)
    alerts = data.get("alerts", [])
    if not isinstance(alerts, list) or not all(isinstance(t, Mapping) for t in alerts):
        raise ConfigError(path, "alerts", "must be [[alerts]] tables")
    in_tracker = data.get("alerts_in_tracker", False)
    if not isinstance(in_tracker, bool):
        raise ConfigError(path, "alerts_in_tracker", "must be true or false")
    return Config(
        path,
        default,
        profiles,
        history_days=days,
        history_max_mb=max_mb,
        keymap=keymap,
        alerts=tuple(alerts),
        alerts_in_tracker=in_tracker,
        views=views,
        default_view=default_view,
    )


def _views(
    tables: object, profiles: Mapping[str, Profile], path: Path | None
) -> dict[str, tuple[str, ...]]:
    """`[views.NAME]`: each a table whose `profiles` lists existing profiles (repeats
    dropped)."""
    if not isinstance(tables, Mapping):
        raise ConfigError(path, "views", "must be a table of views")
    views: dict[str, tuple[str, ...]] = {}
    for name, table in tables.items():
        key = f"views.{name}"
        if not isinstance(table, Mapping):
            raise ConfigError(path, key, "must be a table")
        for option in table:
            if option != "profiles":
                raise ConfigError(path, f"{key}.{option}", "unknown key")
        names = table.get("profiles")
        if names is None:
            raise ConfigError(path, f"{key}.profiles", "missing")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise ConfigError(path, f"{key}.profiles", "must be a non-empty list of profile names")
        for profile in names:
            if profile not in profiles:
                raise ConfigError(path, f"{key}.profiles", f"no profile {profile!r}")
        views[name] = tuple(dict.fromkeys(names))
    return views


def _keymap(table: object, path: Path | None) -> dict[str, str]:
    """`[keymap]`: each binding id to a string of comma-separated keys, tidied ("f5,ctrl+r")."""
    if not isinstance(table, Mapping):
        raise ConfigError(path, "keymap", "must be a table of binding ids and keys")
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        where = f"keymap.{binding_id}"
        if isinstance(keys, Mapping):  # `orders.search = …` unquoted: TOML reads a table
            raise ConfigError(path, where, 'must be a string: quote the id ("orders.search" = …)')
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(path, where, 'must be a non-empty string of keys, e.g. "f5"')
        parts = [part.strip() for part in keys.split(",")]
        if not all(parts) or any(c.isspace() or not c.isprintable() for p in parts for c in p):
            raise ConfigError(path, where, 'must be keys separated by commas, e.g. "slash,ctrl+s"')
        keymap[binding_id] = ",".join(parts)
    return keymap


def _whole(
    data: Mapping[str, Any], key: str, bounds: tuple[int, int], default: int, path: Path | None
) -> int:
    value = data.get(key, default)
    low, high = bounds
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(path, key, f"must be a whole number from {low:,} to {high:,}")
    return value


def _profile(name: str, table: object, path: Path | None) -> Profile:
    from kameng_tui.backends import registry

    key = f"profiles.{name}"
    if "\x1f" in name:  # it separates the shop from the number in an order key (domain/order)
        raise ConfigError(path, key, "a profile name cannot hold the unit separator (U+001F)")
    if not isinstance(table, Mapping):
        raise ConfigError(path, key, "must be a table")
    platform = table.get("platform")
    if not isinstance(platform, str) or platform not in registry.names():
        raise ConfigError(path, f"{key}.platform", f"must be one of: {', '.join(registry.names())}")
    spec = registry.spec(platform)
    keys = {k.name: k for k in spec.keys}
    for option in table:
        if option in _SECRET_KEYS:
            raise ConfigError(
                path,
                f"{key}.{option}",
                f"secrets do not go in the file: put it in an environment variable and name "
                f"that variable in {option}_env",
            )
        if option not in keys and option not in COMMON_KEYS:
            raise ConfigError(path, f"{key}.{option}", f"unknown key for platform {platform!r}")
    _check_common(table, key, path)
    for option in spec.keys:
        if option.name in table:
            _check_key(option, table[option.name], f"{key}.{option.name}", path)
    for option in spec.keys:
        wanted = option.when is None or table.get(option.when[0]) == option.when[1]
        if option.required and wanted and option.name not in table:
            needed = "" if option.when is None else f" (needed when {option.when[0]} = "
            needed += "" if option.when is None else f"{option.when[1]!r})"
            raise ConfigError(path, f"{key}.{option.name}", f"missing{needed}")
    for option_name, problem in spec.check(table) if spec.check else ():
        raise ConfigError(path, f"{key}.{option_name}", problem)
    return Profile(name, platform, dict(table))


def _check_common(table: Mapping[str, Any], key: str, path: Path | None) -> None:
    for option, value in table.items():
        where = f"{key}.{option}"
        if option == "notify":
            if value not in ("all", "followed", "none"):
                raise ConfigError(path, where, 'must be "all", "followed" or "none"')
        elif option == "desktop":
            if value not in ("auto", "osc9", "osc777", "off"):
                raise ConfigError(path, where, 'must be "auto", "osc9", "osc777" or "off"')
        elif option in ("bell", "read_only", "staff"):
            if not isinstance(value, bool):
                raise ConfigError(path, where, "must be true or false")
        elif option in ("interval", "stalled_minutes"):
            # TOML has inf and nan; neither is a number of seconds to wait.
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number or not math.isfinite(value) or value <= 0 or value > 10**6:
                unit = "seconds" if option == "interval" else "minutes"
                raise ConfigError(path, where, f"must be a positive number of {unit}")
        elif option == "timeout":
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not number or not math.isfinite(value) or not 1 <= value <= 3600:
                raise ConfigError(path, where, "must be a number of seconds from 1 to 3,600")
        elif option == "max_orders":
            whole = isinstance(value, int) and not isinstance(value, bool)
            if not whole or not 1 <= value <= 10_000_000:
                raise ConfigError(path, where, "must be a whole number from 1 to 10,000,000")
        elif option == "max_answer_mb":
            whole = isinstance(value, int) and not isinstance(value, bool)
            if not whole or not 1 <= value <= 4096:
                raise ConfigError(path, where, "must be a whole number of MB from 1 to 4,096")


def _check_key(option: Key, value: object, where: str, path: Path | None) -> None:
    """One platform key's value, by its kind."""
    if option.kind is Kind.ORDERS:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(path, where, "must be a list of order numbers")
    elif option.kind is Kind.COUNT:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(path, where, "must be a whole number")
        low, high = option.range
        if not low <= value <= high:
            raise ConfigError(path, where, f"must be between {low:,} and {high:,}")
    elif option.kind is Kind.URL:
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ConfigError(path, where, "must start with http:// or https://")
        problem = url_problem(value)
        if problem:
            raise ConfigError(path, where, problem)
    elif option.kind is Kind.CHOICE:
        if value not in option.choices:
            choices = " or ".join(f'"{c}"' for c in option.choices)
            raise ConfigError(path, where, f"must be {choices}")
    elif not isinstance(value, str) or not value:
        raise ConfigError(path, where, "must be a non-empty string")


def url_problem(value: str) -> str | None:
    """What keeps `value` from being a shop's address (None when it is one)."""
    import httpx

    if any(c.isspace() or not c.isprintable() for c in value):
        return "must not contain spaces or control characters"
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port
    except ValueError:
        return "has a port that is not a number from 1 to 65535"
    if port == 0:
        return "has a port that is not a number from 1 to 65535"
    host = parts.hostname
    if not host:
        return "has no host name"
    if not _is_ip(host):
        import idna  # httpx's own

        try:
            host.encode("idna")
            for label in host.split("."):
                if label.lower().startswith("xn--"):  # an encoded label must decode
                    idna.decode(label)
        except (UnicodeError, idna.IDNAError):
            return "has a host name that is not valid"
    try:
        httpx.URL(value)
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return "is not a valid address"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def secret(profile: Profile, option: str, environ: Mapping[str, str]) -> str | None:
    """The secret held by the environment variable the profile names under `option`."""
    variable = profile.get(option)
    if variable is None:
        return None
    value = environ.get(variable)
    where = f"profiles.{profile.name}.{option}"
    if not value:
        raise ConfigError(None, where, f"environment variable {variable} is not set")
    # A stray newline (from `$(cat file)` or a pasted value) would go out in a header.
    if any(not c.isprintable() for c in value):
        raise ConfigError(
            None, where, f"environment variable {variable} holds control characters (a newline?)"
        )
    return value
