"""`jnqh survey`: questionnaire exports → answers, 业态/服务满意度 and sample check per circle."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jnqh import issues
from jnqh.check.flags import round_half_up
from jnqh.check.files import check_paths
from jnqh.issues import Issue
from jnqh.read.registry import Registry
from jnqh.write.text import issue_line
from jnqh.read.survey import read_survey, summarise


@dataclass
class SurveyResult:
    circles: dict[str, dict] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)  # path, answers, questions found
    found: list[Issue] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(i.severity == issues.ERROR for i in self.found)

    def to_json(self) -> dict:
        return {"files": self.files, "circles": self.circles, "issues": [
            dict(i.to_json(), file=i.file) for i in self.found]}


def survey_paths(paths: list[Path], *, circle_files: list[Path] = (), circle_name: str | None = None,
                 registry: Registry | None = None) -> SurveyResult:
    result = SurveyResult()
    circles = [c.data for f in check_paths(list(circle_files), registry=registry).files
               for c in f.circles] if circle_files else []
    responses = []
    for path in paths:
        survey = read_survey(path)
        responses += survey.responses
        result.files.append({"path": str(path), "answers": len(survey.responses),
                             "questions": sorted(survey.questions)})
        result.found += [_issue(problem, path, survey.sheet) for problem in survey.problems]
    if circle_name is None and not circles:
        circle_name = "（全部答卷）"
    figures = summarise(responses, circles, circle_name=circle_name)
    result.circles = {name: figure for name, figure in figures.items() if figure["answers"] or name == circle_name}
    return result


def render_survey(result: SurveyResult) -> str:
    lines = []
    for name, f in result.circles.items():
        sample = ("样本达标" if f["sample_ok"] else f"样本不足（需 {f['sample_required']} 份）") \
            if f.get("sample_ok") is not None else "未知居民数，无法判断样本"
        lines.append(f"{name}：答卷 {f['answers']} 份，业态满意度 {_pct(f['business_pct'])}，"
                     f"服务满意度 {_pct(f['service_pct'])}，{sample}")
    unassigned = max((f.get("unassigned") or 0 for f in result.circles.values()), default=0)
    if unassigned:
        lines.append(f"另有 {unassigned} 份答卷无法归到任何生活圈。")
    lines += [issue_line(i) for i in result.found]
    return "\n".join(lines) if lines else "没有读到答卷。"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round_half_up(value):.1f}%"


def _issue(problem: dict, path: Path, sheet: str | None) -> issues.Issue:
    """An Issue from a survey problem; a refusal of the loader names its own sheet."""
    params = dict(problem.get("params") or {})
    params.pop("file", None)
    return issues.make(problem["code"], file=str(path), sheet=params.pop("sheet", None) or sheet,
                       cell=problem.get("cell"), **params)
