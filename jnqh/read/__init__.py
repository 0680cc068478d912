"""Reading one workbook into records: every form found by its labels, every value traced.

``read_file`` is the one entry point: it loads the workbook once (python-calamine, with
the safety checks of :mod:`jnqh.read.workbook`), indexes each sheet once, and hands the sheets
to the form readers (附件5 circles, 附件6 projects, then 附件2/附件3/活动 attached to the
circles). Problems are collected as issues; nothing here raises on bad data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from jnqh.model import CircleRecord, FileReport, ProjectRecord
from jnqh.normalize import circle_key, normalise_county
from jnqh.read.circle import find_blocks, is_unfilled, read_circle
from jnqh.read.context import ReadContext
from jnqh.read.extras import read_extras
from jnqh.read.locate import SheetIndex
from jnqh.read.pasted import rejoin_split_rows
from jnqh.read.projects import find_header, read_projects
from jnqh.batch import gc_paused
from jnqh.read.workbook import Book, Unreadable, load_book

if TYPE_CHECKING:
    from jnqh.read.registry import Registry


def read_file(path: Path, *, shown_as: str | None = None, registry: Registry | None = None,
              today: dt.date | None = None, data: bytes | None = None) -> FileReport:
    """Read one workbook: what it says, with the problems of reading it (a value that cannot be
    read, a label not found). The rules run after, as their own stage (jnqh.check.files).
    Never raises for a bad file: it is reported instead.

    `data`: the workbook's bytes when they come from an archive (`path` is then its name)."""
    shown = shown_as or path.name
    ctx = ReadContext(file=shown, today=today or dt.date.today())
    with gc_paused():
        # The workbook and its indexes are freed inside: only the report outlives the pause.
        report = _read_path(path, ctx, registry, data)
    report.path = shown
    return report


def _read_path(path: Path, ctx: ReadContext, registry: Registry | None, data: bytes | None) -> FileReport:
    try:
        book = load_book(path, data)
    except Unreadable as failure:
        # The technical detail (English, from the zip/OLE layer) goes to `value`, not the message.
        ctx.add(failure.code, value=(failure.detail or {}).get("reason"), **_unreadable_params(failure, path))
        return FileReport(path=ctx.file, sha256=None, issues=ctx.found, unreadable=True)
    return read_book(book, ctx, registry)


def read_book(book: Book, ctx: ReadContext, registry: Registry | None) -> FileReport:
    for grid in book.sheets:
        rejoin_split_rows(grid)  # a Word table pasted into Excel: its split rows made one again
    # What a person sees: a hidden sheet (last month's copy, say) is left out, and said so.
    indexes = [SheetIndex(grid) for grid in book.sheets if not grid.hidden]
    for grid in book.sheets:
        if grid.hidden:
            _report_hidden(SheetIndex(grid), ctx)
    circles, form_sheets, blank_forms = _read_circles(indexes, ctx)
    projects: list[ProjectRecord] = []
    for index in indexes:
        header = find_header(index)
        if header is not None:
            projects += read_projects(index, header, ctx)
    report = FileReport(path=ctx.file, sha256=book.sha256, circles=circles, projects=projects)
    if not circles and not projects:
        ctx.add("F-BLANK" if blank_forms else "F-NO-FORM")
        report.issues = ctx.found
        report.unreadable = True
        return report
    read_extras(indexes, circles, ctx, form_sheets)
    _assign_projects(projects, circles, ctx)
    report.issues = ctx.found
    return report


def _report_hidden(index: SheetIndex, ctx: ReadContext) -> None:
    """A warning for a hidden sheet that holds a form; other hidden sheets (lists) are nothing."""
    names = []
    for block in find_blocks(index):
        circle = read_circle(index, block, ReadContext(file=ctx.file, today=ctx.today))
        if not is_unfilled(circle):
            names.append(f"生活圈“{circle.name}”" if circle.name else "一个附件5")
    if find_header(index) is not None:
        names.append("附件6项目清单")
    if names:
        ctx.add("R-HIDDEN-SHEET", sheet=index.name, what="、".join(names))


def _read_circles(indexes: list[SheetIndex], ctx: ReadContext) -> tuple[list[CircleRecord], set[str], int]:
    """The filled 附件5 blocks of every sheet, the sheets they stand on, and the blank ones' count."""
    circles: list[CircleRecord] = []
    blank = 0
    form_sheets: set[str] = set()
    seen: dict[str, CircleRecord] = {}
    for index in indexes:
        for block in find_blocks(index):
            block_ctx = ReadContext(file=ctx.file, today=ctx.today)
            circle = read_circle(index, block, block_ctx)
            if is_unfilled(circle):
                blank += 1
                if circle.name:  # a prefilled circle nobody has filled in yet
                    ctx.add_at("R-BLANK-FORM", circle.source("name"), field="name", name=circle.name)
                continue
            ctx.found += block_ctx.found
            form_sheets.add(index.name)
            key = circle_key(circle.name or "")
            if key and key in seen:
                ctx.add_at("R-DUPLICATE-CIRCLE", circle.source("name"), field="name",
                           name=circle.name, other=seen[key].sheet)
                continue
            if key:
                seen[key] = circle
            circles.append(circle)
    return circles, form_sheets, blank


def _assign_projects(projects: list[ProjectRecord], circles: list[CircleRecord], ctx: ReadContext) -> None:
    """Give every project row its circle and county, as written or as the workbook implies."""
    by_key = {circle_key(c.name): c for c in circles if c.name}
    by_community: dict[str, CircleRecord | None] = {}
    for circle in circles:
        for community in circle.data.get("communities") or []:
            key = circle_key(community)
            # A community named in two circles says nothing about which one a project is in.
            by_community[key] = circle if by_community.get(key, circle) is circle else None
    for project in projects:
        circle = _project_circle(project, circles, by_key, by_community, ctx)
        if circle is not None:
            project.data["circle"] = circle.name
            project.data["county"] = normalise_county(project.data.get("county")) or circle.data.get("county")


def _project_circle(project: ProjectRecord, circles: list[CircleRecord], by_key: dict,
                    by_community: dict, ctx: ReadContext) -> CircleRecord | None:
    data, sources = project.data, project.sources
    if data.get("circle"):
        circle = by_key.get(circle_key(data["circle"]))
        if circle is None and circles:
            ctx.add_at("P-CIRCLE-UNKNOWN", sources.get("circle"), field="project.circle", value=data["circle"])
        return circle
    if len(circles) <= 1:
        return circles[0] if circles else None
    community = data.get("community") or ""
    key = circle_key(community)
    if key in by_community and by_community[key] is None:
        ctx.add_at("P-COMMUNITY-AMBIGUOUS", sources.get("community"), field="project.community", value=community)
    elif key not in by_community and community:
        ctx.add_at("P-COMMUNITY-UNKNOWN", sources.get("community"), field="project.community", value=community)
    return by_community.get(key)


def _unreadable_params(failure: Unreadable, path: Path) -> dict:
    params = dict(failure.detail or {})
    params.setdefault("ext", path.suffix or "（无扩展名）")
    params.pop("reason", None)
    return params
