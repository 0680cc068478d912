"""Scoring the circles of a checked file: the rubric's result on each record, gaps as issues.

Shared by ``jnqh score`` and ``jnqh consolidate``: the score goes into the circle's data
(``score``, the JSON contract), and what the scorer could not use — a fact not filled, a
self-score that differs from the computed one — becomes an issue at the right cell.
"""

from __future__ import annotations

from jnqh import forms
from jnqh.check.flags import circle_flags, usable
from jnqh.issues import make
from jnqh.model import CircleRecord, FileReport, Source
from jnqh.score.rubric import Rubric
from jnqh.score.items import score_circle

PRESENCE_ITEM = "业态“有没有”"


def score_file(report: FileReport, rubric: Rubric, surveys: dict[str, dict] | None = None) -> None:
    """Score every circle of `report` in place, adding the scorer's findings to its issues."""
    surveys = surveys or {}
    for circle in report.circles:
        projects = [p.data for p in report.projects if p.data.get("circle") == circle.name]
        score_record(circle, report, rubric, projects, surveys.get(circle.name or ""))


def score_record(circle: CircleRecord, report: FileReport, rubric: Rubric, projects: list[dict],
                 survey: dict | None) -> dict:
    """Score `circle` on its usable values: a value with an error on it is left out (jnqh.check.flags),
    and is not reported again as missing."""
    flagged = circle_flags(report, circle)
    score = score_circle(usable(circle.data, flagged), rubric, projects=projects, survey=survey)
    circle.data["score"] = score
    by_item = {path: item["name"] for item in score["service"]["items"] for path in item.get("missing") or ()}
    for path in score.get("missing") or ():
        if path in flagged:
            continue
        item = by_item.get(path, PRESENCE_ITEM)
        report.issues.append(_issue("S-FACT-MISSING", report, circle, path, item=item,
                                    label=forms.field_label(path), where=fact_place(path)))
    for diff in score.get("self_score_differences") or ():
        report.issues.append(_issue("S-SELF-SCORE", report, circle, "self_score", item=diff.get("item", ""),
                                    self_score=diff.get("self_score"), points=diff.get("points")))
    return score


def fact_place(path: str) -> str:
    """Where a fact the scorer needs is filled: the form it belongs to, as the template names it."""
    if path == "service.events":
        return f"“{forms.EVENTS_LABEL}”表（每次活动一行）"
    if path.startswith("presence"):
        return "附件2（业态清单）"
    if path.startswith("service."):
        return "附件3（服务指标）"
    return "本生活圈的附件5"


def _issue(code: str, report: FileReport, circle: CircleRecord, path: str, **params):
    source = circle.source(path) or Source(circle.sheet, "")
    return make(code, file=report.path, sheet=source.sheet, cell=source.cell or None,
                field=path, circle=circle.name, **params)
