"""One county's feedback workbook: 反馈/<县市区>_反馈_<YYYYMMDD>.xlsx, holding only its circles.

Its first sheet is the 整改清单 a county can act on: the reply deadline, the counts (errors,
facts to fill for scoring, overdue projects, 未达标 circles, its rank — the 通报's), then each
problem once, with its circle, sheet and cell and a fix that names the sheet where the fact
belongs. A county that sent nothing gets a notice of what to send and by when. The other
sheets hold the detail: where it stands, its circles (未达标 in red), every point of the
scores, every problem as found, its projects and files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jnqh import forms
from jnqh.consolidate import figures
from jnqh.write import bulksheet
from jnqh.consolidate.model import CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED, CircleEntry, Run
from jnqh.write.workbooks import (
    BUILT_PCT_COL, COUNTY_COLUMNS, DATE, FILE_COLUMNS, FLAG, INT, ISSUE_COLUMNS, ISSUE_RULES, LABEL_CIRCLE,
    LABEL_COUNTY, PROJECT_COLUMNS, PROJECT_RULES, RED, SCORE_COLUMNS, SCORE_RULES, SCORE_VIEW, SOURCE_COLUMNS,
    VALUE, WRAP, Col, _Book, _circle_status, _col_index, _county_values, _file_rows, _issue_rows, _project_rows, _rule_on, _score_rows, _write_table, _write_workbook, rank_text,
)
from jnqh.issues import ERROR, Issue
from jnqh.score.rubric import NOT_TYPED
from jnqh.score.record import fact_place

FEEDBACK_SHEETS = ("整改清单", "说明", "生活圈", "评分明细", "问题", "项目", "文件")
FEEDBACK_ABOUT = (
    "本工作簿由市商务局根据截至 {as_of} 收到的报送材料自动生成（第{number}期），只含本县市区的生活圈。"
    "“整改清单”逐条列出需要改正或补填的地方和改法；“生活圈”列出各生活圈的类型、得分和评价等级（未达标的标红）；"
    "“评分明细”逐项说明每一分的依据；“问题”列出检查发现的全部问题（文件、工作表、单元格）；"
    "“项目”列出附件6项目，逾期的已标出；“文件”列出收到的每个文件及是否采用。"
)
FIX_COLUMNS = (Col("序号", INT), Col("类别", FLAG), Col(LABEL_CIRCLE, WRAP, 26), Col("工作表"), Col("单元格", FLAG),
               Col("问题", WRAP, 46), Col("怎么改", WRAP, 40))
CIRCLE_COLUMNS = (Col(LABEL_CIRCLE), Col("状态"), Col(forms.CIRCLE_FIELD["as_of"].label, DATE),
                  *(col for col, _ in SCORE_VIEW), *SOURCE_COLUMNS)
STANDING_COLUMNS = (Col("项目"), Col("内容", VALUE, 80))
FACTS_NAMED = 4  # missing facts named per form before "等"
KIND_FILE, KIND_ERROR, KIND_FILL, KIND_CHECK, KIND_OVERDUE, KIND_TYPE = "文件", "错误", "补填", "提醒", "逾期", "未达标"
FILL_CODE, OVERDUE_CODE = "S-FACT-MISSING", "P-OVERDUE"


def write_feedback(run: Run, county: str, target: Path) -> None:
    title = f"{county}一刻钟便民生活圈报送反馈（第{run.number}期）"
    _write_workbook(target, title, run.as_of, lambda book: _sheets(book, run, county))


def _sheets(book: _Book, run: Run, county: str) -> None:
    names = dict(zip(("fix", "about", "circles", "scores", "issues", "projects", "files"), FEEDBACK_SHEETS))
    own = [c for c in run.circles if c.county == county]
    accepted = [c for c in own if c.status == CIRCLE_ACCEPTED]
    _fix_list(book, run, county, names["fix"])
    _write_table(book, names["about"], STANDING_COLUMNS, _standing_rows(run, county), landscape=False)
    final = _col_index(CIRCLE_COLUMNS, "最终类型")
    _write_table(book, names["circles"], CIRCLE_COLUMNS, _circle_rows(own), freeze_cols=1,
                 rules=((_rule_on(final, f'="{NOT_TYPED}"'), RED),))
    _write_table(book, names["scores"], SCORE_COLUMNS, _score_rows(accepted), freeze_cols=2, rules=SCORE_RULES)
    _write_table(book, names["issues"], ISSUE_COLUMNS, _issue_rows(run, run.issues_of(county)), rules=ISSUE_RULES)
    _write_table(book, names["projects"], PROJECT_COLUMNS, _project_rows(run.projects_of(county)),
                 freeze_cols=4, rules=PROJECT_RULES)
    files = [f for f in run.files if f.county == county]
    _write_table(book, names["files"], FILE_COLUMNS, _file_rows(run, files, skipped=False))


# ---------------------------------------------------------------------------
# 整改清单
# ---------------------------------------------------------------------------


def reply_by(run: Run) -> dt.date:
    return dt.date.fromisoformat(run.reply_by) if run.reply_by else run.as_of


def _fix_list(book: _Book, run: Run, county: str, name: str) -> None:
    rows = fix_rows(run, county)
    caption = (f"第{run.number}期（截至 {run.as_of.isoformat()}）", f"{county}报送整改清单", fix_heading(run, county, rows))
    _write_table(book, name, FIX_COLUMNS, [[i, *row] for i, row in enumerate(rows, start=1)],
                 caption=caption, rules=((f'=OR($B{{row}}="{KIND_ERROR}",$B{{row}}="{KIND_FILE}")', RED),))


def fix_heading(run: Run, county: str, rows: list[list]) -> str:
    """What the 整改清单 says above its list: the deadline, the counts and the rank."""
    row = next((r for r in run.counties if r.county == county), None)
    by = reply_by(run)
    deadline = f"{by.year}年{by.month}月{by.day}日"
    if row is None or row.files == 0:
        return (f"本期未收到{county}报送的材料。请于{deadline}前使用统一模板填报附件5、附件6"
                "（及附件2、附件3、促消费活动），报送前先用模板的“自查”表核对。")
    if not rows:
        return f"本期报送未发现需要整改的问题。{rank_text(run, row)}。"
    # the counts are the figures stage's, as the 通报 and 县市区汇总 give them; only the facts to
    # fill are this list's own
    fills = sum(1 for r in rows if r[0] == KIND_FILL)
    broken = sum(1 for r in rows if r[0] == KIND_FILE)
    files = f"无法使用的文件{broken}个、" if broken else ""
    return (f"请于{deadline}前逐条改正后重新报送。本期共有{files}错误{row.errors}处、需补填的评分信息"
            f"{fills}处、逾期项目{row.overdue}个、未达标生活圈{row.accepted - row.built}个；"
            f"{rank_text(run, row)}。")


def fix_rows(run: Run, county: str) -> list[list]:
    """(类别, 生活圈, 工作表, 单元格, 问题, 怎么改), each problem once: errors first, then the
    facts to fill (one line per circle and form), warnings, overdue projects, 未达标 circles."""
    row = next((r for r in run.counties if r.county == county), None)
    if row is None or row.files == 0:
        return []
    in_use = {f.path for f in run.files if f.county == county and f.status in figures.IN_USE}
    issues = [i for i in run.issues if i.file in in_use]
    circle_of = _circle_of_sheet(run, county)
    seen: set[tuple] = set()
    rows = [*_broken_rows(run, county)]
    for issue in sorted((i for i in issues if i.code != FILL_CODE), key=lambda i: (i.severity != ERROR, i.sort_key())):
        key = (issue.file, issue.sheet, issue.cell, issue.code, issue.message)
        if key in seen:
            continue
        seen.add(key)
        kind = KIND_ERROR if issue.severity == ERROR else KIND_OVERDUE if issue.code == OVERDUE_CODE else KIND_CHECK
        rows.append([kind, _circle(issue, circle_of), issue.sheet, issue.cell, issue.message, issue.hint])
    fills = _fill_rows([i for i in issues if i.code == FILL_CODE], circle_of)
    order = {KIND_FILE: 0, KIND_ERROR: 1, KIND_CHECK: 2, KIND_OVERDUE: 3}
    rows = sorted(rows, key=lambda r: order[r[0]])  # stable: each kind keeps the sheet and cell order
    split = sum(1 for r in rows if r[0] in (KIND_FILE, KIND_ERROR))
    return [*rows[:split], *fills, *rows[split:], *_not_typed_rows(run, county)]


def _circle_of_sheet(run: Run, county: str) -> dict[tuple[str, str | None], str]:
    """(file, sheet) → the circle on it, where a sheet holds one circle; (file, None) where
    the whole file holds one circle (its 附件6 rows are that circle's)."""
    on_sheet: dict[tuple[str, str | None], set[str]] = {}
    for circle in run.circles:
        if circle.county == county and circle.status != CIRCLE_SUPERSEDED:
            on_sheet.setdefault((circle.file, circle.sheet), set()).add(circle.name)
            on_sheet.setdefault((circle.file, None), set()).add(circle.name)
    return {key: next(iter(names)) for key, names in on_sheet.items() if len(names) == 1}


def _circle(issue: Issue, circle_of: dict) -> str | None:
    return issue.circle or circle_of.get((issue.file, issue.sheet)) or circle_of.get((issue.file, None))


def _broken_rows(run: Run, county: str) -> list[list]:
    shown = {g["county"] for g in figures.unreplaced_broken_files(run)}
    if county not in shown:
        return []
    return [[KIND_FILE, None, None, None, f"文件“{f.path}”无法使用：{_plain_reason(f.reason)}",
             "用统一模板另存为 .xlsx 后重新报送"] for f in run.files
            if f.county == county and f.status in figures.BROKEN]


def _plain_reason(reason: str) -> str:
    """The file's reason without the reader's technical tail (after the first sentence)."""
    return (reason or "无法读取").split("（")[0].rstrip("，,。") or "无法读取"


def _fill_rows(issues: list[Issue], circle_of: dict) -> list[list]:
    """The scorer's missing facts: one line per form and set of missing facts, naming the
    circles it concerns (a form left out for every circle is one line, not one per fact)."""
    missing: dict[tuple[str | None, str], list[str]] = {}
    for issue in issues:
        labels = missing.setdefault((_circle(issue, circle_of), fact_place(issue.field or "")), [])
        label = forms.field_label(issue.field or "")
        if label not in labels:
            labels.append(label)
    groups: dict[tuple[str, tuple[str, ...]], list[str | None]] = {}
    for (circle, place), labels in missing.items():
        groups.setdefault((place, tuple(labels)), []).append(circle)
    rows = []
    for (place, labels), circles in groups.items():
        named = "、".join(labels[:FACTS_NAMED]) + ("等" if len(labels) > FACTS_NAMED else "")
        who = circles[0] if len(circles) == 1 else f"{len(circles)}个生活圈：" + "、".join(c or "" for c in circles)
        rows.append([KIND_FILL, who, None, None, f"评分需要的{len(labels)}项信息没有填写：{named}，这些评分项按缺项计分",
                     f"在{place}中补填"])
    return rows


def _not_typed_rows(run: Run, county: str) -> list[list]:
    rows = []
    for circle in run.accepted_of(county):
        if circle.final_type != NOT_TYPED:
            continue
        presence, service = circle.score.get("presence") or {}, circle.score.get("service") or {}
        rows.append([KIND_TYPE, circle.name, circle.sheet, None,
                     f"最终类型为未达标（业态得分{_points(presence.get('total'))}分，服务评价{service.get('grade') or '—'}）",
                     "对照“评分明细”补齐业态和服务短板，补填缺项信息"])
    return rows


def _points(value) -> str:
    return "—" if value is None else f"{figures.round_half_up(value):g}"


# ---------------------------------------------------------------------------
# 说明 and 生活圈
# ---------------------------------------------------------------------------


def _standing_rows(run: Run, county: str) -> list[list]:
    """说明: where the county stands (the figures of its 县市区汇总 row), then what this is."""
    rows: list[list] = [[LABEL_COUNTY, county], ["截至日期", run.as_of.isoformat()], ["期数", f"第{run.number}期"]]
    row = next((r for r in run.counties if r.county == county), None)
    if row is not None:
        rows.append(["在全市的排名", rank_text(run, row)])
        for col, value in list(zip(COUNTY_COLUMNS, _county_values(row)))[2:]:
            rows.append([col.header, value])
            if col is COUNTY_COLUMNS[BUILT_PCT_COL]:
                rows.append(["全市建成率（%）", run.city.built_pct if run.city else None])
    rows.append(["重新报送期限", reply_by(run).isoformat()])
    rows.append(["说明", FEEDBACK_ABOUT.format(as_of=run.as_of.isoformat(), number=run.number)])
    return rows


def _circle_rows(circles: list[CircleEntry]) -> list[list]:
    return [[c.name, _circle_status(c), bulksheet.as_date(c.data.get("as_of")),
             *(get(c) for _, get in SCORE_VIEW), c.file, c.sheet] for c in circles]

