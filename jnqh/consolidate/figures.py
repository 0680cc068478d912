"""The figures stage: every number any output of a weekly run shows, computed here once.

The consolidated, feedback and upward workbooks, ``run.json``, the 通报 and the mails only
lay these figures out. Each is defined once (docs/说明.md, “数字的口径”):

- **已报送** — registry circles with any submission (a circle not in the registry is not one);
  **已采用** — those counted, the newest submission of each.
- **建成** — accepted circles whose final type is 基础型 or better; **建成率** = 建成 ÷ 目标数,
  **报送率** = 已报送 ÷ 目标数.
- **排名** — by 建成率, then the mean service score, ties sharing a rank (1, 2, 2, 4); equal
  counties are listed in the city's order of counties.
- **业态均分 / 服务均分** — means over the accepted circles that filled 附件2 / 附件3 (a form
  not filled is not a zero), with how many circles they cover.
- **居民满意度** (city) — the residents-weighted mean over accepted circles whose satisfaction
  and residents are both filled and carry no error, with that n.
- **基本保障型占比** — accepted circles earning the 附件2 basic points, over those that filled 附件2.
- **错误 / 提醒** — the issues of the files in use (not of superseded or unreadable files,
  which are counted as files).
- A value with an error on it (:mod:`jnqh.check.flags`) is in none of these; the figure says how
  many circles it left out, and the value is listed as 待核实 for the upward report.
- Every percent, score and mean is rounded once, 四舍五入, to one decimal.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from jnqh import forms
from jnqh.consolidate.model import (
    CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED, CIRCLE_UNMATCHED, FILE_ACCEPTED, FILE_CONVERT, FILE_NO_CIRCLES,
    FILE_SUPERSEDED, FILE_UNREADABLE, Changes, CircleEntry, CountyRow, Run, Target,
)
from jnqh.check.flags import round_half_up, usable
from jnqh.issues import ERROR
from jnqh.read.registry import Registry
from jnqh.score.rubric import NOT_TYPED, TYPES
from jnqh.targets import TargetSpec, months_between

CITY_LABEL = "全市"
IN_USE = (FILE_ACCEPTED, FILE_NO_CIRCLES)  # files whose problems count
BROKEN = (FILE_UNREADABLE, FILE_CONVERT)
SHOWN_NAMES = 3  # counties named as leading / lagging
RESIDENTS, SATISFACTION = "residents_10k", "total.satisfaction_pct"
SERVICE_SATISFACTION = ("service.business_satisfaction_pct", "service.service_satisfaction_pct")
# Why every circle of a county can be 未达标 for a reason of the data, not of the circle.
NOT_FILLED_REASONS = (("presence", "附件2（业态“有没有”）未填写"), ("service", "附件3（服务“好不好”）未填写"))


def compute(run: Run, registry: Registry, specs: tuple[TargetSpec, ...], previous: dict | None,
            previous_circles: list[dict], earlier: list[dict] = (), reply_days: int = 7) -> None:
    """Fill every figure of `run` (its circles, files, issues and projects are in place);
    `earlier` are the run summaries of the earlier periods, oldest first (for the trend);
    counties are asked to resubmit within `reply_days` of the 通报."""
    run.counties = rank(county_rows(run, registry))
    run.city = city_row(run)
    run.missing_counties = [row.county for row in run.counties if row.target and row.files == 0]
    run.type_counts = type_counts(run)
    run.targets = targets(run, specs, previous)
    run.changes = changes(run, previous, previous_circles)
    run.city_form5 = city_total(run)
    run.pending = pending(run)
    run.trend = trend(run, earlier)
    run.reply_by = (dt.date.fromisoformat(run.generated[:10]) + dt.timedelta(days=reply_days)).isoformat()


# ---------------------------------------------------------------------------
# One circle's usable figures
# ---------------------------------------------------------------------------


def clean(circle: CircleEntry) -> dict:
    """The circle's data without its flagged values: what every figure reads."""
    return usable(circle.data, circle.flags)


def built(circle: CircleEntry) -> bool:
    return circle.final_type not in (None, NOT_TYPED)


def satisfaction(circle: CircleEntry) -> float | None:
    """The circle's residents' satisfaction: 附件5 合计, else the mean of the 附件3 figures."""
    data = clean(circle)
    total = (data.get("total") or {}).get("satisfaction_pct")
    if _number(total) is not None:
        return total
    service = data.get("service") or {}
    filed = [_number(service.get(k.split(".", 1)[1])) for k in SERVICE_SATISFACTION]
    filed = [v for v in filed if v is not None]
    return sum(filed) / len(filed) if filed else None


def satisfaction_flagged(circle: CircleEntry) -> bool:
    return any(path in circle.flags for path in (RESIDENTS, SATISFACTION, *SERVICE_SATISFACTION))


def chain_share(circle: CircleEntry) -> float | None:
    """连锁化率 in percent: 合计 chain ÷ 合计 outlets of the usable values (a flagged 合计 gives none)."""
    total = clean(circle).get("total") or {}
    chain, outlets = _number(total.get("chain")), _number(total.get("outlets"))
    return pct(chain, outlets) if chain is not None and outlets and outlets > 0 else None


def filled(circle: CircleEntry, form: str) -> bool:
    """Whether the county filled 附件2 (`presence`) or 附件3 (`service`) for the circle."""
    return bool(circle.data.get(form))


def basic_complete(circle: CircleEntry) -> bool:
    """基本保障型: the circle earns the 附件2 basic-guarantee points."""
    return bool((circle.score.get("presence") or {}).get("basic"))


def _number(value) -> float | None:
    return value if type(value) in (int, float) else None


def pct(part: int | float, whole: int | float) -> float | None:
    return round_half_up(100 * part / whole) if whole else None


def mean(values: list[float]) -> float | None:
    return round_half_up(sum(values) / len(values)) if values else None


# ---------------------------------------------------------------------------
# County rows, the city row, the ranking
# ---------------------------------------------------------------------------


def county_rows(run: Run, registry: Registry) -> list[CountyRow]:
    return [_row(run, county, len(registry.circles_of(county)), registry.is_main_city(county),
                 [c.email for c in registry.contacts_of(county) if c.email]) for county in registry.counties]


def city_row(run: Run) -> CountyRow:
    """全市: the same figures over every circle and file (means over circles, not of means)."""
    row = _row(run, None, sum(r.target for r in run.counties), False, [])
    row.county = CITY_LABEL
    return row


def _row(run: Run, county: str | None, target: int, main_city: bool, contacts: list[str]) -> CountyRow:
    """One county's figures (`county` None: the whole city)."""
    mine = [c for c in run.circles if county is None or c.county == county]
    accepted = [c for c in mine if c.status == CIRCLE_ACCEPTED]
    submitted = len({c.name for c in mine if c.status in (CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED)})
    files = [f for f in run.files if county is None or f.county == county]
    in_use = {f.path for f in files if f.status in IN_USE}
    projects = [p for p in run.projects if county is None or p.get("county") == county]
    presence = [c.score["presence"]["total"] for c in accepted if filled(c, "presence") and c.score.get("presence")]
    service = [c.score["service"]["total"] for c in accepted if filled(c, "service") and c.score.get("service")]
    issues = [i for i in run.issues if i.file in in_use]
    built_count = sum(built(c) for c in accepted)
    return CountyRow(
        county=county, main_city=main_city, target=target, submitted=submitted, accepted=len(accepted),
        by_type={t: sum(1 for c in accepted if c.final_type == t) for t in reversed(TYPES)},
        presence_mean=mean(presence), service_mean=mean(service),
        projects=len(projects), investment_10k_yuan=_money(projects, "investment_10k_yuan"),
        invested_10k_yuan=_money(projects, "invested_10k_yuan"),
        overdue=sum(1 for p in projects if p.get("overdue")),
        files=len(files), broken_files=sum(1 for f in files if f.status in BROKEN),
        errors=sum(1 for i in issues if i.severity == ERROR),
        warnings=sum(1 for i in issues if i.severity != ERROR),
        contacts=contacts, built=built_count, built_pct=pct(built_count, target),
        submitted_pct=pct(submitted, target), presence_n=len(presence), service_n=len(service),
        flagged_circles=sum(1 for c in accepted if c.flags),
        not_typed_reason=_not_typed_reason(accepted),
    )


def _money(projects: list[dict], key: str) -> float | None:
    """A sum of 万元 over the projects that filled it without error; None when none did."""
    values = [p.get(key) for p in projects if key not in (p.get("flags") or {})]
    values = [v for v in values if _number(v) is not None]
    return round_half_up(sum(values), 2) if values else None


def _not_typed_reason(accepted: list[CircleEntry]) -> str | None:
    """Where every accepted circle is 未达标 because a form was not filled: which one."""
    if not accepted or any(built(c) for c in accepted):
        return None
    for form, reason in NOT_FILLED_REASONS:
        if not any(filled(c, form) for c in accepted):
            return reason
    return None


def rank_key(row: CountyRow) -> tuple:
    """Higher is better: 建成率 (exact, not rounded), then the service mean as shown."""
    return (Fraction(row.built, row.target), row.service_mean if row.service_mean is not None else -1.0)


def rank(rows: list[CountyRow]) -> list[CountyRow]:
    """The rows with their rank, in the city's order; equal keys share a rank (1, 2, 2, 4).
    A county with no circles in the registry has nothing to be ranked on (rank None)."""
    order = {name: i for i, name in enumerate(forms.COUNTIES)}
    ranked = sorted((r for r in rows if r.target),
                    key=lambda r: (tuple(-k for k in rank_key(r)), order.get(r.county, len(order)), r.county))
    previous, current = None, 0
    for position, row in enumerate(ranked, start=1):
        if rank_key(row) != previous:
            current, previous = position, rank_key(row)
        row.rank = current
    return rows


def ranked(run: Run) -> list[CountyRow]:
    """The ranked county rows best first, as the 通报's table lists them."""
    order = {name: i for i, name in enumerate(forms.COUNTIES)}
    return sorted((r for r in run.counties if r.rank is not None),
                  key=lambda r: (r.rank, order.get(r.county, len(order)), r.county))


def leading_and_lagging(run: Run) -> dict[str, list[str]]:
    """The first counties above the city's 建成率 and the last below it; counties whose every
    circle is 未达标 are always among the lagging, worst first."""
    city = run.city.built_pct if run.city else None
    rows = ranked(run)
    ahead = [r.county for r in rows if city is not None and (r.built_pct or 0) > city]
    behind = [r.county for r in reversed(rows) if city is not None and (r.built_pct or 0) < city]
    none_built = [r.county for r in reversed(rows) if r.accepted and r.built == 0]
    lagging = list(dict.fromkeys([*none_built, *behind[:SHOWN_NAMES]]))
    return {"leading": ahead[:SHOWN_NAMES], "lagging": lagging}


def type_counts(run: Run) -> dict[str, int]:
    return {t: sum(1 for c in run.accepted if c.final_type == t) for t in reversed(TYPES)}


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------


def targets(run: Run, specs: tuple[TargetSpec, ...], previous: dict | None) -> list[Target]:
    old = {t["key"]: t.get("actual") for t in (previous or {}).get("targets", [])}
    measures = {"circles": _built_figure(run, main_only=False), "main_city": _built_figure(run, main_only=True),
                "satisfaction": _satisfaction_figure(run), "basic_share": _basic_figure(run)}
    return [_target(spec, *measures[spec.measure], run.as_of, old.get(spec.key)) for spec in specs]


def _built_figure(run: Run, *, main_only: bool) -> tuple[float, int, str]:
    circles = [c for c in run.accepted if c.main_city or not main_only]
    return sum(built(c) for c in circles), len(circles), ""


def _satisfaction_figure(run: Run) -> tuple[float | None, int, str]:
    """The residents-weighted mean over circles whose satisfaction and residents are valid."""
    pairs, flagged, missing = [], 0, 0
    for circle in run.accepted:
        value, weight = satisfaction(circle), _number(clean(circle).get(RESIDENTS))
        if value is not None and weight:
            pairs.append((value, weight))
        elif satisfaction_flagged(circle):
            flagged += 1
        else:
            missing += 1
    actual = round_half_up(sum(v * w for v, w in pairs) / sum(w for _, w in pairs)) if pairs else None
    note = _coverage_note(len(pairs), flagged, missing, "满意度或居民数")
    return actual, len(pairs), note


def _basic_figure(run: Run) -> tuple[float | None, int, str]:
    scored = [c for c in run.accepted if filled(c, "presence")]
    missing = len(run.accepted) - len(scored)
    note = _coverage_note(len(scored), 0, missing, "附件2") if missing else ""
    return pct(sum(basic_complete(c) for c in scored), len(scored)), len(scored), note


def _coverage_note(n: int, flagged: int, missing: int, what: str) -> str:
    """“按110个生活圈计算；2个生活圈的满意度或居民数有误，未计入；2个生活圈未填写…” (公文 wording:
    no spaces around the numbers, as the 通报 prints it)."""
    if not flagged and not missing:
        return ""
    parts = [f"按{n}个生活圈计算"]
    if flagged:
        parts.append(f"{flagged}个生活圈的{what}有误，未计入")
    if missing:
        parts.append(f"{missing}个生活圈未填写{what}")
    return "；".join(parts)


def _target(spec: TargetSpec, actual, n: int, note: str, as_of: dt.date, previous) -> Target:
    target = Target(spec.key, spec.label, spec.value, actual, spec.unit, previous, deadline=spec.deadline_text,
                    measure=spec.measure, n=n, note=note)
    if actual is not None:
        target.gap = round_half_up(max(spec.value - actual, 0))
        if spec.unit != "%":
            target.share_pct = pct(actual, spec.value)
    if spec.deadline is not None:
        target.passed = as_of > spec.deadline
        target.months_left = None if target.passed else months_between(as_of, spec.deadline)
        target.days_left = (spec.deadline - as_of).days
    return target


# ---------------------------------------------------------------------------
# The trend across periods
# ---------------------------------------------------------------------------

TREND_MEASURES = ("circles", "main_city", "satisfaction", "basic_share")


def trend(run: Run, earlier: list[dict]) -> list[dict]:
    """第1期 … 第N期: built, 主城区 built, satisfaction, basic share and submitted, by period."""
    rows = [_trend_row(summary.get("number"), summary.get("as_of"), summary.get("targets") or [],
                       (summary.get("circles") or {}).get("submitted")) for summary in earlier
            if summary.get("as_of", "") < run.as_of.isoformat()]
    current = [{"measure": t.measure, "key": t.key, "actual": t.actual} for t in run.targets]
    rows.append(_trend_row(run.number, run.as_of.isoformat(), current, run.city.submitted if run.city else None))
    return rows


def _trend_row(number, as_of, targets: list[dict], submitted) -> dict:
    by_measure: dict[str, float | None] = {}
    for target in targets:  # the plan's own target of each measure (a later phase measures the same)
        by_measure.setdefault(target.get("measure") or target.get("key"), target.get("actual"))
    return {"number": number, "as_of": as_of, "submitted": submitted,
            **{m: by_measure.get(m) for m in TREND_MEASURES}}


def target_standing(target: Target) -> str:
    """已达到 / 未达到，尚差 39 个，期限已过 / 未达到，尚差 2.7 个百分点，还有 12 个月: the one
    short verdict 总览, run.json and the terminal show (the 通报 words it in its template)."""
    if target.actual is None:
        return "无数据"
    if target.met:
        return "已达到"
    gap = f"尚差 {target.gap:g} {'个百分点' if target.unit == '%' else target.unit}"
    if target.passed:
        return f"未达到，{gap}，期限已过"
    if target.months_left:
        return f"未达到，{gap}，还有 {target.months_left} 个月"
    if target.days_left is not None:
        return f"未达到，{gap}，还有 {target.days_left} 天"
    return f"未达到，{gap}"


# ---------------------------------------------------------------------------
# Changes since the previous run
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# The city-total 附件5 and what the province must not receive unchecked
# ---------------------------------------------------------------------------

OUTLET_SUMS = ("outlets", "staff_10k", "chain")


def city_total(run: Run) -> dict:
    """A CIRCLE-shaped record over every accepted circle's usable values (the 全市合计 附件5).

    Counts are sums; satisfaction, per category and in 合计, is the residents-weighted mean
    (the 合计's is the city's satisfaction figure itself); facility area likewise weighted."""
    circles = [clean(c) for c in run.accepted]
    residents = [_number(c.get(RESIDENTS)) for c in circles]
    categories = {cat.id: _summed_row([(c.get("categories") or {}).get(cat.id) or {} for c in circles], residents)
                  for cat in forms.CATEGORIES}
    total = _summed_row([c.get("total") or {} for c in circles], residents)
    total["satisfaction_pct"] = next((t.actual for t in run.targets if t.measure == "satisfaction"), None)
    return {
        "circles": len(circles), "communities": len({m for c in circles for m in c.get("communities") or ()}),
        "operators": sorted({o for c in circles for o in c.get("operators") or ()}),
        "layouts": {o.id: sum(1 for c in circles if c.get("layout") == o.id) for o in forms.LAYOUTS},
        "centers": _sum([_number(c.get("centers")) for c in circles]),
        RESIDENTS: _sum(residents), "residents_n": sum(1 for r in residents if r is not None),
        "facility_area_pct": _weighted([_number(c.get("facility_area_pct")) for c in circles], residents),
        "categories": categories, "total": total,
    }


def _sum(values: list[float | None]) -> float | int | None:
    present = [v for v in values if v is not None]
    return round_half_up(sum(present), 4) if present else None


def _weighted(values: list[float | None], weights: list[float | None]) -> float | None:
    pairs = [(v, w) for v, w in zip(values, weights) if v is not None and w]
    return round_half_up(sum(v * w for v, w in pairs) / sum(w for _, w in pairs)) if pairs else None


def _summed_row(rows: list[dict], weights: list[float | None]) -> dict:
    summed = {c: _sum([_number(row.get(c)) for row in rows]) for c in OUTLET_SUMS}
    summed["satisfaction_pct"] = _weighted([_number(row.get("satisfaction_pct")) for row in rows], weights)
    summed["needs"] = None
    return summed


def pending(run: Run) -> list[dict]:
    """待核实: every flagged value of an accepted circle or its projects, left out of the
    upward report, with the county's own value and the likely correction."""
    rows = []
    for circle in run.accepted:
        for path, flag in sorted(circle.flags.items()):
            rows.append(_pending_row(circle.county, circle.name, forms.field_label(path), flag, circle.file))
    for project in run.projects:
        for path, flag in sorted((project.get("flags") or {}).items()):
            label = f"项目“{project.get('name') or ''}”的{forms.PROJECT_FIELD[path].label}" \
                if path in forms.PROJECT_FIELD else path
            rows.append(_pending_row(project.get("county"), project.get("circle"), label, flag, project.get("file")))
    order = {name: i for i, name in enumerate(forms.COUNTIES)}
    return sorted(rows, key=lambda r: (order.get(r["county"], len(order)), r["circle"] or "", r["field"]))


def _pending_row(county, circle, label: str, flag: dict, file: str | None) -> dict:
    return {"county": county, "circle": circle, "field": label, "value": flag.get("value"),
            "suggestion": flag.get("suggestion"), "problem": flag.get("message"),
            "file": file, "sheet": flag.get("sheet"), "cell": flag.get("cell")}


def run_counts(run: Run) -> dict:
    """The file, circle and problem counts every output shows (files and circles apart)."""
    files = [f.status for f in run.files]
    circles = [c.status for c in run.circles]
    return {
        "files": len(files), "files_accepted": files.count(FILE_ACCEPTED),
        "files_superseded": files.count(FILE_SUPERSEDED), "files_broken": sum(s in BROKEN for s in files),
        "files_other": files.count(FILE_NO_CIRCLES),
        "circles_accepted": circles.count(CIRCLE_ACCEPTED), "circles_superseded": circles.count(CIRCLE_SUPERSEDED),
        "circles_unmatched": circles.count(CIRCLE_UNMATCHED),
        "circles_flagged": sum(1 for c in run.accepted if c.flags),
        "errors": run.city.errors if run.city else 0, "warnings": run.city.warnings if run.city else 0,
        "overdue": run.city.overdue if run.city else 0,
    }


# ---------------------------------------------------------------------------
# The problems the 通报 names (what a county must do is said in its feedback)
# ---------------------------------------------------------------------------

NAMED = 6  # counties or circles named per problem; the rest are counted ("等 N 个")
OVERDUE_NAMED = 5


def problems(run: Run) -> dict:
    """Each kind of problem once: its count, the counties it concerns (most first), the
    worst cases; files a county has since replaced with a readable one are not problems."""
    counties = [r for r in run.counties if r.target or r.files]
    below = sorted((r for r in counties if r.accepted - r.built), key=lambda r: -(r.accepted - r.built))
    errors = sorted((r for r in counties if r.errors), key=lambda r: -r.errors)
    overdue = overdue_projects(run)
    low = low_satisfaction(run)
    threshold = _satisfaction_threshold(run)
    with_satisfaction = sum(1 for c in run.accepted if satisfaction(c) is not None)
    unmatched: dict[str, int] = {}
    for circle in run.circles:
        if circle.status == CIRCLE_UNMATCHED:
            unmatched[circle.county or ""] = unmatched.get(circle.county or "", 0) + 1
    result = {
        "missing_counties": list(run.missing_counties),
        "broken": unreplaced_broken_files(run),
        "errors": {"total": sum(r.errors for r in errors), "counties": len(errors),
                   "by_count": _grouped((r.county, r.errors) for r in errors)},
        "overdue": {"total": len(overdue), "worst": overdue[:OVERDUE_NAMED],
                    "left_out": max(len(overdue) - OVERDUE_NAMED, 0)},
        "below_pass": {"total": sum(r.accepted - r.built for r in below),
                       "counties": [{"county": r.county, "count": r.accepted - r.built, "all": r.built == 0,
                                     "reason": r.not_typed_reason} for r in below[:NAMED]],
                       "left_out": max(len(below) - NAMED, 0),
                       "all_failed": [{"county": r.county, "reason": r.not_typed_reason}
                                      for r in below if r.built == 0]},
        "low_satisfaction": {"total": len(low), "of": with_satisfaction, "threshold": threshold,
                             "all": bool(low) and len(low) == with_satisfaction, "lowest": low[:NAMED]},
        "unmatched": [{"county": county, "count": count} for county, count in unmatched.items()],
    }
    result["any"] = any((result["missing_counties"], result["broken"], errors, overdue, below, low, unmatched))
    return result


def _grouped(pairs) -> list[dict]:
    """(county, n) → [{"n": 2, "counties": [...]}, {"n": 1, ...}], the largest n first."""
    groups: dict[int, list[str]] = {}
    for county, count in pairs:
        groups.setdefault(count, []).append(county)
    return [{"n": n, "counties": groups[n]} for n in sorted(groups, reverse=True)]


def unreplaced_broken_files(run: Run) -> list[dict]:
    """Unusable files per county, leaving out those the county has since replaced: a readable
    file of the same county that arrived later and is in use."""
    in_use = [f for f in run.files if f.status in IN_USE and f.county]
    groups: dict[str, int] = {}
    for entry in run.files:
        if entry.status not in BROKEN:
            continue
        replaced = any(f.county == entry.county and f.modified >= entry.modified and f.circles for f in in_use)
        if not replaced:
            groups[entry.county or ""] = groups.get(entry.county or "", 0) + 1
    order = {name: i for i, name in enumerate(forms.COUNTIES)}
    return [{"county": c, "files": n} for c, n in sorted(groups.items(), key=lambda kv: order.get(kv[0], 99))]


def overdue_projects(run: Run) -> list[dict]:
    """Overdue projects, the longest overdue (then the largest investment) first."""
    rows = []
    for project in run.projects:
        if not project.get("overdue"):
            continue
        due = _date(project.get("planned_finish"))
        rows.append({"county": project.get("county"), "circle": project.get("circle"),
                     "name": project.get("name"), "planned_finish": due, "status": project.get("status"),
                     "days": (run.as_of - due).days if due else None,
                     "investment": project.get("investment_10k_yuan")})
    return sorted(rows, key=lambda r: (-(r["days"] or 0), -(r["investment"] or 0), r["name"] or ""))


def low_satisfaction(run: Run) -> list[dict]:
    """Accepted circles whose satisfaction is below the target, the lowest first."""
    threshold = _satisfaction_threshold(run)
    values = ((c, satisfaction(c)) for c in run.accepted)
    rows = [{"county": c.county, "name": c.name, "pct": round_half_up(value)}
            for c, value in values if value is not None and value < threshold]
    return sorted(rows, key=lambda r: (r["pct"], r["name"]))


def _satisfaction_threshold(run: Run) -> float:
    return next((t.target for t in run.targets if t.measure == "satisfaction"), forms.TARGET_SATISFACTION_PCT)


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
