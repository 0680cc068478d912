"""Reading 附件5 (one circle's survey) from a sheet, whatever its layout.

A sheet may hold one circle or several stacked blocks; each block starts at the
「试点生活圈名称」 label. Header fields are found by their labels: the value is typed after
the label in the same cell (``试点生活圈名称：XX``), or in the first non-empty cell to its
right. The outlet table is found by its header row and read by its row labels.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from jnqh import forms
from jnqh.model import CircleRecord
from jnqh.normalize import (
    Parsed, fold, is_blank, label_key, normalise_county, parse_multi, says_none, ticked_options,
    unknown_symbol, with_symbol_warning,
)
from jnqh.read.context import ReadContext, parse_field, parser_of, record_parse_problem, remember_parses
from jnqh.read.locate import SheetIndex, text_kind
from jnqh.read.workbook import Grid

NAME = forms.CIRCLE_FIELD["name"]
HEADER_FIELDS = tuple(f for f in forms.CIRCLE_FIELDS if f.id != "notes")
# Every header label stops the search for the value of the label before it.
HEADER_STOPS = frozenset(label_key(a) for f in forms.CIRCLE_FIELDS for a in f.anchors if f.id != "notes")
# The outlet table's header, found by the start of its first numeric column's label.
TABLE_MARKERS = (label_key(forms.OUTLET_COLUMN["outlets"].label)[:4],)
# A group label may be split or shortened ("基本\n保障类", "品质提升"): match its stem.
GROUP_STEMS = tuple((group, label_key(label).removesuffix("类")) for group, label in forms.GROUP_LABELS.items())
TABLE_END = frozenset({label_key(forms.CIRCLE_FIELD["notes"].label)})
# The seed prints an example date to overwrite: "202×年×月×日".
_PLACEHOLDER = re.compile(r"[×xX_＿]{1,}")


# A text that is (or starts with) the 试点生活圈名称 label starts a 附件5 block.
NAME_PREFIXES = tuple(label_key(a) for a in NAME.anchors if label_key(a))


def _names_circle(key: str) -> bool:
    return key.startswith(NAME_PREFIXES)


NAME_LABEL = text_kind("附件5 生活圈名称", _names_circle)


def find_blocks(index: SheetIndex) -> list[range]:
    """Row ranges of the 附件5 forms in a sheet (several circles may be stacked)."""
    starts = sorted({r for key in index.texts_of_kind(NAME_LABEL) for r, _ in index.where[key]})
    height = len(index.grid.rows)
    blocks = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else height
        block = range(start, end)
        if _looks_like_form(index, block):
            blocks.append(block)
    return blocks


def _looks_like_form(index: SheetIndex, block: range) -> bool:
    """A name label alone is not a form (附件6 has a 生活圈名称 column too)."""
    if index.find(TABLE_MARKERS, rows=block, contains=True):
        return True
    others = [f for f in HEADER_FIELDS if f.id in ("operators", "layout", "boundaries", "communities")]
    return sum(bool(index.find(f.anchors, rows=block)) for f in others) >= 2


def is_unfilled(record: CircleRecord) -> bool:
    """A spare 附件5 sheet of the template: nothing typed beyond a prefilled name and county."""
    data = record.data
    header = [data.get(f.id) for f in forms.CIRCLE_FIELDS if f.id not in ("name", "county")]
    rows = [*data["categories"].values(), data["total"]]
    return not any(v not in (None, []) for v in header) and all(
        v is None for row in rows for v in row.values())


def read_circle(index: SheetIndex, block: range, ctx: ReadContext) -> CircleRecord:
    record = CircleRecord(data={}, sheet=index.name)
    found_values = _header_values(index, block)
    for spec in forms.CIRCLE_FIELDS:
        _read_header_field(index, spec, found_values.get(spec.id), record, ctx)
    _read_outlet_table(index, block, record, ctx)
    return record


# ---------------------------------------------------------------------------
# Header fields
# ---------------------------------------------------------------------------


def _header_values(index: SheetIndex, block: range) -> dict[str, tuple[object, tuple[int, int], tuple[int, int]]]:
    """field id → (raw value, value cell, label cell) for every header label in the block.

    A label cell may hold one label ("四至范围"), a label and its value ("截至日期：2024-4-30"),
    or the whole header line typed as one ("试点生活圈名称：XX  所在县市区：YY  截至日期：ZZ");
    a label with nothing typed after it takes the first value to its right (see HeaderLabel).
    """
    found: dict = {}
    value_of = index.grid.value
    for label in _header_plan(index, block):
        r, c = label.cell
        for spec, inline, last in _cell_segments(value_of(r, c)):
            if inline:
                found.setdefault(spec.id, (inline, label.cell, label.cell))
            elif last:
                found.setdefault(spec.id, (*label.value_beside(index, spec), label.cell))
    notes = index.find((forms.CIRCLE_FIELD["notes"].label,), rows=block, prefix=False)
    if notes:
        value, cell = index.value_right(notes[0].row, notes[0].col, HEADER_STOPS)
        found["notes"] = (value, cell, (notes[0].row, notes[0].col))
    return found


_STOP_PREFIX = re.compile("|".join(re.escape(k) for k in sorted(HEADER_STOPS, key=len, reverse=True)))


def _starts_with_label(key: str) -> bool:
    return _STOP_PREFIX.match(key) is not None


# A text that is (or starts with) a header label: a label cell, and where the search for the
# value right of another label stops.
HEADER_LABEL = text_kind("附件5 表头标签", _starts_with_label)


@functools.lru_cache(maxsize=4096)
def _cell_segments(raw: str) -> tuple[tuple[forms.Field, str, bool], ...]:
    """(field, value typed after its label or '', is it the last label) for a label cell's text.

    Depends on the text alone, and the same label cells recur in every circle: cached by the
    text as typed, so that a cell seen before is not folded again.
    """
    text = fold(raw)
    spots = _label_spots(text)
    segments = []
    for i, (start, end, spec) in enumerate(spots):
        stop = spots[i + 1][0] if i + 1 < len(spots) else len(text)
        inline = text[end:stop].strip(" :：\n\t")
        if spec.kind in (forms.MULTI, forms.CHOICE):
            inline = text[end:stop]  # the ticks may be all that follows
            if not ticked_options(inline, spec.options) and not inline.strip(" :：\n（）(),，多选打√"):
                inline = ""
        if inline and _PLACEHOLDER.search(inline):
            inline = ""
        segments.append((spec, inline, i == len(spots) - 1))
    return tuple(segments)


def _label_pattern(anchor: str) -> re.Pattern:
    return re.compile(r"\s*".join(re.escape(ch) for ch in label_key(anchor)))


# Each header field's spellings as patterns that allow spaces inside, longest first.
LABEL_PATTERNS = tuple(
    (spec, tuple(_label_pattern(a) for a in sorted(spec.anchors, key=len, reverse=True)))
    for spec in HEADER_FIELDS
)


def _label_spots(text: str) -> list[tuple[int, int, forms.Field]]:
    """Where each header label stands in a cell's text, allowing spaces inside labels."""
    spots = []
    lowered = text.lower()  # label_key lower-cases the labels, so match lower-cased text
    for spec, patterns in LABEL_PATTERNS:
        for pattern in patterns:
            match = pattern.search(lowered)
            if match and not any(s <= match.start() < e for s, e, _ in spots):
                spots.append((match.start(), match.end(), spec))
                break
    return sorted(spots, key=lambda s: s[0])


OPTION_KEYS = frozenset(label_key(s) for spec in (forms.CIRCLE_FIELD["operators"], forms.CIRCLE_FIELD["layout"])
                       for o in spec.options for s in (o.label, *o.variants))
# Option names typed in cells of their own do not end an options box; other labels do.
OPTION_STOPS = HEADER_STOPS - OPTION_KEYS
OPTION_STOP_PREFIXES = tuple(OPTION_STOPS)


@dataclass(frozen=True)
class HeaderLabel:
    """A header label cell of a layout, and the cells its value may stand in.

    `right`: the cells right of the label up to the next label (the first non-blank one holds
    the value); `options`: for an options label (运营主体, 发展形态), the cells right of it on
    every row the label spans, up to the next label that is not an option's name. Options and
    their ticks may sit in one cell ("国企√"), in neighbouring cells ("国企" | "√"), or over
    two rows as in the seed's 运营主体 box.
    """

    cell: tuple[int, int]
    right: tuple[tuple[int, int], ...]
    beyond: tuple[int, int]  # where a missing value should be typed: right of the label's merge
    options: tuple[tuple[int, int], ...]

    def value_beside(self, index: SheetIndex, spec: forms.Field) -> tuple[object, tuple[int, int]]:
        value_of = index.grid.value
        if spec.kind in (forms.MULTI, forms.CHOICE) and spec.options:
            texts = ["" if is_blank(value := value_of(*cell)) else fold(value) for cell in self.options]
            return " ".join(texts), self.options[0] if self.options else (self.cell[0], self.cell[1] + 1)
        return index.first_value(self.right, self.beyond)


def _header_plan(index: SheetIndex, block: range) -> tuple[HeaderLabel, ...]:
    """The block's header label cells, in sheet order, with where each one's value may stand.

    Where a value may stand follows from the layout alone: the merged ranges, the rows'
    lengths, which cells hold labels and which of those end an options box (the values'
    cells are looked at when read). Every circle of a template has the same layout, so it
    is worked out once per layout.
    """
    grid, where = index.grid, index.where
    labels = sorted((r, c, key.startswith(OPTION_STOP_PREFIXES))
                    for key in index.texts_of_kind(HEADER_LABEL) for r, c in where[key])
    layout = _layout_key(grid, block, labels)
    plan = _HEADER_PLANS.get(layout) if layout is not None else None
    if plan is None:
        plan = tuple(_header_label(index, r, c) for r, c, _ in labels if r in block)
        if layout is not None:
            if len(_HEADER_PLANS) >= MAX_HEADER_PLANS:  # only a stream of new layouts gets here
                _HEADER_PLANS.clear()
            _HEADER_PLANS[layout] = plan
    return plan


_HEADER_PLANS: dict[tuple, tuple[HeaderLabel, ...]] = {}
MAX_HEADER_PLANS = 256
MAX_KEYED_LAYOUT = 500  # labels, merges: a form has some 30 of each; larger sheets are not kept


def _layout_key(grid: Grid, block: range, labels: list[tuple[int, int, bool]]) -> tuple | None:
    """What a block's header plan depends on, as a key; None for a sheet too large or ragged
    to be kept (its plan is then worked out for it alone)."""
    widths = set(map(len, grid.rows))
    if len(widths) > 1 or len(labels) > MAX_KEYED_LAYOUT or len(grid.merged) > MAX_KEYED_LAYOUT:
        return None
    return block.start, block.stop, tuple(labels), tuple(grid.merged), len(grid.rows), *widths


def _header_label(index: SheetIndex, r: int, c: int) -> HeaderLabel:
    r1, _, r2, c_end = index.merge_span(r, c)
    options = [cell for row in range(r1, r2 + 1) for cell in index.right_cells(row, c, OPTION_STOPS)]
    return HeaderLabel((r, c), tuple(index.right_cells(r, c, HEADER_STOPS)), (r, c_end + 1), tuple(options))


def _read_header_field(index: SheetIndex, spec: forms.Field, found, record: CircleRecord,
                       ctx: ReadContext) -> None:
    if found is None:
        record.data[spec.id] = [] if spec.kind == forms.MULTI else None
        if spec.required:
            ctx.add("R-LABEL-MISSING", sheet=index.name, field=spec.id, label=spec.label)
        return
    raw, cell, _ = found
    source = index.source(*cell)
    record.sources[spec.id] = source
    parsed = _parse_options(spec, raw) if spec.options else parse_field(spec, raw)
    record_parse_problem(ctx, parsed, spec, source, spec.id, raw)
    value = parsed.value
    if spec.id == "county" and value:
        value = normalise_county(value) or fold(value)  # 任城 → 任城区; unknown names stay for the check
    record.data[spec.id] = value if value is not None else ([] if spec.kind == forms.MULTI else None)


@remember_parses  # the seed's option boxes ('国企□ 民营企业√ …') recur in every circle
def _parse_options(spec: forms.Field, raw: object) -> Parsed:
    """Ticked options of 运营主体 / 发展形态, from ticks or from a typed option name."""
    if is_blank(raw) or says_none(raw):
        return Parsed([] if spec.kind == forms.MULTI else None)
    ticked = ticked_options(raw, spec.options)
    if ticked is None:
        parsed = parse_multi(raw, spec.options)  # typed names, e.g. "民营企业、国企"
    elif any(ch in forms.TICK_MARKS for ch in fold(raw)):
        parsed = with_symbol_warning(Parsed(sorted(ticked)), raw)
    elif unknown_symbol(raw):  # a mark in a font we do not know: said so, not "not ticked"
        parsed = with_symbol_warning(Parsed([]), raw)
    else:
        # The form's own option text with nothing ticked, or one option typed alone.
        named = _named_options(raw, spec.options)
        parsed = Parsed(named if len(named) == 1 else [])
    if spec.kind == forms.CHOICE and parsed.ok:
        chosen = parsed.value or []
        if len(chosen) > 1:
            labels = "、".join(spec.option_by_id(i).label for i in chosen)
            return Parsed(code="V-CHOICE-MANY", params={"value": labels, "options": _labels(spec)})
        return Parsed(chosen[0] if chosen else None)
    return parsed


def _named_options(raw: object, options: tuple[forms.Option, ...]) -> list[str]:
    text = label_key(raw)
    return [o.id for o in options if any(label_key(s) in text for s in (o.label, *o.variants))]


def _labels(spec: forms.Field) -> str:
    return "、".join(o.label for o in spec.options)


# ---------------------------------------------------------------------------
# The outlet table
# ---------------------------------------------------------------------------


def _read_outlet_table(index: SheetIndex, block: range, record: CircleRecord, ctx: ReadContext) -> None:
    empty = {c.id: None for c in forms.OUTLET_COLUMNS}
    record.data["categories"] = {cat.id: dict(empty) for cat in forms.CATEGORIES}
    record.data["total"] = dict(empty)
    header = _table_header(index, block)
    if header is None:
        ctx.add("R-TABLE-MISSING", sheet=index.name, field="categories")
        return
    header_row, columns = header
    for column in forms.OUTLET_COLUMNS:
        if column.id not in columns:
            ctx.add("R-COLUMN-MISSING", sheet=index.name, cell=index.ref(header_row, 0),
                    field=f"categories.*.{column.id}", label=column.label)
    label_cols = range(0, min(columns.values(), default=1))
    seen = _read_rows(index, range(header_row + 1, block.stop), label_cols, columns, record, ctx)
    for cat in forms.CATEGORIES:
        if cat.id not in seen:
            label = forms.field_label(f"categories.{cat.id}").strip()
            ctx.add("R-CATEGORY-MISSING", sheet=index.name, field=f"categories.{cat.id}", label=label)


# Each outlet column's header spellings, folded as the sheet's labels are.
COLUMN_SPELLINGS = tuple((column, tuple(label_key(s) for s in (column.label, *column.variants)))
                         for column in forms.OUTLET_COLUMNS)


def _table_header(index: SheetIndex, block: range) -> tuple[int, dict[str, int]] | None:
    hits = index.find(TABLE_MARKERS, rows=block, contains=True)
    if not hits:
        return None
    row = hits[0].row
    rows = index.rows
    return row, dict(_header_columns(tuple(rows.get(row, ())), tuple(rows.get(row + 1, ()))))


@functools.lru_cache(maxsize=1024)  # a layout's header rows recur in every circle and file
def _header_columns(first: tuple[tuple[int, str], ...],
                    second: tuple[tuple[int, str], ...]) -> tuple[tuple[str, int], ...]:
    """(column id, sheet column) of each outlet column named in the header's (col, text) cells."""
    columns = []
    for column, spellings in COLUMN_SPELLINGS:
        # Headers pasted from Word may break over two rows; look at both.
        for cells in (first, second):
            match = next((c for c, k in cells if any(s in k for s in spellings)), None)
            if match is not None:
                columns.append((column.id, match))
                break
    return tuple(columns)


def _read_rows(index: SheetIndex, rows: range, label_cols: range, columns: dict[str, int],
               record: CircleRecord, ctx: ReadContext) -> set[str]:
    group, seen = None, set()
    keys, anchors, anchor_of = index.keys, index.grid.merge_anchors(), index.grid.merge_anchor
    fields = _row_fields(tuple(columns.items()))
    grid_rows, source_of, sources = index.grid.rows, index.source, record.sources
    categories, total = record.data["categories"], record.data["total"]
    for r in rows:
        # The texts shown left of the numbers (a merged group label shows on each of its rows).
        if anchors is not None:  # merge_anchor, inline: asked of every label cell
            labels = tuple([key for c in label_cols if (key := keys.get(anchors.get(cell := (r, c), cell)))])
        else:
            labels = tuple([key for c in label_cols if (key := keys.get(anchor_of(r, c)))])
        ends, named_group, row_id = _row_kind(labels)
        if ends:
            break
        group = named_group or group
        if row_id == OTHER:
            # The seed has two 其他 rows; the block they stand in tells them apart.
            in_quality = group == "quality" or "basic_other" in seen
            row_id = "quality_other" if in_quality else "basic_other"
        if row_id is None:
            continue
        if row_id == "total":
            target = total
        else:
            target = categories[row_id]
            seen.add(row_id)
            if forms.CATEGORY[row_id].group == "quality":
                group = "quality"
        # Every outlet cell of the form: the row is fetched once, and cells past its end
        # read as "", as Grid.value gives them.
        row = grid_rows[r] if r < len(grid_rows) else ()
        width = len(row)
        for column, c, parse, path in fields[row_id]:
            raw = row[c] if c < width else ""
            source = sources[path] = source_of(r, c)
            parsed = parse(raw)
            if parsed.code is not None:
                record_parse_problem(ctx, parsed, column, source, path, raw)
            target[column.id] = parsed.value
    return seen


CATEGORY_BY_KEY = {label_key(s): cat.id for cat in forms.CATEGORIES if cat.label != "其他"
                   for s in (cat.label, *cat.variants)}
TOTAL_KEY = label_key(forms.TOTAL_LABEL)
OTHER_KEY = label_key("其他")
OTHER = "其他"  # a 其他 row, basic or quality by where it stands


@functools.lru_cache(maxsize=4096)  # the same row labels stand in every circle's table
def _row_kind(labels: tuple[str, ...]) -> tuple[bool, str | None, str | None]:
    """From a row's label texts alone: whether it ends the table, the group it names, and
    the row it is ('total', a category id, OTHER, or None)."""
    ends = any(key in TABLE_END or any(key.startswith(end) for end in TABLE_END) for key in labels)
    group = next((group for key in labels for group, stem in GROUP_STEMS if stem in key), None)
    return ends, group, _row_id(labels)


def _row_id(labels: tuple[str, ...]) -> str | None:
    for key in labels:
        if key == TOTAL_KEY:
            return "total"
        if key.startswith(OTHER_KEY):
            return OTHER
        if key in CATEGORY_BY_KEY:
            return CATEGORY_BY_KEY[key]
    return None


@functools.lru_cache(maxsize=256)  # a layout's columns recur in every circle and file
def _row_fields(columns: tuple[tuple[str, int], ...]) -> dict[str, tuple]:
    """Per row id ('total', a category): (column, sheet column, parser, field path) of each
    outlet column the table has, in the form's order ('categories.breakfast.outlets')."""
    at = dict(columns)
    present = [(column, at[column.id], parser_of(column)) for column in forms.OUTLET_COLUMNS if column.id in at]
    prefixes = [("total", "total"), *((cat.id, f"categories.{cat.id}") for cat in forms.CATEGORIES)]
    return {row_id: tuple((column, c, parse, f"{prefix}.{column.id}") for column, c, parse in present)
            for row_id, prefix in prefixes}
