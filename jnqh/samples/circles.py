"""Made-up circles and projects in the JSON-contract shape, shaped to land on a given type.

A `level` ("excellent", "good", "pass", "weak") picks a :class:`Plan`: how many 附件2 types
are present and how far each 附件3 fact falls short, so that scoring puts the circle at
品质型 / 提升型 / 基础型 / 未达标. Everything is drawn from the caller's ``random.Random``,
so a seed gives the same circle every time. The self-score a county would type is the
project's own scorer applied to the facts (a careful county scores itself right).
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import dataclass

from jnqh import forms
from jnqh.score.rubric import Rubric
from jnqh.samples import texts

LEVELS = ("excellent", "good", "pass", "weak")
# The type a level is made to reach under the default rubric.
EXPECTED_TYPE = {"excellent": "品质型", "good": "提升型", "pass": "基础型", "weak": "未达标"}


@dataclass(frozen=True)
class Plan:
    """How complete a circle is; ranges are inclusive (low, high)."""

    basic_types: tuple[int, int]
    quality_types: tuple[int, int]
    chain_share: tuple[float, float]  # brand-chain outlets ÷ all outlets
    business_pct: tuple[int, int]
    service_pct: tuple[int, int]
    projects_done: bool
    store_services: tuple[int, int]
    stores_24h: tuple[int, int]
    breakfast_kinds: tuple[int, int]
    deliveries: tuple[bool, bool]  # (breakfast, retail)
    market_services_missing: int
    market_area_ok: bool
    repair_kinds: tuple[int, int]
    elderly_services: int  # 0 = no facility
    childcare_services: int  # 0 = no facility
    events: tuple[int, int]
    terminal_kinds: int  # kinds with ≥ 2 units
    wayfinding: bool
    platform: str  # "high" | "mid" | "none"
    harmony: str


PLANS: dict[str, Plan] = {
    # 业态 90–99, 服务 ≈ 100 → 品质型
    "excellent": Plan((18, 20), (20, 26), (0.28, 0.45), (91, 98), (91, 98), True, (7, 10), (2, 4),
                      (8, 12), (True, True), 0, True, (8, 9), 5, 5, (6, 9), 6, True, "high", "符合"),
    # 业态 81–88.5, 服务 ≈ 87 → 提升型
    "good": Plan((16, 20), (14, 19), (0.23, 0.35), (82, 89), (90, 96), True, (5, 6), (1, 1),
                 (8, 10), (True, True), 0, True, (8, 9), 4, 5, (4, 4), 5, True, "mid", "符合"),
    # 业态 70.5–79.5, 服务 ≈ 75 → 基础型
    "pass": Plan((15, 17), (7, 13), (0.22, 0.30), (82, 89), (82, 89), False, (5, 6), (1, 1),
                 (6, 7), (True, True), 1, True, (8, 8), 5, 5, (4, 5), 4, True, "mid", "符合"),
    # 基本保障类不足 15 类 → 未达标
    "weak": Plan((10, 13), (3, 8), (0.06, 0.15), (70, 79), (80, 88), False, (3, 4), (0, 0),
                 (4, 5), (False, True), 2, False, (5, 6), 0, 0, (1, 3), 2, False, "none", "基本符合"),
}

# Outlets of a present category, per 1 万 residents (low, high).
OUTLETS_PER_10K: dict[str, tuple[int, int]] = {
    "convenience_store": (4, 12), "supermarket": (1, 2), "wet_market": (1, 1), "fresh_grocery": (1, 4),
    "breakfast": (3, 8), "repair": (2, 5), "laundry": (1, 3), "hair_beauty": (4, 10),
    "photo_print": (1, 2), "pharmacy": (2, 5), "housekeeping": (1, 3), "postal_express": (2, 6),
    "recycling": (1, 2), "basic_other": (0, 4), "fitness": (1, 2), "specialty_dining": (2, 6),
    "elderly_care": (1, 1), "childcare": (1, 1), "wellness": (1, 3), "education": (1, 3),
    "leisure": (0, 3), "quality_other": (0, 2),
}
# Basic types in the order a circle is likely to have them (the first are never missing).
BASIC_PRIORITY = ("convenience_store", "supermarket", "wet_market", "breakfast", "pharmacy",
                  "postal_express", "barber", "repair", "fresh_supermarket", "laundry", "photo_print",
                  "housekeeping", "recycling", "property_service", "casual_dining", "bank", "hardware",
                  "staple_kitchen", "mobile_vendor", "water_dispenser")
_ALWAYS_BASIC = 6


def make_circle(rng: random.Random, *, name: str, county: str, as_of: dt.date, level: str,
                communities: list[str] | None = None) -> dict:
    """One CIRCLE of the JSON contract whose facts score at `level` (see module doc)."""
    plan = PLANS[level]
    street = _street_of(name, county)
    residents = round(rng.uniform(0.5, 4.0), 2)
    circle = _header(rng, name, county, as_of, street, residents, communities)
    presence = _presence(rng, plan)
    circle["categories"] = _categories(rng, plan, presence, residents)
    circle["total"] = total_row(circle["categories"])
    circle["presence"] = presence
    circle["service"] = _service(rng, plan, circle, as_of)
    circle["self_score"] = self_score(circle)
    return circle


def _street_of(name: str, county: str) -> str:
    return next((s for s in texts.STREETS.get(county, ()) if s in name), "")


def _header(rng: random.Random, name: str, county: str, as_of: dt.date, street: str,
            residents: float, communities: list[str] | None) -> dict:
    roads = rng.sample(texts.ROADS, 4)
    platform = rng.choice(texts.PLATFORMS).format(street=street or county)
    return {
        "name": name,
        "county": county,
        "as_of": as_of.isoformat(),
        "operators": sorted(o.id for o in rng.sample(forms.OPERATORS, rng.randint(1, 3))),
        "layout": rng.choice(forms.LAYOUTS).id,
        "boundaries": "东至{}，西至{}，南至{}，北至{}".format(*roads),
        "communities": communities or community_names(rng, rng.randint(2, 4)),
        "platform": platform,
        "centers": rng.randint(0, 3),
        "residents_10k": residents,
        "facility_area_pct": round(rng.uniform(10.5, 18.0), 1),
        "notes": rng.choice((None, *texts.CIRCLE_NOTES)),
    }


def community_names(rng: random.Random, count: int, taken: set[str] | None = None) -> list[str]:
    """`count` community names not in `taken` (which is updated, so a caller can keep them unique)."""
    taken = set() if taken is None else taken
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(texts.COMMUNITY_HEADS)}{rng.choice(texts.COMMUNITY_TAILS)}社区"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def person_name(rng: random.Random) -> str:
    return rng.choice(texts.SURNAMES) + rng.choice(texts.GIVEN)


def _presence(rng: random.Random, plan: Plan) -> dict[str, bool]:
    basic_count = rng.randint(*plan.basic_types)
    always = list(BASIC_PRIORITY[:_ALWAYS_BASIC]) if basic_count >= 15 else []
    rest = [t for t in BASIC_PRIORITY if t not in always]
    basic = set(always + rng.sample(rest, basic_count - len(always)))
    must = {"elderly_care"} if plan.elderly_services else set()
    must |= {"childcare"} if plan.childcare_services else set()
    banned = {"elderly_care", "childcare"} - must
    others = [t.id for t in forms.QUALITY_TYPES if t.id not in must | banned]
    quality = must | set(rng.sample(others, rng.randint(*plan.quality_types) - len(must)))
    return {t.id: t.id in basic | quality for t in forms.PRESENCE_TYPES}


def _categories(rng: random.Random, plan: Plan, presence: dict[str, bool], residents: float) -> dict:
    """The outlet table, consistent with 附件2: outlets > 0 exactly where the type is present."""
    rows = {}
    for category in forms.CATEGORIES:
        present = all(presence[t] for t in category.presence_types)
        low, high = OUTLETS_PER_10K[category.id]
        outlets = 0
        if present:
            outlets = max(1 if category.presence_types else 0, round(rng.randint(low, high) * max(residents, 1)))
        rows[category.id] = _outlet_row(rng, category.id, outlets, plan)
    _settle_chain_share(rows, plan)
    return rows


def _outlet_row(rng: random.Random, category_id: str, outlets: int, plan: Plan) -> dict:
    share = rng.uniform(*plan.chain_share)
    needs = texts.NEEDS.get(category_id)
    return {
        "outlets": outlets,
        # 3–12 people per outlet, in 万人 as the form asks (0.0012 = 12 people)
        "staff_10k": round(outlets * rng.randint(3, 12) / 10000, 4),
        "chain": min(outlets, round(outlets * share)),
        "satisfaction_pct": rng.randint(85, 99) if outlets else None,
        "needs": rng.choice(needs) if needs and rng.random() < 0.4 else None,
    }


def _settle_chain_share(rows: dict, plan: Plan) -> None:
    """Nudge chain counts so the 合计 share is on the plan's side of the rubric threshold."""
    threshold = float(Rubric().chain_threshold_pct) / 100
    outlets = sum(r["outlets"] for r in rows.values())
    wanted_high = plan.chain_share[0] >= threshold
    for row in sorted(rows.values(), key=lambda r: -r["outlets"]):
        share = sum(r["chain"] for r in rows.values()) / outlets if outlets else 0
        if wanted_high and share < threshold + 0.01:
            row["chain"] = min(row["outlets"], row["chain"] + max(1, row["outlets"] // 3))
        elif not wanted_high and share >= threshold - 0.01:
            row["chain"] = max(0, row["chain"] - max(1, row["outlets"] // 3))


def total_row(categories: dict) -> dict:
    """The 合计 row as a county fills it: sums, and the mean satisfaction of the rows."""
    rows = list(categories.values())
    rated = [r["satisfaction_pct"] for r in rows if r["satisfaction_pct"] is not None]
    return {
        "outlets": sum(r["outlets"] for r in rows),
        "staff_10k": round(sum(r["staff_10k"] for r in rows), 4),
        "chain": sum(r["chain"] for r in rows),
        "satisfaction_pct": round(sum(rated) / len(rated), 1) if rated else None,
        "needs": None,
    }


# ---------------------------------------------------------------------------
# 附件3 facts
# ---------------------------------------------------------------------------


def _labels(options: tuple[forms.Option, ...], count: int, rng: random.Random) -> list[str]:
    return sorted(o.label for o in rng.sample(options, count))


def _service(rng: random.Random, plan: Plan, circle: dict, as_of: dt.date) -> dict:
    residents = circle["residents_10k"]
    service = {
        "needs_list": True,
        "project_list": True,
        "projects_done": plan.projects_done,
        # 样本不少于服务人口的 10 %: a little above it
        "survey_sample": int(residents * 10000 * forms.SURVEY_SAMPLE_SHARE) + rng.randint(20, 200),
        "business_satisfaction_pct": rng.randint(*plan.business_pct),
        "service_satisfaction_pct": rng.randint(*plan.service_pct),
        "store_services": _labels(forms.STORE_SERVICES, rng.randint(*plan.store_services), rng),
        "stores_24h": rng.randint(*plan.stores_24h),
        "breakfast_kinds": rng.randint(*plan.breakfast_kinds),
        "breakfast_delivery": plan.deliveries[0],
        "retail_delivery": plan.deliveries[1],
        **_market(rng, plan, residents),
        "repair_kinds": _labels(forms.REPAIR_KINDS, rng.randint(*plan.repair_kinds), rng),
        **_care(rng, plan),
        "events": _events(rng, rng.randint(*plan.events), as_of),
        "scan_pay_monitoring": True,
        "terminals": _terminals(rng, plan.terminal_kinds),
        "wayfinding_map": plan.wayfinding,
        **_platform(rng, plan, circle),
        "harmony": plan.harmony,
    }
    return service


def _market(rng: random.Random, plan: Plan, residents: float) -> dict:
    # 每千人不低于 50 平方米
    needed = residents * 10 * 50
    area = round(needed * (rng.uniform(1.1, 1.6) if plan.market_area_ok else rng.uniform(0.5, 0.9)))
    first = round(area * rng.uniform(0.4, 0.7)) if area > 1200 else area
    sites = [first, area - first] if first < area else [area]
    kept = len(forms.MARKET_SERVICES) - plan.market_services_missing
    return {"market_area_m2": area, "market_sites_m2": sites,
            "market_services": _labels(forms.MARKET_SERVICES, kept, rng)}


def _care(rng: random.Random, plan: Plan) -> dict:
    if plan.elderly_services:
        elderly = {"elderly_area_ok": True,
                   "elderly_services": _labels(forms.ELDERLY_SERVICES, plan.elderly_services, rng)}
    else:
        elderly = {"elderly_area_ok": "none", "elderly_services": []}
    if plan.childcare_services:
        childcare = {"childcare_area_m2": rng.randrange(220, 400, 10),
                     "childcare_services": _labels(forms.CHILDCARE_SERVICES, plan.childcare_services, rng)}
    else:
        childcare = {"childcare_area_m2": None, "childcare_services": []}
    return {**elderly, **childcare}


def _events(rng: random.Random, count: int, as_of: dt.date) -> list[dict]:
    """Events of the year of `as_of`, none after it."""
    start = dt.date(as_of.year, 1, 1)
    span = (as_of - start).days
    days = sorted(rng.randint(0, span) for _ in range(count))
    names = rng.sample(texts.EVENTS, count)
    return [{"name": name, "date": (start + dt.timedelta(days=d)).isoformat()}
            for name, d in zip(names, days)]


def _terminals(rng: random.Random, enough_kinds: int) -> dict[str, int]:
    """`enough_kinds` kinds with 2+ units, perhaps one more kind with a single unit."""
    kinds = [k.id for k in forms.TERMINAL_KINDS if k.id != "other"]
    chosen = rng.sample(kinds, min(len(kinds), enough_kinds + 1))
    counts = {kind: rng.randint(2, 8) for kind in chosen[:enough_kinds]}
    if len(chosen) > enough_kinds and rng.random() < 0.5:
        counts[chosen[-1]] = 1
    return dict(sorted(counts.items()))


def _platform(rng: random.Random, plan: Plan, circle: dict) -> dict:
    merchants = circle["total"]["outlets"]
    people = circle["residents_10k"] * 10000
    merchant_rate, resident_rate = {"high": (0.75, 0.45), "mid": (0.55, 0.25), "none": (0.0, 0.0)}[plan.platform]
    if plan.platform == "none":
        circle["platform"] = None  # no platform: 附件5 names none either
    return {
        "merchants_total": merchants,
        "merchants_on_platform": int(merchants * (merchant_rate + rng.uniform(0, 0.1))) + (1 if merchant_rate else 0),
        "residents_registered": int(people * (resident_rate + rng.uniform(0, 0.1))),
    }


def self_score(circle: dict) -> dict:
    """附件2 and 附件3 self-scores as a careful county computes them (the project's scorer)."""
    from jnqh.score.items import score_circle  # scoring is heavy and only needed here

    scored = score_circle(circle, Rubric())
    return {
        "presence": scored["presence"]["total"],
        "service": {str(item["no"]): item["points"] for item in scored["service"]["items"]},
        "service_total": scored["service"]["total"],
    }


# ---------------------------------------------------------------------------
# 附件6 projects
# ---------------------------------------------------------------------------


def make_projects(rng: random.Random, circle: dict, as_of: dt.date) -> list[dict]:
    """2–5 附件6 rows; when the circle has not 落实 its projects, some are overdue."""
    chosen = rng.sample(texts.PROJECT_TEMPLATES, rng.randint(2, 5))
    street = _street_of(circle["name"], circle["county"])
    overdue_left = 0 if circle["service"]["projects_done"] else rng.randint(1, 2)
    projects = []
    for index, template in enumerate(chosen):
        community = circle["communities"][index % len(circle["communities"])]
        due = index % 2 == 0  # alternate: due by 截至日期, or still ahead
        overdue = due and overdue_left > 0
        overdue_left -= overdue
        projects.append(_project(rng, circle, template, community, street, as_of, due, overdue))
    return projects


def _project(rng: random.Random, circle: dict, template: tuple, community: str, street: str,
             as_of: dt.date, due: bool, overdue: bool) -> dict:
    pattern, kind, type_id, content = template
    start = as_of - dt.timedelta(days=rng.randint(60, 300))
    finish = as_of - dt.timedelta(days=rng.randint(5, 50)) if due else as_of + dt.timedelta(days=rng.randint(20, 200))
    status = "在建" if overdue else ("已完成" if due else rng.choice(("在建", "未开工", "在建")))
    if status == "未开工":
        start = as_of + dt.timedelta(days=rng.randint(5, 15))
    investment = round(rng.uniform(5, 300), 1)
    done_share = {"已完成": 1.0, "在建": rng.uniform(0.2, 0.8), "未开工": 0.0}[status]
    owner = rng.choice(texts.OWNERS).format(street=street or circle["county"], county=circle["county"],
                                            community=community.removesuffix("社区"))
    return {
        "county": circle["county"],
        "circle": circle["name"],
        "community": community,
        "name": pattern.format(community=community.removesuffix("社区")),
        "kind": kind,
        "category": forms.PRESENCE[type_id].label if type_id else None,
        "content": content,
        "investment_10k_yuan": investment,
        "invested_10k_yuan": round(investment * done_share, 1),
        "start": start.isoformat(),
        "planned_finish": finish.isoformat(),
        "status": status,
        "finished": (finish - dt.timedelta(days=rng.randint(0, 10))).isoformat() if status == "已完成" else None,
        "owner": owner,
        "contact": f"{person_name(rng)} 139{rng.randint(0, 99999999):08d}",
        "notes": "资金已落实" if status == "已完成" else None,
    }


# ---------------------------------------------------------------------------
# Typical mistakes
# ---------------------------------------------------------------------------

# kind → the issue code the check must give for it (None: must be read as plain text)
MISTAKES: dict[str, str | None] = {
    "chain_gt_outlets": "V-CHAIN-GT-OUTLETS",
    "residents_people": "V-RESIDENTS-PEOPLE",
    "future_date": "V-DATE-FUTURE",
    "total_mismatch": "V-TOTAL-MISMATCH",
    "required_blank": "V-REQUIRED",
    "unknown_name": "V-CIRCLE-UNKNOWN",
    "percent_120": "V-PERCENT-RANGE",
    "formula_text": None,
}
FORMULA_TEXTS = ('=HYPERLINK("http://x","点我")', "+1+1")


def inject_mistakes(circle: dict, kinds) -> dict:
    """A copy of `circle` with the typical mistakes `kinds` (keys of MISTAKES) made in it."""
    wrong = copy.deepcopy(circle)
    for kind in kinds:
        if kind not in MISTAKES:
            raise ValueError(f"unknown mistake {kind!r}; known: {', '.join(MISTAKES)}")
        _MISTAKE_MAKERS[kind](wrong)
    return wrong


def _busiest(circle: dict) -> dict:
    return max(circle["categories"].values(), key=lambda row: row["outlets"])


def _chain_gt_outlets(circle: dict) -> None:
    row = _busiest(circle)
    row["chain"] = row["outlets"] + 2
    # keep 合计 equal to the sum, so this is the only mistake
    circle["total"]["chain"] = sum(r["chain"] for r in circle["categories"].values())


def _residents_people(circle: dict) -> None:
    circle["residents_10k"] = int(round(circle["residents_10k"] * 10000))


def _future_date(circle: dict) -> None:
    # The usual slip: next year's number typed in the 截至日期.
    as_of = dt.date.fromisoformat(circle["as_of"])
    circle["as_of"] = as_of.replace(year=as_of.year + 1, day=min(as_of.day, 28)).isoformat()


def _total_mismatch(circle: dict) -> None:
    circle["total"]["outlets"] += 3


def _required_blank(circle: dict) -> None:
    circle["boundaries"] = None


def _unknown_name(circle: dict) -> None:
    # 街道 shortened to 街办 (how people say it): close to the registry name, not equal.
    name = circle["name"]
    circle["name"] = name.replace("街道", "街办", 1) if "街道" in name else name.replace("一刻钟", "新一刻钟", 1)


def _percent_120(circle: dict) -> None:
    rated = next(row for row in circle["categories"].values() if row["satisfaction_pct"] is not None)
    rated["satisfaction_pct"] = 120


def _formula_text(circle: dict) -> None:
    rows = [row for row in circle["categories"].values()]
    rows[0]["needs"], rows[1]["needs"] = FORMULA_TEXTS


_MISTAKE_MAKERS = {
    "chain_gt_outlets": _chain_gt_outlets, "residents_people": _residents_people,
    "future_date": _future_date, "total_mismatch": _total_mismatch, "required_blank": _required_blank,
    "unknown_name": _unknown_name, "percent_120": _percent_120, "formula_text": _formula_text,
}
