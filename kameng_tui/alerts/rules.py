"""Alert rules (`[[alerts]]` in the config) and what they make of a poll's changes.

Pure domain: no Textual, no SQLite, no network. A `Change` is one thing that happened to one
order (a status transition, or a new attention reason); `evaluate` gives, per rule, the alerts
it asks for, each with a dedup key (rule, profile, order number, transition) so that the outbox
holds at most one alert per rule and transition, whatever restarts happen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, TypeVar

import msgspec

from kameng_tui.config import Config, ConfigError
from kameng_tui.domain.attention import Attention, attention_reasons
from kameng_tui.domain.order import Order
from kameng_tui.domain.playbook import next_step_keys
from kameng_tui.domain.status import LabelCode, OrderStatus, ProductType
from kameng_tui.domain.text import clean
from kameng_tui.i18n import Lang, Messages

RULE_KEYS = frozenset(
    {
        "name",
        "to_env",
        "statuses",
        "attention",
        "followed",
        "types",
        "profiles",
        "labels",
        "quiet_hours",
        "burst",
    }
)
DEFAULT_BURST = 10
_E = TypeVar("_E", bound=StrEnum)


class QuietHours(msgspec.Struct, frozen=True):
    """A daily window, local time, in which alerts are held; it may span midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
        if match is None:
            raise ValueError('must look like "23:00-08:00"')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError("hours 0 to 23, minutes 0 to 59")
        if (h1, m1) == (h2, m2):
            raise ValueError("start and end are the same time")
        return cls(time(h1, m1), time(h2, m2))

    def end_after(self, now: datetime, tz: tzinfo | None = None) -> datetime | None:
        """When the quiet window holding `now` ends; None when `now` is not in one."""
        local = now.astimezone(tz)
        at = local.time().replace(tzinfo=None)
        if self.start < self.end:
            inside = self.start <= at < self.end
        else:
            inside = at >= self.start or at < self.end
        if not inside:
            return None
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end


class Rule(msgspec.Struct, frozen=True):
    name: str
    to_env: str
    statuses: frozenset[OrderStatus] = frozenset()
    attention: frozenset[Attention] = frozenset()
    followed: bool = False
    types: frozenset[ProductType] = frozenset()
    profiles: frozenset[str] = frozenset()
    labels: frozenset[LabelCode] = frozenset()
    quiet_hours: QuietHours | None = None
    burst: int = DEFAULT_BURST

    def urls(self, environ: Mapping[str, str]) -> list[str]:
        """The notification URLs in the rule's variable (space or comma separated)."""
        return [u for u in re.split(r"[\s,]+", environ.get(self.to_env, "")) if u]


def _members(value: object, enum: type[_E], where: str, path: Any) -> frozenset[_E]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ConfigError(path, where, "must be a list of names")
    chosen: set[_E] = set()
    for item in items:
        try:
            chosen.add(enum(item.strip().lower().replace("-", "_").replace(" ", "_")))
        except ValueError:
            choices = ", ".join(m.value for m in enum)
            raise ConfigError(path, where, f"{item!r} is not one of {choices}") from None
    return frozenset(chosen)


def parse_rule(index: int, table: Mapping[str, Any], path: Any = None) -> Rule:
    where = f"alerts[{index}]"
    unknown = sorted(set(table) - RULE_KEYS)
    if unknown:
        raise ConfigError(path, f"{where}.{unknown[0]}", "unknown key")
    name = table.get("name", f"alert{index + 1}")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(path, f"{where}.name", "must be a non-empty string")
    where = f"alerts.{name}"
    to_env = table.get("to_env")
    if not isinstance(to_env, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", to_env):
        raise ConfigError(
            path,
            f"{where}.to_env",
            "must name the environment variable holding the notification URLs "
            "(URLs carry tokens: never in this file)",
        )
    profiles = table.get("profiles", [])
    if isinstance(profiles, str):
        profiles = [profiles]
    if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
        raise ConfigError(path, f"{where}.profiles", "must be a list of profile names")
    followed = table.get("followed", False)
    if not isinstance(followed, bool):
        raise ConfigError(path, f"{where}.followed", "must be true or false")
    quiet = None
    if "quiet_hours" in table:
        text = table["quiet_hours"]
        if not isinstance(text, str):
            raise ConfigError(path, f"{where}.quiet_hours", 'must look like "23:00-08:00"')
        try:
            quiet = QuietHours.parse(text)
        except ValueError as exc:
            raise ConfigError(path, f"{where}.quiet_hours", str(exc)) from None
    burst = table.get("burst", DEFAULT_BURST)
    if isinstance(burst, bool) or not isinstance(burst, int) or not 1 <= burst <= 10_000:
        raise ConfigError(path, f"{where}.burst", "must be a whole number from 1 to 10,000")
    return Rule(
        name=name.strip(),
        to_env=to_env,
        statuses=_members(table.get("statuses", []), OrderStatus, f"{where}.statuses", path),
        attention=_members(table.get("attention", []), Attention, f"{where}.attention", path),
        followed=followed,
        types=_members(table.get("types", []), ProductType, f"{where}.types", path),
        profiles=frozenset(profiles),
        labels=_members(table.get("labels", []), LabelCode, f"{where}.labels", path),
        quiet_hours=quiet,
        burst=burst,
    )


def parse_rules(config: Config) -> list[Rule]:
    """Every rule of the configuration; ConfigError for the first mistake."""
    rules = [parse_rule(i, table, config.path) for i, table in enumerate(config.alerts)]
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise ConfigError(config.path, f"alerts.{rule.name}", "two rules have this name")
        seen.add(rule.name)
        unknown = sorted(rule.profiles - set(config.profiles) - {"demo"})
        if unknown:
            raise ConfigError(config.path, f"alerts.{rule.name}.profiles", f"no {unknown[0]!r}")
    return rules


def alert_problems(config: Config, environ: Mapping[str, str]) -> list[str]:
    """What `config check` says about `[[alerts]]`: mistakes, unset variables, warnings."""
    try:
        rules = parse_rules(config)
    except ConfigError as exc:
        return [str(exc)]
    problems: list[str] = []
    for rule in rules:
        if not rule.urls(environ):
            problems.append(f"alerts.{rule.name}.to_env: {rule.to_env} is not set")
    return problems


# -- changes and alerts -----------------------------------------------------------------------


class Change(msgspec.Struct, frozen=True):
    """One order, new in a status or newly needing attention for a reason."""

    profile: str
    order: Order
    old_status: OrderStatus | None  # None: attention only, the status did not move
    reason: Attention | None = None
    followed: bool = False  # followed in the tracker (`f`), as its settings file says

    @property
    def transition(self) -> str:
        """What happened, for the dedup key and `kameng-tui alerts`."""
        if self.reason is not None:
            return f"+{self.reason.value}"
        old = self.old_status.value if self.old_status else "new"
        return f"{old}->{self.order.status.value}"

    @property
    def key(self) -> str:
        """Stable across restarts: the same transition of the same order at the same update."""
        return f"{self.profile}\x1f{self.order.key}\x1f{self.transition}@" + (
            self.order.updated_at.isoformat()
        )


State = tuple[OrderStatus, frozenset[Attention]]
_STATES: dict[tuple[OrderStatus, frozenset[Attention]], State] = {}


def state_of(status: OrderStatus, reasons: Iterable[Attention]) -> State:
    """What the watcher remembers of an order, one shared object per distinct state: a few
    dozen exist, and a 100,000-order shop would otherwise hold 200,000 tuples and sets."""
    key = (status, frozenset(reasons))
    return _STATES.setdefault(key, key)


def changes_of(
    profile: str,
    old: tuple[OrderStatus, frozenset[Attention]] | None,
    order: Order,
    reasons: Iterable[Attention],
    followed: bool = False,
) -> list[Change]:
    """What is new for one order against what was last seen of it (None: never seen)."""
    found: list[Change] = []
    before, before_reasons = old if old is not None else (None, frozenset[Attention]())
    if old is not None and before is not order.status:
        found.append(Change(profile, order, before, None, followed))
    for reason in reasons:
        if reason not in before_reasons:
            found.append(Change(profile, order, None, reason, followed))
    return found


def matches(rule: Rule, change: Change) -> bool:
    order = change.order
    if rule.followed and not change.followed:
        return False
    if rule.profiles and change.profile not in rule.profiles:
        return False
    if rule.types and order.product_type not in rule.types:
        return False
    if rule.labels and (order.label is None or order.label.code not in rule.labels):
        return False
    if change.reason is None:
        return bool(rule.statuses) and order.status in rule.statuses
    return bool(rule.attention) and change.reason in rule.attention


class Alert(msgspec.Struct, frozen=True):
    """One alert of one rule, with its text already in the chosen language."""

    rule: str
    profile: str
    order_no: str
    transition: str
    key: str  # rule + change key: the outbox keeps one row per key
    line: str  # one line, for digests
    title: str
    body: str


_TEXTS: dict[str, tuple[str, str]] = {
    "shop": ("Shop", "店铺"),
    "order": ("Order", "订单"),
    "product": ("Product", "商品"),
    "status": ("Status", "状态"),
    "label": ("Label", "原因"),
    "attention": ("Needs attention", "需要处理"),
    "next": ("Next", "下一步"),
    "rule": ("Rule", "规则"),
    "none": ("none", "无"),
    "new": ("new", "新订单"),
    "digest": ("{n} order changes", "{n} 个订单变化"),
}


def text(lang: Lang, key: str, **params: object) -> str:
    en, zh = _TEXTS[key]
    chosen = en if lang is Lang.EN else zh
    return chosen.format(**params) if params else chosen


def describe(
    rule: Rule, change: Change, lang: Lang, now: datetime, policy_reasons: Sequence[Attention]
) -> Alert:
    """The alert's texts: shop, order number, product, old → new status, label, next step."""
    m = Messages(lang)
    order = change.order
    shop = clean(change.profile, limit=64)
    number = clean(order.order_no, limit=64)
    product = clean(order.product_name, limit=120)
    new = m.enum("status", order.status)
    if change.reason is None:
        old = m.enum("status", change.old_status) if change.old_status else text(lang, "new")
        moved = f"{old} → {new}"
    else:
        moved = f"{new} · {m.enum('attention', change.reason)}"
    label = clean(order.label.text, limit=200) if order.label else text(lang, "none")
    steps = " ".join(m(k) for k in next_step_keys(order, tuple(policy_reasons)) if m.has(k))
    title = f"[{shop}] {number} {moved}"
    lines = [
        f"{text(lang, 'shop')}: {shop}",
        f"{text(lang, 'order')}: {number}",
        f"{text(lang, 'product')}: {product}",
        f"{text(lang, 'status')}: {moved}",
        f"{text(lang, 'label')}: {label}",
    ]
    if steps:
        lines.append(f"{text(lang, 'next')}: {steps}")
    lines.append(f"{text(lang, 'rule')}: {clean(rule.name, limit=64)}")
    line = f"[{shop}] {number} · {product} · {moved} · {label}"
    return Alert(
        rule.name,
        change.profile,
        order.order_no,
        change.transition,
        f"{rule.name}\x1f{change.key}",
        line,
        title,
        "\n".join(lines),
    )


def evaluate(
    rules: Sequence[Rule], changes: Sequence[Change], lang: Lang, now: datetime
) -> dict[str, list[Alert]]:
    """Per rule name, the alerts these changes ask for (rules asking none are left out)."""
    found: dict[str, list[Alert]] = {}
    for rule in rules:
        alerts = [
            describe(rule, change, lang, now, attention_reasons(change.order, now))
            for change in changes
            if matches(rule, change)
        ]
        if alerts:
            found[rule.name] = alerts
    return found


def digest(lang: Lang, alerts: Sequence[Alert]) -> tuple[str, str]:
    """One message (title, body) for several alerts."""
    title = text(lang, "digest", n=len(alerts))
    return title, "\n".join(a.line for a in alerts)
