"""Files the tracker writes: never cut by a full disk, shared by two trackers, private."""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path

import pytest

from kameng_tui import cli, logfile
from kameng_tui.config import ConfigError, load
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.profiles import Profiles
from kameng_tui.settings import load_settings, save_setting
from kameng_tui.store import files

CONFIG = """\
# my shops: keep this comment
default_profile = "shop"

[profiles.shop]
platform = "dujiaoka"
base_url = "https://shop.example"  # the shop's address
orders = ["A1", "A2"]
"""


def tracker(path: Path) -> Profiles:
    config = load(path)
    return Profiles(config, {}, ManualClock(FIXED_EPOCH), config.profile(None))


def no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_leaves_the_config_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    profiles = tracker(path)

    # The disk fills as the new text is written: write_text had cut the file to nothing.
    def write_on_a_full_disk(self: Path, *args: object, **kwargs: object) -> None:
        self.open("w").close()  # opened for writing: cut to nothing
        no_space()

    monkeypatch.setattr(Path, "write_text", write_on_a_full_disk)
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(ConfigError, match="disk is full"):
        profiles.set_watch_list("shop", ["A1", "A2", "A3"])
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert path.read_text(encoding="utf-8") == CONFIG
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_two_trackers_keep_each_others_entries(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    one, two = tracker(path), tracker(path)
    one.set_watch_list("shop", ["A1", "A2", "B1"])  # one adds B1
    two.set_watch_list("shop", ["A2", "C1"])  # two, not knowing B1, removes A1 and adds C1
    assert load(path).profiles["shop"].get("orders") == ["A2", "B1", "C1"]
    assert two.watch_list("shop") == ["A2", "B1", "C1"]
    text = path.read_text(encoding="utf-8")
    assert "# my shops: keep this comment" in text and "# the shop's address" in text


def test_a_save_keeps_the_files_mode_and_takes_the_lock(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o640)
    tracker(path).set_watch_list("shop", ["A1"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    lock = tmp_path / "config.toml.lock"
    assert lock.exists()
    # While another tracker holds the lock, a save waits for it.
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(BlockingIOError):
            other = os.open(lock, os.O_RDWR)
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            finally:
                os.close(other)
    finally:
        os.close(fd)


def test_a_symlinked_config_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "kameng.toml"
    real.parent.mkdir()
    real.write_text(CONFIG, encoding="utf-8")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    tracker(link).set_watch_list("shop", ["A1", "A2", "Z9"])
    assert link.is_symlink() and "Z9" in real.read_text(encoding="utf-8")


def test_settings_are_private_and_never_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state" / "settings.json"
    save_setting("theme", "nord", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    monkeypatch.setattr(os, "fsync", no_space)
    save_setting("theme", "gruvbox", path)  # a full disk: the old file stays whole
    assert load_settings(path) == {"theme": "nord"}


def test_the_log_rotates_and_is_private(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "kameng.log"
    cli._start_log(str(log), debug=True)
    ours = logging.getLogger("kameng_tui")
    try:
        handler = cli.log_handler()
        assert handler is not None
        handler.maxBytes = 10_000  # 5 MB in use; the same rotation, sooner
        for index in range(2_000):
            ours.info("poll %d took 12 ms", index)
        names = sorted(p.name for p in log.parent.iterdir())
        assert names == ["kameng.log", "kameng.log.1", "kameng.log.2", "kameng.log.3"]
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in log.parent.iterdir())
        assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
        assert logfile.LOG_MAX_BYTES == 5 * 1024 * 1024 and logfile.LOG_BACKUPS == 3
    finally:
        for old in list(ours.handlers):
            ours.removeHandler(old)
            old.close()


def test_a_full_disk_under_the_log_is_said_once_not_dumped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "kameng.log"
    cli._start_log(str(log), debug=False)
    ours = logging.getLogger("kameng_tui")
    try:
        handler = cli.log_handler()
        assert handler is not None
        said: list[str] = []
        handler.on_failure = said.append
        stream = handler.stream
        assert stream is not None
        stream.write = no_space  # type: ignore[method-assign,assignment]
        for _ in range(3):
            ours.info("order %s paid", "KM-1")
        assert said == ["log not written: the disk is full"]
        assert capsys.readouterr().err == ""  # logging printed "--- Logging error ---" dumps
    finally:
        for old in list(ours.handlers):
            ours.removeHandler(old)
            if isinstance(old, logging.StreamHandler):
                old.stream = open(os.devnull, "w")  # noqa: SIM115
            old.close()


def test_replace_file_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "d").mkdir()
    path = tmp_path / "d" / "f.txt"
    files.replace_file(path, "old")
    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(OSError, match="No space"):
        files.replace_file(path, "new")
    assert path.read_text() == "old" and [p.name for p in path.parent.iterdir()] == ["f.txt"]
