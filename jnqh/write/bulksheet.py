"""A worksheet that writes its cells in bulk: the run's workbooks, written fast.

xlsxwriter spends about 12 µs on every cell: the checks of ``write_*()``, a tuple per cell
in its table, and XML built attribute by attribute at close. The weekly run writes a few
million cells at 5,000 circles, so ``BulkSheet`` takes whole rows (`write_rows`) or single
cells (`put`, `merge_cells`) and builds each cell's XML at once: every value typed by a
kind (text, number, date, or value = whichever it is), every text a shared string exactly
as ``write_string`` stores it — never a formula, whatever it starts with. Everything else
(widths, frozen panes, filters, conditional formats, print set-up, charts) stays with
xlsxwriter.

This leans on xlsxwriter internals (``_write_rows``, ``str_table``, ``merge``,
``Format._get_xf_index``, ``_convert_date_time``, the ``dim_*`` extents); setup.cfg pins
the tested major version, and the tests read every output back with calamine and
LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Sequence

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# Cell kinds a column can have (how a value is written, not how it is shown).
TEXT, NUMBER, DATE, VALUE = "text", "number", "date", "value"
MAX_STRING = 32767  # Excel's limit; xlsxwriter truncates longer strings the same way


class BulkSheet(Worksheet):
    """An xlsxwriter worksheet with `write_rows` for tables of many rows, and `put`, `merge`
    and `height` for laid-out forms. A row is written either through these or through
    xlsxwriter's own ``write_*()``, never both."""

    def __init__(self) -> None:
        super().__init__()
        self._blocks: list[tuple[int, int, str]] = []  # (first row, last row, their XML)
        self._cells: dict[int, list[tuple[int, str]]] = {}  # row → (column, cell XML), from put()
        self._heights: dict[int, float] = {}  # row → points, for rows written by put()
        self._put_colmax = 0
        self._styles: dict[int, str] = {}  # id(format) → its s="…" attribute

    def write_rows(self, first: int, rows: Sequence[Sequence[Any]], columns: Sequence[tuple[str, Format]],
                   heights: Sequence[float | None]) -> None:
        """Rows from row `first` (0-based), each value written as its column's (kind, format)
        says; `heights[i]` is row i's height in points, or None for the default."""
        if not rows:
            return
        cells = [(_letters(c), self._style(fmt), _WRITERS[kind]) for c, (kind, fmt) in enumerate(columns)]
        parts: list[str] = []
        for r, (row, height) in enumerate(zip(rows, heights), start=first + 1):  # XML rows are 1-based
            parts.append(f'<row r="{r}">' if height is None else
                         f'<row r="{r}" ht="{_points(height)}" customHeight="1">')
            parts.extend(write(self, f'<c r="{letters}{r}"{style}', value)
                         for (letters, style, write), value in zip(cells, row))
            parts.append("</row>")
        last = first + len(rows) - 1
        self._blocks.append((first, last, "".join(parts)))
        self._extend(first, last, len(columns) - 1)

    def put(self, row: int, col: int, kind: str, value: Any, fmt: Format) -> None:
        """One value at (row, col), written as `kind` says."""
        head = f'<c r="{_letters(col)}{row + 1}"{self._style(fmt)}'
        self._cells.setdefault(row, []).append((col, _WRITERS[kind](self, head, value)))
        if col > self._put_colmax:
            self._put_colmax = col

    def merge_cells(self, first_row: int, first_col: int, last_row: int, last_col: int, kind: str, value: Any,
                    fmt: Format) -> None:
        """A merged range holding `value`, its other cells blank in `fmt` (so borders show)."""
        self.put(first_row, first_col, kind, value, fmt)
        if (first_row, first_col) == (last_row, last_col):
            return
        style = self._style(fmt)
        for r in range(first_row, last_row + 1):
            cells = self._cells.setdefault(r, [])
            cells.extend((c, f'<c r="{_letters(c)}{r + 1}"{style}/>')
                         for c in range(first_col if r > first_row else first_col + 1, last_col + 1))
        self._put_colmax = max(self._put_colmax, last_col)
        self.merge.append([first_row, first_col, last_row, last_col])

    def height(self, row: int, points: float) -> None:
        """The height of a row written by `put`."""
        self._heights[row] = points

    # -- writing one value ------------------------------------------------------------

    def _style(self, fmt: Format | None) -> str:
        if fmt is None:
            return ""
        style = self._styles.get(id(fmt))
        if style is None:
            style = self._styles[id(fmt)] = f' s="{fmt._get_xf_index()}"'
        return style

    def _string(self, head: str, text: str) -> str:
        index = self.str_table._get_shared_string_index(text[:MAX_STRING])
        return f'{head} t="s"><v>{index}</v></c>'

    def _text(self, head: str, value: Any) -> str:
        if value is None or value == "":
            return head + "/>"
        return self._string(head, value if type(value) is str else str(value))

    def _number(self, head: str, value: Any) -> str:
        if type(value) in (int, float) and math.isfinite(value):
            return f"{head}><v>{value:.16G}</v></c>"
        return self._text(head, value)

    def _date(self, head: str, value: Any) -> str:
        day = as_date(value)
        if day is None:
            return self._text(head, value)
        return f"{head}><v>{self._convert_date_time(dt.datetime.combine(day, dt.time())):.16G}</v></c>"

    def _value(self, head: str, value: Any) -> str:
        return (self._date if isinstance(value, dt.date) else self._number)(head, value)

    # -- assembling the sheet ---------------------------------------------------------

    def _extend(self, first: int, last: int, last_col: int) -> None:
        """Grow the sheet's used range as xlsxwriter's own writes would."""
        self.dim_rowmin = first if self.dim_rowmin is None else min(self.dim_rowmin, first)
        self.dim_rowmax = last if self.dim_rowmax is None else max(self.dim_rowmax, last)
        self.dim_colmin = 0 if self.dim_colmin is None else min(self.dim_colmin, 0)
        self.dim_colmax = last_col if self.dim_colmax is None else max(self.dim_colmax, last_col)

    def settle(self) -> None:
        """Finish the rows written so far by `put`: each becomes one piece of XML, so a long
        sheet of forms is held as rows, not as cells. Those rows take no more cells after."""
        if not self._cells:
            return
        self._extend(min(self._cells), max(self._cells), self._put_colmax)
        for row, cells in self._cells.items():
            height = self._heights.pop(row, None)
            tag = (f'<row r="{row + 1}">' if height is None else
                   f'<row r="{row + 1}" ht="{_points(height)}" customHeight="1">')
            cells.sort(key=lambda cell: cell[0])
            self._blocks.append((row, row, tag + "".join(xml for _, xml in cells) + "</row>"))
        self._cells.clear()

    def _assemble_xml_file(self) -> None:
        self.settle()
        super()._assemble_xml_file()

    def _write_rows(self) -> None:
        """xlsxwriter's rows and the bulk blocks, in row order (they never share a row)."""
        low, high = self.dim_rowmin, self.dim_rowmax
        start = low
        for first, last, xml in sorted(self._blocks):
            if start < first:
                self.dim_rowmin, self.dim_rowmax = start, first - 1
                super()._write_rows()
            self.fh.write(xml)
            start = last + 1
        if start <= high:
            self.dim_rowmin, self.dim_rowmax = start, high
            super()._write_rows()
        self.dim_rowmin, self.dim_rowmax = low, high


_WRITERS = {TEXT: BulkSheet._text, NUMBER: BulkSheet._number, DATE: BulkSheet._date, VALUE: BulkSheet._value}


_COLUMN_LETTERS = tuple(xl_col_to_name(c) for c in range(128))


def _letters(col: int) -> str:
    return _COLUMN_LETTERS[col] if col < len(_COLUMN_LETTERS) else xl_col_to_name(col)


def _points(height: float) -> str:
    """A row height as xlsxwriter stores it: rounded to whole pixels, written in points."""
    return f"{int(height * 4.0 / 3.0 + 0.5) * 0.75:.16g}"


def as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO ``YYYY-MM-DD`` text; None for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None
