"""附件4 answers as an online questionnaire service (问卷星) exports them.

A row is one respondent: ``{"submitted", "seconds", "ip", "source", "answers"}`` where
``answers`` maps the question number to an option label, a list of labels (multi-choice),
free text, or None (skipped). The writer turns that into the export's columns: the
metadata first, then ``N、题干`` with the seed's full question texts, answers as text or
as option numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

from jnqh import forms
from jnqh.samples import texts
from jnqh.samples.xlsx import Target, deliver, write_xlsx

SINGLE, MULTI, FILL = "single", "multi", "fill"
METADATA = ("序号", "提交答卷时间", "所用时间", "来自IP", "来源", "来源详情")
JOIN = forms.SURVEY_MULTI_JOIN  # 问卷星's conventions are defined once, in jnqh.forms
SKIPPED_TEXT, SKIPPED_NUMBER = forms.SURVEY_SKIPPED
BLANK_TEXT, BLANK_NUMBER = forms.SURVEY_BLANK


@dataclass(frozen=True)
class Question:
    no: int
    text: str
    kind: str
    options: tuple[str, ...] = ()
    rated: str | None = None  # the forms.SURVEY_QUESTIONS id, for the rated seven


def _rated(no: int, question_id: str, text: str) -> Question:
    spec = next(q for q in forms.SURVEY_QUESTIONS if q.id == question_id)
    if not text.startswith(spec.prefix):  # the reader finds the question by this prefix
        raise ValueError(f"question {no} does not start with {spec.prefix!r}")
    return Question(no, text, SINGLE, spec.options, question_id)


# The seed's 附件4, in its order; the residence question has two blanks (two columns).
QUESTIONS: tuple[Question, ...] = (
    Question(1, "您的性别", SINGLE, ("男", "女")),
    Question(2, "您的职业", SINGLE, texts.OCCUPATIONS),
    Question(3, "您的年龄", SINGLE, texts.AGES),
    Question(4, "您的月收入", SINGLE, texts.INCOMES),
    Question(5, "您居住在____小区，属于____街道/社区(小区)", FILL),
    Question(6, "您居住在____小区，属于____街道/社区(街道/社区)", FILL),
    Question(7, "您所在的一刻钟便民生活圈配备了以下哪些基本保障类业态？（多选）", MULTI,
             tuple(t.label for t in forms.BASIC_TYPES)),
    _rated(8, "q_basic", "您认为上述基本保障类业态，是否能够满足您日常生活的消费，在基本保障方面做到网点齐全、"
                         "数量充足？（指商业、服务业）"),
    Question(9, "您所在的一刻钟便民生活圈配备了以下哪些品质提升类业态？（多选）", MULTI,
             tuple(t.label for t in forms.QUALITY_TYPES)),
    _rated(10, "q_quality", "您认为上述品质提升类业态，是否能够满足您的生活品质消费，文化、休闲、娱乐、健康等"
                            "网点齐全？（指商业、服务业）"),
    _rated(11, "q_convenience", "您认为在一刻钟便民生活圈中消费是否足够便利？"),
    _rated(12, "q_service", "您对于一刻钟便民生活圈中购物、餐饮、生活服务等商业网点的服务体验是否满意？"),
    _rated(13, "q_smart", "您对于一刻钟便民生活圈中的商业网点提供的智能结算、自助售卖、小程序平台等智慧服务是否满意？"),
    _rated(14, "q_order", "您认为一刻钟便民生活圈中的商业网点在经营中是否做到规范有序、卫生安全、环境整洁，"
                          "无污染、无私搭乱占、无安全隐患，不扰民？"),
    _rated(15, "q_harmony", "您认为一刻钟便民生活圈是否实现商居和谐、文明舒适、特色鲜明，宜居宜业宜学宜养？"),
    Question(16, "您对于一刻钟便民生活圈建设有何具体建议，还需要“补什么”", FILL),
)


def header(question: Question) -> str:
    # Only the residence question's two blanks share a number in a real export.
    no = 5 if question.no in (5, 6) else question.no - (question.no > 6)
    return f"{no}、{question.text}"


def make_survey_rows(rng: random.Random, circle: dict, n: int, satisfaction: float) -> list[dict]:
    """`n` respondents of `circle`; about `satisfaction` % of rated answers are positive."""
    start = dt.datetime.fromisoformat(circle["as_of"]) - dt.timedelta(days=20)
    present = {t.label for t in forms.PRESENCE_TYPES if (circle.get("presence") or {}).get(t.id)}
    rows = []
    for index in range(n):
        moment = start + dt.timedelta(minutes=rng.randint(0, 20 * 24 * 60), seconds=rng.randint(0, 59))
        rows.append({
            "submitted": moment,
            "seconds": rng.randint(45, 600),
            "ip": f"112.{rng.randint(224, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}(山东-济宁)",
            "source": rng.choice(("微信", "手机提交", "链接")),
            "answers": _answers(rng, circle, present, satisfaction),
        })
    return sorted(rows, key=lambda row: row["submitted"])


def _answers(rng: random.Random, circle: dict, present: set[str], satisfaction: float) -> dict:
    community = rng.choice(circle["communities"])
    street = next((s for s in texts.STREETS.get(circle["county"], ()) if s in circle["name"]), "")
    answers: dict[int, object] = {
        5: f"{community.removesuffix('社区')}小区",
        6: f"{street}{community}",
        16: rng.choice(texts.SUGGESTIONS) if rng.random() < 0.7 else None,
    }
    for question in QUESTIONS:
        if question.kind == SINGLE and question.rated is None:
            answers[question.no] = rng.choice(question.options)
        elif question.kind == MULTI:
            offered = [o for o in question.options if o in present] or list(question.options[:1])
            answers[question.no] = rng.sample(offered, rng.randint(1, min(6, len(offered))))
        elif question.rated is not None:
            answers[question.no] = _rated_answer(rng, question, satisfaction)
    return answers


def _rated_answer(rng: random.Random, question: Question, satisfaction: float) -> str | None:
    if rng.random() < 0.02:
        return None  # some respondents skip a question
    if rng.random() * 100 < satisfaction:
        return rng.choice(question.options[:2])
    return question.options[2]


# ---------------------------------------------------------------------------
# Writing the export
# ---------------------------------------------------------------------------


def export_table(rows: list[dict], *, numeric: bool = False) -> list[list]:
    """The export as a header row and one row per respondent."""
    table: list[list] = [[*METADATA, *(header(q) for q in QUESTIONS)]]
    for index, row in enumerate(rows, start=1):
        cells = [index, row["submitted"].strftime("%Y/%m/%d %H:%M:%S"), f"{row['seconds']}秒",
                 row["ip"], row["source"], "N/A"]
        cells += [_cell(q, row["answers"].get(q.no), numeric) for q in QUESTIONS]
        table.append(cells)
    return table


def _cell(question: Question, answer: object, numeric: bool) -> object:
    if answer is None and question.kind == FILL:
        return BLANK_NUMBER if numeric else BLANK_TEXT
    if answer is None:
        return SKIPPED_NUMBER if numeric else SKIPPED_TEXT
    if question.kind == FILL:
        return answer
    if question.kind == MULTI:
        items = [question.options.index(a) + 1 for a in answer] if numeric else list(answer)
        return JOIN.join(str(item) for item in items)
    return question.options.index(answer) + 1 if numeric else answer


def write_survey_export(target: Target, rows: list[dict], *, numeric: bool = False, xls: bool = False) -> None:
    """A 问卷星-like export: ``.xlsx`` by default, the old ``.xls`` with `xls` (via xlwt)."""
    table = export_table(rows, numeric=numeric)
    if xls:
        deliver(target, _xls_bytes(table))
        return

    def build(workbook) -> None:
        sheet = workbook.add_worksheet("Sheet1")
        for r, cells in enumerate(table):
            sheet.write_row(r, 0, cells)

    write_xlsx(target, build)


def _xls_bytes(table: list[list]) -> bytes:
    import xlwt  # only the .xls export needs it (a test/demo dependency)

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    for r, cells in enumerate(table):
        for c, value in enumerate(cells):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
