"""Reading one workbook into records: every form found by its labels, every value traced.

``read_file`` is the one entry point: it loads the workbook once (python-calamine, with
the safety checks of :mod:`jnqh.workbook`), indexes each sheet once, and hands the sheets
to the form readers (附件5 circles, 附件6 projects, then 附件2/附件3/活动 attached to the
circles). Problems are collected as issues; nothing here raises on bad data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jnqh.model import CircleRecord, FileReport, ProjectRecord
from jnqh.read.circle import find_blocks, read_circle
from jnqh.read.context import ReadContext
from jnqh.read.extras import read_extras
from jnqh.read.locate import SheetIndex
from jnqh.read.projects import find_header, read_projects
from jnqh.registry import Registry, circle_key
from jnqh.validate import validate_circle, validate_projects
from jnqh.workbook import Book, Unreadable, load_book


def read_file(path: Path, *, shown_as: str | None = None, registry: Registry | None = None,
              today: dt.date | None = None) -> FileReport:
    """Read and check one workbook. Never raises for a bad file: it is reported instead."""
    shown = shown_as or path.name
    ctx = ReadContext(file=shown, today=today or dt.date.today())
    try:
        book = load_book(path)
    except Unreadable as failure:
        ctx.add(failure.code, **_unreadable_params(failure, path))
        return FileReport(path=shown, sha256=None, issues=ctx.found, unreadable=True)
    report = read_book(book, ctx, registry)
    report.path = shown
    return report


def read_book(book: Book, ctx: ReadContext, registry: Registry | None) -> FileReport:
    indexes = [SheetIndex(grid) for grid in book.sheets]
    circles, form_sheets = _read_circles(indexes, ctx)
    projects: list[ProjectRecord] = []
    for index in indexes:
        header = find_header(index)
        if header is not None:
            projects += read_projects(index, header, ctx)
    report = FileReport(path=ctx.file, sha256=book.sha256, circles=circles, projects=projects)
    if not circles and not projects:
        ctx.add("F-NO-FORM")
        report.issues = ctx.found
        report.unreadable = True
        return report
    read_extras(indexes, circles, ctx, form_sheets)
    _assign_projects(projects, circles, ctx)
    for circle in circles:
        validate_circle(circle, ctx, registry)
    validate_projects(projects, ctx, {c.name: c.data.get("as_of") for c in circles
                                      if c.name and c.data.get("as_of")})
    report.issues = ctx.found
    return report


def _read_circles(indexes: list[SheetIndex], ctx: ReadContext) -> tuple[list[CircleRecord], set[str]]:
    circles: list[CircleRecord] = []
    form_sheets: set[str] = set()
    seen: dict[str, CircleRecord] = {}
    for index in indexes:
        for block in find_blocks(index):
            circle = read_circle(index, block, ctx)
            form_sheets.add(index.name)
            key = circle_key(circle.name or "")
            if key and key in seen:
                ctx.add_at("R-DUPLICATE-CIRCLE", circle.source("name"), field="name",
                           name=circle.name, other=seen[key].sheet)
                continue
            if key:
                seen[key] = circle
            circles.append(circle)
    return circles, form_sheets


def _assign_projects(projects: list[ProjectRecord], circles: list[CircleRecord], ctx: ReadContext) -> None:
    """Give every project row its circle and county, as written or as the workbook implies."""
    by_key = {circle_key(c.name): c for c in circles if c.name}
    by_community = {}
    for circle in circles:
        for community in circle.data.get("communities") or []:
            by_community.setdefault(circle_key(community), circle)
    for project in projects:
        data = project.data
        circle = by_key.get(circle_key(data.get("circle") or "")) if data.get("circle") else None
        if circle is None and not data.get("circle"):
            circle = circles[0] if len(circles) == 1 else by_community.get(circle_key(data.get("community") or ""))
        if circle is None:
            if circles:
                ctx.add_at("P-CIRCLE-UNKNOWN", project.sources.get("circle") or project.sources.get("name"),
                           field="project.circle", value=data.get("circle") or data.get("community") or "")
            continue
        data["circle"] = circle.name
        data["county"] = data.get("county") or circle.data.get("county")


def _unreadable_params(failure: Unreadable, path: Path) -> dict:
    params = dict(failure.detail or {})
    params.setdefault("ext", path.suffix or "（无扩展名）")
    params.setdefault("reason", "")
    return params
