"""The search language of `/` and of `kameng-tui orders --query`, in one place.

    status:failed type:phone age:>10m label:库存 shop text

- `key:value` narrows on one field; the keys are `status`, `type`, `age`, `label`, `account`,
  `merchant`, `product`, `no` and `shop` (also their Chinese names 状态, 类型, 时长, 标签, 账号,
  商家, 商品, 单号, 店铺; a full-width colon `：` works too).
- `status` and `type` take a canonical name (`failed`, `phone_topup`), a Chinese name (发货失败,
  话费充值), a short name (`unpaid`, `done`, `phone`, `game`) or the start of any of them; a
  prefix that fits several takes them all, and repeating the key (or `status:failed,abnormal`)
  takes either.
- `age` is the time since the order's last update: `age:>10m`, `age:<2h`, `age:>=1d`; units
  s, m, h, d; a bare `age:10m` means at least that old.
- `label`, `account` (e-mail or phone), `merchant`, `product` and `no` match part of the field,
  ignoring case.
- Other words (and `word:…` with a key not listed, such as a time or a URL) must each appear
  somewhere: the order number, product, account, merchant or label. Double quotes keep spaces:
  `label:"系统 维护"`.

Matching is built for 100,000 orders per keystroke: every order has one casefolded text of its
searchable fields (kept by the caller, see `search_blob`), each word is one `in` test on it in a
list comprehension, and a field key first narrows by that text, then checks the field only on
what is left.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import msgspec

from kameng_tui.domain.order import Order, shop_label
from kameng_tui.domain.status import PRODUCT_TYPE_ZH, STATUS_ZH, OrderStatus, ProductType

TEXT_KEYS = ("label", "account", "merchant", "product", "no", "shop")
KEYS = ("status", "type", "age", *TEXT_KEYS)
_KEY_ALIASES = {
    **{key: key for key in KEYS},
    "状态": "status",
    "类型": "type",
    "时长": "age",
    "标签": "label",
    "账号": "account",
    "商家": "merchant",
    "商品": "product",
    "单号": "no",
    "店铺": "shop",
    "order": "no",
}
# Other names people use for a status or a type, beside the canonical and the Chinese one.
_STATUS_NAMES: dict[OrderStatus, tuple[str, ...]] = {
    OrderStatus.PENDING_PAYMENT: ("unpaid", "pending"),
    OrderStatus.COMPLETED: ("done", "delivered"),
    OrderStatus.CANCELLED: ("canceled",),
}
_TYPE_NAMES: dict[ProductType, tuple[str, ...]] = {
    ProductType.GAME_CARD: ("game", "card"),
    ProductType.PHONE_TOPUP: ("phone", "topup", "top-up"),
    ProductType.VIRTUAL_SERVICE: ("service", "virtual"),
}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_OPERATORS = (">=", "<=", ">", "<")


class QueryError(ValueError):
    """A query that cannot be read. `code` and `params` name a catalogue text
    (`query.error.<code>`); `str()` is the English one."""

    def __init__(self, code: str, **params: str) -> None:
        self.code = code
        self.params = params
        super().__init__(_ENGLISH[code].format(**params))


_ENGLISH = {
    "quote": "a quote is not closed",
    "empty": "{field}: needs a value, e.g. {example}",
    "status": "status:{value}: no such status; one of {choices}",
    "type": "type:{value}: no such type; one of {choices}",
    "age": "age:{value}: use <, > and a number with s, m, h or d, e.g. age:>10m",
}
_EXAMPLES = {
    "status": "status:failed",
    "type": "type:phone",
    "age": "age:>10m",
    "label": "label:库存",
    "account": "account:@qq.com",
    "merchant": "merchant:星辰",
    "product": "product:Q币",
    "no": "no:KM0001",
}


class AgeBound(msgspec.Struct, frozen=True):
    operator: str  # ">", ">=", "<", "<="
    seconds: float


class Query(msgspec.Struct, frozen=True):
    """A parsed query. Empty sets and tuples put no condition."""

    statuses: frozenset[OrderStatus] = frozenset()
    types: frozenset[ProductType] = frozenset()
    ages: tuple[AgeBound, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()  # (key, casefolded value)
    words: tuple[str, ...] = ()  # casefolded

    @property
    def is_empty(self) -> bool:
        return self == _EMPTY

    @property
    def has_text(self) -> bool:
        """Whether matching needs the orders' search texts."""
        return bool(self.fields or self.words)


_EMPTY = Query()


def search_blob(order: Order) -> str:
    """The casefolded text free words are looked for in: number, product, account, merchant,
    label. NUL-separated, so a word cannot match across two fields."""
    label = order.label.text if order.label is not None else ""
    shop = f"\0{shop_label(order.shop)}" if order.shop else ""
    return (
        f"{order.order_no}\0{order.product_name}\0{order.account}\0{order.merchant}\0{label}{shop}"
    ).casefold()


# -- parsing ------------------------------------------------------------------------------------


def parse(text: str) -> Query:
    """The query `text` says; QueryError when it cannot be read."""
    statuses: set[OrderStatus] = set()
    types: set[ProductType] = set()
    ages: list[AgeBound] = []
    fields: list[tuple[str, str]] = []
    words: list[str] = []
    for token in _tokens(text):
        key, value = _split(token)
        if key is None:
            if value:
                words.append(value.casefold())
            continue
        if not value:
            raise QueryError("empty", field=key, example=_EXAMPLES[key])
        if key == "status":
            for part in _parts(value):
                statuses |= {OrderStatus(v) for v in _choose("status", part, _status_names())}
        elif key == "type":
            for part in _parts(value):
                types |= {ProductType(v) for v in _choose("type", part, _type_names())}
        elif key == "age":
            ages.append(_age(value))
        else:
            fields.append((key, value.casefold()))
    return Query(frozenset(statuses), frozenset(types), tuple(ages), tuple(fields), tuple(words))


def _tokens(text: str) -> list[str]:
    """Whitespace-separated tokens; double quotes keep spaces and are dropped."""
    tokens: list[str] = []
    current: list[str] = []
    quoted = False
    started = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            started = True
        elif ch.isspace() and not quoted:
            if started:
                tokens.append("".join(current))
            current, started = [], False
        else:
            current.append(ch)
            started = True
    if quoted:
        raise QueryError("quote")
    if started:
        tokens.append("".join(current))
    return tokens


def _split(token: str) -> tuple[str | None, str]:
    """(key, value) of `key:value` with a known key, else (None, token)."""
    for colon in (":", "："):
        name, sep, value = token.partition(colon)
        if sep:
            key = _KEY_ALIASES.get(name.casefold())
            if key is not None:
                return key, value
    return None, token


def _parts(value: str) -> list[str]:
    return [part for part in value.replace("，", ",").split(",") if part]


def _status_names() -> dict[str, tuple[str, ...]]:
    return {s.value: (s.value, STATUS_ZH[s], *_STATUS_NAMES.get(s, ())) for s in OrderStatus}


def _type_names() -> dict[str, tuple[str, ...]]:
    return {p.value: (p.value, PRODUCT_TYPE_ZH[p], *_TYPE_NAMES.get(p, ())) for p in ProductType}


def _choose(key: str, value: str, names: dict[str, tuple[str, ...]]) -> set[str]:
    """The statuses (or types) `value` names: an exact name, else every one it starts (for a
    Chinese name, every one it is part of: 失败 is 发货失败)."""
    wanted = value.casefold()
    exact = {v for v, aliases in names.items() if any(wanted == a.casefold() for a in aliases)}
    if exact:
        return exact
    found = {
        v
        for v, aliases in names.items()
        if any(
            a.casefold().startswith(wanted) or (not a.isascii() and wanted in a) for a in aliases
        )
    }
    if not found:
        raise QueryError(key, value=value, choices=", ".join(names))
    return found


def _age(value: str) -> AgeBound:
    operator = next((op for op in _OPERATORS if value.startswith(op)), ">=")
    amount = value[len(operator) :] if value.startswith(operator) else value
    unit = amount[-1:].casefold()
    try:
        number = float(amount[:-1])
    except ValueError:
        raise QueryError("age", value=value) from None
    if unit not in _UNITS or number < 0 or number != number or number == float("inf"):
        raise QueryError("age", value=value)
    return AgeBound(operator, number * _UNITS[unit])


def refines(new: Query, old: Query) -> bool:
    """Whether every order `new` matches is one `old` matches, as when typing on: same
    statuses and types, no ages (they move with the clock), and each word and field value
    of `old` part of the same one in `new` (more words only narrow further)."""
    if new.statuses != old.statuses or new.types != old.types or new.ages or old.ages:
        return False
    if not old.has_text or len(new.fields) != len(old.fields) or len(new.words) < len(old.words):
        return False
    fields = all(
        key == old_key and old_value in value
        for (key, value), (old_key, old_value) in zip(new.fields, old.fields, strict=True)
    )
    return fields and all(w in n for w, n in zip(old.words, new.words, strict=False))


# -- matching -----------------------------------------------------------------------------------


def narrow_enums(rows: list[Order], query: Query) -> list[Order]:
    """Only the rows of the query's statuses and types, in their order."""
    if query.statuses:
        statuses = query.statuses
        rows = [o for o in rows if o.status in statuses]
    if query.types:
        types = query.types
        rows = [o for o in rows if o.product_type in types]
    return rows


def narrow_text(
    rows: list[Order], query: Query, now: datetime, blobs: Mapping[str, str] | None = None
) -> list[Order]:
    """Only the rows that match the query's words, fields and ages, in their order.

    `blobs` maps order keys to `search_blob`; without it each row's is made here."""
    if query.has_text:
        if blobs is None:
            blobs = {o.key: search_blob(o) for o in rows}
        # Every word and field value must be in the order's text: cheap tests on one string.
        for needle in (*query.words, *(value for _, value in query.fields)):
            rows = [o for o in rows if needle in blobs[o.key]]
        for key, value in query.fields:
            rows = _narrow_field(rows, key, value)
    for bound in query.ages:
        # Older than X is updated before now - X: one comparison per row.
        cutoff = now - timedelta(seconds=bound.seconds)
        if bound.operator == ">":
            rows = [o for o in rows if o.updated_at < cutoff]
        elif bound.operator == ">=":
            rows = [o for o in rows if o.updated_at <= cutoff]
        elif bound.operator == "<":
            rows = [o for o in rows if o.updated_at > cutoff]
        else:
            rows = [o for o in rows if o.updated_at >= cutoff]
    return rows


def _narrow_field(rows: list[Order], key: str, value: str) -> list[Order]:
    if key == "label":
        return [o for o in rows if o.label is not None and value in o.label.text.casefold()]
    if key == "account":
        return [o for o in rows if value in o.account.casefold()]
    if key == "merchant":
        return [o for o in rows if value in o.merchant.casefold()]
    if key == "product":
        return [o for o in rows if value in o.product_name.casefold()]
    if key == "shop":
        return [o for o in rows if value in shop_label(o.shop).casefold()]
    return [o for o in rows if value in o.order_no.casefold()]


def select(orders: Iterable[Order], query: Query, now: datetime) -> list[Order]:
    """The orders that match the query, in their order (what the command line prints)."""
    return narrow_text(narrow_enums(list(orders), query), query, now)
