"""The Textual application: wires a backend, a clock and a language to the order screen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen
from textual.theme import Theme

from kameng_tui.backends.base import Backend
from kameng_tui.config import ConfigError
from kameng_tui.domain.attention import DEFAULT_POLICY
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import Clock, SystemClock
from kameng_tui.i18n import Lang, Messages
from kameng_tui.profiles import Profiles
from kameng_tui.settings import load_settings, save_setting
from kameng_tui.store.history import HistoryStore
from kameng_tui.sync import Syncer
from kameng_tui.tui import textual_fixes
from kameng_tui.tui.commands import OrderNumbers
from kameng_tui.tui.screens.help import HelpScreen, binding_text, describe_bindings
from kameng_tui.tui.screens.orders import OrdersScreen, SearchInput
from kameng_tui.tui.screens.profiles import ProfilesScreen
from kameng_tui.tui.widgets.order_list import OrderList

textual_fixes.apply()


class KamengApp(App[None]):
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {OrderNumbers}
    TITLE = "kameng-tui"
    # Details go beside the list only where both keep enough room; below it otherwise.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (170, "-wide")]  # noqa: RUF012 (Textual API)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("P", "profiles", "Profiles", show=False, id="app.profiles"),
    ]

    def __init__(
        self,
        backend: Backend,
        *,
        lang: Lang = Lang.EN,
        interval: float = 5.0,
        clock: Clock | None = None,
        profiles: Profiles | None = None,
        history: HistoryStore | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.clock: Clock = clock or SystemClock()
        self.messages = Messages(lang)
        self.interval = interval
        self.profiles = profiles
        self.history = history
        self._read_only = read_only
        self.syncer = Syncer(backend, OrderBook(), self.clock, interval)
        policy = profiles.get(profiles.current).policy if profiles else DEFAULT_POLICY
        self.orders_screen = OrdersScreen(self.syncer, self.messages, policy, history)
        self._localize()

    def on_mount(self) -> None:
        theme = load_settings().get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.push_screen(self.orders_screen)

    async def on_unmount(self) -> None:
        await self.backend.aclose()
        await self.workers.wait_for_complete()  # let the last history write finish
        if self.history is not None:
            self.history.close()

    # -- profiles -----------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        t = self.messages
        if isinstance(screen, OrdersScreen):
            for title, help_key, action in (
                (t("key.attention"), "keyhelp.attention", screen.action_attention),
                (t("col.urgency"), "palette.urgency", screen.action_sort_urgency),
                (t("key.pin"), "keyhelp.pin", screen.action_pin),
                (t("key.copy_no"), "keyhelp.copy_no", screen.action_copy_order_no),
                (t("key.refresh"), "keyhelp.refresh", screen.action_refresh),
                (t("key.pause"), "keyhelp.pause", screen.action_pause),
                (t("key.lang"), "keyhelp.lang", self.toggle_lang),
            ):
                yield SystemCommand(title, t(help_key), action)
            for order_action in screen.allowed_actions():
                name = t(f"action.{order_action.value}")
                yield SystemCommand(
                    t("palette.action", action=name),
                    t("keyhelp.actions"),
                    partial(screen.start_action, order_action),
                )
        if self.profiles is not None:
            for name in self.profiles.names:
                if name != self.profiles.current:
                    yield SystemCommand(
                        t("palette.profile", name=name),
                        t("keyhelp.profiles"),
                        partial(self._switch_profile, name),
                    )

    @property
    def read_only(self) -> bool:
        """--read-only, or `read_only = true` in the current profile: no actions at all."""
        if self._read_only:
            return True
        profiles = self.profiles
        return bool(profiles and profiles.get(profiles.current).get("read_only", False))

    def _theme_changed(self, theme: Theme) -> None:
        save_setting("theme", theme.name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "profiles":
            return self.profiles is not None and len(self.profiles.names) > 1
        return True

    def action_profiles(self) -> None:
        profiles = self.profiles
        if profiles is None or not isinstance(self.screen, OrdersScreen):
            return
        choices = [(name, profiles.get(name).platform) for name in profiles.names]
        self.push_screen(
            ProfilesScreen(self.messages, choices, profiles.current), self._switch_profile
        )

    def _switch_profile(self, name: str | None) -> None:
        profiles = self.profiles
        if profiles is None or name is None or name == profiles.current:
            return
        try:
            backend = profiles.open(name)
        except ConfigError as exc:
            self.notify(str(exc), severity="error", timeout=8, markup=False)
            return
        old = self.backend
        profile = profiles.get(name)
        interval = float(profile.get("interval", self.interval))
        self.backend = backend
        self.syncer = Syncer(backend, OrderBook(), self.clock, interval)
        self.orders_screen = OrdersScreen(self.syncer, self.messages, profile.policy, self.history)
        self._localize()
        self.switch_screen(self.orders_screen)
        self.notify(self.messages("toast.switched", name=name), timeout=3, markup=False)
        self.run_worker(old.aclose(), exit_on_error=False)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        t = self.messages
        groups: list[tuple[str, list[BindingType]]] = [
            (t("help.general"), self.BINDINGS),
            (t("help.orders"), OrdersScreen.BINDINGS),
            (t("help.list"), OrderList.BINDINGS),
            (t("help.search"), SearchInput.BINDINGS),
            (t("help.focus"), [Binding("tab", "focus_next", "", id="app.focus_next")]),
        ]
        sections = describe_bindings(groups, t, self.get_key_display)
        mouse = [(t("help.click"), t("help.click_desc")), (t("help.wheel"), t("help.wheel_desc"))]
        sections.append((t("help.mouse"), mouse))
        self.push_screen(HelpScreen(t, sections))

    def toggle_lang(self) -> None:
        lang = Lang.ZH if self.messages.lang is Lang.EN else Lang.EN
        self.messages = Messages(lang)
        self._localize()
        self.orders_screen.set_messages(self.messages)
        self.refresh_bindings()

    def _localize(self) -> None:
        for node in (self, self.orders_screen, self.orders_screen.order_list):
            localize_bindings(node, self.messages)


def localize_bindings(node: DOMNode, messages: Messages) -> None:
    """Give a node's bindings their descriptions in the current language (footer and help)."""
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            replace(b, description=binding_text(b, messages)) if b.id else b for b in bindings
        ]
