"""Steps 3–4 of the weekly run: circles matched to the registry, resubmissions resolved,
satisfaction surveys assigned, every accepted circle scored, projects gathered.

When the same circle arrives more than once, the newest 截至日期 wins, then the newest
file (modification time), then the path; the others are listed as superseded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from jnqh import forms
from jnqh.consolidate.intake import Arrival
from jnqh.consolidate.model import (
    CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED, CIRCLE_UNMATCHED, CircleEntry,
)
from jnqh.issues import make
from jnqh.normalize import label_key, normalise_county
from jnqh.normalize import circle_key
from jnqh.read.registry import Registry
from jnqh.score.rubric import Rubric
from jnqh.score.record import score_record
from jnqh.batch import gc_paused
from jnqh.read.survey import summarise
from jnqh.check.validate import is_overdue
from jnqh.check.flags import circle_flags, project_flags, shallow_flags


def match_circles(arrivals: list[Arrival], registry: Registry) -> list[CircleEntry]:
    """Every submitted circle with its standing: accepted, superseded or unmatched."""
    entries, candidates = [], defaultdict(list)
    for arrival in arrivals:
        modified = dt.datetime.fromtimestamp(arrival.path.stat().st_mtime).isoformat(timespec="seconds")
        for record in arrival.report.circles:
            registered = registry.match(record.name)
            entry = CircleEntry(
                name=registered.name if registered else (record.name or forms.NO_NAME),
                county=registered.county if registered else record.data.get("county"),
                main_city=registered.main_city if registered else False,
                status=CIRCLE_UNMATCHED if registered is None else CIRCLE_ACCEPTED,
                file=arrival.shown, sheet=record.sheet, data=record.data,
                nearest=None if registered else _nearest(record, arrival, registry),
            )
            entries.append(entry)
            if registered is not None:
                candidates[registered.name].append((record.data.get("as_of") or "", modified, arrival.shown, entry))
    for group in candidates.values():
        group.sort(key=lambda c: c[:3])
        winner = group[-1][3]
        for *_, entry in group[:-1]:
            entry.status, entry.superseded_by = CIRCLE_SUPERSEDED, winner.file
    return entries


def survey_summaries(arrivals: list[Arrival], accepted: list[CircleEntry]) -> dict[str, dict]:
    """The 附件4 figures per circle: a file named after a circle is that circle's;
    otherwise each respondent goes to the circle whose 服务社区 matches their answer."""
    circles = [dict(e.data, name=e.name) for e in accepted]
    per_circle: dict[str, list[dict]] = defaultdict(list)
    pooled: list[dict] = []
    for arrival in arrivals:
        if arrival.survey is None:
            continue
        named = _circle_named_in(arrival.shown, accepted)
        (per_circle[named] if named else pooled).extend(arrival.survey.responses)
        if not named:
            _report_unassigned(arrival, circles)
    result = {}
    for name, responses in per_circle.items():
        result.update(summarise(responses, circles, circle_name=name))
    if pooled:
        for name, summary in summarise(pooled, circles).items():
            if summary["answers"] and name not in result:
                result[name] = summary
    return {name: s for name, s in result.items() if s["answers"]}


def _circle_named_in(shown: str, accepted: list[CircleEntry]) -> str | None:
    stem = label_key(shown.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    names = sorted(((circle_key(e.name), e.name) for e in accepted), key=lambda p: -len(p[0]))
    return next((name for key, name in names if key and key in stem), None)


def _report_unassigned(arrival: Arrival, circles: list[dict]) -> None:
    summary = next(iter(summarise(arrival.survey.responses, circles).values()), None)
    if summary and summary["unassigned"]:
        examples = summary.get("unassigned_examples") or [""]
        arrival.report.issues.append(make("Q-UNASSIGNED", file=arrival.shown, sheet=arrival.survey.sheet,
                                          count=summary["unassigned"], example=examples[0]))


def score_accepted(arrivals: list[Arrival], entries: list[CircleEntry], rubric: Rubric,
                   surveys: dict[str, dict]) -> None:
    """Score each accepted circle with its own projects and survey; issues go to its file."""
    by_file = {a.shown: a for a in arrivals}
    with gc_paused():  # a batch of small acyclic allocations: see jnqh.batch
        for entry in entries:
            if entry.status != CIRCLE_ACCEPTED:
                continue
            arrival = by_file[entry.file]
            record = next(r for r in arrival.report.circles if r.data is entry.data)
            projects = [p.data for p in arrival.report.projects if p.data.get("circle") == record.name]
            entry.survey = surveys.get(entry.name)
            score_record(record, arrival.report, rubric, projects, entry.survey)
            entry.flags = shallow_flags(circle_flags(arrival.report, record))


def gather_projects(arrivals: list[Arrival], entries: list[CircleEntry], as_of: str) -> list[dict]:
    """附件6 rows of the accepted circles, from the file each circle was accepted from; a
    project is overdue by its circle's 截至日期 (by the run's `as_of` where that date is flagged)."""
    accepted = {(e.file, circle_key(e.data.get("name") or "")): e for e in entries if e.status == CIRCLE_ACCEPTED}
    rows = []
    for arrival in arrivals:
        for project in arrival.report.projects:
            entry = accepted.get((arrival.shown, circle_key(project.data.get("circle") or "")))
            if entry is None:
                continue
            row = dict(project.data, circle=entry.name, county=entry.county, file=arrival.shown)
            row["flags"] = shallow_flags(project_flags(arrival.report, project))
            # A flagged 截至日期 (say, in the future) would make every project look overdue.
            due = as_of if "as_of" in entry.flags else (entry.data.get("as_of") or "")
            row["overdue"] = is_overdue(row, due)
            rows.append(row)
    rows.sort(key=lambda r: (r["county"] or "", r["circle"], r.get("name") or ""))
    return rows


def _nearest(record, arrival: Arrival, registry: Registry) -> str | None:
    """The hint for an unmatched circle, from the submitting county's own circles only."""
    county = record.data.get("county") or county_in_path(arrival.shown, registry.counties)
    return registry.nearest(record.name, county)


def file_county(arrival: Arrival, entries: list[CircleEntry], counties: tuple[str, ...]) -> str | None:
    """The county a file belongs to: its circles', else a county named in its path."""
    for entry in entries:
        if entry.file == arrival.shown and entry.county:
            return entry.county
    return county_in_path(arrival.shown, counties)


def county_in_path(shown: str, counties: tuple[str, ...]) -> str | None:
    for part in reversed(shown.split("/")):
        for county in sorted(counties, key=len, reverse=True):
            if county in part:
                return county
        short = normalise_county(part.split("_")[0], counties)
        if short:
            return short
    return None
