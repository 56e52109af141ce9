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
