"""A profile in, the backend that speaks its platform out: the only place that knows them all."""

from __future__ import annotations

from collections.abc import Mapping

from kameng_tui.backends.base import Backend
from kameng_tui.config import ConfigError, Profile, secret
from kameng_tui.domain.clock import Clock


def make_backend(profile: Profile, environ: Mapping[str, str], clock: Clock) -> Backend:
    if profile.platform == "demo":
        from kameng_tui.backends.demo import DemoBackend, DemoPlatform

        platform = DemoPlatform(
            seed=profile.get("seed", 7), orders=profile.get("orders", 300), clock=clock
        )
        backend = DemoBackend(platform)
        backend.profile = profile.name
        return backend
    if profile.platform == "kameng":
        from kameng_tui.backends.kameng import KamengBackend

        token = secret(profile, "token_env", environ)
        return KamengBackend(profile.name, profile.get("base_url"), token)
    if profile.platform == "dujiao-next":
        from kameng_tui.backends.dujiao_next import DujiaoNextBackend

        guest = profile.get("mode") == "guest"
        return DujiaoNextBackend(
            profile.name,
            profile.get("base_url"),
            mode=profile.get("mode"),
            watch=profile.get("orders", []),
            guest_email=profile.get("guest_email"),
            guest_password=secret(profile, "guest_password_env", environ) if guest else None,
            username=profile.get("username"),
            password=None if guest else secret(profile, "password_env", environ),
        )
    if profile.platform == "dujiaoka":
        from kameng_tui.backends.dujiaoka import DujiaokaBackend

        return DujiaokaBackend(
            profile.name, profile.get("base_url"), watch=profile.get("orders", []), clock=clock
        )
    raise ConfigError(
        None,
        f"profiles.{profile.name}.platform",
        f"platform {profile.platform!r} is not available in this version yet",
    )
