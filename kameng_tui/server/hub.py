"""The team hub: the shops one `kameng-tui watch --serve` polls, served over kameng-tui's API
(docs/api.md, "The team hub"), so that every agent's tracker, browser tab and script reads one
poller and the shops see one client however many people watch.

Every change the watcher applies to a shop's book gets the next number of one sequence; a
cursor is "<run>.<number>": the orders changed after that number, oldest first. A first sync
(no cursor) pages through a snapshot of every order taken when it began, newest first
("<run>.<number>:<offset>"), then continues from that number, so nothing changed meanwhile is
missed. An idle poll looks at one entry. A cursor of an earlier run (the hub restarted) starts
again from scratch rather than failing: the client merges what it already has.

Served orders carry their shop (the watched profile's name); one order or an action names it
with `?shop=`, needed only when two shops hold the same number.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import socket
import sys
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import uvicorn

from kameng_tui.backends.base import BackendError
from kameng_tui.domain.order import Order, order_key
from kameng_tui.domain.text import clean
from kameng_tui.server.app import Page, ServerOptions, SourceError, create_app

if TYPE_CHECKING:
    from kameng_tui.domain.actions import Action
    from kameng_tui.domain.book import ChangeSet
    from kameng_tui.shops import Shop
    from kameng_tui.watch import Watcher

PAGE = 2_000  # orders per answer
SNAPSHOTS = 16  # first syncs in progress at once; an older one's next page starts again
_CURSOR = re.compile(r"([0-9a-f]{1,32})\.([0-9]{1,18})(?::([0-9]{1,9}))?")


class Hub:
    def __init__(self, shops: Sequence[Shop], *, read_only: bool = False) -> None:
        self.shops = {shop.profile.name: shop for shop in shops}
        self.read_only = read_only
        self.run = secrets.token_hex(4)  # tells this run's cursors from an earlier run's
        self.seq = 0
        # Hub key (shop, then the shop book's key) -> the number of its last change; kept in
        # that order (an entry moves to the end when it changes), so the newest are last.
        self._at: dict[str, int] = {}
        self._snapshots: OrderedDict[int, list[str]] = OrderedDict()
        for shop in shops:
            self.take(shop, shop.syncer.book)

    # -- following the watcher -------------------------------------------------------------

    def changed(self, shop: Shop, changes: ChangeSet) -> None:
        """The watcher applied `changes` to the shop's book (a poll, or an action here)."""
        self.take(shop, [*changes.added, *(new for _, new in changes.changed)])
        name = shop.profile.name
        for order in changes.removed:
            # The API has no deletions: a client keeps what it read until it syncs anew.
            self._at.pop(order_key(name, order.key), None)

    def take(self, shop: Shop, orders: Iterable[Order]) -> None:
        name, at = shop.profile.name, self._at
        seq = self.seq
        for order in orders:
            key = order_key(name, order.key)
            seq += 1
            at.pop(key, None)
            at[key] = seq
        self.seq = seq

    # -- the API (server/app.OrderSource) --------------------------------------------------

    async def page(self, cursor: str | None) -> Page:
        if cursor is None:
            return self._snapshot_page(self._snapshot(), 0)
        match = _CURSOR.fullmatch(cursor)
        if match is None:
            raise SourceError(400, "bad_cursor", "not a cursor this hub gave")
        run, number, offset = match.group(1), int(match.group(2)), match.group(3)
        if run != self.run or number > self.seq:
            return self._snapshot_page(self._snapshot(), 0)  # the hub restarted: from scratch
        if offset is not None:
            snapshot = self._snapshots.get(number)
            if snapshot is None:  # pushed out by newer first syncs: this one starts again
                return self._snapshot_page(self._snapshot(), 0)
            return self._snapshot_page((number, snapshot), int(offset))
        return self._changes_after(number)

    async def one(self, order_no: str, shop: str | None) -> Order:
        name, order = self._find(order_no, shop)
        return order._replace(shop=name)

    async def act(self, order_no: str, shop: str | None, action: Action, text: str | None) -> Order:
        name, order = self._find(order_no, shop)
        watched = self.shops[name]
        if self.read_only or watched.profile.get("read_only", False):
            raise SourceError(403, "read_only", f"{clean(name, limit=64)} is read-only on the hub")
        backend = watched.syncer.backend
        try:
            done = await backend.act(order, action, text)
        except BackendError as exc:
            status, code = (502, "shop_unavailable") if exc.retryable else (409, "not_allowed")
            raise SourceError(status, code, clean(str(exc), limit=300)) from None
        changes = watched.syncer.book.apply([done])
        watched.touched |= changes.touched  # the watcher's rules see it at its next look
        self.changed(watched, changes)
        return done._replace(shop=name)

    # -- pages -----------------------------------------------------------------------------

    def _snapshot(self) -> tuple[int, list[str]]:
        keys = list(reversed(self._at))  # newest first
        self._snapshots[self.seq] = keys
        self._snapshots.move_to_end(self.seq)
        while len(self._snapshots) > SNAPSHOTS:
            self._snapshots.popitem(last=False)
        return self.seq, keys

    def _snapshot_page(self, snapshot: tuple[int, list[str]], offset: int) -> Page:
        number, keys = snapshot
        end = offset + PAGE
        at = self._at
        # An order changed since the snapshot comes with the changes after it, not twice.
        chosen = [k for k in keys[offset:end] if at.get(k, number + 1) <= number]
        more = end < len(keys)
        cursor = f"{self.run}.{number}:{end}" if more else f"{self.run}.{number}"
        return Page(self._orders(chosen), cursor, more, len(at))

    def _changes_after(self, number: int) -> Page:
        newer: list[str] = []
        last = number
        for key, seq in reversed(self._at.items()):
            if seq <= number:
                break
            newer.append(key)
        newer.reverse()
        more = len(newer) > PAGE
        if more:
            newer = newer[:PAGE]
            last = self._at[newer[-1]]
        else:
            last = self.seq
        return Page(self._orders(newer), f"{self.run}.{last}", more, len(self._at))

    def _orders(self, keys: list[str]) -> list[Order]:
        orders = []
        for key in keys:
            name, _, inner = key.partition("\x1f")
            order = self.shops[name].syncer.book.get(inner)
            if order is not None:
                orders.append(order._replace(shop=name))
        return orders

    def _find(self, order_no: str, shop: str | None) -> tuple[str, Order]:
        if shop is not None:
            if shop not in self.shops:
                raise SourceError(404, "shop_not_found", f"no shop {clean(shop, limit=64)!r}")
            names = [shop]
        else:
            names = list(self.shops)
        found = [
            (name, order)
            for name in names
            if (order := self.shops[name].syncer.book.get(order_no)) is not None
        ]
        if not found:
            raise SourceError(404, "order_not_found", f"no order {order_no[:64]!r}")
        if len(found) > 1:
            where = ", ".join(clean(name, limit=64) for name, _ in found)
            raise SourceError(409, "ambiguous", f"in several shops ({where}): name one with ?shop=")
        return found[0]


class _Server(uvicorn.Server):
    """The watcher stops on SIGTERM and SIGINT after the current delivery: the server must
    not take those signals over."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(
    watcher: Watcher, sock: socket.socket, token: str, *, read_only: bool = False
) -> AsyncIterator[Hub]:
    """The hub's API on `sock`, in the watcher's event loop, while the block runs."""
    hub = Hub(watcher.shops, read_only=read_only)
    watcher.listeners.append(hub.changed)
    app = create_app(hub, ServerOptions(token=token))
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    host, port = sock.getsockname()[:2]
    names = ", ".join(clean(name, limit=64) for name in hub.shops)
    print(f"kameng-tui: hub on http://{host}:{port}/api/v1 for {names}", file=sys.stderr,
          flush=True)  # fmt: skip
    try:
        yield hub
    finally:
        server.should_exit = True
        await task
        watcher.listeners.remove(hub.changed)
