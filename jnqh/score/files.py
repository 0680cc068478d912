"""`jnqh score`: check, then both rubrics for every circle, from workbooks or check JSON.

A `.json` path holds records in the shape `jnqh check --format json` prints, so records
can be edited by hand or come from another system; they are read through the same
normalisation and rules as a workbook (:mod:`jnqh.check.json_input`), then scored.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jnqh.check.files import CheckResult, check_paths
from jnqh.check.json_input import load_check_json
from jnqh.read.registry import Registry
from jnqh.score.rubric import Rubric
from jnqh.score.record import score_file
from jnqh.read.survey import read_survey, summarise


def score_paths(paths: list[Path], *, rubric: Rubric, registry: Registry | None = None,
                surveys: list[Path] = (), today: dt.date | None = None) -> CheckResult:
    workbooks = [p for p in paths if p.suffix.lower() != ".json"]
    result = check_paths(workbooks, registry=registry, today=today) if workbooks else CheckResult()
    result.files += [load_check_json(p, registry=registry, today=today) for p in paths if p.suffix.lower() == ".json"]
    responses = [r for path in surveys for r in read_survey(path).responses]
    for report in result.files:
        figures = summarise(responses, [c.data for c in report.circles]) if responses else {}
        score_file(report, rubric, {k: v for k, v in figures.items() if v["answers"]})
    return result
