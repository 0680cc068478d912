"""Outputs appear whole or not at all: write to a temporary name, then rename into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator


@contextlib.contextmanager
def atomic_write(target: Path) -> Iterator[BinaryIO]:
    """A binary file handle whose content replaces `target` only when the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_write(target) as handle:
        handle.write(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))
