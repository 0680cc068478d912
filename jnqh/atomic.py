"""Outputs appear whole or not at all: write to a temporary name, then rename into place.

A crash or an error mid-write leaves the previous file (or none), never half of one. There
is no fsync: it cost ~0.3 s a file on the office-class disks measured, and the rename is
what keeps readers from ever seeing a partial file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import zipfile
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
        # mkstemp makes the file private (0600); give it the mode a normal file would get.
        os.chmod(temp_name, 0o666 & ~_umask())
        os.replace(temp_name, target)
    except Exception as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        cause = os_error_in(err)
        if cause is not None and cause.filename is None:  # a failed write names no file
            raise OSError(cause.errno, cause.strerror, str(target)) from err
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def os_error_in(error: BaseException) -> OSError | None:
    """The OSError behind `error`: itself, or the one a library wrapped (xlsxwriter's
    FileCreateError holds it as its argument) or raised it from."""
    for candidate in (error, *(error.args[:1]), error.__cause__, error.__context__):
        if isinstance(candidate, OSError):
            return candidate
    return None


def quiet_abandoned_zips() -> None:
    """Silence one kind of noise: a zip writer (xlsxwriter, python-docx) abandoned by a failed
    write is closed when it is collected, after its file, and Python prints the ValueError
    with a traceback. The failure itself has been raised and reported; other unraisable
    errors are shown as before."""
    default = sys.unraisablehook

    def hook(unraisable) -> None:
        if isinstance(unraisable.object, zipfile.ZipFile) or (
                getattr(unraisable.object, "__qualname__", "") == "ZipFile.__del__"):
            return
        default(unraisable)

    sys.unraisablehook = hook


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_write(target) as handle:
        handle.write(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))
