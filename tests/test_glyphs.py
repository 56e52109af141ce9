"""No glyph the app draws needs a patched ("Nerd") font: nothing from the Private Use Area."""

from __future__ import annotations

import re
from pathlib import Path

import kameng_tui
from kameng_tui.i18n import CATALOGUE

PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
PACKAGE = Path(kameng_tui.__file__).parent


def test_sources_and_styles_use_no_private_use_glyphs() -> None:
    files = [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.tcss")]
    assert len(files) > 20
    offenders = [str(f) for f in files if PRIVATE_USE.search(f.read_text(encoding="utf-8"))]
    assert offenders == []


def test_catalogue_uses_no_private_use_glyphs() -> None:
    texts = [text for pair in CATALOGUE.values() for text in pair]
    assert texts and not any(PRIVATE_USE.search(text) for text in texts)
