"""The offline demo: a simulated 卡盟 platform that lives while the app runs.

Every order draws its whole future (its *plan*) from one seeded random stream the moment it is
created, and orders are created in a fixed sequence, so the state at any instant depends only on
the seed and that instant: never on how often, or in what steps, the clock was read. New orders
keep arriving; each then gets paid or expires, delivers in realistic times, or meets one of the
source article's labelled troubles and resolves the way a real platform would.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import random
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

import msgspec

from kameng_tui.backends.base import Backend, BackendError, SyncResult
from kameng_tui.backends.registry import Key, Kind, PlatformSpec
from kameng_tui.domain.actions import NEEDS_TEXT, Action, allowed
from kameng_tui.domain.clock import Clock
from kameng_tui.domain.order import Order, PackedTimeline, Refund, StatusLabel
from kameng_tui.domain.status import LabelCode, OrderStatus, ProductType

if TYPE_CHECKING:
    from kameng_tui.config import Profile

MAX_ORDERS = 100_000
# The first page: some screens' worth, no more. Each simulated order takes ~10 µs to make, in a
# thread that holds the GIL against the first frame: a first page of 1,000 of a 100,000-order
# history cost that frame ~13 ms. Later pages double (DemoPlatform._changes_since).
FIRST_PAGE = 250
PAY_WINDOW = 15 * 60.0

# The platform's own words: raw statuses and the article's labels.
RAW: dict[OrderStatus, str] = {
    OrderStatus.PENDING_PAYMENT: "待支付",
    OrderStatus.PAID: "待处理",
    OrderStatus.DELIVERING: "处理中",
    OrderStatus.COMPLETED: "已完成",
    OrderStatus.CANCELLED: "已取消",
    OrderStatus.FAILED: "失败",
    OrderStatus.ABNORMAL: "异常",
    OrderStatus.REFUNDED: "已退款",
}
LABELS: dict[LabelCode, StatusLabel] = {
    code: StatusLabel.of(code, text)
    for code, text in (
        (LabelCode.MAINTENANCE, "延迟发货：系统维护中"),
        (LabelCode.CARRIER_ERROR, "充值失败：运营商接口异常"),
        (LabelCode.ACCOUNT_INVALID, "账号信息有误"),
        (LabelCode.OUT_OF_STOCK, "库存不足"),
        (LabelCode.CALLBACK_LOST, "支付回调丢失：已付款未确认"),
    )
}


class Product(msgspec.Struct, frozen=True):
    name: str
    type: ProductType
    price: Decimal  # face value in CNY
    codes: bool  # delivered as card codes (卡密) rather than credit pushed to an account
    account: str  # "" | "phone" | "qq" | "email": what the customer must give


CATALOGUE: tuple[Product, ...] = (
    Product("腾讯Q币 100元", ProductType.GAME_CARD, Decimal(100), True, ""),
    Product("网易一卡通 50元", ProductType.GAME_CARD, Decimal(50), True, ""),
    Product("魔兽世界 点卡 30天", ProductType.GAME_CARD, Decimal(75), True, ""),
    Product("王者荣耀 点券 60元", ProductType.GAME_CARD, Decimal(60), False, "qq"),
    Product("Steam 钱包充值卡 200元", ProductType.GAME_CARD, Decimal(200), True, ""),
    Product("中国移动 话费 50元", ProductType.PHONE_TOPUP, Decimal(50), False, "phone"),
    Product("中国联通 话费 100元", ProductType.PHONE_TOPUP, Decimal(100), False, "phone"),
    Product("中国电信 话费 30元", ProductType.PHONE_TOPUP, Decimal(30), False, "phone"),
    Product("爱奇艺 VIP 月卡", ProductType.VIRTUAL_SERVICE, Decimal(25), False, "phone"),
    Product("QQ音乐 绿钻 月卡", ProductType.VIRTUAL_SERVICE, Decimal(15), False, "qq"),
    Product("百度网盘 超级会员 1个月", ProductType.VIRTUAL_SERVICE, Decimal(30), False, "email"),
    Product("京东E卡 100元", ProductType.OTHER, Decimal(100), True, ""),
    Product("星巴克 中杯电子券", ProductType.OTHER, Decimal(33), True, ""),
)
# (merchant, verified, price factor): resellers sell slightly under face value.
MERCHANTS: tuple[tuple[str, bool, Decimal], ...] = (
    ("星辰卡盟", True, Decimal("0.98")),
    ("速发数卡", True, Decimal("0.97")),
    ("蓝鲸充值", False, Decimal("0.95")),
    ("小李发卡店", False, Decimal("0.93")),
    ("Acme Digital", True, Decimal("0.99")),
)
_CENT = Decimal("0.01")
_PRICES = [[(p.price * factor).quantize(_CENT) for _, _, factor in MERCHANTS] for p in CATALOGUE]
_EMAIL_USERS = ("lin.wei", "zhang_san", "happyfox", "mika", "oldwang", "sunny2026")
_PRODUCT_INDEX = {p.name: i for i, p in enumerate(CATALOGUE)}
_MERCHANT_INDEX = {name: i for i, (name, _, _) in enumerate(MERCHANTS)}
# An order number ends in (number * _STRIDE + seed * _OFFSET) % 10**8: the inverse finds the
# number again, so no dict of 100,000 numbers is needed to look one up.
_STRIDE, _OFFSET, _MODULUS = 7_919, 104_729, 10**8
_INVERSE = pow(_STRIDE, -1, _MODULUS)


class Step(Enum):
    """What one planned step does to an order."""

    PAY = "pay"
    CONFIRM = "confirm"  # support confirms a payment whose callback was lost
    LOST = "lost"  # paid, but the callback never arrives: the platform still says 待支付
    DELIVER = "deliver"
    DELAY = "delay"  # a label while delivering: maintenance, carrier error
    COMPLETE = "complete"
    FAIL = "fail"
    ABNORMAL = "abnormal"
    REFUND = "refund"
    EXPIRE = "expire"
    CANCEL = "cancel"


PlanStep = tuple[float, Step, str]  # (seconds after creation, step, note or label code)


class _Sim:
    """One unsettled order's mutable simulation state; `order` caches the immutable snapshot.

    Once nothing more is planned for it, the platform keeps only its snapshot (an action on
    it later brings the state back from the snapshot: `DemoPlatform._revive`)."""

    __slots__ = (
        "account",
        "created",
        "delivered",
        "events",
        "label",
        "merchant",
        "number",
        "order",
        "order_no",
        "paid",
        "plan",
        "product",
        "promised",
        "quantity",
        "refund",
        "status",
    )

    def __init__(self, number: int, created: float, product: int, merchant: int) -> None:
        self.number = number  # 0.. for the history (newest first), then arrivals; its index
        self.created = created
        self.product = product
        self.merchant = merchant
        self.quantity = 1
        self.account = ""
        self.order_no = ""
        self.status = OrderStatus.PENDING_PAYMENT
        self.label: StatusLabel | None = None
        # Indexes into `events` of the moments paid, delivered and refunded.
        self.paid: int | None = None
        self.delivered: int | None = None
        self.refund: int | None = None
        self.promised: float | None = None
        self.events: list[tuple[float, OrderStatus, str]] = [(created, self.status, "订单已创建")]
        self.plan: list[PlanStep] = []
        self.order: Order | None = None


class DemoPlatform:
    """A seeded, deterministic platform on an injectable clock.

    `orders` is how many orders exist when the platform is first read; they span back from the
    clock's first reading at the arrival rate, so most are settled history and the recent ones
    are still moving. More arrive every `arrival_seconds` on average while it runs.

    The first read is paged like a real platform's incremental sync: newest orders first,
    `page_size` at a time, so a client can show the newest ones before the rest have loaded.
    The history and the arrivals draw from two seeded streams, so neither the paging nor how
    often the clock is read changes what happens.

    Thread-safe: DemoBackend runs each call in a worker thread (asyncio.to_thread), and two at
    once would race on the shared state (the same order created twice, a change log index
    past its end), so every public method holds one lock.
    """

    def __init__(
        self,
        *,
        seed: int = 7,
        orders: int = 300,
        clock: Clock,
        arrival_seconds: float = 12.0,
        page_size: int = FIRST_PAGE,
        max_page: int = 25_000,
    ) -> None:
        if not 1 <= orders <= MAX_ORDERS:
            raise ValueError(f"orders must be between 1 and {MAX_ORDERS:,}, not {orders}")
        if arrival_seconds <= 0 or page_size <= 0:
            raise ValueError("arrival_seconds and page_size must be positive")
        self.seed = seed
        self.initial = orders
        self.clock = clock
        self.arrival_seconds = arrival_seconds
        self.page_size = page_size
        self.max_page = max(max_page, page_size)
        self._history_rng = random.Random(seed)
        self._arrival_rng = random.Random(f"{seed}:arrivals")
        self._history_at = 0.0  # creation time of the oldest history order made so far
        self._history_made = 0  # history orders created so far (numbers 0 to this)
        # Every order by number: the history's (made lazily), then arrivals. A settled order
        # is its snapshot alone: 100,000 simulation states would cost more than the orders.
        self._sims: list[_Sim | Order | None] = [None] * orders
        self._due: list[tuple[float, int]] = []  # (time, number)
        self._changelog: list[int] = []  # order number per change; cursors point into it
        self._origin: datetime | None = None  # sim times are seconds since this instant
        self._origin_ts = 0.0
        self._days: dict[int, str] = {}  # yymmdd by day, for order numbers
        self._now = 0.0
        self._next_arrival = 0.0
        self._arrivals = 0
        # Reentrant: orders(), get() and the rest call advance(), public too.
        self._lock = threading.RLock()

    # -- reading -------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Orders the platform holds, loaded by a client or not."""
        with self._lock:
            self._start()
            return self.initial + self._arrivals

    def orders(self) -> list[Order]:
        """Every order as of the clock's current time."""
        with self._lock:
            self.advance()
            self._load_history(self.initial)
            return [self._snapshot(number) for number in range(len(self._sims))]

    def get(self, order_no: str) -> Order | None:
        with self._lock:
            self.advance()
            self._load_history(self.initial)
            number = self._number(order_no)
            return None if number is None else self._snapshot(number)

    def _number(self, order_no: str) -> int | None:
        """The number of the order `order_no` names, if there is one."""
        tail = order_no[-8:]
        if len(order_no) != 16 or not tail.isascii() or not tail.isdigit():
            return None
        number = (int(tail) - self.seed * _OFFSET) * _INVERSE % _MODULUS
        if number >= len(self._sims):
            return None
        entry = self._sims[number]
        return number if entry is not None and entry.order_no == order_no else None

    def changes_since(self, cursor: str | None) -> SyncResult:
        """Orders that changed after `cursor` (all of them from None), one page at a time.

        A cursor is "<history orders sent>:<changes sent>"; while history remains unsent the
        result says `more` and the caller should ask again at once.
        """
        with self._lock:
            return self._changes_since(cursor)

    def _changes_since(self, cursor: str | None) -> SyncResult:
        self.advance()
        sent, seen = self._parse(cursor)
        end = len(self._changelog)
        touched = dict.fromkeys(self._changelog[seen:end])
        if sent < self.initial:
            # Pages double from `page_size`: the first shows fast, later ones cost fewer trips.
            size = min(max(self.page_size, sent), self.max_page)
            upto = min(sent + size, self.initial)
            self._load_history(upto)
            touched.update(dict.fromkeys(range(sent, upto)))
            sent = upto
        changed = [self._snapshot(number) for number in touched]
        return SyncResult(changed, f"{sent}:{end}", self.total, more=sent < self.initial)

    def _parse(self, cursor: str | None) -> tuple[int, int]:
        if cursor is None:
            # From the very start: history pages, then every arrival and change since.
            return 0, 0
        head, sep, tail = cursor.partition(":")
        if sep and head.isdecimal() and tail.isdecimal():
            sent, seen = int(head), int(tail)
            if sent <= self.initial and seen <= len(self._changelog):
                return sent, seen
        raise BackendError(f"invalid cursor {cursor[:32]!r}")

    # -- actions -------------------------------------------------------------------------

    def perform(self, order_no: str, action: Action, text: str | None = None) -> Order:
        """Act on an order as a real shop would, from now on; the order afterwards."""
        with self._lock:
            return self._perform(order_no, action, text)

    def _perform(self, order_no: str, action: Action, text: str | None) -> Order:
        self.advance()
        self._load_history(self.initial)
        number = self._number(order_no)
        if number is None:
            raise BackendError(f"no order {order_no[:64]!r}")
        before = self._snapshot(number)
        if action not in allowed(before, staff=True, supported=frozenset(Action)):
            raise BackendError(f"{action.value} is not possible for this order now")
        if action in NEEDS_TEXT and not (text or "").strip():
            raise BackendError(f"{action.value} needs a text")
        note = (text or "").strip()[:200]
        sim = self._sim(number)
        now = self._now
        later = now - sim.created  # plan offsets count from the order's creation
        if action is Action.URGE:
            sim.events.append((now, sim.status, "已催单"))
        elif action is Action.APPEAL:
            sim.events.append((now, sim.status, f"订单申诉：{note}"))
        elif action is Action.CONFIRM_RECEIPT:
            sim.events.append((now, sim.status, "已确认收货"))
        elif action is Action.CANCEL:
            sim.plan = []
            self._apply(sim, now, Step.CANCEL, "用户取消订单")
        elif action is Action.REFUND:
            sim.plan = []
            self._apply(sim, now, Step.REFUND, f"客服退款：{note}" if note else "客服退款")
        elif action in (Action.FIX_ACCOUNT, Action.RETRY_DELIVERY, Action.MARK_PAID):
            if action is Action.FIX_ACCOUNT:
                sim.account = note
                first = "客户已更正账号，申请重新发货"
            elif action is Action.MARK_PAID:
                self._apply(sim, now, Step.CONFIRM, f"客服核实付款：{note}")
                first = "开始发货"
            else:
                first = "客服重新发货"
            sim.plan = [(later + 70, Step.COMPLETE, "发货成功"), (later + 10, Step.DELIVER, first)]
            heapq.heappush(self._due, (sim.created + later + 10, number))
        if action is not Action.SYNC:
            sim.events.sort(key=lambda e: e[0])
            sim.order = None
            self._changelog.append(number)
        return self._snapshot(number)

    # -- time ----------------------------------------------------------------------------

    def advance(self) -> None:
        """Bring the simulation up to the clock's current time."""
        with self._lock:
            self._advance()

    def _advance(self) -> None:
        self._start()
        now = (self.clock.now() - self._origin_dt()).total_seconds()
        if now <= self._now:
            return
        self._now = now
        rng = self._arrival_rng
        while self._next_arrival <= now:
            self._create(self.initial + self._arrivals, self._next_arrival, rng, log=True)
            self._arrivals += 1
            self._next_arrival += self._gap(rng)
        due = self._due
        while due and due[0][0] <= now:
            self._play(heapq.heappop(due)[1], now, log=True)

    def _origin_dt(self) -> datetime:
        assert self._origin is not None
        return self._origin

    def _start(self) -> None:
        """Fix the origin on first use; the history's orders are made lazily, newest first."""
        if self._origin is not None:
            return
        self._origin = self.clock.now()
        self._origin_ts = self._origin.timestamp()
        self._next_arrival = self._gap(self._arrival_rng)

    def _load_history(self, upto: int) -> None:
        """Create history orders up to number `upto` (newest first)."""
        rng = self._history_rng
        for number in range(self._history_made, upto):
            # Each is one arrival gap older than the one before: the newest arrived just now.
            self._history_at -= self._gap(rng)
            if not self._create(number, self._history_at, rng, log=False).plan:
                # Settled already, as most of a long history is: its snapshot now, so that
                # its state is garbage at once rather than a page's worth of it at a time.
                self._snapshot(number)
        self._history_made = max(self._history_made, upto)

    def _gap(self, rng: random.Random) -> float:
        # Poisson arrivals, in whole seconds as a platform's timestamps are.
        return float(max(1, round(rng.expovariate(1 / self.arrival_seconds))))

    # -- orders --------------------------------------------------------------------------

    def _create(self, number: int, created: float, rng: random.Random, *, log: bool) -> _Sim:
        product_index = int(rng.random() * len(CATALOGUE))
        sim = _Sim(number, created, product_index, int(rng.random() * len(MERCHANTS)))
        product = CATALOGUE[product_index]
        if product.codes and rng.random() >= 0.8:
            sim.quantity = 2 + int(rng.random() * 4)
        if product.account:
            sim.account = _account(product.account, rng)
        day = int((self._origin_ts + created) // 86_400)
        stamp = self._days.get(day)
        if stamp is None:
            stamp = self._days[day] = f"{datetime.fromtimestamp(day * 86_400, UTC):%y%m%d}"
        sim.order_no = f"KM{stamp}{(number * _STRIDE + self.seed * _OFFSET) % _MODULUS:08d}"
        plan = _draw_plan(product, rng)
        plan.reverse()  # pop() from the end takes the next step
        sim.plan = plan
        if number < self.initial:
            self._sims[number] = sim
        else:  # arrivals come in number order, after the history
            assert number == len(self._sims)
            self._sims.append(sim)
        if log:
            self._changelog.append(number)
        self._play(number, self._now, log=False)
        return sim

    def _play(self, number: int, now: float, *, log: bool) -> None:
        """Apply every plan step due by `now`, then schedule the next one."""
        sim = self._sims[number]
        if not isinstance(sim, _Sim):
            return  # settled since this was scheduled: nothing is planned any more
        plan = sim.plan
        moved = False
        while plan and sim.created + plan[-1][0] <= now:
            offset, step, arg = plan.pop()
            self._apply(sim, sim.created + offset, step, arg)
            moved = True
        if moved:
            sim.order = None
            if log:
                self._changelog.append(number)
        if plan:
            heapq.heappush(self._due, (sim.created + plan[-1][0], number))

    def _apply(self, sim: _Sim, at: float, step: Step, arg: str) -> None:
        note = arg
        event = len(sim.events)  # where this step's event goes
        if step is Step.PAY or step is Step.CONFIRM:
            sim.status, sim.label, sim.paid = OrderStatus.PAID, None, event
            # Card codes are promised within 5 minutes, credit pushed to an account within 15.
            sim.promised = at + (300 if CATALOGUE[sim.product].codes else 900)
        elif step is Step.LOST:
            sim.label = LABELS[LabelCode.CALLBACK_LOST]
            note = sim.label.text
        elif step is Step.DELIVER:
            sim.status, sim.label = OrderStatus.DELIVERING, None
        elif step is Step.DELAY:
            sim.label = LABELS[LabelCode(arg)]
            note = sim.label.text
        elif step is Step.COMPLETE:
            sim.status, sim.label, sim.delivered = OrderStatus.COMPLETED, None, event
        elif step is Step.FAIL or step is Step.ABNORMAL:
            sim.status = OrderStatus.FAILED if step is Step.FAIL else OrderStatus.ABNORMAL
            sim.label = LABELS[LabelCode(arg)]
            note = sim.label.text
        elif step is Step.REFUND:
            sim.status, sim.refund = OrderStatus.REFUNDED, event
        else:  # EXPIRE, CANCEL
            sim.status, sim.label = OrderStatus.CANCELLED, None
        sim.events.append((at, sim.status, note))

    def _snapshot(self, number: int) -> Order:
        sim = self._sims[number]
        assert sim is not None
        if isinstance(sim, Order):
            return sim
        if sim.order is None:
            sim.order = self._build(sim)
        if not sim.plan:  # settled for good: the snapshot says it all
            self._sims[number] = sim.order
        return sim.order

    def _sim(self, number: int) -> _Sim:
        """The order's simulation state, brought back from its snapshot if it had settled."""
        sim = self._sims[number]
        assert sim is not None
        if isinstance(sim, Order):
            sim = self._sims[number] = self._revive(number, sim)
        return sim

    def _revive(self, number: int, order: Order) -> _Sim:
        """A settled order's state again, from the snapshot `_build` made of it."""
        timeline = order.timeline
        if isinstance(timeline, PackedTimeline) and timeline.base == self._origin_ts:
            events = [(t, status, note) for t, status, _, note in timeline.entries()]
        else:  # packed as a tuple (PackedTimeline.pack's rare case)
            base = self._origin_ts
            events = [(e.at.timestamp() - base, e.status, e.note) for e in timeline]
        product = _PRODUCT_INDEX[order.product_name]
        sim = _Sim(number, events[0][0], product, _MERCHANT_INDEX[order.merchant])
        sim.quantity, sim.account, sim.order_no = order.quantity, order.account, order.order_no
        sim.status, sim.label, sim.events, sim.order = order.status, order.label, events, order
        times = [self._at(t) for t, _, _ in events]
        # The events whose moments `_build` took: any event of the same moment gives the same.
        if order.paid_at is not None:
            sim.paid = times.index(order.paid_at)
        if order.delivered_at is not None:
            sim.delivered = times.index(order.delivered_at)
        if order.refund is not None:
            moments: list[tuple[datetime | None, str]] = [
                (a, e[2]) for a, e in zip(times, events, strict=True)
            ]
            sim.refund = moments.index((order.refund.at, order.refund.reason))
        if order.promised_by is not None and sim.paid is not None:
            # As `_apply` promised it when paid.
            sim.promised = events[sim.paid][0] + (300 if CATALOGUE[product].codes else 900)
        return sim

    def _at(self, seconds: float) -> datetime:
        return datetime.fromtimestamp(self._origin_ts + seconds, UTC)

    def _build(self, sim: _Sim) -> Order:
        events = sim.events
        moments: dict[float, datetime] = {}

        def at(seconds: float) -> datetime:
            # One datetime per moment: the last event is often the delivery too, an expiry
            # the pay deadline.
            moment = moments.get(seconds)
            if moment is None:
                moment = moments[seconds] = self._at(seconds)
            return moment

        product = CATALOGUE[sim.product]
        merchant, verified, _ = MERCHANTS[sim.merchant]
        amount = _amount(sim.product, sim.merchant, sim.quantity)
        status = sim.status
        codes: tuple[str, ...] = ()
        if product.codes and sim.delivered is not None:
            codes = _card_codes(self.seed, sim.number, sim.quantity)
        timeline = PackedTimeline.pack(
            self._origin_ts, [(t, s, RAW[s], note) for t, s, note in events]
        )
        refund = None
        if sim.refund is not None:
            refund = Refund(amount, at(events[sim.refund][0]), events[sim.refund][2])
        return Order(
            sim.order_no,
            product.name,
            product.type,
            merchant,
            verified,
            sim.quantity,
            amount,
            "CNY",
            sim.account,
            status,
            RAW[status],
            sim.label,
            at(events[0][0]),
            at(events[-1][0]),
            None if sim.paid is None else at(events[sim.paid][0]),
            None if sim.delivered is None else at(events[sim.delivered][0]),
            at(sim.created + PAY_WINDOW),
            None if sim.promised is None else at(sim.promised),
            codes,
            refund,
            timeline,
        )


@functools.cache
def _amount(product: int, merchant: int, quantity: int) -> Decimal:
    """The price of `quantity` from `merchant`: a few hundred amounts, each one Decimal."""
    return _PRICES[product][merchant] * quantity


def _account(kind: str, rng: random.Random) -> str:
    if kind == "phone":
        return f"1{3 + int(rng.random() * 7)}{int(rng.random() * 10**9):09d}"
    if kind == "qq":
        return str(10_000_000 + int(rng.random() * 2_990_000_000))
    user = _EMAIL_USERS[int(rng.random() * len(_EMAIL_USERS))]
    return f"{user}{int(rng.random() * 100)}@example.com"


def _card_codes(seed: int, index: int, quantity: int) -> tuple[str, ...]:
    """Fake but plausible card number / password pairs, a pure function of the order."""
    codes = []
    for n in range(quantity):
        h = hash((seed, index, n)) & 0xFFFF_FFFF_FFFF_FFFF
        number = f"{h % 10**16:016d}"
        codes.append(f"{number[:4]} {number[4:8]} {number[8:12]} {number[12:]} / {h >> 44:06d}")
    return tuple(codes)


def _draw_plan(product: Product, rng: random.Random) -> list[PlanStep]:
    """The order's whole future, drawn at creation: (seconds after creation, step, argument)."""
    r = rng.random()
    if r < 0.15:
        return [(PAY_WINDOW, Step.EXPIRE, "超时未支付，订单自动取消")]
    if r < 0.18:
        return [(rng.uniform(60, 600), Step.CANCEL, "用户取消订单")]
    paid = rng.uniform(20, 480)
    plan: list[PlanStep] = []
    if r < 0.20:
        # Paid, but the payment callback never arrived: support checks the bill and confirms.
        plan.append((paid, Step.LOST, ""))
        paid += rng.uniform(20 * 60, 90 * 60)
        plan.append((paid, Step.CONFIRM, "客服核实付款，手动确认"))
    else:
        plan.append((paid, Step.PAY, "支付成功"))
    # Preparing: a card shop takes seconds; a direct top-up first checks the account.
    start = paid + (rng.uniform(2, 20) if product.codes else rng.uniform(10, 120))
    plan.append((start, Step.DELIVER, "开始发货"))
    # How long delivery takes when nothing goes wrong: card codes are fast, direct top-ups slow.
    if product.codes:
        duration = rng.uniform(5, 90)
    elif product.type is ProductType.PHONE_TOPUP:
        duration = rng.uniform(60, 600)
    else:
        duration = rng.uniform(30, 300)
    trouble = rng.random()
    if trouble < 0.06:
        # Maintenance window: delivery waits, then carries on by itself.
        hold = start + rng.uniform(5, 30)
        plan.append((hold, Step.DELAY, LabelCode.MAINTENANCE.value))
        resume = hold + rng.uniform(15 * 60, 45 * 60)
        plan.append((resume, Step.DELIVER, "维护结束，继续发货"))
        plan.append((resume + duration, Step.COMPLETE, "发货成功"))
    elif trouble < 0.16 and not product.codes:
        # Carrier API error: the platform retries by itself, then succeeds or fails and refunds.
        error = start + rng.uniform(30, 120)
        plan.append((error, Step.DELAY, LabelCode.CARRIER_ERROR.value))
        retried = error + rng.uniform(3 * 60, 15 * 60)
        if rng.random() < 0.6:
            plan.append((retried, Step.COMPLETE, "重试成功，充值到账"))
        else:
            plan.append((retried, Step.FAIL, LabelCode.CARRIER_ERROR.value))
            refund = retried + rng.uniform(60, 300)
            plan.append((refund, Step.REFUND, "运营商接口异常，已原路退款"))
    elif 0.16 <= trouble < 0.22 and product.account:
        # Wrong recharge account: waits for the customer to fix it and ask for redelivery.
        failed = start + rng.uniform(20, 90)
        plan.append((failed, Step.FAIL, LabelCode.ACCOUNT_INVALID.value))
        if rng.random() < 0.5:
            fixed = failed + rng.uniform(10 * 60, 60 * 60)
            plan.append((fixed, Step.DELIVER, "客户已更正账号，申请重新发货"))
            plan.append((fixed + duration, Step.COMPLETE, "发货成功"))
        else:
            expire = failed + rng.uniform(6 * 3600, 24 * 3600)
            plan.append((expire, Step.REFUND, "客户未更正账号，订单关闭并退款"))
    elif 0.16 <= trouble < 0.21 and product.codes:
        # Out of card codes: abnormal until support restocks or refunds.
        short = start + rng.uniform(3, 30)
        plan.append((short, Step.ABNORMAL, LabelCode.OUT_OF_STOCK.value))
        handled = short + rng.uniform(20 * 60, 120 * 60)
        if rng.random() < 0.6:
            plan.append((handled, Step.DELIVER, "客服已补货，重新发货"))
            plan.append((handled + duration, Step.COMPLETE, "发货成功"))
        else:
            plan.append((handled, Step.REFUND, "库存不足，已原路退款"))
    elif 0.22 <= trouble < 0.25:
        # Stalls silently: no news for a long while, then it goes through.
        plan.append((start + rng.uniform(15 * 60, 40 * 60), Step.COMPLETE, "发货成功"))
    else:
        plan.append((start + duration, Step.COMPLETE, "发货成功"))
    return plan


class DemoBackend(Backend):
    """The demo platform behind the backend interface, as if it were remote."""

    platform = "demo"
    profile = "demo"
    supported_actions = frozenset(Action)

    def __init__(self, platform: DemoPlatform) -> None:
        self.demo = platform

    async def perform(self, order_no: str, action: Action, text: str | None = None) -> Order:
        return await asyncio.to_thread(self.demo.perform, order_no, action, text)

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        # Building 100,000 orders takes a moment: keep it off the event loop.
        return await asyncio.to_thread(self.demo.changes_since, cursor)

    async def get_order(self, order_no: str) -> Order | None:
        return await asyncio.to_thread(self.demo.get, order_no)


def _build(profile: Profile, environ: Mapping[str, str], clock: Clock) -> Backend:
    platform = DemoPlatform(
        seed=profile.get("seed", 7), orders=profile.get("orders", 300), clock=clock
    )
    backend = DemoBackend(platform)
    backend.profile = profile.name
    return backend


SPEC = PlatformSpec(
    name="demo",
    summary="the offline simulated shop: every status, label and action, no network",
    keys=(
        Key("orders", Kind.COUNT, range=(1, MAX_ORDERS), help="orders in the shop"),
        Key("seed", Kind.COUNT, range=(-(2**63), 2**63 - 1), help="random seed"),
    ),
    build=_build,
    actions=frozenset(Action),
    example="""\
[profiles.demo]
platform = "demo"          # the offline simulated platform
orders = 300
seed = 7
notify = "all"             # toast status changes: "all", "followed" (f) or "none"
bell = false               # and ring the terminal bell with them
stalled_minutes = 10       # in progress with no update this long: needs attention
staff = true               # staff actions too: retry delivery, refund, mark as paid
# read_only = true         # no actions at all
""",
)
