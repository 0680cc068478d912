"""`jnqh check --annotate`: a copy of each workbook with its problem cells marked.

Each problem cell is filled red (amber for a reminder) and carries a comment saying what
is wrong and how to fix it; a first sheet 「问题清单」 lists every problem with a link to
its cell. The input file is only read: the copy goes to the folder the user named.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

from jnqh.atomic import atomic_write
from jnqh.issues import ERROR, SEVERITY_LABEL, Issue
from jnqh.model import FileReport
from jnqh.names import file_part
from jnqh.normalize import drop_controls
from jnqh.read.workbook import load_book
from jnqh.write.xlsxkit import wrapped_lines

FILLS = {
    ERROR: PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LIST_SHEET = "问题清单"
AUTHOR = "jnqh 自查"
# openpyxl loads a whole workbook into objects (about 1 s and 50 MB per 100,000 cells): a
# copy is made only of a workbook whose sheets hold at most this much XML (a county's
# workbook holds under 1 MB), or for an .xls at most this many cells, so that --annotate
# ends in seconds. Larger files get their problem list only.
ANNOTATE_MAX_SHEET_XML = 8 * 1024 * 1024
ANNOTATE_MAX_XLS_CELLS = 200_000


def annotate_all(reports: list[FileReport], out_dir: Path, too_big: list[str] | None = None) -> list[Path]:
    """Write an annotated copy of every readable file that has problems; the files too big
    to copy within the budget are added to `too_big` instead."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written, used = [], set()
    for report in reports:
        if report.unreadable or not report.issues or not Path(report.path).is_file():
            continue  # (a workbook inside a .zip has no file of its own to copy)
        if _too_big(Path(report.path)):
            if too_big is not None:
                too_big.append(report.path)
            continue
        target = _target_name(Path(report.path), out_dir, used)
        annotate_file(Path(report.path), report.issues, target)
        written.append(target)
    return written


def _too_big(source: Path) -> bool:
    if source.suffix.lower() not in (".xlsx", ".xlsm"):
        return sum(g.height * g.width for g in load_book(source).sheets) > ANNOTATE_MAX_XLS_CELLS
    with zipfile.ZipFile(source) as package:  # the sizes the directory declares (checked on reading)
        return sum(info.file_size for info in package.infolist()
                   if info.filename.startswith("xl/worksheets/")) > ANNOTATE_MAX_SHEET_XML


def _target_name(source: Path, out_dir: Path, used: set[str]) -> Path:
    suffix = ".xlsm" if source.suffix.lower() == ".xlsm" else ".xlsx"
    stem, n = f"{file_part(source.stem)}_标注", 1  # a 249-byte inbox name would overflow
    name = stem + suffix
    while name in used:
        n += 1
        name = f"{stem}{n}{suffix}"
    used.add(name)
    return out_dir / name


def annotate_file(source: Path, found: list[Issue], target: Path) -> None:
    workbook = _open_copy(source)
    by_cell: dict[tuple[str, str], list[Issue]] = defaultdict(list)
    for issue in found:
        if issue.sheet in workbook.sheetnames and issue.cell:
            by_cell[(issue.sheet, issue.cell)].append(issue)
    for (sheet, cell), cell_issues in by_cell.items():
        _mark(workbook[sheet], cell, cell_issues)
    _list_sheet(workbook, found)
    with atomic_write(target) as handle:
        workbook.save(handle)


def _open_copy(source: Path) -> openpyxl.Workbook:
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        workbook = openpyxl.load_workbook(source, keep_vba=source.suffix.lower() == ".xlsm")
        for sheet in workbook.worksheets:  # openpyxl cannot save a control character in a title
            if drop_controls(sheet.title) != sheet.title:
                sheet.title = drop_controls(sheet.title) or "Sheet"
        return workbook
    # .xls: openpyxl cannot read it, so rebuild the values into a new workbook.
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for grid in load_book(source).sheets:
        sheet = workbook.create_sheet(drop_controls(grid.name)[:31] or "Sheet")
        for r, row in enumerate(grid.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value not in (None, ""):
                    _put(sheet.cell(r, c), value)
        for r1, c1, r2, c2 in grid.merged:
            sheet.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    return workbook


def _put(cell, value: object) -> None:
    """Write a value; text stays text even when it starts with '=' (never a formula).

    Control characters are dropped: openpyxl refuses them (a .xls keeps them as typed)."""
    if isinstance(value, str):
        value = drop_controls(value)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _mark(sheet, cell: str, cell_issues: list[Issue]) -> None:
    target = sheet[_merge_anchor(sheet, cell)]
    worst = ERROR if any(i.severity == ERROR for i in cell_issues) else "warning"
    target.fill = FILLS[worst]
    text = "\n".join(f"【{SEVERITY_LABEL[i.severity]}】{i.message}\n怎么改：{i.hint}" for i in cell_issues)
    comment = Comment(drop_controls(text), AUTHOR)
    comment.width, comment.height = 320, 40 + 50 * len(cell_issues)
    target.comment = comment


def _merge_anchor(sheet, cell: str) -> str:
    """Comments and fills go on the top-left cell of a merged range."""
    column, row = coordinate_from_string(cell)
    col = column_index_from_string(column)
    for merged in sheet.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col:
            return merged.start_cell.coordinate
    return cell


LIST_COLUMNS = (("级别", 6), ("工作表", 14), ("单元格", 8), ("问题", 52), ("怎么改", 42), ("代码", 20))
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _list_sheet(workbook: openpyxl.Workbook, found: list[Issue]) -> None:
    """问题清单 first: a title, then each problem beside its cell reference (comments do not
    print, so the list says everything), wrapped and boxed, fitted to the page width."""
    name = LIST_SHEET if LIST_SHEET not in workbook.sheetnames else f"{LIST_SHEET}_jnqh"
    sheet = workbook.create_sheet(name, 0)
    errors = sum(1 for i in found if i.severity == ERROR)
    sheet.append([f"自查问题清单：{errors} 个错误、{len(found) - errors} 个提醒（先改错误；点击单元格可跳到该处）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LIST_COLUMNS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.row_dimensions[1].height = 24
    sheet.append([header for header, _ in LIST_COLUMNS])
    for issue in sorted(found, key=Issue.sort_key):
        values = (SEVERITY_LABEL[issue.severity], issue.sheet or "", issue.cell or "",
                  issue.message, issue.hint, issue.code)
        row = sheet.max_row + 1
        for col, value in enumerate(values, start=1):
            _put(sheet.cell(row, col), value)
        sheet.row_dimensions[row].height = 15 * max(wrapped_lines(issue.message, 52), wrapped_lines(issue.hint, 42)) + 3
        if issue.sheet in workbook.sheetnames and issue.cell:
            link = sheet.cell(row, 3)
            link.hyperlink = f"#'{issue.sheet}'!{issue.cell}"
            link.font = Font(color="0563C1", underline="single")
    for index, (_, width) in enumerate(LIST_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = BOX
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    _print_setup(sheet)
    workbook.active = 0


def _print_setup(sheet) -> None:
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = False
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
