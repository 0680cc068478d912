"""Reproduce what Excel makes of a Word table pasted into a sheet (issue 14).

Excel gives every paragraph or line break of a Word cell a row of its own, and merges each
cell of that Word row that holds a single line down over the new rows. Applied to a workbook
whose cells hold multi-line texts (the seed fixture writes its labels over two or three lines,
as the plan's Word tables do), it gives the workbook a county gets by pasting the form.

    python tests/pasted_word.py SOURCE.xlsx TARGET.xlsx
"""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter


def paste_split(source: Path, target: Path) -> Path:
    """Write `target`: every sheet of `source` with its multi-line cells split into rows."""
    book = openpyxl.load_workbook(source)
    for sheet in book.worksheets:
        _split_sheet(sheet)
    book.save(target)
    return target


def _split_sheet(sheet) -> None:
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in sheet.merged_cells.ranges]
    anchored = {(r1, c1): (r1, c1, r2, c2) for r1, c1, r2, c2 in merges}
    covered = {(r, c) for r1, c1, r2, c2 in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    cells = {(cell.row, cell.column): cell.value for row in sheet.iter_rows() for cell in row
             if cell.value is not None}
    height = sheet.max_row
    # New rows per old row: as many as the most lines of a one-row cell anchored in it.
    lines = {r: 1 for r in range(1, height + 1)}
    for (r, c), value in cells.items():
        span = anchored.get((r, c), (r, c, r, c))
        if isinstance(value, str) and span[0] == span[2]:
            lines[r] = max(lines[r], len(value.split("\n")))
    start, row = {}, 1
    for r in range(1, height + 1):
        start[r], row = row, row + lines[r]
    end = {r: start[r] + lines[r] - 1 for r in lines}
    new_values, new_merges = {}, []
    for r1, c1, r2, c2 in merges:
        value = cells.get((r1, c1))
        if isinstance(value, str) and "\n" in value:
            _place_lines(value.split("\n"), start[r1], end[r2], c1, c2, new_values, new_merges)
        else:
            new_values[(start[r1], c1)] = value
            new_merges.append((start[r1], c1, end[r2], c2))
    for (r, c), value in cells.items():
        if (r, c) in covered:
            continue
        if isinstance(value, str) and "\n" in value:
            _place_lines(value.split("\n"), start[r], end[r], c, c, new_values, new_merges)
        else:
            new_values[(start[r], c)] = value
            if lines[r] > 1:
                new_merges.append((start[r], c, end[r], c))
    _rewrite(sheet, new_values, new_merges)


def _place_lines(parts, first, last, c1, c2, values, merges) -> None:
    """One line per row from `first` (the rest in the last row), each merged across c1..c2."""
    rows = last - first + 1
    chunks = parts[:rows - 1] + ["\n".join(parts[rows - 1:])] if len(parts) > rows else parts
    for i, text in enumerate(chunks):
        if text:
            values[(first + i, c1)] = text
        if c2 > c1:
            merges.append((first + i, c1, first + i, c2))
    if len(chunks) < rows and c2 >= c1:  # fewer lines than rows: the last line's cell goes down
        r = first + len(chunks) - 1
        merges[:] = [m for m in merges if m != (r, c1, r, c2)]
        if last > r or c2 > c1:
            merges.append((r, c1, last, c2))


def _rewrite(sheet, values, merges) -> None:
    for merged in list(sheet.merged_cells.ranges):
        sheet.unmerge_cells(str(merged))
    sheet.delete_rows(1, sheet.max_row)
    for (r, c), value in values.items():
        sheet.cell(r, c, value)
    for r1, c1, r2, c2 in merges:
        if (r1, c1) != (r2, c2):
            sheet.merge_cells(f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}")


if __name__ == "__main__":
    paste_split(Path(sys.argv[1]), Path(sys.argv[2]))
