"""Both rubrics, scored from a circle's facts, every point explained in plain Chinese.

Pure functions, no I/O. Points are exact Decimals until the very end (five deductions of
0.6 are 3.0, not 2.9999999999999996); thresholds compare unrounded values. The numbers
come from a :class:`~jnqh.score.rubric.Rubric`, the labels from :mod:`jnqh.forms`. A fact that
was not filled earns nothing, and the explanation says so ("未填报「…」") instead of
silently counting it as zero.

Speed (benchmarks/bench_scoring.py: 5,000 circles well within a second). Every sentence or
phrase that depends only on the rubric is worded once per rubric, by the ``_…_phrases``
function beside its rule (gathered by :func:`_phrases`); a circle only fills in its own facts.
Hot paths avoid what is dear in CPython for what they do: hashing fresh Decimals (numbers are
cached by their text), generator expressions and per-call helper objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from types import SimpleNamespace
from typing import Any

from jnqh import forms
from jnqh.batch import gc_paused
from jnqh.score.rubric import NOT_TYPED, SERVICE_ITEM, TYPES, Rubric, grade_allows, plain, plain_text

ZERO = Decimal(0)
TEN_THOUSAND = Decimal(10000)
HUNDRED = Decimal(100)
SOURCE_FILED = "填报"
SOURCE_SURVEY = "附件4问卷"
_CENT = Decimal("0.01")


# ---------------------------------------------------------------------------
# Small helpers: numbers, labels, the notes an item collects
# ---------------------------------------------------------------------------


# Counts, areas and points below a thousand recur in every circle: their Decimals made once.
_SMALL_INTS = tuple(Decimal(n) for n in range(1024))


def _dec(value: Any) -> Decimal | None:
    """A JSON number as an exact Decimal (via str, so 89.99 stays 89.99); junk → None."""
    # Most facts are JSON ints, floats or blank: test those kinds first.
    kind = type(value)
    if kind is int:
        return _SMALL_INTS[value] if 0 <= value < len(_SMALL_INTS) else Decimal(value)
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
    # As fmt() writes it; uncached, as percentages seldom recur.
    return plain_text(str(value.quantize(_CENT, ROUND_DOWN)))


def to_number(value: Decimal) -> int | float:
    """The JSON form of points: int when whole, else a float of at most two decimals."""
    # Cached by the number's text (the same few recur), as its str() is much cheaper than
    # its hash; equal texts are equal Decimals.
    return _number_of(str(value))


@lru_cache(maxsize=4096)
def _number_of(text: str) -> int | float:
    value = Decimal(text)
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


def _entries(values: Iterable[Any] | None) -> set[str]:
    """The distinct entries of a filed list, stripped (a kind ticked twice counts once)."""
    try:
        return set(map(str.strip, values or ()))
    except TypeError:  # not all of them text (str() first is slower, so only when needed)
        return set(map(str.strip, map(str, values)))


def _count_distinct(values: Iterable[Any] | None) -> int:
    """How many distinct non-blank entries."""
    seen = _entries(values)
    seen.discard("")
    return len(seen)


def _floor(points: Decimal) -> Decimal:
    return points if points >= ZERO else ZERO  # (as max(points, ZERO), without its overhead)


class Notes(list):
    """What one item found: its sentences (the list itself), the facts not filled and, for
    items 2 and 3, where the figure came from."""

    __slots__ = ("fallback_label", "missing", "source")

    def __init__(self, fallback_label: str = "") -> None:
        # (list.__new__ has made the empty list: no list.__init__ needed)
        self.fallback_label = fallback_label  # shown when forms has no label for a path
        self.missing: list[str] = []
        self.source: str | None = None  # where an item's figure came from, when it may vary

    # A circle says some forty sentences: the list's own append, without a Python call.
    say = list.append

    def unfilled(self, path: str, then: str = "") -> None:
        """Say that the fact at `path` was not filled (and, in `then`, what that costs)."""
        if path not in self.missing:
            self.missing.append(path)
        sentence = f"未填报「{_label(path, self.fallback_label)}」"
        self.append(f"{sentence}，{then}" if then else sentence)


@dataclass(slots=True)
class Context:
    """Everything an item may read besides the rubric (built once per circle, then only read)."""

    circle: dict
    service: dict
    projects: list[dict] | None
    survey: dict | None
    phrases: SimpleNamespace  # the rubric's fixed wording, see _phrases
    chain: Decimal | None = None  # 附件5 合计 (or the sum of the categories)
    outlets: Decimal | None = None
    totals_summed: bool = False
    residents_10k: Decimal | None = None
    residents_text: str = ""  # as the explanations write it (several of them do)
    # (met, sentence) for the filed 有效样本: items 2 and 3 both check it, so it is checked once
    filed_sample: tuple[bool, str] = (False, "")

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


def _context(circle: dict, rubric: Rubric, phrases: SimpleNamespace, projects: list[dict] | None,
             survey: dict | None) -> Context:
    chain, outlets, summed = _outlet_totals(circle)
    service = circle.get("service") or {}
    residents = _dec(circle.get("residents_10k"))
    ctx = Context(circle, service, projects, survey, phrases, chain, outlets, summed, residents,
                  "" if residents is None else fmt(residents))
    ctx.filed_sample = _sample_check(_dec(service.get("survey_sample")), ctx, rubric)
    return ctx


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
    raw = [row.get(column) for row in rows]
    if raw and set(map(type, raw)) == {int}:  # the usual case: their exact sum, in one step
        return Decimal(sum(raw))
    values = [d for d in map(_dec, raw) if d is not None]
    return sum(values, ZERO) if values else None


def _iso(value: Any) -> str:
    """A date (or its ISO text) as YYYY-MM-DD text; ISO text compares in date order."""
    if type(value) is str:  # the usual case, tested first: hasattr() on a str is slow
        return value.strip()[:10]
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value).strip()[:10]


# ---------------------------------------------------------------------------
# The rubric's fixed wording, once per rubric
# ---------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _phrases(rubric: Rubric) -> SimpleNamespace:
    """Every sentence and phrase of the explanations that depends only on the rubric.

    Worded once per rubric (a batch shares them), by the ``_…_phrases`` function beside
    each rule; a circle then only fills in its own facts.
    """
    return SimpleNamespace(
        yes=_yes_phrases(rubric), service_lists=_service_list_phrases(rubric),
        needs=_needs_phrases(rubric), satisfaction=_satisfaction_phrases(rubric),
        store=_store_phrases(rubric), market=_market_phrases(rubric), repair=_repair_phrases(rubric),
        care=_care_phrases(rubric), chain=_chain_phrases(rubric), events=_event_phrases(rubric),
        terminals=_terminal_phrases(rubric), platform=_platform_phrases(rubric),
        harmony=_harmony_phrases(rubric), presence=_presence_phrases(rubric),
        records=_record_phrases(rubric))


# ---------------------------------------------------------------------------
# Rules shared by several items: yes/no facts, service lists
# ---------------------------------------------------------------------------


def _yes_phrases(rubric: Rubric) -> dict[str, tuple[Decimal, str, str]]:
    """For each yes/no fact: its points, and the sentences for yes and for no."""
    rules = {}
    for fact_id, points in (("breakfast_delivery", rubric.breakfast_delivery_points),
                            ("retail_delivery", rubric.retail_delivery_points),
                            ("scan_pay_monitoring", rubric.smart_pay_points),
                            ("wayfinding_map", rubric.wayfinding_points)):
        label = _label(f"service.{fact_id}")
        rules[fact_id] = (points, f"{label}，得 {fmt(points)} 分", f"「{label}」为“否”，不得分")
    return rules


def _yes_points(ctx: Context, fact_id: str, notes: Notes) -> Decimal:
    """Points for a yes/no fact: all of them for yes, none for no or blank."""
    value = ctx.service.get(fact_id)
    if value is None:
        notes.unfilled(f"service.{fact_id}", then="不得分")
        return ZERO
    points, said_yes, said_no = ctx.phrases.yes[fact_id]
    if value:
        notes.say(said_yes)
        return points
    notes.say(said_no)
    return ZERO


def _service_list_phrases(rubric: Rubric) -> dict[str, SimpleNamespace]:
    """For each list of required services: its options, and per number lacking the
    deduction and the end of the sentence that says so."""
    phrases = {}
    for fact_id, step in (("market_services", rubric.market_service_deduction),
                          ("elderly_services", rubric.care_service_step),
                          ("childcare_services", rubric.care_service_step)):
        options = _options(fact_id)
        label = _label(f"service.{fact_id}")
        deductions = [step * lacking for lacking in range(len(options) + 1)]
        phrases[fact_id] = SimpleNamespace(
            options=options, label=label, path=f"service.{fact_id}", deductions=deductions,
            complete=f"{label} {len(options)} 项齐全",
            unfilled=f"按缺 {len(options)} 项扣 {fmt(deductions[-1])} 分",
            tails=[f" {lacking} 项，每项扣 {fmt(step)} 分，扣 {fmt(deduction)} 分"
                   for lacking, deduction in enumerate(deductions)])
    return phrases


def _missing_services(ctx: Context, fact_id: str, notes: Notes) -> Decimal:
    """The deduction for each option of a service list the circle does not offer."""
    rule = ctx.phrases.service_lists[fact_id]
    listed = ctx.service.get(fact_id)
    if listed is None:
        notes.unfilled(rule.path, then=rule.unfilled)
        return rule.deductions[-1]
    have = _entries(listed)
    lacking = [option for option in rule.options if option not in have]
    if not lacking:
        notes.say(rule.complete)
        return ZERO
    notes.say(f"{rule.label}缺少{'、'.join(lacking)}{rule.tails[len(lacking)]}")
    return rule.deductions[len(lacking)]


# ---------------------------------------------------------------------------
# 附件3 item 1 问需于民
# ---------------------------------------------------------------------------

_LISTS = ("needs_list", "project_list")


def _needs_phrases(rubric: Rubric) -> SimpleNamespace:
    """The verdicts, and (points, sentence) for the item's total by (lists ok?, done?)."""
    totals = {}
    for lists_ok in (False, True):
        for done in (False, True):
            points = ZERO
            if lists_ok:
                points += rubric.lists_points
            if done:
                points += rubric.done_points
            totals[lists_ok, done] = (points, f"本项共 {fmt(points)} 分")
    names = "、".join(_label(f"service.{fact_id}") for fact_id in _LISTS)
    return SimpleNamespace(
        lists=f"{names}，得 {rubric.shown.lists_points} 分",
        said_no={fact_id: f"「{_label(f'service.{fact_id}')}」为“否”" for fact_id in _LISTS},
        done=f"{_label('service.projects_done')}，得 {rubric.shown.done_points} 分", totals=totals)


def _item_needs(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    words = ctx.phrases.needs
    lists = (ctx.fact("needs_list", notes), ctx.fact("project_list", notes))  # (_LISTS)
    lists_ok = all(lists)
    if lists_ok:
        notes.say(words.lists)
    else:
        for fact_id, value in zip(_LISTS, lists):
            if value is not None and not value:
                notes.say(words.said_no[fact_id])
        notes.say("需求清单和项目清单不全，此部分不得分")
    done = _projects_done(ctx, notes)
    if done:
        notes.say(words.done)
    else:
        notes.say("建设内容未落实，此部分不得分" if done is False else "此部分不得分")
    points, total = words.totals[lists_ok, bool(done)]
    notes.say(total)
    return points


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


def _satisfaction_phrases(rubric: Rubric) -> dict[str, SimpleNamespace]:
    """Per item ("business", "service"): the fact, its label and the ends of the verdicts."""
    shown = rubric.shown
    high, mid = shown.satisfaction_high_pct, shown.satisfaction_mid_pct
    phrases = {}
    for which in ("business", "service"):
        fact_id = f"{which}_satisfaction_pct"
        phrases[which] = SimpleNamespace(
            fact_id=fact_id, path=f"service.{fact_id}", name=_label(f"service.{fact_id}"),
            survey_key=f"{which}_pct", high=f"，达到 {high}%，得 {shown.satisfaction_high_points} 分",
            mid=f"，在 {mid}%–{high}% 之间，得 {shown.satisfaction_mid_points} 分",
            low=f"，低于 {mid}%，得 0 分")
    return phrases


def _item_business(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    return _satisfaction(ctx, rubric, "business", notes)


def _item_service(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    return _satisfaction(ctx, rubric, "service", notes)


def _satisfaction(ctx: Context, rubric: Rubric, which: str, notes: Notes) -> Decimal:
    words = ctx.phrases.satisfaction[which]
    pct, sample_ok, source = _satisfaction_facts(ctx, rubric, words, notes)
    notes.source = source
    points = ZERO
    if pct is None:
        notes.say("此项不得分")
        return points
    if not sample_ok:
        verdict = "，但样本不符合要求，得 0 分"
    elif pct >= rubric.satisfaction_high_pct:
        points, verdict = rubric.satisfaction_high_points, words.high
    elif pct >= rubric.satisfaction_mid_pct:
        points, verdict = rubric.satisfaction_mid_points, words.mid
    else:
        verdict = words.low
    notes.say(f"{words.name} {_pct(pct)}%{verdict}")
    return points


def _satisfaction_facts(ctx: Context, rubric: Rubric, words: SimpleNamespace,
                        notes: Notes) -> tuple[Decimal | None, bool, str]:
    """(satisfaction, sample ok, source): the filed figures, else those of the 附件4 survey;
    the notes say how the sample was checked."""
    filed = _dec(ctx.service.get(words.fact_id))
    # The survey only matters when the filed figure is blank (most circles file one).
    from_survey = None if filed is not None or not ctx.survey else _dec(ctx.survey.get(words.survey_key))
    if from_survey is not None:
        answers = _dec(ctx.survey.get("answers"))
        notes.say(f"「{words.name}」未填报，按附件4问卷 {fmt(answers or ZERO)} 份答卷计算")
        ctx.residents(notes)
        sample_ok, sentence = _sample_check(answers, ctx, rubric)
        notes.say(sentence)
        return from_survey, sample_ok, SOURCE_SURVEY
    if filed is None:
        notes.unfilled(words.path)
    ctx.fact("survey_sample", notes)  # only to say so when blank: the check is the circle's
    ctx.residents(notes)
    sample_ok, sentence = ctx.filed_sample
    notes.say(sentence)
    return filed, sample_ok, SOURCE_FILED


def _sample_check(sample: Decimal | None, ctx: Context, rubric: Rubric) -> tuple[bool, str]:
    """The seed: 样本不少于本生活圈服务人口的10%. (Met?, the sentence that says so.)"""
    residents = ctx.residents_10k
    if sample is None or residents is None:
        return False, "无法核对样本是否符合要求"
    required = rubric.sample_share * residents * TEN_THOUSAND
    shown = fmt(required.to_integral_value(rounding=ROUND_CEILING))
    people = f"服务人口 {ctx.residents_text} 万人的 {rubric.shown.sample_share_pct}%"
    if sample >= required:
        return True, f"有效样本 {fmt(sample)} 份，不少于{people}（{shown} 份），样本符合要求"
    return False, f"有效样本 {fmt(sample)} 份，少于{people}（应不少于 {shown} 份），样本不符合要求"


# ---------------------------------------------------------------------------
# Item 4 一店一早
# ---------------------------------------------------------------------------


def _store_phrases(rubric: Rubric) -> SimpleNamespace:
    """Labels, and the end of each verdict: "，<rule>，得 <points> 分"."""
    def verdict(rule: str, points: Decimal) -> str:
        return f"，{rule}，得 {fmt(points)} 分"

    services, open_24h = rubric.store_mid_services, rubric.store_mid_24h
    kinds = rubric.breakfast_mid_kinds
    return SimpleNamespace(
        services=_label("service.store_services"), open_24h=_label("service.stores_24h"),
        breakfast=_label("service.breakfast_kinds"),
        store_high=verdict(f"达到 {rubric.store_high_services} 类以上且 {rubric.store_high_24h} 家以上",
                           rubric.store_high_points),
        store_mid=verdict(f"达到 {services} 类以上且 {open_24h} 家以上", rubric.store_mid_points),
        store_none=verdict(f"未达到 {services} 类以上且 {open_24h} 家以上", ZERO),
        breakfast_high=verdict(f"达到 {rubric.breakfast_high_kinds} 类", rubric.breakfast_high_points),
        breakfast_mid=verdict(f"达到 {kinds} 类", rubric.breakfast_mid_points),
        breakfast_none=verdict(f"不足 {kinds} 类", ZERO))


def _item_store_breakfast(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    points = _stores(ctx, rubric, notes) + _breakfast(ctx, rubric, notes)
    points += _yes_points(ctx, "breakfast_delivery", notes)
    points += _yes_points(ctx, "retail_delivery", notes)
    notes.say(f"本项共 {fmt(points)} 分")
    return points


def _stores(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    words = ctx.phrases.store
    kinds = _count_distinct(ctx.fact("store_services", notes, "按 0 类计"))
    open_24h = _dec(ctx.fact("stores_24h", notes, "按 0 家计")) or ZERO
    if kinds >= rubric.store_high_services and open_24h >= rubric.store_high_24h:
        points, verdict = rubric.store_high_points, words.store_high
    elif kinds >= rubric.store_mid_services and open_24h >= rubric.store_mid_24h:
        points, verdict = rubric.store_mid_points, words.store_mid
    else:
        points, verdict = ZERO, words.store_none
    notes.say(f"{words.services} {kinds} 类，{words.open_24h} {fmt(open_24h)} 家{verdict}")
    return points


def _breakfast(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    words = ctx.phrases.store
    kinds = _dec(ctx.fact("breakfast_kinds", notes, "按 0 类计")) or ZERO
    if kinds >= rubric.breakfast_high_kinds:
        points, verdict = rubric.breakfast_high_points, words.breakfast_high
    elif kinds >= rubric.breakfast_mid_kinds:
        points, verdict = rubric.breakfast_mid_points, words.breakfast_mid
    else:
        points, verdict = ZERO, words.breakfast_none
    notes.say(f"{words.breakfast} {fmt(kinds)} 类{verdict}")
    return points


# ---------------------------------------------------------------------------
# Item 5 一菜一修
# ---------------------------------------------------------------------------


def _market_phrases(rubric: Rubric) -> SimpleNamespace:
    """The area's label, and the phrases of the area check."""
    deduction = rubric.shown.market_area_deduction
    return SimpleNamespace(
        area=_label("service.market_area_m2"), unknown_area=f"无法确认面积达标，扣 {deduction} 分",
        uncheckable=f"无法核算菜市场面积标准，扣 {deduction} 分", too_small=f"，面积不足，扣 {deduction} 分",
        per_1000=f" 万人按每千人 {rubric.shown.market_m2_per_1000}㎡ 应不少于 ")


def _item_market_repair(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    points = _market(ctx, rubric, notes) + _repair(ctx, rubric, notes)
    notes.say(f"本项共 {fmt(points)} 分")
    return points


def _market(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    area = _market_area(ctx, notes)
    if area is None and not (ctx.service.get("market_services") or _has_market_outlets(ctx)):
        notes.unfilled("service.market_area_m2", "无法确认有菜市场，菜市场部分 0 分")
        return ZERO
    if area is not None and area <= ZERO:
        notes.say("没有菜市场，菜市场部分 0 分")
        return ZERO
    points = rubric.market_points
    points -= _market_area_deduction(ctx, area, rubric, notes)
    points -= _missing_services(ctx, "market_services", notes)
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
    notes.say(f"「{ctx.phrases.market.area}」未填，按各处菜市场面积相加为 {fmt(area)}㎡")
    return area


def _has_market_outlets(ctx: Context) -> bool:
    categories = ctx.circle.get("categories") or {}
    return any((_dec((categories.get(c) or {}).get("outlets")) or ZERO) > 0
               for c in ("wet_market", "fresh_grocery"))


def _market_area_deduction(ctx: Context, area: Decimal | None, rubric: Rubric, notes: Notes) -> Decimal:
    """菜市场规划的总建筑面积按每千人不低于50平方米; unverifiable counts as not met."""
    words = ctx.phrases.market
    deduction = rubric.market_area_deduction
    if area is None:
        notes.unfilled("service.market_area_m2", words.unknown_area)
        return deduction
    residents = ctx.residents(notes)
    if residents is None:
        notes.say(words.uncheckable)
        return deduction
    required = residents * 10 * rubric.market_m2_per_1000
    met = area >= required
    notes.say(f"{words.area} {fmt(area)}㎡，服务人口 {ctx.residents_text}{words.per_1000}{fmt(required)}㎡"
              f"{'，面积达标' if met else words.too_small}")
    return ZERO if met else deduction


# Shortfall sentences are worded in advance for counts below this; a larger count (only an
# absurd configured requirement allows one) is worded when it occurs.
SHORTFALL_TABLE = 64


def _repair_phrases(rubric: Rubric) -> SimpleNamespace:
    """The verdict for enough kinds, and _repair_short() for the counts a circle may have."""
    required = rubric.repair_kinds_required
    short_of = {kinds: _repair_short(rubric, kinds) for kinds in range(1, min(required, SHORTFALL_TABLE))}
    return SimpleNamespace(enough=f" 类，达到 {required} 类，得 {rubric.shown.repair_points} 分",
                           short_of=short_of)


def _repair_short(rubric: Rubric, kinds: int) -> tuple[Decimal, str]:
    """(points, sentence) for `kinds` kinds of 小修小补, fewer than required."""
    required = rubric.repair_kinds_required
    deduction = rubric.repair_step * (required - kinds)
    points = _floor(rubric.repair_points - deduction)
    return points, (f"小修小补 {kinds} 类，少于 {required} 类 {required - kinds} 类，"
                    f"扣 {fmt(deduction)} 分，得 {fmt(points)} 分")


def _repair(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    kinds = _count_distinct(ctx.fact("repair_kinds", notes, "按 0 类计"))
    if kinds == 0:
        # (design) Like a circle without a market or a care facility: no 小修小补 at all
        # earns nothing, rather than the 0.2 that 5 − 8 × 0.6 would leave.
        notes.say("没有小修小补网点，得 0 分")
        return ZERO
    words = ctx.phrases.repair
    if kinds >= rubric.repair_kinds_required:
        notes.say(f"小修小补 {kinds}{words.enough}")
        return rubric.repair_points
    points, sentence = words.short_of.get(kinds) or _repair_short(rubric, kinds)
    notes.say(sentence)
    return points


# ---------------------------------------------------------------------------
# Item 6 一老一小
# ---------------------------------------------------------------------------


def _care_phrases(rubric: Rubric) -> SimpleNamespace:
    """The phrases of the area checks of 养老 and 托育."""
    shown = rubric.shown
    deduction = shown.care_area_deduction
    return SimpleNamespace(
        unknown_area=f"无法确认面积达标，扣 {deduction} 分",
        elderly_small=f"养老服务场所面积不达标，扣 {deduction} 分",
        childcare_small=f"㎡，不足 {shown.childcare_area_m2}㎡，扣 {deduction} 分",
        childcare_enough=f"㎡，达到 {shown.childcare_area_m2}㎡")


def _item_care(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    points = _elderly(ctx, rubric, notes) + _childcare(ctx, rubric, notes)
    notes.say(f"本项共 {fmt(points)} 分")
    return points


def _elderly_area_answers() -> dict[str, str]:
    """Every accepted answer for 面积达标 (id, label, variants) → its option id."""
    answers: dict[str, str] = {}
    for option in forms.ELDERLY_AREA_CHOICES:
        for text in (option.id, option.label, *option.variants):
            answers.setdefault(text, option.id)  # the first option to accept a text keeps it
    return answers


_ELDERLY_AREA_ANSWERS = _elderly_area_answers()


def _elderly_area(value: Any) -> str | None:
    """The filed 面积达标 answer as an option id (yes/no/none); booleans mean yes/no."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _ELDERLY_AREA_ANSWERS.get(str(value).strip())


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
        notes.unfilled(path, ctx.phrases.care.unknown_area)
        points -= deduction
    elif area == "no":
        notes.say(ctx.phrases.care.elderly_small)
        points -= deduction
    else:
        notes.say("养老服务场所面积达标")
    points -= _missing_services(ctx, "elderly_services", notes)
    points = _floor(points)
    notes.say(f"养老部分得 {fmt(points)} 分")
    return points


def _childcare(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    area = _dec(ctx.service.get("childcare_area_m2"))
    # A blank area means "no facility" (forms.md), unless services are listed for one.
    if (area is None or area <= ZERO) and not ctx.service.get("childcare_services"):
        notes.say("没有托育场所，托育部分 0 分")
        return ZERO
    points = rubric.care_points
    deduction, words = rubric.care_area_deduction, ctx.phrases.care
    if area is None:
        notes.unfilled("service.childcare_area_m2", words.unknown_area)
        points -= deduction
    elif area < rubric.childcare_area_m2:
        notes.say(f"托育场所面积 {fmt(area)}{words.childcare_small}")
        points -= deduction
    else:
        notes.say(f"托育场所面积 {fmt(area)}{words.childcare_enough}")
    points -= _missing_services(ctx, "childcare_services", notes)
    points = _floor(points)
    notes.say(f"托育部分得 {fmt(points)} 分")
    return points


# ---------------------------------------------------------------------------
# Items 7 品质质量, 8 促消费活动
# ---------------------------------------------------------------------------


def _chain_phrases(rubric: Rubric) -> dict[bool, str]:
    """The verdict, by whether the share reaches the city's standard."""
    standard = f"本市（{rubric.city_tier}城市）标准 {rubric.shown.chain_threshold_pct}%"
    return {True: f"达到{standard}，得 {fmt(rubric.chain_points)} 分", False: f"低于{standard}，得 0 分"}


def _item_chain(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    if ctx.chain is None:
        notes.unfilled("total.chain")
    if ctx.outlets is None:
        notes.unfilled("total.outlets")
    if ctx.chain is None or ctx.outlets is None:
        notes.say("无法计算连锁化率，此项不得分")
        return ZERO
    if ctx.totals_summed:
        notes.say("附件5合计行未填全，按各业态网点相加")
    if ctx.outlets <= ZERO:
        notes.say("商业网点合计为 0，此项不得分")
        return ZERO
    share = ctx.chain / ctx.outlets * HUNDRED
    reached = share >= rubric.chain_threshold_pct
    notes.say(f"品牌连锁店 {fmt(ctx.chain)} 个，占商业网点 {fmt(ctx.outlets)} 个的 {_pct(share)}%，"
              f"{ctx.phrases.chain[reached]}")
    return rubric.chain_points if reached else ZERO


def _event_phrases(rubric: Rubric) -> SimpleNamespace:
    """The points per event, and the cap."""
    shown = rubric.shown
    return SimpleNamespace(each=f"，每次 {shown.event_points} 分", capped=f"，最多得 {shown.events_cap} 分")


def _item_events(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    notes.fallback_label = SERVICE_ITEM[8].name
    events = ctx.fact("events", notes, "此项不得分")
    as_of = ctx.circle.get("as_of")
    if events is None:
        return ZERO
    if not as_of:
        notes.unfilled("as_of", "无法确定年度，此项不得分")
        return ZERO
    year = _iso(as_of)[:4]
    dated, in_year = 0, []  # (the names of those in the year)
    for event in events:
        if isinstance(event, dict) and event.get("date"):
            dated += 1
            if _iso(event["date"])[:4] == year:
                in_year.append(str(event.get("name") or "未命名"))
    earned = rubric.event_points * len(in_year)
    points = min(earned, rubric.events_cap)
    names = "、".join(in_year)
    listed = f"（{names}）" if names else ""
    words = ctx.phrases.events
    capped = words.capped if earned > rubric.events_cap else ""
    notes.say(f"{year} 年内开展促消费活动 {len(in_year)} 次{listed}{words.each}{capped}，得 {fmt(points)} 分")
    if dated > len(in_year):
        notes.say(f"另有 {dated - len(in_year)} 次不在 {year} 年内，不计分")
    if len(events) > dated:
        notes.say(f"{len(events) - dated} 次未填日期，不计分")
    return points


# ---------------------------------------------------------------------------
# Item 9 智慧服务
# ---------------------------------------------------------------------------


def _item_smart(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    points = _yes_points(ctx, "scan_pay_monitoring", notes)
    points += _terminals(ctx, rubric, notes)
    points += _yes_points(ctx, "wayfinding_map", notes)
    points += _platform(ctx, rubric, notes)
    notes.say(f"本项共 {fmt(points)} 分")
    return points


_TERMINAL_LABEL = {kind.id: kind.label for kind in forms.TERMINAL_KINDS}


def _terminal_phrases(rubric: Rubric) -> SimpleNamespace:
    """The start of the sentence, the verdict for enough kinds, and _terminals_short() for the
    counts a circle may have."""
    required = rubric.terminal_kinds_required
    return SimpleNamespace(
        facts=f"{_label('service.terminals')}每类 {rubric.terminal_min_units} 台以上的有 ",
        enough=f"，达到 {required} 类，得 {rubric.shown.terminal_points} 分",
        short_of={kinds: _terminals_short(rubric, kinds) for kinds in range(min(required, SHORTFALL_TABLE))})


def _terminals_short(rubric: Rubric, kinds: int) -> tuple[Decimal, str]:
    """(points, end of the sentence) for `kinds` kinds of terminals, fewer than required."""
    required = rubric.terminal_kinds_required
    deduction = rubric.terminal_step * (required - kinds)
    points = _floor(rubric.terminal_points - deduction)
    return points, f"，少于 {required} 类 {required - kinds} 类，扣 {fmt(deduction)} 分，得 {fmt(points)} 分"


def _terminals(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    terminals = ctx.fact("terminals", notes, "按 0 类计") or {}
    least = rubric.terminal_min_units
    # The counts are JSON ints nearly always: those compare as they are (as their Decimal would).
    enough = [kind for kind, count in terminals.items()
              if (count if type(count) is int else (_dec(count) or ZERO)) >= least]
    kinds, words = len(enough), ctx.phrases.terminals
    names = "、".join(map(_TERMINAL_LABEL.get, enough, enough))  # an unknown kind by its id
    listed = f"（{names}）" if names else ""
    if kinds >= rubric.terminal_kinds_required:
        notes.say(f"{words.facts}{kinds} 类{listed}{words.enough}")
        return rubric.terminal_points
    points, verdict = words.short_of.get(kinds) or _terminals_short(rubric, kinds)
    notes.say(f"{words.facts}{kinds} 类{listed}{verdict}")
    return points


def _platform_phrases(rubric: Rubric) -> SimpleNamespace:
    """The verdict for each band of the platform's rates."""
    shown = rubric.shown
    high = f"{shown.platform_high_merchants_pct}% 和 {shown.platform_high_residents_pct}%"
    mid = f"{shown.platform_mid_merchants_pct}% 和 {shown.platform_mid_residents_pct}%"
    return SimpleNamespace(high=f"智慧服务平台达到 {high}，得 {fmt(rubric.platform_high_points)} 分",
                           mid=f"智慧服务平台达到 {mid}，得 {fmt(rubric.platform_mid_points)} 分",
                           low=f"智慧服务平台未达到 {mid}，得 0 分")


def _platform(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    rates = _platform_rates(ctx, notes)
    if rates is None:
        notes.say("无法计算商户入驻率和居民注册率，平台部分 0 分")
        return ZERO
    merchants, residents = rates
    words = ctx.phrases.platform
    if merchants >= rubric.platform_high_merchants_pct and residents >= rubric.platform_high_residents_pct:
        notes.say(words.high)
        return rubric.platform_high_points
    if merchants >= rubric.platform_mid_merchants_pct and residents >= rubric.platform_mid_residents_pct:
        notes.say(words.mid)
        return rubric.platform_mid_points
    notes.say(words.low)
    return ZERO


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
    if on_platform is None or registered is None or merchants is None or residents is None:
        return None
    merchant_rate = on_platform / merchants * HUNDRED if merchants > ZERO else ZERO
    people = residents * TEN_THOUSAND
    resident_rate = registered / people * HUNDRED if people > ZERO else ZERO
    source = "，取附件5网点合计" if defaulted else ""
    notes.say(f"商户入驻率 {_pct(merchant_rate)}%（入驻 {fmt(on_platform)} 户，商户总数 {fmt(merchants)} 户{source}），"
              f"居民注册率 {_pct(resident_rate)}%（注册 {fmt(registered)} 人，服务人口 {ctx.residents_text} 万人）")
    return merchant_rate, resident_rate


# ---------------------------------------------------------------------------
# Item 10 商居和谐
# ---------------------------------------------------------------------------


def _harmony_phrases(rubric: Rubric) -> dict[str, tuple[Decimal, str]]:
    """Each accepted 评价 → its (points, sentence)."""
    label = _label("service.harmony")
    return {text: (points, f"{label}评价为“{text}”，得 {fmt(points)} 分")
            for text, points in rubric.harmony_points.items()}


def _item_harmony(ctx: Context, rubric: Rubric, notes: Notes) -> Decimal:
    value = ctx.fact("harmony", notes, "此项不得分")
    if value is None:
        return ZERO
    verdict = ctx.phrases.harmony.get(str(value).strip())
    if verdict is None:
        choices = "、".join(rubric.harmony_points)
        notes.say(f"「{_label('service.harmony')}」填报为“{value}”，不是{choices}之一，此项不得分")
        return ZERO
    points, sentence = verdict
    notes.say(sentence)
    return points


# The items of 附件3 in order (1…10); each says what it found in the notes and returns its points.
ITEM_SCORERS: tuple[Callable[[Context, Rubric, Notes], Decimal], ...] = (
    _item_needs, _item_business, _item_service, _item_store_breakfast, _item_market_repair,
    _item_care, _item_chain, _item_events, _item_smart, _item_harmony,
)


# ---------------------------------------------------------------------------
# 附件2 业态“有没有”
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class PresenceResult:
    total: Decimal
    basic: Decimal
    quality: Decimal
    type: str
    basic_count: int
    quality_count: int
    notes: Notes
    total_text: str  # as the explanations write it


_TYPE_IDS = tuple(t.id for t in forms.PRESENCE_TYPES)
_BASIC_IDS = frozenset(t.id for t in forms.BASIC_TYPES)
_IS_BASIC = tuple(t in _BASIC_IDS for t in _TYPE_IDS)  # a mask over _TYPE_IDS
_TYPE_PATHS = tuple(f"presence.{t}" for t in _TYPE_IDS)
_TYPE_LABELS = tuple(t.label for t in forms.PRESENCE_TYPES)
_ALL_TICKS = itemgetter(*_TYPE_IDS)


def _presence_phrases(rubric: Rubric) -> SimpleNamespace:
    """The basic verdicts; (points, sentence) for every possible count of quality types; and
    (total, initial type, total as text, sentence) for every outcome (basic met?, count)."""
    shown = rubric.shown
    quality = []
    for count in range(len(_TYPE_IDS) + 1):
        earned = rubric.quality_each * count
        facts = f"品质提升类业态 {count} 类，每类 {shown.quality_each} 分"
        if earned > rubric.quality_cap:
            cap = shown.quality_cap
            quality.append((rubric.quality_cap, f"{facts}，计 {fmt(earned)} 分，超过上限 {cap} 分，按 {cap} 分计"))
        else:
            quality.append((earned, f"{facts}，得 {fmt(earned)} 分"))
    totals = {}
    for met in (False, True):
        for count, (points, _) in enumerate(quality):
            total = (rubric.basic_points if met else ZERO) + points
            initial = rubric.initial_type(total)
            verdict = (f"低于 {shown.type_cut_basic} 分，未达到基础型" if initial == NOT_TYPED
                       else f"初步分型为{initial}")
            totals[met, count] = (total, initial, fmt(total), f"合计 {fmt(total)} 分，{verdict}")
    rule = "必备业态齐全" if rubric.required_basic_types else f"达到 {rubric.basic_required} 类"
    return SimpleNamespace(
        basic_met=f"，{rule}，得 {shown.basic_points} 分",
        basic_short=f"，不足 {rubric.basic_required} 类，得 0 分",
        required=tuple((t, forms.PRESENCE[t].label) for t in rubric.required_basic_types),
        quality=quality, totals=totals)


def score_presence(circle: dict, rubric: Rubric) -> PresenceResult:
    """附件2: 60 for enough basic types, 1.5 per quality type up to 40, and the initial type."""
    return _score_presence(circle, rubric, _phrases(rubric).presence)


def _score_presence(circle: dict, rubric: Rubric, words: SimpleNamespace) -> PresenceResult:
    presence = circle.get("presence")
    notes = Notes(fallback_label=forms.FORM2_TITLE)
    ticks = _ticks(presence)
    blank = ticks.count(None)
    if blank == len(ticks):
        notes.unfilled("presence", "业态“有没有”按 0 分计，未达到基础型")
        return PresenceResult(ZERO, ZERO, ZERO, NOT_TYPED, 0, 0, notes, fmt(ZERO))
    # Counted without building the set of present types: these run over fifty types per circle.
    basic_count = len(list(filter(None, compress(ticks, _IS_BASIC))))
    quality_count = len(list(filter(None, ticks))) - basic_count
    met = _basic_met(ticks, basic_count, rubric, words, notes)
    quality, sentence = words.quality[quality_count]
    notes.say(sentence)
    if blank:
        _note_unfilled_types([tick is None for tick in ticks], notes)
    total, initial, total_text, sentence = words.totals[met, quality_count]
    notes.say(sentence)
    return PresenceResult(total, rubric.basic_points if met else ZERO, quality, initial, basic_count,
                          quality_count, notes, total_text)


def _ticks(presence: Any) -> tuple[Any, ...]:
    """The filed tick of each type, in form order (None where not filled)."""
    if not isinstance(presence, dict):
        return ()
    if type(presence) is dict:  # (a subclass might add the missing keys, as defaultdict does)
        try:
            return _ALL_TICKS(presence)  # every type there, as filed forms have it: in one step
        except KeyError:
            pass
    return tuple(map(presence.get, _TYPE_IDS))


def _basic_met(ticks: tuple[Any, ...], count: int, rubric: Rubric, words: SimpleNamespace,
               notes: Notes) -> bool:
    """All or nothing; with a configured 必备 list, every type on it must be present too."""
    present = set(compress(_TYPE_IDS, ticks)) if words.required else set()
    lacking = [label for t, label in words.required if t not in present]
    if lacking:
        notes.say(f"基本保障类业态 {count} 类，必备业态缺少{'、'.join(lacking)}，得 0 分")
        return False
    if count < rubric.basic_required:
        notes.say(f"基本保障类业态 {count} 类{words.basic_short}")
        return False
    notes.say(f"基本保障类业态 {count} 类{words.basic_met}")
    return True


def _note_unfilled_types(unfilled: list[bool], notes: Notes) -> None:
    """`unfilled` marks, in form order, each type whose tick was left blank."""
    count = sum(unfilled)
    if not count:
        return
    notes.missing.extend(compress(_TYPE_PATHS, unfilled))
    names = "、".join(compress(_TYPE_LABELS, unfilled))
    notes.say(f"另有 {count} 类业态未填报有无（{names}），按“无”计")


# ---------------------------------------------------------------------------
# Final type, self-scores, the whole record
# ---------------------------------------------------------------------------


@lru_cache(maxsize=64)  # 4 types × 4 grades
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


def _record_phrases(rubric: Rubric) -> SimpleNamespace:
    """Per item: (name, 自评 key, JSON maximum); the presence maximum; the grade cuts."""
    items = {item.no: (item.name, str(item.no), to_number(rubric.item_max(item.no)))
             for item in SERVICE_ITEM.values()}  # 自评 keys are "1"…"10" in JSON
    shown = rubric.shown
    cuts = (f"{shown.grade_cut_excellent} 分及以上为优秀，{shown.grade_cut_good} 分及以上为良好，"
            f"{shown.grade_cut_pass} 分及以上为合格")
    return SimpleNamespace(items=items, presence_max=to_number(rubric.presence_max), grade_cuts=cuts)


def _self_score(value: Any, computed: Decimal, rubric: Rubric) -> tuple[Decimal | None, bool]:
    mine = None if value is None else _dec(value)
    if mine is None:
        return None, False
    return mine, abs(computed - mine) > rubric.self_score_tolerance


def _difference(part: str, no: int | None, item: str, points: int | float, self_score: int | float,
                difference: Decimal) -> dict:
    """A flagged self-score; `points` and `self_score` are already in their JSON form."""
    return {"part": part, "no": no, "item": item, "points": points, "self_score": self_score,
            "difference": to_number(difference)}


def _item_records(results: list[tuple[Decimal, Notes]], rubric: Rubric,
                  items: dict[int, tuple[str, str, int | float]], self_scores: dict,
                  differences: list[dict]) -> list[dict]:
    """The JSON record of each item (results in item order); `items` gives its name, 自评 key
    and maximum."""
    records = []
    for no, (points, notes) in enumerate(results, 1):
        name, key, max_points = items[no]
        raw = None
        if self_scores:  # keyed "1"…"10" in JSON; ints are accepted too
            raw = self_scores[key] if key in self_scores else self_scores.get(no)
        mine, differs = (None, False) if raw is None else _self_score(raw, points, rubric)
        number, my_number = to_number(points), None if mine is None else to_number(mine)
        if differs:
            differences.append(_difference("service", no, name, number, my_number, points - mine))
        record = {"no": no, "name": name, "points": number, "max": max_points,
                  "explanation": "；".join(notes) + "。", "missing": notes.missing,
                  "self_score": my_number, "differs": differs}
        if notes.source is not None:
            record["source"] = notes.source
        records.append(record)
    return records


def score_circle(circle: dict, rubric: Rubric, *, projects: list[dict] | None = None,
                 survey: dict | None = None) -> dict:
    """Both rubrics for one CIRCLE record of the JSON contract, every point explained.

    `projects` are the circle's 附件6 rows (to derive 已落实相关建设内容 when blank);
    `survey` is the circle's 附件4 summary ``{"answers", "business_pct", "service_pct"}``,
    used for items 2 and 3 when the filed satisfaction is blank.
    """
    return _score_circle(circle, rubric, _phrases(rubric), projects, survey)


def _score_circle(circle: dict, rubric: Rubric, phrases: SimpleNamespace, projects: list[dict] | None,
                  survey: dict | None) -> dict:
    ctx = _context(circle, rubric, phrases, projects, survey)
    presence = _score_presence(circle, rubric, phrases.presence)
    results = []  # (points, notes) of each item, in order
    service_total = ZERO
    for scorer in ITEM_SCORERS:
        notes = Notes()
        points = scorer(ctx, rubric, notes)
        results.append((points, notes))
        service_total += points
    service_text = fmt(service_total)
    grade = rubric.grade(service_total)
    final, why = final_type(presence.type, grade)
    self_scores = circle.get("self_score") or {}
    differences: list[dict] = []
    words = phrases.records
    items = _item_records(results, rubric, words.items, self_scores.get("service") or {}, differences)
    missing = list(presence.notes.missing)
    for _, notes in results:
        missing += notes.missing
    return {
        "presence": _presence_record(presence, self_scores.get("presence"), rubric, words, differences),
        "service": _service_record(service_total, service_text, grade, items,
                                   self_scores.get("service_total"), rubric, words, differences),
        "final_type": final,
        "explanation": (f"业态“有没有”得 {presence.total_text} 分；服务“好不好”得 {service_text} 分，"
                        f"评价为{grade}；{why}。"),
        "missing": list(dict.fromkeys(missing)),
        "self_score_differences": differences,
    }


def _presence_record(presence: PresenceResult, self_value: Any, rubric: Rubric, words: SimpleNamespace,
                     differences: list[dict]) -> dict:
    mine, differs = _self_score(self_value, presence.total, rubric)
    number, my_number = to_number(presence.total), None if mine is None else to_number(mine)
    if differs:
        differences.append(_difference("presence", None, forms.FORM2_TITLE, number, my_number,
                                       presence.total - mine))
    return {
        "total": number, "max": words.presence_max, "basic": to_number(presence.basic),
        "quality": to_number(presence.quality), "type": presence.type,
        "basic_count": presence.basic_count, "quality_count": presence.quality_count,
        "explanation": "；".join(presence.notes) + "。", "missing": list(presence.notes.missing),
        "self_score": my_number, "differs": differs,
    }


def _service_record(total: Decimal, total_text: str, grade: str, items: list[dict], self_value: Any,
                    rubric: Rubric, words: SimpleNamespace, differences: list[dict]) -> dict:
    mine, differs = _self_score(self_value, total, rubric)
    number, my_number = to_number(total), None if mine is None else to_number(mine)
    if differs:
        differences.append(_difference("service_total", None, forms.FORM3_TITLE, number, my_number,
                                       total - mine))
    return {
        "total": number, "grade": grade, "items": items,
        "explanation": f"十项合计 {total_text} 分（{words.grade_cuts}），评价为{grade}。",
        "self_score": my_number, "differs": differs,
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
    phrases = _phrases(rubric)
    with gc_paused():
        return [
            _score_circle(circle, rubric, phrases,
                          None if by_circle is None else by_circle.get(circle.get("name") or "", []),
                          surveys.get(circle.get("name") or ""))
            for circle in circles
        ]
