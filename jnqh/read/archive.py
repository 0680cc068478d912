"""Workbooks sent inside a .zip, each member read as a file of its own.

Counties often send one .zip made by Windows' "send to compressed folder", which writes
Chinese member names in GBK without the zip's UTF-8 flag: such names are decoded as GBK.
The archive passes the same checks as a workbook's package (file size, the sizes its
directory declares, deflate ratio, member count, encryption) before any member is inflated,
and every member is then read through :func:`jnqh.read.workbook.load_book`'s checks as if it had
been sent alone. A member is shown as ``archive.zip › folder/member.xlsx``.

Only a member's name is looked at to list it (as discover does for files); members are
inflated one at a time, when read, so a large archive never sits in memory inflated.
"""

from __future__ import annotations

import posixpath
import struct
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from jnqh.read.discover import classify
from jnqh.read.workbook import (
    Unreadable, _check_declared_sizes, _Member, _member_bytes, _read_directory, _read_input,
)

MEMBER_SEPARATOR = " › "


@dataclass
class Contents:
    """An archive's members by kind, as discover sorts files (names decoded)."""

    spreadsheets: list[str] = field(default_factory=list)
    convert: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def shown_member(archive_shown: str, name: str) -> str:
    return f"{archive_shown}{MEMBER_SEPARATOR}{name}"


def list_archive(path: Path) -> Contents:
    """The members of a .zip by kind. Raises Unreadable for an archive that cannot be opened."""
    contents = Contents()
    for name in _members(_read_input(path)):
        kind = classify(PurePosixPath(name))
        if kind == "lockfile" or _is_clutter(name):
            continue
        {"spreadsheet": contents.spreadsheets, "convert": contents.convert}.get(
            kind, contents.ignored).append(name)
    return contents


def read_member(path: Path, name: str) -> bytes:
    """One member's bytes, inflated within the declared size. Raises Unreadable."""
    data = _read_input(path)
    member = _members(data).get(name)
    if member is None:
        raise Unreadable("F-MISSING", {"path": name})
    return _member_bytes(data, member, member.size)


def _members(data: bytes) -> dict[str, _Member]:
    """Decoded name → member, for the files (not folders) of an archive that passed the checks."""
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise Unreadable("F-CORRUPT", {"reason": "not a zip archive"})
    try:
        members = _read_directory(data)
    except (struct.error, UnicodeDecodeError) as exc:
        raise Unreadable("F-CORRUPT", {"reason": f"zip directory: {exc}"}) from None
    _check_declared_sizes(members)
    named = {}
    for member in members:
        name = _decoded_name(member)
        if not name.endswith("/"):
            named[name] = member
    return named


def _decoded_name(member: _Member) -> str:
    """The member's name: UTF-8 when flagged; else the raw bytes as UTF-8 or GBK, as written."""
    name = member.name
    if not member.flags & 0x800:
        raw = name.encode("cp437")  # what _read_directory decoded them as: a byte-for-byte map
        for encoding in ("utf-8", "gb18030"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    return posixpath.normpath(name.replace("\\", "/")).lstrip("/") + ("/" if name.endswith(("/", "\\")) else "")


def _is_clutter(name: str) -> bool:
    """What archivers add beside the files: macOS's __MACOSX folder and ._ twins."""
    return name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("._")
