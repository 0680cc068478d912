"""The project's official template, filled in the way a county lead fills it.

:func:`jnqh.write.template.write_template` makes the blank workbook in memory (one per county and
number of circles, cached: it is the slow part). The values are then typed into its cells
by :mod:`jnqh.samples.xlsx_patch`, which keeps the template's styles, validations and
formulas, and stores the circle names as the results of the header formulas, as Excel does
on saving. 附件5 cells come from the template's layout map; the other sheets' cells are
found by their row labels. Ticks are "√", 附件2 says 有/无, 附件3 是/否.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache

import python_calamine
from xlsxwriter.utility import xl_col_to_name

from jnqh import forms

from jnqh.write import template
from jnqh.samples.xlsx import Target, deliver
from jnqh.samples.xlsx_patch import patch_xlsx

ELDERLY_OPTION = {True: "yes", False: "no", "none": "none"}
Edits = dict[str, object]  # "B3" → value


def write_template_workbook(target: Target, county: str, circles: list[dict], projects: list[dict], *,
                            today: dt.date | None = None) -> None:
    """The official workbook of `county` holding `circles` (one 附件5 sheet each) and `projects`."""
    today = today or max((dt.date.fromisoformat(c["as_of"]) for c in circles if c.get("as_of")),
                         default=dt.date(2024, 1, 1))
    blank = _blank_template(county, len(circles), today)
    labels = _labels(blank)
    form_sheets = [name for name in labels if name not in template.FIXED_SHEETS]
    edits: dict[str, Edits] = {name: _form5_edits(circle) for name, circle in zip(form_sheets, circles)}
    edits[template.FORM2_SHEET] = _form2_edits(labels[template.FORM2_SHEET], circles)
    edits[template.FORM3_SHEET] = _form3_edits(labels[template.FORM3_SHEET], circles)
    edits[template.EVENTS_SHEET] = _events_edits(labels[template.EVENTS_SHEET], circles)
    edits[template.FORM6_SHEET] = _project_edits(labels[template.FORM6_SHEET], projects)
    deliver(target, patch_xlsx(blank, edits))


@lru_cache(maxsize=16)
def _blank_template(county: str, circles: int, today: dt.date) -> bytes:
    # Blank 附件5 sheets (附件5-1, …): the county types the names, as with `jnqh template`.
    buffer = io.BytesIO()
    template.write_template(buffer, county=county, blank_circles=max(1, circles), today=today)
    return buffer.getvalue()


@lru_cache(maxsize=16)
def _labels(data: bytes) -> dict[str, list[list]]:
    """Every sheet's text as rows (index 0 = row 1, column A), to find labels in."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    grids = {}
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        top, left = sheet.start or (0, 0)
        rows = [[""] * left + list(row) for row in sheet.to_python()]
        grids[name] = [[] for _ in range(top)] + rows
    return grids


def _row_of(grid: list[list], column: int) -> dict[str, int]:
    """label → 1-based row, for the text cells of one column (the template's indent removed)."""
    rows: dict[str, int] = {}
    for index, row in enumerate(grid):
        value = row[column] if column < len(row) else ""
        if isinstance(value, str) and value.strip():
            rows.setdefault(value.strip().strip("\u3000"), index + 1)
    return rows


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


# ---------------------------------------------------------------------------
# 附件5: from the template's layout map
# ---------------------------------------------------------------------------


def _form5_edits(circle: dict) -> Edits:
    layout = template.FORM5
    values = {
        **{f.id: circle.get(f.id) for f in forms.CIRCLE_FIELDS},
        "as_of": _date(circle.get("as_of")),
        "communities": "、".join(circle.get("communities") or ()) or None,
    }
    edits: Edits = {cell: values.get(field_id) for field_id, cell in layout.cells.items()}
    for field_id, chosen in (("operators", circle.get("operators") or ()), ("layout", (circle.get("layout"),))):
        for option_id, cell in layout.ticks[field_id].items():
            edits[cell] = template.TICK if option_id in chosen else None
    for column in forms.OUTLET_COLUMNS:
        edits[layout.outlet_cell(None, column.id)] = circle["total"].get(column.id)
        for category in forms.CATEGORIES:
            edits[layout.outlet_cell(category.id, column.id)] = circle["categories"][category.id].get(column.id)
    return edits


# ---------------------------------------------------------------------------
# 附件2, 附件3: rows found by their labels, one column (pair) per circle
# ---------------------------------------------------------------------------


def _form2_edits(grid: list[list], circles: list[dict]) -> Edits:
    rows = _row_of(grid, 1)
    score_row = _row_of(grid, 0)[forms.SELF_SCORE_LABEL]
    edits: Edits = {}
    for index, circle in enumerate(circles):
        yes, count = xl_col_to_name(2 + 2 * index), xl_col_to_name(3 + 2 * index)
        edits[f"{yes}2"] = circle["name"] or ""  # the stored result of the header formula
        presence, counts = circle.get("presence") or {}, _presence_counts(circle)
        for presence_type in forms.PRESENCE_TYPES:
            row = rows[presence_type.label]
            present = presence.get(presence_type.id)
            edits[f"{yes}{row}"] = None if present is None else (forms.PRESENT if present else forms.ABSENT)
            edits[f"{count}{row}"] = counts.get(presence_type.id)
        edits[f"{yes}{score_row}"] = (circle.get("self_score") or {}).get("presence")
    return edits


def _presence_counts(circle: dict) -> dict[str, int]:
    """附件2 counts where 附件5 counts the outlets of exactly that type."""
    return {c.presence_types[0]: circle["categories"][c.id]["outlets"]
            for c in forms.CATEGORIES if len(c.presence_types) == 1}


def _form3_edits(grid: list[list], circles: list[dict]) -> Edits:
    rows = _row_of(grid, 1)
    edits: Edits = {}
    for index, circle in enumerate(circles):
        column = xl_col_to_name(3 + index)
        edits[f"{column}2"] = circle["name"] or ""
        service = circle.get("service") or {}
        for fact in forms.SERVICE_FACTS:
            row = rows[template.seed_label(fact)]
            for offset, value in enumerate(_fact_cells(fact, service.get(fact.id))):
                edits[f"{column}{row + offset}"] = value
        scores = circle.get("self_score") or {}
        for no, name in enumerate(forms.SERVICE_ITEM_NAMES, start=1):
            edits[f"{column}{rows[f'{no} {name}']}"] = (scores.get("service") or {}).get(str(no))
        edits[f"{column}{_last_row_of(grid, 1, forms.TOTAL_LABEL)}"] = scores.get("service_total")
    return edits


def _last_row_of(grid: list[list], column: int, label: str) -> int:
    # 合计 of the self-scores is the last 合计 of the sheet
    return max(i + 1 for i, row in enumerate(grid) if column < len(row) and str(row[column]).strip() == label)


def _fact_cells(fact: forms.Field, value) -> list:
    """The values of a fact's row and, for a MULTI fact, of its option rows below it."""
    if fact.kind == forms.MULTI:
        if fact.id == "terminals":
            return [None, *((value or {}).get(o.id) for o in fact.options)]
        chosen = set(value or ())
        return [None, *(template.TICK if o.label in chosen else None for o in fact.options)]
    if value is None:
        return [None]
    if fact.kind == forms.YESNO:
        return [forms.YES_NO[0] if value else forms.YES_NO[1]]
    if fact.id == "elderly_area_ok":
        return [fact.option_by_id(ELDERLY_OPTION[value]).label]
    if fact.kind == forms.NUMBER_LIST:
        return ["、".join(f"{n:g}" for n in value)]
    return [value]


# ---------------------------------------------------------------------------
# 促消费活动 and 附件6: one row each under the header row (row 2)
# ---------------------------------------------------------------------------


def _header_columns(grid: list[list]) -> dict[str, str]:
    return {str(label).strip(): xl_col_to_name(c) for c, label in enumerate(grid[1]) if str(label).strip()}


def _events_edits(grid: list[list], circles: list[dict]) -> Edits:
    columns = _header_columns(grid)
    at = {c.id: columns[c.label] for c in forms.EVENT_COLUMNS}
    edits: Edits = {}
    row = 3
    for circle in circles:
        for event in (circle.get("service") or {}).get("events") or ():
            edits.update({f"{at['circle']}{row}": circle["name"], f"{at['name']}{row}": event["name"],
                          f"{at['date']}{row}": _date(event["date"])})
            row += 1
    return edits


def _project_edits(grid: list[list], projects: list[dict]) -> Edits:
    columns = _header_columns(grid)
    edits: Edits = {}
    for offset, project in enumerate(projects):
        for spec in forms.PROJECT_FIELDS:
            value = project.get(spec.id)
            edits[f"{columns[spec.label]}{3 + offset}"] = _date(value) if spec.kind == forms.DATE else value
    return edits
