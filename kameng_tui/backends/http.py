"""JSON over HTTP for every platform adapter: timeouts, a few quick retries, one-line errors.

Only brief, transient failures are retried here (a dropped connection, a timeout, 429, a 5xx),
with exponential backoff and jitter. Longer trouble is the sync loop's business: it keeps the
last good data on screen and schedules the next poll, honouring Retry-After, which travels up
in the `BackendError` together with whether the trouble may pass by itself (`retryable`).

Every failure becomes one line naming the host (never the URL: an older shop's query string
or a base_url's user info can carry a password) and what went wrong in plain words, never an
httpx class name.

A shop can be broken or hostile, so what it sends is bounded: each request has a total
deadline (a server dripping one byte a second never meets a per-read timeout), each answer a
cap on its decoded size (a small gzip answer can unpack to gigabytes), and redirects are
followed here, by rules: only a GET without credentials, only within the same origin, never
from https to plain http. Large answers are parsed off the event loop; a caller that knows
the shape of an answer can have it parsed and checked there in one pass (`Reader`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import ssl
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx
import msgspec
from msgspec.structs import replace

from kameng_tui import __version__
from kameng_tui.backends.base import BackendError, RateLimited
from kameng_tui.domain.text import clean

if TYPE_CHECKING:
    from kameng_tui.config import Profile

# A browser-like agent: some shops answer unknown or in-app agents with an interstitial page.
USER_AGENT = f"Mozilla/5.0 (X11; Linux x86_64) kameng-tui/{__version__}"
# 429 is not among them: a platform that refuses for now is not asked again within the poll.
RETRY_STATUSES = frozenset({500, 502, 503, 504})
# A Retry-After beyond this is a platform bug, not a plan: an hour, and `r` still polls at once.
MAX_RETRY_AFTER = 3600.0
# An answer larger than this is parsed (JSON, text) in a thread, not on the event loop.
OFF_LOOP_BYTES = 64 * 1024
MB = 1024 * 1024
log = logging.getLogger("kameng_tui.http")
YIELD_EVERY = 256 * 1024  # bytes of an answer read before the event loop gets a turn


class HttpSettings(msgspec.Struct, frozen=True):
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    retries: int = 2  # after the first try
    backoff: float = 0.5  # first retry waits about this long, then twice as long each time
    max_wait: float = 4.0  # never wait longer than this inside one poll
    # A 429 without Retry-After: how long to leave the platform alone (None: the sync loop's
    # usual back-off). Adapters set their platform's block time.
    rate_limit_wait: float | None = None
    # Limits on what a shop can send (profile keys `timeout`, `max_orders`, `max_answer_mb`).
    total_timeout: float = 30.0  # one request in all: redirects, retries and the whole body
    max_body: int = 64 * MB  # decoded bytes of one answer
    max_redirects: int = 5
    page_spacing: float = 0.2  # seconds between the pages of one poll
    max_orders: int = 200_000  # orders read from one shop: paging stops there
    poll_timeout: float | None = None  # one page of a poll in all; None: see poll_deadline

    @property
    def poll_deadline(self) -> float:
        """How long one page of a poll (every request it makes) may take in all."""
        if self.poll_timeout is not None:
            return self.poll_timeout
        return max(60.0, 2 * self.total_timeout)


# What a JsonHttp made without settings uses (tests make it quicker).
DEFAULT_SETTINGS = HttpSettings()


def http_settings(profile: Profile, base: HttpSettings | None = None) -> HttpSettings:
    """`base` (else DEFAULT_SETTINGS) with the profile's `timeout`, `max_orders` and
    `max_answer_mb`: what every platform's build passes to its client."""
    settings = base or DEFAULT_SETTINGS
    timeout = profile.get("timeout")
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
        settings = replace(settings, total_timeout=float(timeout))
    max_orders = profile.get("max_orders")
    if isinstance(max_orders, int) and not isinstance(max_orders, bool) and max_orders > 0:
        settings = replace(settings, max_orders=max_orders)
    max_answer = profile.get("max_answer_mb")
    if isinstance(max_answer, int) and not isinstance(max_answer, bool) and max_answer > 0:
        settings = replace(settings, max_body=max_answer * MB)
    return settings


def size_text(size: int) -> str:
    """`64 MB`, `512 KB`, `100 bytes`."""
    if size >= MB:
        return f"{size / MB:g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} bytes"


class Answer(msgspec.Struct, frozen=True):
    status: int
    body: Any  # parsed JSON, the text when `parse_json` was False, or what a `Reader` made
    headers: Mapping[str, str]


T = TypeVar("T")


class Reader(msgspec.Struct, Generic[T], frozen=True):
    """How the body of a 200 answer becomes a T, where big bodies are parsed (off the event
    loop): `raw` parses and checks the bytes in one pass (msgspec, say); bytes it refuses with
    a ValueError or RecursionError are parsed as JSON as usual (with the usual errors for what
    is not JSON) and handed to `parsed`, which gives the same outcome the slower way."""

    raw: Callable[[bytearray], T]
    parsed: Callable[[Any], T]
    # Shown the body of a 200 answer on the event loop before it is parsed: a page can name
    # the next one from its envelope, to be asked for while this one is still being read.
    seen: Callable[[bytearray], None] | None = None


def status_text(status: int) -> str:
    """`HTTP 403 Forbidden`: the standard phrase, never the server's (it is untrusted)."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date, at most MAX_RETRY_AFTER."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # ASCII: str.isdigit() also takes "²"
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # "-0000": UTC without saying so (RFC 5322)
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class JsonHttp:
    """One platform's HTTP client."""

    def __init__(
        self,
        base_url: str,
        settings: HttpSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings or DEFAULT_SETTINGS
        s = self.settings
        try:
            self.client = httpx.AsyncClient(
                base_url=base_url,
                timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json, text/html;q=0.9",
                    "Accept-Encoding": "gzip, deflate",  # what `_Decoder` undoes
                },
                transport=transport,
                follow_redirects=False,  # followed here, by the rules in `_follow`
            )
        except httpx.InvalidURL:
            raise BackendError("base_url is not a valid URL") from None
        self._sleep = sleep
        self._rng = rng or random.Random()

    @property
    def host(self) -> str:
        """Where requests go, as errors name it: host and port, nothing else of the URL."""
        return _host(self.client.base_url)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
        form_body: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        parse_json: bool = True,
        read: Reader[Any] | None = None,
    ) -> Answer:
        """Send, retrying transient failures; the answer of any final HTTP status. A
        `form_body` goes as application/x-www-form-urlencoded (what PHP reads as $_POST).
        With `read`, a 200 answer's body is what it makes of it (other statuses: JSON).

        Raises `BackendError` when the platform cannot be reached, keeps failing with 429 or
        5xx, answers JSON that does not parse, takes longer than `total_timeout` in all,
        sends more than `max_body`, or redirects where this client does not follow."""
        s = self.settings
        deadline = asyncio.timeout(s.total_timeout)
        try:
            async with deadline:
                return await self._request(
                    method, path, params, json_body, form_body, headers, parse_json, read
                )
        except TimeoutError:
            if not deadline.expired():
                raise  # someone else's deadline (a poll's): theirs to report
            raise BackendError(
                f"timed out: {self.host} took longer than {s.total_timeout:g} s to answer",
                retryable=True,
            ) from None

    async def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        json_body: object,
        form_body: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        parse_json: bool,
        read: Reader[Any] | None,
    ) -> Answer:
        s = self.settings
        attempt = 0
        while True:
            # Logged: method, path and timing only. Never headers (tokens) nor the query
            # string (older shops take passwords there), nor any body (card codes).
            started = time.perf_counter()
            try:
                request = self.client.build_request(
                    method, path, params=params, json=json_body, data=form_body, headers=headers
                )
                response, body = await self._send(request, headers)
            except httpx.RequestError as exc:
                problem, retryable = self._problem(exc)
                wait_hint = None
                _log_request(method, path, started, problem)
            except httpx.InvalidURL:
                raise BackendError(f"not a valid URL path: {clean(path, limit=80)}") from None
            except UnicodeEncodeError:  # a header value (a token, a name) that is not ASCII
                raise BackendError("a request header is not plain ASCII: check the profile's "
                                   "credentials") from None  # fmt: skip
            else:
                _log_request(method, path, started, f"HTTP {response.status_code}")
                if response.status_code == 429:
                    wait = retry_after_seconds(response.headers.get("Retry-After"))
                    raise RateLimited(
                        f"rate limited by {self.host} (HTTP 429)",
                        retry_after=wait if wait is not None else s.rate_limit_wait,
                    )
                if response.status_code not in RETRY_STATUSES:
                    if read is not None and read.seen is not None and response.status_code == 200:
                        read.seen(body)
                    parse = self._parse
                    if len(body) > OFF_LOOP_BYTES:
                        parsed = await asyncio.to_thread(parse, response, body, parse_json, read)
                    else:
                        parsed = parse(response, body, parse_json, read)
                    return Answer(response.status_code, parsed, response.headers)
                wait_hint = retry_after_seconds(response.headers.get("Retry-After"))
                problem, retryable = status_text(response.status_code), True
                if wait_hint is not None and wait_hint > s.max_wait:
                    raise BackendError(problem, retry_after=wait_hint, retryable=True)
            if not retryable or attempt >= s.retries:
                raise BackendError(problem, retry_after=wait_hint, retryable=retryable)
            delay = wait_hint if wait_hint is not None else s.backoff * 2**attempt
            # Full jitter keeps many clients from retrying in step.
            await self._sleep(min(delay * (0.5 + self._rng.random() / 2), s.max_wait))
            attempt += 1

    async def _send(
        self, request: httpx.Request, headers: Mapping[str, str] | None
    ) -> tuple[httpx.Response, bytearray]:
        """The final answer and its decoded body, redirects followed by the rules of
        `_follow`."""
        # Credentials or a body are never sent anywhere the profile did not name.
        sensitive = (
            bool(request.content)
            or "authorization" in request.headers
            or bool(request.url.userinfo)
        )
        for _ in range(self.settings.max_redirects + 1):
            response = await self.client.send(request, stream=True)
            try:
                target = response.next_request
                if target is None:
                    return response, await self._read(response)
                request = self._follow(request, target, sensitive, headers)
            finally:
                await response.aclose()
        raise BackendError(f"too many redirects from {self.host}")

    def _follow(
        self,
        request: httpx.Request,
        target: httpx.Request,
        sensitive: bool,
        headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        """The request a redirect asks for, when it may be followed: a GET without
        credentials, to the same origin. Anything else is an error naming the target."""
        source, url = request.url, target.url
        where = _host(url)
        if source.scheme == "https" and url.scheme != "https":
            raise BackendError(f"{self.host} redirects to {where} over plain http: refused")
        if sensitive:
            raise BackendError(
                f"{self.host} redirects this request to {where}: not followed "
                "(credentials and request bodies are never sent on)"
            )
        if _origin(url) != _origin(source):
            raise BackendError(
                f"{self.host} redirects to another site, {where}: not followed (check base_url)"
            )
        return self.client.build_request(target.method, url, headers=headers)

    async def _read(self, response: httpx.Response) -> bytearray:
        """The body, decoded, up to `max_body` bytes: past that, an error (and the connection
        is dropped, so the rest is never read)."""
        cap = self.settings.max_body
        encodings = [
            e.strip().lower()
            for e in response.headers.get_list("content-encoding", split_commas=True)
        ]
        decoder = _Decoder(encodings)
        declared = response.headers.get("content-length", "")
        too_large = f"answer too large (over {size_text(cap)}) from {self.host}"
        plain = not decoder.layers and declared.isascii() and declared.isdigit()
        if plain and int(declared) > cap:  # said so up front: not even started
            raise BackendError(too_large)
        if response.is_stream_consumed:  # made in memory (a test's transport): read already
            if len(response.content) > cap:
                raise BackendError(too_large)
            return bytearray(response.content)
        body = bytearray()
        since_yield = 0
        try:
            async for raw in response.aiter_raw():
                body += decoder.decode(raw, cap - len(body))
                since_yield += len(raw)
                if since_yield >= YIELD_EVERY:
                    # Chunks already received come back without a pause: a 4 MB page was
                    # read in one go, keeping keys and frames waiting 0.2 s.
                    since_yield = 0
                    await asyncio.sleep(0)
            body += decoder.flush(cap - len(body))
        except _TooLarge:
            raise BackendError(too_large) from None
        except zlib.error:
            raise BackendError(f"{self.host} sent an answer that cannot be decompressed") from None
        return body

    def _problem(self, exc: httpx.RequestError) -> tuple[str, bool]:
        """What went wrong in one line, and whether it may pass by itself."""
        host, s = self.host, self.settings
        if isinstance(exc, httpx.ConnectTimeout):
            return f"timed out connecting to {host} (no answer in {s.connect_timeout:g} s)", True
        if isinstance(exc, httpx.TimeoutException):
            return f"timed out: {host} sent no answer in {s.read_timeout:g} s", True
        if isinstance(exc, httpx.ConnectError):
            return _connect_problem(exc, host)
        if isinstance(exc, httpx.ReadError | httpx.WriteError):
            return f"the connection to {host} was reset", True
        if isinstance(exc, httpx.RemoteProtocolError):
            return f"{host} closed the connection before the answer was complete", True
        if isinstance(exc, httpx.UnsupportedProtocol):
            return "base_url must start with http:// or https://", False
        if isinstance(exc, httpx.TooManyRedirects):
            return f"too many redirects from {host}", False
        if isinstance(exc, httpx.DecodingError):
            return f"{host} sent an answer that cannot be decompressed", False
        if isinstance(exc, httpx.ProxyError):
            return f"the proxy could not reach {host}", True
        return f"network error talking to {host}", True

    @staticmethod
    def _parse(
        response: httpx.Response, body: bytearray, parse_json: bool, read: Reader[Any] | None
    ) -> Any:
        if read is not None and response.status_code == 200:
            if body:
                try:
                    return read.raw(body)
                except (ValueError, RecursionError):
                    pass  # JSON only Python's json reads, or not JSON at all: as usual
            return read.parsed(JsonHttp._json(response, body))
        if not parse_json:
            return body.decode(response.encoding or "utf-8", errors="replace")
        return JsonHttp._json(response, body)

    @staticmethod
    def _json(response: httpx.Response, body: bytearray) -> Any:
        if not body:
            return None
        try:
            # msgspec reads UTF-8 JSON into the same values in half the time; what it will not
            # read (NaN, a byte-order mark, UTF-16, a number past 64 bits, lone surrogates)
            # json reads or refuses as it always did.
            return msgspec.json.decode(body)
        except (ValueError, RecursionError):  # DecodeError, or bytes that are not UTF-8
            pass
        try:
            return json.loads(body)
        # ValueError: also a number too long to convert; RecursionError: "[[[[…" nested deep.
        except (ValueError, RecursionError) as exc:
            if response.status_code >= 400:
                return None  # an error page: the status says enough
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if not kind.endswith("json"):
                # An HTML login, captcha or maintenance page, or a wrong base_url.
                shown = clean(kind, limit=40) or "no content type"
                raise BackendError(f"HTTP {response.status_code}: not JSON ({shown})") from None
            cut = isinstance(exc, json.JSONDecodeError) and exc.pos >= len(exc.doc.rstrip())
            why = "cut short" if cut else "does not parse"
            raise BackendError(f"HTTP {response.status_code}: malformed JSON ({why})") from None


def _host(url: httpx.URL) -> str:
    """Host and port of `url`, as errors name it: nothing else of the URL."""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return clean(f"{host}:{url.port}" if url.port else host or "the platform", limit=100)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host.lower(), url.port or default


class _TooLarge(Exception):
    """The decoded answer would pass the size cap."""


class _Inflate:
    """One gzip or deflate layer, never giving more than it is asked for at once: a small
    compressed chunk can unpack to a thousand times its size."""

    def __init__(self, encoding: str) -> None:
        self.deflate = encoding == "deflate"
        self.first = True
        self.obj = zlib.decompressobj(zlib.MAX_WBITS if self.deflate else zlib.MAX_WBITS | 16)

    def decode(self, data: bytes, room: int) -> bytes:
        if not data:
            return b""
        try:
            out = self.obj.decompress(data, room + 1)  # max_length: at most this much
        except zlib.error:
            if not (self.first and self.deflate):
                raise
            # "deflate" without its zlib header (what many servers send): raw deflate.
            self.first = False
            self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.decode(data, room)
        self.first = False
        if len(out) > room:  # and the rest waits in unconsumed_tail: never unpacked
            raise _TooLarge
        return out

    def flush(self) -> bytes:
        return self.obj.flush()


class _Decoder:
    """Content-Encoding undone layer by layer (the last applied first), within a budget."""

    def __init__(self, encodings: list[str]) -> None:
        known = ("gzip", "x-gzip", "deflate")
        # Others (identity, or br and zstd, which this client does not ask for) pass as sent.
        self.layers = [_Inflate(e) for e in reversed(encodings) if e in known]

    def decode(self, data: bytes, room: int) -> bytes:
        for layer in self.layers:
            data = layer.decode(data, room)
        if len(data) > room:
            raise _TooLarge
        return data

    def flush(self, room: int) -> bytes:
        data = b""
        for layer in self.layers:
            data = layer.decode(data, room) + layer.flush()
            if len(data) > room:
                raise _TooLarge
        return data


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything behind it: causes, contexts, members of groups."""
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < 50:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _connect_problem(exc: httpx.ConnectError, host: str) -> tuple[str, bool]:
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            if cause.errno == socket.EAI_AGAIN:
                return f"cannot look up {host}: DNS is not answering", True
            return f"unknown host {host} (DNS lookup failed)", False
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"cannot connect to {host}: its TLS certificate is not trusted", False
        if isinstance(cause, ssl.SSLError):
            return f"cannot connect to {host}: the TLS handshake failed", False
        if isinstance(cause, ConnectionRefusedError):
            return f"cannot connect to {host}: connection refused", True
    # Deepest first: the outer ones say "All connection attempts failed".
    reasons = [c.strerror for c in reversed(causes) if isinstance(c, OSError) and c.strerror]
    reason = f": {clean(reasons[0], limit=60).lower()}" if reasons else ""
    return f"cannot connect to {host}{reason}", True


def _log_request(method: str, path: str, started: float, outcome: str) -> None:
    if log.isEnabledFor(logging.INFO):
        elapsed = (time.perf_counter() - started) * 1000
        log.info("%s %s -> %s in %.0f ms", method, clean(path, limit=200), outcome, elapsed)
