"""A small weekly :class:`Run` built by hand, for the 通报 and e-mail tests.

Circles come from ``jnqh.samples`` and are scored by the real scorer; the county rows, the
targets and the changes are computed here the way the consolidation does, so the tests can
check that the 通报 prints exactly these numbers.
"""

from __future__ import annotations

import datetime as dt
import random
from statistics import mean

from jnqh import forms
from jnqh.consolidate.model import (
    CIRCLE_ACCEPTED, CIRCLE_UNMATCHED, FILE_ACCEPTED, FILE_UNREADABLE, Changes, CircleEntry, CountyRow,
    FileEntry, Run, Target,
)
from jnqh.registry import Contact, RegisteredCircle, Registry
from jnqh.rubric import Rubric
from jnqh.samples.circles import make_circle, make_projects
from jnqh.scoring import score_circle

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
    circles, projects, rows, files = [], [], [], []
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
        rows.append(_county_row(county, target, entries, county_projects))
        if entries:
            files.append(FileEntry(f"{county}/{county}_报送.xlsx", "ab" * 32, FILE_ACCEPTED, 1000,
                                   "2024-04-29T10:00:00", [c.name for c in entries], len(county_projects),
                                   errors=rows[-1].errors, county=county))
    files.append(FileEntry("邹城市/邹城_旧表.xlsx", None, FILE_UNREADABLE, 10, "2024-04-29T10:00:00",
                           reason="文件已损坏，无法打开", county="邹城市"))
    circles.append(CircleEntry("邹城无名生活圈", "邹城市", False, CIRCLE_UNMATCHED, "邹城市/邹城市_报送.xlsx",
                               "附件5", {"name": "邹城无名生活圈"}, nearest="邹城第3生活圈"))
    run = Run(as_of=AS_OF, number=1 if first else 3, generated="2024-05-06", files=files,
              circles=circles, projects=projects, counties=rows, missing_counties=["曲阜市"])
    run.type_counts = _type_counts(run)
    run.targets = _targets(run, first)
    run.changes = Changes() if first else _changes(run)
    run.outputs = {"workbook": f"{AS_OF}/济宁市一刻钟便民生活圈汇总_{run.date_tag}.xlsx"}
    return run


def _county_row(county: str, target: int, entries: list[CircleEntry], projects: list[dict]) -> CountyRow:
    by_type: dict[str, int] = {}
    for entry in entries:
        by_type[entry.final_type] = by_type.get(entry.final_type, 0) + 1
    presence = [e.score["presence"]["total"] for e in entries]
    service = [e.score["service"]["total"] for e in entries]
    return CountyRow(
        county=county, main_city=county in forms.MAIN_CITY_COUNTIES, target=target,
        submitted=len(entries), accepted=len(entries), by_type=by_type,
        presence_mean=round(mean(presence), 1) if presence else None,
        service_mean=round(mean(service), 1) if service else None,
        projects=len(projects), investment_10k_yuan=round(sum(p["investment_10k_yuan"] for p in projects), 1),
        invested_10k_yuan=round(sum(p["invested_10k_yuan"] for p in projects), 1),
        overdue=sum(1 for p in projects if p["overdue"]), files=1 if entries else 0,
        broken_files=1 if county == "邹城市" else 0, errors=3 if county == "兖州区" else 0,
    )


def _type_counts(run: Run) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in run.counties:
        for name, count in row.by_type.items():
            counts[name] = counts.get(name, 0) + count
    return counts


def _targets(run: Run, first: bool) -> list[Target]:
    accepted = run.accepted
    satisfaction = [c.data["total"]["satisfaction_pct"] for c in accepted
                    if c.data["total"].get("satisfaction_pct") is not None]
    typed = sum(1 for c in accepted if c.final_type != "未达标")
    main = sum(1 for c in accepted if c.main_city)
    previous = (None, None, None, None) if first else (7, 6, 92.0, None)
    return [
        Target("circles", "生活圈建设任务", forms.TARGET_CIRCLES, len(accepted), "个", previous[0]),
        Target("main_city", "主城区生活圈", forms.TARGET_MAIN_CITY, main, "个", previous[1]),
        Target("satisfaction", "居民满意度", forms.TARGET_SATISFACTION_PCT,
               round(mean(satisfaction), 1) if satisfaction else None, "%", previous[2]),
        Target("basic_share", "基本保障型生活圈占比", forms.TARGET_BASIC_SHARE_PCT,
               round(100 * typed / len(accepted), 1), "%", previous[3]),
    ]


def _changes(run: Run) -> Changes:
    return Changes(
        previous_as_of="2024-04-23", previous_no=2,
        new_circles=[("任城区", circle_name("任城区", 2)), ("任城区", circle_name("任城区", 3)),
                     ("兖州区", circle_name("兖州区", 3))],
        type_up=[("兖州区", circle_name("兖州区", 0), "提升型", "品质型")],
        type_down=[("任城区", circle_name("任城区", 1), "品质型", "提升型")],
        unmoved_counties=["邹城市"],
    )
