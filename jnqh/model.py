"""The records every stage passes on: what a file held, where each value came from.

A circle or a project is kept in the exact shape of the JSON contract (``data``), with the
cell each value was read from beside it (``sources``: field path → (sheet, cell)). The
JSON output of ``check`` is therefore just ``to_json()`` of these records.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field

from jnqh.issues import ERROR, Issue

OK, WARNINGS, ERRORS, UNREADABLE = "ok", "warnings", "errors", "unreadable"
FORM_KIND, SURVEY_KIND = "form", "survey"  # what a readable file held


class Source:
    """Where a value was read: (sheet, cell). Immutable, compared and hashed by value.

    Written by hand rather than as a frozen dataclass: a workbook traces thousands of
    values, and a frozen dataclass's ``__init__`` (``object.__setattr__`` per field, plus a
    ``__dict__``) costs about twice what the slot setters below do. Behaves as the
    dataclass did: same equality, hash, repr, and ``FrozenInstanceError`` on assignment.
    """

    __slots__ = ("sheet", "cell")
    sheet: str
    cell: str

    def __init__(self, sheet: str, cell: str):
        _set_sheet(self, sheet)  # the slots' own setters: `__setattr__` refuses changes
        _set_cell(self, cell)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self):
        # Reports cross process boundaries (consolidate's worker pool): rebuild via __init__.
        return (Source, (self.sheet, self.cell))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is Source:
            return self.sheet == other.sheet and self.cell == other.cell
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.sheet, self.cell))

    def __repr__(self) -> str:
        return f"Source(sheet={self.sheet!r}, cell={self.cell!r})"


_set_sheet = Source.sheet.__set__  # type: ignore[attr-defined]
_set_cell = Source.cell.__set__  # type: ignore[attr-defined]


@dataclass
class CircleRecord:
    data: dict  # the CIRCLE of the JSON contract
    sheet: str
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        return self.data.get("name")

    def source(self, path: str) -> Source | None:
        return self.sources.get(path)

    def to_json(self) -> dict:
        return self.data


@dataclass
class ProjectRecord:
    data: dict  # the PROJECT of the JSON contract
    sheet: str
    row: int  # 1-based spreadsheet row
    sources: dict[str, Source] = field(default_factory=dict)

    def to_json(self) -> dict:
        return self.data


@dataclass
class FileReport:
    """Everything one input file gave: its records and its problems."""

    path: str  # as the user named it (shown in messages)
    sha256: str | None
    circles: list[CircleRecord] = field(default_factory=list)
    projects: list[ProjectRecord] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    unreadable: bool = False
    kind: str = FORM_KIND
    responses: int = 0  # answers, when the file is a questionnaire export

    @property
    def status(self) -> str:
        if self.unreadable:
            return UNREADABLE
        if any(i.severity == ERROR for i in self.issues):
            return ERRORS
        return WARNINGS if self.issues else OK

    @property
    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.severity == ERROR)

    @property
    def warning_count(self) -> int:
        return len(self.issues) - self.error_count

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "status": self.status,
            "issues": [i.to_json() for i in sorted(self.issues, key=Issue.sort_key)],
            "circles": [c.to_json() for c in self.circles],
            "projects": [p.to_json() for p in self.projects],
        }
