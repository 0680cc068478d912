"""Both rubrics, scored from a circle's facts, every point explained in plain Chinese.

Pure functions, no I/O. Points are exact Decimals until the very end (five deductions of
0.6 are 3.0, not 2.9999999999999996); thresholds compare unrounded values. The numbers
come from a :class:`~jnqh.rubric.Rubric`, the labels from :mod:`jnqh.forms`. A fact that
was not filled earns nothing, and the explanation says so ("未填报「…」") instead of
silently counting it as zero.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from itertools import compress
from typing import Any

from jnqh import forms
from jnqh.rubric import NOT_TYPED, SERVICE_ITEM, TYPES, Rubric, grade_allows, plain

ZERO = Decimal(0)
TEN_THOUSAND = Decimal(10000)
HUNDRED = Decimal(100)
SOURCE_FILED = "填报"
SOURCE_SURVEY = "附件4问卷"
_CENT = Decimal("0.01")


# ---------------------------------------------------------------------------
# Small helpers: numbers, labels, the notes an item collects
# ---------------------------------------------------------------------------


def _dec(value: Any) -> Decimal | None:
    """A JSON number as an exact Decimal (via str, so 89.99 stays 89.99); junk → None."""
    # Most facts are JSON ints, floats or blank: test those kinds first.
    kind = type(value)
    if kind is int:
        return Decimal(value)
    if kind is float:
        return _float_dec(value)
    if value is None or kind is bool:
        return None
    if kind is Decimal:
        return value
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@lru_cache(maxsize=8192)
def _float_dec(value: float) -> Decimal | None:
    # repr() of a float is its shortest round-trip text: 89.99 → Decimal("89.99")
    number = Decimal(repr(value))
    return number if number.is_finite() else None


# Numbers in explanations read as the rubric's own do (3.8, not 3.80).
fmt = plain


def _pct(value: Decimal) -> str:
    """A percentage cut (not rounded) to two decimals, so 19.996 never reads as 20."""
    return fmt(value.quantize(_CENT, ROUND_DOWN))


@lru_cache(maxsize=8192)
def to_number(value: Decimal) -> int | float:
    """The JSON form of points: int when whole, else a float of at most two decimals."""
    numerator, denominator = value.as_integer_ratio()
    if denominator == 1:
        return numerator
    return float(value.quantize(_CENT, ROUND_HALF_UP))


@lru_cache(maxsize=512)
def _label(path: str, fallback: str = "") -> str:
    label = forms.field_label(path)
    return fallback if label == path and fallback else label


@lru_cache(maxsize=64)
def _options(fact_id: str) -> tuple[str, ...]:
    return tuple(option.label for option in forms.SERVICE_FACT[fact_id].options)


def _distinct(values: Iterable[Any] | None) -> list[str]:
    """Distinct non-blank entries, first-seen order (a kind ticked twice counts once)."""
    seen = dict.fromkeys(map(str.strip, map(str, values or ())))
    seen.pop("", None)
    return list(seen)


def _floor(points: Decimal) -> Decimal:
    return max(points, ZERO)


class Notes:
    """What one item found: its sentences and the facts that were not filled."""

    __slots__ = ("fallback_label", "sentences", "missing")

    def __init__(self, fallback_label: str = "") -> None:
        self.fallback_label = fallback_label  # shown when forms has no label for a path
        self.sentences: list[str] = []
        self.missing: list[str] = []

    def say(self, text: str) -> None:
        self.sentences.append(text)

    def unfilled(self, path: str, then: str = "") -> None:
        """Say that the fact at `path` was not filled (and, in `then`, what that costs)."""
        if path not in self.missing:
            self.missing.append(path)
        sentence = f"未填报「{_label(path, self.fallback_label)}」"
        self.sentences.append(f"{sentence}，{then}" if then else sentence)

    def text(self) -> str:
        return "；".join(self.sentences) + "。"


@dataclass(slots=True)
class ItemResult:
    no: int
    points: Decimal
    notes: Notes
    source: str | None = None


@dataclass(slots=True)
class Context:
    """Everything an item may read besides the rubric (built once per circle, then only read)."""

    circle: dict
    service: dict
    projects: list[dict] | None
    survey: dict | None
    chain: Decimal | None = None  # 附件5 合计 (or the sum of the categories)
    outlets: Decimal | None = None
    totals_summed: bool = False
    residents_10k: Decimal | None = None

    def fact(self, fact_id: str, notes: Notes, then: str = "") -> Any:
        """A 附件3 fact; when it is blank, the notes say so."""
        value = self.service.get(fact_id)
        if value is None:
            notes.unfilled(f"service.{fact_id}", then)
        return value

    def residents(self, notes: Notes) -> Decimal | None:
        if self.residents_10k is None:
            notes.unfilled("residents_10k")
        return self.residents_10k


def _context(circle: dict, projects: list[dict] | None, survey: dict | None) -> Context:
    chain, outlets, summed = _outlet_totals(circle)
    return Context(circle=circle, service=circle.get("service") or {}, projects=projects,
                   survey=survey, chain=chain, outlets=outlets, totals_summed=summed,
                   residents_10k=_dec(circle.get("residents_10k")))


def _outlet_totals(circle: dict) -> tuple[Decimal | None, Decimal | None, bool]:
    """(chain, outlets, summed) from the 合计 row; a blank 合计 is the sum of the categories."""
    total = circle.get("total") or {}
    chain, outlets = _dec(total.get("chain")), _dec(total.get("outlets"))
    if chain is not None and outlets is not None:
        return chain, outlets, False
    rows = [row for row in (circle.get("categories") or {}).values() if row]
    summed_chain = _sum_column(rows, "chain")
    summed_outlets = _sum_column(rows, "outlets")
    return (chain if chain is not None else summed_chain,
            outlets if outlets is not None else summed_outlets, True)


def _sum_column(rows: list[dict], column: str) -> Decimal | None:
    values = [d for d in (_dec(row.get(column)) for row in rows) if d is not None]
    return sum(values, ZERO) if values else None


def _iso(value: Any) -> str:
    """A date (or its ISO text) as YYYY-MM-DD text; ISO text compares in date order."""
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value).strip()[:10]


def _yes_points(ctx: Context, fact_id: str, points: Decimal, notes: Notes) -> Decimal:
    """Points for a yes/no fact: all of them for yes, none for no or blank."""
    label = _label(f"service.{fact_id}")
    value = ctx.service.get(fact_id)
    if value is None:
        notes.unfilled(f"service.{fact_id}", then="不得分")
        return ZERO
    if value:
        notes.say(f"{label}，得 {fmt(points)} 分")
        return points
    notes.say(f"「{label}」为“否”，不得分")
    return ZERO


def _missing_services(ctx: Context, fact_id: str, step: Decimal, notes: Notes) -> Decimal:
    """The deduction for each option of a service list the circle does not offer."""
    options = _options(fact_id)
    listed = ctx.service.get(fact_id)
    if listed is None:
        deduction = step * len(options)
        notes.unfilled(f"service.{fact_id}", then=f"按缺 {len(options)} 项扣 {fmt(deduction)} 分")
        return deduction
    # Only membership matters here, so a set of the stripped entries will do (no ordering).
    have = set(map(str.strip, map(str, listed or ())))
    lacking = [option for option in options if option not in have]
    label = _label(f"service.{fact_id}")
    if not lacking:
        notes.say(f"{label} {len(options)} 项齐全")
        return ZERO
    deduction = step * len(lacking)
    notes.say(f"{label}缺少{'、'.join(lacking)} {len(lacking)} 项，每项扣 {fmt(step)} 分，扣 {fmt(deduction)} 分")
    return deduction


# ---------------------------------------------------------------------------
# 附件3 item 1 问需于民
# ---------------------------------------------------------------------------


def _item_needs(ctx: Context, rubric: Rubric) -> ItemResult:
    notes = Notes()
    points = ZERO
    lists = [(fact_id, ctx.fact(fact_id, notes)) for fact_id in ("needs_list", "project_list")]
    if all(value for _, value in lists):
        points += rubric.lists_points
        names = "、".join(_label(f"service.{fact_id}") for fact_id, _ in lists)
        notes.say(f"{names}，得 {rubric.shown.lists_points} 分")
    else:
        for fact_id, value in lists:
            if value is not None and not value:
                notes.say(f"「{_label(f'service.{fact_id}')}」为“否”")
        notes.say("需求清单和项目清单不全，此部分不得分")
    done = _projects_done(ctx, notes)
    if done:
        points += rubric.done_points
        notes.say(f"{_label('service.projects_done')}，得 {rubric.shown.done_points} 分")
    else:
        notes.say("建设内容未落实，此部分不得分" if done is False else "此部分不得分")
    notes.say(f"本项共 {fmt(points)} 分")
    return ItemResult(1, points, notes)


def _projects_done(ctx: Context, notes: Notes) -> bool | None:
    """The filed answer, else derived from 附件6: every project due by as_of is 已完成."""
    filed = ctx.service.get("projects_done")
    if filed is not None:
        return bool(filed)
    as_of = ctx.circle.get("as_of")
    label = _label("service.projects_done")
    if ctx.projects is None or not as_of:
        notes.unfilled("service.projects_done")
        return None
    if not ctx.projects:
        notes.say(f"「{label}」未填报，附件6项目清单中没有项目，按未落实计")
        return False
    cutoff = _iso(as_of)
    due = [p for p in ctx.projects if p.get("planned_finish") and _iso(p["planned_finish"]) <= cutoff]
    finished = [p for p in due if p.get("status") == forms.STATUS_DONE]
    done = len(finished) == len(due)
    verdict = "视为已落实" if done else "视为未落实"
    notes.say(f"「{label}」未填报，按附件6项目清单推算：共 {len(ctx.projects)} 个项目，截至 {cutoff} "
              f"应完成 {len(due)} 个，已完成 {len(finished)} 个，{verdict}")
    return done


# ---------------------------------------------------------------------------
# Items 2 业态满意 and 3 服务满意
# ---------------------------------------------------------------------------


def _item_business(ctx: Context, rubric: Rubric) -> ItemResult:
    return _satisfaction(ctx, rubric, 2, "business")


def _item_service(ctx: Context, rubric: Rubric) -> ItemResult:
    return _satisfaction(ctx, rubric, 3, "service")


def _satisfaction(ctx: Context, rubric: Rubric, no: int, which: str) -> ItemResult:
    notes = Notes()
    fact_id = f"{which}_satisfaction_pct"
    pct, sample, source = _satisfaction_facts(ctx, which, fact_id, notes)
    sample_ok = _sample_ok(sample, ctx.residents(notes), rubric, notes)
    name = _label(f"service.{fact_id}")
    high, mid, shown = rubric.satisfaction_high_pct, rubric.satisfaction_mid_pct, rubric.shown
    points = ZERO
    if pct is None:
        notes.say("此项不得分")
    elif not sample_ok:
        notes.say(f"{name} {_pct(pct)}%，但样本不符合要求，得 0 分")
    elif pct >= high:
        points = rubric.satisfaction_high_points
        notes.say(f"{name} {_pct(pct)}%，达到 {shown.satisfaction_high_pct}%，得 {shown.satisfaction_high_points} 分")
    elif pct >= mid:
        points = rubric.satisfaction_mid_points
        notes.say(f"{name} {_pct(pct)}%，在 {shown.satisfaction_mid_pct}%–{shown.satisfaction_high_pct}% 之间，"
                  f"得 {shown.satisfaction_mid_points} 分")
    else:
        notes.say(f"{name} {_pct(pct)}%，低于 {shown.satisfaction_mid_pct}%，得 0 分")
    return ItemResult(no, points, notes, source)


def _satisfaction_facts(ctx: Context, which: str, fact_id: str,
                        notes: Notes) -> tuple[Decimal | None, Decimal | None, str]:
    """(satisfaction, sample, source): the filed figures, else those of the 附件4 survey."""
    filed = _dec(ctx.service.get(fact_id))
    # The survey only matters when the filed figure is blank (most circles file one).
    from_survey = None if filed is not None or not ctx.survey else _dec(ctx.survey.get(f"{which}_pct"))
    if from_survey is not None:
        answers = _dec(ctx.survey.get("answers"))
        notes.say(f"「{_label(f'service.{fact_id}')}」未填报，按附件4问卷 {fmt(answers or ZERO)} 份答卷计算")
        return from_survey, answers, SOURCE_SURVEY
    if filed is None:
        notes.unfilled(f"service.{fact_id}")
    return filed, _dec(ctx.fact("survey_sample", notes)), SOURCE_FILED


def _sample_ok(sample: Decimal | None, residents: Decimal | None, rubric: Rubric, notes: Notes) -> bool:
    """The seed: 样本不少于本生活圈服务人口的10%."""
    if sample is None or residents is None:
        notes.say("无法核对样本是否符合要求")
        return False
    required = rubric.sample_share * residents * TEN_THOUSAND
    shown = fmt(required.to_integral_value(rounding=ROUND_CEILING))
    share = rubric.shown.sample_share_pct
    if sample >= required:
        notes.say(f"有效样本 {fmt(sample)} 份，不少于服务人口 {fmt(residents)} 万人的 {share}%"
                  f"（{shown} 份），样本符合要求")
        return True
    notes.say(f"有效样本 {fmt(sample)} 份，少于服务人口 {fmt(residents)} 万人的 {share}%"
              f"（应不少于 {shown} 份），样本不符合要求")
    return False


# ---------------------------------------------------------------------------
# Item 4 一店一早
# ---------------------------------------------------------------------------


def _item_store_breakfast(ctx: Context, rubric: Rubric) -> ItemResult:
    notes = Notes()
    points = _stores(ctx, rubric, notes) + _breakfast(ctx, rubric, notes)
    points += _yes_points(ctx, "breakfast_delivery", rubric.breakfast_delivery_points, notes)
    points += _yes_points(ctx, "retail_delivery", rubric.retail_delivery_points, notes)
    notes.say(f"本项共 {fmt(points)} 分")
    return ItemResult(4, points, notes)


def _stores(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    kinds = len(_distinct(ctx.fact("store_services", notes, "按 0 类计")))
    open_24h = _dec(ctx.fact("stores_24h", notes, "按 0 家计")) or ZERO
    facts = (f"{_label('service.store_services')} {kinds} 类，"
             f"{_label('service.stores_24h')} {fmt(open_24h)} 家")
    if kinds >= rubric.store_high_services and open_24h >= rubric.store_high_24h:
        points = rubric.store_high_points
        rule = f"达到 {rubric.store_high_services} 类以上且 {rubric.store_high_24h} 家以上"
    elif kinds >= rubric.store_mid_services and open_24h >= rubric.store_mid_24h:
        points = rubric.store_mid_points
        rule = f"达到 {rubric.store_mid_services} 类以上且 {rubric.store_mid_24h} 家以上"
    else:
        points = ZERO
        rule = f"未达到 {rubric.store_mid_services} 类以上且 {rubric.store_mid_24h} 家以上"
    notes.say(f"{facts}，{rule}，得 {fmt(points)} 分")
    return points


def _breakfast(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    kinds = _dec(ctx.fact("breakfast_kinds", notes, "按 0 类计")) or ZERO
    facts = f"{_label('service.breakfast_kinds')} {fmt(kinds)} 类"
    if kinds >= rubric.breakfast_high_kinds:
        points, rule = rubric.breakfast_high_points, f"达到 {rubric.breakfast_high_kinds} 类"
    elif kinds >= rubric.breakfast_mid_kinds:
        points, rule = rubric.breakfast_mid_points, f"达到 {rubric.breakfast_mid_kinds} 类"
    else:
        points, rule = ZERO, f"不足 {rubric.breakfast_mid_kinds} 类"
    notes.say(f"{facts}，{rule}，得 {fmt(points)} 分")
    return points


# ---------------------------------------------------------------------------
# Item 5 一菜一修
# ---------------------------------------------------------------------------


def _item_market_repair(ctx: Context, rubric: Rubric) -> ItemResult:
    notes = Notes()
    points = _market(ctx, rubric, notes) + _repair(ctx, rubric, notes)
    notes.say(f"本项共 {fmt(points)} 分")
    return ItemResult(5, points, notes)


def _market(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    area = _market_area(ctx, notes)
    if area is None and not (ctx.service.get("market_services") or _has_market_outlets(ctx)):
        notes.unfilled("service.market_area_m2", "无法确认有菜市场，菜市场部分 0 分")
        return ZERO
    if area is not None and area <= 0:
        notes.say("没有菜市场，菜市场部分 0 分")
        return ZERO
    points = rubric.market_points
    points -= _market_area_deduction(ctx, area, rubric, notes)
    points -= _missing_services(ctx, "market_services", rubric.market_service_deduction, notes)
    points = _floor(points)
    notes.say(f"菜市场部分得 {fmt(points)} 分")
    return points


def _market_area(ctx: Context, notes: Notes) -> Decimal | None:
    """The filed total area, else the sum of the sites' areas."""
    area = _dec(ctx.service.get("market_area_m2"))
    if area is not None:
        return area
    sites = [d for d in (_dec(site) for site in ctx.service.get("market_sites_m2") or ()) if d is not None]
    if not sites:
        return None
    area = sum(sites, ZERO)
    notes.say(f"「{_label('service.market_area_m2')}」未填，按各处菜市场面积相加为 {fmt(area)}㎡")
    return area


def _has_market_outlets(ctx: Context) -> bool:
    categories = ctx.circle.get("categories") or {}
    return any((_dec((categories.get(c) or {}).get("outlets")) or ZERO) > 0
               for c in ("wet_market", "fresh_grocery"))


def _market_area_deduction(ctx: Context, area: Decimal | None, rubric: Rubric, notes: Notes) -> Decimal:
    """菜市场规划的总建筑面积按每千人不低于50平方米; unverifiable counts as not met."""
    deduction = rubric.market_area_deduction
    if area is None:
        notes.unfilled("service.market_area_m2", f"无法确认面积达标，扣 {rubric.shown.market_area_deduction} 分")
        return deduction
    residents = ctx.residents(notes)
    if residents is None:
        notes.say(f"无法核算菜市场面积标准，扣 {rubric.shown.market_area_deduction} 分")
        return deduction
    required = residents * 10 * rubric.market_m2_per_1000
    facts = (f"{_label('service.market_area_m2')} {fmt(area)}㎡，服务人口 {fmt(residents)} 万人按每千人 "
             f"{rubric.shown.market_m2_per_1000}㎡ 应不少于 {fmt(required)}㎡")
    if area >= required:
        notes.say(f"{facts}，面积达标")
        return ZERO
    notes.say(f"{facts}，面积不足，扣 {rubric.shown.market_area_deduction} 分")
    return deduction


def _repair(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    kinds = len(_distinct(ctx.fact("repair_kinds", notes, "按 0 类计")))
    required = rubric.repair_kinds_required
    if kinds == 0:
        # (design) Like a circle without a market or a care facility: no 小修小补 at all
        # earns nothing, rather than the 0.2 that 5 − 8 × 0.6 would leave.
        notes.say("没有小修小补网点，得 0 分")
        return Decimal(0)
    if kinds >= required:
        notes.say(f"小修小补 {kinds} 类，达到 {required} 类，得 {rubric.shown.repair_points} 分")
        return rubric.repair_points
    short = required - kinds
    deduction = rubric.repair_step * short
    points = _floor(rubric.repair_points - deduction)
    notes.say(f"小修小补 {kinds} 类，少于 {required} 类 {short} 类，扣 {fmt(deduction)} 分，得 {fmt(points)} 分")
    return points


# ---------------------------------------------------------------------------
# Item 6 一老一小
# ---------------------------------------------------------------------------


def _item_care(ctx: Context, rubric: Rubric) -> ItemResult:
    notes = Notes()
    points = _elderly(ctx, rubric, notes) + _childcare(ctx, rubric, notes)
    notes.say(f"本项共 {fmt(points)} 分")
    return ItemResult(6, points, notes)


def _elderly_area(value: Any) -> str | None:
    """The filed 面积达标 answer as an option id (yes/no/none); booleans mean yes/no."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).strip()
    for option in forms.ELDERLY_AREA_CHOICES:
        if text in (option.id, option.label, *option.variants):
            return option.id
    return None


def _elderly(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    area = _elderly_area(ctx.service.get("elderly_area_ok"))
    path = "service.elderly_area_ok"
    if area == "none":
        notes.say("没有养老服务场所，养老部分 0 分")
        return ZERO
    if area is None and not ctx.service.get("elderly_services"):
        notes.unfilled(path, "无法确认有养老服务场所，养老部分 0 分")
        return ZERO
    points = rubric.care_points
    deduction = rubric.care_area_deduction
    if area is None:
        notes.unfilled(path, f"无法确认面积达标，扣 {rubric.shown.care_area_deduction} 分")
        points -= deduction
    elif area == "no":
        notes.say(f"养老服务场所面积不达标，扣 {rubric.shown.care_area_deduction} 分")
        points -= deduction
    else:
        notes.say("养老服务场所面积达标")
    points -= _missing_services(ctx, "elderly_services", rubric.care_service_step, notes)
    points = _floor(points)
    notes.say(f"养老部分得 {fmt(points)} 分")
    return points


def _childcare(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    area = _dec(ctx.service.get("childcare_area_m2"))
    # A blank area means "no facility" (forms.md), unless services are listed for one.
    if (area is None or area <= 0) and not ctx.service.get("childcare_services"):
        notes.say("没有托育场所，托育部分 0 分")
        return ZERO
    points = rubric.care_points
    deduction, standard, shown = rubric.care_area_deduction, rubric.childcare_area_m2, rubric.shown
    if area is None:
        notes.unfilled("service.childcare_area_m2", f"无法确认面积达标，扣 {shown.care_area_deduction} 分")
        points -= deduction
    elif area < standard:
        notes.say(f"托育场所面积 {fmt(area)}㎡，不足 {shown.childcare_area_m2}㎡，扣 {shown.care_area_deduction} 分")
        points -= deduction
    else:
        notes.say(f"托育场所面积 {fmt(area)}㎡，达到 {shown.childcare_area_m2}㎡")
    points -= _missing_services(ctx, "childcare_services", rubric.care_service_step, notes)
    points = _floor(points)
    notes.say(f"托育部分得 {fmt(points)} 分")
    return points


# ---------------------------------------------------------------------------
# Items 7 品质质量, 8 促消费活动
# ---------------------------------------------------------------------------


def _item_chain(ctx: Context, rubric: Rubric) -> ItemResult:
    notes = Notes()
    if ctx.chain is None:
        notes.unfilled("total.chain")
    if ctx.outlets is None:
        notes.unfilled("total.outlets")
    if ctx.chain is None or ctx.outlets is None:
        notes.say("无法计算连锁化率，此项不得分")
        return ItemResult(7, ZERO, notes)
    if ctx.totals_summed:
        notes.say("附件5合计行未填全，按各业态网点相加")
    if ctx.outlets <= 0:
        notes.say("商业网点合计为 0，此项不得分")
        return ItemResult(7, ZERO, notes)
    share = ctx.chain / ctx.outlets * HUNDRED
    threshold = rubric.chain_threshold_pct
    reached = share >= threshold
    points = rubric.chain_points if reached else ZERO
    notes.say(f"品牌连锁店 {fmt(ctx.chain)} 个，占商业网点 {fmt(ctx.outlets)} 个的 {_pct(share)}%，"
              f"{'达到' if reached else '低于'}本市（{rubric.city_tier}城市）标准 {rubric.shown.chain_threshold_pct}%，"
              f"得 {fmt(points)} 分")
    return ItemResult(7, points, notes)


def _item_events(ctx: Context, rubric: Rubric) -> ItemResult:
    notes = Notes(fallback_label=SERVICE_ITEM[8].name)
    events = ctx.fact("events", notes, "此项不得分")
    as_of = ctx.circle.get("as_of")
    if events is None:
        return ItemResult(8, ZERO, notes)
    if not as_of:
        notes.unfilled("as_of", "无法确定年度，此项不得分")
        return ItemResult(8, ZERO, notes)
    year = _iso(as_of)[:4]
    dated = [e for e in events if isinstance(e, dict) and e.get("date")]
    in_year = [e for e in dated if _iso(e["date"])[:4] == year]
    earned = rubric.event_points * len(in_year)
    points = min(earned, rubric.events_cap)
    names = "、".join(str(e.get("name") or "未命名") for e in in_year)
    listed = f"（{names}）" if names else ""
    capped = f"，最多得 {rubric.shown.events_cap} 分" if earned > rubric.events_cap else ""
    notes.say(f"{year} 年内开展促消费活动 {len(in_year)} 次{listed}，每次 {rubric.shown.event_points} 分"
              f"{capped}，得 {fmt(points)} 分")
    if len(dated) > len(in_year):
        notes.say(f"另有 {len(dated) - len(in_year)} 次不在 {year} 年内，不计分")
    if len(events) > len(dated):
        notes.say(f"{len(events) - len(dated)} 次未填日期，不计分")
    return ItemResult(8, points, notes)


# ---------------------------------------------------------------------------
# Item 9 智慧服务
# ---------------------------------------------------------------------------


def _item_smart(ctx: Context, rubric: Rubric) -> ItemResult:
    notes = Notes()
    points = _yes_points(ctx, "scan_pay_monitoring", rubric.smart_pay_points, notes)
    points += _terminals(ctx, rubric, notes)
    points += _yes_points(ctx, "wayfinding_map", rubric.wayfinding_points, notes)
    points += _platform(ctx, rubric, notes)
    notes.say(f"本项共 {fmt(points)} 分")
    return ItemResult(9, points, notes)


_TERMINAL_LABEL = {kind.id: kind.label for kind in forms.TERMINAL_KINDS}


def _terminals(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    terminals = ctx.fact("terminals", notes, "按 0 类计") or {}
    enough = [kind for kind, count in terminals.items()
              if (_dec(count) or ZERO) >= rubric.terminal_min_units]
    kinds, required = len(enough), rubric.terminal_kinds_required
    names = "、".join(_TERMINAL_LABEL.get(kind, kind) for kind in enough)
    facts = (f"{_label('service.terminals')}每类 {rubric.terminal_min_units} 台以上的有 {kinds} 类"
             + (f"（{names}）" if names else ""))
    if kinds >= required:
        notes.say(f"{facts}，达到 {required} 类，得 {rubric.shown.terminal_points} 分")
        return rubric.terminal_points
    short = required - kinds
    deduction = rubric.terminal_step * short
    points = _floor(rubric.terminal_points - deduction)
    notes.say(f"{facts}，少于 {required} 类 {short} 类，扣 {fmt(deduction)} 分，得 {fmt(points)} 分")
    return points


def _platform(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    rates = _platform_rates(ctx, notes)
    if rates is None:
        notes.say("无法计算商户入驻率和居民注册率，平台部分 0 分")
        return ZERO
    merchants, residents = rates
    if merchants >= rubric.platform_high_merchants_pct and residents >= rubric.platform_high_residents_pct:
        points = rubric.platform_high_points
        rule = f"达到 {rubric.shown.platform_high_merchants_pct}% 和 {rubric.shown.platform_high_residents_pct}%"
    elif merchants >= rubric.platform_mid_merchants_pct and residents >= rubric.platform_mid_residents_pct:
        points = rubric.platform_mid_points
        rule = f"达到 {rubric.shown.platform_mid_merchants_pct}% 和 {rubric.shown.platform_mid_residents_pct}%"
    else:
        points = ZERO
        rule = f"未达到 {rubric.shown.platform_mid_merchants_pct}% 和 {rubric.shown.platform_mid_residents_pct}%"
    notes.say(f"智慧服务平台{rule}，得 {fmt(points)} 分")
    return points


def _platform_rates(ctx: Context, notes: Notes) -> tuple[Decimal, Decimal] | None:
    """(商户入驻率, 居民注册率) in percent, explained; None when a fact is missing."""
    on_platform = _dec(ctx.fact("merchants_on_platform", notes))
    registered = _dec(ctx.fact("residents_registered", notes))
    merchants = _dec(ctx.service.get("merchants_total"))
    defaulted = merchants is None
    if defaulted:
        merchants = ctx.outlets
        if merchants is None:
            notes.unfilled("service.merchants_total")
    residents = ctx.residents(notes)
    if None in (on_platform, registered, merchants, residents):
        return None
    merchant_rate = on_platform / merchants * HUNDRED if merchants > 0 else ZERO
    people = residents * TEN_THOUSAND
    resident_rate = registered / people * HUNDRED if people > 0 else ZERO
    source = "，取附件5网点合计" if defaulted else ""
    notes.say(f"商户入驻率 {_pct(merchant_rate)}%（入驻 {fmt(on_platform)} 户，商户总数 {fmt(merchants)} 户{source}），"
              f"居民注册率 {_pct(resident_rate)}%（注册 {fmt(registered)} 人，服务人口 {fmt(residents)} 万人）")
    return merchant_rate, resident_rate


# ---------------------------------------------------------------------------
# Item 10 商居和谐
# ---------------------------------------------------------------------------


def _item_harmony(ctx: Context, rubric: Rubric) -> ItemResult:
    notes = Notes()
    value = ctx.fact("harmony", notes, "此项不得分")
    if value is None:
        return ItemResult(10, ZERO, notes)
    label = _label("service.harmony")
    points = rubric.harmony_points.get(str(value).strip())
    if points is None:
        choices = "、".join(rubric.harmony_points)
        notes.say(f"「{label}」填报为“{value}”，不是{choices}之一，此项不得分")
        return ItemResult(10, ZERO, notes)
    notes.say(f"{label}评价为“{str(value).strip()}”，得 {fmt(points)} 分")
    return ItemResult(10, points, notes)


ITEM_SCORERS: tuple[Callable[[Context, Rubric], ItemResult], ...] = (
    _item_needs, _item_business, _item_service, _item_store_breakfast, _item_market_repair,
    _item_care, _item_chain, _item_events, _item_smart, _item_harmony,
)


# ---------------------------------------------------------------------------
# 附件2 业态“有没有”
# ---------------------------------------------------------------------------


@dataclass
class PresenceResult:
    total: Decimal
    basic: Decimal
    quality: Decimal
    type: str
    basic_count: int
    quality_count: int
    notes: Notes


_TYPE_IDS = tuple(t.id for t in forms.PRESENCE_TYPES)
_BASIC_IDS = frozenset(t.id for t in forms.BASIC_TYPES)


def score_presence(circle: dict, rubric: Rubric) -> PresenceResult:
    """附件2: 60 for enough basic types, 1.5 per quality type up to 40, and the initial type."""
    presence = circle.get("presence")
    notes = Notes(fallback_label=forms.FORM2_TITLE)
    ticks = list(map(presence.get, _TYPE_IDS)) if isinstance(presence, dict) else []
    if ticks.count(None) == len(ticks):
        notes.unfilled("presence", "业态“有没有”按 0 分计，未达到基础型")
        return PresenceResult(ZERO, ZERO, ZERO, NOT_TYPED, 0, 0, notes)
    present = set(compress(_TYPE_IDS, ticks))
    basic_count = len(present & _BASIC_IDS)
    quality_count = len(present) - basic_count
    basic = _basic_points(present, basic_count, rubric, notes)
    quality = _quality_points(quality_count, rubric, notes)
    if None in ticks:
        _note_unfilled_types([t for t, tick in zip(forms.PRESENCE_TYPES, ticks) if tick is None], notes)
    total = basic + quality
    initial = rubric.initial_type(total)
    if initial == NOT_TYPED:
        notes.say(f"合计 {fmt(total)} 分，低于 {rubric.shown.type_cut_basic} 分，未达到基础型")
    else:
        notes.say(f"合计 {fmt(total)} 分，初步分型为{initial}")
    return PresenceResult(total, basic, quality, initial, basic_count, quality_count, notes)


def _basic_points(present: set[str], count: int, rubric: Rubric, notes: Notes) -> Decimal:
    """All or nothing; with a configured 必备 list, every type on it must be present too."""
    lacking = [forms.PRESENCE[t].label for t in rubric.required_basic_types if t not in present]
    facts = f"基本保障类业态 {count} 类"
    if lacking:
        notes.say(f"{facts}，必备业态缺少{'、'.join(lacking)}，得 0 分")
        return ZERO
    if count < rubric.basic_required:
        notes.say(f"{facts}，不足 {rubric.basic_required} 类，得 0 分")
        return ZERO
    rule = "必备业态齐全" if rubric.required_basic_types else f"达到 {rubric.basic_required} 类"
    notes.say(f"{facts}，{rule}，得 {rubric.shown.basic_points} 分")
    return rubric.basic_points


def _quality_points(count: int, rubric: Rubric, notes: Notes) -> Decimal:
    earned = rubric.quality_each * count
    facts = f"品质提升类业态 {count} 类，每类 {rubric.shown.quality_each} 分"
    if earned > rubric.quality_cap:
        notes.say(f"{facts}，计 {fmt(earned)} 分，超过上限 {rubric.shown.quality_cap} 分，按 {rubric.shown.quality_cap} 分计")
        return rubric.quality_cap
    notes.say(f"{facts}，得 {fmt(earned)} 分")
    return earned


def _note_unfilled_types(unfilled: list, notes: Notes) -> None:
    if not unfilled:
        return
    notes.missing.extend(f"presence.{t.id}" for t in unfilled)
    names = "、".join(t.label for t in unfilled)
    notes.say(f"另有 {len(unfilled)} 类业态未填报有无（{names}），按“无”计")


# ---------------------------------------------------------------------------
# Final type, self-scores, the whole record
# ---------------------------------------------------------------------------


def final_type(initial: str, grade: str) -> tuple[str, str]:
    """The lower of the initial type and the type the grade allows, and why (scoring.md)."""
    allowed = grade_allows(grade)
    held, by_grade = TYPES.index(initial), TYPES.index(allowed)
    final = TYPES[min(held, by_grade)]
    if initial == NOT_TYPED:
        return final, f"业态未达到基础型，服务评价为{grade}，最终确定为{final}"
    if held == by_grade:
        return final, f"业态初步分型为{initial}，服务评价为{grade}，最终确定为{final}"
    if held > by_grade:
        return final, f"业态已达{initial}，因服务评价为{grade}，最终确定为{final}"
    return final, f"服务评价为{grade}，但业态仅达{initial}，最终确定为{final}"


def _self_score(value: Any, computed: Decimal, rubric: Rubric) -> tuple[Decimal | None, bool]:
    mine = None if value is None else _dec(value)
    if mine is None:
        return None, False
    return mine, abs(computed - mine) > rubric.self_score_tolerance


def _difference(part: str, no: int | None, item: str, computed: Decimal, mine: Decimal) -> dict:
    return {"part": part, "no": no, "item": item, "points": to_number(computed),
            "self_score": to_number(mine), "difference": to_number(computed - mine)}


_ITEM_KEYS = {item.no: str(item.no) for item in SERVICE_ITEM.values()}


def _item_record(result: ItemResult, rubric: Rubric, self_scores: dict,
                 differences: list[dict]) -> dict:
    item = SERVICE_ITEM[result.no]
    # 自评 keys are "1"…"10" in JSON; ints are accepted too
    raw = None
    if self_scores:
        key = _ITEM_KEYS[result.no]
        raw = self_scores[key] if key in self_scores else self_scores.get(result.no)
    mine, differs = (None, False) if raw is None else _self_score(raw, result.points, rubric)
    if differs:
        differences.append(_difference("service", result.no, item.name, result.points, mine))
    record = {"no": result.no, "name": item.name, "points": to_number(result.points),
              "max": to_number(rubric.item_max(result.no)), "explanation": result.notes.text(),
              "missing": result.notes.missing,
              "self_score": None if mine is None else to_number(mine), "differs": differs}
    if result.source is not None:
        record["source"] = result.source
    return record


def score_circle(circle: dict, rubric: Rubric, *, projects: list[dict] | None = None,
                 survey: dict | None = None) -> dict:
    """Both rubrics for one CIRCLE record of the JSON contract, every point explained.

    `projects` are the circle's 附件6 rows (to derive 已落实相关建设内容 when blank);
    `survey` is the circle's 附件4 summary ``{"answers", "business_pct", "service_pct"}``,
    used for items 2 and 3 when the filed satisfaction is blank.
    """
    ctx = _context(circle, projects, survey)
    presence = score_presence(circle, rubric)
    results = [scorer(ctx, rubric) for scorer in ITEM_SCORERS]
    service_total = sum((r.points for r in results), ZERO)
    grade = rubric.grade(service_total)
    final, why = final_type(presence.type, grade)
    self_scores = circle.get("self_score") or {}
    differences: list[dict] = []
    items = [_item_record(r, rubric, self_scores.get("service") or {}, differences) for r in results]
    missing = list(dict.fromkeys(
        [*presence.notes.missing, *(path for r in results for path in r.notes.missing)]))
    return {
        "presence": _presence_record(presence, self_scores.get("presence"), rubric, differences),
        "service": _service_record(service_total, grade, items, self_scores.get("service_total"),
                                   rubric, differences),
        "final_type": final,
        "explanation": (f"业态“有没有”得 {fmt(presence.total)} 分；服务“好不好”得 {fmt(service_total)} 分，"
                        f"评价为{grade}；{why}。"),
        "missing": missing,
        "self_score_differences": differences,
    }


def _presence_record(presence: PresenceResult, self_value: Any, rubric: Rubric,
                     differences: list[dict]) -> dict:
    mine, differs = _self_score(self_value, presence.total, rubric)
    if differs:
        differences.append(_difference("presence", None, forms.FORM2_TITLE, presence.total, mine))
    return {
        "total": to_number(presence.total), "max": to_number(rubric.presence_max), "basic": to_number(presence.basic),
        "quality": to_number(presence.quality), "type": presence.type,
        "basic_count": presence.basic_count, "quality_count": presence.quality_count,
        "explanation": presence.notes.text(), "missing": list(presence.notes.missing),
        "self_score": None if mine is None else to_number(mine), "differs": differs,
    }


def _service_record(total: Decimal, grade: str, items: list[dict], self_value: Any,
                    rubric: Rubric, differences: list[dict]) -> dict:
    mine, differs = _self_score(self_value, total, rubric)
    if differs:
        differences.append(_difference("service_total", None, forms.FORM3_TITLE, total, mine))
    cuts = (f"{rubric.shown.grade_cut_excellent} 分及以上为优秀，{rubric.shown.grade_cut_good} 分及以上为良好，"
            f"{rubric.shown.grade_cut_pass} 分及以上为合格")
    return {
        "total": to_number(total), "grade": grade, "items": items,
        "explanation": f"十项合计 {fmt(total)} 分（{cuts}），评价为{grade}。",
        "self_score": None if mine is None else to_number(mine), "differs": differs,
    }


def score_many(circles: Iterable[dict], rubric: Rubric, *, projects: Iterable[dict] | None = None,
               surveys: dict[str, dict] | None = None) -> list[dict]:
    """Score many circles; `projects` (all 附件6 rows) and `surveys` are matched by circle name."""
    by_circle: dict[str, list[dict]] | None = None
    if projects is not None:
        by_circle = {}
        for project in projects:
            by_circle.setdefault(project.get("circle") or "", []).append(project)
    surveys = surveys or {}
    with gc_paused():
        return [
            score_circle(circle, rubric,
                         projects=None if by_circle is None else by_circle.get(circle.get("name") or "", []),
                         survey=surveys.get(circle.get("name") or ""))
            for circle in circles
        ]


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector switched off for a batch, then restored.

    Scoring allocates ~30 small dicts and lists per circle, none in a reference cycle
    (reference counting frees them all), yet each allocation burst triggers collections
    that walk every live container, including all of the caller's input circles: about a
    fifth of a large batch's time went to finding no garbage. Restored even on error.
    """
    if not gc.isenabled():  # the caller already manages the collector
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
