"""Small preferences remembered between runs (the theme), in the user state directory.

Not the configuration: nothing here is needed to reach a platform, and nothing secret is
ever written here."""

from __future__ import annotations

import json
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
            data = json.loads(file.read(MAX_BYTES))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def save_setting(key: str, value: str, path: Path | None = None) -> None:
    path = path or settings_path()
    if not path.is_absolute():
        return
    data = load_settings(path)
    data[key] = value
    try:
        private_dir(path.parent)
        # Replaced whole: a full disk leaves the old file, never half of one.
        replace_file(path, json.dumps(data, indent=2))
    except OSError:
        pass  # a preference that cannot be saved is not worth an error
