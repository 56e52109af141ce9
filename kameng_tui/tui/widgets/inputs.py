"""A one-line input that shows what is typed or pasted, and never obeys it.

Textual's Input draws its value as it is: a pasted ESC sequence (from a web page, a chat) would
reach the terminal raw, and a pasted zero-width space would hide in an order number. Here text
is cleaned as it comes in (`kameng_tui.domain.text.clean`: control, bidi and zero-width
characters made visible), so what is in the box is what is shown and what is used.
"""

from __future__ import annotations

from textual.widgets import Input

from kameng_tui.domain.text import clean


class CleanInput(Input):
    def replace(self, text: str, start: int, end: int) -> None:
        # Typing and pasting come through here: cleaned first, so the cursor lands after the
        # text as shown.
        super().replace(clean(text), start, end)

    def validate_value(self, value: str) -> str:
        """A value set from code is cleaned too (clean is idempotent: typed text is unchanged)."""
        return clean(value)
