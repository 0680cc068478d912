"""Step 5's numbers, computed once: per-county rows, the plan's targets, the type mix, and
what changed since the previous run. Every output renders these; none recomputes them.

Readings of the plan's targets (design, documented in docs/说明.md):
- 完成 N 个生活圈: circles accepted whose final type is 基础型 or better (建成).
- 试点区域居民满意度 ≥ 95 %: the residents-weighted mean of the circles' satisfaction.
- 基本保障型生活圈 ≥ 90 %: the share of accepted circles earning the 附件2 basic points.
"""

from __future__ import annotations

from statistics import mean

from jnqh import forms
from jnqh.consolidate.matching import basic_complete, circle_satisfaction
from jnqh.consolidate.model import CircleEntry, Changes, CountyRow, Run, Target
from jnqh.registry import Registry
from jnqh.rubric import NOT_TYPED, TYPES


def county_rows(run: Run, registry: Registry) -> list[CountyRow]:
    rows = []
    for county in registry.counties:
        accepted = run.accepted_of(county)
        submitted = {c.name for c in run.circles if c.county == county}
        files = [f for f in run.files if f.county == county]
        projects = run.projects_of(county)
        rows.append(CountyRow(
            county=county, main_city=registry.is_main_city(county),
            target=len(registry.circles_of(county)), submitted=len(submitted), accepted=len(accepted),
            by_type={t: sum(1 for c in accepted if c.final_type == t) for t in reversed(TYPES)},
            presence_mean=_mean_score(accepted, "presence"), service_mean=_mean_score(accepted, "service"),
            projects=len(projects),
            investment_10k_yuan=round(sum(p.get("investment_10k_yuan") or 0 for p in projects), 2),
            invested_10k_yuan=round(sum(p.get("invested_10k_yuan") or 0 for p in projects), 2),
            overdue=sum(1 for p in projects if p.get("overdue")),
            files=len(files), broken_files=sum(1 for f in files if f.status in ("unreadable", "convert")),
            errors=sum(f.errors for f in files),
            contacts=[c.email for c in registry.contacts_of(county) if c.email],
        ))
    return rows


def _mean_score(circles: list[CircleEntry], part: str) -> float | None:
    totals = [c.score[part]["total"] for c in circles if c.score.get(part)]
    return round(mean(totals), 1) if totals else None


def built(circle: CircleEntry) -> bool:
    return circle.final_type not in (None, NOT_TYPED)


def targets(run: Run, previous: dict | None) -> list[Target]:
    accepted = run.accepted
    weights = [(circle_satisfaction(c.data), c.data.get("residents_10k") or 1) for c in accepted]
    weights = [(s, w) for s, w in weights if s is not None]
    satisfaction = round(sum(s * w for s, w in weights) / sum(w for _, w in weights), 1) if weights else None
    basic = round(100 * sum(basic_complete(c.data) for c in accepted) / len(accepted), 1) if accepted else None
    old = {t["key"]: t.get("actual") for t in (previous or {}).get("targets", [])}
    figures = (
        ("circles", "全市建成一刻钟便民生活圈", forms.TARGET_CIRCLES, sum(built(c) for c in accepted), "个"),
        ("main_city", "其中主城区", forms.TARGET_MAIN_CITY, sum(built(c) for c in accepted if c.main_city), "个"),
        ("satisfaction", "试点区域居民满意度", forms.TARGET_SATISFACTION_PCT, satisfaction, "%"),
        ("basic_share", "基本保障型生活圈占比", forms.TARGET_BASIC_SHARE_PCT, basic, "%"),
    )
    return [Target(key, label, target, actual, unit, old.get(key)) for key, label, target, actual, unit in figures]


def type_counts(run: Run) -> dict[str, int]:
    return {t: sum(1 for c in run.accepted if c.final_type == t) for t in reversed(TYPES)}


def changes(run: Run, previous: dict | None, previous_circles: list[dict]) -> Changes:
    """New circles, type changes and counties that did not move since `previous`."""
    if previous is None:
        return Changes()
    before = {c["name"]: c for c in previous_circles if c["status"] == "accepted"}
    result = Changes(previous_as_of=previous.get("as_of"), previous_no=previous.get("number"))
    now = {c.name: c for c in run.accepted}
    for name, circle in sorted(now.items(), key=lambda kv: (kv[1].county or "", kv[0])):
        old = before.get(name)
        if old is None:
            result.new_circles.append((circle.county, name))
        elif old["final_type"] != circle.final_type and old["final_type"] in TYPES and circle.final_type in TYPES:
            move = (circle.county, name, old["final_type"], circle.final_type)
            up = TYPES.index(circle.final_type) > TYPES.index(old["final_type"])
            (result.type_up if up else result.type_down).append(move)
    result.dropped = sorted((c["county"], n) for n, c in before.items() if n not in now)
    moved = {c for c, *_ in result.new_circles + result.type_up + result.type_down + result.dropped}
    result.unmoved_counties = [row.county for row in run.counties if row.county not in moved]
    return result
