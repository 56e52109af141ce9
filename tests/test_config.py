"""Profiles in TOML: where the file is, what is checked, and that secrets stay out of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kameng_tui.config import (
    ENV_VAR,
    EXAMPLE,
    Config,
    ConfigError,
    config_path,
    load,
    parse,
    secret,
)


def test_where_the_file_is(tmp_path: Path) -> None:
    assert config_path({}, str(tmp_path / "x.toml")) == tmp_path / "x.toml"
    assert config_path({ENV_VAR: str(tmp_path / "env.toml")}) == tmp_path / "env.toml"
    default = config_path({})
    assert default.name == "config.toml" and "kameng-tui" in str(default)
    assert str(default).startswith(str(Path.home()))  # the private test home, not the user's


def test_the_example_is_valid_and_defaults_to_the_demo(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    config = load(path)
    assert config.default_profile == "demo"
    demo = config.profile(None)
    assert (demo.name, demo.platform) == ("demo", "demo")
    assert (demo.get("orders"), demo.get("seed"), demo.get("notify")) == (300, 7, "all")
    # Every commented-out profile is valid once uncommented, and none holds a secret.
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") and ("=" in line or line.startswith("# [")) else line
        for line in EXAMPLE.splitlines()
    )
    path.write_text(uncommented, encoding="utf-8")
    every = load(path)
    assert set(every.profiles) == {
        "demo",
        "myshop",
        "next-guest",
        "next-admin",
        "dujiaoka",
        "acg",
    }
    assert all(not (set(p.options) & {"token", "password"}) for p in every.profiles.values())
    # The view example too: two of those profiles read as one, the default once uncommented.
    assert config.views == {} and config.default_view is None
    assert every.views == {"desk": ("myshop", "next-admin")} and every.default_view == "desk"


def test_missing_file_means_no_profiles_unless_asked_for(tmp_path: Path) -> None:
    assert load(tmp_path / "none.toml").profiles == {}
    assert load(tmp_path / "none.toml").profile(None).platform == "demo"
    with pytest.raises(ConfigError, match="no such file"):
        load(tmp_path / "none.toml", required=True)


KAMENG = {"platform": "kameng", "base_url": "https://shop.example.com", "token_env": "T"}


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({"profiles": {"a": {"platform": "magento"}}}, "profiles.a.platform", "must be one of"),
        ({"profiles": {"a": {"platform": "kameng"}}}, "profiles.a.base_url", "missing"),
        ({"profiles": {"a": {**KAMENG, "token": "x"}}}, "profiles.a.token", "secrets do not go"),
        ({"profiles": {"a": {**KAMENG, "colour": "red"}}}, "profiles.a.colour", "unknown key"),
        ({"profiles": {"a": {**KAMENG, "base_url": "shop"}}}, "profiles.a.base_url", "http"),
        ({"profiles": {"a": {**KAMENG, "interval": 0}}}, "profiles.a.interval", "positive"),
        ({"profiles": {"a": {"platform": "demo", "orders": 0}}}, "profiles.a.orders", "between"),
        ({"default_profile": "b", "profiles": {"a": KAMENG}}, "default_profile", "no profile"),
        ({"profile": {}}, "profile", "unknown key"),
        (
            {"profiles": {"n": {"platform": "dujiao-next", "base_url": "https://n", "mode": "x"}}},
            "profiles.n.mode",
            "guest",
        ),
        (
            {
                "profiles": {
                    "n": {"platform": "dujiao-next", "base_url": "https://n", "mode": "admin"}
                }
            },
            "profiles.n.username",
            "needed when mode = 'admin'",
        ),
        (
            {"profiles": {"d": {"platform": "dujiaoka", "base_url": "https://d", "orders": [1]}}},
            "profiles.d.orders",
            "list of order numbers",
        ),
    ],
)
def test_errors_name_file_key_and_problem(
    data: dict[str, object], key: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as error:
        parse(data, tmp_path / "c.toml")
    assert error.value.key == key
    assert message in error.value.message
    assert str(error.value).startswith(f"{tmp_path / 'c.toml'} · {key}: ")


def test_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[profiles.a\nplatform=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(path)


def test_unknown_profile_lists_the_known_ones() -> None:
    config = parse({"profiles": {"shop": KAMENG}})
    with pytest.raises(ConfigError, match=r"no profile 'nope' \(profiles: shop\)"):
        config.profile("nope")


def test_secrets_come_from_the_environment_only() -> None:
    profile = parse({"profiles": {"shop": KAMENG}}).profile("shop")
    assert secret(profile, "token_env", {"T": "s3cret"}) == "s3cret"
    with pytest.raises(ConfigError, match="environment variable T is not set"):
        secret(profile, "token_env", {})
    assert secret(profile, "password_env", {}) is None  # the profile names none


def test_stalled_minutes_sets_the_attention_policy() -> None:
    profile = parse({"profiles": {"a": {"platform": "demo", "stalled_minutes": 3}}}).profile("a")
    assert profile.policy.stalled_after.total_seconds() == 180
    with pytest.raises(ConfigError, match="positive number of minutes"):
        parse({"profiles": {"a": {"platform": "demo", "stalled_minutes": 0}}})
    with pytest.raises(ConfigError, match='"all", "followed" or "none"'):
        parse({"profiles": {"a": {"platform": "demo", "notify": "some"}}})


def test_keymap_is_read_and_tidied(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[keymap]\n"orders.search" = "slash, ctrl+s"\n"orders.refresh" = "f5"\n', encoding="utf-8"
    )
    config = load(path)
    assert config.keymap == {"orders.search": "slash,ctrl+s", "orders.refresh": "f5"}
    assert parse({}).keymap == {}
    assert Config(None, None, {}).keymap == {}  # positional construction keeps working


@pytest.mark.parametrize(
    ("keymap", "key", "message"),
    [
        ("f5", "keymap", "table of binding ids"),
        ({"orders.refresh": 5}, "keymap.orders.refresh", "must be a non-empty string of keys"),
        ({"orders.refresh": ["f5"]}, "keymap.orders.refresh", "must be a non-empty string of keys"),
        ({"orders.refresh": ""}, "keymap.orders.refresh", "must be a non-empty string of keys"),
        ({"orders.refresh": "f5,,r"}, "keymap.orders.refresh", "separated by commas"),
        ({"orders.refresh": "ctrl + r"}, "keymap.orders.refresh", "separated by commas"),
        ({"orders": {"refresh": "f5"}}, "keymap.orders", "quote the id"),
    ],
)
def test_keymap_values_must_be_strings_of_keys(keymap: object, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse({"keymap": keymap})
    assert error.value.key == key
    assert message in error.value.message
