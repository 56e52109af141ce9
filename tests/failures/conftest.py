"""Fixtures for the failure tests: the failing platforms (one set for the session), a fault
switched off after every test, and DNS that knows `.invalid` names do not exist."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.failures.platforms import Platforms, running_platforms


@pytest.fixture(scope="session")
def running() -> Iterator[Platforms]:
    with running_platforms() as platforms:
        yield platforms


@pytest.fixture
def platforms(running: Platforms) -> Iterator[Platforms]:
    options = running.faults.options
    running.heal()
    running.faults.injected.clear()
    yield running
    running.heal()
    running.faults.options = options


@pytest.fixture(autouse=True)
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """`.invalid` names fail as RFC 6761 says a resolver answers them, without asking the
    network: the DNS case needs no network and takes no resolver's timeout."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name.rstrip(".").lower().endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
