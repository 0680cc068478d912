"""One run at a time per outbox: an OS file lock that dies with its process.

A second `jnqh consolidate` on the same outbox waits a little, then refuses with a
message; a crashed run leaves no stale lock because the OS releases it.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Iterator

LOCK_NAME = ".jnqh.lock"

if os.name == "nt":  # pragma: no cover - exercised on the office's Windows machines
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class Busy(Exception):
    """Another run holds the outbox."""


@contextlib.contextmanager
def run_lock(outbox: Path, *, wait_seconds: float = 10.0) -> Iterator[None]:
    outbox.mkdir(parents=True, exist_ok=True)
    fd = os.open(outbox / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise Busy(f"另一个 jnqh 正在使用输出文件夹 {outbox}（汇总或发送邮件尚未结束）。请等它完成后再运行。")
            time.sleep(0.2)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
