"""The keys a `[keymap]` table in the config file may remap, and which are active together.

One catalogue for `kameng-tui config check` (unknown ids, clashes) and the README's list of
binding ids. Each context is one place in the app, with every binding active there at once:
the focused widget's, its screen's and (outside modal dialogs) the app's, plus the keys Textual
binds itself (those have no id of ours and cannot be remapped).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding, BindingType
from textual.keys import _normalize_key_list

# Textual's own keys, active on every screen: the palette and ctrl+q (priority bindings of the
# app), tab / shift+tab / ctrl+c (every screen's). Named for messages; not remappable.
FIXED_PREFIX = "textual."
TEXTUAL_KEYS: list[Binding] = [
    Binding("ctrl+p", "command_palette", id="textual.palette"),
    Binding("ctrl+q", "quit", id="textual.quit"),
    Binding("tab", "focus_next", id="textual.focus_next"),
    Binding("shift+tab", "focus_previous", id="textual.focus_previous"),
    Binding("ctrl+c", "copy_text", id="textual.copy"),
]


def _ids(bindings: list[BindingType]) -> list[Binding]:
    return [b for b in bindings if isinstance(b, Binding) and b.id is not None]


def binding_contexts() -> list[tuple[str, list[Binding]]]:
    """Per place in the app, (name, the bindings active there together), ours first."""
    from kameng_tui.tui.app import KamengApp
    from kameng_tui.tui.screens.changes import ChangeLogScreen
    from kameng_tui.tui.screens.help import HelpScreen
    from kameng_tui.tui.screens.order_detail import OrderDetailScreen
    from kameng_tui.tui.screens.orders import OrdersScreen, SearchInput
    from kameng_tui.tui.screens.profiles import (
        ChoiceScreen,
        ConfirmScreen,
        ProfilesScreen,
        PromptScreen,
    )
    from kameng_tui.tui.screens.shops import ShopsScreen
    from kameng_tui.tui.screens.stats import StatsScreen
    from kameng_tui.tui.widgets.order_list import OrderList
    from kameng_tui.tui.widgets.sidebar import FilterList

    app = _ids(KamengApp.BINDINGS)
    orders = [*_ids(OrdersScreen.BINDINGS), *app]
    contexts: list[tuple[str, list[Binding]]] = [
        ("order list", [*_ids(OrderList.BINDINGS), *orders]),
        ("search", [*_ids(SearchInput.BINDINGS), *orders]),
        ("sidebar", [*_ids(FilterList.BINDINGS), *orders]),
        ("order details", [*_ids(OrderDetailScreen.BINDINGS), *app]),
        # Modal dialogs: the app's own keys do not reach past them.
        ("change log", _ids(ChangeLogScreen.BINDINGS)),
        ("help", _ids(HelpScreen.BINDINGS)),
        ("stats", _ids(StatsScreen.BINDINGS)),
        ("shops", _ids(ShopsScreen.BINDINGS)),
        ("profiles", _ids(ProfilesScreen.BINDINGS)),
        ("prompt", _ids(PromptScreen.BINDINGS)),
        ("confirm", _ids(ConfirmScreen.BINDINGS)),
        ("choice", _ids(ChoiceScreen.BINDINGS)),
    ]
    return [(name, [*bindings, *TEXTUAL_KEYS]) for name, bindings in contexts]


def binding_ids() -> list[str]:
    """Every id a `[keymap]` may remap, in the order the app declares them."""
    seen: dict[str, None] = {}
    for _, bindings in binding_contexts():
        for binding in bindings:
            assert binding.id is not None
            if not binding.id.startswith(FIXED_PREFIX):
                seen.setdefault(binding.id)
    return list(seen)


def normalize_keys(keys: str) -> list[str]:
    """Comma-separated keys in Textual's long form ("?" is "question_mark"), without repeats."""
    return list(dict.fromkeys(k for k in _normalize_key_list(keys).split(",") if k))


def keymap_problems(keymap: Mapping[str, str]) -> list[str]:
    """What is wrong with a keymap: ids that are not ours, then keys two bindings active
    together would share once it applies (only where the keymap gave at least one of them the
    key: the defaults' own overlaps, like `escape` in the search box, are meant)."""
    known = set(binding_ids())
    problems = [
        f"keymap: unknown binding id {binding_id!r}"
        for binding_id in keymap
        if binding_id not in known
    ]
    mapped = {binding_id: normalize_keys(keys) for binding_id, keys in keymap.items()}
    seen: set[tuple[str, str, str]] = set()
    for name, bindings in binding_contexts():
        holders: dict[str, list[tuple[str, bool]]] = {}  # key -> [(binding id, remapped)]
        for binding in bindings:
            assert binding.id is not None
            remapped = binding.id in mapped
            keys = mapped[binding.id] if remapped else normalize_keys(binding.key)
            for key in keys:
                holders.setdefault(key, []).append((binding.id, remapped))
        for key, ids in holders.items():
            for index, (first, first_remapped) in enumerate(ids):
                for second, second_remapped in ids[index + 1 :]:
                    if first == second or not (first_remapped or second_remapped):
                        continue
                    low, high = sorted((first, second))
                    if (low, high, key) in seen:
                        continue
                    seen.add((low, high, key))
                    problems.append(
                        f"keymap: {low!r} and {high!r} both use key {key!r} "
                        f"(active together in the {name})"
                    )
    return problems
