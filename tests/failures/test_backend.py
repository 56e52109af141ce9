"""Each failing platform at the adapter (kameng over JsonHttp): one `BackendError` whose message
is one clear line, that says whether the trouble may pass by itself, and carries Retry-After."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from msgspec.structs import replace

from kameng_tui.backends.base import BackendError
from kameng_tui.backends.http import MAX_RETRY_AFTER, JsonHttp, retry_after_seconds
from kameng_tui.backends.kameng import KamengBackend
from tests.failures.platforms import (
    CASE_IDS,
    CASES,
    TOKEN,
    Case,
    Platforms,
    assert_one_clean_line,
    settings,
)


def kameng(url: str, waits: list[float], retries: int = 1) -> KamengBackend:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)  # the quick retry is counted, not waited for

    http = JsonHttp(url, settings(retries), sleep=sleep)
    return KamengBackend("shop", url, TOKEN, http=http)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
async def test_each_failure_is_one_clear_line(case: Case, platforms: Platforms) -> None:
    waits: list[float] = []
    platforms.fail(case)
    backend = kameng(platforms.url(case), waits)
    try:
        with pytest.raises(BackendError) as caught:
            await backend.fetch_changes(None)
    finally:
        await backend.aclose()
    error = caught.value
    message = str(error)
    assert re.fullmatch(case.message, message), message
    assert_one_clean_line(message)
    assert error.retryable is case.retryable
    assert error.retry_after == case.retry_after
    # Trouble that may pass is tried once more at once (retries=1), unless the platform asked
    # for a longer pause than a poll may wait: that pause is the sync loop's.
    quick_retry = case.retryable and case.retry_after is None
    assert len(waits) == (1 if quick_retry else 0)
    if case.fault is not None:
        assert platforms.faults.injected == [case.fault] * (2 if quick_retry else 1)


async def test_a_slow_answer_within_the_timeout_is_no_failure(platforms: Platforms) -> None:
    platforms.faults.options = replace(platforms.faults.options, slow_seconds=0.05)
    platforms.faults.force("slow")
    waits: list[float] = []
    backend = kameng(platforms.shop_url, waits)
    try:
        result = await backend.fetch_changes(None)
    finally:
        await backend.aclose()
    assert len(result.orders) == 300 and waits == []
    assert platforms.faults.injected == ["slow"]


async def test_a_missing_order_is_none_but_a_bare_404_is_an_error(platforms: Platforms) -> None:
    backend = kameng(platforms.shop_url, [])
    try:
        assert await backend.get_order("KM-no-such-order") is None  # the API's own 404
        platforms.faults.force("http_404")  # the web server's page: base_url misses the API
        with pytest.raises(BackendError, match=r"^HTTP 404 Not Found$"):
            await backend.get_order(platforms.order_no)
    finally:
        await backend.aclose()


async def test_a_transient_failure_that_passes_within_the_quick_retries_is_invisible(
    platforms: Platforms,
) -> None:
    waits: list[float] = []
    platforms.faults.force("http_500")

    async def heal_then_sleep(seconds: float) -> None:
        waits.append(seconds)
        platforms.heal()  # the platform is back before the first quick retry

    url = platforms.shop_url
    http = JsonHttp(url, settings(retries=2), sleep=heal_then_sleep)
    backend = KamengBackend("shop", url, TOKEN, http=http)
    try:
        result = await backend.fetch_changes(None)
    finally:
        await backend.aclose()
    assert len(result.orders) == 300 and len(waits) == 1
    assert platforms.faults.injected == ["http_500"]


def http_date(delta: timedelta) -> str:
    return format_datetime(datetime.now(UTC) + delta, usegmt=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 12 ", 12.0),
        ("0", 0.0),
        ("9" * 40, MAX_RETRY_AFTER),  # absurd: capped, never an overflow further up
        ("²", None),  # a digit to str.isdigit(), not to float()
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: now
        ("Wed, 21 Oct 2015 07:28:00 -0000", 0.0),  # a naive date: UTC, no TypeError
        ("Wed, 21 Oct 99999 07:28:00 GMT", None),
    ],
)
def test_retry_after_values(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected


def test_retry_after_as_an_http_date() -> None:
    seconds = retry_after_seconds(http_date(timedelta(seconds=90)))
    assert seconds is not None and 80 <= seconds <= 90


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (b"[" * 100_000, {}, r"HTTP 200: malformed JSON \(does not parse\)"),  # RecursionError
        (b"1" * 5_000, {}, r"HTTP 200: malformed JSON \(does not parse\)"),  # too many digits
        (b"{}", {b"Retry-After": b"\xb2"}, None),  # "²": a digit to isdigit(), not to float()
    ],
    ids=["nested_deep", "huge_number", "odd_retry_after"],
)
async def test_hostile_bytes_are_one_line_not_a_crash(
    body: bytes, headers: dict[bytes, bytes], message: str | None
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        status = 503 if headers else 200
        return httpx.Response(
            status, content=body, headers={b"content-type": b"application/json", **headers}
        )

    http = JsonHttp("http://shop.test", settings(), transport=httpx.MockTransport(answer))
    with pytest.raises(BackendError) as caught:
        await http.request("GET", "/api/v1/orders")
    await http.aclose()
    assert_one_clean_line(str(caught.value))
    if message is None:
        assert str(caught.value) == "HTTP 503 Service Unavailable"
        assert caught.value.retry_after is None
    else:
        assert re.fullmatch(message, str(caught.value))
