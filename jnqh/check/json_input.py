"""Check JSON as input: the records `jnqh check --format json` prints, edited by hand or made
by another system, read back through the same normalisation and rules as a workbook.

Each value is parsed by its field's kind as if it had been typed in a cell: a list where a
number belongs, or ``"elderly_services": 3``, is an issue at that field and the value is
left empty; ``"store_services": "打印复印、代扣代缴"`` is split like a cell (two kinds, not
seven characters). Then the workbook's rules run on the records. Nothing here raises on bad
data: a file that is not such a record is one F-JSON issue.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from jnqh import forms, issues
from jnqh.model import CircleRecord, FileReport, ProjectRecord, Source
from jnqh.read.context import ReadContext, parse_field, record_parse_problem
from jnqh.read.registry import Registry
from jnqh.check.validate import validate_circle, validate_projects

JOINED_KINDS = ("multi", "list", "number_list", "text")  # a JSON list of these reads like "a、b"


def load_check_json(path: Path, *, registry: Registry | None = None, today: dt.date | None = None) -> FileReport:
    """Every file entry of a check JSON document, merged into one checked report."""
    shown = str(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8-sig"))
        entries = payload["files"] if isinstance(payload, dict) and "files" in payload else [payload]
        raw_circles = [c for e in entries for c in _list(e, "circles")]
        raw_projects = [p for e in entries for p in _list(e, "projects")]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
        return FileReport(path=shown, sha256=None, unreadable=True,
                          issues=[issues.make("F-JSON", file=shown, reason=_reason(err))])
    ctx = ReadContext(file=shown, today=today or dt.date.today())
    circles = [_circle(raw, i, ctx) for i, raw in enumerate(raw_circles, start=1)]
    projects = [_project(raw, i, ctx) for i, raw in enumerate(raw_projects, start=1)]
    for circle in circles:
        validate_circle(circle, ctx, registry)
    validate_projects(projects, ctx, {c.name: c.data.get("as_of") for c in circles if c.name})
    return FileReport(path=shown, sha256=None, circles=circles, projects=projects, issues=ctx.found)


def _list(entry, key: str) -> list[dict]:
    items = entry.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TypeError(f"“{key}”应为记录的列表")
    return items


def _reason(err: Exception) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"第 {err.lineno} 行第 {err.colno} 列不是有效的 JSON"
    if isinstance(err, (OSError, UnicodeDecodeError)):
        return "文件无法按 UTF-8 读取"
    return str(err).strip("'\"") or "结构不对"


def _circle(raw: dict, index: int, ctx: ReadContext) -> CircleRecord:
    sheet = f"第{index}个生活圈"
    record = CircleRecord({}, sheet)
    data = record.data

    def parsed(spec, value, path: str):
        source = Source(sheet, "")
        record.sources[path] = source
        return _parse(spec, value, path, ctx, source)

    for spec in forms.CIRCLE_FIELDS:
        data[spec.id] = parsed(spec, raw.get(spec.id), spec.id)
    for part, rows in (("categories", {cat.id: cat for cat in forms.CATEGORIES}), ("total", None)):
        block = raw.get(part) if isinstance(raw.get(part), dict) else {}
        if rows is None:
            data["total"] = {c.id: parsed(c, block.get(c.id), f"total.{c.id}") for c in forms.OUTLET_COLUMNS}
            continue
        data["categories"] = {cat_id: {c.id: parsed(c, (block.get(cat_id) or {}).get(c.id),
                                                     f"categories.{cat_id}.{c.id}") for c in forms.OUTLET_COLUMNS}
                              for cat_id in rows}
    if isinstance(raw.get("presence"), dict):
        data["presence"] = {type_id: _tick(raw["presence"].get(type_id), f"presence.{type_id}", sheet, ctx)
                            for type_id in forms.PRESENCE if type_id in raw["presence"]}
    if isinstance(raw.get("service"), dict):
        data["service"] = {fid: parsed(spec, raw["service"][fid], f"service.{fid}")
                           for fid, spec in forms.SERVICE_FACT.items() if fid in raw["service"]}
        if "events" in raw["service"]:
            data["service"]["events"] = raw["service"]["events"]
    return record


def _project(raw: dict, index: int, ctx: ReadContext) -> ProjectRecord:
    project = ProjectRecord({}, f"第{index}个项目", index)
    for spec in forms.PROJECT_FIELDS:
        source = Source(project.sheet, "")
        project.sources[spec.id] = source
        project.data[spec.id] = _parse(spec, raw.get(spec.id), f"project.{spec.id}", ctx, source)
    return project


def _parse(spec, value, path: str, ctx: ReadContext, source: Source):
    """`value` as the field's kind reads a cell: option ids as their labels, lists joined as a
    person would type them, anything else as its text (and an issue if it is not right)."""
    labels = {o.id: o.label for o in getattr(spec, "options", ())}
    if isinstance(value, (list, tuple)):
        parts = [labels.get(v, v) if isinstance(v, str) else v for v in value]
        value = "、".join(str(v) for v in parts) if spec.kind in JOINED_KINDS else str(list(parts))
    elif isinstance(value, str):
        value = labels.get(value, value)
    elif isinstance(value, bool) and spec.kind != forms.YESNO:
        value = str(value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    result = parse_field(spec, value)
    record_parse_problem(ctx, result, spec, source, path, value)
    return result.value


def _tick(value, path: str, sheet: str, ctx: ReadContext) -> bool | None:
    """A 附件2 有/无 answer: a bool as it stands, anything else read like a 是/否 cell."""
    if value is None or isinstance(value, bool):
        return value
    return _parse(forms.Field(path, forms.field_label(path), forms.YESNO), value, path, ctx, Source(sheet, ""))
