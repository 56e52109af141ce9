"""The filtered and sorted list of orders a screen shows, kept up to date incrementally.

All orders sit in one sorted index for the current sort column (domain.sortedindex, so a refresh
that changes k orders costs O(k log n)); the visible rows are one linear scan of it, which keeps a
filter switch or a refresh of 100,000 orders within a frame or two.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from enum import StrEnum
from operator import attrgetter
from typing import Any

import msgspec
from msgspec.structs import replace

from kameng_tui.domain.book import ChangeSet, OrderBook
from kameng_tui.domain.order import Order
from kameng_tui.domain.query import (
    Query,
    QueryError,
    narrow_text,
    parse,
    refines,
    search_blob,
)
from kameng_tui.domain.sortedindex import SortedOrders, build
from kameng_tui.domain.status import OrderStatus, ProductType


class SortColumn(StrEnum):
    UPDATED = "updated"
    ORDER_NO = "order_no"
    PRODUCT = "product"
    TYPE = "type"
    AMOUNT = "amount"
    STATUS = "status"
    LABEL = "label"
    SHOP = "shop"  # where several shops show as one
    URGENCY = "urgency"  # orders that need attention first, most urgent reason first


_STATUS_RANK = {status: rank for rank, status in enumerate(OrderStatus)}
_TYPE_RANK = {ptype: rank for rank, ptype in enumerate(ProductType)}

# Every key ends with the order number and its shop (a merged view holds several shops), so
# equal values still sort the same way every time.
# attrgetter builds the key tuple in C: sorted indexes call these hundreds of thousands of times.
SORT_KEYS: dict[SortColumn, Callable[[Order], Any]] = {
    SortColumn.UPDATED: attrgetter("updated_at", "order_no", "shop"),
    SortColumn.ORDER_NO: attrgetter("order_no", "shop"),
    SortColumn.PRODUCT: attrgetter("product_name", "order_no", "shop"),
    SortColumn.TYPE: lambda o: (_TYPE_RANK[o.product_type], o.order_no, o.shop),
    SortColumn.AMOUNT: attrgetter("amount", "order_no", "shop"),
    SortColumn.STATUS: lambda o: (_STATUS_RANK[o.status], o.order_no, o.shop),
    SortColumn.LABEL: lambda o: (o.label.text if o.label else "", o.order_no, o.shop),
    SortColumn.SHOP: attrgetter("shop", "updated_at", "order_no"),
    # Urgency changes with the clock, so no stored key can hold it: its index is the update
    # time's, and `_derive` lifts the orders that need attention to the front.
    SortColumn.URGENCY: attrgetter("updated_at", "order_no", "shop"),
}


class Filter(msgspec.Struct, frozen=True):
    product_type: ProductType | None = None
    status: OrderStatus | None = None
    attention: bool = False
    search: str = ""  # a query (kameng_tui.domain.query): words, and keys like status:failed
    only: frozenset[str] | None = None  # these orders only, by key (the followed ones)
    shop: str | None = None  # this shop's orders only, where several show as one

    @property
    def is_trivial(self) -> bool:
        return self == _NO_FILTER


_NO_FILTER = Filter()


_search_blob = search_blob


def _utc_now() -> datetime:
    return datetime.now(UTC)


# Status filters get their own index (the common switch); a type filter scans. Each index costs
# every refresh two more O(log n) steps per changed order.
_GROUPS = attrgetter("status")


class OrderView:
    """Rows to show, in order, for a book under a filter and a sort."""

    def __init__(
        self,
        book: OrderBook,
        sort: SortColumn = SortColumn.UPDATED,
        descending: bool = True,
        filter: Filter = _NO_FILTER,
    ) -> None:
        self.book = book
        self.sort = sort
        self.descending = descending
        self.filter = filter
        self.attention: set[str] = set()
        self.urgency: dict[str, int] = {}  # order key -> rank of its most urgent reason
        self.rows: list[Order] = []
        # The clock `age:` in a query is measured against (the screen gives its own).
        self.now: Callable[[], datetime] = _utc_now
        # The search as a query: the last one that could be read, and why the current text
        # cannot be (then the last readable one stays applied, as in k9s).
        self.query = Query()
        self.query_error: QueryError | None = None
        self._query_text = ""
        self._positions: dict[str, int] | None = None  # for the urgency order only
        self._blobs: dict[str, str] = {}
        # All orders in sort order, and the same per status and per product type, so that
        # switching filters costs the rows shown, not a scan of every order.
        self._index: SortedOrders
        self._buckets: dict[Hashable, SortedOrders]
        self._rebuild()

    # -- queries -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.rows)

    def index_of(self, key: str) -> int | None:
        """Row of the order, or None when it is not shown: a binary search, as rows are sorted
        by a unique key (mapping 100,000 rows on every filter switch would cost a frame)."""
        order = self.book.get(key)
        if order is None:
            return None
        if self.sort is SortColumn.URGENCY:
            if self._positions is None:
                self._positions = {o.key: i for i, o in enumerate(self.rows)}
            return self._positions.get(key)
        sort_key = SORT_KEYS[self.sort]
        target = sort_key(order)
        rows, lo, hi = self.rows, 0, len(self.rows)
        while lo < hi:
            mid = (lo + hi) // 2
            probe = sort_key(rows[mid])
            if (probe > target) if self.descending else (probe < target):
                lo = mid + 1
            else:
                hi = mid
        if lo < len(rows) and rows[lo].key == key:
            return lo
        return None

    # -- changes -------------------------------------------------------------------------------

    def apply(self, changes: ChangeSet, attention: set[str] | None = None) -> None:
        """Follow the book after `OrderBook.apply` returned `changes`."""
        if attention is not None:
            self.attention = attention
        if len(changes) > len(self._index) // 4:
            # A first load or a big batch: one sort beats many O(log n) inserts.
            self._blobs.clear()
            self._rebuild()
            return
        index, buckets, blobs = self._index, self._buckets, self._blobs
        for old in changes.removed:
            index.remove(old)
            buckets[old.status].remove(old)
            blobs.pop(old.key, None)
        for old, _ in changes.changed:
            index.remove(old)
            buckets[old.status].remove(old)
        # The new versions go in as one batch per index (SortedOrders.update), sorted once:
        # each status's share of the sorted batch is in order too.
        news = [new for _, new in changes.changed]
        news += changes.added
        news = index.update(news)
        by_status: dict[OrderStatus, list[Order]] = {}
        for new in news:
            group = by_status.get(new.status)
            if group is None:
                group = by_status[new.status] = []
            group.append(new)
        for status, group in by_status.items():
            self._bucket(status).update(group, presorted=True)
        if blobs:
            blobs.update((new.key, _search_blob(new)) for new in news)
        self._derive()

    def set_attention(self, attention: set[str], urgency: dict[str, int] | None = None) -> bool:
        """Update which orders need attention; re-derive only if the rows can differ."""
        if urgency is not None and urgency != self.urgency:
            self.urgency = urgency
            if self.sort is SortColumn.URGENCY:
                self.attention = attention
                self._derive()
                return True
        if attention == self.attention:
            return False
        self.attention = attention
        if self.filter.attention or self.sort is SortColumn.URGENCY:
            self._derive()
            return True
        return False

    def set_filter(self, filter: Filter) -> None:
        if filter != self.filter:
            before, applied = self.filter, self.query
            self.filter = filter
            if replace(before, search=filter.search) == filter and self._narrow_typed(applied):
                return
            self._derive()

    def _narrow_typed(self, applied: Query) -> bool:
        """Typing on in the search box only narrows: take the new rows from the rows shown, not
        from every order (each key then costs the rows left, not 100,000). Whether it did."""
        new = self._parse(self.filter.search)
        if self.query_error is not None or not refines(new, applied) or not self.rows:
            return False
        if not self._blobs:
            return False
        self.rows = narrow_text(self.rows, new, self.now(), self._blobs)
        self._positions = None
        return True

    def update_filter(self, **changes: Any) -> None:
        self.set_filter(replace(self.filter, **changes))

    def set_sort(self, column: SortColumn, descending: bool) -> None:
        self.descending = descending
        if column is not self.sort:
            self.sort = column
            self._rebuild()
        else:
            self._derive()

    # -- internals -----------------------------------------------------------------------------

    def _rebuild(self) -> None:
        self._index, self._buckets = build(self.book, SORT_KEYS[self.sort], _GROUPS)
        self._derive()

    def _bucket(self, value: OrderStatus) -> SortedOrders:
        bucket = self._buckets.get(value)
        if bucket is None:  # no order had this status or type at the last rebuild
            bucket = self._buckets[value] = SortedOrders(SORT_KEYS[self.sort])
        return bucket

    def _derive(self) -> None:
        flt = self.filter
        key = SORT_KEYS[self.sort]
        query = self._parse(flt.search)
        # Start from the smallest ready-made set, then apply the other conditions with one
        # tight comprehension each (a method call per order would cost frames at 100,000).
        # The sidebar's status and type and the query's are both conditions.
        statuses: frozenset[OrderStatus] | None = query.statuses or None
        if flt.status is not None:
            statuses = (
                frozenset({flt.status})
                if statuses is None or flt.status in statuses
                else frozenset()
            )
        types: frozenset[ProductType] | None = query.types or None
        if flt.product_type is not None:
            types = (
                frozenset({flt.product_type})
                if types is None or flt.product_type in types
                else frozenset()
            )
        rows: list[Order]
        if (statuses is not None and not statuses) or (types is not None and not types):
            rows = []
        elif flt.attention or flt.only is not None:
            # Few orders need attention, fewer are followed: sorting them beats a scan.
            wanted = self.attention if flt.attention else flt.only or ()
            found = (self.book.get(k) for k in wanted)
            rows = sorted((o for o in found if o is not None), key=key, reverse=self.descending)
        else:
            source: SortedOrders = self._index
            if statuses is not None and len(statuses) == 1:
                (status,) = statuses
                source, statuses = self._bucket(status), None
            rows = source.ordered(reverse=self.descending)
        if statuses is not None and rows:
            if len(statuses) == 1:
                (status,) = statuses
                rows = [o for o in rows if o.status is status]
            else:
                rows = [o for o in rows if o.status in statuses]
        if types is not None and rows:
            if len(types) == 1:
                (product_type,) = types
                rows = [o for o in rows if o.product_type is product_type]
            else:
                rows = [o for o in rows if o.product_type in types]
        if flt.only is not None and rows:  # the followed orders
            only = flt.only
            rows = [o for o in rows if o.key in only]
        if flt.shop is not None and rows:
            shop, inside = flt.shop, flt.shop + "\x1f"
            rows = [o for o in rows if o.shop == shop or o.shop.startswith(inside)]
        if (query.has_text or query.ages) and rows:
            if query.has_text and not self._blobs:
                self._blobs.update((o.key, _search_blob(o)) for o in self.book)
            rows = narrow_text(rows, query, self.now(), self._blobs)
        self._positions = None
        if self.sort is SortColumn.URGENCY:
            rows = self._by_urgency(rows)
        self.rows = rows

    def _parse(self, text: str) -> Query:
        """The search text as a query, parsed once per text; a text that cannot be read keeps
        the last readable query and says why in `query_error`."""
        if text != self._query_text:
            self._query_text = text
            try:
                self.query, self.query_error = parse(text), None
            except QueryError as exc:
                self.query_error = exc
        return self.query

    def _by_urgency(self, rows: list[Order]) -> list[Order]:
        """Orders needing attention first (most urgent reason, then the one waiting longest,
        i.e. the oldest update), then the rest, newest first; `descending` False turns the
        whole list around."""
        urgency = self.urgency
        if self.descending:
            urgent = [o for o in reversed(rows) if o.key in urgency]
            rest = [o for o in rows if o.key not in urgency]
        else:
            urgent = [o for o in rows if o.key in urgency]
            rest = [o for o in reversed(rows) if o.key not in urgency]
        urgent.sort(key=lambda o: urgency[o.key])  # stable: oldest first within a rank
        ordered = urgent + rest
        if not self.descending:
            ordered.reverse()
        return ordered
