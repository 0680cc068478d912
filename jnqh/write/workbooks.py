"""The workbooks of a weekly run, written from a :class:`Run` (workflow.md, step 5).

- :func:`write_consolidated` — the office's workbook: 总览 (targets, type mix, native charts)
  and one sheet per view of the run (counties, circles, outlets, scores, projects, needs,
  problems, files).
- :func:`write_upward` — the report to the province in the official forms: each accepted
  circle's 附件5 as the seed lays it out, a city-total 附件5 and the city's 附件6. jnqh's own
  reader reads it back (it anchors on the same labels, all taken from :mod:`jnqh.forms`).
- :func:`write_feedback` — one county's workbook, holding only that county's circles,
  scores, problems, projects and files.

Conventions shared by all three:
- Every table goes through :func:`_write_table`: frozen header, filter, widths that fit
  Chinese text, number formats, A4 print setup with page numbers.
- Every cell goes through :class:`~jnqh.write.bulksheet.BulkSheet`, which writes a
  string as a string (a county's ``=HYPERLINK(…)`` or ``+1+1`` stays text); the workbook
  options switch off formula and URL guessing as well.
- Percentages are kept as in the forms: numbers 0–100, format ``0.0``, ``（%）`` in the header.
- Totals are written as values, not formulas: every number comes from the Run (or
  :mod:`jnqh.consolidate.figures`), so Excel, WPS, LibreOffice and openpyxl all show it.
- Document properties are fixed (created = ``run.as_of``): the same Run gives the same file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import xlsxwriter
from xlsxwriter.workbook import Workbook

from jnqh import forms
from jnqh.atomic import atomic_write
from jnqh.consolidate import figures
from jnqh.write import bulksheet
from jnqh.write.bulksheet import BulkSheet, as_date
from jnqh.consolidate.model import (
    CIRCLE_ACCEPTED, CIRCLE_STATUS_LABEL, CIRCLE_SUPERSEDED, CIRCLE_UNMATCHED, FILE_STATUS_LABEL, CircleEntry,
    CountyRow, FileEntry, Run,
)
from jnqh.check.flags import usable
from jnqh.write.xlsxkit import text_width as _text_width, wrapped_lines
from jnqh.issues import ERROR, SEVERITY_LABEL, Issue
from jnqh.score.rubric import NOT_TYPED, TYPES

CITY = "济宁市"
AUTHOR = "jnqh"
TYPE_ORDER = tuple(reversed(TYPES))  # 品质型 first, 未达标 last

# Sheet names (user-facing).
CONSOLIDATED_SHEETS = ("总览", "县市区汇总", "历次", "生活圈明细", "业态网点", "评分", "项目清单", "需求清单", "问题清单", "文件清单")
CITY_TOTAL_SHEET = "全市合计"
FORM6_SHEET = "附件6"
FORM5_TAG, FORM6_TAG = "附件5", "附件6"

# Texts of the outputs (user-facing; form labels come from jnqh.forms).
LABEL_COUNTY = forms.PROJECT_FIELD["county"].label
LABEL_CIRCLE = forms.PROJECT_FIELD["circle"].label
LABEL_GROUP, LABEL_CATEGORY = forms.FORM5_TABLE_HEADERS
YES = forms.YES_NO[0]
FINAL_STEP = "最终评定"
PART_PRESENCE = "附件2 业态“有没有”"  # short names of the two rubrics, for the 评分表 column
PART_SERVICE = "附件3 服务“好不好”"
FINAL_TYPE = "最终类型"
IGNORED = "非表格文件，已忽略"
LOCK_FILE = "Excel 临时锁文件，已跳过"
CITY_TOTAL_NOTE = (
    "本表由全市已采用的 {count} 个生活圈汇总：网点数、从业人数、连锁店数、商业中心数和覆盖居民数为各生活圈之和；"
    "居民满意度、设施面积比例按覆盖居民数加权平均；运营主体勾选全市用到的全部类型。发展形态：{layouts}。{pending}"
)
PENDING_NOTE = "经审核有误的 {n} 项数值未计入本表，也未填入各生活圈的表格，见“待核实”工作表。"
PENDING_SHEET = "待核实"
PENDING_TITLE = "经审核有误、未填入上报表的数值（待县市区核实后补报）"

# Colours
HEADER_FILL = "#DDEBF7"
LABEL_FILL = "#F2F2F2"
RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
AMBER = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
ORANGE = {"bg_color": "#FCE4D6", "font_color": "#833C0B"}
SERIES_COLOURS = ("#4472C4", "#A5A5A5")
TYPE_COLOURS = ("#2E75B6", "#70AD47", "#FFC000", "#C00000")  # in TYPE_ORDER

# 宋体 with the GB2312 charset on every style: Excel and WPS on a Chinese Windows then show
# the office's own font rather than Calibri's fallback (the template does the same).
EAST_ASIAN_FONT = {"font_name": "宋体", "font_size": 11, "font_charset": 134, "font_scheme": "none"}
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "in_memory": True, "default_format_properties": EAST_ASIAN_FONT}

# ---------------------------------------------------------------------------
# Columns, cell kinds and their formats
# ---------------------------------------------------------------------------

TEXT, WRAP, INT, SCORE, MONEY, PCT, DEC, DATE, FLAG, VALUE = (
    "text", "wrap", "int", "score", "money", "pct", "dec", "date", "flag", "value")
NUMERIC = frozenset({INT, SCORE, MONEY, PCT, DEC})
_BORDERED = {"border": 1, "border_color": "#BFBFBF", "valign": "vcenter"}
KIND_FORMAT: dict[str, dict] = {
    TEXT: {"text_wrap": True},
    WRAP: {"text_wrap": True, "valign": "top"},
    INT: {"num_format": "0"},
    SCORE: {"num_format": "0.0"},
    MONEY: {"num_format": "0.00"},
    PCT: {"num_format": "0.0"},
    DEC: {"num_format": "0.00##"},
    DATE: {"num_format": "yyyy-mm-dd", "align": "center"},
    FLAG: {"align": "center"},
    VALUE: {"text_wrap": True, "align": "left"},  # key–value lists: numbers and text alike
}
# a circle name is up to ~20 CJK characters: 40 units shows most on one line; +3 because
# LibreOffice and WPS set CJK a little wider than two digits
MIN_WIDTH, MAX_WIDTH, WRAP_WIDTH = 6, 40, 48
HEADER_WRAP = 14  # a header longer than this wraps instead of widening its column
WIDTH_SAMPLE = 3000  # rows measured for widths; the rest wrap if longer
LINE_HEIGHT = 15  # points per line of 11-pt text
MAX_ROW_LINES = 27  # Excel's row height limit is 409 points


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = TEXT
    width: float | None = None  # fixed width; None = fit to the content


def _field_kind(spec: forms.Field | forms.Column) -> str:
    if spec.unit == "万元":
        return MONEY
    return {forms.COUNT: INT, forms.DECIMAL: DEC, forms.PERCENT: PCT, forms.DATE: DATE}.get(spec.kind, TEXT)


def _header_label(spec: forms.Field) -> str:
    """A field's label with its unit, as a column header: 生活圈服务覆盖的居民数量（万人）."""
    return f"{spec.label}（{spec.unit}）" if spec.unit and spec.unit not in spec.label else spec.label


def _form_label(spec: forms.Field) -> str:
    """The seed's own wording of a 附件5 label: its longest spelling that extends the label."""
    longest = max((a for a in spec.anchors if a.startswith(spec.label)), key=len)
    return longest if not spec.unit or spec.unit in longest else f"{longest}（{spec.unit}）"


def _cell_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return _text_width(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    if isinstance(value, float):
        return len(f"{value:.2f}")
    return len(str(value))


def _lines(value: Any, width: float) -> int:
    return wrapped_lines(value, width)


def _row_height(lines: int) -> float:
    return LINE_HEIGHT * min(lines, MAX_ROW_LINES) + 3


class _Book:
    """An xlsxwriter workbook with the shared formats, cached by (kind, variant)."""

    def __init__(self, workbook: Workbook, title: str):
        self.wb = workbook
        self.title = title
        self._formats: dict[tuple, Any] = {}

    def fmt(self, kind: str, bold: bool = False, **extra: Any):
        key = (kind, bold, *sorted(extra.items())) if extra else (kind, bold)
        if key not in self._formats:
            props = {**_BORDERED, **KIND_FORMAT.get(kind, {}), **STYLE_FORMAT.get(kind, {}), **extra}
            if bold:
                props["bold"] = True
                props.setdefault("bg_color", LABEL_FILL)
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def sheet(self, name: str) -> BulkSheet:
        return self.wb.add_worksheet(_sheet_name(name), worksheet_class=BulkSheet)


STYLE_FORMAT: dict[str, dict] = {
    "header": {"bold": True, "bg_color": HEADER_FILL, "text_wrap": True, "align": "center"},
    "title": {"bold": True, "font_size": 16, "border": 0, "align": "left"},
    "subtitle": {"font_size": 10, "font_color": "#595959", "border": 0},
    "note": {"font_size": 10, "font_color": "#595959", "border": 0},
    "caption_note": {"text_wrap": True, "border": 0, "valign": "top", "font_size": 11},
    "section": {"bold": True, "font_size": 12, "border": 0},
    "form_tag": {"bold": True, "font_size": 12, "border": 0},
    "form_title": {"bold": True, "font_size": 16, "border": 0, "align": "center"},
    "form_label": {"bg_color": LABEL_FILL, "text_wrap": True, "align": "center", "border": 1,
                   "border_color": "#000000"},
    "form_value": {"text_wrap": True, "border": 1, "border_color": "#000000"},
    "form_number": {"border": 1, "border_color": "#000000", "align": "center"},
    "form_head": {"bold": True, "text_wrap": True, "align": "center", "border": 1, "border_color": "#000000"},
}

_FORBIDDEN_IN_SHEET_NAMES = str.maketrans("", "", "[]:*?/\\" + "".join(map(chr, range(32))))


def _sheet_name(name: str) -> str:
    return (name.translate(_FORBIDDEN_IN_SHEET_NAMES).strip("'") or "表")[:31]


def _write_workbook(target: Path, title: str, as_of: dt.date, build: Callable[[_Book], None]) -> None:
    """Build a workbook through `build`; it replaces `target` only when all went well."""
    with atomic_write(target) as handle:
        workbook = xlsxwriter.Workbook(handle, WORKBOOK_OPTIONS)
        workbook.set_properties({"title": title, "author": AUTHOR,
                                 "created": dt.datetime.combine(as_of, dt.time())})
        build(_Book(workbook, title))
        workbook.close()


# ---------------------------------------------------------------------------
# The table writer every sheet shares
# ---------------------------------------------------------------------------


_BULK_KIND = {DATE: bulksheet.DATE, VALUE: bulksheet.VALUE, **{kind: bulksheet.NUMBER for kind in NUMERIC}}


def _fit_widths(columns: Sequence[Col], rows: Sequence[Sequence]) -> list[float]:
    step = max(1, len(rows) // WIDTH_SAMPLE)
    sample = rows[::step]
    widths = []
    for c, col in enumerate(columns):
        if col.width is not None:
            widths.append(col.width)
            continue
        content = max((_cell_width(row[c]) for row in sample), default=0)
        header = min(_text_width(col.header), HEADER_WRAP)
        widths.append(min(max(content, header, MIN_WIDTH), MAX_WIDTH) + 3)
    return widths


def _header_height(columns: Sequence[Col], widths: Sequence[float]) -> float:
    return _row_height(max(_lines(col.header, w) for col, w in zip(columns, widths)))


def _write_rows(ws: BulkSheet, first: int, rows: Sequence[Sequence], columns: list[tuple[str, Any]],
                widths: Sequence[float], text_cols: list[int]) -> None:
    """Cells typed by their column's (kind, format); each row as tall as its longest wrapped text.

    The height is set explicitly: LibreOffice does not grow rows for wrapped text in xlsx
    files, and Excel keeps what it is given.
    """
    heights = []
    for row in rows:
        lines = max((_lines(row[c], widths[c]) for c in text_cols), default=1)
        heights.append(_row_height(lines) if lines > 1 else None)
    ws.write_rows(first, rows, columns, heights)


def _write_table(book: _Book, name: str, columns: Sequence[Col], rows: Sequence[Sequence], *,
                 freeze_cols: int = 0, bold_from: int | None = None, rules: Iterable[tuple[str, dict]] = (),
                 landscape: bool = True, pages_wide: int = 1, caption: tuple[str, ...] | None = None) -> BulkSheet:
    """One sheet holding one table: header row, rows, then widths, freeze, filter, print.

    Rows from `bold_from` on (a 合计 row) are bold and left out of the filter range.
    `rules` are (formula on the first data row, written with "{row}", style) conditional formats.
    `caption` (tag, title) puts a form's two heading lines (附件6 / its title) above the header.
    """
    ws = book.sheet(name)
    widths = _fit_widths(columns, rows)
    # a table printed several pages wide has its title over the first page's columns, not
    # centred over all of them (it would stand half off the first page)
    span = len(columns) if pages_wide == 1 else max(1, len(columns) // pages_wide)
    top = 0 if caption is None else _write_caption(book, ws, caption, span, widths[:span])
    ws.height(top, _header_height(columns, widths))
    header = book.fmt("header")
    for c, col in enumerate(columns):
        ws.put(top, c, bulksheet.TEXT, col.header, header)
    plain = [(_BULK_KIND.get(col.kind, bulksheet.TEXT), book.fmt(col.kind)) for col in columns]
    text_cols = [c for c, col in enumerate(columns) if col.kind in (TEXT, WRAP, VALUE)]
    data_rows = len(rows) if bold_from is None else bold_from
    _write_rows(ws, top + 1, rows[:data_rows], plain, widths, text_cols)
    strong = [(kind, book.fmt(col.kind, bold=True)) for (kind, _), col in zip(plain, columns)]
    _write_rows(ws, top + data_rows + 1, rows[data_rows:], strong, widths, text_cols)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    _finish_table(book, ws, top, data_rows, len(columns), rules)
    ws.freeze_panes(top + 1, freeze_cols)
    _print_setup(ws, book.title, landscape=landscape, fit=(pages_wide, 0))
    ws.repeat_rows(top)
    if pages_wide > 1:
        ws.repeat_columns(0, max(freeze_cols - 1, 0))
    return ws


def _write_caption(book: _Book, ws: BulkSheet, caption: tuple[str, ...], width: int,
                   widths: Sequence[float] = ()) -> int:
    """附件N on the first line, the form's title centred on the second, and a note over the
    whole width below them if there is one; the header's row."""
    tag, title, *note = caption
    ws.put(0, 0, bulksheet.TEXT, tag, book.fmt("form_tag"))
    ws.height(1, 30)
    _merged(ws, 1, 0, 1, width - 1, title, book.fmt("form_title"))
    if not note:
        return 2
    ws.height(2, _row_height(_lines(note[0], sum(widths) or 80)))
    _merged(ws, 2, 0, 2, width - 1, note[0], book.fmt("caption_note"))
    return 3


def _finish_table(book: _Book, ws: BulkSheet, top: int, data_rows: int, width: int,
                  rules: Iterable[tuple[str, dict]]) -> None:
    """The filter over the header and data rows, and the conditional formats on the data."""
    ws.autofilter(top, 0, top + max(data_rows, 1), width - 1)
    if not data_rows:
        return
    for formula, style in rules:
        criteria = formula.replace("{row}", str(top + 2))  # 1-based row of the first data row
        ws.conditional_format(top + 1, 0, top + data_rows, width - 1,
                              {"type": "formula", "criteria": criteria, "format": book.wb.add_format(style)})


def _escape_header(text: str) -> str:
    return text.replace("&", "&&")


def _print_setup(ws: BulkSheet, title: str, *, landscape: bool = True, fit: tuple[int, int] | None = (1, 0),
                 scale: int | None = None) -> None:
    """A4, page numbers, the workbook's title and the sheet name on every printed page."""
    ws.set_paper(9)
    (ws.set_landscape if landscape else ws.set_portrait)()
    if fit is not None:
        ws.fit_to_pages(*fit)
    if scale is not None:
        ws.set_print_scale(scale)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    ws.set_header(f"&L&9{_escape_header(title)}&R&9&A", {"margin": 0.3})
    ws.set_footer("&C&9第 &P 页，共 &N 页", {"margin": 0.3})
    ws.center_horizontally()


def _rule_on(column: int, test: str) -> str:
    """An Excel formula testing column `column` of the first data row ({row}, see _write_table)."""
    return f"=${xlsxwriter.utility.xl_col_to_name(column)}{{row}}{test}"


# ---------------------------------------------------------------------------
# Values as the sheets show them
# ---------------------------------------------------------------------------


def _yes(flag: Any) -> str | None:
    return YES if flag else None


def _joined(values: Any) -> Any:
    if isinstance(values, (list, tuple, set)):
        return "、".join(str(v) for v in values) or None
    return values


def _shown(spec: forms.Field, value: Any) -> Any:
    """A 附件5 header value for a cell: option ids as their labels, lists joined with 、."""
    if value is None:
        return None
    if spec.options:
        ids = value if isinstance(value, (list, tuple)) else [value]
        return _joined([(spec.option_by_id(i) or forms.Option(i, str(i))).label for i in ids])
    if spec.kind == forms.DATE:
        return as_date(value) or value
    return _joined(value)


def _score_part(entry: CircleEntry, part: str) -> dict:
    return entry.score.get(part) or {}


# ---------------------------------------------------------------------------
# Row builders: one per view; the consolidated and the feedback workbooks share them
# ---------------------------------------------------------------------------

COUNTY_VIEW: tuple[tuple[Col, Callable[[CountyRow], Any]], ...] = (
    (Col("排名", INT), lambda row: row.rank),
    (Col(LABEL_COUNTY), lambda row: row.county),
    (Col("主城区", FLAG), lambda row: _yes(row.main_city)),
    (Col("目标数（名册生活圈）", INT), lambda row: row.target),
    (Col("已报送", INT), lambda row: row.submitted),
    (Col("报送率（%）", PCT), lambda row: row.submitted_pct),
    (Col("已采用", INT), lambda row: row.accepted),
    (Col("建成数（基础型及以上）", INT), lambda row: row.built),
    (Col("建成率（%）", PCT), lambda row: row.built_pct),
    *((Col(t, INT), (lambda row, t=t: row.by_type.get(t, 0))) for t in TYPE_ORDER),
    (Col("业态得分均值", SCORE), lambda row: row.presence_mean),
    (Col("服务得分均值", SCORE), lambda row: row.service_mean),
    (Col("均值所含生活圈（业态/服务）"), lambda row: f"{row.presence_n}/{row.service_n}" if row.accepted else None),
    (Col("项目数", INT), lambda row: row.projects),
    (Col(forms.PROJECT_FIELD["investment_10k_yuan"].label, MONEY), lambda row: row.investment_10k_yuan),
    (Col(forms.PROJECT_FIELD["invested_10k_yuan"].label, MONEY), lambda row: row.invested_10k_yuan),
    (Col("逾期项目", INT), lambda row: row.overdue),
    (Col("收到文件（个）", INT), lambda row: row.files),
    (Col("无法读取的文件（个）", INT), lambda row: row.broken_files),
    (Col("错误数（采用的文件）", INT), lambda row: row.errors),
    (Col("有误未计入的生活圈", INT), lambda row: row.flagged_circles),
)
COUNTY_COLUMNS = tuple(col for col, _ in COUNTY_VIEW)


def _col_index(columns: Sequence[Col], header: str) -> int:
    return next(i for i, col in enumerate(columns) if col.header == header)


BUILT_PCT_COL = _col_index(COUNTY_COLUMNS, "建成率（%）")
BUILT_COL = _col_index(COUNTY_COLUMNS, "建成数（基础型及以上）")
TARGET_COL = _col_index(COUNTY_COLUMNS, "目标数（名册生活圈）")
COUNTY_COL = _col_index(COUNTY_COLUMNS, LABEL_COUNTY)


def _county_values(row: CountyRow) -> list:
    return [get(row) for _, get in COUNTY_VIEW]


SCORE_VIEW: tuple[tuple[Col, Callable[[CircleEntry], Any]], ...] = (
    (Col("业态“有没有”得分", SCORE), lambda e: _score_part(e, "presence").get("total")),
    (Col("初步分型"), lambda e: _score_part(e, "presence").get("type")),
    (Col("服务“好不好”得分", SCORE), lambda e: _score_part(e, "service").get("total")),
    (Col("评价等级"), lambda e: _score_part(e, "service").get("grade")),
    (Col(FINAL_TYPE), lambda e: e.final_type),
    (Col("评定说明", WRAP, WRAP_WIDTH), lambda e: e.score.get("explanation")),
)
SOURCE_COLUMNS = (Col("来源文件"), Col("工作表"))
TOTAL_COLUMNS = tuple(forms.OUTLET_COLUMN[c] for c in ("outlets", "staff_10k", "chain", "satisfaction_pct"))


def _detail_columns() -> list[Col]:
    fields = [Col(_header_label(spec), WRAP if spec.id in ("boundaries", "notes") else _field_kind(spec),
                  30 if spec.id in ("boundaries", "notes") else None) for spec in forms.CIRCLE_FIELDS]
    totals = [Col(f"{forms.TOTAL_LABEL} {column.label}", _field_kind(column)) for column in TOTAL_COLUMNS]
    return [*fields, Col("主城区", FLAG), *totals, Col("连锁化率（%）", PCT),
            *(col for col, _ in SCORE_VIEW), *SOURCE_COLUMNS]


def _detail_rows(circles: Iterable[CircleEntry]) -> list[list]:
    rows = []
    for entry in circles:
        data = entry.data
        total = data.get("total") or {}
        row = [_shown(spec, data.get(spec.id)) for spec in forms.CIRCLE_FIELDS]
        row += [_yes(entry.main_city), *(total.get(column.id) for column in TOTAL_COLUMNS),
                figures.chain_share(entry)]
        row += [get(entry) for _, get in SCORE_VIEW]
        rows.append(row + [entry.file, entry.sheet])
    return rows




def _outlet_columns() -> list[Col]:
    """One row per circle, one column per category: a matrix a reader scans across."""
    categories = [Col(forms.field_label(f"categories.{cat.id}"), INT) for cat in forms.CATEGORIES]
    total = forms.TOTAL_LABEL
    return [Col(LABEL_COUNTY), Col(LABEL_CIRCLE), *categories,
            Col(f"{total}{forms.OUTLET_COLUMN['outlets'].label}", INT),
            Col(f"{total}{forms.OUTLET_COLUMN['chain'].label}", INT), Col("连锁化率（%）", PCT)]


def _outlet_rows(circles: Iterable[CircleEntry]) -> list[list]:
    rows = []
    for entry in circles:
        categories = entry.data.get("categories") or {}
        total = entry.data.get("total") or {}
        outlets = [(categories.get(cat.id) or {}).get("outlets") for cat in forms.CATEGORIES]
        rows.append([entry.county, entry.name, *outlets, total.get("outlets"), total.get("chain"),
                     figures.chain_share(entry)])
    return rows


SCORE_COLUMNS = (
    Col(LABEL_COUNTY), Col(LABEL_CIRCLE), Col("评分表"), Col("序号", INT), Col("评分项"),
    Col("得分", SCORE), Col("满分", SCORE), Col(forms.SELF_SCORE_LABEL, SCORE), Col("自评不符", FLAG),
    Col("结果"), Col("说明", WRAP, 60),
)
SCORE_DIFFERS_COL = 8


def _score_rows(circles: Iterable[CircleEntry]) -> list[list]:
    """Per circle: 附件2 total, the ten 附件3 items, the 附件3 total, the final type."""
    rows = []
    for entry in circles:
        head = [entry.county, entry.name]
        presence, service = _score_part(entry, "presence"), _score_part(entry, "service")
        items = service.get("items") or []
        rows.append(head + [PART_PRESENCE, None, forms.TOTAL_LABEL, presence.get("total"), presence.get("max"),
                            presence.get("self_score"), _yes(presence.get("differs")), presence.get("type"),
                            presence.get("explanation")])
        rows += [head + [PART_SERVICE, item.get("no"), item.get("name"), item.get("points"), item.get("max"),
                         item.get("self_score"), _yes(item.get("differs")), None, item.get("explanation")]
                 for item in items]
        maximum = sum(item.get("max") or 0 for item in items) or None
        rows.append(head + [PART_SERVICE, None, forms.TOTAL_LABEL, service.get("total"), maximum,
                            service.get("self_score"), _yes(service.get("differs")), service.get("grade"),
                            service.get("explanation")])
        rows.append(head + [FINAL_STEP, None, FINAL_TYPE, None, None, None, None, entry.final_type,
                            entry.score.get("explanation")])
    return rows


PROJECT_COLUMNS = (*(Col(spec.label, WRAP if spec.id == "content" else _field_kind(spec),
                         24 if spec.id == "content" else None) for spec in forms.PROJECT_FIELDS),
                   Col("逾期", FLAG))


def _project_rows(projects: Iterable[dict]) -> list[list]:
    return [[project.get(spec.id) for spec in forms.PROJECT_FIELDS] + [_yes(project.get("overdue"))]
            for project in projects]


NEEDS_COLUMNS = (Col(LABEL_COUNTY), Col(LABEL_CIRCLE), Col(LABEL_GROUP), Col(LABEL_CATEGORY),
                 Col(forms.OUTLET_COLUMN["needs"].label, WRAP, 60))


def _needs_rows(circles: Iterable[CircleEntry]) -> list[list]:
    rows = []
    for entry in circles:
        categories = entry.data.get("categories") or {}
        for cat in forms.CATEGORIES:
            needs = (categories.get(cat.id) or {}).get("needs")
            if needs:
                rows.append([entry.county, entry.name, forms.GROUP_LABELS[cat.group], cat.label, needs])
        needs = (entry.data.get("total") or {}).get("needs")
        if needs:
            rows.append([entry.county, entry.name, forms.TOTAL_LABEL, forms.TOTAL_LABEL, needs])
    return rows


ISSUE_COLUMNS = (Col("级别", FLAG), Col(LABEL_COUNTY), Col("文件"), Col("工作表"), Col("单元格", FLAG),
                 Col("问题", WRAP, 44), Col("怎么改", WRAP, 44), Col("代码"), Col("栏目"), Col("填写值"))


def _issue_rows(run: Run, issues: Iterable[Issue]) -> list[list]:
    """Errors first, then by file, sheet and cell."""
    county_of = {f.path: f.county for f in run.files}
    ordered = sorted(issues, key=lambda i: (i.severity != ERROR, i.sort_key()))
    # a file-level issue's value is the reader's technical detail, not something the county typed
    return [[SEVERITY_LABEL.get(i.severity, i.severity), county_of.get(i.file), i.file, i.sheet, i.cell,
             i.message, i.hint, i.code, forms.field_label(i.field) if i.field else None,
             None if i.code.startswith("F-") else i.value]
            for i in ordered]


FILE_COLUMNS = (Col("文件"), Col("SHA-256（前12位）"), Col("状态"), Col(LABEL_COUNTY), Col("所含生活圈", WRAP, 36),
                Col("项目数", INT), Col("错误", INT), Col("提醒", INT), Col("原因", WRAP, 36),
                Col("未计入的生活圈", WRAP, 40))


def _file_rows(run: Run, files: Iterable[FileEntry], *, skipped: bool) -> list[list]:
    """One row per input file; with `skipped`, the ignored and lock files too."""
    not_counted: dict[str, list[str]] = {}
    for circle in run.circles:
        if circle.status != CIRCLE_ACCEPTED:
            not_counted.setdefault(circle.file, []).append(_circle_state(circle))
    rows = [[f.path, (f.sha256 or "")[:12] or None, FILE_STATUS_LABEL.get(f.status, f.status), f.county,
             # Whether a file was reused from the last run is left out: a rerun must write the same.
             _joined(f.circles), f.projects, f.errors, f.warnings, f.reason or None,
             "；".join(not_counted.get(f.path, ())) or None] for f in files]
    if skipped:
        rows += [[path, None, IGNORED] + [None] * 7 for path in run.ignored]
        rows += [[path, None, LOCK_FILE] + [None] * 7 for path in run.locks]
    return rows


def _circle_status(circle: CircleEntry) -> str:
    """'已被替代，以 x.xlsx 为准' / '名册中无此生活圈，最接近：…' / '已采用'."""
    detail = CIRCLE_STATUS_LABEL.get(circle.status, circle.status)
    if circle.status == CIRCLE_SUPERSEDED and circle.superseded_by:
        detail += f"，以 {circle.superseded_by} 为准"
    if circle.status == CIRCLE_UNMATCHED and circle.nearest:
        detail += f"，最接近：{circle.nearest}"
    return detail


def _circle_state(circle: CircleEntry) -> str:
    return f"{circle.name}（{_circle_status(circle)}）"


ISSUE_RULES = ((_rule_on(0, f'="{SEVERITY_LABEL[ERROR]}"'), RED), (_rule_on(0, f'<>"{SEVERITY_LABEL[ERROR]}"'), AMBER))
PROJECT_RULES = ((_rule_on(len(PROJECT_COLUMNS) - 1, f'="{YES}"'), ORANGE),)
SCORE_RULES = ((_rule_on(SCORE_DIFFERS_COL, f'="{YES}"'), AMBER),)


# ---------------------------------------------------------------------------
# The consolidated workbook
# ---------------------------------------------------------------------------


def write_consolidated(run: Run, target: Path) -> None:
    """济宁市一刻钟便民生活圈汇总_<YYYYMMDD>.xlsx: 总览 with charts, then one sheet per view."""
    title = f"{CITY}一刻钟便民生活圈建设汇总（第{run.number}期）"
    _write_workbook(target, title, run.as_of, lambda book: _consolidated_sheets(book, run))


def _consolidated_sheets(book: _Book, run: Run) -> None:
    accepted = run.accepted
    names = dict(zip(("overview", "counties", "trend", "circles", "outlets", "scores", "projects", "needs",
                      "issues", "files"), CONSOLIDATED_SHEETS))
    from jnqh.write.overview import write_overview, write_trend

    write_overview(book, run, names["overview"], names["counties"], names["trend"])
    _write_counties(book, run, names["counties"])
    write_trend(book, run, names["trend"])
    detail = _detail_columns()
    not_typed = (_rule_on(_col_index(detail, FINAL_TYPE), f'="{NOT_TYPED}"'), RED)
    # 30-odd columns: two pages wide, the circle's name repeated on each, stay readable
    _write_table(book, names["circles"], detail, _detail_rows(accepted), freeze_cols=1, rules=(not_typed,),
                 pages_wide=2)
    _write_table(book, names["outlets"], _outlet_columns(), _outlet_rows(accepted), freeze_cols=2)
    _write_table(book, names["scores"], SCORE_COLUMNS, _score_rows(accepted), freeze_cols=2, rules=SCORE_RULES)
    _write_table(book, names["projects"], PROJECT_COLUMNS, _project_rows(run.projects), freeze_cols=4,
                 rules=PROJECT_RULES)
    _write_table(book, names["needs"], NEEDS_COLUMNS, _needs_rows(accepted), freeze_cols=2)
    _write_table(book, names["issues"], ISSUE_COLUMNS, _issue_rows(run, run.issues), rules=ISSUE_RULES)
    _write_table(book, names["files"], FILE_COLUMNS, _file_rows(run, run.files, skipped=True))


def _write_counties(book: _Book, run: Run, name: str) -> None:
    """One row per county and the city's 合计; counties behind the city's 建成率 in red."""
    rows = [_county_values(row) for row in run.counties]
    total_row = len(rows) + 1  # 0-based row of 合计 (header is row 0)
    built, target = (xlsxwriter.utility.xl_col_to_name(c) for c in (BUILT_PCT_COL, TARGET_COL))
    # a county with no circles in the registry has nothing to lag behind on
    lag = f"=AND(${target}{{row}}>0,${built}{{row}}<${built}${total_row + 1})"
    _write_table(book, name, COUNTY_COLUMNS, [*rows, _county_values(_city_total_row(run))],
                 freeze_cols=2, bold_from=len(rows), rules=((lag, RED),))


def _city_total_row(run: Run) -> CountyRow:
    """The figures stage's city row, labelled 合计 as a table's last row is."""
    return dataclasses.replace(run.city, county=forms.TOTAL_LABEL)


def rank_text(run: Run, row: CountyRow) -> str:
    """The figures stage's rank, as the 通报's county table shows it."""
    if row.rank is None:
        return "不参与排名（名册中没有本县市区的生活圈）"
    ranked = [other for other in run.counties if other.rank is not None]
    shared = sum(1 for other in ranked if other.rank == row.rank) > 1
    return (f"第 {row.rank} 名{'（并列）' if shared else ''}"
            f"（共 {len(ranked)} 个县市区，按建成率、服务均分排名）")


# ---------------------------------------------------------------------------
# The upward report in the official forms
# ---------------------------------------------------------------------------

# 附件5 on A4 portrait: 分类 | 主要业态网点 | 网点数 | 从业人数 | 连锁店数 | 满意度 | 需求清单
FORM5_WIDTHS = (6, 20, 10, 9, 10, 9, 20)
FORM5_LAST_COL = len(FORM5_WIDTHS) - 1
# A scale, not fit-to-page (which would drop the page breaks); 84 columns units fit A4
# portrait at 85 % with Excel's Calibri and LibreOffice's wider Carlito alike.
FORM5_PRINT_SCALE = 85
TICKED, UNTICKED = "☑", "□"
OPERATOR_LINES = (3, 5)  # the seed's two lines of 运营主体 options: first three, last two
FORM5_VALUE_FIELDS = ("boundaries", "communities", "platform", "centers", "residents_10k", "facility_area_pct")


def write_upward(run: Run, target: Path) -> None:
    """济宁市_附件5_附件6_<YYYYMMDD>.xlsx: 附件5 per circle by county, the city's 附件5, 附件6."""
    title = f"{CITY}试点社区便民生活圈建设情况（截至 {run.as_of.isoformat()}）"
    _write_workbook(target, title, run.as_of, lambda book: _upward_sheets(book, run))


def _upward_sheets(book: _Book, run: Run) -> None:
    accepted = run.accepted
    counties = [row.county for row in run.counties]
    counties += sorted({c.county for c in accepted if c.county and c.county not in counties})
    for county in counties:
        # a value with an error on it is left blank here and listed in 待核实
        circles = [usable(c.data, c.flags) for c in accepted if c.county == county]
        if circles:
            _write_form5_sheet(book, county, circles)
    _write_form5_sheet(book, CITY_TOTAL_SHEET, [city_total(run)])
    _write_form6_sheet(book, [usable(p, p.get("flags")) for p in run.projects], run.city)
    if run.pending:
        _write_pending(book, run)


def _write_form5_sheet(book: _Book, name: str, circles: list[dict]) -> None:
    """Circles as stacked 附件5 blocks, one printed page each."""
    ws = book.sheet(name)
    for c, width in enumerate(FORM5_WIDTHS):
        ws.set_column(c, c, width)
    starts, r = [], 0
    for circle in circles:
        starts.append(r)
        r = _write_form5(book, ws, r, circle) + 1
        ws.settle()
    ws.set_h_pagebreaks(starts[1:])
    _print_setup(ws, book.title, landscape=False, fit=None, scale=FORM5_PRINT_SCALE)


def _write_form5(book: _Book, ws: BulkSheet, top: int, circle: dict) -> int:
    """One circle's 附件5 as the seed lays it out, from row `top`; returns the next free row."""
    ws.put(top, 0, bulksheet.TEXT, FORM5_TAG, book.fmt("form_tag"))
    ws.height(top + 1, 30)
    _merged(ws, top + 1, 0, top + 1, FORM5_LAST_COL, forms.FORM5_TITLE, book.fmt("form_title"))
    r = _form5_header_line(book, ws, top + 2, circle)
    r = _form5_options(book, ws, r, circle)
    for field_id in FORM5_VALUE_FIELDS:
        r = _form5_field(book, ws, r, forms.CIRCLE_FIELD[field_id], circle.get(field_id))
    r = _form5_table(book, ws, r, circle)
    notes = forms.CIRCLE_FIELD["notes"]
    return _form5_field(book, ws, r, notes, circle.get("notes"), min_lines=3)


def _merged(ws: BulkSheet, r1: int, c1: int, r2: int, c2: int, value: Any, fmt) -> None:
    """A merged range whose value is written with the typed writer (strings stay strings)."""
    ws.merge_cells(r1, c1, r2, c2, bulksheet.VALUE, value, fmt)


def _form5_header_line(book: _Book, ws: BulkSheet, r: int, circle: dict) -> int:
    """试点生活圈名称 | name | 所在县市区 | county | 截至日期：date — the seed's first line."""
    label, value = book.fmt("form_label"), book.fmt("form_value")
    fields = forms.CIRCLE_FIELD
    name_width = FORM5_WIDTHS[2] + FORM5_WIDTHS[3]
    ws.height(r, _row_height(max(_lines(circle.get("name"), name_width), 2)))
    _merged(ws, r, 0, r, 1, _form_label(fields["name"]), label)
    _merged(ws, r, 2, r, 3, circle.get("name") or "", value)
    ws.put(r, 4, bulksheet.TEXT, _form_label(fields["county"]), label)
    ws.put(r, 5, bulksheet.TEXT, circle.get("county"), value)
    day = as_date(circle.get("as_of"))
    shown = day.isoformat() if day else (circle.get("as_of") or "")
    ws.put(r, 6, bulksheet.TEXT, f"{_form_label(fields['as_of'])}：{shown}", value)
    return r + 1


def _ticks(spec: forms.Field, chosen: Any, options: Sequence[forms.Option]) -> str:
    ids = set(chosen if isinstance(chosen, (list, tuple, set)) else [chosen])
    return "　".join(f"{o.label}{TICKED if o.id in ids else UNTICKED}" for o in options)


def _form5_options(book: _Book, ws: BulkSheet, r: int, circle: dict) -> int:
    """运营主体 (two lines of options, as in the seed) and 发展形态, ticked ☑ or □."""
    operators, layout = forms.CIRCLE_FIELD["operators"], forms.CIRCLE_FIELD["layout"]
    label, value = book.fmt("form_label"), book.fmt("form_value")
    first, last = OPERATOR_LINES
    lines = (operators.options[:first], operators.options[first:last])
    _merged(ws, r, 0, r + 1, 1, _form_label(operators), label)
    for offset, options in enumerate(lines):
        _merged(ws, r + offset, 2, r + offset, FORM5_LAST_COL, _ticks(operators, circle.get("operators"), options),
                value)
    r += 2
    _merged(ws, r, 0, r, 1, _form_label(layout), label)
    _merged(ws, r, 2, r, FORM5_LAST_COL, _ticks(layout, circle.get("layout"), layout.options), value)
    return r + 1


def _form5_field(book: _Book, ws: BulkSheet, r: int, spec: forms.Field, raw: Any, min_lines: int = 1) -> int:
    """A label over A:B and its value over C:G, the row as tall as the text needs."""
    value = _shown(spec, raw)
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    width = sum(FORM5_WIDTHS[2:])
    label_lines = _lines(_form_label(spec), FORM5_WIDTHS[0] + FORM5_WIDTHS[1])
    ws.height(r, _row_height(max(_lines(value, width), label_lines, min_lines)))
    _merged(ws, r, 0, r, 1, _form_label(spec), book.fmt("form_label"))
    _merged(ws, r, 2, r, FORM5_LAST_COL, value if value is not None else "",
            book.fmt("form_number" if numeric else "form_value", align="left"))
    return r + 1


def _form5_table(book: _Book, ws: BulkSheet, r: int, circle: dict) -> int:
    """The outlet table: header, 合计, then 基本保障类 and 品质提升类 rows with their group label."""
    head = book.fmt("form_head")
    ws.height(r, _row_height(4))
    for c, text in enumerate((*forms.FORM5_TABLE_HEADERS, *(col.label for col in forms.OUTLET_COLUMNS))):
        ws.put(r, c, bulksheet.TEXT, text, head)
    _merged(ws, r + 1, 0, r + 1, 1, forms.TOTAL_LABEL, head)
    _form5_row(book, ws, r + 1, circle.get("total") or {})
    r += 2
    categories = circle.get("categories") or {}
    for group, label in forms.GROUP_LABELS.items():
        rows = [cat for cat in forms.CATEGORIES if cat.group == group]
        _merged(ws, r, 0, r + len(rows) - 1, 0, label, book.fmt("form_label"))
        for cat in rows:
            ws.put(r, 1, bulksheet.TEXT, cat.label, book.fmt("form_value"))
            _form5_row(book, ws, r, categories.get(cat.id) or {}, cat.label)
            r += 1
    return r


def _form5_row(book: _Book, ws: BulkSheet, r: int, row: dict, label: str = "") -> None:
    """The five outlet columns of one row, the row as tall as its label or needs."""
    lines = max(_lines(label, FORM5_WIDTHS[1]), _lines(row.get("needs"), FORM5_WIDTHS[-1]))
    if lines > 1:
        ws.height(r, _row_height(lines))
    text, number = book.fmt("form_value"), book.fmt("form_number")
    for c, column in enumerate(forms.OUTLET_COLUMNS, start=2):
        if column.kind == forms.TEXT:
            ws.put(r, c, bulksheet.TEXT, row.get(column.id), text)
        else:
            ws.put(r, c, bulksheet.NUMBER, row.get(column.id), number)


def _write_form6_sheet(book: _Book, projects: list[dict], city: CountyRow | None) -> None:
    """附件6 for the whole city: 序号, 县市区 and 生活圈 first (the rows are grouped by them), the
    seed's columns after, a 合计 row of the city's investment figures; two pages wide when
    printed, the first three columns repeated, so that it reads at a normal size."""
    order = ("county", "circle", *(s.id for s in forms.PROJECT_FIELDS if s.id not in ("county", "circle")))
    columns = [Col("序号", INT), *(_form6_column(forms.PROJECT_FIELD[i]) for i in order)]
    rows = [[n, *(p.get(i) for i in order)] for n, p in enumerate(projects, start=1)]
    total = [None] * len(columns)
    total[1] = forms.TOTAL_LABEL
    total[2] = f"{len(projects)} 个项目"
    for field_id, value in (("investment_10k_yuan", city.investment_10k_yuan if city else None),
                            ("invested_10k_yuan", city.invested_10k_yuan if city else None)):
        total[1 + order.index(field_id)] = value
    _write_table(book, FORM6_SHEET, columns, [*rows, total], freeze_cols=3, bold_from=len(rows),
                 caption=(FORM6_TAG, forms.FORM6_TITLE), pages_wide=2)


def _form6_column(spec: forms.Field) -> Col:
    if spec.id in ("content", "notes", "name", "circle"):
        return Col(spec.label, WRAP, {"content": 30, "notes": 16, "name": 20, "circle": 22}[spec.id])
    return Col(spec.label, _field_kind(spec))


# ---------------------------------------------------------------------------
# The city-total 附件5
# ---------------------------------------------------------------------------


def city_total(run: Run) -> dict:
    """The figures stage's 全市合计 as a CIRCLE-shaped record, to lay out as a 附件5."""
    figures_of = run.city_form5
    layouts = figures_of.get("layouts") or {}
    layout_text = "、".join(f"{o.label} {layouts[o.id]} 个" for o in forms.LAYOUTS if layouts.get(o.id)) or "无"
    count = figures_of.get("circles", 0)
    return {
        "name": f"{CITY}（{CITY_TOTAL_SHEET}）", "county": CITY, "as_of": run.as_of.isoformat(),
        "operators": figures_of.get("operators") or [], "layout": None,
        "boundaries": f"{CITY}全市已采用的 {count} 个生活圈（各生活圈见各县市区工作表）",
        "communities": [f"共 {figures_of.get('communities', 0)} 个社区"],
        "platform": None, "centers": figures_of.get("centers"), "residents_10k": figures_of.get("residents_10k"),
        "facility_area_pct": figures_of.get("facility_area_pct"),
        "notes": CITY_TOTAL_NOTE.format(count=count, layouts=layout_text,
                                        pending=PENDING_NOTE.format(n=len(run.pending)) if run.pending else ""),
        "categories": figures_of.get("categories") or {}, "total": figures_of.get("total") or {},
    }


PENDING_COLUMNS = (Col("序号", INT), Col(LABEL_COUNTY), Col(LABEL_CIRCLE, WRAP, 30), Col("栏目", WRAP, 24),
                   Col("县市区填报值"), Col("可能的正确值", VALUE), Col("问题", WRAP, 40), Col("来源", WRAP, 30))


def _write_pending(book: _Book, run: Run) -> None:
    """待核实: the values left blank in this report because they carry an error."""
    rows = [[i, p["county"], p["circle"], p["field"], p["value"], p["suggestion"], p["problem"],
             _place(p)] for i, p in enumerate(run.pending, start=1)]
    _write_table(book, PENDING_SHEET, PENDING_COLUMNS, rows, freeze_cols=3,
                 caption=(PENDING_SHEET, PENDING_TITLE))


def _place(pending: dict) -> str:
    where = pending.get("file") or ""
    if pending.get("sheet"):
        where += f" › {pending['sheet']}" + (f"!{pending['cell']}" if pending.get("cell") else "")
    return where
