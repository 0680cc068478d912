"""Names that become file names: one sanitiser for every county, circle, party and file name.

A county name comes from the registry the office edits, a file name from whatever a county
sent: either may hold a path separator, ``..``, a character Windows refuses, a reserved
device name (``CON``, ``NUL``…) or be long enough to overflow the 255-byte limit of one
path component. :func:`file_part` turns any of them into one safe component, so no output
can land outside its folder; :func:`file_name_problem` says what was wrong, for reporting.
"""

from __future__ import annotations

import hashlib
import re

# Bytes (UTF-8) of the part a name contributes. A path component may hold 255 bytes on
# Linux and 255 UTF-16 units on Windows; the rest is left for what jnqh adds around the
# part (``_反馈_20240506.xlsx``, ``_标注2.xlsm``, ``.part`` of an atomic write).
MAX_PART_BYTES = 150

# Separators, Windows' reserved characters and every control character.
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_DOTS = re.compile(r"\.{2,}")
# Windows device names, reserved with any extension and in any case.
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)


def file_part(name: str, max_bytes: int = MAX_PART_BYTES) -> str:
    """`name` as one safe path component of at most `max_bytes` UTF-8 bytes (never empty)."""
    part = _DOTS.sub(".", _FORBIDDEN.sub("_", name)).strip(" .")
    if _RESERVED.match(part):
        part = "_" + part
    part = part or "_"
    if len(part.encode("utf-8")) > max_bytes:
        # Cut on a character, and keep two long names that share their start apart.
        tail = "~" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        part = _cut(part, max_bytes - len(tail)) + tail
    return part


def _cut(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def file_name_problem(name: str) -> str | None:
    """Why `name` cannot be used as a file name as it is (Chinese), or None when it can."""
    if not name:
        return "是空的"
    if _FORBIDDEN.search(name):
        return "含有 / \\ : * ? \" < > | 或控制字符"
    if _DOTS.search(name) or name != name.strip(" ."):
        return "含有“..”或以点、空格开头或结尾"
    if _RESERVED.match(name):
        return "是 Windows 保留的设备名"
    if len(name.encode("utf-8")) > MAX_PART_BYTES:
        return f"超过 {MAX_PART_BYTES} 字节（约 {MAX_PART_BYTES // 3} 个汉字）"
    return None
