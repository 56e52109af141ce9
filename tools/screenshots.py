"""`make screenshots`: SVG screenshots of the seeded demo for the README.

Deterministic: fixed clock, seed 7, no animation; the same command gives the same files.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["TZ"] = "UTC"
time.tzset()
os.environ["TEXTUAL_ANIMATIONS"] = "none"
# A private home, so the developer's remembered theme or history never shows in the shots.
_HOME = tempfile.mkdtemp(prefix="kameng-shots-")
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = os.path.join(_HOME, _var.lower())

from kameng_tui.backends.demo import DemoBackend, DemoPlatform  # noqa: E402
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock  # noqa: E402
from kameng_tui.i18n import Lang  # noqa: E402
from kameng_tui.tui.app import KamengApp  # noqa: E402

# name: (language, size, keys pressed before the shot)
SHOTS: dict[str, tuple[Lang, tuple[int, int], list[str]]] = {
    # the ninth row of the seeded demo: a failed top-up waiting on the customer
    "main-en-180x45": (Lang.EN, (180, 45), ["j"] * 8),
    "main-zh-120x40": (Lang.ZH, (120, 40), ["j"] * 8),
    "attention-en-120x40": (Lang.EN, (120, 40), ["a"]),
    "narrow-en-80x24": (Lang.EN, (80, 24), ["j"]),
    "help-en-120x40": (Lang.EN, (120, 40), ["question_mark"]),
}


async def shoot(out: Path, name: str, lang: Lang, size: tuple[int, int], keys: list[str]) -> None:
    clock = ManualClock(FIXED_EPOCH)
    app = KamengApp(DemoBackend(DemoPlatform(seed=7, clock=clock)), lang=lang, clock=clock)
    app.animation_level = "none"
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.save_screenshot(filename=f"{name}.svg", path=str(out))


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    for name, (lang, size, keys) in SHOTS.items():
        asyncio.run(shoot(out, name, lang, size, keys))
        print(out / f"{name}.svg")


if __name__ == "__main__":
    main()
