"""The order book: every known order by number, with a version per order and live counts.

Backends hand it added or changed orders; it keeps only real changes, so a poll that returns
unchanged orders costs nothing downstream.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from operator import attrgetter

import msgspec

from kameng_tui.domain.attention import (
    DEFAULT_POLICY,
    Attention,
    AttentionPolicy,
    attention_reasons,
    needs_attention,
)
from kameng_tui.domain.order import Order, profile_of
from kameng_tui.domain.status import FINAL_STATUSES, OrderStatus, ProductType


class ChangeSet(msgspec.Struct):
    added: list[Order] = msgspec.field(default_factory=list)
    changed: list[tuple[Order, Order]] = msgspec.field(default_factory=list)  # (old, new)
    removed: list[Order] = msgspec.field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def __len__(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)

    @property
    def touched(self) -> set[str]:
        """Keys of the orders that appeared or changed (not removed ones)."""
        return {o.key for o in self.added} | {new.key for _, new in self.changed}

    def status_changes(self) -> list[tuple[Order, Order]]:
        return [(old, new) for old, new in self.changed if old.status is not new.status]


_RANK = {reason: rank for rank, reason in enumerate(Attention)}
_STATUS = attrgetter("status")
_TYPE = attrgetter("product_type")


class OrderBook:
    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        # Versions past the first only: most orders of a big book never change, and a dict
        # entry for each would cost 3.7 MB at 100,000.
        self._versions: dict[str, int] = {}
        # Non-final orders: the only ones that can need attention.
        self._active: dict[str, Order] = {}
        self.by_status: Counter[OrderStatus] = Counter()
        self.by_type: Counter[ProductType] = Counter()
        self.by_shop: Counter[str] = Counter()  # by profile (domain.order.profile_of)

    def __len__(self) -> int:
        return len(self._orders)

    def __iter__(self) -> Iterator[Order]:
        return iter(self._orders.values())

    def __contains__(self, key: object) -> bool:
        return key in self._orders

    def get(self, key: str) -> Order | None:
        """The order of this key (`Order.key`: the number, qualified by a shop if any)."""
        return self._orders.get(key)

    def version(self, key: str) -> int:
        """How many times the order of this key came in new or changed (0: not in the book)."""
        return self._versions.get(key, 1) if key in self._orders else 0

    def active(self) -> Iterable[Order]:
        return self._active.values()

    def attention_set(self, now: datetime, policy: AttentionPolicy = DEFAULT_POLICY) -> set[str]:
        return {o.key for o in self._active.values() if needs_attention(o, now, policy)}

    def attention_ranks(
        self, now: datetime, policy: AttentionPolicy = DEFAULT_POLICY
    ) -> dict[str, int]:
        """For each order needing attention, the rank of its most urgent reason (0 = most)."""
        ranks: dict[str, int] = {}
        for order in self._active.values():
            if needs_attention(order, now, policy):
                reasons = attention_reasons(order, now, policy)
                ranks[order.key] = _RANK[reasons[0]]
        return ranks

    def apply(self, orders: Iterable[Order], removed: Iterable[str] = ()) -> ChangeSet:
        """Merge new or possibly changed orders; drop removed ones. Returns the real changes,
        each order at most once: a batch naming an order twice counts its last version, and an
        order both sent and removed is removed (platform data is not trusted to be tidy)."""
        gone = set(removed)
        batch = {o.key: o for o in orders}
        for key in gone & batch.keys() if gone else ():
            del batch[key]
        changes = ChangeSet()
        # A first sync brings pages of 2,000 new orders to the event loop: one loop with
        # locals, and the counts taken in C (Counter.update) once for the batch.
        stored: list[Order] = []
        book, active, final = self._orders, self._active, FINAL_STATUSES
        for key, order in batch.items():
            old = book.get(key)
            if old is None:
                changes.added.append(order)
            elif old != order:
                changes.changed.append((old, order))
                self._uncount(old)
                self._versions[key] = self._versions.get(key, 1) + 1
            else:
                continue
            book[key] = order
            if order.status in final:
                active.pop(key, None)
            else:
                active[key] = order
            stored.append(order)
        self.by_status.update(map(_STATUS, stored))
        self.by_type.update(map(_TYPE, stored))
        shops = [profile_of(o) for o in stored if o.shop]
        if shops:
            self.by_shop.update(shops)
        for key in dict.fromkeys(removed):
            old = self._orders.pop(key, None)
            if old is not None:
                self._versions.pop(key, None)
                self._active.pop(key, None)
                self._uncount(old)
                changes.removed.append(old)
        return changes

    def _uncount(self, order: Order) -> None:
        self.by_status[order.status] -= 1
        self.by_type[order.product_type] -= 1
        if order.shop:
            self.by_shop[profile_of(order)] -= 1
