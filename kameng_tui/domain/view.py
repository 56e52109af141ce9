"""The filtered and sorted list of orders a screen shows, kept up to date incrementally.

All orders sit in one sorted index for the current sort column (a `SortedKeyList`, so a refresh
that changes k orders costs O(k log n)); the visible rows are one linear scan of it, which keeps a
filter switch or a refresh of 100,000 orders within a frame or two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sortedcontainers import SortedKeyList

from kameng_tui.domain.book import ChangeSet, OrderBook
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus, ProductType


class SortColumn(StrEnum):
    UPDATED = "updated"
    ORDER_NO = "order_no"
    PRODUCT = "product"
    TYPE = "type"
    AMOUNT = "amount"
    STATUS = "status"
    LABEL = "label"


_STATUS_RANK = {status: rank for rank, status in enumerate(OrderStatus)}
_TYPE_RANK = {ptype: rank for rank, ptype in enumerate(ProductType)}

# Every key ends with the order number, so equal values still sort the same way every time.
SORT_KEYS: dict[SortColumn, Callable[[Order], Any]] = {
    SortColumn.UPDATED: lambda o: (o.updated_at, o.order_no),
    SortColumn.ORDER_NO: lambda o: o.order_no,
    SortColumn.PRODUCT: lambda o: (o.product_name, o.order_no),
    SortColumn.TYPE: lambda o: (_TYPE_RANK[o.product_type], o.order_no),
    SortColumn.AMOUNT: lambda o: (o.amount, o.order_no),
    SortColumn.STATUS: lambda o: (_STATUS_RANK[o.status], o.order_no),
    SortColumn.LABEL: lambda o: (o.label.text if o.label else "", o.order_no),
}


@dataclass(frozen=True, slots=True)
class Filter:
    product_type: ProductType | None = None
    status: OrderStatus | None = None
    attention: bool = False
    search: str = ""

    @property
    def is_trivial(self) -> bool:
        return self == _NO_FILTER


_NO_FILTER = Filter()


def _search_blob(order: Order) -> str:
    return f"{order.order_no}\0{order.product_name}\0{order.account}".casefold()


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
        self.rows: list[Order] = []
        self._blobs: dict[str, str] = {}
        self._index: SortedKeyList = SortedKeyList(book, key=SORT_KEYS[sort])
        self._derive()

    # -- queries -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.rows)

    def index_of(self, order_no: str) -> int | None:
        """Row of the order, or None when it is not shown: a binary search, as rows are sorted
        by a unique key (mapping 100,000 rows on every filter switch would cost a frame)."""
        order = self.book.get(order_no)
        if order is None:
            return None
        key = SORT_KEYS[self.sort]
        target = key(order)
        rows, lo, hi = self.rows, 0, len(self.rows)
        while lo < hi:
            mid = (lo + hi) // 2
            probe = key(rows[mid])
            if (probe > target) if self.descending else (probe < target):
                lo = mid + 1
            else:
                hi = mid
        if lo < len(rows) and rows[lo].order_no == order_no:
            return lo
        return None

    # -- changes -------------------------------------------------------------------------------

    def apply(self, changes: ChangeSet, attention: set[str] | None = None) -> None:
        """Follow the book after `OrderBook.apply` returned `changes`."""
        if attention is not None:
            self.attention = attention
        if len(changes) > len(self._index) // 4:
            # A first load or a big batch: one sort beats many O(log n) inserts.
            self._index = SortedKeyList(self.book, key=SORT_KEYS[self.sort])
            self._blobs.clear()
            self._derive()
            return
        index = self._index
        for old in changes.removed:
            index.remove(old)
            self._blobs.pop(old.order_no, None)
        for old, new in changes.changed:
            index.remove(old)
            index.add(new)
            if self._blobs:
                self._blobs[new.order_no] = _search_blob(new)
        for new in changes.added:
            index.add(new)
            if self._blobs:
                self._blobs[new.order_no] = _search_blob(new)
        self._derive()

    def set_attention(self, attention: set[str]) -> bool:
        """Update which orders need attention; re-derive only if the rows can differ."""
        if attention == self.attention:
            return False
        self.attention = attention
        if self.filter.attention:
            self._derive()
            return True
        return False

    def set_filter(self, filter: Filter) -> None:
        if filter != self.filter:
            self.filter = filter
            self._derive()

    def update_filter(self, **changes: Any) -> None:
        self.set_filter(replace(self.filter, **changes))

    def set_sort(self, column: SortColumn, descending: bool) -> None:
        if column is not self.sort:
            self.sort = column
            self._index = SortedKeyList(self.book, key=SORT_KEYS[column])
        self.descending = descending
        self._derive()

    # -- internals -----------------------------------------------------------------------------

    def _derive(self) -> None:
        source: Iterable[Order] = reversed(self._index) if self.descending else self._index
        flt = self.filter
        if flt.is_trivial:
            self.rows = list(source)
            return
        # One tight comprehension per active condition: a method call per order would make a
        # filter switch over 100,000 orders cost several frames.
        rows: Iterable[Order] = source
        if flt.status is not None:
            status = flt.status
            rows = [o for o in rows if o.status is status]
        if flt.product_type is not None:
            product_type = flt.product_type
            rows = [o for o in rows if o.product_type is product_type]
        if flt.attention:
            attention = self.attention
            rows = [o for o in rows if o.order_no in attention]
        if flt.search:
            if not self._blobs:
                self._blobs.update((o.order_no, _search_blob(o)) for o in self.book)
            needle, blobs = flt.search.casefold(), self._blobs
            rows = [o for o in rows if needle in blobs[o.order_no]]
        self.rows = rows if isinstance(rows, list) else list(rows)
