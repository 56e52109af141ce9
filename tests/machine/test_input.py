"""Configuration and command-line input a machine can hand the tracker: one line, exit 2."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from kameng_tui.cli import main
from kameng_tui.config import MAX_CONFIG_BYTES, ConfigError, Profile, load, parse, secret

SHOP = '[profiles.shop]\nplatform = "dujiaoka"\norders = ["A1"]\nbase_url = "{url}"\n'


def run(argv: list[str], capsys: pytest.CaptureFixture[str], **env: str) -> tuple[int, str]:
    code = main(argv, environ=env)
    err = capsys.readouterr().err
    return code, err


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("kameng-tui: ")


def test_a_config_that_is_not_utf8_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'default_profile = "\xff\xfe"\n')
    code, err = run(["config", "check", "--config", str(path)], capsys)
    assert code == 2 and one_line(err) and "not UTF-8" in err


def test_deep_nesting_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    code, err = run(["orders", "--config", str(path)], capsys)
    assert code == 2 and one_line(err) and "nested too deeply" in err


def test_a_fifo_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    result: list[tuple[int, str]] = []
    worker = threading.Thread(
        target=lambda: result.append(run(["orders", "--config", str(fifo)], capsys)),
        daemon=True,
    )
    worker.start()
    worker.join(10)
    if worker.is_alive():  # blocked in open() waiting for a writer: let it go, then fail
        with open(fifo, "w"):
            pass
        worker.join(5)
        pytest.fail("reading a FIFO as the configuration hung")
    [(code, err)] = result
    assert code == 2 and one_line(err) and "not a regular file" in err


def test_dev_zero_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["config", "check", "--config", "/dev/zero"], capsys)
    assert code == 2 and one_line(err) and "not a regular file" in err


def test_a_huge_config_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# " + "x" * MAX_CONFIG_BYTES + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="larger than 1 MB"):
        load(path)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://shop.example:99999", "port"),
        ("https://shop.example:-1", "port"),
        ("https://shop.example:0", "port"),
        ("https://xn--abc-.example", "valid"),
        ("https://a..example", "valid"),
        ("https://\u2603-\u2318.example", "valid"),
        ("https://shop example.com", "spaces"),
        ("https://:80/", "no host"),
    ],
)
def test_base_url_is_validated_in_full(url: str, problem: str) -> None:
    import tomllib

    with pytest.raises(ConfigError, match=problem) as caught:
        parse(tomllib.loads(SHOP.format(url=url)))
    assert caught.value.key == "profiles.shop.base_url"


def test_good_base_urls_pass() -> None:
    import tomllib

    for url in (
        "https://shop.example",
        "http://127.0.0.1:8080/",
        "http://[::1]:8080",
        "https://商店.example/path",
    ):
        parse(tomllib.loads(SHOP.format(url=url)))


def test_a_bad_port_was_a_crash_at_the_first_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(SHOP.format(url="https://shop.example:99999"), encoding="utf-8")
    code, err = run(["orders", "--config", str(path)], capsys)
    assert code == 2 and one_line(err) and "port" in err


def test_a_token_with_a_newline_is_refused_naming_the_variable() -> None:
    profile = Profile("shop", "kameng", {"token_env": "SHOP_TOKEN"})
    with pytest.raises(ConfigError) as caught:
        secret(profile, "token_env", {"SHOP_TOKEN": "s3cret-value\r\n"})
    message = str(caught.value)
    assert "SHOP_TOKEN" in message and "control characters" in message
    assert "s3cret" not in message


@pytest.mark.parametrize("where", ["file", "dir"])
def test_an_unwritable_log_is_one_line_and_exit_2(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "blocker"
    if where == "file":  # a file where a directory should be: fails as root too
        blocker.write_text("")
        target = blocker / "kameng.log"
    else:  # a directory where the log should be
        blocker.mkdir()
        target = blocker
    code, err = run(["--log", str(target), "info"], capsys)
    assert code == 2 and one_line(err) and "--log" in err and "cannot write" in err


def test_config_init_writes_a_private_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new" / "config.toml"
    code, _ = run(["config", "init", "--config", str(path)], capsys)
    assert code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
