"""Field readings that several platforms share."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

# The shops' own zone: PHP's and Laravel's configs set Asia/Shanghai (PRC), and a time a
# platform sends without an offset is read in it.
CHINA = timezone(timedelta(hours=8), "CST")


def china_time(text: str) -> datetime | None:
    """PHP's "Y-m-d H:i:s" (Carbon's string form, MySQL's DATETIME) in China time; None when
    the text is not one."""
    text = text.strip()
    if len(text) != 19:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except ValueError:
        return None
