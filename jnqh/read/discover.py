"""Finding the spreadsheets among whatever arrived: files and folders, in a stable order.

Only names are looked at here, and each spreadsheet's hash taken: this is what an unchanged
rerun needs, so the module imports nothing heavy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

# WPS's .et/.ett are the same BIFF8-in-OLE bytes as .xls: read like one. Every file of these
# names is then recognised by its bytes (jnqh/workbook.py), not by its name.
# A .docx is read too: the plan's forms filled in Word (jnqh/wordform.py); one that holds no
# form (a cover letter) is listed as ignored, as before (see is_word_without_form).
SPREADSHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".et", ".ett", ".docx"}
ARCHIVE_EXTENSIONS = {".zip"}  # read: the workbooks inside (jnqh/archive.py)
# Archives we cannot open without tools Windows lacks: the county is asked for a .zip.
FOREIGN_ARCHIVE_EXTENSIONS = {".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".cab", ".arj"}
# Formats a person can open and re-save as xlsx; we ask them to, rather than guess.
CONVERT_EXTENSIONS = {".csv", ".ods", ".numbers", ".xlsb"}


def is_word_without_form(path: str, codes: list[str]) -> bool:
    """A .docx read for the forms it might hold that holds none: a letter, not a submission."""
    return path.lower().endswith(".docx") and codes in (["F-NO-FORM"], ["F-NOT-EXCEL"])


def sha256_file(path: Path | str) -> str:
    """The file's SHA-256, read in blocks (the inbox is only ever read)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def classify(path: Path | str) -> str:
    """'spreadsheet' | 'archive' | 'foreign_archive' | 'lockfile' | 'convert' | 'ignored',
    from the name alone."""
    name = Path(path).name
    # ~$ is Excel's and WPS's owner file; .~lock.…# is LibreOffice's.
    if name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#")):
        return "lockfile"
    if name.startswith("._"):  # macOS resource-fork twin, copied from a Mac or a zip
        return "ignored"
    suffix = Path(name).suffix.lower()
    if suffix in SPREADSHEET_EXTENSIONS:
        return "spreadsheet"
    if suffix in CONVERT_EXTENSIONS:
        return "convert"
    if suffix in ARCHIVE_EXTENSIONS:
        return "archive"
    if suffix in FOREIGN_ARCHIVE_EXTENSIONS:
        return "foreign_archive"
    return "ignored"


@dataclass
class Found:
    spreadsheets: list[Path] = field(default_factory=list)
    convert: list[Path] = field(default_factory=list)  # .csv/.ods: ask to save as .xlsx
    ignored: list[Path] = field(default_factory=list)  # pdf, docx, … listed, not read
    locks: list[Path] = field(default_factory=list)  # Excel/WPS lock files ~$…
    archives: list[Path] = field(default_factory=list)  # .zip: the workbooks inside are read
    foreign_archives: list[Path] = field(default_factory=list)  # .rar, .7z: ask for a .zip
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
                      "lockfile": found.locks, "archive": found.archives,
                      "foreign_archive": found.foreign_archives}.get(kind, found.ignored)
            bucket.append(file)
    return found
