"""`jnqh check`: read and check workbooks, the self-check county leads run before sending."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from jnqh import issues
from jnqh.discover import discover
from jnqh.model import FileReport
from jnqh.read import read_file
from jnqh.registry import Registry


@dataclass
class CheckResult:
    files: list[FileReport] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    locks: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.status in ("errors", "unreadable") for f in self.files)

    def to_json(self) -> dict:
        return {"files": [f.to_json() for f in self.files]}


def check_paths(paths: list[Path], *, registry: Registry | None = None,
                today: dt.date | None = None) -> CheckResult:
    """Check every spreadsheet named or found under `paths`; one bad file never stops the rest."""
    today = today or dt.date.today()
    found = discover(paths)
    result = CheckResult(ignored=[str(p) for p in found.ignored], locks=[str(p) for p in found.locks])
    for path in found.missing:
        result.files.append(_failed(path, "F-MISSING"))
    for path in found.ignored:
        if path in paths:  # named explicitly: say why it is not read
            result.files.append(_failed(path, "F-NOT-EXCEL", ext=path.suffix or "（无扩展名）"))
    for path in found.convert:
        result.files.append(_failed(path, "F-CONVERT", ext=path.suffix))
    for path in found.spreadsheets:
        result.files.append(read_file(path, shown_as=str(path), registry=registry, today=today))
    result.files.sort(key=lambda f: f.path)
    return result


def _failed(path: Path, code: str, **params: object) -> FileReport:
    issue = issues.make(code, file=str(path), **params)
    return FileReport(path=str(path), sha256=None, issues=[issue], unreadable=True)
