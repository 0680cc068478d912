"""`jnqh check`: read and check workbooks, the self-check county leads run before sending."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from jnqh import issues
from jnqh.discover import discover
from jnqh.model import SURVEY_KIND, FileReport
from jnqh.read import read_file
from jnqh.registry import Registry
from jnqh.survey import SurveyFile, read_survey


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
        report, _ = read_submission(path, shown_as=str(path), registry=registry, today=today)
        result.files.append(report)
    result.files.sort(key=lambda f: f.path)
    return result


def read_submission(path: Path, *, shown_as: str, registry: Registry | None,
                    today: dt.date) -> tuple[FileReport, SurveyFile | None]:
    """One file as it arrived: a form workbook, or else perhaps a 附件4 questionnaire export."""
    report = read_file(path, shown_as=shown_as, registry=registry, today=today)
    return report, _as_survey(path, shown_as, report)


def _as_survey(path: Path, shown: str, report: FileReport) -> SurveyFile | None:
    """A file with no 附件5/附件6 may be a questionnaire export; read it as one if so."""
    if not report.unreadable or [i.code for i in report.issues] != ["F-NO-FORM"]:
        return None
    survey = read_survey(path)
    if not survey.questions:
        return None
    survey.path = shown
    report.unreadable = False
    report.kind, report.responses = SURVEY_KIND, len(survey.responses)
    report.issues = [issues.make(p["code"], file=shown, sheet=survey.sheet, cell=p.get("cell"),
                                 **{k: v for k, v in (p.get("params") or {}).items() if k != "file"})
                     for p in survey.problems]
    return survey


def _failed(path: Path, code: str, **params: object) -> FileReport:
    issue = issues.make(code, file=str(path), **params)
    return FileReport(path=str(path), sha256=None, issues=[issue], unreadable=True)
