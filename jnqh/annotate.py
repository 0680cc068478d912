"""`jnqh check --annotate`: a copy of each workbook with its problem cells marked.

Each problem cell is filled red (amber for a reminder) and carries a comment saying what
is wrong and how to fix it; a first sheet 「问题清单」 lists every problem with a link to
its cell. The input file is only read: the copy goes to the folder the user named.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

from jnqh.atomic import atomic_write
from jnqh.issues import ERROR, SEVERITY_LABEL, Issue
from jnqh.model import FileReport
from jnqh.workbook import load_book

FILLS = {
    ERROR: PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
}
LIST_SHEET = "问题清单"
AUTHOR = "jnqh 自查"


def annotate_all(reports: list[FileReport], out_dir: Path) -> list[Path]:
    """Write an annotated copy of every readable file that has problems."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written, used = [], set()
    for report in reports:
        if report.unreadable or not report.issues or not Path(report.path).is_file():
            continue  # (a workbook inside a .zip has no file of its own to copy)
        target = _target_name(Path(report.path), out_dir, used)
        annotate_file(Path(report.path), report.issues, target)
        written.append(target)
    return written


def _target_name(source: Path, out_dir: Path, used: set[str]) -> Path:
    suffix = ".xlsm" if source.suffix.lower() == ".xlsm" else ".xlsx"
    stem, n = f"{source.stem}_标注", 1
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
        return openpyxl.load_workbook(source, keep_vba=source.suffix.lower() == ".xlsm")
    # .xls: openpyxl cannot read it, so rebuild the values into a new workbook.
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for grid in load_book(source).sheets:
        sheet = workbook.create_sheet(grid.name[:31])
        for r, row in enumerate(grid.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value not in (None, ""):
                    _put(sheet.cell(r, c), value)
        for r1, c1, r2, c2 in grid.merged:
            sheet.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    return workbook


def _put(cell, value: object) -> None:
    """Write a value; text stays text even when it starts with '=' (never a formula)."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _mark(sheet, cell: str, cell_issues: list[Issue]) -> None:
    target = sheet[_merge_anchor(sheet, cell)]
    worst = ERROR if any(i.severity == ERROR for i in cell_issues) else "warning"
    target.fill = FILLS[worst]
    text = "\n".join(f"【{SEVERITY_LABEL[i.severity]}】{i.message}\n怎么改：{i.hint}" for i in cell_issues)
    comment = Comment(text, AUTHOR)
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


def _list_sheet(workbook: openpyxl.Workbook, found: list[Issue]) -> None:
    name = LIST_SHEET if LIST_SHEET not in workbook.sheetnames else f"{LIST_SHEET}_jnqh"
    sheet = workbook.create_sheet(name, 0)
    sheet.append(["级别", "工作表", "单元格", "问题", "怎么改", "代码"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for issue in sorted(found, key=Issue.sort_key):
        row = sheet.max_row + 1
        values = (SEVERITY_LABEL[issue.severity], issue.sheet or "", issue.cell or "",
                  issue.message, issue.hint, issue.code)
        for col, value in enumerate(values, start=1):
            _put(sheet.cell(row, col), value)
        if issue.sheet in workbook.sheetnames and issue.cell:
            link = sheet.cell(sheet.max_row, 3)
            link.hyperlink = f"#'{issue.sheet}'!{issue.cell}"
            link.font = Font(color="0563C1", underline="single")
    for column, width in zip("ABCDEF", (8, 16, 8, 60, 50, 20)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    workbook.active = 0
