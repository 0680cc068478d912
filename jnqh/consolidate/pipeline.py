"""`jnqh consolidate`: the weekly run, steps 1–6 of workflow.md, as one function.

read the inbox → match to the registry → resolve resubmissions → score → summarise →
write every output atomically into ``outbox/<as_of>/`` → record the run in the history.
One run at a time per outbox (a lock); the inbox is never written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from jnqh.config import Settings
from jnqh.consolidate import matching, summary
from jnqh.consolidate.intake import Arrival, Intake, list_inbox, read_inbox, registry_fingerprint
from jnqh.consolidate.lock import run_lock
from jnqh.consolidate.model import (
    CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED, FILE_ACCEPTED, FILE_CONVERT, FILE_NO_CIRCLES,
    FILE_SUPERSEDED, FILE_UNREADABLE, FileEntry, Run,
)
from jnqh.consolidate.outputs import write_outputs
from jnqh.consolidate.state import run_from_state, run_to_state
from jnqh.history import History
from jnqh.issues import Issue, make
from jnqh.registry import Registry


@dataclass(frozen=True)
class Options:
    inbox: Path
    outbox: Path
    as_of: dt.date
    workers: int = 2
    progress: Callable[[int], None] | None = None  # called with the number of files done
    on_total: Callable[[int], None] | None = None  # told how many files there are


class InboxMissing(Exception):
    """The inbox folder does not exist (a usage error)."""


def consolidate(settings: Settings, registry: Registry, options: Options) -> Run:
    if not options.inbox.is_dir():
        raise InboxMissing(f"收件箱文件夹 {options.inbox} 不存在。请先建立它并放入各县市区报来的文件，或用 --inbox 指定")
    with run_lock(options.outbox), History(settings.history_path) as history:
        listing = list_inbox(options.inbox)
        if options.on_total:
            options.on_total(len(listing.found.spreadsheets))
        fingerprint = listing.fingerprint(*_settings_fingerprint(settings, options))
        unchanged = _unchanged_run(history, options, fingerprint)
        if unchanged is not None:
            if options.progress:
                options.progress(len(listing.found.spreadsheets))
            return unchanged
        intake = read_inbox(listing, registry=registry, registry_path=settings.registry,
                            today=options.as_of, history=history, workers=options.workers,
                            progress=options.progress)
        run = build_run(intake, registry, settings, options.as_of, history)
        summary = write_outputs(run, settings, options.outbox, workers=options.workers)
        _record(history, run, summary, fingerprint)
    return run


def _settings_fingerprint(settings: Settings, options: Options) -> tuple[str, ...]:
    templates = settings.report_templates
    template_files = sorted(templates.rglob("*")) if templates and templates.is_dir() else []
    return (options.as_of.isoformat(), repr(settings.rubric), registry_fingerprint(settings.registry),
            str(options.outbox.resolve()),
            *(f"{p.name}|{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in template_files if p.is_file()))


def _unchanged_run(history: History, options: Options, fingerprint: str) -> Run | None:
    """The previous run for this date, when nothing it was made from has changed and its
    outputs are all still there: the rerun then only confirms it (no parsing, no writing)."""
    row = history.run_for(options.as_of.isoformat())
    if row is None or history.fingerprint_of(row.id) != fingerprint:
        return None
    state = history.state_of(row.id)
    run = run_from_state(state) if state else None
    if run is None or not all((options.outbox / path).exists() for path in run.outputs.values()):
        return None
    for entry in run.files:
        entry.reused = True
    return run


def build_run(intake: Intake, registry: Registry, settings: Settings, as_of: dt.date,
              history: History) -> Run:
    previous = history.latest(before_as_of=as_of.isoformat())
    run = Run(as_of=as_of, number=history.next_number(as_of.isoformat()), generated=as_of.isoformat(),
              ignored=intake.ignored, locks=intake.locks)
    arrivals = intake.arrivals
    run.circles = matching.match_circles(arrivals, registry)
    surveys = matching.survey_summaries(arrivals, run.accepted)
    matching.score_accepted(arrivals, run.circles, settings.rubric, surveys)
    run.projects = matching.gather_projects(arrivals, run.circles)
    run.files = [_file_entry(a, run, registry) for a in arrivals] + _convert_entries(intake, registry)
    run.issues = _all_issues(arrivals, intake)
    run.counties = summary.county_rows(run, registry)
    run.missing_counties = [row.county for row in run.counties if row.files == 0]
    run.type_counts = summary.type_counts(run)
    previous_summary = previous.summary if previous else None
    run.targets = summary.targets(run, previous_summary)
    run.changes = summary.changes(run, previous_summary,
                                  history.circles_of_run(previous.id) if previous else [])
    return run


def _file_entry(arrival: Arrival, run: Run, registry: Registry) -> FileEntry:
    report = arrival.report
    mine = [c for c in run.circles if c.file == arrival.shown]
    stat = arrival.path.stat()
    entry = FileEntry(
        path=arrival.shown, sha256=report.sha256, status=_file_status(report, mine), size=stat.st_size,
        modified=dt.datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds"),
        circles=[c.name for c in mine], projects=len(report.projects),
        errors=report.error_count, warnings=report.warning_count, reused=arrival.reused,
        county=matching.file_county(arrival, run.circles, registry.counties),
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
                      reason="WPS/CSV 文件，请另存为 .xlsx",
                      county=matching.county_in_path(p, registry.counties)) for p in intake.convert]


def _all_issues(arrivals: list[Arrival], intake: Intake) -> list[Issue]:
    found = [i for a in arrivals for i in a.report.issues]
    found += [make("F-CONVERT", file=p, ext=Path(p).suffix) for p in intake.convert]
    return sorted(found, key=Issue.sort_key)


def _record(history: History, run: Run, summary: dict, fingerprint: str) -> None:
    files = [(f.path, f.sha256, f.status, f.county, len(f.circles), f.errors, f.warnings) for f in run.files]
    issue_counts: dict[str, int] = {}
    for issue in run.issues:
        issue_counts[issue.file] = issue_counts.get(issue.file, 0) + 1
    circles = [(c.county, c.name, c.status, c.file, c.score.get("presence", {}).get("total"),
                c.score.get("service", {}).get("total"), c.score.get("service", {}).get("grade"),
                c.final_type, issue_counts.get(c.file, 0)) for c in run.circles]
    history.record_run(run.number, run.as_of.isoformat(), dt.datetime.now().isoformat(timespec="seconds"),
                       summary, files, circles, run_to_state(run), fingerprint)
