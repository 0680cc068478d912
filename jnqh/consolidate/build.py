"""Steps 2–4 of the weekly run: from what was read to a :class:`Run` — circles matched to the
registry, resubmissions resolved, every circle scored, then every figure of the outputs
computed once (:mod:`jnqh.consolidate.figures`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jnqh.config import Settings
from jnqh.consolidate import figures, matching
from jnqh.consolidate.intake import Arrival, Intake
from jnqh.consolidate.model import (
    CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED, FILE_ACCEPTED, FILE_CONVERT, FILE_NO_CIRCLES,
    FILE_SUPERSEDED, FILE_UNREADABLE, CircleEntry, FileEntry, Run,
)
from jnqh.store.history import History
from jnqh.issues import Issue, make
from jnqh.read.registry import Registry


def build_run(intake: Intake, registry: Registry, settings: Settings, as_of: dt.date,
              history: History) -> Run:
    previous = history.latest(before_as_of=as_of.isoformat())
    run = Run(as_of=as_of, number=history.next_number(as_of.isoformat()), generated=as_of.isoformat(),
              ignored=intake.ignored, locks=intake.locks)
    arrivals = intake.arrivals
    run.circles = matching.match_circles(arrivals, registry)
    surveys = matching.survey_summaries(arrivals, run.accepted)
    matching.score_accepted(arrivals, run.circles, settings.rubric, surveys)
    run.projects = matching.gather_projects(arrivals, run.circles, as_of.isoformat())
    by_file: dict[str, list[CircleEntry]] = {}
    for circle in run.circles:
        by_file.setdefault(circle.file, []).append(circle)
    run.files = ([_file_entry(a, by_file.get(a.shown, []), registry) for a in arrivals]
                 + _convert_entries(intake, registry))
    run.issues = sorted(_all_issues(arrivals, intake) + registry.problems, key=Issue.sort_key)
    figures.compute(run, registry, settings.targets, previous.summary if previous else None,
                    history.circles_of_run(previous.id) if previous else [], _earlier(history, as_of),
                    settings.reply_days)
    return run


def _earlier(history: History, as_of: dt.date) -> list[dict]:
    """The summary of each earlier period (its last run), oldest first."""
    latest: dict[str, dict] = {}
    for row in history.runs():
        if row.as_of < as_of.isoformat():
            latest[row.as_of] = row.summary
    return [latest[day] for day in sorted(latest)]


def _file_entry(arrival: Arrival, mine: list[CircleEntry], registry: Registry) -> FileEntry:
    """The 文件清单 row of one file; `mine` are the circles it held."""
    report = arrival.report
    stat = arrival.path.stat()
    entry = FileEntry(
        path=arrival.shown, sha256=report.sha256, status=_file_status(report, mine), size=stat.st_size,
        modified=dt.datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds"),
        circles=[c.name for c in mine], projects=len(report.projects),
        errors=report.error_count, warnings=report.warning_count, reused=arrival.reused,
        county=matching.file_county(arrival, mine, registry.counties),
    )
    entry.reason = _reason(report, mine, arrival)
    return entry


def _file_status(report, mine) -> str:
    if report.unreadable:
        return FILE_UNREADABLE
    if any(c.status == CIRCLE_ACCEPTED for c in mine):
        return FILE_ACCEPTED
    if any(c.status == CIRCLE_SUPERSEDED for c in mine):
        return FILE_SUPERSEDED
    return FILE_NO_CIRCLES


def _reason(report, mine, arrival: Arrival) -> str:
    if report.unreadable:
        return report.issues[0].message if report.issues else "无法读取"
    if arrival.survey is not None:
        return f"满意度问卷，{len(arrival.survey.responses)} 份答卷"
    superseded = [c for c in mine if c.status == CIRCLE_SUPERSEDED]
    if superseded and len(superseded) == len(mine):
        return "其中的生活圈已由较新的报送替代：" + "、".join(sorted({c.superseded_by for c in superseded}))
    if not mine:
        return "只有项目清单，没有附件5" if report.projects else "没有可采用的生活圈"
    unmatched = [c.name for c in mine if c.status == "unmatched"]
    return ("名册中没有：" + "、".join(unmatched)) if unmatched else ""


def _convert_entries(intake: Intake, registry: Registry) -> list[FileEntry]:
    return [FileEntry(path=p, sha256=None, status=FILE_CONVERT, size=0, modified="",
                      reason="CSV/ODS 等文件，请另存为 .xlsx",
                      county=matching.county_in_path(p, registry.counties)) for p in intake.convert]


def _all_issues(arrivals: list[Arrival], intake: Intake) -> list[Issue]:
    found = [i for a in arrivals for i in a.report.issues]
    found += [make("F-CONVERT", file=p, ext=Path(p).suffix) for p in intake.convert]
    return sorted(found, key=Issue.sort_key)
