"""Small preferences remembered between runs (the theme), in the user state directory.

Not the configuration: nothing here is needed to reach a platform, and nothing secret is
ever written here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from platformdirs import user_state_path


def settings_path() -> Path:
    return user_state_path("kameng-tui") / "settings.json"


def load_settings(path: Path | None = None) -> dict[str, Any]:
    try:
        data = json.loads((path or settings_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_setting(key: str, value: str, path: Path | None = None) -> None:
    path = path or settings_path()
    data = load_settings(path)
    data[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    except OSError:
        pass  # a preference that cannot be saved is not worth an error
