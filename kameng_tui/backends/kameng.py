"""The `kameng` platform: kameng-tui's own API (docs/api.md), with a bearer token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec
from msgspec.structs import replace

from kameng_tui.api.wire import (
    API_PREFIX,
    Page,
    WireError,
    decode_error,
    decode_order,
    decode_page,
    page_of,
)
from kameng_tui.backends.base import (
    Backend,
    BackendError,
    MalformedOrder,
    SyncResult,
    raise_if_all_malformed,
)
from kameng_tui.backends.http import (
    Answer,
    HttpSettings,
    JsonHttp,
    Reader,
    http_settings,
    status_text,
)
from kameng_tui.backends.registry import Key, Kind, PlatformSpec
from kameng_tui.domain.actions import Action
from kameng_tui.domain.order import Order
from kameng_tui.domain.text import clean

if TYPE_CHECKING:
    from kameng_tui.config import Profile
    from kameng_tui.domain.clock import Clock

# A page's bytes become orders in one pass, in JsonHttp's thread when the page is big.
PAGE_READER = Reader(decode_page, page_of)


class _Envelope(msgspec.Struct, gc=False):
    """A list answer's envelope alone: msgspec skips the orders without making them."""

    cursor: Any = None
    more: Any = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)


def _quiet(task: asyncio.Future[Answer]) -> None:
    """A page asked for early and never wanted must not log "exception never retrieved"."""
    if not task.cancelled():
        task.exception()


class KamengBackend(Backend):
    platform = "kameng"
    supported_actions = frozenset(Action)  # the shop answers 409 for what it will not do

    def __init__(
        self,
        profile: str,
        base_url: str,
        token: str | None,
        *,
        settings: HttpSettings | None = None,
        http: JsonHttp | None = None,
    ) -> None:
        self.profile = profile
        self.http = http or JsonHttp(base_url.rstrip("/"), settings)
        # Held in memory only: never logged, printed or written.
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._next: tuple[str, asyncio.Future[Answer]] | None = None  # see _ask_next
        self._read_ahead: Callable[[], bool] = lambda: True  # the syncer's say

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        try:
            answer = await self._page(cursor)
        except WireError as exc:  # not a list envelope
            raise BackendError(f"malformed answer: {exc}") from None
        except BaseException:
            self._drop_next()  # the sync stops here: not the page after
            raise
        page: Page = answer.body
        skipped = [f"malformed answer: {problem}" for problem in page.skipped]
        raise_if_all_malformed(len(page.orders), skipped)
        return SyncResult(
            page.orders,
            page.cursor if page.cursor is not None else cursor,
            page.total if page.total is not None else len(page.orders),
            more=page.more,
            skipped=skipped,
        )

    async def _page(self, cursor: str | None) -> Answer:
        """The page after `cursor`: the one asked for early if it is that one."""
        early, self._next = self._next, None
        if early is not None:
            if early[0] == cursor:
                return await early[1]
            early[1].cancel()
        return await self._page_request(cursor)

    def _ask_next(self, sent: str | None, body: bytearray) -> None:
        """As a page's bytes arrive, ask for the next page it names (`more`, a new cursor)
        at once: the server makes it while this one is decoded, which had waited for it (the
        cursor is read from the envelope alone, about 1 ms for 2,000 orders). Only when no
        page is already waiting: at most one ahead of the one being read."""
        # Spaced pages are read as a person would: one by one.
        spaced = self.http.settings.page_spacing > 0
        if self._next is not None or spaced or not self._read_ahead():
            return
        try:
            envelope = _ENVELOPE.decode(body)
        except (ValueError, RecursionError):
            return  # the page's own reading says what is wrong with it
        cursor = envelope.cursor
        if envelope.more is True and isinstance(cursor, str) and cursor and cursor != sent:
            task = asyncio.ensure_future(self._page_request(cursor))
            task.add_done_callback(_quiet)
            self._next = (cursor, task)

    async def _page_request(self, cursor: str | None) -> Answer:
        params = {"since": cursor} if cursor else None
        reader = replace(PAGE_READER, seen=partial(self._ask_next, cursor))
        return await self._get(f"{API_PREFIX}/orders", params, read=reader)

    def read_ahead_while(self, allowed: Callable[[], bool]) -> None:
        self._read_ahead = allowed

    def _drop_next(self) -> None:
        if self._next is not None:
            self._next[1].cancel()
            self._next = None

    async def get_order(self, order_no: str) -> Order | None:
        path = f"{API_PREFIX}/orders/{quote(order_no, safe='')}"
        answer = await self._get(path, None, missing_ok=True)
        if answer.status == 404:
            return None
        try:
            return decode_order(_data(answer), "data")
        except WireError as exc:
            raise MalformedOrder(f"malformed answer: {exc}") from None

    async def act(self, order: Order, action: Action, text: str | None = None) -> Order:
        return await self.perform(order.order_no, action, text, shop=order.shop)

    async def perform(
        self, order_no: str, action: Action, text: str | None = None, *, shop: str = ""
    ) -> Order:
        """`shop`: the order's shop on a hub (`kameng-tui watch --serve`), which serves several."""
        body: dict[str, str] = {"action": action.value}
        if text:
            body["text"] = text
        answer = await self.http.request(
            "POST",
            f"{API_PREFIX}/orders/{quote(order_no, safe='')}/actions",
            params={"shop": shop} if shop else None,
            json_body=body,
            headers=self._headers,
        )
        if answer.status != 200:
            envelope = decode_error(answer.body)
            if answer.status == 401:
                raise BackendError("unauthorized: check the profile's token")
            detail = clean(envelope[1], limit=120) if envelope else f"HTTP {answer.status}"
            raise BackendError(detail)
        try:
            return decode_order(_data(answer), "data")
        except WireError as exc:
            raise BackendError(f"malformed answer: {exc}") from None

    async def aclose(self) -> None:
        self._drop_next()
        await self.http.aclose()

    async def _get(
        self,
        path: str,
        params: dict[str, str] | None,
        *,
        missing_ok: bool = False,
        read: Reader[Page] | None = None,
    ) -> Answer:
        answer = await self.http.request(
            "GET", path, params=params, headers=self._headers, read=read
        )
        envelope = decode_error(answer.body)
        # A 404 from the API (an error envelope) is no such order; a bare one, say the web
        # server's HTML page, means the base_url does not lead to the API.
        missing = answer.status == 404 and envelope is not None
        if answer.status == 200 or (missing_ok and missing):
            return answer
        if answer.status == 401:
            raise BackendError("unauthorized: check the profile's token")
        detail = f": {clean(envelope[1], limit=120)}" if envelope else ""
        raise BackendError(f"{status_text(answer.status)}{detail}")


def _data(answer: Answer) -> object:
    body = answer.body
    return body.get("data") if isinstance(body, dict) else None


def _build(profile: Profile, environ: Mapping[str, str], clock: Clock) -> Backend:
    from kameng_tui.config import secret

    token = secret(profile, "token_env", environ)
    # No pause between pages: the API's `more: true` means the next page is ready now, and
    # the server paces a sync by its page size (other platforms' pages are spaced).
    from kameng_tui.backends import http as stack  # its defaults as they are now

    settings = http_settings(profile, replace(stack.DEFAULT_SETTINGS, page_spacing=0.0))
    return KamengBackend(profile.name, profile.get("base_url"), token, settings=settings)


SPEC = PlatformSpec(
    name="kameng",
    summary="kameng-tui's own API (docs/api.md): every order, incremental sync, every action",
    keys=(
        Key("base_url", Kind.URL, required=True),
        Key("token_env", Kind.ENV, help="the variable holding the bearer token"),
    ),
    build=_build,
    actions=frozenset(Action),
    example="""\
# [profiles.myshop]
# platform = "kameng"      # a shop that serves kameng-tui's own API (docs/api.md)
# base_url = "https://shop.example.com"
# token_env = "MYSHOP_TOKEN"
# interval = 5             # seconds between polls
""",
)
