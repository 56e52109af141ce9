"""Pick another profile (`P`), and type an order number to watch (`w`); the dialogs of actions.

Titles, questions and labels here may hold an order number or a profile name: they are shown as
text (`Content`/`Text`, never read as markup) and cleaned (control characters made visible).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kameng_tui.domain.text import clean
from kameng_tui.i18n import Messages
from kameng_tui.tui.screens.dialog import Dialog
from kameng_tui.tui.widgets.inputs import CleanInput


def literal(text: str) -> Content:
    """A title or border title shown as it is: Textual reads a `str` there as markup (a "[/b]"
    in an order number raised MarkupError), and obeys no control character only once cleaned."""
    return Content(clean(text))


class ProfilesScreen(Dialog[str | None]):
    """The profiles of the configuration; Enter switches, Esc keeps the current one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="profiles.cancel"),
    ]

    def __init__(self, messages: Messages, profiles: list[tuple[str, str]], current: str) -> None:
        super().__init__()
        self.t = messages
        self.profiles = profiles  # (name, platform)
        self.current = current

    def compose(self) -> Iterator[Widget]:
        options = []
        for name, platform in self.profiles:
            prompt = Text(clean(name), style="bold" if name == self.current else "")
            prompt.append(f"  {self.t(f'platform.{platform}')}", style="dim")
            options.append(Option(prompt, id=name))
        with Vertical(id="profiles-dialog") as dialog:
            dialog.border_title = literal(self.t("profiles.title"))
            dialog.border_subtitle = literal(self.t("profiles.footer"))
            yield OptionList(*options, id="profiles-list")

    def on_mount(self) -> None:
        names = [name for name, _ in self.profiles]
        options = self.query_one(OptionList)
        options.highlighted = names.index(self.current) if self.current in names else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptScreen(Dialog[str | None]):
    """One line of input; Enter gives it, Esc gives None.

    `value` prefills it; `check` returns why a value cannot be used (shown under the input,
    which stays open); `required` says what to do when Enter is pressed on nothing (otherwise
    that gives None, as Esc does). The keys are shown on the border."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(
        self,
        title: str,
        placeholder: str,
        *,
        keys: str = "",
        value: str = "",
        check: Callable[[str], str | None] | None = None,
        required: str | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.keys_text = keys
        self.value = value
        self.check = check
        self.required = required
        self.problem = Static("", id="prompt-problem")

    def compose(self) -> Iterator[Widget]:
        with Vertical(id="prompt-dialog") as dialog:
            dialog.border_title = literal(self.title_text)
            if self.keys_text:
                dialog.border_subtitle = literal(self.keys_text)
            yield CleanInput(
                value=clean(self.value), placeholder=clean(self.placeholder), id="prompt-input"
            )
            yield self.problem

    def on_mount(self) -> None:
        self.problem.display = False

    def say(self, problem: str | None) -> None:
        """Show why Enter did not close the prompt (None hides it)."""
        self.problem.update(Text(clean(problem or "", multiline=False)))
        self.problem.display = problem is not None

    def on_input_changed(self, event: CleanInput.Changed) -> None:
        event.stop()
        self.say(None)

    def on_input_submitted(self, event: CleanInput.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if not value and self.required is not None:
            self.say(self.required)
            return
        problem = self.check(value) if value and self.check is not None else None
        if problem is not None:
            self.say(problem)
            return
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(Dialog[bool]):
    """Yes or no, for anything that moves money or delivery."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, question: str, keys: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.keys_text = keys

    def compose(self) -> Iterator[Widget]:
        with Vertical(id="prompt-dialog") as dialog:
            dialog.border_title = literal(self.title_text)
            dialog.border_subtitle = literal(self.keys_text)
            yield Static(Text(clean(self.question, multiline=True)), id="confirm-question")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ChoiceScreen(Dialog[str | None]):
    """Pick one of a few (id, label, help) choices; `hotkeys` (id -> one letter) picks one with a
    single key, shown before its label."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel"),
    ]

    def __init__(
        self,
        title: str,
        footer: str,
        choices: list[tuple[str, str, str]],
        hotkeys: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.footer_text = footer
        self.choices = choices
        self.hotkeys = dict(hotkeys or {})

    def compose(self) -> Iterator[Widget]:
        options = []
        for choice_id, label, help_text in self.choices:
            prompt = Text()
            key = self.hotkeys.get(choice_id)
            if key is not None:
                prompt.append(f" {key} ", style="bold reverse")
                prompt.append(" ")
            prompt.append(clean(label), style="bold")
            if help_text:
                prompt.append(f"\n  {clean(help_text)}", style="dim")
            options.append(Option(prompt, id=choice_id))
        with Vertical(id="profiles-dialog") as dialog:
            dialog.border_title = literal(self.title_text)
            dialog.border_subtitle = literal(self.footer_text)
            yield OptionList(*options, id="choice-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        ids = {choice_id for choice_id, _, _ in self.choices}
        for choice_id, key in self.hotkeys.items():
            if event.character == key and choice_id in ids:
                event.stop()
                event.prevent_default()
                self.dismiss(choice_id)
                return

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
