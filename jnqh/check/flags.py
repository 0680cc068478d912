"""Values an error flags: what a county filed that the checks call wrong.

A value with an error-level issue on it never reaches a score, a total, a mean, a weight, a
ranking or the upward report (docs/说明.md, “有误的数值不计入”). It stays in the circle's
data as filed, so the county sees what it wrote; scoring and the figures read the circle
through :func:`usable`, which leaves the flagged values out. Warnings never exclude.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from jnqh.issues import ERROR, Issue
from jnqh.model import CircleRecord, FileReport, ProjectRecord


@dataclass(frozen=True)
class Flag:
    """One flagged value: where it is, what the county wrote, why, and a likely correction."""

    path: str  # field path in the CIRCLE / PROJECT record (e.g. "residents_10k", "total.outlets")
    code: str
    message: str
    sheet: str | None
    cell: str | None
    value: str | None  # as filed
    suggestion: float | str | None = None


def round_half_up(value: float, digits: int = 1) -> float:
    """四舍五入 as an office rounds: 81.25 → 81.3 (Python's round() would give 81.2)."""
    step = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def circle_flags(report: FileReport, circle: CircleRecord) -> dict[str, Flag]:
    """The circle's values with an error on them, by field path. An empty required cell has
    nothing to leave out, so it is no flag; a value the reader could not keep (a percent of
    120 reads as empty) is one, so that the county's own value is listed for checking."""
    flags: dict[str, Flag] = {}
    for issue in report.issues:
        if issue.severity != ERROR or not issue.field or issue.field in flags:
            continue
        if _get(circle.data, issue.field) is None and issue.value in (None, ""):
            continue
        if _belongs(issue, circle.source(issue.field), circle.sheet):
            flags[issue.field] = _flag(issue, _circle_suggestion(issue, circle.data))
    return flags


def project_flags(report: FileReport, project: ProjectRecord) -> dict[str, Flag]:
    """The project's values with an error on them, by field id (issues name them project.<id>)."""
    flags: dict[str, Flag] = {}
    for issue in report.issues:
        if issue.severity != ERROR or not issue.field:
            continue
        field_id = issue.field.removeprefix("project.")
        if field_id in flags or (project.data.get(field_id) is None and issue.value in (None, "")):
            continue
        source = project.sources.get(field_id)
        if source is not None and (source.sheet, source.cell) == (issue.sheet, issue.cell):
            flags[field_id] = dataclasses.replace(_flag(issue, None), path=field_id)
    return flags


def shallow_flags(flags: dict[str, Flag]) -> dict[str, dict]:
    """Flags as plain dicts, as the run's records and the history store keep them."""
    return {path: {"code": f.code, "message": f.message, "sheet": f.sheet, "cell": f.cell,
                   "value": f.value, "suggestion": f.suggestion} for path, f in flags.items()}


def _belongs(issue: Issue, source, sheet: str) -> bool:
    if source is not None and source.cell:
        return (source.sheet, source.cell) == (issue.sheet, issue.cell)
    return issue.sheet == sheet


def _flag(issue: Issue, suggestion) -> Flag:
    return Flag(issue.field, issue.code, issue.message, issue.sheet, issue.cell, issue.value, suggestion)


def _circle_suggestion(issue: Issue, data: dict) -> float | None:
    """What the county most likely meant, where the rule knows (shown beside the blank cell)."""
    value = _get(data, issue.field)
    if issue.code == "V-RESIDENTS-PEOPLE" and isinstance(value, (int, float)):
        return round_half_up(value / 10000, 2)  # people typed where 万人 belongs
    if issue.code == "V-TOTAL-MISMATCH":
        column = issue.field.split(".", 1)[1]
        parts = [(row or {}).get(column) for row in (data.get("categories") or {}).values()]
        parts = [p for p in parts if isinstance(p, (int, float)) and not isinstance(p, bool)]
        return round_half_up(sum(parts), 2) if parts else None
    return None


def usable(data: dict, flags: dict[str, Flag] | dict) -> dict:
    """`data` with every flagged value set to None (a copy where something is flagged)."""
    if not flags:
        return data
    clean = copy.deepcopy({k: v for k, v in data.items() if k != "score"})
    for path in flags:
        _clear(clean, path)
    return clean


def _get(data: dict, path: str):
    node = data
    for key in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _clear(data: dict, path: str) -> None:
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict) and last in node:
        node[last] = None
