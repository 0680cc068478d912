"""Reading 附件6 (the project list) from a sheet: a header row anywhere, then one row each."""

from __future__ import annotations

from jnqh import forms
from jnqh.model import ProjectRecord
from jnqh.normalize import is_blank, label_key
from jnqh.read.context import ReadContext, parser_of, record_parse_problem
from jnqh.read.locate import SheetIndex

NAME_FIELD = forms.PROJECT_FIELD["name"]
# A row that names 项目名称 and at least this many other columns is the header.
MIN_OTHER_COLUMNS = 1
# Each column's spellings, folded as the sheet's labels are.
COLUMN_SPELLINGS = tuple((spec.id, tuple(label_key(s) for s in spec.anchors)) for spec in forms.PROJECT_FIELDS)


def find_header(index: SheetIndex) -> tuple[int, dict[str, int]] | None:
    """The header row of a project list and the column of each field found in it."""
    for hit in index.find(NAME_FIELD.anchors, prefix=False):
        columns = _columns_in_row(index, hit.row)
        if len(columns) > MIN_OTHER_COLUMNS:
            return hit.row, columns
    return None


def _columns_in_row(index: SheetIndex, row: int) -> dict[str, int]:
    cells = index.rows.get(row, ())
    columns: dict[str, int] = {}
    for field_id, spellings in COLUMN_SPELLINGS:
        for c, key in cells:
            if c in columns.values():
                continue
            if any(key == s or key.startswith(s) for s in spellings):
                columns[field_id] = c
                break
    return columns


def read_projects(index: SheetIndex, header: tuple[int, dict[str, int]],
                  ctx: ReadContext) -> list[ProjectRecord]:
    header_row, columns = header
    projects = []
    rows = index.grid.rows
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        width = len(row)
        # Grid.value, inline (every cell of the list): cells past the row's end read as "".
        raws = {fid: row[c] if c < width else "" for fid, c in columns.items()}
        if all(is_blank(v) for v in raws.values()) or _is_total_row(raws):
            continue
        projects.append(_read_row(index, r, raws, columns, ctx))
    return projects


TOTAL_WORDS = frozenset(label_key(word) for word in forms.TOTAL_ROW_WORDS)


def _is_total_row(raws: dict) -> bool:
    """A 合计 / 总计 row under the list (counties add one, and so does the upward report): its
    first text is the word alone, in the 县市区, 生活圈, 社区 or 项目名称 column."""
    for field_id in ("county", "circle", "community", "name"):
        value = raws.get(field_id)
        if isinstance(value, str) and value.strip():
            return label_key(value) in TOTAL_WORDS
    return False


def _read_row(index: SheetIndex, r: int, raws: dict, columns: dict[str, int],
              ctx: ReadContext) -> ProjectRecord:
    record = ProjectRecord(data={}, sheet=index.name, row=r + 1)
    data, sources = record.data, record.sources
    source_of = index.source
    for spec, parse, path in FIELD_PATHS:
        if spec.id not in columns:
            data[spec.id] = None
            continue
        raw = raws[spec.id]
        source = sources[spec.id] = source_of(r, columns[spec.id])
        parsed = parse(raw)
        if parsed.code is not None:  # most cells are fine: skip the call
            record_parse_problem(ctx, parsed, spec, source, path, raw)
        data[spec.id] = parsed.value
    return record


# Each field with its parser and its path in issues ('project.name'), made once rather than per cell.
FIELD_PATHS = tuple((spec, parser_of(spec), f"project.{spec.id}") for spec in forms.PROJECT_FIELDS)
