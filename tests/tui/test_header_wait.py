"""A long wait (a locked-out login, a long Retry-After) counts down in minutes."""

from __future__ import annotations

from kameng_tui.i18n import Lang, Messages
from kameng_tui.sync import RefreshMode, RefreshState
from kameng_tui.tui.widgets.header import StatusHeader


def error_text(lang: Lang, retry_in: float) -> str:
    header = StatusHeader(Messages(lang), "dujiao-next", "shop")
    header.state = RefreshState(
        RefreshMode.ERROR, 5.0, None, "admin login refused; not retried for 15 min", retry_in
    )
    return header._refresh_text().plain


def test_a_refused_login_counts_down_in_minutes() -> None:
    assert error_text(Lang.EN, 899.2).endswith("retry in 15 min")
    assert error_text(Lang.ZH, 899.2).endswith("15 分钟后重试")
    assert error_text(Lang.EN, 30).endswith("retry in 30s")
