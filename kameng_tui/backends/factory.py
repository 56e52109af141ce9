"""A profile in, the backend that speaks its platform out, as its platform's SPEC builds it."""

from __future__ import annotations

from collections.abc import Mapping

from kameng_tui.backends.base import Backend
from kameng_tui.backends.registry import names, spec
from kameng_tui.config import ConfigError, Profile
from kameng_tui.domain.clock import Clock


def make_backend(profile: Profile, environ: Mapping[str, str], clock: Clock) -> Backend:
    if profile.platform not in names():
        raise ConfigError(
            None,
            f"profiles.{profile.name}.platform",
            f"platform {profile.platform!r} is not available in this version yet",
        )
    return spec(profile.platform).build(profile, environ, clock)
