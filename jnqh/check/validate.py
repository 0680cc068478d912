"""The rules of forms.md, applied to what the readers extracted.

Each rule looks at the records and adds issues at the cell the value came from. The 合计
row is completed here: blank totals are computed from the category rows, filled ones
are compared with them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from jnqh import forms, issues

from jnqh.check import rules
from jnqh.issues import ERROR
from jnqh.model import CircleRecord, ProjectRecord, Source
from jnqh.normalize import label_key, normalise_county, plain_number
from jnqh.read.context import ReadContext

if TYPE_CHECKING:
    from jnqh.read.registry import Registry

# Sums are compared after rounding away float noise (0.1 + 0.2).
_EPSILON = 1e-6
# Each category row's id, field path and label, as messages name it (made once, not per circle).
CATEGORY_ROWS = tuple((cat.id, f"categories.{cat.id}", forms.field_label(f"categories.{cat.id}").strip())
                      for cat in forms.CATEGORIES)


def validate_circle(record: CircleRecord, ctx: ReadContext, registry: Registry | None) -> None:
    _required(record, ctx)
    _county_and_name(record, ctx, registry)
    _dates(record, ctx)
    _residents(record, ctx)
    _facility(record, ctx)
    categories = record.data["categories"]
    for cat_id, path, label in CATEGORY_ROWS:
        _outlet_row(record, ctx, categories[cat_id], path, label)
    if not _totals(record, ctx):
        # Only a 合计 the county typed is checked; a computed one repeats the rows' problems.
        _outlet_row(record, ctx, record.data["total"], "total", forms.TOTAL_LABEL)
    if record.data.get("presence"):
        _presence_consistency(record, ctx)


def _required(record: CircleRecord, ctx: ReadContext) -> None:
    for spec in forms.CIRCLE_FIELDS:
        if not spec.required or spec.id not in record.sources:
            continue  # a missing label was reported by the reader
        if record.data.get(spec.id) in (None, "", []) and not _unreadable_at(ctx, record.source(spec.id), spec.id):
            hint = f"（{spec.hint}）" if spec.hint else ""
            ctx.add_at("V-REQUIRED", record.source(spec.id), field=spec.id, label=spec.label, hint=hint)


def _unreadable_at(ctx: ReadContext, source: Source, field: str) -> bool:
    """Whether the value at `source` was reported as unreadable already (a date that is not
    one is not also empty)."""
    return any(i.field == field and i.cell == source.cell and i.sheet == source.sheet
               and i.severity == issues.ERROR for i in ctx.found)


def _county_and_name(record: CircleRecord, ctx: ReadContext, registry: Registry | None) -> None:
    data = record.data
    known = registry.counties if registry else forms.COUNTIES
    raw_county = data.get("county")
    if raw_county:
        county = normalise_county(raw_county, known)
        if county is None:
            ctx.add_at("V-COUNTY", record.source("county"), field="county", value=raw_county,
                       options="、".join(known))
        data["county"] = county
    if registry is None or not data.get("name"):
        return
    match = registry.match(data["name"])
    if match is None:
        nearest = registry.nearest(data["name"], data.get("county"))
        suggestion = f"，是不是“{nearest}”？" if nearest else ""
        ctx.add_at("V-CIRCLE-UNKNOWN", record.source("name"), field="name", value=data["name"],
                   suggestion=suggestion)
    elif data.get("county") and match.county != data["county"]:
        ctx.add_at("V-CIRCLE-COUNTY", record.source("county"), field="county", value=data["county"],
                   name=match.name, registry_county=match.county)


def _dates(record: CircleRecord, ctx: ReadContext) -> None:
    as_of = record.data.get("as_of")
    if as_of and dt.date.fromisoformat(as_of) > ctx.today:
        ctx.add_at("V-DATE-FUTURE", record.source("as_of"), field="as_of", value=as_of,
                   label=forms.CIRCLE_FIELD["as_of"].label, today=ctx.today.isoformat())


def _residents(record: CircleRecord, ctx: ReadContext) -> None:
    value = record.data.get("residents_10k")
    if value is None:
        return
    source = record.source("residents_10k")
    low, high = forms.RESIDENTS_10K_RANGE
    if value >= forms.RESIDENTS_PEOPLE_THRESHOLD:
        ctx.add_at("V-RESIDENTS-PEOPLE", source, field="residents_10k", value=plain_number(value),
                   converted=plain_number(value / 10000))
    elif value <= 0:
        ctx.add_at("V-NUMBER", source, field="residents_10k", value=plain_number(value),
                   label=forms.CIRCLE_FIELD["residents_10k"].label, unit_hint="（大于 0，单位：万人）")
    elif not low <= value <= high:
        ctx.add_at("V-RESIDENTS-RANGE", source, field="residents_10k", value=plain_number(value),
                   low=plain_number(low), high=plain_number(high))


def _facility(record: CircleRecord, ctx: ReadContext) -> None:
    value = record.data.get("facility_area_pct")
    if value is not None and value < forms.FACILITY_AREA_MIN_PCT:
        ctx.add_at("V-FACILITY-LOW", record.source("facility_area_pct"), field="facility_area_pct",
                   value=plain_number(value), min=forms.FACILITY_AREA_MIN_PCT)


def _outlet_row(record: CircleRecord, ctx: ReadContext, row: dict, path: str, label: str) -> None:
    """The rules of one outlet row (`row`, the record's data at `path`)."""
    # a value the parser rejected is None here: it raises no second problem (jnqh.check.rules)
    outlets, chain, staff = row.get("outlets"), row.get("chain"), row.get("staff_10k")
    if outlets is not None and chain is not None and rules.CHAIN_NOT_OVER_OUTLETS.broken(chain, outlets):
        ctx.add_at("V-CHAIN-GT-OUTLETS", record.source(f"{path}.chain"), field=f"{path}.chain",
                   value=chain, row=label, chain=chain, outlets=outlets)
    if outlets is not None and staff is not None and rules.STAFF_PLAUSIBLE.broken(staff, outlets):
        ctx.add_at("V-STAFF-PEOPLE", record.source(f"{path}.staff_10k"), field=f"{path}.staff_10k",
                   value=plain_number(staff), row=label, converted=plain_number(staff / 10000))


def _totals(record: CircleRecord, ctx: ReadContext) -> bool:
    """Fill blank 合计 cells from the rows, compare filled ones; True when any was computed."""
    total, computed_any = record.data["total"], False
    rejected = _rejected_paths(record, ctx)
    for column_id in forms.OUTLET_NUMERIC:
        values = [row[column_id] for row in record.data["categories"].values() if row[column_id] is not None]
        if not values or any(f"categories.{cat}.{column_id}" in rejected for cat in record.data["categories"]):
            continue  # a rejected part is its own problem: the 合计 is not compared with the rest
        computed = round(sum(values), 6)
        if isinstance(values[0], int) and all(isinstance(v, int) for v in values):
            computed = int(computed)
        filled = total.get(column_id)
        if filled is None:
            total[column_id], computed_any = computed, True
        elif abs(filled - computed) > _EPSILON:
            ctx.add_at("V-TOTAL-MISMATCH", record.source(f"total.{column_id}"), field=f"total.{column_id}",
                       value=plain_number(filled), column=forms.OUTLET_COLUMN[column_id].label,
                       total=plain_number(filled), sum=plain_number(computed))
    return computed_any


def _rejected_paths(record: CircleRecord, ctx: ReadContext) -> set[str]:
    """The outlet fields of `record` whose value the parser rejected: empty, with an error at
    their cell (a value kept but questioned, like a chain count over the outlets, still adds up)."""
    rejected = set()
    for issue in ctx.found:
        source = record.source(issue.field) if issue.severity == ERROR and issue.field else None
        if source is not None and (source.sheet, source.cell) == (issue.sheet, issue.cell):
            cat, _, column = issue.field.removeprefix("categories.").partition(".")
            if issue.field.startswith("categories.") and (record.data["categories"].get(cat) or {}).get(column) is None:
                rejected.add(issue.field)
    return rejected


def _presence_consistency(record: CircleRecord, ctx: ReadContext) -> None:
    presence, categories = record.data["presence"], record.data["categories"]
    for cat, type_ids in _CATEGORY_TYPES:
        outlets = categories[cat.id].get("outlets")
        if outlets is None:
            continue
        for type_id in type_ids:  # labels and paths are made only for a problem found
            ticked = presence.get(type_id)
            if ticked is None:
                continue
            if not ticked and outlets > 0:
                path = f"presence.{type_id}"
                ctx.add_at("X-PRESENCE-NO-OUTLETS", record.source(path), field=path, value="无",
                           type=forms.PRESENCE[type_id].label, category=cat.label, outlets=outlets)
            elif ticked and outlets == 0:
                path = f"presence.{type_id}"
                ctx.add_at("X-OUTLETS-NO-PRESENCE", record.source(path), field=path, value="有",
                           type=forms.PRESENCE[type_id].label, category=cat.label)


_CATEGORY_TYPES = tuple((cat, cat.presence_types) for cat in forms.CATEGORIES if cat.presence_types)


# ---------------------------------------------------------------------------
# 附件6
# ---------------------------------------------------------------------------

_PRESENCE_LABELS = {label_key(s) for t in forms.PRESENCE_TYPES for s in (t.label, *t.variants)}


def validate_projects(projects: list[ProjectRecord], ctx: ReadContext, as_of: dict[str, str]) -> None:
    """Rules of each row, and uniqueness of names within a circle.

    `as_of` maps circle name → its 截至日期, against which overdue is judged; rows of
    unknown circles are judged against today.
    """
    seen: dict[tuple, ProjectRecord] = {}
    for project in projects:
        # a circle whose 截至日期 is not filled judges its projects against today, as the template does
        _project_rules(project, ctx, as_of.get(project.data.get("circle") or "") or ctx.today.isoformat())
        name, circle = project.data.get("name"), project.data.get("circle")
        if not name or not circle:
            continue  # a row whose circle is unknown cannot be a repeat within its circle
        key = (label_key(circle), label_key(name))
        if key in seen:
            ctx.add_at("P-DUPLICATE", project.sources.get("name"), field="project.name", value=name,
                       other_row=seen[key].row)
        else:
            seen[key] = project


def _project_rules(project: ProjectRecord, ctx: ReadContext, as_of: str) -> None:
    data, src = project.data, project.sources
    for spec in forms.PROJECT_FIELDS:
        if spec.required and not data.get(spec.id):
            source = src.get(spec.id) or _row_source(project)
            ctx.add_at("V-REQUIRED", source, field=f"project.{spec.id}", label=spec.label, hint="")
    total, invested = data.get("investment_10k_yuan"), data.get("invested_10k_yuan")
    if total is not None and invested is not None and rules.INVESTED_NOT_OVER_TOTAL.broken(invested, total):
        ctx.add_at("P-INVESTED-GT-TOTAL", src.get("invested_10k_yuan"), field="project.invested_10k_yuan",
                   value=plain_number(invested), invested=plain_number(invested), total=plain_number(total))
    start, finish = data.get("start"), data.get("planned_finish")
    if start and finish and finish < start:
        ctx.add_at("P-FINISH-BEFORE-START", src.get("planned_finish"), field="project.planned_finish",
                   value=finish, finish=finish, start=start)
    status = data.get("status")
    # Only a list that has the 实际完成时间 column can be asked to fill it (the seed's has not).
    if status == forms.STATUS_DONE and not data.get("finished") and "finished" in src:
        ctx.add_at("P-DONE-NO-DATE", src.get("finished") or src.get("status"), field="project.finished")
    if is_overdue(data, as_of):
        ctx.add_at("P-OVERDUE", src.get("status") or src.get("planned_finish"), field="project.status",
                   value=status or "未填", finish=finish, as_of=as_of, status=status or "未填",
                   name=data.get("name") or forms.NO_NAME, circle=data.get("circle"))
    category = data.get("category")
    if category and label_key(category) not in _PRESENCE_LABELS:
        ctx.add_at("P-CATEGORY", src.get("category"), field="project.category", value=category)


def is_overdue(project: dict, as_of: str) -> bool:
    """A past planned finish that is not 已完成 (shared with the reports)."""
    finish = project.get("planned_finish")
    return bool(finish) and project.get("status") != forms.STATUS_DONE and finish < as_of


def _row_source(project: ProjectRecord) -> Source:
    """Where a blank required column of a row is: the row itself when no column was found."""
    first = next(iter(project.sources.values()), None)
    return Source(project.sheet, f"A{project.row}") if first is None else first



def group_by_circle(projects: list[ProjectRecord]) -> dict[str, list[ProjectRecord]]:
    grouped: dict[str, list[ProjectRecord]] = defaultdict(list)
    for project in projects:
        grouped[project.data.get("circle") or ""].append(project)
    return grouped
