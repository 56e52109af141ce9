"""The one-line header: where the data comes from, how much is shown, and how fresh it is."""

from __future__ import annotations

import math
import time
from typing import ClassVar

from msgspec.structs import replace
from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.widget import Widget

from kameng_tui.domain.text import clean
from kameng_tui.i18n import Messages
from kameng_tui.sync import RefreshMode, RefreshState

LONG_WAIT = 120.0  # seconds: from here on the countdown is in minutes

# A routine poll is quick: saying "refreshing" for it would repaint the header twice a poll.
# Only a poll still running after this many seconds is shown.
BUSY_AFTER = 1.0

PLATFORM_KEPT = 12  # cells of the platform's name a long error may not take


class StatusHeader(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-header--title",
        "status-header--ok",
        "status-header--paused",
        "status-header--busy",
        "status-header--error",
    }

    def __init__(self, messages: Messages, platform: str, profile: str, *, id: str | None = None):
        super().__init__(id=id)
        self.t = messages
        self.platform = platform
        self.profile = profile
        self.shown = 0
        self.total = 0
        self.age: float | None = None
        self.state: RefreshState | None = None
        self.stale = False  # showing the last run's data until the first poll lands
        self.read_only = False  # said after the profile: actions are off
        self.shop_count = 1  # several shops as one: "3 shops" where the platform goes
        self._last: tuple[object, ...] = ()
        self._busy_since: float | None = None

    def update(
        self,
        *,
        shown: int,
        total: int,
        age: float | None,
        state: RefreshState,
        stale: bool = False,
    ) -> None:
        """Repaint only when what the header says changed (every byte counts over SSH)."""
        if state.mode is RefreshMode.REFRESHING:
            if self._busy_since is None:
                self._busy_since = time.monotonic()
            if time.monotonic() - self._busy_since < BUSY_AFTER:
                state = replace(state, mode=RefreshMode.AUTO)
        else:
            self._busy_since = None
        age_text = None if age is None else self.t.age(age)
        # The countdown as shown: a wait in minutes repaints once a minute, not every second.
        wait = state.retry_in
        shown_wait = math.ceil(wait / 60) * 60 if wait >= LONG_WAIT else int(wait)
        key = (
            shown, total, age_text, state.mode, state.error, shown_wait, self.t.lang, stale,
        )  # fmt: skip
        self.stale = stale
        if key == self._last:
            return
        self._last = key
        self.shown, self.total, self.age, self.state = shown, total, age, state
        self.refresh()

    def set_messages(self, messages: Messages) -> None:
        self.t = messages
        self._last = ()
        self.refresh()

    def set_read_only(self, read_only: bool) -> None:
        if read_only != self.read_only:
            self.read_only = read_only
            self.refresh()

    def render(self) -> Text:
        t = self.t
        width = self.size.width
        if self.shop_count > 1:
            platform = t("header.shops", n=self.shop_count)
        else:
            platform = t(f"platform.{self.platform}")
        profile = t(f"profile.{self.profile}") if self.profile == "demo" else clean(self.profile)
        title_style = self.get_component_rich_style("status-header--title", partial=True)

        if self.stale:
            updated = t("header.stale")
        elif self.age is None:
            updated = t("header.never")
        else:
            updated = t("header.updated", age=t.age(self.age))
        parts = [
            Text(t("header.shown", shown=f"{self.shown:,}", total=f"{self.total:,}")),
            Text(updated),
            self._refresh_text(),
        ]
        # The refresh state matters most, then freshness, then counts: drop from the front.
        # The profile (and "read-only") keep their room whatever the right side says; a long
        # error also leaves PLATFORM_KEPT cells of the platform's name.
        kept = platform
        if cell_len(platform) > PLATFORM_KEPT:
            kept = set_cell_size(platform, PLATFORM_KEPT - 1) + "…"
        budget = max(width - self._profile_text(profile).cell_len - 5, 20)
        right = Text("  ·  ").join(parts)
        while len(parts) > 1 and right.cell_len > budget:
            parts.pop(0)
            right = Text("  ·  ").join(parts)
        budget = max(width - self._profile_text(profile, kept).cell_len - 5, 20)
        if len(parts) == 1 and right.cell_len > budget:
            # A long error: shorten it, keep the countdown.
            right = self._refresh_text(limit=budget)
        room = max(width - right.cell_len - 3, 0)
        left = Text(" ")
        left.append_text(self._where(platform, profile, room, title_style))
        left.truncate(room + 1, overflow="ellipsis", pad=True)
        left.append(" ")
        left.append_text(right)
        left.append(" ")
        left.truncate(width, overflow="ellipsis")
        return left

    def _profile_text(self, profile: str, platform: str | None = None) -> Text:
        if platform is None:  # the profile alone, without the separator before it
            text = Text(profile)
        else:
            text = Text(self.t("header.platform", platform=platform, profile=profile))
        if self.read_only:
            text.append(" · ")
            text.append(self.t("header.read_only"), self._style("paused"))
        return text

    def _where(self, platform: str, profile: str, room: int, title_style: object) -> Text:
        """Title, platform and profile in `room` cells. What gives way first: the title, then
        the platform's name (shortened, then left out); the profile goes last, cut at its end."""
        title = Text(self.t("app.title"), title_style)  # type: ignore[arg-type]
        full = Text.assemble(title, "  ", self._profile_text(profile, platform))
        if full.cell_len <= room:
            return full
        without_title = self._profile_text(profile, platform)
        if without_title.cell_len <= room:
            return without_title
        alone = self._profile_text(profile)
        separator = without_title.cell_len - alone.cell_len - cell_len(platform)
        spare = room - alone.cell_len - separator  # cells left for the platform's name
        if spare >= 4:
            short = set_cell_size(platform, spare - 1) + "…"
            return self._profile_text(profile, short)
        if alone.cell_len > room and self.read_only:
            # Cut the profile, not "read-only".
            tail = self._profile_text("").cell_len
            cut = Text(profile)
            cut.truncate(max(room - tail, 1), overflow="ellipsis")
            return self._profile_text(cut.plain)
        return alone

    def _refresh_text(self, limit: int | None = None) -> Text:
        """What the poll loop is doing; an error cut with … to fit `limit` cells, so that the
        countdown after it always shows."""
        state = self.state
        t = self.t
        if state is None:
            return Text(t("refresh.refreshing"), self._style("busy"))
        if state.mode is RefreshMode.ERROR:
            if state.retry_in >= LONG_WAIT:  # a locked-out login, a long Retry-After
                key, n = "refresh.error_long", math.ceil(state.retry_in / 60)
            else:
                key, n = "refresh.error", round(state.retry_in)
            before, _, after = t(key, error="\0", n=n).partition("\0")
            message = Text(clean(state.error or ""))
            if limit is not None:
                room = limit - cell_len(before) - cell_len(after)
                message.truncate(max(room, 1), overflow="ellipsis")
            return Text.assemble(before, message, after, style=self._style("error"))
        if state.mode is RefreshMode.LOADING:
            return Text(t("refresh.loading"), self._style("busy"))
        if state.mode is RefreshMode.REFRESHING:
            return Text(t("refresh.refreshing"), self._style("busy"))
        if state.mode is RefreshMode.PAUSED:
            return Text(t("refresh.paused"), self._style("paused"))
        interval = f"{state.interval:g}"
        return Text(t("refresh.auto", n=interval), self._style("ok"))

    def _style(self, name: str):  # type: ignore[no-untyped-def]
        return self.get_component_rich_style(f"status-header--{name}", partial=True)
