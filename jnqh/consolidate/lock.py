"""One run at a time per outbox: a lock that dies with the process that took it.

What it guarantees: while a `jnqh consolidate` or `jnqh mail --send` holds an outbox, a
second one (another process, or the same process again) waits a little, then refuses with
a message. The lock belongs to the process that took it, never to its pool workers: on
POSIX it is an fcntl record lock, which a forked child does not inherit and the kernel drops
when the owner dies, even by ``kill -9`` (an flock would live on in the workers); on Windows
an msvcrt byte lock on a handle the spawned workers do not inherit. Pool workers also leave
when their parent is gone (:func:`leave_with_parent`), so a killed run leaves nothing behind
that still writes. At the start of each run, under the lock, temporary files of a run that
crashed are removed (:func:`remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Iterator

LOCK_NAME = ".jnqh.lock"
PART_SUFFIX = ".part"  # jnqh/atomic.py's temporary files: `.<stem>.<random>.part`

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
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_UN)

# Record locks never conflict inside one process: the outboxes this process holds.
_HELD: set[str] = set()
_HELD_GUARD = threading.Lock()


class Busy(Exception):
    """Another run holds the outbox."""


@contextlib.contextmanager
def run_lock(outbox: Path, *, wait_seconds: float = 10.0) -> Iterator[None]:
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / LOCK_NAME
    key = str(path.resolve())
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while not _take(fd, key):
            if time.monotonic() >= deadline:
                raise Busy(f"另一个 jnqh 正在使用输出文件夹 {outbox}（汇总或发送邮件尚未结束）。请等它完成后再运行。")
            time.sleep(0.2)
        try:
            yield
        finally:
            _unlock(fd)
            with _HELD_GUARD:
                _HELD.discard(key)
    finally:
        os.close(fd)


def _take(fd: int, key: str) -> bool:
    with _HELD_GUARD:
        if key in _HELD or not _try_lock(fd):
            return False
        _HELD.add(key)
        return True


def leave_with_parent(poll_seconds: float = 0.5) -> None:
    """In a pool worker: exit as soon as the process that started it is gone (killed with -9,
    its pool never shut down), instead of living on as an orphan."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="jnqh-parent-watch", daemon=True).start()


def remove_leftovers(outbox: Path, inbox: Path) -> list[Path]:
    """Remove the temporary files (``.….part``) a crashed run left in `outbox`; call under
    the lock, when no run can be writing. Links are neither followed nor removed, and an
    inbox inside the outbox is left alone (it is never changed)."""
    removed, inbox = [], inbox.resolve()
    for folder, dirs, files in os.walk(outbox):  # os.walk does not descend into links
        dirs[:] = [d for d in dirs if (Path(folder) / d).resolve() != inbox]
        for name in files:
            path = Path(folder) / name
            if name.startswith(".") and name.endswith(PART_SUFFIX) and not path.is_symlink():
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
    return removed
