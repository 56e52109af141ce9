"""Small preferences remembered between runs (the theme, the orders followed per profile), in
the user state directory.

Not the configuration: nothing here is needed to reach a platform, and nothing secret is
ever written here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from platformdirs import user_state_path

from kameng_tui.store.files import private_dir, replace_file

MAX_BYTES = 64 * 1024


def settings_path() -> Path:
    return user_state_path("kameng-tui") / "settings.json"


def load_settings(path: Path | None = None) -> dict[str, Any]:
    path = path or settings_path()
    if not path.is_absolute():
        return {}  # HOME unset: not a file in whatever directory the tracker started from
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BYTES)
    except OSError:
        return {}
    import msgspec  # loaded already; the json module would cost start-up ~1.8 ms to import

    try:
        data = msgspec.json.decode(raw)
    except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
        return {}
    return data if isinstance(data, dict) else {}


def save_setting(key: str, value: Any, path: Path | None = None) -> bool:
    """Set one key (any JSON value) and write the file; False if it could not be written, or
    would grow past MAX_BYTES (it would then no longer be read back whole)."""
    path = path or settings_path()
    if not path.is_absolute():
        return False
    import json

    data = load_settings(path)
    data[key] = value
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_BYTES:
        return False
    try:
        private_dir(path.parent)
        # Replaced whole: a full disk leaves the old file, never half of one.
        replace_file(path, text)
    except OSError:
        return False  # a preference that cannot be saved is not worth an error
    return True


# Followed orders (`f`), per profile: order numbers only, nothing else of the order.
FOLLOWS = "follows"
MAX_FOLLOWS = 200  # per profile: the whole file stays well under MAX_BYTES
MAX_ORDER_NO = 64


def load_follows(profile: str, path: Path | None = None) -> list[str]:
    """The order numbers followed in this profile, as saved (oldest first)."""
    follows = load_settings(path).get(FOLLOWS)
    orders = follows.get(profile) if isinstance(follows, dict) else None
    if not isinstance(orders, list):
        return []
    kept = [no for no in orders if isinstance(no, str) and 0 < len(no) <= MAX_ORDER_NO]
    return list(dict.fromkeys(kept))[-MAX_FOLLOWS:]


def save_follows(profile: str, orders: list[str], path: Path | None = None) -> bool:
    """Save this profile's followed orders (the newest MAX_FOLLOWS), leaving other profiles'
    as they are in the file now. False if it could not be saved."""
    follows = load_settings(path).get(FOLLOWS)
    table = dict(follows) if isinstance(follows, dict) else {}
    kept = [no for no in dict.fromkeys(orders) if 0 < len(no) <= MAX_ORDER_NO][-MAX_FOLLOWS:]
    if kept:
        table[profile] = kept
    else:
        table.pop(profile, None)
    return save_setting(FOLLOWS, table, path)
