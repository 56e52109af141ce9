"""JSON over HTTP for every platform adapter: timeouts, a few quick retries, one-line errors.

Only brief, transient failures are retried here (a dropped connection, a timeout, a 5xx), with
exponential backoff and jitter. Longer trouble is the sync loop's business: it keeps the last
good data on screen and schedules the next poll, honouring Retry-After, which travels up in
the `BackendError`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from kameng_tui import __version__
from kameng_tui.backends.base import BackendError
from kameng_tui.domain.text import clean

# A browser-like agent: some shops answer unknown or in-app agents with an interstitial page.
USER_AGENT = f"Mozilla/5.0 (X11; Linux x86_64) kameng-tui/{__version__}"
RETRY_STATUSES = frozenset({500, 502, 503, 504, 429})
log = logging.getLogger("kameng_tui.http")


@dataclass(frozen=True, slots=True)
class HttpSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    retries: int = 2  # after the first try
    backoff: float = 0.5  # first retry waits about this long, then twice as long each time
    max_wait: float = 4.0  # never wait longer than this inside one poll


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or the text when `json` was False
    headers: Mapping[str, str]


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


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
        self.settings = settings or HttpSettings()
        s = self.settings
        self.client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json, text/html;q=0.9"},
            transport=transport,
            follow_redirects=True,
        )
        self._sleep = sleep
        self._rng = rng or random.Random()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
        headers: Mapping[str, str] | None = None,
        parse_json: bool = True,
    ) -> Answer:
        """Send, retrying transient failures; the answer of any final HTTP status.

        Raises `BackendError` when the platform cannot be reached, keeps failing with 5xx, or
        answers JSON that does not parse."""
        s = self.settings
        attempt = 0
        while True:
            # Logged: method, path and timing only. Never headers (tokens) nor the query
            # string (older shops take passwords there), nor any body (card codes).
            started = time.perf_counter()
            try:
                response = await self.client.request(
                    method, path, params=params, json=json_body, headers=headers
                )
                body = response.content  # read it all: a cut connection fails here
            except httpx.TimeoutException:
                problem, wait_hint = "timed out", None
                _log_request(method, path, started, problem)
            except httpx.TransportError as exc:
                problem, wait_hint = _transport_problem(exc), None
                _log_request(method, path, started, problem)
            else:
                _log_request(method, path, started, f"HTTP {response.status_code}")
                if response.status_code not in RETRY_STATUSES:
                    return Answer(response.status_code, self._parse(response, body, parse_json),
                                  response.headers)  # fmt: skip
                wait_hint = retry_after_seconds(response.headers.get("Retry-After"))
                problem = f"HTTP {response.status_code}"
                if wait_hint is not None and wait_hint > s.max_wait:
                    raise BackendError(problem, retry_after=wait_hint)
            if attempt >= s.retries:
                raise BackendError(problem, retry_after=wait_hint)
            delay = wait_hint if wait_hint is not None else s.backoff * 2**attempt
            # Full jitter keeps many clients from retrying in step.
            await self._sleep(min(delay * (0.5 + self._rng.random() / 2), s.max_wait))
            attempt += 1

    @staticmethod
    def _parse(response: httpx.Response, body: bytes, parse_json: bool) -> Any:
        if not parse_json:
            return response.text
        if not body:
            return None
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            if response.status_code >= 400:
                return None  # an error page: the status says enough
            kind = response.headers.get("content-type", "").split(";")[0] or "no content type"
            raise BackendError(
                f"HTTP {response.status_code}: not JSON ({clean(kind, limit=40)})"
            ) from None


def _log_request(method: str, path: str, started: float, outcome: str) -> None:
    if log.isEnabledFor(logging.INFO):
        elapsed = (time.perf_counter() - started) * 1000
        log.info("%s %s -> %s in %.0f ms", method, clean(path, limit=200), outcome, elapsed)


def _transport_problem(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection dropped"
    return f"network error ({type(exc).__name__})"
