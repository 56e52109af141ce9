"""Sending a message to a rule's channels, through Apprise (imported only when sending).

Apprise speaks 钉钉 (dingtalk://), 企业微信 (wecombot://), 飞书 (feishu://), Telegram, Bark,
ntfy, ServerChan, e-mail and plain webhooks (json://). Its URLs carry tokens: nothing here
ever puts a URL in a message, an error or the log; a channel is named by its number and scheme.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Protocol

import msgspec


class Outcome(msgspec.Struct, frozen=True):
    """Which channels (by index in the rule's list) took the message, and why others did not."""

    done: frozenset[int]
    error: str = ""


class Delivery(Protocol):
    def send(self, urls: Sequence[str], title: str, body: str, skip: frozenset[int]) -> Outcome: ...


def scheme(url: str) -> str:
    """The URL's scheme only (json, dingtalk, ...): what may be shown of a channel."""
    head, sep, _ = url.partition("://")
    return head.lower()[:20] if sep and head.isalnum() else "?"


class AppriseDelivery:
    """Each channel on its own, so a retry goes only to those that did not take it."""

    def __init__(self) -> None:
        with warnings.catch_warnings():  # apprise 2.3 imports imghdr (deprecated in 3.11)
            warnings.simplefilter("ignore", DeprecationWarning)
            import apprise

        self._apprise = apprise
        quiet = logging.getLogger("apprise")  # its log lines may quote URLs, tokens and all
        quiet.setLevel(logging.CRITICAL + 1)
        quiet.propagate = False

    def send(self, urls: Sequence[str], title: str, body: str, skip: frozenset[int]) -> Outcome:
        done = set(skip)
        errors: list[str] = []
        for index, url in enumerate(urls):
            if index in skip:
                continue
            where = f"channel {index + 1} ({scheme(url)})"
            sender = self._apprise.Apprise()
            if not sender.add(url):
                errors.append(f"{where}: not a notification URL Apprise knows")
                continue
            try:
                ok = sender.notify(title=title, body=body)
            except Exception as exc:  # a plugin's bug: this channel failed, not the watcher
                errors.append(f"{where}: {type(exc).__name__}")
                continue
            if ok:
                done.add(index)
            else:
                errors.append(f"{where}: not delivered")
        return Outcome(frozenset(done), "; ".join(errors))
