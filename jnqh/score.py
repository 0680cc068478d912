"""`jnqh score`: check, then both rubrics for every circle, from workbooks or check JSON.

A `.json` path holds records in the shape `jnqh check --format json` prints, so records
can be edited by hand or come from another system; they are scored as they stand.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from jnqh import issues
from jnqh.check import CheckResult, check_paths
from jnqh.model import CircleRecord, FileReport, ProjectRecord
from jnqh.registry import Registry
from jnqh.rubric import Rubric
from jnqh.scorecard import score_file
from jnqh.survey import read_survey, summarise


def score_paths(paths: list[Path], *, rubric: Rubric, registry: Registry | None = None,
                surveys: list[Path] = (), today: dt.date | None = None) -> CheckResult:
    workbooks = [p for p in paths if p.suffix.lower() != ".json"]
    result = check_paths(workbooks, registry=registry, today=today) if workbooks else CheckResult()
    result.files += [load_check_json(p) for p in paths if p.suffix.lower() == ".json"]
    responses = [r for path in surveys for r in read_survey(path).responses]
    for report in result.files:
        figures = summarise(responses, [c.data for c in report.circles]) if responses else {}
        score_file(report, rubric, {k: v for k, v in figures.items() if v["answers"]})
    return result


def load_check_json(path: Path) -> FileReport:
    """The first file entry of a check JSON document (or every one, merged), as records."""
    shown = str(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8-sig"))
        entries = payload["files"] if isinstance(payload, dict) and "files" in payload else [payload]
        report = FileReport(path=shown, sha256=None)
        for entry in entries:
            report.circles += [CircleRecord(dict(c), sheet=entry.get("path", shown)) for c in entry.get("circles", [])]
            report.projects += [ProjectRecord(dict(p), sheet="", row=0) for p in entry.get("projects", [])]
        return report
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
        issue = issues.make("F-JSON", file=shown, reason=str(err))
        return FileReport(path=shown, sha256=None, issues=[issue], unreadable=True)
