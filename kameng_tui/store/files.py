"""Files the tracker writes: private (0600 in 0700 directories), replaced whole, never cut.

A write that fails half way (a full disk) must leave the old file as it was: the new text goes
to a temporary file in the same directory, which replaces the old one only once complete.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> None:
    """Create the directory (and its parents) if missing; the last one 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)


def private_file(path: Path) -> None:
    """Create the file 0600 if missing, so whatever opens it next does not make it readable
    by others (SQLite gives its -wal and -shm files the database's mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, FILE_MODE)
    try:
        if os.fstat(fd).st_mode & 0o077 and os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def private_opener(path: str, flags: int) -> int:
    """An `opener` for open(): a file it creates is 0600."""
    return os.open(path, flags | os.O_CLOEXEC, FILE_MODE)


def replace_file(path: Path, text: str, mode: int = FILE_MODE) -> None:
    """Write `text` to `path` whole, or not at all (the old file stays as it was)."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
            os.fchmod(file.fileno(), mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`.lock (beside it) while the block runs: two trackers
    saving the same file take turns."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def move_aside(path: Path) -> Path:
    """Keep a damaged SQLite file (and its -wal, -shm) for the user under a new name,
    `<name>.damaged-<time>`, so a fresh one can start in its place. The new name."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            os.replace(source, kept.with_name(kept.name + suffix))
    return kept
