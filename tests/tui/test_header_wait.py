"""A long wait (a locked-out login, a long Retry-After) counts down in minutes."""

from __future__ import annotations

from collections.abc import Iterator

from textual.app import App
from textual.widget import Widget

from kameng_tui.i18n import Lang, Messages
from kameng_tui.sync import RefreshMode, RefreshState
from kameng_tui.tui.widgets.header import StatusHeader


class HeaderOnly(App[None]):
    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.header = StatusHeader(Messages(lang), "dujiao-next", "shop")

    def compose(self) -> Iterator[Widget]:
        yield self.header


async def error_text(lang: Lang, retry_in: float) -> str:
    app = HeaderOnly(lang)
    async with app.run_test(size=(120, 3)):
        app.header.state = RefreshState(
            RefreshMode.ERROR, 5.0, None, "admin login refused; not retried for 15 min", retry_in
        )
        return app.header._refresh_text().plain


async def test_a_refused_login_counts_down_in_minutes() -> None:
    assert (await error_text(Lang.EN, 899.2)).endswith("retry in 15 min")
    assert (await error_text(Lang.ZH, 899.2)).endswith("15 分钟后重试")
    assert (await error_text(Lang.EN, 30)).endswith("retry in 30s")


async def test_a_long_error_is_cut_before_the_countdown() -> None:
    app = HeaderOnly(Lang.EN)
    async with app.run_test(size=(80, 3)) as pilot:
        message = (
            "admin login refused: check username and password (status_code 401: 用户名或密码错误)"
        )
        state = RefreshState(RefreshMode.ERROR, 5.0, None, message, 899.0)
        app.header.update(shown=0, total=0, age=None, state=state)
        await pilot.pause()
        line = app.header.render().plain
        assert line.rstrip().endswith("retry in 15 min")
        assert "admin login refused" in line and "…" in line
        assert len(line) <= 80
