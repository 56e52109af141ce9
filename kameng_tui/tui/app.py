"""The Textual application: wires a backend, a clock and a language to the order screen."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.worker import WorkerError

from kameng_tui.backends.base import Backend
from kameng_tui.config import ConfigError, Profile
from kameng_tui.domain.attention import DEFAULT_POLICY
from kameng_tui.domain.book import OrderBook
from kameng_tui.domain.clock import Clock, SystemClock
from kameng_tui.domain.text import clean
from kameng_tui.i18n import Lang, Messages
from kameng_tui.profiles import Profiles
from kameng_tui.settings import load_settings, save_setting
from kameng_tui.shops import Shop
from kameng_tui.store.history import HistoryStore
from kameng_tui.sync import Syncer
from kameng_tui.tui import textual_fixes
from kameng_tui.tui.commands import OrderNumbers, SystemCommands
from kameng_tui.tui.screens.orders import OrdersScreen, SearchInput
from kameng_tui.tui.widgets.footer import binding_text
from kameng_tui.tui.widgets.order_list import OrderList
from kameng_tui.tui.widgets.sidebar import FilterList

if TYPE_CHECKING:
    from kameng_tui.logfile import LogHandler

textual_fixes.apply()

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
EXIT_GRACE = 5.0  # seconds an orderly exit may take after a signal


def _force_exit(code: int) -> None:
    os._exit(code)


DEFAULT_INTERVAL = 5.0  # seconds between polls, for a profile without `interval`


def interval_of(profile: Profile, default: float = DEFAULT_INTERVAL) -> float:
    return float(profile.get("interval", default))


class KamengApp(App[None]):
    CSS_PATH = "app.tcss"
    # Textual's system commands provider reads titles as markup: ours shows them literally.
    COMMANDS = {SystemCommands, OrderNumbers}  # noqa: RUF012 (Textual API)
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
        notices: Sequence[str] = (),
        keymap: Mapping[str, str] | None = None,
        shops: Sequence[tuple[Profile, Backend]] = (),
        title: str | None = None,
    ) -> None:
        """`shops`: several profiles shown as one (their backends open; `backend` is the
        first's), each polled on its own interval; `title` names that view."""
        super().__init__()
        # `[keymap]` from the config file: Textual rebinds by id (footer included); help reads it.
        self.set_keymap(dict(keymap or {}))
        self._notices = list(notices)  # said once the app is up (e.g. running without history)
        self.after_first_frame: Callable[[], None] | None = None  # once, after its paint
        self._signals: list[int] = []
        self._exit_watchdog: threading.Timer | None = None
        self.backend = backend
        self.clock: Clock = clock or SystemClock()
        self.messages = Messages(lang)
        self.interval = interval
        self.profiles = profiles
        self.history = history
        self._read_only = read_only
        self.backends = [b for _, b in shops] if len(shops) > 1 else [backend]
        if len(shops) > 1:
            book = OrderBook()
            merged = [
                Shop(p, Syncer(b, book, self.clock, interval_of(p, interval), stamp=p.name))
                for p, b in shops
            ]
            self.syncer = merged[0].syncer
            self.orders_screen = OrdersScreen(
                merged, self.messages, shops[0][0].policy, history, title=title
            )
        else:
            self.syncer = Syncer(backend, OrderBook(), self.clock, interval)
            policy = profiles.get(profiles.current).policy if profiles else DEFAULT_POLICY
            self.orders_screen = OrdersScreen(self.syncer, self.messages, policy, history)
        self._set_width_class(self.orders_screen)
        self._localize()

    def _set_width_class(self, screen: Screen[Any]) -> None:
        """The screen's breakpoint class for the terminal's width, set before it is styled:
        Textual sets it at the first resize, and a class changed then restyles every widget
        (15-40 ms of the first frame)."""
        width = shutil.get_terminal_size().columns
        chosen = [name for least, name in self.HORIZONTAL_BREAKPOINTS if width >= least][-1:]
        screen.update_classes({name: name in chosen for _, name in self.HORIZONTAL_BREAKPOINTS})

    def get_default_screen(self) -> Screen[Any]:
        # The orders screen is the app's first screen, not pushed on top of an empty one: one
        # screen composed, styled and laid out for the first frame, not two (about 18 ms).
        # A profile switch replaces it as it replaces any screen, and Textual's switch_screen
        # takes the result callback every pushed screen has: give it one, as a push would.
        self.orders_screen._push_result_callback(self.orders_screen, None)
        return self.orders_screen

    def on_load(self) -> None:
        # The first shop's first page, asked for as the event loop starts: it comes while
        # Textual parses the styles and mounts the screen, which applies it before its first
        # layout if it is there within FIRST_PAGE_WAIT (OrdersScreen.on_mount).
        self.syncer.prefetch()

    def on_mount(self) -> None:
        theme = load_settings().get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._install_signal_handlers()
        # Problems met outside the UI (history, log): a toast each, once, from any thread.
        loop = asyncio.get_running_loop()

        def say(message: str) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the app is gone
                loop.call_soon_threadsafe(self._warn, message)

        if self.history is not None:
            self.history.on_notice = say
            self._notices += self.history.take_notices()
        handler = _log_handler()
        if handler is not None:
            handler.on_failure = say
            if handler.failed:
                self._notices.append(handler.failed)
        for message in self._notices:
            self._warn(message)
        if self.after_first_frame is not None:
            self.run_worker(self._first_frame(self.after_first_frame), exit_on_error=False)

    async def _first_frame(self, then: Callable[[], None]) -> None:
        await textual_fixes.painted(self)
        then()

    def _warn(self, message: str) -> None:
        self.notify(message, severity="warning", timeout=10, markup=False)

    async def on_unmount(self) -> None:
        self._remove_signal_handlers()
        for backend in {id(b): b for b in [self.backend, *self.backends]}.values():
            await backend.aclose()
        # Let the last history write finish. Textual's wait_for_complete raises for a worker
        # that was cancelled or failed: a poll whose HTTP request was still closing as its
        # screen went ended the exit with a crash report (WorkerCancelled; `make soak`).
        for worker in list(self.workers):
            with contextlib.suppress(WorkerError):
                await worker.wait()
        if self.history is not None:
            self.history.on_notice = None
            self.history.close()

    # -- signals and crashes ------------------------------------------------------------------

    def _install_signal_handlers(self) -> None:
        """SIGTERM, SIGHUP (the SSH connection dropped) and SIGQUIT end the app the way `q`
        does: Textual gives the terminal back (alternate screen and mouse off), history is
        closed. Without them the process died with the terminal still in the app's modes."""
        loop = asyncio.get_running_loop()
        for number in EXIT_SIGNALS:
            try:
                loop.add_signal_handler(number, self._exit_on_signal, number)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread, or no signals here
            self._signals.append(number)

    def _remove_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for number in self._signals:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(number)
        self._signals = []

    def _exit_on_signal(self, number: int) -> None:
        self.exit(return_code=128 + number)
        self._arm_exit_watchdog(128 + number)

    def _arm_exit_watchdog(self, code: int, grace: float = EXIT_GRACE) -> None:
        """After a signal the terminal may be gone (an SSH drop): Textual's restore writes can
        then wait for ever on its output queue (seen when `q` and the drop came together),
        leaving a process behind. If the orderly exit has not finished within `grace` seconds,
        end the process: SQLite keeps its last committed transaction either way."""
        if self._exit_watchdog is not None:
            return
        self._exit_watchdog = threading.Timer(grace, _force_exit, (code,))
        self._exit_watchdog.daemon = True
        self._exit_watchdog.start()

    def _handle_exception(self, error: Exception) -> None:
        """An unhandled exception ends the app. Textual's report shows every frame's local
        variables, which hold orders and their card codes: ours shows the exception's type and
        the frames only; the full report, without locals, goes to the log when there is one."""
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self._crash_report(error)

    def _fatal_error(self) -> None:
        error = sys.exc_info()[1]
        self._crash_report(error if isinstance(error, BaseException) else RuntimeError("error"))

    def _crash_report(self, error: BaseException) -> None:
        self.bell()
        logged = _log_crash(error)
        text = crash_text(error)
        if logged:
            text += f"\nThe full report (without variables) is in the log: {logged}\n"
        self._exit_renderables.append(Text(text))
        self._close_messages_no_wait()

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
                        t("palette.profile", name=clean(name, limit=64)),
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
        from kameng_tui.tui.screens.profiles import ProfilesScreen  # not for the first frame

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
            self.notify(clean(exc), severity="error", timeout=8, markup=False)
            return
        old = self.backend
        profile = profiles.get(name)
        # The profile's own interval: the one the tracker started with was the first profile's.
        interval = float(profile.get("interval", DEFAULT_INTERVAL))
        self.backend = backend
        self.syncer = Syncer(backend, OrderBook(), self.clock, interval)
        self.orders_screen = OrdersScreen(self.syncer, self.messages, profile.policy, self.history)
        self._localize()
        self.switch_screen(self.orders_screen)
        gc.unfreeze()  # start-up's objects, frozen (cli._tui), hold the old profile's: free them
        switched = self.messages("toast.switched", name=clean(name, limit=64))
        self.notify(switched, timeout=3, markup=False)
        self.run_worker(old.aclose(), exit_on_error=False)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast, its text cleaned whoever calls: a raw ESC in it would reach the terminal.
        (Callers with untrusted text also pass `markup=False`.)"""
        super().notify(
            clean(message, multiline=True),
            title=clean(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def action_help(self) -> None:
        # Not for the first frame: imported when first asked for.
        from kameng_tui.tui.screens.help import HIDDEN_KEYS, HelpScreen, describe_bindings
        from kameng_tui.tui.screens.order_detail import OrderDetailScreen

        if isinstance(self.screen, HelpScreen):
            return
        t = self.messages
        groups: list[tuple[str, list[BindingType]]] = [
            (t("help.general"), self.BINDINGS),
            (t("help.orders"), OrdersScreen.BINDINGS),
            (t("help.list"), OrderList.BINDINGS),
            (t("help.search"), SearchInput.BINDINGS),
            (t("help.sidebar"), FilterList.BINDINGS),
            (t("help.detail"), OrderDetailScreen.BINDINGS),
            (t("help.focus"), [Binding("tab", "focus_next", "", id="app.focus_next")]),
        ]
        # Textual's own keys: the palette (added in App.__init__) and ctrl+q.
        groups[0] = (t("help.general"), [*self.BINDINGS, *HIDDEN_KEYS])
        sections = describe_bindings(groups, t, self.get_key_display, self._keymap)
        mouse = [(t("help.click"), t("help.click_desc")), (t("help.wheel"), t("help.wheel_desc"))]
        sections.append((t("help.mouse"), mouse))
        self.push_screen(HelpScreen(t, sections))

    def action_help_quit(self) -> None:
        """ctrl+c (which does not quit): say how to, in the chosen language."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                shown = self.get_key_display(active.binding) or key
                self.notify(
                    self.messages("toast.help_quit", keys=shown),
                    title=self.messages("toast.help_quit_title"),
                    markup=False,
                )
                return

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
            replace(b, description=binding_text(b, messages))
            if b.id
            # Textual's palette key has no id: its footer label is ours too.
            else replace(b, description=messages("key.palette"))
            if b.action in ("command_palette", "app.command_palette")
            else b
            for b in bindings
        ]


def crash_text(error: BaseException) -> str:
    """What the terminal shows of a crash: each exception's type and its frames (file, line,
    function, the line of code). No messages and no variables: either can hold order data."""
    report = traceback.TracebackException.from_exception(error, capture_locals=False)
    parts: list[str] = []
    chain: list[traceback.TracebackException] = []
    current: traceback.TracebackException | None = report
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for index, item in enumerate(reversed(chain)):
        if index:
            parts.append("\nwhile handling it, another exception:\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(item.stack.format())
        parts.append(f"{_name(item)}\n")
    return clean("".join(parts), multiline=True, limit=20_000)


def _name(report: traceback.TracebackException) -> str:
    kind = report.exc_type
    if kind is None:
        return "Exception"
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def _log_handler() -> LogHandler | None:
    from kameng_tui.cli import log_handler

    return log_handler()


def _log_crash(error: BaseException) -> str | None:
    """The full report, scrubbed of variables, to the log if one is open: where it is."""
    handler = _log_handler()
    if handler is None:
        return None
    report = "".join(traceback.TracebackException.from_exception(error).format())
    logging.getLogger("kameng_tui.crash").error("crashed:\n%s", clean(report, multiline=True))
    return str(getattr(handler, "baseFilename", "")) or None
