"""A small weekly :class:`Run` built by hand, for the 通报 and e-mail tests.

Circles come from ``jnqh.samples`` and are scored by the real scorer; the figures are the
figures stage's own (:func:`jnqh.consolidate.figures.compute`), so the tests can check that
the 通报 prints exactly these numbers.
"""

from __future__ import annotations

import datetime as dt
import random

from jnqh import forms
from jnqh.consolidate import figures
from jnqh.consolidate.model import (
    CIRCLE_ACCEPTED, CIRCLE_UNMATCHED, FILE_ACCEPTED, FILE_UNREADABLE, Changes, CircleEntry, FileEntry, Run,
)
from jnqh.issues import ERROR, Issue
from jnqh.read.registry import Contact, RegisteredCircle, Registry
from jnqh.score.rubric import Rubric
from jnqh.samples.circles import make_circle, make_projects
from jnqh.score.items import score_circle
from jnqh.targets import DEFAULT_TARGETS

AS_OF = dt.date(2024, 4, 30)
# county → (registered circles, levels of the accepted ones)
PLAN = {
    "任城区": (6, ("excellent", "good", "pass", "weak")),
    "兖州区": (5, ("excellent", "good", "good", "pass")),
    "曲阜市": (4, ()),  # sent nothing
    "邹城市": (3, ("good", "weak")),  # and an unreadable file
}


def circle_name(county: str, index: int) -> str:
    return f"{county[:2]}第{index + 1}生活圈"


def sample_registry(with_addresses: bool = True) -> Registry:
    circles = [RegisteredCircle(county, circle_name(county, i), county in forms.MAIN_CITY_COUNTIES)
               for county, (target, _) in PLAN.items() for i in range(target)]
    contacts = [
        Contact("任城区", "张明", "rencheng@example.cn", "0537-1"),
        Contact("任城区", "李华", "rencheng2@example.cn; ", "0537-2"),
        Contact("兖州区", "王强", "yanzhou@example.cn", None),
        Contact("邹城市", "赵丽", "zoucheng@example.cn", None),
        Contact("曲阜市", "孙伟", None, "0537-3") if not with_addresses else
        Contact("曲阜市", "孙伟", "qufu@example.cn", "0537-3"),
    ]
    return Registry(circles, contacts, source="测试名册")


def sample_run(first: bool = False) -> Run:
    rng = random.Random(20240430)
    rubric = Rubric()
    circles, projects, files = [], [], []
    for county, (target, levels) in PLAN.items():
        entries, county_projects = [], []
        for index, level in enumerate(levels):
            data = make_circle(rng, name=circle_name(county, index), county=county, as_of=AS_OF, level=level)
            made = make_projects(rng, data, AS_OF)
            data["score"] = score_circle(data, rubric, projects=made)
            for project in made:
                project["overdue"] = (project["status"] != forms.STATUS_DONE
                                      and project["planned_finish"] < AS_OF.isoformat())
            entries.append(CircleEntry(data["name"], county, county in forms.MAIN_CITY_COUNTIES,
                                       CIRCLE_ACCEPTED, f"{county}/{county}_报送.xlsx", "附件5", data))
            county_projects += made
        circles += entries
        projects += county_projects
        if entries:
            files.append(FileEntry(f"{county}/{county}_报送.xlsx", "ab" * 32, FILE_ACCEPTED, 1000,
                                   "2024-04-29T10:00:00", [c.name for c in entries], len(county_projects),
                                   errors=3 if county == "兖州区" else 0, county=county))
    files.append(FileEntry("邹城市/邹城_旧表.xlsx", None, FILE_UNREADABLE, 10, "2024-04-29T10:00:00",
                           reason="文件已损坏，无法打开", county="邹城市"))
    circles.append(CircleEntry("邹城无名生活圈", "邹城市", False, CIRCLE_UNMATCHED, "邹城市/邹城市_报送.xlsx",
                               "附件5", {"name": "邹城无名生活圈"}, nearest="邹城第3生活圈"))
    run = Run(as_of=AS_OF, number=1 if first else 3, generated="2024-05-06", files=files,
              circles=circles, projects=projects, issues=_issues())
    previous = None if first else {"targets": [{"key": "circles", "actual": 7}, {"key": "main_city", "actual": 6},
                                               {"key": "satisfaction", "actual": 92.0}]}
    figures.compute(run, sample_registry(), DEFAULT_TARGETS, previous, [])
    run.changes = Changes() if first else _changes(run)
    run.outputs = {"workbook": f"{AS_OF}/济宁市一刻钟便民生活圈汇总_{run.date_tag}.xlsx"}
    return run


def _issues() -> list[Issue]:
    """Three errors in 兖州区's file."""
    return [Issue("V-REQUIRED", ERROR, "兖州区/兖州区_报送.xlsx", "附件5", f"B{row}", "boundaries",
                  "“四至范围”没有填写", "请填写“四至范围”") for row in (7, 8, 9)]


def _changes(run: Run) -> Changes:
    return Changes(
        previous_as_of="2024-04-23", previous_no=2,
        new_circles=[("任城区", circle_name("任城区", 2)), ("任城区", circle_name("任城区", 3)),
                     ("兖州区", circle_name("兖州区", 3))],
        type_up=[("兖州区", circle_name("兖州区", 0), "提升型", "品质型")],
        type_down=[("任城区", circle_name("任城区", 1), "品质型", "提升型")],
        unmoved_counties=["邹城市"],
    )
