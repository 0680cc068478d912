"""附件4 满意度调查表: questionnaire exports (问卷星 and the like) → satisfaction per circle.

An export has one row per respondent: metadata columns (序号, 提交答卷时间, 所用时间, 来自IP,
来源, 来源详情), then one column per question headed ``N、题干``. Answers come as option text
or as option numbers (1-based; -2/-3 mean skipped), multi-choice answers joined with ``┋``.
The questions are found by the start of their text (``forms.SURVEY_QUESTIONS``), never by
column position. Bad data gives problems, not exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from os import PathLike
from pathlib import Path
from typing import Any, Iterable

from jnqh import forms, issues
from jnqh.read.workbook import Unreadable, cell_ref, load_book

MULTI_SEPARATOR = forms.SURVEY_MULTI_JOIN
# Answers that say "no answer" (forms.SURVEY_SKIPPED / SURVEY_BLANK), as the number, the
# words, or the words in full-width brackets.
SKIPPED = frozenset(variant for text, number in (forms.SURVEY_SKIPPED, forms.SURVEY_BLANK)
                    for variant in (str(number), text, text.replace("(", "（").replace(")", "）")))
_NUMBERED = re.compile(r"^\s*(\d+)\s*[、.．:：)）]\s*")
_SPACES = re.compile(r"\s+")
_RESIDENCE_WORD = "居住"
GROUPS = ("business", "service")
UNKNOWN_ANSWER = "Q-ANSWER-UNKNOWN"
DEFAULT_SAMPLE_SHARE = Decimal(str(forms.SURVEY_SAMPLE_SHARE))


@dataclass
class SurveyFile:
    """What one export held: a response per respondent, and the problems found."""

    path: str
    responses: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    sheet: str | None = None
    questions: dict[str, str] = field(default_factory=dict)  # question id → column header
    residence_columns: list[str] = field(default_factory=list)


def _problem(code: str, cell: str | None = None, **params: Any) -> dict:
    """A plain problem record, worded by the issue catalogue; `params` fill its templates again
    when the caller makes the Issue with the file and sheet."""
    issue = issues.make(code, file="", cell=cell, **params)
    return {"code": code, "severity": issue.severity, "message": issue.message, "cell": cell, "params": params}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _squeeze(text: str) -> str:
    """Text without any whitespace, for matching question stems and community names."""
    return _SPACES.sub("", text)


# ---------------------------------------------------------------------------
# Reading an export
# ---------------------------------------------------------------------------


def read_survey(path: str | PathLike[str], data: bytes | None = None) -> SurveyFile:
    """Read a .xlsx or .xls export (`data`: its bytes, when from an archive). Never raises on
    bad data: see ``.problems``."""
    result = SurveyFile(path=str(path))
    tables = _read_tables(Path(path), result.problems, data)
    if tables is None:
        return result
    name, start, rows, header_at, columns = _pick_sheet(tables)
    result.sheet = name
    if header_at is None:
        missing = "、".join(q.prefix for q in forms.SURVEY_QUESTIONS)
        result.problems.append(_problem("Q-NO-QUESTIONS", missing=missing))
        return result
    _read_rows(result, rows[header_at + 1:], columns, start, header_at)
    return result


def _read_tables(path: Path, problems: list[dict], data: bytes | None = None) -> list[tuple[str, Any, list[list]]] | None:
    """(sheet name, start offset, rows) of every sheet; None, with a problem, when unreadable.

    Read through :func:`jnqh.read.workbook.load_book`, so an export gets the same safety checks
    (bombs, entity attacks, passwords) as a county's workbook; its grids start at A1.
    """
    try:
        book = load_book(path, data)
    except Unreadable as failure:
        detail = dict(failure.detail or {})
        detail.pop("reason", None)
        problems.append(_problem(failure.code, **detail))
        return None
    return [(grid.name, (0, 0), grid.rows) for grid in book.sheets]


def _pick_sheet(tables: list[tuple[str, Any, list[list]]]) -> tuple:
    """The sheet whose header row names the most rated questions (exports have one sheet)."""
    best = (None, (0, 0), [], None, {})
    best_found = -1
    for name, start, rows in tables:
        header_at = _header_row(rows)
        if header_at is None:
            continue
        columns = _question_columns(rows[header_at])
        found = len(columns["questions"])
        if found > best_found:
            best, best_found = (name, start or (0, 0), rows, header_at, columns), found
    if best[0] is None and tables:
        return tables[0][0], tables[0][1] or (0, 0), tables[0][2], None, {}
    return best


def _header_row(rows: list[list]) -> int | None:
    """The first row that looks like a header: 序号 or numbered question stems."""
    for index, row in enumerate(rows[:20]):
        texts = [_text(value) for value in row]
        numbered = sum(1 for text in texts if _NUMBERED.match(text))
        if "序号" in texts or numbered >= 3:
            return index
    return None


def _question_columns(header: list) -> dict:
    """Column indexes of the seven rated questions and of the 小区/社区 question."""
    stems = [(col, _text(value), _squeeze(_NUMBERED.sub("", _text(value)))) for col, value in enumerate(header)]
    questions: dict[str, tuple[int, str]] = {}
    for question in forms.SURVEY_QUESTIONS:
        prefix = _squeeze(question.prefix)
        match = next((c for c in stems if c[2].startswith(prefix)), None) \
            or next((c for c in stems if prefix in c[2]), None)
        if match is not None:
            questions[question.id] = (match[0], match[1])
    residence = [(col, text) for col, text, stem in stems
                 if _RESIDENCE_WORD in stem and any(key in stem for key in forms.SURVEY_RESIDENCE_KEYS)]
    return {"questions": questions, "residence": residence}


def _read_rows(result: SurveyFile, rows: list[list], columns: dict, start: tuple, header_at: int) -> None:
    questions, residence = columns["questions"], columns["residence"]
    result.questions = {qid: header for qid, (_, header) in questions.items()}
    result.residence_columns = [header for _, header in residence]
    _report_missing_questions(result, questions, residence)
    # question id → (cell, text) of each answer that is no option of the question
    unknown: dict[str, list[tuple[str, str]]] = {}
    first_row = start[0] + header_at + 1
    asked = [(q, questions[q.id][0]) for q in forms.SURVEY_QUESTIONS if q.id in questions]
    for offset, row in enumerate(rows):
        if not any(_text(value) for value in row):
            continue  # a blank line in the export, not a respondent
        answers = {}
        for question, col in asked:
            value = row[col] if col < len(row) else None
            answer, known = decode_answer(value, question.options)
            if not known:
                cell = cell_ref(first_row + offset, start[1] + col)
                unknown.setdefault(question.id, []).append((cell, _text(value)))
            answers[question.id] = answer
        result.responses.append({
            "row": first_row + offset + 1,
            "id": _text(row[0]) if row else "",
            "residence": _residence(row, residence),
            "answers": answers,
        })
    for question_id, found in unknown.items():
        (cell, example), header = found[0], questions[question_id][1]
        result.problems.append(_problem(UNKNOWN_ANSWER, cell=cell, question=header,
                                        count=len(found), example=example))


def _report_missing_questions(result: SurveyFile, questions: dict, residence: list) -> None:
    missing = [q.prefix for q in forms.SURVEY_QUESTIONS if q.id not in questions]
    if missing:
        result.problems.append(_problem("Q-NO-QUESTIONS", missing="；".join(missing)))
    if not residence:
        result.problems.append(_problem("Q-NO-RESIDENCE"))


def _residence(row: list, residence: list[tuple[int, str]]) -> str | None:
    parts = [_text(row[col]) for col, _ in residence if col < len(row)]
    parts = [part for part in parts if part and part not in SKIPPED]
    return MULTI_SEPARATOR.join(parts) if parts else None


def decode_answer(value: Any, options: tuple[str, ...]) -> tuple[str | None, bool]:
    """(option label or None for blank, recognised?). Numbers are 1-based option indexes."""
    text = _text(value)
    if not text or text in SKIPPED:
        return None, True
    if text.isdigit():
        index = int(text)
        return (options[index - 1], True) if 1 <= index <= len(options) else (None, False)
    if text in options:
        return text, True
    # "A.很满意" or "很满意（5分）": the longest option the text contains; longest first so
    # that "不满意" is not read as a bare "满意"-like shorter option.
    contained = [option for option in options if option in text]
    if contained:
        return max(contained, key=len), True
    return None, False


# ---------------------------------------------------------------------------
# Summarising per circle
# ---------------------------------------------------------------------------


def summarise(responses: Iterable[dict], circles: Iterable[dict], *, circle_name: str | None = None,
              sample_share: Decimal = DEFAULT_SAMPLE_SHARE) -> dict[str, dict]:
    """Satisfaction per circle: ``{name: {"answers", "business_pct", "service_pct", ...}}``.

    Each respondent goes to the circle whose 服务社区 matches the 小区/社区 answer (substring
    either way, spaces ignored), or, with `circle_name`, every respondent to that circle.
    ``unassigned`` is the file's count of respondents no circle matched.
    """
    circles = list(circles)
    matcher = _CommunityMatcher(circles)
    tallies = {c.get("name"): _Tally() for c in circles if c.get("name")}
    if circle_name is not None:
        tallies.setdefault(circle_name, _Tally())
    unassigned: list[str] = []
    for response in responses:
        name = circle_name if circle_name is not None else matcher.circle_for(response.get("residence"))
        if name is None:
            unassigned.append(response.get("residence") or "")
            continue
        tallies[name].add(response.get("answers") or {})
    residents = {c.get("name"): c.get("residents_10k") for c in circles}
    examples = [text for text in dict.fromkeys(unassigned) if text][:5]
    return {name: tally.summary(residents.get(name), sample_share, len(unassigned), examples)
            for name, tally in tallies.items()}


class _CommunityMatcher:
    """Finds the circle of a 小区/社区 answer.

    A community named inside the answer wins (the longest, so 古槐社区东区 beats 古槐社区);
    else an answer that is part of a community name (the shortest such name: the closest).
    """

    def __init__(self, circles: list[dict]) -> None:
        self.communities = [
            (_squeeze(str(community)), circle.get("name"))
            for circle in circles if circle.get("name")
            for community in circle.get("communities") or () if _squeeze(str(community))
        ]
        self.communities.sort(key=lambda pair: -len(pair[0]))

    def circle_for(self, residence: str | None) -> str | None:
        if not residence:
            return None
        parts = [part for part in (_squeeze(p) for p in residence.split(MULTI_SEPARATOR)) if part]
        for part in parts:
            for community, name in self.communities:
                if community in part:
                    return name
        for part in parts:
            for community, name in reversed(self.communities):
                if part in community:
                    return name
        return None


@dataclass
class _Tally:
    answers: int = 0
    positive: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))
    answered: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))

    def add(self, answers: dict[str, str | None]) -> None:
        self.answers += 1
        for question in forms.SURVEY_QUESTIONS:
            answer = answers.get(question.id)
            if answer is None:
                continue  # forms.md: a blank answer is not counted
            self.answered[question.group] += 1
            if answer in question.positive:
                self.positive[question.group] += 1

    def summary(self, residents_10k: Any, share: Decimal, unassigned: int, examples: list[str]) -> dict:
        required = None
        if residents_10k is not None:
            exact = share * Decimal(str(residents_10k)) * 10000
            required = int(exact.to_integral_value(rounding=ROUND_CEILING))
        record = {
            "answers": self.answers,
            "business_pct": self._pct("business"),
            "service_pct": self._pct("service"),
            "sample_required": required,
            "sample_ok": None if required is None else self.answers >= required,
            "unassigned": unassigned,
            "unassigned_examples": examples,
        }
        for group in GROUPS:
            record[f"{group}_positive"] = self.positive[group]
            record[f"{group}_answered"] = self.answered[group]
        return record

    def _pct(self, group: str) -> float | None:
        if not self.answered[group]:
            return None
        # Decimal then float: 8999 of 10000 gives 89.99, never 89.99000000000001
        return float(Decimal(self.positive[group]) * 100 / Decimal(self.answered[group]))
