"""Orders kept sorted by a key, without storing the keys.

A `SortedKeyList` (sortedcontainers) keeps every value's key beside it: at 100,000 orders, for
the whole index and the per status ones, that is 100,000 key tuples (6-7 MB) and two lists of
pointers to them, only to save computing a key while searching. `SortedOrders` keeps the same
layout (sublists of about `LOAD` orders, the key of each sublist's last order) and computes the
keys of the few orders a search looks at: `bisect` does it in C (its `key` argument), about 10
key calls per search of a sublist of 1,000.

Keys must be unique, as every sort key of domain.view is (each ends with the order number and
its shop): an order is found again by its key.
"""

from __future__ import annotations

import gc
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator
from itertools import chain
from typing import Any

from kameng_tui.domain.order import Order

Key = Callable[[Order], Any]
LOAD = 1_000  # orders per sublist, as sortedcontainers' default


class SortedOrders:
    """Orders in ascending `key` order: add and remove in O(log n), iterate either way."""

    __slots__ = ("_len", "_lists", "_maxes", "key")

    def __init__(self, key: Key, ordered: list[Order] | None = None) -> None:
        """`ordered`, if given, must already be in `key` order."""
        self.key = key
        values = ordered or []
        self._lists = [values[i : i + LOAD] for i in range(0, len(values), LOAD)]
        self._maxes = [key(sub[-1]) for sub in self._lists]
        self._len = len(values)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Order]:
        return chain.from_iterable(self._lists)

    def __reversed__(self) -> Iterator[Order]:
        return chain.from_iterable(map(reversed, reversed(self._lists)))

    def ordered(self, reverse: bool = False) -> list[Order]:
        """Every order in a new list, in key order or reversed. Joining the sublists copies
        them in C: about twice as fast as listing `iter` or `reversed` at 100,000 orders,
        which a view does on every refresh."""
        rows: list[Order] = []
        for sub in reversed(self._lists) if reverse else self._lists:
            rows += sub[::-1] if reverse else sub
        return rows

    def add(self, value: Order) -> None:
        key = self.key
        k = key(value)
        lists, maxes = self._lists, self._maxes
        self._len += 1
        if not maxes:
            lists.append([value])
            maxes.append(k)
            return
        i = bisect_right(maxes, k)
        if i == len(maxes):  # past every order: the end of the last sublist
            i -= 1
            lists[i].append(value)
            maxes[i] = k
        else:
            sub = lists[i]
            sub.insert(bisect_right(sub, k, key=key), value)
        if len(lists[i]) > 2 * LOAD:
            self._split(i)

    def update(self, values: Iterable[Order], *, presorted: bool = False) -> list[Order]:
        """Add many orders: one sort of the batch, then each sublist takes its share at once.

        A page of a first sync (2,000 orders) added one by one cost ~11 key calls each in the
        sublist searches; here the batch's sort computes each key once, and the common cases
        (a share that goes before or after every order of its sublist, e.g. older orders
        paging in) cost no search at all; a big share is merged by one sort of its sublist.

        Returns the batch in key order; `presorted`: `values` is a list already in key order
        (such a batch, or part of one), not sorted again.
        """
        # A sort holds every key it computes (a tuple each, thousands per page): the cycle
        # collector would run several times a page meanwhile and promote them towards its
        # oldest generation, whose full scans (every object the tracker holds) are the
        # longest pauses of a sync. They are freed by the end, so it waits until then.
        key = self.key
        running = gc.isenabled()
        gc.disable()
        try:
            batch = values if presorted and isinstance(values, list) else sorted(values, key=key)
            self._update(batch)
            return batch
        finally:
            if running:
                gc.enable()

    def _update(self, batch: list[Order]) -> None:
        key = self.key
        if not batch:
            return
        lists, maxes = self._lists, self._maxes
        self._len += len(batch)
        if not lists:
            lists.append(batch[:])  # the caller keeps the batch (update returns it)
            maxes.append(key(batch[-1]))
            self._split_all(0)
            return
        # From the last sublist to the first, so a split never moves a sublist still to come.
        end = len(batch)
        while end:
            last = key(batch[end - 1])
            i = min(bisect_right(maxes, last), len(maxes) - 1)
            start = bisect_right(batch, maxes[i - 1], 0, end, key=key) if i else 0
            share = batch[start:end]
            sub = lists[i]
            if key(share[0]) > maxes[i]:  # past the last sublist's end
                sub.extend(share)
            elif last < key(sub[0]):
                sub[:0] = share
            elif len(share) * 8 < len(sub):  # a few: a search each beats a sort of them all
                for value in share:
                    sub.insert(bisect_right(sub, key(value), key=key), value)
            else:
                sub.extend(share)
                sub.sort(key=key)  # two sorted runs: Timsort merges them in one pass
            if last > maxes[i]:  # only the last sublist grows past its maximum
                maxes[i] = last
            if len(sub) > 2 * LOAD:
                self._split_all(i)
            end = start

    def remove(self, value: Order) -> None:
        """Remove `value` (an order with its key); ValueError if it is not here."""
        key = self.key
        k = key(value)
        lists, maxes = self._lists, self._maxes
        i = bisect_left(maxes, k)
        if i < len(maxes):
            sub = lists[i]
            at = bisect_left(sub, k, key=key)
            if at < len(sub) and (sub[at] is value or sub[at] == value):
                del sub[at]
                self._len -= 1
                if not sub:
                    del lists[i], maxes[i]
                else:
                    if at == len(sub):
                        maxes[i] = key(sub[-1])
                    if len(sub) < LOAD // 4 and len(lists) > 1:
                        self._merge(i)
                return
        raise ValueError("order not in the index")

    def _split(self, i: int) -> None:
        sub = self._lists[i]
        half = sub[LOAD:]
        del sub[LOAD:]
        self._lists.insert(i + 1, half)
        self._maxes.insert(i, self.key(sub[-1]))  # the old maximum stays with `half`

    def _split_all(self, i: int) -> None:
        """Cut sublist `i` into sublists of LOAD orders, the last one up to 2 * LOAD."""
        sub = self._lists[i]
        if len(sub) <= 2 * LOAD:
            return
        cuts = range(0, len(sub) - LOAD, LOAD)  # the last cut keeps LOAD + the rest
        parts = [sub[at : at + LOAD] for at in cuts[:-1]] + [sub[cuts[-1] :]]
        self._lists[i : i + 1] = parts
        # The last part keeps the sublist's maximum; each other one ends at its own.
        self._maxes[i:i] = [self.key(part[-1]) for part in parts[:-1]]

    def _merge(self, i: int) -> None:
        """Join the short sublist `i` to a neighbour (split again if that is too long)."""
        j = i - 1 if i > 0 else i
        self._lists[j].extend(self._lists.pop(j + 1))
        del self._maxes[j]  # the joined sublist ends where the later of the two did
        if len(self._lists[j]) > 2 * LOAD:
            self._split(j)


def build(
    orders: Iterable[Order], key: Key, group_by: Callable[[Order], Hashable]
) -> tuple[SortedOrders, dict[Hashable, SortedOrders]]:
    """The index of all `orders` by `key`, and one index per value of `group_by` (e.g. per
    status), all from one sort."""
    ordered = sorted(orders, key=key)
    groups: dict[Hashable, list[Order]] = {}
    for order in ordered:
        group = group_by(order)
        bucket = groups.get(group)
        if bucket is None:
            bucket = groups[group] = []
        bucket.append(order)
    buckets = {group: SortedOrders(key, values) for group, values in groups.items()}
    return SortedOrders(key, ordered), buckets
