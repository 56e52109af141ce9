"""The order record every backend produces and every view reads.

Orders are immutable: a backend returns a new `Order` when anything changes, which lets the
order book detect changes by equality and lets sorted indexes remove the old value by its old key.
Copy with changes through `_replace`.

A big shop's tracker holds 100,000 of them, so they are small and cheap. `Order` is a msgspec
Struct with gc=False: 192 bytes (a 22-field named tuple takes 232), built about 3x faster, and
never scanned by the cycle collector, in which orders have nothing to find (they hold no
cycles). A timeline may be a `PackedTimeline`: about 10 bytes an event, its datetimes made when
it is read, and not scanned either. With named tuples and tuples of events, a full collection
of the 100k tracker took 0.6 s (a frozen frame); 0.06 s now.
"""

from __future__ import annotations

import struct
import threading
from abc import ABCMeta
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple, cast, overload

import msgspec

from kameng_tui.domain.status import (
    LABEL_ACTOR,
    Actor,
    LabelCode,
    OrderStatus,
    ProductType,
    ReadProblem,
)


class StatusLabel(msgspec.Struct, frozen=True, gc=False):
    """A platform's explanation of a delay or failure, e.g. 延迟发货：系统维护中."""

    text: str
    code: LabelCode = LabelCode.OTHER
    actor: Actor = Actor.SUPPORT

    @classmethod
    def of(cls, code: LabelCode, text: str) -> StatusLabel:
        return cls(text=text, code=code, actor=LABEL_ACTOR[code])


class TimelineEvent(NamedTuple):
    """One step of the order's journey, as the platform reported it."""

    at: datetime
    status: OrderStatus
    raw_status: str
    note: str = ""


# A timeline is any sequence of events, oldest first: a tuple, or a PackedTimeline.
Timeline = Sequence[TimelineEvent]


class _StructSequence(msgspec.StructMeta, ABCMeta):
    """Lets a Struct be a collections.abc.Sequence (their metaclasses differ)."""


# The (status, raw status, note) of every packed event, each once: a shop's events repeat a
# few dozen of them. Only grows (by the free texts of actions, at most _MAX_STEPS).
_STEPS: list[tuple[OrderStatus, str, str]] = []
_STEP_INDEX: dict[tuple[OrderStatus, str, str], int] = {}
_STEPS_LOCK = threading.Lock()
_MAX_STEPS = 1 << 16  # a step's index is two bytes
_EVENT_SIZE = 10  # float64 offset + uint16 step


def step_index(step: tuple[OrderStatus, str, str]) -> int | None:
    """The shared table's index of (status, raw status, note); None when the table is full."""
    index = _STEP_INDEX.get(step)
    if index is None:
        with _STEPS_LOCK:  # demo platforms build orders in worker threads
            index = _STEP_INDEX.get(step)
            if index is None:
                if len(_STEPS) >= _MAX_STEPS:
                    return None
                index = _STEP_INDEX[step] = len(_STEPS)
                _STEPS.append(step)
    return index


_PACKERS: dict[int, struct.Struct] = {}


def _packer(n: int) -> struct.Struct:
    """The layout of n events, compiled once for the usual lengths (a third of packing's cost)."""
    packer = _PACKERS.get(n)
    if packer is None:
        packer = struct.Struct(f"<{n}d{n}H")
        if n <= 64:
            _PACKERS[n] = packer
    return packer


class PackedTimeline(msgspec.Struct, Sequence[TimelineEvent], metaclass=_StructSequence,
                     frozen=True, gc=False):  # fmt: skip
    """UTC events as seconds after `base` (POSIX time) and indexes into one shared table of
    (status, raw status, note): about 10 bytes an event against some 140 for a tuple of
    `TimelineEvent`s with their datetimes, which are made here when read. Equal to the tuple
    of its events."""

    base: float
    data: bytes  # float64 offsets, then uint16 step indexes (little-endian)

    @staticmethod
    def pack(base: float, events: Iterable[tuple[float, OrderStatus, str, str]]) -> Timeline:
        """(seconds after base, status, raw status, note) per event; a tuple of events in the
        rare case the shared table is full."""
        items = list(events)
        steps = [step_index((status, raw, note)) for _, status, raw, note in items]
        if None in steps:
            return tuple(
                TimelineEvent(datetime.fromtimestamp(base + t, UTC), status, raw, note)
                for t, status, raw, note in items
            )
        return PackedTimeline.of_steps(base, [e[0] for e in items], cast(list[int], steps))

    @staticmethod
    def of_steps(base: float, offsets: Sequence[float], steps: Sequence[int]) -> PackedTimeline:
        """Events as seconds after `base` and indexes `step_index` gave, in the same order."""
        return PackedTimeline(base, _packer(len(offsets)).pack(*offsets, *steps))

    def offsets(self) -> tuple[float, ...]:
        """Each event's seconds after `base`."""
        n = len(self.data) // _EVENT_SIZE
        return struct.unpack_from(f"<{n}d", self.data)

    def entries(self) -> list[tuple[float, OrderStatus, str, str]]:
        """(seconds after base, status, raw status, note) per event, as packed."""
        return [(t, *step) for t, step in self.steps()]

    def steps(self) -> Iterator[tuple[float, tuple[OrderStatus, str, str]]]:
        """(seconds after base, (status, raw status, note)) per event: `entries` without a
        tuple made per event, for who writes thousands of timelines (a server)."""
        n = len(self.data) // _EVENT_SIZE
        values = _packer(n).unpack(self.data)
        return zip(values[:n], map(_STEPS.__getitem__, values[n:]), strict=True)

    def __len__(self) -> int:
        return len(self.data) // _EVENT_SIZE

    def __iter__(self) -> Iterator[TimelineEvent]:
        base = self.base
        for t, status, raw, note in self.entries():
            yield TimelineEvent(datetime.fromtimestamp(base + t, UTC), status, raw, note)

    @overload
    def __getitem__(self, index: int) -> TimelineEvent: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[TimelineEvent, ...]: ...
    def __getitem__(self, index: int | slice) -> TimelineEvent | tuple[TimelineEvent, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        n = len(self)
        if not -n <= index < n:
            raise IndexError("timeline index out of range")
        index %= n
        (t,) = struct.unpack_from("<d", self.data, 8 * index)
        (step,) = struct.unpack_from("<H", self.data, 8 * n + 2 * index)
        return TimelineEvent(datetime.fromtimestamp(self.base + t, UTC), *_STEPS[step])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedTimeline):
            if self.base == other.base and self.data == other.data:
                return True
        elif not isinstance(other, tuple):
            return NotImplemented  # as a tuple: never equal to a list
        return len(self) == len(other) and tuple(self) == tuple(other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)  # Struct's own != would not ask __eq__
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(tuple(self))  # as the tuple it equals

    def __repr__(self) -> str:
        return repr(tuple(self))


class Refund(msgspec.Struct, frozen=True, gc=False):
    amount: Decimal
    at: datetime | None
    reason: str = ""


class Order(msgspec.Struct, frozen=True, gc=False):
    order_no: str
    product_name: str
    product_type: ProductType
    merchant: str
    merchant_verified: bool
    quantity: int
    amount: Decimal
    currency: str
    account: str  # recharge account / contact; "" when the goods are card codes only
    status: OrderStatus
    raw_status: str
    label: StatusLabel | None
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None = None
    delivered_at: datetime | None = None
    pay_deadline: datetime | None = None
    promised_by: datetime | None = None
    card_codes: tuple[str, ...] = ()
    refund: Refund | None = None
    timeline: Timeline = ()
    # The shop the order belongs to where several are read as one: a hub's watched profile,
    # or a profile of a merged view. "" for a single shop.
    shop: str = ""

    def _replace(self, **changes: Any) -> Order:
        """A copy with `changes` (named as a named tuple's, which Order once was)."""
        return msgspec.structs.replace(self, **changes)

    @property
    def key(self) -> str:
        """The order's identity in a book: its number, qualified by its shop when it has one.
        Shop names are profile names, which cannot hold U+001F (config.py), so the first unit
        separator ends the shop whatever the (untrusted) number holds."""
        return self.order_no if not self.shop else order_key(self.shop, self.order_no)

    @property
    def actor(self) -> Actor:
        """Who must act next, from the label or, without one, from the status. A settled
        order's old label is history: nobody has to act on it."""
        if self.status.is_final:
            return Actor.NOBODY
        if self.label is not None:
            return self.label.actor
        if self.status is OrderStatus.ABNORMAL:
            return Actor.SUPPORT
        if self.status is OrderStatus.PENDING_PAYMENT:
            return Actor.CUSTOMER
        return Actor.NOBODY


def order_key(shop: str, order_no: str) -> str:
    return f"{shop}\x1f{order_no}" if shop else order_no


# Where several profiles show as one (a merged view), each order's `shop` is stamped with its
# profile's name; an order a hub profile read keeps the hub's shop after it, behind U+001F
# (which neither a profile name nor a hub's shop name holds). So the profile an order belongs
# to is always the shop's first part, and the stamp comes off without loss.


def stamped(order: Order, profile: str) -> Order:
    shop = profile if not order.shop else f"{profile}\x1f{order.shop}"
    return order._replace(shop=shop)


def profile_of(order: Order) -> str:
    """The profile a stamped order belongs to ("" for an order of a single-shop session)."""
    return order.shop.partition("\x1f")[0]


def unstamped(order: Order) -> Order:
    """The order as its profile's backend gave it."""
    return order._replace(shop=order.shop.partition("\x1f")[2]) if order.shop else order


def shop_label(shop: str) -> str:
    """A stamped shop for people: "team · north" for a hub's shop read in a merged view."""
    return shop.replace("\x1f", " · ")


def stand_in(
    order_no: str, problem: ReadProblem, detail: str, now: datetime, previous: Order | None
) -> Order | None:
    """The row for a watched order that could not be read this time; None to keep `previous`.

    What was read of an order stays until the platform says clearly that it does not exist:
    a refusal, a rate limit or one unreadable page says nothing about the order itself. An
    order never read gets a row saying why, so no watched number vanishes without a word."""
    real = previous is not None and previous.status is not OrderStatus.UNREADABLE
    if real and problem is not ReadProblem.NOT_FOUND:
        return None
    if (
        previous is not None
        and previous.status is OrderStatus.UNREADABLE
        and previous.raw_status == problem.value
        and previous.label is not None
        and previous.label.text == detail
    ):
        return previous  # the same problem as last time: nothing changed
    created = previous.created_at if previous is not None else now
    actor = Actor.CUSTOMER if problem is ReadProblem.NOT_FOUND else Actor.NOBODY
    if problem in (ReadProblem.NOT_YOURS, ReadProblem.UNREADABLE):
        actor = Actor.SUPPORT
    return Order(
        order_no=order_no,
        product_name=previous.product_name if previous is not None else "",
        product_type=previous.product_type if previous is not None else ProductType.OTHER,
        merchant="",
        merchant_verified=False,
        quantity=previous.quantity if previous is not None else 1,
        amount=previous.amount if previous is not None else Decimal(0),
        currency=previous.currency if previous is not None else "CNY",
        account="",
        status=OrderStatus.UNREADABLE,
        raw_status=problem.value,
        label=StatusLabel(detail, LabelCode.OTHER, actor),
        created_at=created,
        updated_at=now,
    )
