"""Word tables pasted into Excel: each split Word row made one row again.

Excel gives every paragraph or line break of a pasted Word cell a row of its own and merges
the other cells of that Word row down over the new rows. The seed writes its labels over two
or three lines, so after a paste `商业网点` / `（店铺）数量合计（个）` stand in two rows, and the
row label `邮政快递综合服` / `务点（快件箱组）` spans two rows with its numbers merged over both.

Such a split is recognised by its shape: a few rows (at most MAX_SPLIT_ROWS) over which some
cell is merged exactly, every other merge touching them either lies inside them or spans all
of them, the remaining cells hold texts only, and no column holds two entries of their own
(labels or choices of the forms, ticks, dates). A column's texts over the same columns in each
row are then joined, one line each, into the top row, as the Word cell held them, and the
rows below are left blank. A form laid out in Excel (a group label merged over its categories
with their numbers, options one per row, a two-row table head) is never of that shape.
"""

from __future__ import annotations

from collections import defaultdict

from jnqh import forms
from jnqh.normalize import is_blank, label_key, parse_date, parse_number
from jnqh.read.workbook import Grid

MAX_SPLIT_ROWS = 4  # the seed's labels break over three lines at most; a group label spans more
_INDEXED_HEIGHT = 64  # taller merges (a whole-column merge) span any split: not indexed by row

# Texts that are entries on their own (labels, choices): two in a column are rows of a table.
_KNOWN = frozenset(label_key(s) for s in (
    *(a for f in (*forms.CIRCLE_FIELDS, *forms.SERVICE_FACTS, *forms.PROJECT_FIELDS) for a in f.anchors),
    *(s for c in forms.OUTLET_COLUMNS for s in (c.label, *c.variants)),
    *(s for c in forms.CATEGORIES for s in (c.label, *c.variants)),
    *(s for t in forms.PRESENCE_TYPES for s in (t.label, *t.variants)),
    *(s for o in (*forms.OPERATORS, *forms.LAYOUTS) for s in (o.label, *o.variants)),
    *forms.SERVICE_ITEM_NAMES, *forms.GROUP_LABELS.values(), forms.TOTAL_LABEL,
    *forms.PRESENCE_COLUMNS, *forms.FORM2_HEADERS, *forms.FORM3_HEADERS, *forms.FORM5_TABLE_HEADERS,
    *forms.RUBRIC_TABLE_HEADERS, *forms.NOTE_COLUMN_HEADERS, *forms.YES_NO, forms.SELF_SCORE_LABEL,
    *forms.PROJECT_STATUSES, *forms.PROJECT_KINDS, forms.PRESENT, forms.ABSENT,
))
_MARKS = forms.TICK_MARKS | forms.UNTICK_MARKS
_NUMBER_STARTS = frozenset("0123456789０１２３４５６７８９.+-约大近将无没暂")  # how a number (or 无) may start


def rejoin_split_rows(grid: Grid) -> None:
    """Join the rows of each split Word row of `grid` into its top row (in place)."""
    splits = sorted({(r1, r2) for r1, _, r2, _ in grid.merged if 1 <= r2 - r1 < MAX_SPLIT_ROWS},
                    key=lambda span: (span[0], -span[1]))  # the outer split of nested ones first
    if not splits:
        return
    by_row = defaultdict(list)
    for merge in grid.merged:
        if merge[2] - merge[0] < _INDEXED_HEIGHT:
            for r in range(merge[0], merge[2] + 1):
                by_row[r].append(merge)
    for r1, r2 in splits:
        columns = _split_columns(grid, r1, r2, by_row)
        for c, pieces in (columns or {}).items():
            _join(grid, c, pieces, r1)


def _split_columns(grid: Grid, r1: int, r2: int, by_row) -> dict[int, list[tuple[int, str]]] | None:
    """Column → its (row, text) pieces, for the columns to join; None when rows r1..r2 are not a
    split Word row."""
    spanning, inner_covered, extent = set(), set(), {}
    for merge in {m for r in range(r1, r2 + 1) for m in by_row[r]}:
        m1, c1, m2, c2 = merge
        if m1 <= r1 and m2 >= r2:
            spanning.update(range(c1, c2 + 1))  # merged down over the split (or beyond it)
        elif m1 >= r1 and m2 <= r2:  # inside it: a line merged across, or down to the end
            extent[(m1, c1)] = c2
            inner_covered.update((r, c) for r in range(m1, m2 + 1) for c in range(c1, c2 + 1)
                                 if (r, c) != (m1, c1))
        else:
            return None  # reaches across the split's edge
    pieces: dict[int, list[tuple[int, str, int]]] = defaultdict(list)  # (row, text, last column)
    for r in range(r1, r2 + 1):
        row = grid.rows[r] if r < len(grid.rows) else ()
        for c, value in enumerate(row):
            if c in spanning or (r, c) in inner_covered or is_blank(value):
                continue
            if not isinstance(value, str) or (value.lstrip()[:1] in _NUMBER_STARTS
                                               and parse_number(value).value is not None):
                return None  # a number of its own: these are rows of a table
            pieces[c].append((r, value, extent.get((r, c), c)))
    if any(sum(map(_complete, (text for _, text, _ in p))) > 1 for p in pieces.values()):
        return None  # two values or labels of their own in a column: rows of a table
    # The lines of one Word cell stand over the same columns in every row.
    joined = {c: [(r, text) for r, text, _ in p] for c, p in pieces.items()
              if len(p) > 1 and len({last for _, _, last in p}) == 1}
    return joined or None


def _complete(text: str) -> bool:
    """Whether a text is a whole entry on its own: a label or choice of the forms, a box or
    tick alone, or a date (a line of a split label is none of these)."""
    key = label_key(text)
    return key in _KNOWN or (bool(key) and set(key) <= _MARKS) or (
        key[:1].isdigit() and parse_date(text).value is not None)


def _join(grid: Grid, c: int, pieces: list[tuple[int, str]], top: int) -> None:
    text = "\n".join(value.strip("\n") for _, value in pieces)
    for r, _ in pieces:
        grid.rows[r][c] = ""
    grid.rows[top][c] = text
