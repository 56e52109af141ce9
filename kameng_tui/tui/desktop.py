"""Desktop notifications through the terminal itself (the profile's `desktop` option).

The terminal, not this machine, shows them, so they work over SSH: OSC 9 (`ESC ] 9 ; text BEL`:
iTerm2, Windows Terminal, Ghostty, kitty, foot) or OSC 777 (`ESC ] 777 ; notify ; title ; body
BEL`: urxvt with its notify extension, foot, WezTerm). Inside tmux (`$TMUX` set) the sequence is
wrapped in tmux's passthrough (`ESC Ptmux; ... ESC \\`, every ESC inside doubled), which tmux 3.3
and later forward only with `set -g allow-passthrough on`.

`desktop = "auto"` picks by the environment, first match wins (see `pick`):

- `WT_SESSION` (Windows Terminal), `KITTY_WINDOW_ID` or `TERM=xterm-kitty` (kitty),
  `GHOSTTY_RESOURCES_DIR`, `TERM=xterm-ghostty` or `TERM_PROGRAM=ghostty` (Ghostty),
  `TERM_PROGRAM=iTerm.app` or `LC_TERMINAL=iTerm2` (iTerm2, which sends `LC_TERMINAL` over SSH):
  OSC 9;
- `WEZTERM_PANE` or `TERM_PROGRAM=WezTerm` (WezTerm), `TERM=foot*` (foot), `TERM=rxvt*`
  (urxvt): OSC 777;
- anything else: nothing (a terminal that does not know the sequence might show it).

Everything here is pure but `send`: the text is untrusted (order numbers, statuses a shop
names), so every control character (C0, DEL, C1), every invisible format character (bidi
overrides, zero-width), the line and paragraph separators and lone surrogates are removed,
`;` too (it splits OSC 777 fields, and after a number it makes OSC 9 a ConEmu command), and
each field is cut to a bounded length.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, Literal, Protocol

from textual.app import App

Mode = Literal["auto", "osc9", "osc777", "off"]
MODES: tuple[Mode, ...] = ("auto", "osc9", "osc777", "off")

TITLE_LIMIT = 64  # characters of a title
BODY_LIMIT = 240  # characters of a body (OSC 9: of "title: body")

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"

# Unicode categories removed from untrusted text: controls (C0, DEL, C1), format characters
# (bidi marks and overrides, zero-width characters, tags), line and paragraph separators,
# surrogates, and unassigned or private-use code points, which no terminal shows the same.
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def strip(text: str, limit: int) -> str:
    """`text` with every control character and `;` removed, whitespace runs made one space,
    cut to `limit` characters (the last one then "…")."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch != ";" and (ch.isspace() or unicodedata.category(ch) not in _DROPPED)
    )
    kept = " ".join(kept.split())
    if len(kept) > limit:
        kept = kept[: max(limit - 1, 0)].rstrip() + "…"
    return kept


def pick(env: Mapping[str, str]) -> Literal["osc9", "osc777"] | None:
    """The sequence the terminal described by `env` shows, or None when unknown."""
    term = env.get("TERM", "")
    program = env.get("TERM_PROGRAM", "")
    if env.get("WT_SESSION") or env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return "osc9"
    if env.get("GHOSTTY_RESOURCES_DIR") or term == "xterm-ghostty" or program == "ghostty":
        return "osc9"
    if program == "iTerm.app" or env.get("LC_TERMINAL") == "iTerm2":
        return "osc9"
    if env.get("WEZTERM_PANE") or program == "WezTerm":
        return "osc777"
    if term.startswith(("foot", "rxvt")):
        return "osc777"
    return None


def tmux_wrap(sequence: str) -> str:
    """`sequence` in tmux's passthrough: `ESC Ptmux;`, the sequence with each ESC doubled,
    `ESC \\`."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def sequence(title: str, body: str, mode: str, env: Mapping[str, str]) -> str:
    """What to write to the terminal for a notification, or "" for none (mode "off", "auto"
    in an unknown terminal, an unknown mode, nothing left to say)."""
    chosen = pick(env) if mode == "auto" else mode
    title = strip(title, TITLE_LIMIT)
    body = strip(body, BODY_LIMIT)
    if chosen == "osc9":
        text = strip(f"{title}: {body}" if title and body else title or body, BODY_LIMIT)
        if not text:
            return ""
        raw = f"{ESC}]9;{text}{BEL}"
    elif chosen == "osc777":
        if not (title or body):
            return ""
        raw = f"{ESC}]777;notify;{title};{body}{BEL}"
    else:
        return ""
    return tmux_wrap(raw) if env.get("TMUX") else raw


class Writer(Protocol):
    """What `send` writes to: a Textual driver, or anything with `write(str)`."""

    def write(self, data: str) -> None: ...


def deliver(writer: Writer, title: str, body: str, mode: str, env: Mapping[str, str]) -> bool:
    """Write the notification to `writer`; whether anything was written."""
    data = sequence(title, body, mode, env)
    if not data:
        return False
    writer.write(data)
    return True


def send(app: App[Any], title: str, body: str, mode: str, env: Mapping[str, str]) -> bool:
    """Write the notification to the app's terminal, through its driver (the same way Textual
    rings the bell and copies with OSC 52); nothing without a driver or when headless (tests).
    Under `serve` it reaches xterm.js, which ignores an OSC it does not know."""
    driver = app._driver
    if driver is None or app.is_headless or mode == "off":
        return False
    return deliver(driver, title, body, mode, env)
