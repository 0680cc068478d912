"""`jnqh check`: read and check workbooks, the self-check county leads run before sending."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from jnqh import issues
from jnqh.read.archive import list_archive, read_member, shown_member
from jnqh.read.discover import discover, is_word_without_form
from jnqh.model import SURVEY_KIND, FileReport
from jnqh.batch import gc_paused
from jnqh.check.validate import validate_circle, validate_projects
from jnqh.read import read_file
from jnqh.read.context import ReadContext
from jnqh.read.registry import Registry
from jnqh.read.survey import SurveyFile, read_survey
from jnqh.read.workbook import Unreadable


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
        result.files.append(failed_report(path, "F-MISSING"))
    for path in found.ignored:
        if path in paths:  # named explicitly: say why it is not read
            result.files.append(failed_report(path, "F-NOT-EXCEL", ext=path.suffix or "（无扩展名）"))
    for path in found.convert:
        result.files.append(failed_report(path, "F-CONVERT", ext=path.suffix))
    for path in found.foreign_archives:
        result.files.append(failed_report(path, "F-ARCHIVE-FORMAT", ext=path.suffix))
    for path in found.spreadsheets:
        report, _ = read_submission(path, shown_as=str(path), registry=registry, today=today)
        result.files.append(report)
    for path in found.archives:
        _check_archive(path, result, registry, today)
    _letters_aside(result)
    result.files.sort(key=lambda f: f.path)
    return result


def _letters_aside(result: CheckResult) -> None:
    """Word documents without a form are listed as not read, not as broken files."""
    letters = [f for f in result.files if is_word_without_form(f.path, [i.code for i in f.issues])]
    result.files = [f for f in result.files if f not in letters]
    result.ignored += [f.path for f in letters]


def _check_archive(path: Path, result: CheckResult, registry: Registry | None, today: dt.date) -> None:
    """Every workbook inside a .zip, each a file of its own (`archive.zip › member.xlsx`)."""
    shown = str(path)
    try:
        contents = list_archive(path)
    except Unreadable as failure:
        result.files.append(failed_archive(shown, failure))
        return
    for name in contents.convert:
        result.files.append(failed_report(shown_member(shown, name), "F-CONVERT", ext=Path(name).suffix))
    for name in contents.spreadsheets:
        report, _ = read_archived(path, name, shown_as=shown_member(shown, name), registry=registry, today=today)
        result.files.append(report)
    if not contents.spreadsheets and not contents.convert:
        result.files.append(failed_report(shown, "F-ARCHIVE-EMPTY"))
    result.ignored += [shown_member(shown, name) for name in contents.ignored]


def failed_archive(shown: str, failure: Unreadable) -> FileReport:
    """The report of a .zip that cannot be opened (damaged, password, bomb)."""
    params = {k: v for k, v in failure.detail.items() if k not in ("reason", "path")}
    params.setdefault("ext", ".zip")
    return failed_report(shown, failure.code, **params)


def read_archived(path: Path, name: str, *, shown_as: str, registry: Registry | None,
                  today: dt.date) -> tuple[FileReport, SurveyFile | None]:
    """One member of a .zip, read as read_submission reads a file."""
    try:
        data = read_member(path, name)
    except Unreadable as failure:
        return failed_archive(shown_as, failure), None
    return read_submission(Path(name), shown_as=shown_as, registry=registry, today=today, data=data)


def read_submission(path: Path, *, shown_as: str, registry: Registry | None,
                    today: dt.date, data: bytes | None = None) -> tuple[FileReport, SurveyFile | None]:
    """One file as it arrived: a form workbook, or else perhaps a 附件4 questionnaire export.

    `data`: its bytes when it came inside an archive (`path` is then its name there)."""
    report = check_file(path, shown_as=shown_as, registry=registry, today=today, data=data)
    return report, _as_survey(path, shown_as, report, data)


def check_file(path: Path, *, shown_as: str | None = None, registry: Registry | None = None,
               today: dt.date | None = None, data: bytes | None = None) -> FileReport:
    """Read one workbook, then hold what it says to the rules: read, then check."""
    today = today or dt.date.today()
    report = read_file(path, shown_as=shown_as, registry=registry, today=today, data=data)
    check_report(report, registry, today)
    return report


def check_report(report: FileReport, registry: Registry | None, today: dt.date) -> None:
    """The rules of jnqh.check.validate on what was read; their issues join the report's."""
    if report.unreadable:
        return
    ctx = ReadContext(file=report.path, today=today, found=report.issues)
    with gc_paused():
        for circle in report.circles:
            validate_circle(circle, ctx, registry)
        validate_projects(report.projects, ctx, {c.name: c.data.get("as_of") for c in report.circles
                                                 if c.name and c.data.get("as_of")})
    report.issues = ctx.found


def _as_survey(path: Path, shown: str, report: FileReport, data: bytes | None) -> SurveyFile | None:
    """A file with no 附件5/附件6 may be a questionnaire export; read it as one if so."""
    if not report.unreadable or [i.code for i in report.issues] != ["F-NO-FORM"]:
        return None
    survey = read_survey(path, data)
    if not survey.questions:
        return None
    survey.path = shown
    report.unreadable = False
    report.kind, report.responses = SURVEY_KIND, len(survey.responses)
    report.issues = [issues.make(p["code"], file=shown, sheet=survey.sheet, cell=p.get("cell"),
                                 **{k: v for k, v in (p.get("params") or {}).items() if k != "file"})
                     for p in survey.problems]
    return survey


def failed_report(path: Path | str, code: str, **params: object) -> FileReport:
    issue = issues.make(code, file=str(path), **params)
    return FileReport(path=str(path), sha256=None, issues=[issue], unreadable=True)
