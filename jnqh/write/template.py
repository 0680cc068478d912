"""The official workbook a county fills in: every form of the plan, one sheet each.

:func:`write_template` lays out, with xlsxwriter, the forms defined in :mod:`jnqh.forms`:
填报说明, one 附件5 sheet per circle, 附件2, 附件3, 促消费活动, 附件6 and a 自查 summary. Every
input cell is yellow, unlocked and validated. Every sheet that holds answers carries its own
自查提示 column of formulas naming what is wrong in plain Chinese, and conditional formats
that turn the offending cell red, so a county lead sees problems in Excel or WPS without
jnqh. Formulas keep to functions that Excel 2010, WPS and LibreOffice all have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Mapping, Sequence

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

import jnqh
from jnqh import forms, issues
from jnqh.check import rules
from jnqh.atomic import atomic_write
from jnqh.names import file_part
from jnqh.write.xlsxkit import wrapped_lines
from jnqh.score.rubric import SERVICE_ITEMS

CITY = "济宁市"
TEMPLATE_STEM = "一刻钟便民生活圈填报模板"
INSTRUCTIONS_SHEET = "填报说明"
FORM5_PREFIX = "附件5-"
FORM5_TAG = "附件5"
FORM2_SHEET = "附件2业态清单"
FORM3_SHEET = "附件3服务指标"
EVENTS_SHEET = "促消费活动"
FORM6_SHEET = "附件6项目清单"
SUMMARY_SHEET = "自查"
FIXED_SHEETS = (INSTRUCTIONS_SHEET, FORM2_SHEET, FORM3_SHEET, EVENTS_SHEET, FORM6_SHEET, SUMMARY_SHEET)
TICK = "√"
EVENT_ROWS = 60
PROJECT_ROWS = 200
INDENT = "　　"  # two full-width spaces: an option row under its 附件3 fact
USED, UNUSED = "已填写", "未填写"
NO_CIRCLE_VERDICT = "尚未填写任何生活圈（附件5）"
OK_VERDICT = "未发现问题"

INPUT_FILL = "#FFF2CC"
LABEL_FILL = "#F2F2F2"
RED = ("#FFC7CE", "#9C0006")
AMBER = ("#FFEB9C", "#9C5700")
GREEN = ("#C6EFCE", "#006100")

# Dates a county could mean; anything outside is a typo (24-4-30 becomes 1924).
EARLIEST, LATEST = date(2020, 1, 1), date(2099, 12, 31)
_NUMERIC = (forms.COUNT, forms.DECIMAL, forms.PERCENT)
_SHEET_NAME_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")


# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------


def template_filename(county: str | None = None) -> str:
    """`济宁市一刻钟便民生活圈填报模板.xlsx`, or `<county>_一刻钟便民生活圈填报模板.xlsx`."""
    if not county:
        return f"{CITY}{TEMPLATE_STEM}.xlsx"
    return f"{file_part(forms.COUNTY_ALIASES.get(county, county))}_{TEMPLATE_STEM}.xlsx"


def write_template(target: Path | BinaryIO, *, county: str | None = None, circles: Sequence[str] = (),
                   blank_circles: int = 3, today: date | None = None) -> None:
    """Write the workbook a county fills in (prefilled with `county` and its `circles`)."""
    today = today or date.today()
    county = forms.COUNTY_ALIASES.get(county, county) if county else None
    plans = _plan_circles(circles, blank_circles)
    if isinstance(target, (str, Path)):
        with atomic_write(Path(target)) as handle:  # never a half-written workbook under the real name
            _build(handle, county, plans, today)
    else:
        _build(target, county, plans, today)


def write_templates(out_dir: Path, registry_circles_by_county: Mapping[str, Sequence[str]] | None = None,
                    *, today: date | None = None) -> list[Path]:
    """The blank city template, plus one prefilled template per county of the mapping."""
    paths = [regenerate(out_dir, today=today)]
    for county, names in (registry_circles_by_county or {}).items():
        path = Path(out_dir) / template_filename(county)
        write_template(path, county=county, circles=names, today=today)
        paths.append(path)
    return paths


def regenerate(out_dir: Path, *, today: date | None = None) -> Path:
    """(Re)write the committed blank template (3 circle sheets) into `out_dir`."""
    path = Path(out_dir) / template_filename()
    write_template(path, today=today)
    return path


# ---------------------------------------------------------------------------
# Which circle sheets, and how they are named
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Circle:
    sheet: str
    name: str  # prefilled circle name, "" on a blank sheet

    @property
    def name_ref(self) -> str:
        return f"{_quote_sheet(self.sheet)}!{_absolute(FORM5.cells['name'])}"


def _plan_circles(circles: Sequence[str], blank_circles: int) -> list[_Circle]:
    names = [str(n).strip() for n in circles if str(n).strip()]
    if not names:
        if blank_circles < 1:
            raise ValueError("模板至少需要一张附件5工作表（blank_circles 应不小于 1）")
        return [_Circle(f"{FORM5_PREFIX}{i}", "") for i in range(1, blank_circles + 1)]
    taken = {s.lower() for s in FIXED_SHEETS}
    plans = []
    for i, name in enumerate(names, 1):
        sheet = sheet_name_for(name, taken, fallback=f"{FORM5_PREFIX}{i}")
        taken.add(sheet.lower())
        plans.append(_Circle(sheet, name))
    return plans


def sheet_name_for(name: str, taken: set[str] = frozenset(), fallback: str = FORM5_TAG) -> str:
    """A legal, unused sheet name for a circle: no []:*?/\\, at most 31 characters."""
    base = name.translate(_SHEET_NAME_FORBIDDEN).strip().strip("'")[:31] or fallback
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f"（{n}）"
        candidate, n = base[:31 - len(suffix)] + suffix, n + 1
    return candidate


def _quote_sheet(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _absolute(cell: str) -> str:
    letters = cell.rstrip("0123456789")
    return f"${letters}${cell[len(letters):]}"


# ---------------------------------------------------------------------------
# Labels, text widths
# ---------------------------------------------------------------------------


def seed_label(item: forms.Field) -> str:
    """The label as the seed prints it: a spelling that adds （…） to the label, else the unit."""
    longer = [v for v in item.variants if v.startswith(item.label + "（")]
    if longer:
        return longer[0]
    return f"{item.label}（{item.unit}）" if item.unit else item.label


def _short(column: forms.Column) -> str:
    """A column's short name for problem texts (品牌连锁店数量, not 其中：品牌连锁店数量（个）)."""
    return column.variants[0] if column.variants else column.label


def _row_height(pieces: Sequence[tuple[str, float]], minimum: float = 20.0, line: float = 15.0) -> float:
    """Height (points) that shows every (text, column width) piece wrapped, at least `minimum`."""
    lines = max([1, *(wrapped_lines(str(text), width, padding=1.5) for text, width in pieces)])
    return max(minimum, lines * line + 6)


# ---------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------


class _Styles:
    """Every cell format of the workbook, made once (xlsxwriter formats belong to one book)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        add = book.add_format
        box = {"border": 1, "valign": "vcenter", "text_wrap": True}
        entry = {**box, "bg_color": INPUT_FILL, "locked": False}
        self.title = add({"bold": True, "font_size": 16, "font_name": "黑体", "align": "center",
                          "valign": "vcenter"})
        self.tag = add({"font_name": "黑体", "font_size": 12, "valign": "vcenter"})
        self.label = add(box)
        self.label_center = add({**box, "align": "center"})
        self.header = add({**box, "align": "center", "bold": True, "bg_color": LABEL_FILL})
        self.idle = add({**box, "bg_color": LABEL_FILL})
        self.section = add({**box, "bold": True, "bg_color": LABEL_FILL})
        self.text = add(entry)
        self.number = add({**entry, "align": "center"})
        self.date = add({**entry, "align": "center", "num_format": "yyyy-mm-dd"})
        self.check = add({"text_wrap": True, "valign": "vcenter", "font_color": RED[1], "font_size": 10})
        self.check_header = add({"bold": True, "font_color": RED[1], "valign": "vcenter"})
        self.used = add({"font_size": 9, "font_color": "#808080", "num_format": '"本表已填"0"格"'})
        self.prose = add({"text_wrap": True, "valign": "top"})
        self.prose_bold = add({"text_wrap": True, "valign": "top", "bold": True})
        self.verdict = add({**box, "bold": True, "font_size": 12})
        self.red = add({"bg_color": RED[0], "font_color": RED[1]})
        self.amber = add({"bg_color": AMBER[0], "font_color": AMBER[1]})
        self.green = add({"bg_color": GREEN[0], "font_color": GREEN[1]})

    def entry(self, kind: str):
        if kind == forms.DATE:
            return self.date
        return self.number if kind in (*_NUMERIC, forms.CHOICE, forms.YESNO) else self.text


def _put(ws, cells: str, value, style) -> None:
    """Write `value` into a cell or a merged range ("B7:G7")."""
    first, _, last = cells.partition(":")
    if last and last != first:
        ws.merge_range(cells, value, style)
    else:
        ws.write(first, value, style)


def _protect(ws, **extra: bool) -> None:
    # No password: a county lead who must change the layout can still unprotect the sheet.
    ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True, **extra})


def _print_setup(ws, area: str, *, landscape: bool = False, repeat: tuple[int, int] | None = None) -> None:
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.center_horizontally()
    ws.print_area(area)
    ws.set_footer("&C&A　第 &P 页，共 &N 页")
    if repeat:
        ws.repeat_rows(*repeat)


# ---------------------------------------------------------------------------
# Data validation (every input cell gets one: a Chinese prompt and error message)
# ---------------------------------------------------------------------------


def _dv(rule: dict, title: str, prompt: str, error: str, *, warn: bool = False) -> dict:
    return {**rule, "input_title": title[:32], "input_message": prompt[:255],
            "error_title": "输入有误", "error_message": error[:255],
            "error_type": "warning" if warn else "stop", "ignore_blank": True}


def _dv_list(title: str, source, prompt: str = "", *, warn: bool = False) -> dict:
    shown = "、".join(source) if isinstance(source, (list, tuple)) else ""
    prompt = prompt or (f"从下拉列表选择：{shown}" if shown else "从下拉列表选择")
    error = f"请从下拉列表选择：{shown}" if shown else "请从下拉列表选择"
    rule = {"validate": "list", "source": list(source) if isinstance(source, (list, tuple)) else source}
    return _dv(rule, title, prompt, error, warn=warn)


def _dv_tick(title: str) -> dict:
    return _dv_list(title, [TICK], f"选中请从下拉列表选择“{TICK}”，不选留空")


def _dv_kind(kind: str, title: str, prompt: str = "", unit: str = "", *, not_future: bool = False,
             positive: bool = False, maximum: Decimal | float | None = None) -> dict:
    """The validation of a value of `kind` (COUNT, DECIMAL, PERCENT, DATE; other kinds: a prompt)."""
    unit_text = f"，单位：{unit}" if unit else ""
    if kind == forms.COUNT:
        rule, must = {"validate": "integer", "criteria": ">=", "value": 0}, f"不小于 0 的整数{unit_text}"
    elif kind == forms.PERCENT:
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100}
        must = "0–100 之间的数，如 95 表示 95%"
    elif kind == forms.DECIMAL and maximum is not None:
        top = int(maximum) if maximum == int(maximum) else float(maximum)
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": top}
        must = f"0–{maximum} 之间的数"
    elif kind == forms.DECIMAL:
        rule = {"validate": "decimal", "criteria": ">" if positive else ">=", "value": 0}
        must = f"{'大于' if positive else '不小于'} 0 的数{unit_text}"
    elif kind == forms.DATE:
        latest = "=TODAY()" if not_future else LATEST
        rule = {"validate": "date", "criteria": "between", "minimum": EARLIEST, "maximum": latest}
        must = "日期，如 2024-04-30" + ("，不能晚于今天" if not_future else "")
    else:
        return _dv({"validate": "any"}, title, prompt or "按实际情况填写", "")
    return _dv(rule, title, prompt or f"填写{must}", f"请填写{must}")


def _dv_field(item: forms.Field, counties: Sequence[str]) -> dict:
    """Validation of a 附件5 header or 附件3 fact cell, from its Field."""
    title = item.label
    if item.id == "county":
        return _dv_list(title, list(counties), item.hint)
    if item.kind == forms.YESNO:
        return _dv_list(title, list(forms.YES_NO), item.hint)
    if item.kind == forms.CHOICE:
        return _dv_list(title, [o.label for o in item.options], item.hint)
    prompt = item.hint + (f"（单位：{item.unit}）" if item.hint and item.unit else "")
    return _dv_kind(item.kind, title, prompt, item.unit, not_future=item.kind == forms.DATE,
                    positive=item.unit == "万人")


# ---------------------------------------------------------------------------
# Self-check formulas: one Check = a condition, its problem text, the cells it turns red
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    when: str  # formula expression, TRUE when there is a problem
    text: str  # formula expression giving the problem text
    cells: tuple[str, ...] = ()  # input cells shown red (relative A1, e.g. "E14")


def _lit(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def problem_text(code: str, subject: str = "") -> str:
    """`subject：title` of an issue kind: the same words `jnqh check` uses for the problem."""
    title = issues.KIND[code].title
    text = f"{subject}：{title}" if subject else title
    if " " in text:  # the row formula separates problems with spaces (see _row_formula)
        raise ValueError(f"problem text must not contain spaces: {text!r}")
    return text


def _row_formula(checks: Sequence[Check]) -> str:
    """All problems of a row joined by “；”: without TEXTJOIN, join with spaces, TRIM, replace."""
    if len(checks) == 1:
        return f'=IF({checks[0].when},{checks[0].text},"")'
    parts = "&".join(f'IF({c.when},{_spaced(c.text)},"")' for c in checks)
    return f'=SUBSTITUTE(TRIM({parts})," ","；")'


def _spaced(text: str) -> str:
    """`text` followed by one space; a literal keeps the space inside its quotes."""
    if text.startswith('"') and text.endswith('"') and '"&' not in text:
        return text[:-1] + ' "'
    return f'{text}&" "'


def _conditional(ws, style, checks: Sequence[Check], last_row: int | None = None) -> None:
    """Red fill on each check's cells; with `last_row`, the (row-relative) rule covers a column."""
    for check in checks:
        for cell in check.cells:
            target = cell
            if last_row is not None:
                target = f"{cell}:{cell.rstrip('0123456789')}{last_row}"
            ws.conditional_format(target, {"type": "formula", "criteria": "=" + check.when, "format": style})


def _blank(ref: str) -> str:
    return f"LEN(TRIM({ref}))=0"


def _filled(ref: str) -> str:
    return f"LEN(TRIM({ref}))>0"


def _value_checks(ref: str, kind: str, subject: str, *, used: str | None = None,
                  not_future: bool = False) -> list[Check]:
    """Required-when-used, is-a-number, range and is-a-date checks of one cell."""
    cell = ref.replace("$", "")
    checks = []
    if used:
        checks.append(Check(f"AND({used},{_blank(ref)})", _lit(problem_text("V-REQUIRED", subject)), (cell,)))
    typed_wrong = f"AND({_filled(ref)},NOT(ISNUMBER({ref})))"
    if kind in _NUMERIC:
        checks.append(Check(typed_wrong, _lit(problem_text("V-NUMBER", subject)), (cell,)))
    earlier: list[str] = []
    for rule in rules.rules_of(kind):  # the first rule broken is the problem, as jnqh check reports it
        broken = rule.excel.format(v=ref)
        before = f",NOT(OR({','.join(earlier)}))" if earlier else ""
        checks.append(Check(f"AND(ISNUMBER({ref}),{broken}{before})", _lit(problem_text(rule.code, subject)),
                            (cell,)))
        earlier.append(broken)
    if kind == forms.DATE:
        checks.append(Check(typed_wrong, _lit(problem_text("V-DATE", subject)), (cell,)))
        if not_future:
            checks.append(Check(f"AND(ISNUMBER({ref}),{ref}>TODAY())",
                                _lit(problem_text("V-DATE-FUTURE", subject)), (cell,)))
    return checks


@dataclass(frozen=True)
class _Checked:
    """A sheet with a 自查提示 column, for the 自查 summary."""

    sheet: str
    check_range: str  # e.g. "H3:H36"
    used: str  # formula expression, TRUE when the sheet holds answers
    circle: _Circle | None = None


# ---------------------------------------------------------------------------
# 附件5: the layout (which cell holds which field), computed once from forms
# ---------------------------------------------------------------------------

# Each header row of the seed's 附件5: (field id, label columns, value columns); a bare id is a
# tick block — option label then its tick cell, three pairs a row (B/C, D/E, F/G).
_FORM5_HEADER = (
    (("name", "A", "B"), ("county", "C", "D"), ("as_of", "E", "F:G")),
    "operators",
    "layout",
    (("boundaries", "A", "B:G"),),
    (("communities", "A", "B:G"),),
    (("platform", "A:B", "C:G"),),
    (("centers", "A:B", "C"), ("residents_10k", "D:E", "F:G")),
    (("facility_area_pct", "A:B", "C:G"),),
)
_TICK_PAIRS = (("B", "C"), ("D", "E"), ("F", "G"))
_FORM5_WIDTHS = {"A": 14, "B": 22, "C": 13, "D": 13, "E": 13, "F": 13, "G": 26, "H": 40}
_FORM5_FIRST_ROW = 3  # rows 1–2: 附件5 and the title
_FORM5_ROW = 24.0  # rows a little taller than Excel's default: the form fills an A4 page


@dataclass(frozen=True)
class Form5Layout:
    """Where every 附件5 field sits on the template's circle sheets (1-based A1 cells)."""

    cells: dict[str, str]  # header field id → value cell (top-left of a merged range)
    ticks: dict[str, dict[str, str]]  # "operators"/"layout" → option id → tick cell
    header_rows: tuple[tuple[int, object], ...]  # (row, entry of _FORM5_HEADER)
    table_header_row: int
    total_row: int
    category_rows: dict[str, int]
    columns: dict[str, str]  # outlet column id → column letter
    check_column: str = "H"
    used_cell: str = "H1"  # how many input cells are filled; > 0 = the sheet is in use

    def outlet_cell(self, category_id: str | None, column_id: str) -> str:
        """The cell of an outlet value; category None = the 合计 row."""
        row = self.total_row if category_id is None else self.category_rows[category_id]
        return f"{self.columns[column_id]}{row}"

    @property
    def first_category_row(self) -> int:
        return self.total_row + 1

    @property
    def last_category_row(self) -> int:
        return self.total_row + len(self.category_rows)

    @property
    def notes_row(self) -> int:
        return self.last_category_row + 1

    @property
    def input_cells(self) -> tuple[str, ...]:
        ticks = [cell for block in self.ticks.values() for cell in block.values()]
        table = f"C{self.total_row}:G{self.last_category_row}"
        return (*self.cells.values(), *ticks, table)


def _form5_layout() -> Form5Layout:
    row, cells, ticks, rows = _FORM5_FIRST_ROW, {}, {}, []
    for entry in _FORM5_HEADER:
        rows.append((row, entry))
        if isinstance(entry, str):
            options = forms.CIRCLE_FIELD[entry].options
            ticks[entry] = {o.id: f"{_TICK_PAIRS[i % 3][1]}{row + i // 3}" for i, o in enumerate(options)}
            row += math.ceil(len(options) / 3)
        else:
            cells.update({fid: f"{value[0]}{row}" for fid, _, value in entry})
            row += 1
    total_row = row + 1
    category_rows = {c.id: total_row + 1 + i for i, c in enumerate(forms.CATEGORIES)}
    cells["notes"] = f"B{total_row + len(category_rows) + 1}"
    columns = {c.id: "CDEFG"[i] for i, c in enumerate(forms.OUTLET_COLUMNS)}
    return Form5Layout(cells, ticks, tuple(rows), row, total_row, category_rows, columns)


FORM5 = _form5_layout()


# ---------------------------------------------------------------------------
# 附件5: the writer, one function per block
# ---------------------------------------------------------------------------


def _write_form5(book, st: _Styles, circle: _Circle, county: str | None, counties: Sequence[str]) -> _Checked:
    ws = book.add_worksheet(circle.sheet)
    values = {"name": circle.name, "county": county or ""}
    _form5_frame(ws, st)
    for row, entry in FORM5.header_rows:
        if isinstance(entry, str):
            _form5_ticks(ws, st, row, forms.CIRCLE_FIELD[entry])
        else:
            _form5_fields(ws, st, row, entry, values, counties)
    _form5_table(ws, st)
    _form5_notes(ws, st)
    filled = sum(1 for v in values.values() if v)
    ws.write_formula(FORM5.used_cell, f"=COUNTA({','.join(FORM5.input_cells)})", st.used, filled)
    _form5_checks(ws, st)
    check = FORM5.check_column
    return _Checked(circle.sheet, f"{check}{_FORM5_FIRST_ROW}:{check}{FORM5.notes_row}",
                    f"{_quote_sheet(circle.sheet)}!{_absolute(FORM5.used_cell)}>0", circle)


def _form5_frame(ws, st: _Styles) -> None:
    for letter, width in _FORM5_WIDTHS.items():
        ws.set_column(f"{letter}:{letter}", width)
    ws.write("A1", FORM5_TAG, st.tag)
    ws.merge_range("A2:G2", forms.FORM5_TITLE, st.title)
    ws.set_row(1, 32)
    ws.write(f"{FORM5.check_column}2", forms.SELF_CHECK_HEADER, st.check_header)
    ws.freeze_panes(2, 0)
    _print_setup(ws, f"A1:G{FORM5.notes_row}")
    _protect(ws)


def _span_width(columns: str) -> float:
    first, _, last = columns.partition(":")
    letters = "ABCDEFGH"
    return sum(_FORM5_WIDTHS[c] for c in letters[letters.index(first):letters.index(last or first) + 1])


def _span(columns: str, row: int) -> str:
    first, _, last = columns.partition(":")
    return f"{first}{row}:{last or first}{row}"


def _form5_fields(ws, st: _Styles, row: int, entry, values: dict, counties: Sequence[str]) -> None:
    pieces = []
    for field_id, label_columns, value_columns in entry:
        item = forms.CIRCLE_FIELD[field_id]
        label = seed_label(item)
        _put(ws, _span(label_columns, row), label, st.label)
        _put(ws, _span(value_columns, row), values.get(field_id, ""), st.entry(item.kind))
        ws.data_validation(FORM5.cells[field_id], _dv_field(item, counties))
        pieces += [(label, _span_width(label_columns)), (values.get(field_id, ""), _span_width(value_columns))]
    ws.set_row(row - 1, _row_height(pieces, _FORM5_ROW))


def _form5_ticks(ws, st: _Styles, row: int, item: forms.Field) -> None:
    """Option label cells, each with a tick cell right of it (seed: 街道（社区）□ 国企□ …)."""
    rows = math.ceil(len(item.options) / 3)
    _put(ws, f"A{row}:A{row + rows - 1}", seed_label(item), st.label)
    prompt = item.hint or f"选中请选择“{TICK}”"
    for i, option in enumerate(item.options):
        label_column, tick_column = _TICK_PAIRS[i % 3]
        at = row + i // 3
        ws.write(f"{label_column}{at}", option.label, st.label_center)
        ws.write_blank(f"{tick_column}{at}", None, st.number)
        ws.data_validation(f"{tick_column}{at}", _dv_list(f"{item.label}：{option.label}", [TICK], prompt))
    for i in range(len(item.options), rows * 3):  # the rest of the last row: not for input
        for column in _TICK_PAIRS[i % 3]:
            ws.write_blank(f"{column}{row + rows - 1}", None, st.idle)
    label_height = _row_height([(seed_label(item), _FORM5_WIDTHS["A"])], _FORM5_ROW)
    for at in range(row, row + rows):
        ws.set_row(at - 1, max(_FORM5_ROW, label_height / rows))


def _form5_table(ws, st: _Styles) -> None:
    """The outlet table exactly as the seed: 分类 | 主要业态网点 | five columns; 合计; categories."""
    head = FORM5.table_header_row
    labels = (*forms.FORM5_TABLE_HEADERS, *(c.label for c in forms.OUTLET_COLUMNS))
    for letter, label in zip("ABCDEFG", labels):
        ws.write(f"{letter}{head}", label, st.header)
    ws.set_row(head - 1, _row_height([(labels[i], _FORM5_WIDTHS["ABCDEFG"[i]]) for i in range(7)]))
    ws.merge_range(f"A{FORM5.total_row}:B{FORM5.total_row}", forms.TOTAL_LABEL, st.label_center)
    for group, label in forms.GROUP_LABELS.items():
        rows = [FORM5.category_rows[c.id] for c in forms.CATEGORIES if c.group == group]
        _put(ws, f"A{min(rows)}:A{max(rows)}", label, st.label_center)
    for category in forms.CATEGORIES:
        row = FORM5.category_rows[category.id]
        ws.write(f"B{row}", category.label, st.label)
        ws.set_row(row - 1, _row_height([(category.label, _FORM5_WIDTHS["B"])], _FORM5_ROW))
    ws.set_row(FORM5.total_row - 1, _FORM5_ROW)
    for column in forms.OUTLET_COLUMNS:
        letter = FORM5.columns[column.id]
        cells = f"{letter}{FORM5.total_row}:{letter}{FORM5.last_category_row}"
        for row in range(FORM5.total_row, FORM5.last_category_row + 1):
            ws.write_blank(f"{letter}{row}", None, st.entry(column.kind))
        unit = "万人" if column.id == "staff_10k" else ""
        ws.data_validation(cells, _dv_kind(column.kind, _short(column), "", unit))


def _form5_notes(ws, st: _Styles) -> None:
    item = forms.CIRCLE_FIELD["notes"]
    row = FORM5.notes_row
    ws.write(f"A{row}", item.label, st.label)
    ws.merge_range(f"B{row}:G{row}", "", st.text)
    ws.data_validation(f"B{row}", _dv_kind(forms.TEXT, item.label, "需要说明的情况（如老旧小区设施面积不足的原因）"))
    ws.set_row(row - 1, 48)


def _form5_checks(ws, st: _Styles) -> None:
    """The 自查提示 formula of every row that has checks, and the red conditional formats."""
    column = FORM5.check_column
    for row, checks in _form5_header_checks().items():
        ws.write_formula(f"{column}{row}", _row_formula(checks), st.check, "")
        _conditional(ws, st.red, checks)
    total = _outlet_checks(FORM5.total_row) + _total_checks()
    ws.write_formula(f"{column}{FORM5.total_row}", _row_formula(total), st.check, "")
    _conditional(ws, st.red, total)
    for row in range(FORM5.first_category_row, FORM5.last_category_row + 1):
        ws.write_formula(f"{column}{row}", _row_formula(_outlet_checks(row)), st.check, "")
    # one rule per check over all category rows (its references are row-relative)
    _conditional(ws, st.red, _outlet_checks(FORM5.first_category_row), FORM5.last_category_row)


def _form5_header_checks() -> dict[int, list[Check]]:
    used = f"{_absolute(FORM5.used_cell)}>0"
    by_row: dict[int, list[Check]] = {}
    for row, entry in FORM5.header_rows:
        if isinstance(entry, str):
            by_row[row] = _tick_checks(forms.CIRCLE_FIELD[entry], FORM5.ticks[entry], used)
            continue
        for field_id, _, _ in entry:
            item = forms.CIRCLE_FIELD[field_id]
            ref = FORM5.cells[field_id]
            checks = _value_checks(ref, item.kind, item.label, used=used if item.required else None,
                                   not_future=item.kind == forms.DATE)
            if field_id == "residents_10k":
                checks.append(_residents_people_check(ref))
            by_row.setdefault(row, []).extend(checks)
    return {row: checks for row, checks in by_row.items() if checks}


def _tick_checks(item: forms.Field, cells: dict[str, str], used: str) -> list[Check]:
    ticked = f"COUNTA({','.join(cells.values())})"
    targets = tuple(cells.values())
    checks = [Check(f"AND({used},{ticked}=0)", _lit(problem_text("V-REQUIRED", item.label)), targets)]
    if item.kind == forms.CHOICE:  # 发展形态: exactly one
        checks.append(Check(f"{ticked}>1", _lit(problem_text("V-CHOICE-MANY", item.label)), targets))
    return checks


def _residents_people_check(ref: str) -> Check:
    # ≥ 100 “万人” (a million people) in one circle is a head count typed into a 万人 cell
    threshold = forms.RESIDENTS_PEOPLE_THRESHOLD
    title = problem_text("V-RESIDENTS-PEOPLE")
    text = f'"{title}（填的"&{ref}&"像是人数，约合"&ROUND({ref}/10000,4)&"万人）"'
    return Check(f"AND(ISNUMBER({ref}),{ref}>={threshold})", text, (ref,))


def _outlet_checks(row: int) -> list[Check]:
    """Checks of one outlet-table row; references are column-absolute, row-relative."""
    ref = {c.id: f"${FORM5.columns[c.id]}{row}" for c in forms.OUTLET_COLUMNS}
    checks = []
    for column in forms.OUTLET_COLUMNS:
        checks += _value_checks(ref[column.id], column.kind, _short(column))
    for rule in rules.OUTLET_ROW_RULES:
        kinds = (forms.OUTLET_COLUMN[rule.cell].kind, forms.OUTLET_COLUMN[rule.other].kind)
        checks.append(Check(rules.excel_row_rule(rule, ref[rule.cell], ref[rule.other], kinds),
                            _lit(problem_text(rule.code)), (ref[rule.cell].replace("$", ""),)))
    return checks


def _total_checks() -> list[Check]:
    """合计, when filled, must equal the sum of the category rows (not for 满意度: an overall figure)."""
    checks = []
    for column_id in forms.OUTLET_NUMERIC:
        letter = FORM5.columns[column_id]
        total = f"${letter}${FORM5.total_row}"
        parts = f"SUM(${letter}${FORM5.first_category_row}:${letter}${FORM5.last_category_row})"
        subject = problem_text("V-TOTAL-MISMATCH", _short(forms.OUTLET_COLUMN[column_id]))
        text = f'"{subject}（合计"&ROUND({total},4)&"，分项之和"&ROUND({parts},4)&"）"'
        first, last = f"${letter}${FORM5.first_category_row}", f"${letter}${FORM5.last_category_row}"
        # compare with a tolerance (0.1+0.2 is not 0.3 in binary floating point), and only with
        # parts that are right themselves: a rejected part is its own problem
        valid_parts = rules.excel_all_valid(first, last, forms.OUTLET_COLUMN[column_id].kind)
        when = f"AND(ISNUMBER({total}),{valid_parts},ABS({total}-{parts})>0.00001)"
        checks.append(Check(when, text, (f"{letter}{FORM5.total_row}",)))
    return checks


# ---------------------------------------------------------------------------
# 附件2 业态清单: one row per type, two columns per circle
# ---------------------------------------------------------------------------

_FORM2_FIRST = 4  # rows 1–3: title, circle names, 有/无 | 数量


def _write_form2(book, st: _Styles, circles: Sequence[_Circle]) -> None:
    ws = book.add_worksheet(FORM2_SHEET)
    last_column = xl_col_to_name(1 + 2 * len(circles))
    ws.set_column("A:A", 12)
    ws.set_column("B:B", 34)
    ws.set_column(f"C:{last_column}", 10)
    ws.merge_range(f"A1:{last_column}1", forms.FORM2_TITLE, st.title)
    ws.set_row(0, 32)
    ws.merge_range("A2:A3", forms.FORM2_HEADERS[0], st.header)
    ws.merge_range("B2:B3", forms.FORM2_HEADERS[1], st.header)
    for i, circle in enumerate(circles):
        _form2_circle(ws, st, circle, 2 + 2 * i)
    _form2_types(ws, st)
    ws.freeze_panes(3, 2)
    _print_setup(ws, f"A1:{last_column}{_FORM2_FIRST + len(forms.PRESENCE_TYPES)}", repeat=(0, 2))
    _protect(ws)


def _form2_circle(ws, st: _Styles, circle: _Circle, col: int) -> None:
    presence, count = xl_col_to_name(col), xl_col_to_name(col + 1)
    ws.merge_range(f"{presence}2:{count}2", "", st.header)
    ws.write_formula(f"{presence}2", f"={circle.name_ref}&\"\"", st.header, circle.name)
    ws.write(f"{presence}3", forms.PRESENCE_COLUMNS[0], st.header)
    ws.write(f"{count}3", forms.PRESENCE_COLUMNS[1], st.header)
    first, last = _FORM2_FIRST, _FORM2_FIRST + len(forms.PRESENCE_TYPES) - 1
    for row in range(first, last + 1):
        ws.set_row(row - 1, 18)
        ws.write_blank(f"{presence}{row}", None, st.number)
        ws.write_blank(f"{count}{row}", None, st.number)
    ws.data_validation(f"{presence}{first}:{presence}{last}",
                       _dv_list(forms.PRESENCE_COLUMNS[0], [forms.PRESENT, forms.ABSENT]))
    ws.data_validation(f"{count}{first}:{count}{last}", _dv_kind(forms.COUNT, forms.PRESENCE_COLUMNS[1]))
    # 有 with no outlets (or 无 with some) is worth a second look, not an error
    for when in (f'AND(${presence}{first}="{forms.PRESENT}",ISNUMBER(${count}{first}),${count}{first}=0)',
                 f'AND(${presence}{first}="{forms.ABSENT}",ISNUMBER(${count}{first}),${count}{first}>0)'):
        ws.conditional_format(f"{count}{first}:{count}{last}", {"type": "formula", "criteria": "=" + when,
                                                                "format": st.amber})
    score_row = last + 1
    ws.merge_range(f"{presence}{score_row}:{count}{score_row}", "", st.number)
    ws.data_validation(f"{presence}{score_row}", _dv_kind(forms.DECIMAL, forms.SELF_SCORE_LABEL, maximum=100))


def _form2_types(ws, st: _Styles) -> None:
    row = _FORM2_FIRST
    for group, label in forms.GROUP_LABELS.items():
        types = [t for t in forms.PRESENCE_TYPES if t.group == group]
        ws.merge_range(f"A{row}:A{row + len(types) - 1}", label, st.label_center)
        for offset, kind in enumerate(types):
            ws.write(f"B{row + offset}", kind.label, st.label)
        row += len(types)
    ws.merge_range(f"A{row}:B{row}", forms.SELF_SCORE_LABEL, st.section)


# ---------------------------------------------------------------------------
# 附件3 服务指标: one row per fact (MULTI facts: a row per option), one column per circle
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Form3Row:
    label: str
    style: str  # "fact" | "option" | "section" | "score"
    number: str = ""
    guidance: str = ""
    item: forms.Field | None = None  # the fact whose value this row holds
    kind: str | None = None  # for option and score rows: "tick", COUNT or DECIMAL
    maximum: Decimal | None = None


def _guidance(fact: forms.Field) -> str:
    """The 填报说明 cell: the hint, the unit, the options."""
    parts = [fact.hint] if fact.hint else []
    if fact.kind == forms.MULTI:
        parts.append("各类设备分别填台数，没有的留空" if fact.unit else f"有的项目打“{TICK}”，没有的留空")
    elif fact.kind == forms.YESNO:
        parts.append("选择：" + "、".join(forms.YES_NO))
    elif fact.kind == forms.CHOICE:
        parts.append("选择：" + "、".join(o.label for o in fact.options))
    elif fact.kind == forms.PERCENT:
        parts.append("填 0–100 之间的数")
    elif fact.kind == forms.COUNT:
        parts.append(f"整数，单位：{fact.unit}" if fact.unit else "整数")
    elif fact.unit:
        parts.append(f"单位：{fact.unit}")
    return "；".join(parts)


def form3_rows() -> list[_Form3Row]:
    rows = []
    for fact in forms.SERVICE_FACTS:
        number = "、".join(str(n) for n in forms.SERVICE_FACT_ITEMS[fact.id])
        if fact.kind != forms.MULTI:
            rows.append(_Form3Row(seed_label(fact), "fact", number, _guidance(fact), fact))
            continue
        rows.append(_Form3Row(seed_label(fact), "fact", number, _guidance(fact)))
        # terminals carry a unit (台): each kind holds a count; other sets hold ticks
        kind = forms.COUNT if fact.unit else "tick"
        rows += [_Form3Row(INDENT + o.label, "option", item=fact, kind=kind) for o in fact.options]
    rows.append(_Form3Row(forms.SELF_SCORE_LABEL, "section"))
    for item in SERVICE_ITEMS:
        rows.append(_Form3Row(f"{item.no} {item.name}", "score", str(item.no), f"满分 {item.max} 分",
                              kind=forms.DECIMAL, maximum=item.max))
    top = sum(item.max for item in SERVICE_ITEMS)
    rows.append(_Form3Row(forms.TOTAL_LABEL, "score", "", f"满分 {top} 分", kind=forms.DECIMAL, maximum=top))
    return rows


def _write_form3(book, st: _Styles, circles: Sequence[_Circle]) -> None:
    ws = book.add_worksheet(FORM3_SHEET)
    last_column = xl_col_to_name(2 + len(circles))
    ws.set_column("A:A", 7)
    ws.set_column("B:B", 34)
    ws.set_column("C:C", 30)
    ws.set_column(f"D:{last_column}", 16)
    ws.merge_range(f"A1:{last_column}1", forms.FORM3_TITLE, st.title)
    ws.set_row(0, 32)
    for letter, label in zip("ABC", forms.FORM3_HEADERS):
        ws.write(f"{letter}2", label, st.header)
    for i, circle in enumerate(circles):
        ws.write_formula(1, 3 + i, f"={circle.name_ref}&\"\"", st.header, circle.name)
    rows = form3_rows()
    for offset, spec in enumerate(rows):
        _form3_row(ws, st, 3 + offset, spec, len(circles))
    ws.freeze_panes(2, 3)
    _print_setup(ws, f"A1:{last_column}{2 + len(rows)}", repeat=(0, 1))
    _protect(ws)


def _form3_row(ws, st: _Styles, row: int, spec: _Form3Row, circles: int) -> None:
    label_style = {"section": st.section, "fact": st.label}.get(spec.style, st.label)
    ws.write(f"A{row}", spec.number, st.label_center)
    ws.write(f"B{row}", spec.label, label_style)
    ws.write(f"C{row}", spec.guidance, st.label)
    ws.set_row(row - 1, _row_height([(spec.label, 34), (spec.guidance, 30)]))
    values = f"D{row}:{xl_col_to_name(2 + circles)}{row}"
    rule = _form3_validation(spec)
    if rule is None:  # a MULTI fact's own row or the section head: its options hold the values
        style = st.idle
    elif spec.kind is None:
        style = st.entry(spec.item.kind)
    else:
        style = st.number
    for col in range(3, 3 + circles):
        ws.write_blank(row - 1, col, None, style)
    if rule is not None:
        ws.data_validation(values, rule)


def _form3_validation(spec: _Form3Row) -> dict | None:
    if spec.kind == "tick":
        return _dv_tick(f"{spec.item.label}：{spec.label.strip()}")
    if spec.kind == forms.COUNT:  # a terminal kind: units
        return _dv_kind(forms.COUNT, f"{spec.item.label}：{spec.label.strip()}", unit=spec.item.unit)
    if spec.style == "score":
        return _dv_kind(forms.DECIMAL, f"{forms.SELF_SCORE_LABEL}：{spec.label}", maximum=spec.maximum)
    if spec.item is not None:
        return _dv_field(spec.item, ())
    return None


# ---------------------------------------------------------------------------
# 促消费活动: one row per event
# ---------------------------------------------------------------------------


def _circle_list_source(circles: Sequence[_Circle]) -> str:
    # the circle names as one contiguous row (附件3's header), for dropdowns of circle names
    last = xl_col_to_name(2 + len(circles))
    return f"={_quote_sheet(FORM3_SHEET)}!$D$2:${last}$2"


def _write_events(book, st: _Styles, circles: Sequence[_Circle]) -> _Checked:
    ws = book.add_worksheet(EVENTS_SHEET)
    columns = forms.EVENT_COLUMNS
    widths = {"circle": 30, "name": 36, "date": 14}
    for i, column in enumerate(columns):
        ws.set_column(i, i, widths.get(column.id, 16))
    ws.set_column(3, 3, 40)
    ws.merge_range("A1:C1", EVENTS_SHEET, st.title)
    ws.set_row(0, 32)
    for i, column in enumerate(columns):
        ws.write(1, i, column.label, st.header)
    ws.write("D2", forms.SELF_CHECK_HEADER, st.check_header)
    first, last = 3, 2 + EVENT_ROWS
    for row in range(first, last + 1):
        for i, column in enumerate(columns):
            ws.write_blank(row - 1, i, None, st.entry(column.kind))
        ws.write_formula(f"D{row}", _row_formula(_event_checks(row)), st.check, "")
    _conditional(ws, st.red, _event_checks(first), last)
    prompts = {"name": "社区邻里节、美食节、团购节、家电家居及家政便民服务等，每次活动一行"}
    for i, column in enumerate(columns):
        cells = f"{xl_col_to_name(i)}{first}:{xl_col_to_name(i)}{last}"
        if column.id == "circle":
            rule = _dv_list(column.label, _circle_list_source(circles), "从下拉列表选择本工作簿中的生活圈", warn=True)
        else:
            rule = _dv_kind(column.kind, column.label, prompts.get(column.id, ""))
        ws.data_validation(cells, rule)
    ws.freeze_panes(2, 0)
    _print_setup(ws, f"A1:C{last}", repeat=(1, 1))
    _protect(ws, autofilter=True, sort=True)
    return _Checked(EVENTS_SHEET, f"D{first}:D{last}", f"COUNTA({_quote_sheet(EVENTS_SHEET)}!$A${first}:$C${last})>0")


def _event_checks(row: int) -> list[Check]:
    refs = {c.id: f"${xl_col_to_name(i)}{row}" for i, c in enumerate(forms.EVENT_COLUMNS)}
    used = f"COUNTA($A{row}:$C{row})>0"
    checks = []
    for column in forms.EVENT_COLUMNS:
        checks += _value_checks(refs[column.id], column.kind, column.label, used=used)
    return checks


# ---------------------------------------------------------------------------
# 附件6 项目清单: one row per project
# ---------------------------------------------------------------------------


# Narrow enough that sixteen columns print legibly across an A4 landscape page.
_FORM6_WIDTHS = {"county": 10, "circle": 14, "community": 12, "name": 18, "kind": 10, "category": 12,
                 "content": 24, "investment_10k_yuan": 9, "invested_10k_yuan": 9, "status": 8,
                 "owner": 12, "contact": 14, "notes": 10}


def _project_refs(row: int) -> dict[str, str]:
    return {f.id: f"${xl_col_to_name(i)}{row}" for i, f in enumerate(forms.PROJECT_FIELDS)}


def _write_form6(book, st: _Styles, circles: Sequence[_Circle], counties: Sequence[str]) -> _Checked:
    ws = book.add_worksheet(FORM6_SHEET)
    fields = forms.PROJECT_FIELDS
    last, check = xl_col_to_name(len(fields) - 1), xl_col_to_name(len(fields))
    for i, item in enumerate(fields):
        ws.set_column(i, i, _FORM6_WIDTHS.get(item.id, 10.5))
    ws.set_column(f"{check}:{check}", 40)
    ws.merge_range(f"A1:{last}1", forms.FORM6_TITLE, st.title)
    ws.set_row(0, 32)
    for i, item in enumerate(fields):
        ws.write(1, i, item.label, st.header)
    ws.write(f"{check}2", forms.SELF_CHECK_HEADER, st.check_header)
    ws.set_row(1, 36)
    first, end = 3, 2 + PROJECT_ROWS
    for row in range(first, end + 1):
        for i, item in enumerate(fields):
            ws.write_blank(row - 1, i, None, st.entry(item.kind))
        ws.write_formula(f"{check}{row}", _row_formula(_project_checks(row)), st.check, "")
    _conditional(ws, st.red, _project_checks(first), end)
    _form6_validations(ws, circles, counties, first, end)
    ws.freeze_panes(2, 0)
    ws.autofilter(f"A2:{check}{end}")
    _print_setup(ws, f"A1:{last}{end}", landscape=True, repeat=(1, 1))
    _protect(ws, autofilter=True, sort=True)
    return _Checked(FORM6_SHEET, f"{check}{first}:{check}{end}",
                    f"COUNTA({_quote_sheet(FORM6_SHEET)}!$A${first}:${last}${end})>0")


def _form6_validations(ws, circles: Sequence[_Circle], counties: Sequence[str], first: int, end: int) -> None:
    types = f"={_quote_sheet(FORM2_SHEET)}!$B${_FORM2_FIRST}:$B${_FORM2_FIRST + len(forms.PRESENCE_TYPES) - 1}"
    lists = {
        "county": _dv_list("县市区", list(counties)),
        "circle": _dv_list("生活圈名称", _circle_list_source(circles), "从下拉列表选择本工作簿中的生活圈", warn=True),
        "category": _dv_list("补齐业态", types, "从附件2的50种业态中选择；不是补齐业态的项目留空"),
    }
    for i, item in enumerate(forms.PROJECT_FIELDS):
        cells = f"{xl_col_to_name(i)}{first}:{xl_col_to_name(i)}{end}"
        if item.id in lists:
            rule = lists[item.id]
        elif item.kind == forms.CHOICE:
            rule = _dv_list(item.label, [o.label for o in item.options])
        else:
            rule = _dv_kind(item.kind, item.label, unit=item.unit)
        ws.data_validation(cells, rule)


# The 自查 sheet lists each circle's name (column B) and its 截至日期 (column E, hidden), so
# that a project is judged overdue against its own circle's 截至日期, as jnqh check does;
# a project of a circle not (or not yet) on a sheet is judged against today.
AS_OF_COLUMN = "E"
SUMMARY_FIRST_ROW = 3


SUMMARY_ROWS = 200  # more than a county's sheets: the lookup range need not follow the book


def _as_of_of(circle_ref: str) -> str:
    """Excel: the 截至日期 of the circle named in `circle_ref`, else today."""
    summary, first, last = _quote_sheet(SUMMARY_SHEET), SUMMARY_FIRST_ROW, SUMMARY_FIRST_ROW + SUMMARY_ROWS - 1
    names, dates = f"{summary}!$B${first}:$B${last}", f"{summary}!${AS_OF_COLUMN}${first}:${AS_OF_COLUMN}${last}"
    found = f"INDEX({dates},MATCH({circle_ref},{names},0))"
    return f"IFERROR(IF(ISNUMBER({found}),{found},TODAY()),TODAY())"


def _project_checks(row: int) -> list[Check]:
    ref = _project_refs(row)
    last = xl_col_to_name(len(forms.PROJECT_FIELDS) - 1)
    used = f"COUNTA($A{row}:${last}{row})>0"
    checks = []
    for item in forms.PROJECT_FIELDS:
        checks += _value_checks(ref[item.id], item.kind, item.label, used=used if item.required else None)
    total, invested = ref["investment_10k_yuan"], ref["invested_10k_yuan"]
    start, planned, finished, status = ref["start"], ref["planned_finish"], ref["finished"], ref["status"]
    done = _lit(forms.STATUS_DONE)
    rule = rules.INVESTED_NOT_OVER_TOTAL
    checks += [
        Check(rules.excel_row_rule(rule, invested, total, (forms.DECIMAL, forms.DECIMAL)),
              _lit(problem_text(rule.code)), (invested.replace("$", ""),)),
        Check(f"AND(ISNUMBER({planned}),ISNUMBER({start}),{planned}<{start})",
              _lit(problem_text("P-FINISH-BEFORE-START")), (planned.replace("$", ""),)),
        Check(f"AND({status}={done},{_blank(finished)})",
              _lit(problem_text("P-DONE-NO-DATE")), (finished.replace("$", ""),)),
        Check(f"AND(ISNUMBER({planned}),{planned}<{_as_of_of(ref['circle'])},{status}<>{done})",
              _lit(problem_text("P-OVERDUE")), (planned.replace("$", ""),)),
    ]
    return checks


# ---------------------------------------------------------------------------
# 自查: what a county lead reads before sending
# ---------------------------------------------------------------------------


def _write_summary(book, st: _Styles, checked: Sequence[_Checked], prefilled: bool) -> None:
    ws = book.add_worksheet(SUMMARY_SHEET)
    ws.set_column("A:A", 22)
    ws.set_column("B:B", 34)
    ws.set_column("C:D", 12)
    ws.set_column(f"{AS_OF_COLUMN}:{AS_OF_COLUMN}", 12, None, {"hidden": True})  # read by 附件6's overdue check
    ws.merge_range("A1:D1", "报送前自查结果", st.title)
    ws.set_row(0, 32)
    for letter, label in zip("ABCD", ("工作表", "生活圈名称", "填写情况", "问题数")):
        ws.write(f"{letter}2", label, st.header)
    first = SUMMARY_FIRST_ROW
    for offset, sheet in enumerate(checked):
        _summary_row(ws, st, first + offset, sheet)
    last = first + len(checked) - 1
    circle_rows = [first + i for i, s in enumerate(checked) if s.circle is not None]
    verdict_row = last + 1
    ws.write(f"A{verdict_row}", "结论", st.section)
    ws.merge_range(f"B{verdict_row}:D{verdict_row}", "", st.verdict)
    ws.write_formula(f"B{verdict_row}", _verdict_formula(min(circle_rows), max(circle_rows), first, last),
                     st.verdict, "" if prefilled else NO_CIRCLE_VERDICT)
    ws.set_row(verdict_row - 1, 30)
    verdict = f"$B${verdict_row}"
    ws.conditional_format(f"B{verdict_row}", {"type": "formula", "criteria": f'={verdict}="{OK_VERDICT}"',
                                              "format": st.green})
    ws.conditional_format(f"B{verdict_row}", {"type": "formula", "criteria": f'={verdict}<>"{OK_VERDICT}"',
                                              "format": st.red})
    ws.conditional_format(f"D{first}:D{last}", {"type": "cell", "criteria": ">", "value": 0, "format": st.red})
    _summary_notes(ws, st, verdict_row + 2)
    _print_setup(ws, f"A1:D{verdict_row + 6}")
    _protect(ws)


def _summary_row(ws, st: _Styles, row: int, sheet: _Checked) -> None:
    ws.set_row(row - 1, 22)
    ws.write(f"A{row}", sheet.sheet, st.label)
    if sheet.circle is not None:
        ws.write_formula(f"B{row}", f"={sheet.circle.name_ref}&\"\"", st.label, sheet.circle.name)
        as_of = f"{_quote_sheet(sheet.sheet)}!{_absolute(FORM5.cells['as_of'])}"
        ws.write_formula(f"{AS_OF_COLUMN}{row}", f'=IF(ISNUMBER({as_of}),{as_of},"")', st.label, "")
    else:
        ws.write(f"B{row}", "—", st.label_center)
    ws.write_formula(f"C{row}", f'=IF({sheet.used},"{USED}","{UNUSED}")', st.label_center,
                     USED if sheet.circle is not None and sheet.circle.name else UNUSED)
    # "?*" counts texts of at least one character: the empty "" of a fine row is not counted
    ws.write_formula(f"D{row}", f'=COUNTIF({_quote_sheet(sheet.sheet)}!{sheet.check_range},"?*")',
                     st.label_center, 0)


def _verdict_formula(circle_first: int, circle_last: int, first: int, last: int) -> str:
    total = f"SUM(D{first}:D{last})"
    return (f'=IF(COUNTIF(C{circle_first}:C{circle_last},"{USED}")=0,"{NO_CIRCLE_VERDICT}",'
            f'IF({total}=0,"{OK_VERDICT}","发现 "&{total}&" 处问题，请查看各表红色单元格"))')


def _summary_notes(ws, st: _Styles, row: int) -> None:
    notes = (
        "问题数是各表最右侧“自查提示”列中有提示的行数；有问题的单元格显示为红色。",
        "未填写的附件5表不作检查。自行复制出的附件5表不在本汇总中，请查看该表自己的“自查提示”列。",
        "Excel 和 WPS 都会即时重算这些检查；保存后报送即可。报送后市商务局会发回反馈表，逐条列出需要改正的地方。",
    )
    for offset, text in enumerate(notes):
        ws.merge_range(f"A{row + offset}:D{row + offset}", text, st.prose)
        ws.set_row(row + offset - 1, _row_height([(text, 80)]))


# ---------------------------------------------------------------------------
# 填报说明
# ---------------------------------------------------------------------------


def _instructions(circles: Sequence[_Circle]) -> tuple[str, ...]:
    return (
        "本工作簿是市商务局下发的统一填报模板，每个县市区填报一份。请用 Excel 或 WPS 打开，只在黄色单元格中填写；"
        "白色、灰色单元格是表格标签，不要修改。",
        f"每个生活圈填一张“附件5”工作表（本模板有 {len(circles)} 张）。多出的空白附件5表请保留、不要删除，未填写的表不作检查。",
        "生活圈比附件5表多时：右键点击一张附件5工作表的标签，选择“移动或复制”，勾选“建立副本”，在复制出的新表中填写；"
        "附件2、附件3 中没有新表的列，可撤销工作表保护（“审阅”→“撤销工作表保护”，没有密码）后自行增加两列/一列，"
        "或另用一份模板填报其余生活圈。",
        "不要改动标签文字，不要插入、删除行或列，不要合并或拆分单元格，否则汇总程序无法读取。",
        f"多选、单选的地方，在选项右侧的黄色单元格中从下拉列表选择“{TICK}”；不选的留空。发展形态只能选一项。",
        "单位：居民数量、从业人数以“万人”为单位（12000 人填 1.2）；投资以“万元”为单位；比例、满意度填百分数的数值（95% 填 95）；"
        "数量填整数，没有的填 0。",
        "日期写成 2024-04-30 这样的格式。截至日期不能晚于今天。",
        "附件2、附件3 中每个生活圈占一列（附件2为两列），列标题中的生活圈名称自动取自对应的附件5表，无需填写。",
        "附件3 第 7 项“品质质量”按附件5合计行的品牌连锁店数量与网点数计算，无需另填；第 8 项“促消费活动”请在“促消费活动”表中逐次填写。",
        "附件6项目清单每个项目一行，“已完成”的项目请填写实际完成时间。",
        "报送前请自查：打开最后一张“自查”表，显示“未发现问题”即可报送；否则按各表最右侧“自查提示”列的提示修改红色单元格。"
        "在 Excel 或 WPS 中打开即可自查，不需要安装其他软件；用 WPS 时请保存为 .xlsx 格式再报送。",
    )


def _write_instructions(book, st: _Styles, circles: Sequence[_Circle], county: str | None, today: date) -> None:
    ws = book.add_worksheet(INSTRUCTIONS_SHEET)
    ws.set_column("A:A", 6)
    ws.set_column("B:B", 96)
    ws.merge_range("A1:B1", f"{CITY}{TEMPLATE_STEM} 填报说明", st.title)
    ws.set_row(0, 36)
    row = 2
    for number, text in enumerate(_instructions(circles), 1):
        ws.write_number(row, 0, number, st.prose_bold)
        ws.write(row, 1, text, st.prose)
        ws.set_row(row, _row_height([(text, 96)]))
        row += 1
    stamp = (
        ("县市区", county or "（未指定，请在各附件5表中选择）"),
        ("模板版本", f"jnqh {jnqh.__version__}"),
        ("表单版本", forms.FORMS_VERSION),
        ("生成日期", today.isoformat()),
    )
    row += 1
    for label, value in stamp:
        ws.write(row, 1, f"{label}：{value}", st.prose)
        row += 1
    _print_setup(ws, f"A1:B{row}")
    _protect(ws)
    ws.activate()


# ---------------------------------------------------------------------------
# The whole book
# ---------------------------------------------------------------------------


def _build(target, county: str | None, circles: Sequence[_Circle], today: date) -> None:
    book = xlsxwriter.Workbook(target, {
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "default_format_properties": {"font_name": "宋体", "font_size": 11, "font_charset": 134, "font_scheme": "none"},
    })
    _document_properties(book, county, today)
    st = _Styles(book)
    counties = forms.COUNTIES if county in forms.COUNTIES or not county else (*forms.COUNTIES, county)
    _write_instructions(book, st, circles, county, today)
    checked = [_write_form5(book, st, circle, county, counties) for circle in circles]
    _write_form2(book, st, circles)
    _write_form3(book, st, circles)
    checked.append(_write_events(book, st, circles))
    checked.append(_write_form6(book, st, circles, counties))
    _write_summary(book, st, checked, prefilled=bool(county) or any(c.name for c in circles))
    book.close()


def _document_properties(book, county: str | None, today: date) -> None:
    # a fixed creation time: the same inputs give the same workbook, byte for byte
    book.set_properties({
        "title": f"{county or CITY}{TEMPLATE_STEM}",
        "subject": "城市一刻钟便民生活圈建设情况填报",
        "author": f"{CITY}商务局",
        "company": f"{CITY}商务局",
        "keywords": f"jnqh {jnqh.__version__}; forms {forms.FORMS_VERSION}",
        "comments": f"由 jnqh {jnqh.__version__} 生成（表单版本 {forms.FORMS_VERSION}）",
        "created": datetime.combine(today, time()),
    })
    book.set_custom_property("jnqh_version", jnqh.__version__)
    book.set_custom_property("forms_version", forms.FORMS_VERSION)
