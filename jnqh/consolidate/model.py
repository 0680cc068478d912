"""What a weekly run knows, as plain records every output reads.

The consolidated workbook, the upward report, the county feedback, ``run.json``, the 通报
and the emails are all renderings of one :class:`Run`. Numbers are computed once, here or
in :mod:`jnqh.consolidate.figures`, never again by a renderer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jnqh.consolidate.status import (
    CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED, CIRCLE_UNMATCHED, FILE_ACCEPTED, FILE_CONVERT, FILE_NO_CIRCLES,
    FILE_SUPERSEDED, FILE_UNREADABLE,
)
from jnqh.check.flags import round_half_up
from jnqh.issues import Issue

FILE_STATUS_LABEL = {
    FILE_ACCEPTED: "已采用", FILE_SUPERSEDED: "已被新报送替代",
    FILE_UNREADABLE: "无法读取", FILE_NO_CIRCLES: "无生活圈数据", FILE_CONVERT: "需另存为 xlsx",
}

CIRCLE_STATUS_LABEL = {CIRCLE_ACCEPTED: "已采用", CIRCLE_SUPERSEDED: "已被替代", CIRCLE_UNMATCHED: "名册中无此生活圈"}


@dataclass
class FileEntry:
    path: str  # relative to the inbox, with '/' separators
    sha256: str | None
    status: str
    size: int
    modified: str  # ISO timestamp of the file's mtime (for "newest file wins")
    circles: list[str] = field(default_factory=list)  # names of the circles it held
    projects: int = 0
    errors: int = 0
    warnings: int = 0
    reason: str = ""  # why unreadable / superseded, in Chinese
    county: str | None = None  # the county its circles belong to (first one)
    reused: bool = False  # unchanged since the last run: taken from the history store


@dataclass
class CircleEntry:
    """One submitted circle: its data (with `score`), where it came from, its standing."""

    name: str  # the registry's name when matched, else as submitted
    county: str | None
    main_city: bool
    status: str
    file: str  # FileEntry.path
    sheet: str
    data: dict  # the CIRCLE of the JSON contract, with `score` added
    superseded_by: str | None = None  # file that replaced it
    nearest: str | None = None  # for unmatched: the nearest registry name
    survey: dict | None = None  # the 附件4 summary used for it, if any
    flags: dict[str, dict] = field(default_factory=dict)  # field path → the error on it (jnqh.check.flags)

    @property
    def score(self) -> dict:
        return self.data.get("score") or {}

    @property
    def final_type(self) -> str | None:
        return self.score.get("final_type")


@dataclass
class CountyRow:
    """One county's figures (or the city's: county 全市), computed in jnqh.consolidate.figures."""

    county: str
    main_city: bool
    target: int  # circles in the registry
    submitted: int  # registry circles with any submission
    accepted: int  # circles counted (matched, newest)
    by_type: dict[str, int]  # final type → count of accepted circles
    presence_mean: float | None  # over the accepted circles that filled 附件2 (presence_n)
    service_mean: float | None  # over the accepted circles that filled 附件3 (service_n)
    projects: int
    investment_10k_yuan: float | None  # None: no project filled it
    invested_10k_yuan: float | None
    overdue: int
    files: int  # files that arrived for it
    broken_files: int  # unreadable files attributed to it (by folder or file name)
    errors: int  # error issues in its files in use
    contacts: list[str] = field(default_factory=list)  # e-mail addresses
    warnings: int = 0
    built: int = 0  # accepted circles of 基础型 or better
    built_pct: float | None = None  # 建成率: built ÷ target
    submitted_pct: float | None = None  # 报送率: submitted ÷ target
    presence_n: int = 0
    service_n: int = 0
    flagged_circles: int = 0  # accepted circles with a value left out for an error
    not_typed_reason: str | None = None  # why every circle is 未达标, when it is the data's
    rank: int | None = None  # 1 = best; equal figures share a rank


@dataclass
class Target:
    """One target and where the city stands (computed in jnqh.consolidate.figures)."""

    key: str
    label: str
    target: float
    actual: float | None
    unit: str  # 个 | %
    previous: float | None = None  # the same figure in the previous run
    deadline: str | None = None  # ISO date
    measure: str = ""  # circles | main_city | satisfaction | basic_share
    n: int = 0  # circles the figure covers
    note: str = ""  # which circles it leaves out, and why
    gap: float | None = None  # how far the actual is below the target (0 when met)
    share_pct: float | None = None  # actual ÷ target, for counts
    passed: bool | None = None  # the deadline is before the period's 截至日期
    months_left: int | None = None
    days_left: int | None = None  # negative once passed

    @property
    def met(self) -> bool:
        return self.actual is not None and self.actual >= self.target

    @property
    def change(self) -> float | None:
        if self.actual is None or self.previous is None:
            return None
        return round_half_up(self.actual - self.previous)


@dataclass
class Changes:
    """What moved since the previous run (empty on the first run)."""

    previous_as_of: str | None = None
    previous_no: int | None = None
    new_circles: list[tuple[str, str]] = field(default_factory=list)  # (county, circle)
    type_up: list[tuple[str, str, str, str]] = field(default_factory=list)  # (county, circle, old, new)
    type_down: list[tuple[str, str, str, str]] = field(default_factory=list)
    unmoved_counties: list[str] = field(default_factory=list)  # accepted count did not change
    dropped: list[tuple[str, str]] = field(default_factory=list)  # counted before, not now


@dataclass
class Run:
    as_of: dt.date
    number: int  # 第N期
    generated: str  # ISO date the run was made on (no clock time: outputs stay deterministic)
    files: list[FileEntry] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # non-spreadsheets in the inbox
    locks: list[str] = field(default_factory=list)
    circles: list[CircleEntry] = field(default_factory=list)  # every submitted circle
    projects: list[dict] = field(default_factory=list)  # 附件6 rows of accepted files, + `overdue`
    issues: list[Issue] = field(default_factory=list)  # every problem of every file
    counties: list[CountyRow] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    type_counts: dict[str, int] = field(default_factory=dict)
    changes: Changes = field(default_factory=Changes)
    missing_counties: list[str] = field(default_factory=list)  # sent nothing at all
    city: CountyRow | None = None  # the 全市 row
    city_form5: dict = field(default_factory=dict)  # the 全市合计 附件5 (figures.city_total)
    pending: list[dict] = field(default_factory=list)  # 待核实: values left out for an error
    trend: list[dict] = field(default_factory=list)  # one row per period, this one last (figures.trend)
    reply_by: str | None = None  # ISO date by which counties are asked to resubmit
    outputs: dict[str, str] = field(default_factory=dict)  # output kind → path (relative to outbox)

    @property
    def accepted(self) -> list[CircleEntry]:
        return [c for c in self.circles if c.status == CIRCLE_ACCEPTED]

    def accepted_of(self, county: str) -> list[CircleEntry]:
        return [c for c in self.accepted if c.county == county]

    def issues_of(self, county: str) -> list[Issue]:
        files = {f.path for f in self.files if f.county == county}
        return [i for i in self.issues if i.file in files]

    def projects_of(self, county: str) -> list[dict]:
        return [p for p in self.projects if p.get("county") == county]

    @property
    def date_tag(self) -> str:
        return self.as_of.strftime("%Y%m%d")
