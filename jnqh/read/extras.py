"""Reading what belongs to circles beyond 附件5: 附件2 presence, 附件3 facts, 促消费活动, self-scores.

Each part comes either in the project's template layout (one column per circle, headed by
the circle's name) or pasted from the seed's Word tables (one block per circle, ticks typed
into the □ text, a 自评得分 column). Every part is given to one of the circles already read
from 附件5 in the same workbook: by its column header or 生活圈名称 cell, else by the sheet
it stands on (:meth:`Owners.of_block`). What cannot be given to a circle is reported as
R-UNASSIGNED; nothing here raises on bad data.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from itertools import filterfalse
from typing import Callable

from jnqh import forms
from jnqh.model import CircleRecord, Source
from jnqh.normalize import (
    Parsed, circle_key, found_options, clean_text, fold, is_blank, label_key, match_option, parse_choice, parse_count,
    parse_multi, parse_tick, split_list, ticked_options,
)
from jnqh.read.context import ReadContext, parse_field, parser_of, record_parse_problem, remember_parses
from jnqh.read.locate import SheetIndex, text_kind

# Header words of the template's and the seed's tables that are not field labels.
LABEL_HEADER = label_key(forms.FORM3_HEADERS[1])
# Columns right of the 指标 column that hold no circle's values.
NOTE_HEADERS = tuple(label_key(h) for h in (forms.FORM3_HEADERS[0], forms.FORM3_HEADERS[2],
                                            forms.SELF_CHECK_HEADER, *forms.NOTE_COLUMN_HEADERS))
RUBRIC_HEADERS = frozenset(label_key(h) for h in forms.RUBRIC_TABLE_HEADERS)
# 合计 in the template, 总分 in the seed's 附件3, 分值总计 in its 附件2.
TOTAL_KEYS = frozenset(label_key(t) for t in (forms.TOTAL_LABEL, *forms.RUBRIC_TOTAL_LABELS))
SELF_KEY = label_key(forms.SELF_SCORE_LABEL)
YESNO_KEY = label_key(forms.PRESENCE_COLUMNS[0])
COUNT_STEM = label_key(forms.PRESENCE_COLUMNS[1]).split("(")[0]

# What R-UNASSIGNED names (its message: 工作表“…”中的{what}无法确定属于哪个生活圈).
WHAT_PRESENCE_COLUMN = "附件2 业态有无 第{n}列"
WHAT_PRESENCE_TICKS = "附件2 业态勾选"
WHAT_SERVICE_COLUMN = "附件3 服务指标 第{n}列"
WHAT_RUBRIC = "附件3 自评得分"
WHAT_EVENT = "促消费活动“{name}”"

MIN_FACT_LABELS = 3  # a column naming this many 附件3 facts is the template's 指标 column
MIN_TICK_BOXES = 3  # a cell with this many boxes is a pasted 附件2 checklist, not a label
MIN_NAME_CHARS = 2  # shorter names are not looked for inside other text
TICK_OPTIONS = f"√、{forms.PRESENT}、{forms.ABSENT}"
PRESENCE_CHOICES = f"{forms.PRESENT}、{forms.ABSENT}"
_NUMBERING = re.compile(r"^[(]?\d{1,2}[).、:]?")
_MARKS = forms.TICK_MARKS | forms.UNTICK_MARKS

PRESENCE_OPTIONS = tuple(forms.Option(t.id, t.label, t.variants) for t in forms.PRESENCE_TYPES)
TYPE_BY_KEY = {label_key(s): t for t in forms.PRESENCE_TYPES for s in (t.label, *t.variants)}
FACT_ANCHORS = sorted(((label_key(a), f) for f in forms.SERVICE_FACTS for a in f.anchors),
                      key=lambda pair: -len(pair[0]))
ITEM_BY_KEY = {label_key(name): str(no) for no, name in enumerate(forms.SERVICE_ITEM_NAMES, 1)}
EVENT_COLUMN = {c.id: c for c in forms.EVENT_COLUMNS}
EVENT_CIRCLE_ANCHORS = (*forms.CIRCLE_FIELD["name"].anchors, EVENT_COLUMN["circle"].label)
EVENT_NAME_KEY = label_key(EVENT_COLUMN["name"].label)
EVENT_DATE_KEYS = tuple(label_key(s) for s in (EVENT_COLUMN["date"].label, *EVENT_COLUMN["date"].variants))
EVENT_CIRCLE_KEYS = tuple(label_key(s) for s in EVENT_CIRCLE_ANCHORS)
ELDERLY_VALUE = {"yes": True, "no": False, "none": "none"}
PRESENCE_IDS = tuple(t.id for t in forms.PRESENCE_TYPES)
PRESENCE_PATHS = {t.id: f"presence.{t.id}" for t in forms.PRESENCE_TYPES}
COUNT_PATHS = {t.id: f"presence_counts.{t.id}" for t in forms.PRESENCE_TYPES}
FACT_PATHS = {f.id: f"service.{f.id}" for f in forms.SERVICE_FACTS}
# The 数量 column of each 附件2 type, as a column definition for parse messages, and its parser.
COUNT_COLUMNS = {t.id: forms.Column(t.id, f"{t.label} {forms.PRESENCE_COLUMNS[1]}", forms.COUNT, unit="个")
                 for t in forms.PRESENCE_TYPES}
COUNT_SPECS = {type_id: (spec, parser_of(spec)) for type_id, spec in COUNT_COLUMNS.items()}
# parse_tick of a cell value (a scalar), remembered: a few marks and words fill every checklist.
_tick = functools.lru_cache(maxsize=4096, typed=True)(parse_tick)


def read_extras(indexes: list[SheetIndex], circles: list[CircleRecord], ctx: ReadContext,
                form_sheets: set[str]) -> None:
    """Attach presence, service facts, events and self-scores to `circles` (in place)."""
    owners = Owners(circles, form_sheets)
    sheets = [Sheet.of(index) for index in indexes]
    for sheet in sheets:
        _read_presence_tables(sheet, owners, ctx)
        _read_presence_ticks(sheet, owners, ctx)
        _read_service_table(sheet, owners, ctx)
        _read_rubric_scores(sheet, owners, ctx)
    _read_events(sheets, owners, ctx)


# ---------------------------------------------------------------------------
# Sheets and circles
# ---------------------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet's folded cells grouped by row (the index's own map), shared by every reader below."""

    index: SheetIndex
    rows: dict[int, list[tuple[int, str]]]
    height: int

    def __post_init__(self) -> None:
        # Every value read asks for its Source and value: use the index's bound lookup and the
        # grid's own method directly rather than through the methods below (same results,
        # one call fewer per cell).
        self.source = self.index.source
        self.value = self.index.grid.shown

    @classmethod
    def of(cls, index: SheetIndex) -> Sheet:
        return cls(index, index.rows, len(index.grid.rows))

    @property
    def name(self) -> str:
        return self.index.name

    @property
    def width(self) -> int:
        """The longest row's length (asked once per table found)."""
        return max(map(len, self.index.grid.rows), default=0)

    def key(self, r: int, c: int) -> str:
        return self.index.keys.get((r, c), "")

    def value(self, r: int, c: int) -> object:
        """The value shown at (r, c): a cell under a merge shows its anchor's value."""
        grid = self.index.grid
        return grid.value(*grid.merge_anchor(r, c))

    def source(self, r: int, c: int) -> Source:
        return self.index.source(r, c)

    def cells(self, key: str) -> list[tuple[int, int]]:
        """The cells whose folded text is `key`, in row, then column order."""
        return list(self.index.where.get(key, ()))


class Owners:
    """Which circle of the workbook a column, row or block of another form belongs to."""

    def __init__(self, circles: list[CircleRecord], form_sheets: set[str]):
        self.circles = circles
        self.form_sheets = form_sheets
        self._keys = [(circle_key(c.name), c) for c in circles if c.name and circle_key(c.name)]
        # Answers by text: an events list names its circles on every row, and the rows above
        # each 附件2 checklist are searched for names once per checklist cell.
        self._matches: dict[str, CircleRecord | None] = {}
        self._mentions: dict[str, frozenset[int]] = {}
        # A text names a circle only if it holds the start of one of their names; the names of
        # one workbook share few starts (the county's name), so most texts are ruled out at once.
        self._starts = tuple({k[:MIN_NAME_CHARS] for k, _ in self._keys if len(k) >= MIN_NAME_CHARS})

    def match(self, text: object) -> CircleRecord | None:
        """The circle a written name means: same key, else one name inside the other."""
        if type(text) is not str:
            return self._match(text)
        if text not in self._matches:
            self._matches[text] = self._match(text)
        return self._matches[text]

    def _match(self, text: object) -> CircleRecord | None:
        key = circle_key(label_key(text)) if not is_blank(text) else ""
        if not key:
            return None
        for circle_k, circle in self._keys:
            if circle_k == key:
                return circle
        near = [(len(k), c) for k, c in self._keys
                if min(len(k), len(key)) >= MIN_NAME_CHARS and (k in key or key in k)]
        near.sort(key=lambda pair: -pair[0])
        # Two names of equal length inside the text: it names neither for sure.
        if not near or (len(near) > 1 and near[0][0] == near[1][0]):
            return None
        return near[0][1]

    def by_position(self, header: object, position: int) -> CircleRecord | None:
        """The template's circle columns follow its 附件5 sheets in order; a file saved by a
        program that drops formula results (openpyxl) leaves the name header blank."""
        if not is_blank(header) or position >= len(self.circles):
            return None
        return self.circles[position]

    def mentioned(self, text: str) -> frozenset[int]:
        """Positions of the circles whose name occurs in a folded text.

        Registry names nest (古槐街道 inside 古槐街道南池片区): a name found only as part of
        a longer name also found is not counted.
        """
        known = self._mentions.get(text)
        if known is None:
            if not any(start in text for start in self._starts):
                known = self._mentions[text] = frozenset()
                return known
            found = {i for i, (k, _) in enumerate(self._keys) if len(k) >= MIN_NAME_CHARS and k in text}
            keys = {i: self._keys[i][0] for i in found}
            known = self._mentions[text] = frozenset(
                i for i in found if not any(j != i and keys[i] in keys[j] and keys[i] != keys[j] for j in found))
        return known

    def of_block(self, sheet: Sheet, top_row: int) -> CircleRecord | None:
        """The circle of a block without its own name: (a) its sheet's 附件5, (b) a name on the
        sheet, (c) the workbook's only circle."""
        name = sheet.name
        here = [c for c in self.circles if c.sheet == name] if name in self.form_sheets else []
        if len(here) == 1:
            return here[0]
        nearest = _nearest_above(here, top_row)
        if nearest is not None:
            return nearest
        named = self._named_on(sheet, top_row)
        if named is not None:
            return named
        return self.circles[0] if len(self.circles) == 1 else None

    def _named_on(self, sheet: Sheet, top_row: int) -> CircleRecord | None:
        found = set(self.mentioned(label_key(sheet.name)))
        rows, mentioned = sheet.rows, self.mentioned
        # Title cells stand above the block; the nearest row naming a circle decides.
        for r in range(min(top_row, sheet.height - 1), -1, -1):
            if len(found) == 1:
                break
            for _, key in rows.get(r, ()):
                found |= mentioned(key)
        return self._keys[found.pop()][1] if len(found) == 1 else None


def _nearest_above(circles: list[CircleRecord], top_row: int) -> CircleRecord | None:
    """Of several 附件5 blocks on one sheet, the last one starting above `top_row`."""
    best, best_row = None, -1
    for circle in circles:
        source = circle.source("name")
        row = _row_of(source.cell) if source else None
        if row is not None and best_row < row <= top_row:
            best, best_row = circle, row
    return best


def _row_of(cell: str) -> int | None:
    digits = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return int(digits) - 1 if digits.isdigit() else None


def _unassigned(ctx: ReadContext, sheet: Sheet, cell: tuple[int, int] | None, what: str) -> None:
    ctx.add("R-UNASSIGNED", sheet=sheet.name, cell=sheet.index.ref(*cell) if cell else None,
            what=what)


def _strip_numbering(key: str) -> str:
    return _NUMBERING.sub("", key)


# ---------------------------------------------------------------------------
# Attaching what was read
# ---------------------------------------------------------------------------


@dataclass
class Found:
    """What one column or block gave for one circle."""

    presence: dict[str, bool | None] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    service: dict[str, object] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)  # "presence", "1"…"10", "total"
    sources: dict[str, Source] = field(default_factory=dict)


def _attach(circle: CircleRecord, found: Found) -> None:
    """Add what was found; what an earlier sheet gave stays (the first answer wins)."""
    data = circle.data
    if "presence" not in data and any(v is not None for v in found.presence.values()):
        # One answer makes the column answered: an unticked type is 无.
        data["presence"] = dict(zip(PRESENCE_IDS, map(bool, map(found.presence.get, PRESENCE_IDS))))
        if found.counts:
            data["presence_counts"] = dict(found.counts)
    if any(v is not None for v in found.service.values()):
        service = _service_of(circle)
        for fact_id, value in found.service.items():
            if value is not None and service.get(fact_id) is None:
                service[fact_id] = value
    _attach_scores(data, found.scores)
    sources = circle.sources
    if sources.keys().isdisjoint(found.sources):  # the usual case: nothing to keep
        sources.update(found.sources)
    else:
        for path, source in found.sources.items():
            sources.setdefault(path, source)


def _service_of(circle: CircleRecord) -> dict:
    if "service" not in circle.data:
        circle.data["service"] = {**{f.id: None for f in forms.SERVICE_FACTS}, "events": None}
    return circle.data["service"]


def _attach_scores(data: dict, scores: dict[str, float]) -> None:
    if not scores:
        return
    mine = data.setdefault("self_score", {})
    for key, value in scores.items():
        if key == "presence":
            mine.setdefault("presence", value)
        elif key == "total":
            mine.setdefault("service_total", value)
        else:
            mine.setdefault("service", {}).setdefault(key, value)


def _read_score(sheet: Sheet, r: int, c: int, what: str, path: str, ctx: ReadContext,
                found: Found, key: str) -> None:
    """One self-score cell into `found.scores[key]`; a bad number is reported at the cell."""
    raw = sheet.value(r, c)
    source = sheet.source(r, c)
    found.sources.setdefault(path, source)
    if is_blank(raw):
        return
    spec = _score_spec(path, what)
    parsed = parse_field(spec, raw)  # a DECIMAL: parse_decimal, shared by equal values
    if parsed.code is not None:
        record_parse_problem(ctx, parsed, spec, source, path, raw)
    if parsed.value is not None:
        found.scores[key] = _tidy(parsed.value)


@functools.lru_cache(maxsize=256)
def _score_spec(path: str, what: str) -> forms.Column:
    return forms.Column(path, f"{forms.SELF_SCORE_LABEL}·{what}", forms.DECIMAL)


def _tidy(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


# ---------------------------------------------------------------------------
# 附件2, template layout: rows of types, a 有/无 + 数量 column pair per circle
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PresenceTable:
    header_row: int
    type_rows: tuple[tuple[forms.PresenceType, int], ...]
    score_row: int | None
    pairs: tuple[tuple[int, int | None], ...]  # (有/无 column, 数量 column)


def _read_presence_tables(sheet: Sheet, owners: Owners, ctx: ReadContext) -> None:
    for table in _presence_tables(sheet):
        single = len(table.pairs) == 1 and len(owners.circles) == 1
        for position, (yes_col, count_col) in enumerate(table.pairs):
            header = sheet.value(table.header_row - 1, yes_col)
            owner = owners.match(header) or owners.by_position(header, position)
            owner = owner or (owners.circles[0] if single else None)
            if owner is None:
                if _pair_has_data(sheet, table, yes_col, count_col):
                    _unassigned(ctx, sheet, (table.header_row, yes_col),
                                WHAT_PRESENCE_COLUMN.format(n=yes_col + 1))
                continue
            _attach(owner, _read_presence_pair(sheet, table, yes_col, count_col, ctx))


def _presence_tables(sheet: Sheet) -> list[PresenceTable]:
    header_rows = sorted({r for r, _ in sheet.cells(YESNO_KEY)})
    tables = []
    for i, hr in enumerate(header_rows):
        end = header_rows[i + 1] if i + 1 < len(header_rows) else sheet.height
        cells = sheet.rows.get(hr, [])
        yes_cols = [c for c, k in cells if k == YESNO_KEY]
        pairs = []
        for j, yes_col in enumerate(yes_cols):
            limit = yes_cols[j + 1] if j + 1 < len(yes_cols) else sheet.width
            count_col = next((c for c, k in cells if yes_col < c < limit and k.startswith(COUNT_STEM)), None)
            pairs.append((yes_col, count_col))
        type_rows, score_row = _type_rows(sheet, range(hr + 1, end), yes_cols[0])
        if type_rows:
            tables.append(PresenceTable(hr, tuple(type_rows), score_row, tuple(pairs)))
    return tables


def _type_rows(sheet: Sheet, rows: range,
               first_value_col: int) -> tuple[list[tuple[forms.PresenceType, int]], int | None]:
    """(type, row) for every row labelled with a 附件2 type left of the values, and the 自评得分 row."""
    found, score_row = [], None
    for r in rows:
        for c, key in sheet.rows.get(r, []):
            if c >= first_value_col:
                break
            if key.startswith(SELF_KEY):
                score_row = r if score_row is None else score_row
                break
            presence_type = _type_of(key)
            if presence_type is not None:
                found.append((presence_type, r))
                break
    return found, score_row


def _type_of(key: str) -> forms.PresenceType | None:
    stripped = _strip_numbering(key)
    return TYPE_BY_KEY.get(key) or TYPE_BY_KEY.get(stripped)


def _pair_has_data(sheet: Sheet, table: PresenceTable, yes_col: int, count_col: int | None) -> bool:
    rows = [r for _, r in table.type_rows] + ([table.score_row] if table.score_row is not None else [])
    cols = [yes_col] + ([count_col] if count_col is not None else [])
    return any(not is_blank(sheet.value(r, c)) for r in rows for c in cols)


def _read_presence_pair(sheet: Sheet, table: PresenceTable, yes_col: int, count_col: int | None,
                        ctx: ReadContext) -> Found:
    found = Found()
    for presence_type, r in table.type_rows:
        tick = _presence_tick(sheet, r, yes_col, presence_type, ctx, found)
        count = _presence_count(sheet, r, count_col, presence_type, ctx, found)
        if tick is None and count is not None:
            tick = count > 0  # a count alone answers the row
        found.presence.setdefault(presence_type.id, tick)
    if table.score_row is not None:
        # The template merges the score over both columns; a hand-made sheet may use either.
        moved = count_col is not None and is_blank(sheet.value(table.score_row, yes_col)) \
            and not is_blank(sheet.value(table.score_row, count_col))
        col = count_col if moved else yes_col
        _read_score(sheet, table.score_row, col, forms.FORM2_TITLE, "self_score.presence", ctx, found, "presence")
    return found


def _presence_tick(sheet: Sheet, r: int, c: int, presence_type: forms.PresenceType, ctx: ReadContext,
                   found: Found) -> bool | None:
    path = PRESENCE_PATHS[presence_type.id]
    raw = sheet.value(r, c)
    source = sheet.source(r, c)
    found.sources.setdefault(path, source)
    tick = _tick(raw)
    if tick is None and not is_blank(raw):
        ctx.add_at("V-CHOICE", source, field=path, value=fold(raw), label=presence_type.label,
                   options=PRESENCE_CHOICES)
    return tick


def _presence_count(sheet: Sheet, r: int, c: int | None, presence_type: forms.PresenceType,
                    ctx: ReadContext, found: Found) -> int | None:
    if c is None:
        return None
    path = COUNT_PATHS[presence_type.id]
    raw = sheet.value(r, c)
    source = sheet.source(r, c)
    found.sources.setdefault(path, source)
    spec, parse = COUNT_SPECS[presence_type.id]
    parsed = parse(raw)  # a COUNT: parse_count with its unit
    if parsed.code is not None:  # called for every presence cell: skip the call when fine
        record_parse_problem(ctx, parsed, spec, source, path, raw)
    if parsed.value is not None:
        found.counts[presence_type.id] = parsed.value
    return parsed.value


# ---------------------------------------------------------------------------
# 附件2, the seed's layout: '☑便利店 □综合超市 …' typed into one cell per group
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TickCell:
    row: int
    col: int
    ticked: tuple[str, ...]
    listed: tuple[str, ...]  # type ids whose labels stand in the cell


def _read_presence_ticks(sheet: Sheet, owners: Owners, ctx: ReadContext) -> None:
    by_owner: dict[int, tuple[CircleRecord, list[TickCell]]] = {}
    unassigned: TickCell | None = None
    for cell in _tick_cells(sheet):
        owner = owners.of_block(sheet, cell.row)
        if owner is None:
            unassigned = unassigned or cell
            continue
        by_owner.setdefault(id(owner), (owner, []))[1].append(cell)
    if unassigned is not None:
        _unassigned(ctx, sheet, (unassigned.row, unassigned.col), WHAT_PRESENCE_TICKS)
    score_headers = sheet.cells(SELF_KEY)
    for owner, cells in by_owner.values():
        _attach(owner, _presence_from_ticks(sheet, cells, score_headers, ctx))


def _tick_cells(sheet: Sheet) -> list[TickCell]:
    # Only a text with enough boxes may be a checklist (CHECKLIST): most sheets have none.
    where = sheet.index.where
    candidates = sorted(cell for key in sheet.index.texts_of_kind(CHECKLIST) for cell in where[key])
    found = []
    grid_rows = sheet.index.grid.rows
    for r, c in candidates:
        ticks = _ticks_in(grid_rows[r][c])
        if ticks is not None:
            found.append(TickCell(r, c, *ticks))
    return found


def _has_boxes(key: str) -> bool:
    # Folding keeps every box, so a text whose key holds too few cannot be a checklist.
    return sum(map(key.count, _MARKS)) >= MIN_TICK_BOXES


CHECKLIST = text_kind("附件2 勾选清单", _has_boxes)


@functools.lru_cache(maxsize=4096)
def _ticks_in(value: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(ticked, listed) type ids of a pasted 附件2 checklist cell; None for any other text.

    Every text cell of every sheet is asked, and the same texts recur: cached.
    """
    text = fold(value)
    if sum(map(text.count, _MARKS)) < MIN_TICK_BOXES:
        return None
    ticked = ticked_options(text, PRESENCE_OPTIONS)
    if ticked is None:
        return None
    return tuple(ticked), tuple(found_options(text, PRESENCE_OPTIONS))


def _presence_from_ticks(sheet: Sheet, cells: list[TickCell], score_headers: list[tuple[int, int]],
                         ctx: ReadContext) -> Found:
    found = Found()
    ticked = {type_id for cell in cells for type_id in cell.ticked}
    sources = found.sources  # the first cell listing a type is its source
    for cell in cells:
        listed = filterfalse(sources.__contains__, map(PRESENCE_PATHS.__getitem__, cell.listed))
        sources.update(dict.fromkeys(listed, sheet.source(cell.row, cell.col)))
    first = sheet.source(cells[0].row, cells[0].col)
    sources.update(dict.fromkeys(filterfalse(sources.__contains__, PRESENCE_PATHS.values()), first))
    # No tick anywhere means the checklist was left blank, not that every type is absent.
    found.presence = (dict(zip(PRESENCE_IDS, map(ticked.__contains__, PRESENCE_IDS))) if ticked
                      else dict.fromkeys(PRESENCE_IDS))
    _tick_self_score(sheet, cells, score_headers, ctx, found)
    return found


def _tick_self_score(sheet: Sheet, cells: list[TickCell], score_headers: list[tuple[int, int]],
                     ctx: ReadContext, found: Found) -> None:
    """The 自评得分 of the basic and quality rows; their sum is the 附件2 self-score."""
    parts = Found()
    for cell in cells:
        header = max(((r, c) for r, c in score_headers if r <= cell.row), default=None)
        if header is not None and str(cell.row) not in parts.scores:
            _read_score(sheet, cell.row, header[1], forms.FORM2_TITLE, "self_score.presence", ctx,
                        parts, str(cell.row))
    if parts.scores:
        found.scores["presence"] = _tidy(sum(parts.scores.values()))
    first = next(iter(parts.sources.values()), None)
    if first is not None:
        found.sources["self_score.presence"] = first


# ---------------------------------------------------------------------------
# 附件3, template layout: 序号 | 指标 | 填报说明 | one value column per circle
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FactRow:
    spec: forms.Field
    row: int
    options: tuple[tuple[forms.Option, int], ...] = ()  # MULTI sub-rows: (option, row)


@dataclass(frozen=True)
class ServiceTable:
    label_col: int
    header_row: int
    facts: tuple[FactRow, ...]
    scores: tuple[tuple[str, int], ...]  # ("1"…"10" or "total", row)
    columns: tuple[int, ...]


def _read_service_table(sheet: Sheet, owners: Owners, ctx: ReadContext) -> None:
    table = _service_table(sheet)
    if table is None:
        return
    single = len(table.columns) == 1 and len(owners.circles) == 1
    for position, col in enumerate(table.columns):
        header = sheet.value(table.header_row, col)
        owner = owners.match(header) or owners.by_position(header, position)
        owner = owner or (owners.circles[0] if single else None)
        if owner is None:
            if _column_has_data(sheet, table, col):
                _unassigned(ctx, sheet, (table.header_row, col), WHAT_SERVICE_COLUMN.format(n=col + 1))
            continue
        _attach(owner, _read_service_column(sheet, table, col, ctx))


def _service_table(sheet: Sheet) -> ServiceTable | None:
    label_col, first = _fact_column(sheet)
    if label_col is None:
        return None
    score_row = next((r for r in range(first, sheet.height)
                      if any(c <= label_col and k == SELF_KEY for c, k in sheet.rows.get(r, []))),
                     sheet.height)
    facts = _fact_rows(sheet, label_col, range(first, score_row))
    scores = tuple((item, r) for r in range(score_row + 1, sheet.height)
                   if (item := _item_of_row(sheet, r, label_col + 1)) is not None)
    header_row = next((r for r in range(first - 1, -1, -1) if sheet.key(r, label_col) == LABEL_HEADER),
                      first - 1)
    rows = [f.row for f in facts] + [r for f in facts for _, r in f.options] + [r for _, r in scores]
    columns = _value_columns(sheet, header_row, label_col, rows)
    return ServiceTable(label_col, header_row, tuple(facts), scores, columns)


def _fact_column(sheet: Sheet) -> tuple[int | None, int]:
    """The column that names the most 附件3 facts, and the row of its first fact."""
    where = sheet.index.where
    facts = [(key, _fact_of(key)) for key in sheet.index.texts_of_kind(FACT_LABEL)]
    if len({spec.id for _, spec in facts}) < MIN_FACT_LABELS:
        return None, 0  # most sheets: too few facts for any column to hold enough
    facts_by_col: dict[int, set[str]] = {}
    first_row: dict[int, int] = {}
    for key, spec in facts:
        for r, c in where[key]:
            facts_by_col.setdefault(c, set()).add(spec.id)
            first_row[c] = min(first_row.get(c, r), r)
    if not facts_by_col:
        return None, 0
    # On a tie, the column whose first fact comes first (row, then column) wins.
    in_sheet_order = sorted(facts_by_col, key=lambda c: (first_row[c], c))
    col = max(in_sheet_order, key=lambda c: len(facts_by_col[c]))
    if len(facts_by_col[col]) < MIN_FACT_LABELS:
        return None, 0
    return col, first_row[col]


@functools.lru_cache(maxsize=8192)
def _fact_of(key: str) -> forms.Field | None:
    # Numbering is stripped only as a second try: '24小时便利店数量' starts with digits.
    for candidate in (key, _strip_numbering(key)):
        for anchor, spec in FACT_ANCHORS:
            if candidate == anchor or candidate.startswith(anchor):
                return spec
    return None


def _names_fact(key: str) -> bool:
    return _fact_of(key) is not None


FACT_LABEL = text_kind("附件3 指标", _names_fact)


def _fact_rows(sheet: Sheet, label_col: int, rows: range) -> list[FactRow]:
    """Each fact's row; a MULTI fact keeps the option rows that follow it."""
    facts: list[FactRow] = []
    for r in rows:
        key = sheet.key(r, label_col)
        if not key:
            continue
        spec = _fact_of(key)
        if spec is not None:
            facts.append(FactRow(spec, r))
            continue
        last = facts[-1] if facts else None
        if last is not None and last.spec.kind == forms.MULTI:
            option = match_option(key, last.spec.options)
            if option is not None:
                facts[-1] = FactRow(last.spec, last.row, (*last.options, (option, r)))
    return facts


def _item_of_row(sheet: Sheet, r: int, before_col: int) -> str | None:
    """'1'…'10' for a row naming a 附件3 item (as '1 问需于民' or 问需于民), 'total' for 合计."""
    for c, key in sheet.rows.get(r, []):
        if c >= before_col:
            break
        for candidate in (key, _strip_numbering(key)):
            if candidate in ITEM_BY_KEY:
                return ITEM_BY_KEY[candidate]
            if candidate in TOTAL_KEYS:
                return "total"
    return None


def _value_columns(sheet: Sheet, header_row: int, label_col: int, rows: list[int]) -> tuple[int, ...]:
    columns = []
    for c in range(label_col + 1, sheet.width):
        header = sheet.key(*sheet.index.grid.merge_anchor(header_row, c)) if header_row >= 0 else ""
        if header and header.startswith(NOTE_HEADERS):
            continue
        if header or any(not is_blank(sheet.value(r, c)) for r in rows):
            columns.append(c)
    return tuple(columns)


def _column_has_data(sheet: Sheet, table: ServiceTable, col: int) -> bool:
    rows = [f.row for f in table.facts] + [r for f in table.facts for _, r in f.options]
    return any(not is_blank(sheet.value(r, col)) for r in rows + [r for _, r in table.scores])


def _read_service_column(sheet: Sheet, table: ServiceTable, col: int, ctx: ReadContext) -> Found:
    found = Found()
    service, sources, value_of, source_of = found.service, found.sources, sheet.value, sheet.source
    for fact in table.facts:  # every fact of every circle: the reading is inline
        spec, r = fact.spec, fact.row
        raw = value_of(r, col)
        if fact.options and is_blank(raw):
            value = _read_option_rows(sheet, fact, col, ctx)
            source = source_of(fact.options[0][1], col)
        else:
            source = source_of(r, col)
            parsed = FACT_PARSERS[spec.id](raw)
            if parsed.code is not None:
                record_parse_problem(ctx, parsed, spec, source, FACT_PATHS[spec.id], raw)
            value = parsed.value
        service.setdefault(spec.id, value)
        sources.setdefault(FACT_PATHS[spec.id], source)
    for item, r in table.scores:
        _read_score(sheet, r, col, *_score_target(item), ctx, found, item)
    return found


@functools.lru_cache(maxsize=32)  # '1'…'10' and 'total', asked of every score cell
def _score_target(item: str) -> tuple[str, str]:
    """(what the item is called, its field path) for a self-score row '1'…'10' or 'total'."""
    if item == "total":
        return forms.FORM3_TITLE, "self_score.service_total"
    return forms.SERVICE_ITEM_NAMES[int(item) - 1], f"self_score.service.{item}"


def _fact_parser(spec: forms.Field) -> Callable[[object], Parsed]:
    """How a fact's cell value is parsed, as one call (asked of every fact of every circle)."""
    if spec.id == "terminals":
        return functools.partial(_parse_terminals_text, spec)
    if spec.id == "elderly_area_ok":
        return functools.partial(_parse_elderly_area, spec)
    if spec.kind == forms.MULTI:
        return functools.partial(_parse_multi_fact, spec.options)
    return parser_of(spec)


def _parse_multi_fact(options: tuple[forms.Option, ...], raw: object) -> Parsed:
    return parse_multi(raw, options)  # option ids are the labels for these facts


@remember_parses  # 达标 in nearly every circle's column
def _parse_elderly_area(spec: forms.Field, raw: object) -> Parsed:
    """达标 / 不达标 / 无养老场所 as True / False / "none"; a bare tick means 达标."""
    parsed = parse_choice(raw, spec.options)
    if parsed.ok:
        return Parsed(ELDERLY_VALUE.get(parsed.value))
    tick = parse_tick(raw)
    return Parsed(tick) if tick is not None else parsed


@remember_parses  # every circle's column repeats such texts
def _parse_terminals_text(spec: forms.Field, raw: object) -> Parsed:
    """'智能快递柜3台、自助售货机2台' typed into the 智能终端设备 row itself."""
    if is_blank(raw):
        return Parsed()
    counts: dict[str, int] = {}
    for item in split_list(raw):
        text = fold(item)
        option, rest = _option_prefix(text, spec.options)
        if option is None:
            return Parsed(code="V-CHOICE", params={"value": text})
        parsed = parse_count(rest.strip(" :：()（）"), unit=spec.unit)
        if parsed.value is None:
            return parsed if not parsed.ok else Parsed(code="V-NUMBER", params={"value": text})
        counts[option.id] = parsed.value
    return Parsed(counts or None)


def _option_prefix(text: str, options: tuple[forms.Option, ...]) -> tuple[forms.Option | None, str]:
    spellings = sorted(((fold(s), o) for o in options for s in (o.label, *o.variants)),
                       key=lambda pair: -len(pair[0]))
    for spelling, option in spellings:
        if text.startswith(spelling):
            return option, text[len(spelling):]
    return None, text


# Each fact's parser by fact id (made here, once the parsers above are defined).
FACT_PARSERS = {spec.id: _fact_parser(spec) for spec in forms.SERVICE_FACTS}


def _read_option_rows(sheet: Sheet, fact: FactRow, col: int, ctx: ReadContext) -> object:
    """Ticks (or, for 智能终端设备, counts) in the option sub-rows; None when all are blank."""
    spec, counted = fact.spec, fact.spec.id == "terminals"
    counts: dict[str, int] = {}
    ticked: list[str] = []
    answered = False
    for option, r in fact.options:
        raw = sheet.value(r, col)
        if is_blank(raw):
            continue
        answered = True
        source = sheet.source(r, col)
        sub = _option_spec(spec.id, spec.label, option.label, spec.unit)
        parsed = parse_field(sub, raw) if counted else _parse_option_tick(raw)
        if parsed.code is not None:
            record_parse_problem(ctx, parsed, sub, source, FACT_PATHS[spec.id], raw)
        if counted and parsed.value is not None:
            counts[option.id] = parsed.value
        elif parsed.value:
            ticked.append(option.id)
    if not answered:
        return None
    return counts if counted else sorted(set(ticked))


@functools.lru_cache(maxsize=256)  # keyed by text: hashing a Field costs more than making this
def _option_spec(fact_id: str, fact_label: str, option_label: str, unit: str) -> forms.Column:
    """One option row of a MULTI fact as a column definition, for its parse messages."""
    return forms.Column(fact_id, f"{fact_label}·{option_label}", forms.COUNT, unit=unit)


@functools.lru_cache(maxsize=4096, typed=True)  # cell values are scalars, and a few marks fill the form
def _parse_option_tick(raw: object) -> Parsed:
    # Shared between cells: Parsed is frozen and its value a bool.
    tick = parse_tick(raw)
    if tick is None:
        return Parsed(code="V-CHOICE", params={"value": fold(raw), "options": TICK_OPTIONS})
    return Parsed(tick)


# ---------------------------------------------------------------------------
# 附件3, the seed's rubric table: only its 自评得分 column is read
# ---------------------------------------------------------------------------


def _read_rubric_scores(sheet: Sheet, owners: Owners, ctx: ReadContext) -> None:
    headers = sorted(_rubric_headers(sheet))
    for i, (hr, score_col) in enumerate(headers):
        end = headers[i + 1][0] if i + 1 < len(headers) else sheet.height
        items = [(item, r) for r in range(hr + 1, end)
                 if (item := _item_of_row(sheet, r, score_col)) is not None]
        if not any(item != "total" for item, _ in items):
            continue  # 附件2's rubric: its self-scores are read with its checklist
        owner = owners.of_block(sheet, hr)
        if owner is None:
            _unassigned(ctx, sheet, (hr, score_col), WHAT_RUBRIC)
            continue
        found = Found()
        for item, r in items:
            if item not in found.scores:
                _read_score(sheet, r, score_col, *_score_target(item), ctx, found, item)
        _attach(owner, found)


def _rubric_headers(sheet: Sheet) -> list[tuple[int, int]]:
    """自评得分 header cells of rows that also carry the seed's 评价类别/评价指标 headers."""
    return [(r, c) for r, c in sheet.cells(SELF_KEY)
            if any(k in RUBRIC_HEADERS for _, k in sheet.rows.get(r, []))]


# ---------------------------------------------------------------------------
# 促消费活动: a sheet with 活动名称 and 活动日期 columns
# ---------------------------------------------------------------------------


def _read_events(sheets: list[Sheet], owners: Owners, ctx: ReadContext) -> None:
    events: dict[int, list[dict]] = {id(c): [] for c in owners.circles}
    firsts: dict[int, Source] = {}
    any_rows = False
    for sheet in sheets:
        header = _events_header(sheet)
        if header is None:
            continue
        for owner, event, source in _event_rows(sheet, header, owners, ctx):
            any_rows = True
            if owner is not None:
                events[id(owner)].append(event)
                firsts.setdefault(id(owner), source)
    if not any_rows:
        return
    # A filled events sheet that lists nothing for a circle says it held none.
    for circle in owners.circles:
        service = _service_of(circle)
        if service.get("events") is None:
            service["events"] = events[id(circle)]
            if id(circle) in firsts:
                circle.sources.setdefault("service.events", firsts[id(circle)])


def _names_event(key: str) -> bool:
    return key.startswith(EVENT_NAME_KEY)


EVENT_NAME_LABEL = text_kind("促消费活动 活动名称", _names_event)


def _events_header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """The header row and the columns of 生活圈名称 (optional), 活动名称 and 活动日期."""
    name_key, date_keys, circle_keys = EVENT_NAME_KEY, EVENT_DATE_KEYS, EVENT_CIRCLE_KEYS
    where = sheet.index.where
    header_rows = sorted({r for key in sheet.index.texts_of_kind(EVENT_NAME_LABEL) for r, _ in where[key]})
    for r in header_rows:
        columns: dict[str, int] = {}
        for c, key in sheet.rows.get(r, []):
            if key.startswith(name_key):
                columns.setdefault("name", c)
            elif key.startswith(date_keys):
                columns.setdefault("date", c)
            elif key.startswith(circle_keys):
                columns.setdefault("circle", c)
        if "date" in columns:
            return r, columns
    return None


def _event_rows(sheet: Sheet, header: tuple[int, dict[str, int]], owners: Owners, ctx: ReadContext):
    """(circle or None, event, source of its name) for every filled row under the header."""
    header_row, columns = header
    name_col, date_col, circle_col = columns["name"], columns["date"], columns.get("circle")
    value, source_of, date_spec = sheet.value, sheet.source, EVENT_COLUMN["date"]
    for r in range(header_row + 1, sheet.height):
        name, date = value(r, name_col), value(r, date_col)
        if is_blank(name) and is_blank(date):
            continue
        circle = value(r, circle_col) if circle_col is not None else None
        source = source_of(r, name_col)
        parsed = parse_field(date_spec, date)
        if parsed.code is not None:
            record_parse_problem(ctx, parsed, date_spec, source_of(r, date_col), "service.events", date)
        event = {"name": clean_text(name), "date": parsed.value if parsed.ok else None}
        owner = _event_owner(sheet, header_row, circle, owners)
        if owner is None:
            cell = (r, circle_col) if not is_blank(circle) else (r, name_col)
            _unassigned(ctx, sheet, cell, WHAT_EVENT.format(name=event["name"] or ""))
        yield owner, event, source


def _event_owner(sheet: Sheet, header_row: int, circle_name: object, owners: Owners) -> CircleRecord | None:
    # A name that is written must be one of the workbook's circles; a blank one falls back
    # to the sheet's circle (names above the header only, not other rows' names).
    if not is_blank(circle_name):
        return owners.match(circle_name)
    return owners.of_block(sheet, header_row)
