"""What the inbox holds, cheaply: the files by kind and each spreadsheet's hash.

The first thing every weekly run does, and all an unchanged rerun needs: if the listing,
the registry and the settings are what the previous run for the same date was made from,
that run is confirmed without parsing or writing anything (see pipeline.py). So this
module imports nothing heavy.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from jnqh import __version__
from jnqh.read.discover import Found, discover, sha256_file


@dataclass
class Listing:
    """What the inbox holds right now, with every spreadsheet's hash (read once)."""

    inbox: Path
    found: Found
    hashes: dict[Path, str]

    @functools.cached_property
    def workload(self) -> int:
        """How many workbooks a run reads: the spreadsheets, and the ones inside each .zip
        (for the progress bar; an archive that cannot be opened has none)."""
        from jnqh.read.archive import list_archive  # reads the zip directory: only when asked
        from jnqh.read.workbook import Unreadable

        count = len(self.found.spreadsheets)
        for path in self.found.archives:
            try:
                count += len(list_archive(path).spreadsheets)
            except Unreadable:
                pass
        return count

    def fingerprint(self, *settings: str) -> str:
        """Changes when any file, its time, or any setting that shapes the outputs changes."""
        digest = hashlib.sha256(__version__.encode())
        for part in settings:
            digest.update(b"\0" + part.encode("utf-8"))
        found = self.found
        for path in (*found.spreadsheets, *found.archives, *found.foreign_archives, *found.convert,
                     *found.ignored, *found.locks):
            stamp = f"{shown_path(path, self.inbox)}|{self.hashes.get(path, '')}|{path.stat().st_mtime_ns}"
            digest.update(b"\0" + stamp.encode("utf-8"))
        return digest.hexdigest()


def list_inbox(inbox: Path) -> Listing:
    found = discover([inbox])
    return Listing(inbox, found, {path: sha256_file(path) for path in (*found.spreadsheets, *found.archives)})


def shown_path(path: Path, inbox: Path) -> str:
    """A file as the run names it: inbox-relative, '/' separators."""
    return path.relative_to(inbox).as_posix()


def registry_fingerprint(path: Path | None) -> str:
    """Part of every cache key: parsed files are checked against the registry they were read with."""
    if path is None:
        return "shipped"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else "none"
