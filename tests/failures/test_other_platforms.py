"""Dujiao-Next and dujiaoka behind an unwelcoming front (they use JsonHttp too): an HTML page
where JSON was expected, and a firewall's 403 page, are one clear line each, never a crash and
never a credential."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from kameng_tui.backends.base import Backend, BackendError
from kameng_tui.backends.dujiao_next import DujiaoNextBackend
from kameng_tui.backends.dujiaoka import DujiaokaBackend
from kameng_tui.domain.clock import ManualClock
from tests.failures.platforms import assert_one_clean_line, settings
from tests.servers import serve

PASSWORD = "hunter2-admin-password"
GUEST_PASSWORD = "guest-order-pw-9"

PAGES = {
    # A maintenance or captcha page, answered with 200 (what a CDN in front often does).
    "html": (200, "<!doctype html><html><body><h1>维护中</h1>请稍后再试</body></html>"),
    # A firewall's block page.
    "http_403": (403, "<html><body><h1>403 Forbidden</h1>Access denied | cloudflare</body></html>"),
}
MESSAGES = {"html": r"HTTP 200: not JSON \(text/html\)", "http_403": r"HTTP 403 Forbidden"}


class Wall:
    """Answers every request with the page of the current `kind`."""

    def __init__(self) -> None:
        self.kind = "html"
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        self.paths.append(request.url.path)
        status, page = PAGES[self.kind]
        response: Response = HTMLResponse(page, status_code=status)
        await response(scope, receive, send)


@pytest.fixture(scope="module")
def wall() -> Iterator[tuple[Wall, str]]:
    app = Wall()
    with serve(app) as url:
        yield app, url


def backend(platform: str, url: str, clock: ManualClock) -> Backend:
    if platform == "dujiao-next-admin":
        return DujiaoNextBackend(
            "next", url, mode="admin", username="admin", password=PASSWORD, settings=settings()
        )
    if platform == "dujiao-next-guest":
        return DujiaoNextBackend(
            "next",
            url,
            mode="guest",
            watch=["DJ20261125000001"],
            guest_email="me@example.com",
            guest_password=GUEST_PASSWORD,
            settings=settings(),
        )
    return DujiaokaBackend(
        "faka", url, watch=["ABCDEFGH12345678"], clock=clock, settings=settings()
    )


@pytest.mark.parametrize("kind", ["html", "http_403"])
@pytest.mark.parametrize("platform", ["dujiao-next-admin", "dujiao-next-guest", "dujiaoka"])
async def test_an_unwelcoming_front_is_one_clear_line(
    platform: str, kind: str, wall: tuple[Wall, str], clock: ManualClock
) -> None:
    app, url = wall
    app.kind = kind
    app.paths.clear()
    client = backend(platform, url, clock)
    try:
        with pytest.raises(BackendError) as caught:
            await client.fetch_changes(None)
    finally:
        await client.aclose()
    message = str(caught.value)
    assert re.fullmatch(MESSAGES[kind], message), message
    assert_one_clean_line(message)
    assert PASSWORD not in message and GUEST_PASSWORD not in message
    assert not caught.value.retryable  # only a change on the platform's side helps
    assert len(app.paths) == 1  # and it was not hammered: no quick retry, no other URL family
