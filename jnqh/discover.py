"""Finding the spreadsheets among whatever arrived: files and folders, in a stable order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jnqh.workbook import classify


@dataclass
class Found:
    spreadsheets: list[Path] = field(default_factory=list)
    convert: list[Path] = field(default_factory=list)  # .csv/.et: ask to save as .xlsx
    ignored: list[Path] = field(default_factory=list)  # pdf, docx, … listed, not read
    locks: list[Path] = field(default_factory=list)  # Excel/WPS lock files ~$…
    missing: list[Path] = field(default_factory=list)


def discover(paths: list[Path]) -> Found:
    """Sort every file under `paths` by what it is. Nothing is opened or changed."""
    found = Found()
    for path in paths:
        if not path.exists():
            found.missing.append(path)
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if any(part.startswith(".") for part in file.relative_to(path).parts[:-1] if path.is_dir()):
                continue  # hidden folders (.git, .DS_Store dirs) are not submissions
            kind = classify(file)
            bucket = {"spreadsheet": found.spreadsheets, "convert": found.convert,
                      "lockfile": found.locks}.get(kind, found.ignored)
            bucket.append(file)
    return found
