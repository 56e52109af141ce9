"""One place per platform: the registry is what config, `config init`, the factory and the
README agree on."""

from __future__ import annotations

import asyncio
import re
import tomllib
from pathlib import Path

import pytest

from kameng_tui.backends.factory import make_backend
from kameng_tui.backends.registry import Kind, all_specs, names, spec
from kameng_tui.config import ConfigError, example_text, parse
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.profiles import has_watch_list

README = Path(__file__).resolve().parents[1] / "README.md"


def uncomment(example: str) -> str:
    return "\n".join(
        line[2:] if line.startswith("# ") and ("=" in line or line.startswith("# [")) else line
        for line in example.splitlines()
    )


def test_every_platform_has_a_spec_of_its_own_name() -> None:
    assert names() == ("demo", "kameng", "dujiao-next", "dujiaoka", "acg-faka")
    for name in names():
        found = spec(name)
        assert found.name == name
        assert found.summary and "\n" not in found.summary


@pytest.mark.parametrize("name", names())
def test_each_example_is_a_valid_profile_that_builds(name: str) -> None:
    table = tomllib.loads(uncomment(spec(name).example))
    config = parse(table)
    assert config.profiles, f"{name}'s example has no profile"
    environ = {
        value: "secret-value"
        for profile in config.profiles.values()
        for key in spec(name).keys
        if key.kind is Kind.ENV and isinstance(value := profile.get(key.name), str)
    }
    for profile in config.profiles.values():
        assert profile.platform == name
        backend = make_backend(profile, environ, ManualClock(FIXED_EPOCH))
        assert backend.platform == name
        asyncio.run(backend.aclose())


def test_config_init_lists_every_platform_with_its_line() -> None:
    text = example_text()
    for found in all_specs():
        assert re.search(rf"^#\s+{re.escape(found.name)}\s+{re.escape(found.summary)}$", text, re.M)
    every = parse(tomllib.loads(uncomment(text)))
    assert {p.platform for p in every.profiles.values()} == set(names())


def test_the_readme_platform_table_has_every_platform() -> None:
    text = README.read_text(encoding="utf-8")
    for name in names():
        assert re.search(rf"^\| `{re.escape(name)}` \|", text, re.M), name


@pytest.mark.parametrize("name", names())
def test_keys_come_from_the_spec(name: str) -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        parse({"profiles": {"p": {"platform": name, "no_such_key": 1}}})
    for key in spec(name).keys:
        if key.required and key.when is None:
            table = {"platform": name}
            with pytest.raises(ConfigError, match=rf"profiles\.p\.{key.name}: missing"):
                parse({"profiles": {"p": table}})
            break


def test_the_watch_list_is_the_platforms_to_say() -> None:
    config = parse(tomllib.loads(uncomment(example_text())))
    watching = {p.name for p in config.profiles.values() if has_watch_list(p)}
    expected = {p.name for p in config.profiles.values() if spec(p.platform).watch_list(p.options)}
    assert watching == expected
    assert not any(has_watch_list(p) for p in config.profiles.values() if p.platform == "demo")
